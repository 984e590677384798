package daemon_test

import (
	"fmt"

	"github.com/switchless/routing/internal/daemon"
)

func ExampleDecodeYAMLStrict() {
	var cfg struct {
		RouterID string `yaml:"router_id"`
		Priority int    `yaml:"priority"`
	}
	err := daemon.DecodeYAMLStrict("vrrpd.yaml", []byte("router_id: 10.0.0.1\npriority: high\n"), &cfg)
	fmt.Println(err)
	// Output:
	// vrrpd.yaml:2: cannot unmarshal !!str `high` into int
}

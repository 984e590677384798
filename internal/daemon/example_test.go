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
	err := daemon.DecodeYAMLStrict("vrrpd.yaml", []byte("router_id: 10.0.0.1\npriority: high\nroute_id: 1\n"), &cfg)
	fmt.Println(err)
	// Output:
	// vrrpd.yaml:2: priority: "high" is not a number
	// vrrpd.yaml:3: unknown key "route_id" in the top level; did you mean "router_id"?
}

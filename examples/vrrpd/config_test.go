package main

import (
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/vrrp/packet"
)

func TestExampleConfig(t *testing.T) {
	l, err := LoadConfig("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Routers) != 2 || l.Routers[0].Interval != 100*time.Millisecond || l.Routers[1].Password != "secret" {
		t.Fatalf("parsed %+v", l.File)
	}
	cfg, err := l.complete(0, []netip.Prefix{netip.MustParsePrefix("192.0.2.2/24"), netip.MustParsePrefix("198.51.100.1/24")})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Address.String() != "192.0.2.2/24" || len(cfg.Subnets) != 1 || cfg.Version != packet.V3 {
		t.Errorf("completed %+v", cfg)
	}
	// eth1 weight 50, the script weight 0, and the router's own eth0.
	var names []string
	for _, tr := range cfg.Tracks {
		names = append(names, tr.Name)
	}
	if strings.Join(names, ",") != "if:eth1,if:eth0,script:upstream" {
		t.Errorf("tracks %v", names)
	}
}

func TestConfigErrorsNameTheLine(t *testing.T) {
	base := `routers:
  - name: a
    interface: eth0
    vrid: 1
    virtual_addresses: [192.0.2.100]
`
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown_field", base + "    bogus: 1\n", `x.yaml:6: unknown key "bogus" in routers[0]`},
		{"log_format", "log_format: syslog\n" + base, `x.yaml:1: log_format: "syslog" is not text or json`},
		{"unknown_top_field", "sockets: /x\n" + base, `x.yaml:1: unknown key "sockets" in the top level; did you mean "socket"?`},
		{"vrid_out_of_range", strings.Replace(base, "vrid: 1", "vrid: 300", 1), "x.yaml:4:"},
		{"bad_address", base + "    address: 192.0.2.300/24\n", "x.yaml:6:"},
		{"bad_duration", base + "    interval: fast\n", "x.yaml:6:"},
		{"vrid_zero", strings.Replace(base, "vrid: 1", "vrid: 0", 1), "x.yaml:4: routers[0] (a): vrrp: invalid configuration: VRID"},
		{"v2_subsecond", base + "    version: 2\n    interval: 100ms\n", "x.yaml:7: routers[0] (a): vrrp: invalid configuration: Interval"},
		{"version_4", base + "    version: 4\n", "x.yaml:6: routers[0] (a): vrrp: invalid configuration: Version"},
		{"no_interface", strings.Replace(base, "    interface: eth0\n", "", 1), "x.yaml:2: routers[0] (a): interface: required"},
		{"duplicate_name", base + strings.Replace(base, "routers:\n", "", 1), "x.yaml:6: routers[1] (a): name"},
		{"duplicate_vrid_on_interface", base + strings.Replace(strings.Replace(base, "routers:\n", "", 1), "name: a", "name: b", 1),
			"x.yaml:8: routers[1] (b): vrrp: invalid configuration: VRID: 1 on interface \"eth0\" is already used"},
		{"v3_password", base + "    password: x\n", "x.yaml:6: routers[0] (a): vrrp: invalid configuration: AuthType"},
		{"bad_log_level", "log_level: loud\n" + base, "x.yaml:1: log_level"},
		{"no_routers", "socket: /x\n", "routers: at least one"},
		{"script_without_command", base + "    track_scripts: [{name: s}]\n", "x.yaml:6: routers[0] (a): track_scripts[0].command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig("x.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	// Same VRID on two interfaces is fine.
	two := base + strings.Replace(strings.Replace(strings.Replace(base, "routers:\n", "", 1), "name: a", "name: b", 1), "eth0", "eth1", 1)
	if _, err := ParseConfig("x.yaml", []byte(two)); err != nil {
		t.Fatal(err)
	}
}

// TestComplete_VIPOutsideSubnets: with the interface's real addresses, a
// VIP outside all of its subnets is rejected unless accept mode is on.
func TestComplete_VIPOutsideSubnets(t *testing.T) {
	y := `routers:
  - name: a
    interface: eth0
    vrid: 1
    virtual_addresses: [203.0.113.1]
`
	l, err := ParseConfig("x.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	addrs := []netip.Prefix{netip.MustParsePrefix("192.0.2.2/24")}
	if _, err := l.complete(0, addrs); err == nil || !strings.Contains(err.Error(), "x.yaml:5: routers[0] (a): vrrp: invalid configuration: VirtualAddresses[0]: 203.0.113.1 is outside every subnet") {
		t.Fatalf("err %v", err)
	}
	if _, err := l.complete(0, append(addrs, netip.MustParsePrefix("203.0.113.5/24"))); err != nil {
		t.Fatalf("VIP in a secondary subnet: %v", err)
	}
	l.Routers[0].Accept = true
	if _, err := l.complete(0, addrs); err != nil {
		t.Fatalf("accept mode: %v", err)
	}
	// A VIP left on the interface by an earlier run is not the primary.
	l2, _ := ParseConfig("x.yaml", []byte(strings.Replace(y, "203.0.113.1", "192.0.2.100", 1)))
	cfg, err := l2.complete(0, []netip.Prefix{netip.MustParsePrefix("192.0.2.100/32"), netip.MustParsePrefix("192.0.2.2/24")})
	if err != nil || cfg.Address.String() != "192.0.2.2/24" {
		t.Fatalf("primary %v, err %v", cfg.Address, err)
	}
	if _, err := l2.complete(0, nil); err == nil || !strings.Contains(err.Error(), "no usable address") {
		t.Fatalf("no address: %v", err)
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	if _, err := LoadConfig("/nonexistent/vrrpd.yaml"); !os.IsNotExist(err) {
		t.Fatalf("err %v", err)
	}
}

package main

import (
	"net/netip"
	"os"
	"path/filepath"
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
	second := strings.Replace(strings.Replace(strings.Replace(base, "routers:\n", "", 1), "name: a", "name: b", 1), "vrid: 1", "vrid: 2", 1)
	dir := t.TempDir()
	script := filepath.Join(dir, "notify.sh")
	plain := filepath.Join(dir, "plain.txt")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown_field", base + "    bogus: 1\n", `x.yaml:6: unknown key "bogus" in routers[0]`},
		{"log_format", "log_format: syslog\n" + base, `x.yaml:1: log_format: "syslog" is not text or json`},
		{"metrics_listen", "metrics_listen: foo\n" + base, `x.yaml:1: metrics_listen: "foo": must be host:port`},
		{"unknown_top_field", "sockets: /x\n" + base, `x.yaml:1: unknown key "sockets" in the top level; did you mean "socket"?`},
		{"vrid_out_of_range", strings.Replace(base, "vrid: 1", "vrid: 300", 1), "x.yaml:4:"},
		{"bad_address", base + "    address: 192.0.2.300/24\n", "x.yaml:6:"},
		{"bad_duration", base + "    interval: fast\n", "x.yaml:6:"},
		{"vrid_zero", strings.Replace(base, "vrid: 1", "vrid: 0", 1), "x.yaml:4: routers[0].vrid: 0 is not a VRID: must be 1–255 (RFC 5798 §5.2.3)"},
		{"vrid_missing", strings.Replace(base, "    vrid: 1\n", "", 1), "x.yaml:2: routers[0].vrid: required: 1–255 (RFC 5798 §5.2.3)"},
		{"priority_zero", base + "    priority: 0\n", "x.yaml:6: routers[0].priority: 0 is reserved for a Master resigning (RFC 5798 §5.2.4): use 1–254"},
		{"v2_subsecond", base + "    version: 2\n    interval: 100ms\n", "x.yaml:7: routers[0].interval: 100ms: VRRPv2 needs whole seconds, 1..255 (RFC 3768 §5.3.7)"},
		{"interval_zero", base + "    interval: 0s\n", "x.yaml:6: routers[0].interval: 0s: must be positive (leave it out for 1s)"},
		{"version_4", base + "    version: 4\n", "x.yaml:6: routers[0].version: 4 is neither 2 nor 3"},
		{"no_interface", strings.Replace(base, "    interface: eth0\n", "", 1), "x.yaml:2: routers[0].interface: required"},
		{"interface_too_long", strings.Replace(base, "eth0", "eth0123456789abc", 1), `x.yaml:3: routers[0].interface: "eth0123456789abc" is 16 bytes, longer than the 15 Linux allows (IFNAMSIZ)`},
		{"macvlan_too_long", base + "    macvlan: vrrp-gateway-upstream-lan-0123456789ab\n",
			`x.yaml:6: routers[0].macvlan: "vrrp-gateway-upstream-lan-0123456789ab" is 38 bytes, longer than the 15 Linux allows (IFNAMSIZ)`},
		{"macvlan_is_interface", base + "    macvlan: eth0\n", `x.yaml:6: routers[0].macvlan: "eth0" is the router's interface`},
		{"duplicate_name", base + strings.Replace(base, "routers:\n", "", 1), `x.yaml:6: routers[1].name: "a" is already routers[0]'s`},
		{"duplicate_vrid_on_interface", base + strings.Replace(strings.Replace(second, "vrid: 2", "vrid: 1", 1), "192.0.2.100", "192.0.2.101", 1),
			`x.yaml:8: routers[1].vrid: 1 on interface "eth0" is already used by routers[0]`},
		{"duplicate_vip", base + strings.Replace(second, "eth0", "eth1", 1),
			"x.yaml:9: routers[1].virtual_addresses[0]: 192.0.2.100 is also a virtual address of routers[0]"},
		{"v3_password", base + "    password: x\n", "x.yaml:6: routers[0].password: authentication exists only in VRRPv2 (RFC 5798 §9)"},
		{"bad_log_level", "log_level: loud\n" + base, `x.yaml:1: log_level: "loud" is not debug, info, warn or error`},
		{"no_routers", "socket: /x\n", "x.yaml:1: routers: at least one is required"},
		{"script_without_command", base + "    track_scripts: [{name: s}]\n", "x.yaml:6: routers[0].track_scripts[0].command: required"},
		{"script_rise_zero", base + "    track_scripts: [{name: s, command: [/bin/true], rise: 0}]\n",
			"x.yaml:6: routers[0].track_scripts[0].rise: 0: must be 1 or more (consecutive results needed to change state)"},
		{"script_fall_zero", base + "    track_scripts:\n      - name: s\n        command: [/bin/true]\n        fall: 0\n",
			"x.yaml:9: routers[0].track_scripts[0].fall: 0: must be 1 or more (consecutive results needed to change state)"},
		{"script_timeout_over_interval", base + "    track_scripts: [{name: s, command: [/bin/true], timeout: 5s}]\n",
			"x.yaml:6: routers[0].track_scripts[0].timeout: 5s is not shorter than the interval 1s"},
		{"script_timeout_equal_interval", base + "    track_scripts: [{name: s, command: [/bin/true], interval: 2s, timeout: 2s}]\n",
			"x.yaml:6: routers[0].track_scripts[0].timeout: 2s is not shorter than the interval 2s"},
		{"script_interval_negative", base + "    track_scripts: [{name: s, command: [/bin/true], interval: -1s}]\n",
			"x.yaml:6: routers[0].track_scripts[0].interval: -1s: must be positive (leave the key out for the default)"},
		{"script_weight", base + "    track_scripts: [{name: s, command: [/bin/true], weight: 300}]\n",
			"x.yaml:6: routers[0].track_scripts[0].weight: 300 is not 0..254"},
		{"track_interface_weight", base + "    track_interfaces: [{name: eth1, weight: -1}]\n",
			"x.yaml:6: routers[0].track_interfaces[0].weight: -1 is not 0..254"},
		{"notify_relative", base + "    notify: [notify.sh, x]\n", `x.yaml:6: routers[0].notify[0]: "notify.sh" is not an absolute path`},
		{"notify_missing", base + "    notify: [" + dir + "/nope.sh]\n", "x.yaml:6: routers[0].notify[0]: " + dir + "/nope.sh does not exist"},
		{"notify_not_executable", base + "    notify: [" + plain + "]\n", "x.yaml:6: routers[0].notify[0]: " + plain + " is not an executable file"},
		{"notify_directory", base + "    notify: [" + dir + "]\n", "x.yaml:6: routers[0].notify[0]: " + dir + " is not an executable file"},
		{"notify_empty", base + "    notify: []\n", "x.yaml:6: routers[0].notify: empty command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig("x.yaml", []byte(tt.yaml))
			exact := !strings.HasSuffix(tt.want, ":") && !strings.Contains(tt.want, "not found")
			if err == nil || (exact && err.Error() != tt.want) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error\n%v\nwant\n%s", err, tt.want)
			}
		})
	}
	ok := map[string]string{
		// Same VRID on two interfaces is fine.
		"vrid_on_two_interfaces": base + strings.Replace(strings.Replace(strings.Replace(second, "vrid: 2", "vrid: 1", 1), "192.0.2.100", "192.0.2.101", 1), "eth0", "eth1", 1),
		"notify_executable":      base + "    notify: [" + script + ", arg]\n",
		"priority_owner":         strings.Replace(base, "vrid: 1", "vrid: 1\n    priority: 255\n    address: 192.0.2.100/24", 1),
		"script_timers":          base + "    track_scripts: [{name: s, command: [/bin/true], interval: 2s, timeout: 1s, rise: 1, fall: 1}]\n",
	}
	for name, y := range ok {
		if _, err := ParseConfig("x.yaml", []byte(y)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
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
	if _, err := l.complete(0, addrs); err == nil || !strings.Contains(err.Error(), "x.yaml:5: routers[0].virtual_addresses[0]: 203.0.113.1 is outside every subnet") {
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

package main

import (
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/ospf/packet"
)

func TestParseConfig_Example(t *testing.T) {
	b, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l, err := ParseConfig("example.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Interfaces) != 3 || l.Interfaces[0].Network != ospf.NetworkPointToPoint || !l.Interfaces[2].Passive {
		t.Errorf("interfaces %+v", l.Interfaces)
	}
	if !l.DefaultInformation.Originate || l.DefaultInformation.Metric != 10 || l.Redistribute.Connected == nil {
		t.Errorf("redistribution %+v %+v", l.DefaultInformation, l.Redistribute)
	}
	cfg, err := l.ospfConfig(func(int) netip.Prefix { return netip.MustParsePrefix("10.0.0.1/30") })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Interfaces[1].Auth.Type != packet.AuthCrypto || cfg.Interfaces[1].Auth.Keys[0].Algorithm != packet.AlgHMACSHA256 {
		t.Errorf("auth %+v", cfg.Interfaces[1].Auth)
	}
	if !cfg.Redistribute.Connected.Enabled || cfg.Redistribute.Static.Enabled {
		t.Errorf("redistribute %+v", cfg.Redistribute)
	}
}

// Every bad configuration is rejected with the file, the line and the
// reason.
func TestParseConfig_Errors(t *testing.T) {
	base := "router_id: 1.1.1.1\ninterfaces:\n  - name: eth0\n"
	for _, c := range []struct {
		name, yaml, want string
	}{
		{"unknown top-level field", base + "colour: blue\n", "x.yaml:4: field colour not found"},
		{"unknown interface field", "router_id: 1.1.1.1\ninterfaces:\n  - name: eth0\n    kost: 5\n", "x.yaml:4: field kost not found"},
		{"bad router id", "router_id: 1.1.1\ninterfaces:\n  - name: eth0\n", `x.yaml:1: `},
		{"missing router id", "interfaces:\n  - name: eth0\n", "router_id: required"},
		{"no interfaces", "router_id: 1.1.1.1\n", "interfaces: at least one"},
		{"bad network type", base + "    network: nbma-ish\n", "x.yaml:4: "},
		{"unsupported network type", base + "    network: nbma\n", "x.yaml:4: interfaces[0].network"},
		{"wrong type", base + "    cost: lots\n", "x.yaml:4: cannot unmarshal"},
		{"cost overflow", base + "    cost: 70000\n", "x.yaml:4: cannot unmarshal"},
		{"bad duration", base + "    hello_interval: 1.5s\n", "x.yaml:4: interfaces[0].hello_interval"},
		{"dead below hello", base + "    hello_interval: 10s\n    dead_interval: 5s\n", "x.yaml:5: interfaces[0].dead_interval"},
		{"duplicate interface", base + "  - name: eth0\n", "x.yaml:4: interfaces[1].name"},
		{"auth type", base + "    auth: {type: rot13}\n", "x.yaml:4: interfaces[0].auth"},
		{"auth alg", base + "    auth:\n      type: crypto\n      keys: [{id: 1, algorithm: crc32, secret: x}]\n", "x.yaml:4: interfaces[0].auth"},
		{"log level", "log_level: loud\n" + base, "x.yaml:1: log_level"},
		{"fib rt_protocol", base + "fib: {rt_protocol: 2}\n", "x.yaml:4: fib.rt_protocol"},
		{"metric type", base + "default_information: {originate: true, metric_type: 3}\n", "x.yaml:4: "},
		{"always without originate", base + "default_information:\n  always: true\n", "x.yaml:4: default_information"},
		{"spf order", base + "spf:\n  initial_delay: 1s\n  short_delay: 100ms\n", "x.yaml:4: spf"},
		{"max paths", base + "max_paths: 1000\n", "x.yaml:4: max_paths"},
		{"static route host bits", base + "redistribute:\n  static: {routes: [10.0.0.1/8]}\n", "x.yaml:5: redistribute.static"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig("x.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatalf("accepted:\n%s", c.yaml)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
		})
	}
}

// FuzzParseConfig: any input is either rejected with an error or yields a
// configuration the library accepts; parsing never panics.
func FuzzParseConfig(f *testing.F) {
	if b, err := os.ReadFile("example.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("router_id: 1.1.1.1\ninterfaces:\n  - name: eth0\n"))
	f.Add([]byte("router_id: 1.1.1.1\ninterfaces: [{name: a, network: p2p, cost: 0}]\nspf: {long_delay: -1s}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseConfig("f.yaml", b)
		if err != nil {
			return
		}
		cfg, err := l.ospfConfig(func(int) netip.Prefix { return netip.MustParsePrefix("192.0.2.1/24") })
		if err != nil {
			return
		}
		for i := range cfg.Interfaces {
			if a := l.Interfaces[i].Address; a != nil {
				cfg.Interfaces[i].Prefix = *a
			}
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted configuration fails Validate: %v\n%s", err, b)
		}
	})
}

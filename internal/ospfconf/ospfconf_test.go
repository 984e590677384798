package ospfconf

import (
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/ospf/packet"
)

// exampleYAML is ospfd's documented example.
const exampleYAML = "../../examples/ospfd/example.yaml"

func TestParseConfig_Example(t *testing.T) {
	b, err := os.ReadFile(exampleYAML)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ParseConfig(exampleYAML, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Interfaces) != 3 || l.Interfaces[0].Network != ospf.NetworkPointToPoint || !l.Interfaces[2].Passive {
		t.Errorf("interfaces %+v", l.Interfaces)
	}
	if l.StubRouter.OnStartup != time.Minute || l.StubRouter.Administrative {
		t.Errorf("stub_router %+v, want on_startup 60s", l.StubRouter)
	}
	if !l.DefaultInformation.Originate || l.DefaultInformation.Metric != 10 || l.Redistribute.Connected == nil {
		t.Errorf("redistribution %+v %+v", l.DefaultInformation, l.Redistribute)
	}
	cfg, err := l.OSPFConfig(func(int) netip.Prefix { return netip.MustParsePrefix("10.0.0.1/30") })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Interfaces[1].Auth.Type != packet.AuthCrypto || cfg.Interfaces[1].Auth.Keys[0].Algorithm != packet.AlgHMACSHA256 {
		t.Errorf("auth %+v", cfg.Interfaces[1].Auth)
	}
	if !cfg.Redistribute.Connected.Enabled || cfg.Redistribute.Static.Enabled {
		t.Errorf("redistribute %+v", cfg.Redistribute)
	}
	if bc := l.BFDConfig(cfg); len(bc.Interfaces) != 2 || bc.Interfaces[0].MinTx != 50*time.Millisecond || bc.Interfaces[1].DetectMult != 5 ||
		bc.Interfaces[1].Auth == nil || bc.Interfaces[1].Auth.KeyID != 2 || bc.Validate() != nil {
		t.Errorf("bfd %+v", bc.Interfaces)
	}
}

// Every bad configuration is rejected with the file, the line and the
// reason.
func TestParseConfig_Errors(t *testing.T) {
	base := "router_id: 1.1.1.1\ninterfaces:\n  - name: eth0\n"
	for _, c := range []struct {
		name, yaml, want string
	}{
		{"unknown top-level field", base + "colour: blue\n", `x.yaml:4: unknown key "colour" in the top level`},
		{"unknown interface field", "router_id: 1.1.1.1\ninterfaces:\n  - name: eth0\n    kost: 5\n", `x.yaml:4: unknown key "kost" in interfaces[0]; did you mean "cost"?`},
		{"bad router id", "router_id: 1.1.1\ninterfaces:\n  - name: eth0\n", `x.yaml:1: `},
		{"missing router id", "interfaces:\n  - name: eth0\n", "router_id: required"},
		{"no interfaces", "router_id: 1.1.1.1\n", "interfaces: at least one"},
		{"bad network type", base + "    network: nbma-ish\n", "x.yaml:4: "},
		{"unsupported network type", base + "    network: nbma\n", "x.yaml:4: interfaces[0].network"},
		{"wrong type", base + "    cost: lots\n", `x.yaml:4: interfaces[0].cost: "lots" is not a number`},
		{"cost overflow", base + "    cost: 70000\n", "x.yaml:4: interfaces[0].cost: 70000 is not a number from 0 to 65535"},
		{"max_path", "max_path: 2\n" + base, `x.yaml:1: unknown key "max_path" in the top level; did you mean "max_paths"?`},
		{"empty file", "", "x.yaml: the file is empty"},
		{"not a mapping", "- router_id: 1.1.1.1\n", "x.yaml:1: the top level is a list; it must be a mapping of keys"},
		{"bad duration", base + "    hello_interval: 1.5s\n", "x.yaml:4: interfaces[0].hello_interval"},
		{"dead below hello", base + "    hello_interval: 10s\n    dead_interval: 5s\n", "x.yaml:5: interfaces[0].dead_interval"},
		{"duplicate interface", base + "  - name: eth0\n", "x.yaml:4: interfaces[1].name"},
		{"auth type", base + "    auth: {type: rot13}\n", "x.yaml:4: interfaces[0].auth"},
		{"auth alg", base + "    auth:\n      type: crypto\n      keys: [{id: 1, algorithm: crc32, secret: x}]\n", "x.yaml:4: interfaces[0].auth"},
		{"log level", "log_level: loud\n" + base, "x.yaml:1: log_level"},
		{"log format", "log_format: logfmt\n" + base, `x.yaml:1: log_format: "logfmt" is not text or json`},
		{"metrics listen", "metrics_listen: foo\n" + base, `x.yaml:1: metrics_listen: "foo": must be host:port`},
		{"fib rt_protocol", base + "fib: {rt_protocol: 2}\n", "x.yaml:4: fib.rt_protocol"},
		{"metric type", base + "default_information: {originate: true, metric_type: 3}\n", "x.yaml:4: "},
		{"always without originate", base + "default_information:\n  always: true\n", "x.yaml:5: default_information.always: needs originate: true"},
		{"spf order", base + "spf:\n  initial_delay: 1s\n  short_delay: 100ms\n", "x.yaml:5: spf.initial_delay: 1s: must not exceed short_delay (100ms)"},
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

// Every bad bfd setting is rejected with the file, the line, the YAML key
// and the reason: the exact message.
func TestParseConfig_BFDErrors(t *testing.T) {
	base := "router_id: 1.1.1.1\ninterfaces:\n  - name: eth0\n"
	for _, c := range []struct {
		name, yaml, want string
	}{
		{"unknown key", base + "bfd:\n  min_tx: 50ms\n  interval: 50ms\n", "x.yaml:6: bfd.interval: unknown key (want min_tx, min_rx, multiplier, passive, auth)"},
		{"unknown interface key", base + "    bfd: {tx: 50ms}\n", "x.yaml:4: interfaces[0].bfd.tx: unknown key (want min_tx, min_rx, multiplier, passive, auth)"},
		{"multiplier 0", base + "bfd: {multiplier: 0}\n", "x.yaml:4: bfd.multiplier: 0 is outside 1 to 255 (leave it out for the default, 3)"},
		{"multiplier too big", base + "    bfd:\n      multiplier: 1000\n", "x.yaml:5: interfaces[0].bfd.multiplier: 1000 is outside 1 to 255 (leave it out for the default, 3)"},
		{"interval below 10ms", base + "    bfd: {min_tx: 1ms}\n", "x.yaml:4: interfaces[0].bfd.min_tx: 1ms is below the 10ms minimum: a software BFD cannot keep a shorter interval"},
		{"interval without unit", base + "bfd:\n  min_rx: 50\n", `x.yaml:5: bfd.min_rx: "50" has no unit: write it like 50ms`},
		{"auth type", base + "bfd:\n  auth:\n    type: hmac-sha-256\n    key: k\n", `x.yaml:6: bfd.auth.type: "hmac-sha-256" is not none or one of simple, keyed-md5, meticulous-keyed-md5, keyed-sha1, meticulous-keyed-sha1`},
		{"auth key too long", base + "    bfd: {auth: {type: keyed-md5, key: \"12345678901234567\"}}\n", "x.yaml:4: interfaces[0].bfd.auth.key: an MD5 key (RFC 5880 §4.3) is 1 to 16 bytes, got 17"},
		{"auth without key", base + "bfd:\n  auth: {type: keyed-sha1}\n", "x.yaml:5: bfd.auth.key: required with type keyed-sha1"},
		{"not a bool", base + "    bfd: 3\n", `x.yaml:4: interfaces[0].bfd: "3" is not true, false or a mapping of min_tx, min_rx, multiplier, passive, auth`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig("x.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatalf("accepted:\n%s", c.yaml)
			}
			if err.Error() != c.want {
				t.Errorf("error\n%s\nwant\n%s", err, c.want)
			}
		})
	}
}

// bfd: defaults and per-interface overrides set ospf.InterfaceConfig.BFD
// and give the bfd.InterfaceConfig of those interfaces only.
func TestParseConfig_BFD(t *testing.T) {
	l, err := ParseConfig("x.yaml", []byte(`router_id: 1.1.1.1
bfd: {min_tx: 50ms, min_rx: 60ms, multiplier: 4}
interfaces:
  - {name: eth0, bfd: true}
  - {name: eth1, bfd: {min_rx: 200ms, passive: true}}
  - {name: eth2}
`))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := l.OSPFConfig(func(i int) netip.Prefix { return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(i), 1}), 24) })
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, true, false} {
		if cfg.Interfaces[i].BFD != want {
			t.Errorf("interfaces[%d].BFD = %v, want %v", i, cfg.Interfaces[i].BFD, want)
		}
		cfg.Interfaces[i].IfIndex = i + 1
	}
	bc := l.BFDConfig(cfg)
	if err := bc.Validate(); err != nil || len(bc.Interfaces) != 2 {
		t.Fatalf("bfd config %+v: %v", bc, err)
	}
	if e := bc.Interfaces[0]; e.Name != "eth0" || e.IfIndex != 1 || e.MinTx != 50*time.Millisecond || e.MinRx != 60*time.Millisecond || e.DetectMult != 4 || e.Passive {
		t.Errorf("eth0 %+v", e)
	}
	if e := bc.Interfaces[1]; e.Name != "eth1" || e.MinTx != 50*time.Millisecond || e.MinRx != 200*time.Millisecond || e.DetectMult != 4 || !e.Passive {
		t.Errorf("eth1 %+v", e)
	}
}

// FuzzParseConfig: any input is either rejected with an error or yields a
// configuration the library accepts; parsing never panics.
func FuzzParseConfig(f *testing.F) {
	if b, err := os.ReadFile(exampleYAML); err == nil {
		f.Add(b)
	}
	f.Add([]byte("router_id: 1.1.1.1\ninterfaces:\n  - name: eth0\n"))
	f.Add([]byte("router_id: 1.1.1.1\ninterfaces: [{name: a, network: p2p, cost: 0}]\nspf: {long_delay: -1s}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseConfig("f.yaml", b)
		if err != nil {
			return
		}
		cfg, err := l.OSPFConfig(func(int) netip.Prefix { return netip.MustParsePrefix("192.0.2.1/24") })
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

// TestParseConfig_ExplicitZeros: a zero written in the file where
// ospf.Config reads zero as its default is refused, as are what
// ospf.Config cannot see (names Linux refuses, one address on two
// interfaces, a route listed twice): the exact message.
func TestParseConfig_ExplicitZeros(t *testing.T) {
	base := "router_id: 1.1.1.1\ninterfaces:\n  - name: eth0\n"
	for _, c := range []struct {
		name, yaml, want string
	}{
		{"cost 0 (RFC 2328 §C.3)", base + "    cost: 0\n", "x.yaml:4: interfaces[0].cost: 0: an interface's output cost is 1–65535 (RFC 2328 §C.3); leave the key out for the default"},
		{"hello 0", base + "    hello_interval: 0s\n", "x.yaml:4: interfaces[0].hello_interval: 0s: must be positive (leave the key out for the default)"},
		{"dead 0", base + "    dead_interval: 0s\n", "x.yaml:4: interfaces[0].dead_interval: 0s: must be positive (leave the key out for the default)"},
		{"retransmit 0", base + "    retransmit_interval: 0s\n", "x.yaml:4: interfaces[0].retransmit_interval: 0s: must be positive (leave the key out for the default)"},
		{"transmit delay negative", base + "    transmit_delay: -1s\n", "x.yaml:4: interfaces[0].transmit_delay: -1s: must be positive (leave the key out for the default)"},
		{"hello multiplier 0", base + "    hello_multiplier: 0\n", "x.yaml:4: interfaces[0].hello_multiplier: 0: must be 1 or more (leave the key out for the default)"},
		{"max paths 0", base + "max_paths: 0\n", "x.yaml:4: max_paths: 0: must be 1–256 (leave the key out for 16)"},
		{"name over IFNAMSIZ", strings.Replace(base, "eth0", "ring-west-uplink0", 1), `x.yaml:3: interfaces[0].name: "ring-west-uplink0" is 17 bytes, longer than the 15 Linux allows (IFNAMSIZ)`},
		{"one address twice", base + "    address: 10.0.0.1/24\n  - name: eth1\n    address: 10.0.0.1/30\n", "x.yaml:6: interfaces[1].address: 10.0.0.1 is also interfaces[0]'s address"},
		{"route twice", base + "redistribute:\n  static: {routes: [10.1.0.0/16, 10.2.0.0/16, 10.1.0.0/16]}\n", "x.yaml:5: redistribute.static.routes[2]: 10.1.0.0/16 is also routes[0]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig("x.yaml", []byte(c.yaml))
			if err == nil || err.Error() != c.want {
				t.Errorf("error\n%v\nwant\n%s", err, c.want)
			}
		})
	}
	for _, ok := range []string{base + "    cost: 1\n    hello_interval: 1s\n    dead_interval: 4s\n", base + "max_paths: 1\n"} {
		if _, err := ParseConfig("x.yaml", []byte(ok)); err != nil {
			t.Errorf("%v:\n%s", err, ok)
		}
	}
}

// TestParseConfig_LibraryErrorsInYAMLTerms: what ospf.Config.Validate
// finds is said with the file's keys, not ospf.Config's field names.
func TestParseConfig_LibraryErrorsInYAMLTerms(t *testing.T) {
	base := "router_id: 1.1.1.1\ninterfaces:\n  - name: eth0\n"
	for _, c := range []struct{ name, yaml, want string }{
		{"dead below hello", base + "    hello_interval: 10s\n    dead_interval: 5s\n", "x.yaml:5: interfaces[0].dead_interval: 5s: must exceed hello_interval (10s)"},
		{"max paths", base + "max_paths: 1000\n", "x.yaml:4: max_paths: 1000: must be 0 (default 16) to 256"},
		{"mtu", base + "    mtu: 10\n", "x.yaml:4: interfaces[0].mtu: 10: must be 0 (1500) or 576..65535"},
		{"key twice", base + "    auth: {type: crypto, keys: [{id: 1, secret: a}, {id: 1, secret: b}]}\n", "x.yaml:4: interfaces[0].auth.keys[1].id: key ID 1 listed twice"},
		{"route host bits", base + "redistribute:\n  static: {routes: [10.0.0.1/8]}\n", "x.yaml:5: redistribute.static.routes[0]: 10.0.0.1/8: must be an IPv4 network (host bits zero)"},
		{"router id zero", strings.Replace(base, "1.1.1.1", "0.0.0.0", 1), "x.yaml:1: router_id: must be a non-zero IPv4 address, got 0.0.0.0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig("x.yaml", []byte(c.yaml))
			if err == nil || err.Error() != c.want {
				t.Errorf("error\n%v\nwant\n%s", err, c.want)
			}
		})
	}
}

// TestParseConfig_StubRouterAndOverflow: stub_router (RFC 6987),
// external_lsdb_limit and exit_overflow_interval (RFC 1765) and the LSA
// timers reach ospf.Config.
func TestParseConfig_StubRouterAndOverflow(t *testing.T) {
	l, err := ParseConfig("x.yaml", []byte(`router_id: 1.1.1.1
interfaces:
  - name: eth0
stub_router: {on_startup: 60s, administrative: true}
external_lsdb_limit: 1000
exit_overflow_interval: 5m
min_ls_interval: 200ms
min_ls_arrival: 100ms
`))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := l.OSPFConfig(func(int) netip.Prefix { return netip.MustParsePrefix("10.0.0.1/30") })
	if err != nil {
		t.Fatal(err)
	}
	if want := (ospf.StubRouter{OnStartup: time.Minute, Administrative: true}); cfg.StubRouter != want {
		t.Errorf("StubRouter = %+v, want %+v", cfg.StubRouter, want)
	}
	if cfg.ExternalLSDBLimit != 1000 || cfg.ExitOverflowInterval != 5*time.Minute {
		t.Errorf("ExternalLSDBLimit = %d, ExitOverflowInterval = %v, want 1000 and 5m", cfg.ExternalLSDBLimit, cfg.ExitOverflowInterval)
	}
	if cfg.MinLSInterval != 200*time.Millisecond || cfg.MinLSArrival != 100*time.Millisecond {
		t.Errorf("MinLSInterval = %v, MinLSArrival = %v, want 200ms and 100ms", cfg.MinLSInterval, cfg.MinLSArrival)
	}
	// min_ls_interval below the RFC's MinLSArrival brings min_ls_arrival
	// with it when that is absent.
	l, err = ParseConfig("x.yaml", []byte("router_id: 1.1.1.1\ninterfaces:\n  - name: eth0\nmin_ls_interval: 50ms\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg, _ := l.OSPFConfig(func(int) netip.Prefix { return netip.MustParsePrefix("10.0.0.1/30") }); cfg.MinLSArrival != 50*time.Millisecond {
		t.Errorf("MinLSArrival = %v, want min_ls_interval's 50ms", cfg.MinLSArrival)
	}
	// Absent keys are the RFC's defaults: no stub router, no limit.
	l, err = ParseConfig("x.yaml", []byte("router_id: 1.1.1.1\ninterfaces:\n  - name: eth0\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ = l.OSPFConfig(func(int) netip.Prefix { return netip.MustParsePrefix("10.0.0.1/30") })
	if cfg.StubRouter != (ospf.StubRouter{}) || cfg.ExternalLSDBLimit != 0 || cfg.ExitOverflowInterval != 0 || cfg.MinLSInterval != 0 {
		t.Errorf("defaults: %+v limit %d exit %v min_ls_interval %v", cfg.StubRouter, cfg.ExternalLSDBLimit, cfg.ExitOverflowInterval, cfg.MinLSInterval)
	}
}

// Every bad stub_router, overflow or LSA timer setting is rejected with
// the file, the line, the key and the reason: the exact message.
func TestParseConfig_StubRouterAndOverflowErrors(t *testing.T) {
	base := "router_id: 1.1.1.1\ninterfaces:\n  - name: eth0\n"
	for _, c := range []struct{ name, yaml, want string }{
		{"RFC6987 on_startup negative", base + "stub_router:\n  on_startup: -1s\n", "x.yaml:5: stub_router.on_startup: -1s: must be 0 (off) to 24h"},
		{"RFC6987 on_startup over a day", base + "stub_router: {on_startup: 25h}\n", "x.yaml:4: stub_router.on_startup: 25h0m0s: must be 0 (off) to 24h"},
		{"RFC6987 administrative not a bool", base + "stub_router: {administrative: maybe}\n", `x.yaml:4: stub_router.administrative: "maybe" is not true or false`},
		{"RFC6987 unknown key", base + "stub_router: {on_start: 60s}\n", `x.yaml:4: unknown key "on_start" in stub_router; did you mean "on_startup"?`},
		{"RFC1765 limit negative", base + "external_lsdb_limit: -1\n", "x.yaml:4: external_lsdb_limit: -1: must be 0 (no limit) or positive"},
		{"RFC1765 exit interval over a day", base + "external_lsdb_limit: 10\nexit_overflow_interval: 48h\n", "x.yaml:5: exit_overflow_interval: 48h0m0s: must be 0 (stay until restarted) to 24h"},
		{"RFC1765 exit interval without a limit", base + "exit_overflow_interval: 5m\n", "x.yaml:4: exit_overflow_interval: only with external_lsdb_limit (RFC 1765 §2.4: it ends the overflow state the limit enters)"},
		{"min_ls_interval 0", base + "min_ls_interval: 0s\n", "x.yaml:4: min_ls_interval: 0s: must be positive (leave the key out for the default)"},
		{"min_ls_interval over an hour", base + "min_ls_interval: 2h\n", "x.yaml:4: min_ls_interval: 2h0m0s: must be between 0 (the RFC default) and 1h"},
		{"min_ls_arrival above min_ls_interval", base + "min_ls_interval: 1s\nmin_ls_arrival: 2s\n", "x.yaml:5: min_ls_arrival: 2s: exceeds min_ls_interval 1s, so neighbors configured alike would discard our own new instances"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig("x.yaml", []byte(c.yaml))
			if err == nil || err.Error() != c.want {
				t.Errorf("error\n%v\nwant\n%s", err, c.want)
			}
		})
	}
}

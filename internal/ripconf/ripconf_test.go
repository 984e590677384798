package ripconf

import (
	"net/netip"
	"os"
	"testing"
	"time"

	bfdpacket "github.com/switchless/routing/bfd/packet"
	"github.com/switchless/routing/rip"
	"github.com/switchless/routing/rip/packet"
)

func TestParseConfig_Example(t *testing.T) {
	b, err := os.ReadFile("../../examples/ripd/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l, err := ParseConfig("../../examples/ripd/example.yaml", b)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Interfaces) != 3 || !l.Interfaces[1].NoMulticast || !l.Interfaces[2].Passive || l.Interfaces[0].Prefix != nil {
		t.Errorf("interfaces %+v", l.Interfaces)
	}
	if l.Redistribute.Connected == nil || l.Redistribute.Connected.Metric != 3 || l.Socket != "/run/ripd.sock" {
		t.Errorf("redistribute %+v, socket %q", l.Redistribute, l.Socket)
	}
	cfg := l.RIPConfig(func(i int) netip.Prefix {
		if p := l.Interfaces[i].Prefix; p != nil {
			return *p
		}
		return Placeholder(i)
	})
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if bc := l.BFDConfig(cfg); len(bc.Interfaces) != 2 || bc.Interfaces[0].MinTx != 100*time.Millisecond || bc.Interfaces[1].MinRx != 300*time.Millisecond ||
		bc.Interfaces[1].DetectMult != 3 || bc.Validate() != nil {
		t.Errorf("bfd %+v", bc.Interfaces)
	}
	if cfg.Timers != (rip.Timers{Update: 30 * time.Second, Timeout: 180 * time.Second, GarbageCollection: 120 * time.Second, TriggerMin: time.Second, TriggerMax: 5 * time.Second}) {
		t.Errorf("timers %+v", cfg.Timers)
	}
	a := cfg.Interfaces[0].Auth
	if a.Mode != rip.AuthCrypto || len(a.Keys) != 2 || a.Keys[1].Algorithm != packet.AlgHMACSHA256 || a.Keys[1].ID != 2 ||
		!a.Keys[0].SendEnd.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) || !a.Keys[1].AcceptStart.Equal(time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("auth %+v", a)
	}
	if ic := cfg.Interfaces[1]; ic.Prefix != netip.MustParsePrefix("10.1.1.2/30") || ic.MetricIn != 2 || !ic.V2Only ||
		ic.Auth.Mode != rip.AuthPassword || ic.Neighbors[0] != netip.MustParseAddr("10.1.1.1") {
		t.Errorf("eth1 %+v", ic)
	}
	if len(cfg.Static) != 1 || cfg.Static[0].Tag != 100 || cfg.Static[0].Metric != 2 || cfg.DefaultInformation.Originate {
		t.Errorf("static %+v default %+v", cfg.Static, cfg.DefaultInformation)
	}
}

// The fast profile gives rip.FastTimers; timers fields override it.
func TestParseConfig_Profile(t *testing.T) {
	l, err := ParseConfig("x.yaml", []byte("profile: fast\ntimers: {garbage_collection: 20s}\ninterfaces: [{name: eth0}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := rip.FastTimers()
	want.GarbageCollection = 20 * time.Second
	if got := l.timers(); got != want {
		t.Errorf("timers %+v, want %+v", got, want)
	}
	l, err = ParseConfig("x.yaml", []byte("interfaces: [{name: eth0}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := l.timers(); got != (rip.Timers{}) {
		t.Errorf("rfc timers %+v, want zero (the RFC's)", got)
	}
}

// Every bad configuration is rejected with the file, the line, the YAML
// key and the reason: the exact message.
func TestParseConfig_Errors(t *testing.T) {
	base := "interfaces:\n  - name: eth0\n"
	crypto := base + "    auth:\n      mode: crypto\n      keys:\n"
	for _, c := range []struct {
		name, yaml, want string
	}{
		// Decoding.
		{"unknown top-level field", base + "colour: blue\n", `x.yaml:3: unknown key "colour" in the top level`},
		{"unknown interface field", base + "    kost: 5\n", `x.yaml:3: unknown key "kost" in interfaces[0]`},
		{"unknown redistribute source", base + "redistribute:\n  kernel: {}\n", `x.yaml:4: unknown key "kernel" in redistribute`},
		{"duplicate key", base + "interfaces: []\n", `x.yaml:3: key "interfaces" is given twice in the top level (first at line 1)`},
		{"log format", "log_format: yaml\n" + base, `x.yaml:1: log_format: "yaml" is not text or json`},
		{"metrics listen", "metrics_listen: 127.0.0.1\n" + base, `x.yaml:1: metrics_listen: "127.0.0.1": must be host:port`},
		{"not a mapping", "- a\n", "x.yaml:1: the top level is a list; it must be a mapping of keys (key: value)"},
		{"bad bool", base + "    passive: maybe\n", `x.yaml:3: interfaces[0].passive: "maybe" is not true or false`},
		{"bad prefix", base + "    prefix: 10.0.0.1\n", `x.yaml:3: interfaces[0].prefix: "10.0.0.1" is not an address with a prefix length such as 10.0.0.0/24 (no '/')`},
		{"bad neighbor", base + "    neighbors: [10.0.0.300]\n", `x.yaml:3: interfaces[0].neighbors[0]: "10.0.0.300" is not an IP address (IPv4 field has value >255)`},
		{"bad split horizon", base + "    split_horizon: sometimes\n", `x.yaml:3: interfaces[0].split_horizon: unknown split horizon "sometimes" (want poisoned-reverse, simple or none)`},
		{"bad auth mode", base + "    auth:\n      mode: rot13\n", `x.yaml:4: interfaces[0].auth.mode: unknown auth mode "rot13" (want none, password or crypto)`},
		{"bad lifetime", crypto + "        - id: 1\n          secret: x\n          send_end: yesterday\n", `x.yaml:8: interfaces[0].auth.keys[0].send_end: parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`},
		{"bad duration", base + "timers:\n  update: soon\n", `x.yaml:4: timers.update: "soon" is not a duration such as 10s or 100ms`},
		{"tag overflow", base + "static:\n  - prefix: 10.9.0.0/16\n    tag: 70000\n", "x.yaml:5: static[0].tag: 70000 is not a number from 0 to 65535"},
		// ripd's own checks.
		{"log level", "log_level: loud\n" + base, `x.yaml:1: log_level: "loud" is not debug, info, warn or error`},
		{"profile", "profile: slow\n" + base, `x.yaml:1: profile: "slow" is not rfc or fast`},
		{"fib rt_protocol", base + "fib: {rt_protocol: 2}\n", "x.yaml:3: fib.rt_protocol: 2 is reserved by the kernel; use 4..255"},
		{"algorithm", crypto + "        - id: 1\n          algorithm: crc32\n          secret: x\n", `x.yaml:7: interfaces[0].auth.keys[0].algorithm: "crc32" is not md5, hmac-sha-1, hmac-sha-256, hmac-sha-384 or hmac-sha-512`},
		{"multicast neighbor", base + "    neighbors: [224.0.0.9]\n", "x.yaml:3: interfaces[0].neighbors[0]: 224.0.0.9 is not an IPv4 unicast address"},
		{"redistribute metric", base + "redistribute:\n  connected:\n    metric: 16\n", "x.yaml:5: redistribute.connected.metric: 16 is not 1 to 15"},
		// rip.Config.Validate, pointed at the line of its field.
		{"fib table", base + "fib:\n  table: -1\n", "x.yaml:4: fib.table: -1 is not 0 to 4294967295"},
		{"password without mode", base + "    auth:\n      password: x\n", "x.yaml:4: interfaces[0].auth.password: set, but auth.mode is none, not password"},
		{"keys without crypto", base + "    auth:\n      keys: [{id: 1, secret: x}]\n", "x.yaml:4: interfaces[0].auth.keys: set, but auth.mode is none, not crypto"},
		{"timer below a second", base + "timers:\n  timeout: 10s\n  garbage_collection: 500ms\n", "x.yaml:5: timers.garbage_collection: 500ms is below 1s"},
		{"no interfaces", "socket: /x\n", "x.yaml:1: interfaces: at least one is required"},
		{"interface name", "interfaces:\n  - prefix: 10.0.0.1/24\n", "x.yaml:2: interfaces[0].name: is required"},
		{"duplicate interface", base + "  - name: eth0\n", `x.yaml:3: interfaces[1].name: "eth0" is also interfaces[0]`},
		{"overlapping networks", base + "    prefix: 10.0.0.1/24\n  - name: eth1\n    prefix: 10.0.0.2/25\n", "x.yaml:5: interfaces[1].prefix: 10.0.0.2/25 overlaps interfaces[0].prefix 10.0.0.1/24"},
		{"host prefix", base + "    prefix: 10.0.0.1/32\n", "x.yaml:3: interfaces[0].prefix: 10.0.0.1/32 is not an IPv4 address/length with room for a neighbour"},
		{"neighbor off the network", base + "    prefix: 10.0.0.1/24\n    neighbors: [10.0.1.1]\n", "x.yaml:4: interfaces[0].neighbors[0]: 10.0.1.1 is not another address of 10.0.0.0/24"},
		{"no_multicast without neighbors", base + "    no_multicast: true\n", "x.yaml:2: interfaces[0].neighbors: no_multicast needs at least one neighbour"},
		{"metric_in", base + "    metric_in: 16\n", "x.yaml:3: interfaces[0].metric_in: 16 is not 1 to 15"},
		{"metric_out", base + "    metric_out: -1\n", "x.yaml:3: interfaces[0].metric_out: -1 is not 0 to 15"},
		{"password missing", base + "    auth:\n      mode: password\n", "x.yaml:3: interfaces[0].auth.password: must be 1 to 16 bytes"},
		{"password too long", base + "    auth:\n      mode: password\n      password: 12345678901234567\n", "x.yaml:5: interfaces[0].auth.password: must be 1 to 16 bytes"},
		{"crypto without keys", base + "    auth:\n      mode: crypto\n", "x.yaml:3: interfaces[0].auth.keys: at least one is required for crypto"},
		{"key without id", crypto + "        - secret: x\n", "x.yaml:6: interfaces[0].auth.keys[0].id: is required"},
		{"key id range", crypto + "        - id: 256\n          secret: x\n", "x.yaml:6: interfaces[0].auth.keys[0].id: 256 is not 1 to 255"},
		{"duplicate key id", crypto + "        - {id: 1, secret: x}\n        - {id: 1, secret: y}\n", "x.yaml:7: interfaces[0].auth.keys[1].id: 1 is also keys[0]"},
		{"key without secret", crypto + "        - id: 1\n", "x.yaml:6: interfaces[0].auth.keys[0].secret: is required"},
		{"send lifetime", crypto + "        - id: 1\n          secret: x\n          send_start: 2026-02-01T00:00:00Z\n          send_end: 2026-01-01T00:00:00Z\n", "x.yaml:9: interfaces[0].auth.keys[0].send_end: is not after send_start"},
		{"accept lifetime", crypto + "        - id: 1\n          secret: x\n          accept_start: 2026-02-01T00:00:00Z\n          accept_end: 2026-01-01T00:00:00Z\n", "x.yaml:9: interfaces[0].auth.keys[0].accept_end: is not after accept_start"},
		{"timers out of order", base + "timers:\n  update: 30s\n  timeout: 10s\n", "x.yaml:5: timers.timeout: 10s must exceed timers.update 30s"},
		{"trigger bounds", base + "timers:\n  trigger_min: 5s\n  trigger_max: 1s\n", "x.yaml:5: timers.trigger_max: 1s is below timers.trigger_min 5s"},
		{"negative timer", base + "timers:\n  update: -1s\n", "x.yaml:4: timers.update: must not be negative"},
		{"fast profile, short timeout", base + "profile: fast\ntimers:\n  timeout: 5s\n", "x.yaml:5: timers.timeout: 5s must exceed timers.update 5s"},
		{"max paths", base + "max_paths: 65\n", "x.yaml:3: max_paths: 65 is not 1 to 64"},
		{"route limit", base + "max_routes_per_neighbor: -1\n", "x.yaml:3: max_routes_per_neighbor: -1 is negative (0: no limit)"},
		{"static host bits", base + "static:\n  - prefix: 10.9.0.1/16\n", "x.yaml:4: static[0].prefix: 10.9.0.1/16 is not a masked IPv4 prefix"},
		{"static metric", base + "static:\n  - prefix: 10.9.0.0/16\n    metric: 16\n", "x.yaml:5: static[0].metric: 16 is not 1 to 15"},
		{"static interface", base + "static:\n  - prefix: 10.9.0.0/16\n    interface: eth9\n", `x.yaml:5: static[0].interface: unknown interface "eth9"`},
		{"static next hop", base + "static:\n  - prefix: 10.9.0.0/16\n    next_hop: ::1\n", "x.yaml:5: static[0].next_hop: ::1 is not IPv4"},
		{"default metric", base + "default_information:\n  originate: true\n  metric: 20\n", "x.yaml:5: default_information.metric: 20 is not 1 to 15"},
		// BFD (package bfdconf), in ripd's file.
		{"bfd unknown key", base + "bfd:\n  min_tx: 50ms\n  detect_multiplier: 3\n", "x.yaml:5: bfd.detect_multiplier: unknown key (want min_tx, min_rx, multiplier, passive, auth)"},
		{"bfd multiplier 0", base + "    bfd:\n      multiplier: 0\n", "x.yaml:4: interfaces[0].bfd.multiplier: 0 is outside 1 to 255 (leave it out for the default, 3)"},
		{"bfd interval", base + "    bfd: {min_rx: 9ms}\n", "x.yaml:3: interfaces[0].bfd.min_rx: 9ms is below the 10ms minimum: a software BFD cannot keep a shorter interval"},
		{"bfd interval without unit", base + "bfd: {min_tx: 300}\n", `x.yaml:3: bfd.min_tx: "300" has no unit: write it like 50ms`},
		{"bfd auth type", base + "bfd:\n  auth: {type: md5, key: k}\n", `x.yaml:4: bfd.auth.type: "md5" is not none or one of simple, keyed-md5, meticulous-keyed-md5, keyed-sha1, meticulous-keyed-sha1`},
		{"bfd auth key length", base + "    bfd:\n      auth:\n        type: simple\n        key: 12345678901234567\n", "x.yaml:6: interfaces[0].bfd.auth.key: a simple password (RFC 5880 §4.2) is 1 to 16 bytes, got 17"},
		{"bfd not a bool", base + "    bfd: on\n", `x.yaml:3: interfaces[0].bfd: "on" is not true, false or a mapping of min_tx, min_rx, multiplier, passive, auth`},
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

// bfd: the top-level block's defaults, an interface's true or overrides:
// rip.InterfaceConfig.BFD set on those, and their bfd.InterfaceConfig.
func TestParseConfig_BFD(t *testing.T) {
	l, err := ParseConfig("x.yaml", []byte(`bfd: {min_tx: 50ms, min_rx: 50ms, auth: {type: keyed-sha1, key: "k"}}
interfaces:
  - {name: eth0, bfd: true}
  - {name: eth1, bfd: {min_tx: 100ms, multiplier: 5}}
  - {name: eth2}
  - {name: eth3, bfd: false}
`))
	if err != nil {
		t.Fatal(err)
	}
	cfg := l.RIPConfig(Placeholder)
	for i, want := range []bool{true, true, false, false} {
		if cfg.Interfaces[i].BFD != want {
			t.Errorf("interfaces[%d].BFD = %v, want %v", i, cfg.Interfaces[i].BFD, want)
		}
	}
	for i := range cfg.Interfaces {
		cfg.Interfaces[i].IfIndex = 10 + i
	}
	bc := l.BFDConfig(cfg)
	if err := bc.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(bc.Interfaces) != 2 {
		t.Fatalf("bfd interfaces %+v, want eth0 and eth1", bc.Interfaces)
	}
	e0, e1 := bc.Interfaces[0], bc.Interfaces[1]
	if e0.Name != "eth0" || e0.IfIndex != 10 || e0.MinTx != 50*time.Millisecond || e0.MinRx != 50*time.Millisecond || e0.DetectMult != 0 ||
		e0.Auth == nil || e0.Auth.Type != bfdpacket.AuthKeyedSHA1 || e0.Auth.KeyID != 1 {
		t.Errorf("eth0 %+v", e0)
	}
	if e1.Name != "eth1" || e1.IfIndex != 11 || e1.MinTx != 100*time.Millisecond || e1.MinRx != 50*time.Millisecond || e1.DetectMult != 5 || e1.Auth == nil {
		t.Errorf("eth1 %+v", e1)
	}
	// Without any bfd, no BFD instance: the daemon runs none.
	l, err = ParseConfig("x.yaml", []byte("interfaces: [{name: eth0}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if bc := l.BFDConfig(l.RIPConfig(Placeholder)); len(bc.Interfaces) != 0 {
		t.Errorf("bfd interfaces without bfd: %+v", bc.Interfaces)
	}
}

// Neighbours of an interface whose address comes from the kernel are
// checked against it only at run time; rip.Config.Validate then sees the
// real address.
func TestParseConfig_NeighborsOfKernelAddress(t *testing.T) {
	l, err := ParseConfig("x.yaml", []byte("interfaces:\n  - name: eth0\n    no_multicast: true\n    neighbors: [10.0.0.2]\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := l.RIPConfig(func(int) netip.Prefix { return netip.MustParsePrefix("10.9.9.1/24") })
	if err := l.Check(cfg); err == nil || err.Error() != "x.yaml:4: interfaces[0].neighbors[0]: 10.0.0.2 is not another address of 10.9.9.0/24" {
		t.Errorf("run-time check: %v", err)
	}
	cfg = l.RIPConfig(func(int) netip.Prefix { return netip.MustParsePrefix("10.0.0.1/24") })
	if err := l.Check(cfg); err != nil {
		t.Errorf("run-time check: %v", err)
	}
}

// FuzzParseConfig: any input is either rejected with an error or yields a
// configuration the library accepts; parsing never panics.
func FuzzParseConfig(f *testing.F) {
	if b, err := os.ReadFile("../../examples/ripd/example.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("interfaces:\n  - name: eth0\n"))
	f.Add([]byte("profile: fast\ninterfaces: [{name: a, prefix: 10.0.0.1/30, neighbors: [10.0.0.2]}]\nstatic: [{prefix: 0.0.0.0/0}]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseConfig("f.yaml", b)
		if err != nil {
			return
		}
		cfg := l.RIPConfig(func(i int) netip.Prefix {
			if p := l.Interfaces[i].Prefix; p != nil {
				return *p
			}
			return Placeholder(i)
		})
		for i := range cfg.Interfaces {
			if l.Interfaces[i].Prefix == nil {
				for k := range cfg.Interfaces[i].Neighbors {
					cfg.Interfaces[i].Neighbors[k] = Placeholder(i).Addr().Next()
				}
			}
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted configuration fails Validate: %v\n%s", err, b)
		}
		if err := l.BFDConfig(cfg).Validate(); err != nil {
			t.Fatalf("accepted BFD configuration fails bfd's Validate: %v\n%s", err, b)
		}
	})
}

// default_information.originate is FRR ripd's, unconditional: rip's
// Originate with Always.
func TestParseConfig_DefaultOriginateIsAlways(t *testing.T) {
	l, err := ParseConfig("x.yaml", []byte("interfaces: [{name: eth0, prefix: 10.0.0.1/24}]\ndefault_information: {originate: true, metric: 2}\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := l.RIPConfig(func(int) netip.Prefix { return netip.MustParsePrefix("10.0.0.1/24") })
	if d := cfg.DefaultInformation; !d.Originate || !d.Always || d.Metric != 2 {
		t.Errorf("default information %+v", d)
	}
}

// TestParseConfig_ExplicitZeros: a zero written in the file where
// rip.Config reads zero as its default is refused, as are what rip.Config
// cannot see (names Linux refuses, a neighbour listed twice): the exact
// message.
func TestParseConfig_ExplicitZeros(t *testing.T) {
	base := "interfaces:\n  - name: eth0\n"
	metric := "0: a RIP metric is 1 to 15 (RFC 2453 §3.4.2); leave the key out for 1"
	for _, c := range []struct {
		name, yaml, want string
	}{
		{"update 0", base + "timers: {update: 0s}\n", "x.yaml:3: timers.update: 0s: must be positive (leave the key out for the default)"},
		{"timeout 0", base + "timers:\n  timeout: 0s\n", "x.yaml:4: timers.timeout: 0s: must be positive (leave the key out for the default)"},
		{"gc 0", base + "timers: {garbage_collection: 0s}\n", "x.yaml:3: timers.garbage_collection: 0s: must be positive (leave the key out for the default)"},
		{"metric_in 0", base + "    metric_in: 0\n", "x.yaml:3: interfaces[0].metric_in: 0: the interface cost is 1 to 15 (RFC 2453 §3.4.2); leave the key out for 1"},
		{"static metric 0", base + "static: [{prefix: 10.1.0.0/16, metric: 0}]\n", "x.yaml:3: static[0].metric: " + metric},
		{"connected metric 0", base + "redistribute: {connected: {metric: 0}}\n", "x.yaml:3: redistribute.connected.metric: " + metric},
		{"default metric 0", base + "default_information: {originate: true, metric: 0}\n", "x.yaml:3: default_information.metric: " + metric},
		{"name over IFNAMSIZ", "interfaces:\n  - name: averyveryverylongname\n", `x.yaml:2: interfaces[0].name: "averyveryverylongname" is 21 bytes, longer than the 15 Linux allows (IFNAMSIZ)`},
		{"neighbour twice", base + "    neighbors: [10.0.0.2, 10.0.0.3, 10.0.0.2]\n", "x.yaml:3: interfaces[0].neighbors[2]: 10.0.0.2 is also neighbors[0]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig("x.yaml", []byte(c.yaml))
			if err == nil || err.Error() != c.want {
				t.Errorf("error\n%v\nwant\n%s", err, c.want)
			}
		})
	}
	if _, err := ParseConfig("x.yaml", []byte(base+"    metric_in: 1\n    metric_out: 0\ntimers: {update: 5s, timeout: 15s, garbage_collection: 10s}\n")); err != nil {
		t.Error(err)
	}
}

package main

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/anycast"
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
	if l.speaker() != speakerRIP || l.socket() != "/run/anycastd/anycastd.sock" || l.RIPConf == nil {
		t.Errorf("speaker %q socket %q rip %v", l.speaker(), l.socket(), l.RIPConf)
	}
	if nc := l.netlinkConfig(); nc.Interface != "lo" || nc.Dummy || nc.Label != "" {
		t.Errorf("addresses %+v", nc)
	}
	s := l.Services[0]
	if s.Name != "smtp" || len(s.Prefixes) != 1 || s.Prefixes[0] != netip.MustParsePrefix("198.18.0.25/32") ||
		s.Interval != 100*time.Millisecond || s.Timeout != 90*time.Millisecond || s.Rise != 3 || s.Fall != 3 || s.Metric != 1 ||
		s.Policy != anycast.PolicySelf || s.DrainTime != 2*time.Second || s.MaintenanceFile != "/run/anycastd/smtp.disabled" {
		t.Errorf("service %+v", s)
	}
	if c := s.Checks[0]; c.Type != "tcp_banner" || c.Address != "127.0.0.1:25" || c.Expect != "220" {
		t.Errorf("check %+v", c)
	}
	cfg := l.RIPConf.RIPConfig(func(int) netip.Prefix { return netip.MustParsePrefix("10.0.0.2/30") })
	if len(cfg.Interfaces) != 1 || !cfg.Interfaces[0].BFD || cfg.Timers.TriggerMin != 100*time.Millisecond {
		t.Errorf("rip %+v", cfg)
	}
	if bc := l.RIPConf.BFDConfig(cfg); len(bc.Interfaces) != 1 || bc.Interfaces[0].MinTx != 100*time.Millisecond {
		t.Errorf("bfd %+v", bc)
	}
}

// The kernel speaker needs no rip block; the status socket may be given
// under ripd's name.
func TestParseConfig_Kernel(t *testing.T) {
	l, err := ParseConfig("x.yaml", []byte("speaker: kernel\nsocket: /x.sock\naddresses: {interface: vip0, dummy: true}\n"+svc))
	if err != nil {
		t.Fatal(err)
	}
	if l.speaker() != speakerKernel || l.socket() != "/x.sock" || l.netlinkConfig().Interface != "vip0" || !l.netlinkConfig().Dummy {
		t.Errorf("%+v", l.File)
	}
	l, err = ParseConfig("x.yaml", []byte("speaker: kernel\n"+svc))
	if err != nil || l.socket() != defaultSocket {
		t.Errorf("default socket: %v %v", l, err)
	}
}

const svc = "services:\n  - name: smtp\n    prefixes: [198.18.0.25/32]\n    checks: [{type: tcp, address: \"127.0.0.1:25\"}]\n"

// Every bad configuration is rejected with the file, the line, the YAML
// key and the reason: the exact message.
func TestParseConfig_Errors(t *testing.T) {
	rip := "rip:\n  interfaces:\n    - name: eth0\n"
	for _, c := range []struct{ name, yaml, want string }{
		// Decoding: unknown keys, duplicates, types, at any depth.
		{"unknown top-level key", "colour: blue\n" + rip + svc, `x.yaml:1: unknown key "colour" in the top level`},
		{"unknown addresses key", "addresses: {iface: lo}\n" + rip + svc, `x.yaml:1: unknown key "iface" in addresses`},
		{"unknown rip key", rip + "  colour: blue\n" + svc, `x.yaml:4: unknown key "colour" in rip`},
		{"unknown service key", rip + svc + "    colour: blue\n", `x.yaml:8: unknown key "colour" in services[0]`},
		{"unknown check key", rip + svc + "    peer_checks: [{type: tcp, adress: x}]\n", `x.yaml:8: unknown key "adress" in services[0].peer_checks[0]; did you mean "address"?`},
		{"duplicate key", "speaker: rip\n" + rip + svc + "speaker: kernel\n", `x.yaml:9: key "speaker" is given twice in the top level (first at line 1)`},
		{"duplicate service key", rip + svc + "    rise: 2\n    rise: 3\n", `x.yaml:9: key "rise" is given twice in services[0] (first at line 8)`},
		{"bad bool", "addresses: {dummy: maybe}\n" + rip + svc, `x.yaml:1: addresses.dummy: "maybe" is not true or false`},
		{"bad int", rip + svc + "    rise: three\n", `x.yaml:8: services[0].rise: "three" is not a number`},
		{"bad duration", rip + svc + "    interval: soon\n", `x.yaml:8: services[0].interval: "soon" is not a duration such as 10s or 100ms`},
		{"bad prefix", rip + "services:\n  - name: smtp\n    prefixes: [198.18.0.25]\n", `x.yaml:6: services[0].prefixes[0]: "198.18.0.25" is not an address with a prefix length such as 10.0.0.0/24 (no '/')`},
		{"bad rip type", rip + "      passive: maybe\n" + svc, `x.yaml:4: rip.interfaces[0].passive: "maybe" is not true or false`},
		// anycastd's own checks.
		{"speaker", "speaker: bgp\n" + rip + svc, `x.yaml:1: speaker: "bgp" is not rip, ospf or kernel`},
		{"ospf without block", "speaker: ospf\n" + svc, "x.yaml:1: speaker: speaker ospf needs an ospf block"},
		{"no speaker", svc, "x.yaml:1: speaker: required: rip, ospf or kernel"},
		{"rip without block", "speaker: rip\n" + svc, "x.yaml:1: speaker: speaker rip needs a rip block"},
		{"rip with kernel", "speaker: kernel\n" + rip + svc, "x.yaml:2: rip: only with speaker rip"},
		{"two sockets", "status: /a\nsocket: /b\n" + rip + svc, "x.yaml:2: socket: give the status socket once (status or socket)"},
		{"label", "addresses: {interface: lo, label: eth0:x}\n" + rip + svc, `x.yaml:1: addresses.label: "eth0:x" must start with the interface name "lo" and be at most 15 bytes`},
		{"long interface", "addresses: {interface: averyveryverylongname}\n" + rip + svc, `x.yaml:1: addresses.interface: "averyveryverylongname" is 21 bytes, longer than the 15 Linux allows (IFNAMSIZ)`},
		{"rip socket", rip + "  socket: /x\n" + svc, "x.yaml:4: rip.socket: anycastd has one status socket: the top-level status"},
		{"rip redistribute", rip + "  redistribute: {connected: {}}\n" + svc, "x.yaml:4: rip.redistribute.connected: anycastd announces the service prefixes itself; redistributing connected networks would announce them unchecked"},
		{"no services", rip, "x.yaml:1: services: at least one service is required"},
		// ripconf's checks and rip.Config.Validate, under rip.
		{"rip profile", rip + "  profile: slow\n" + svc, `x.yaml:4: rip.profile: "slow" is not rfc or fast`},
		{"rip timer", rip + "  timers: {timeout: 10s, garbage_collection: 500ms}\n" + svc, "x.yaml:4: rip.timers.garbage_collection: 500ms is below 1s"},
		{"rip interface name", "rip:\n  interfaces:\n    - passive: true\n" + svc, "x.yaml:3: rip.interfaces[0].name: is required"},
		{"rip bfd", rip + "      bfd: {multiplier: 0}\n" + svc, "x.yaml:4: rip.interfaces[0].bfd.multiplier: 0 is outside 1 to 255 (leave it out for the default, 3)"},
		// anycast.Config.Validate, pointed at the line of its field.
		{"service name", rip + "services:\n  - prefixes: [198.18.0.25/32]\n    checks: [{type: tcp, address: \"127.0.0.1:25\"}]\n", "x.yaml:5: services[0].name: required"},
		{"duplicate service", rip + svc + strings.Replace(svc, "services:\n", "", 1), `x.yaml:8: services[1].name: "smtp": already the name of services[0]`},
		{"not a host route", rip + "services:\n  - name: smtp\n    prefixes: [198.18.0.0/24]\n    checks: [{type: tcp, address: \"127.0.0.1:25\"}]\n", "x.yaml:6: services[0].prefixes[0]: 198.18.0.0/24: not a host route (want /32)"},
		{"timeout over interval", rip + svc + "    interval: 100ms\n    timeout: 200ms\n", "x.yaml:9: services[0].timeout: 200ms is not shorter than the interval 100ms"},
		{"no checks", rip + "services:\n  - name: smtp\n    prefixes: [198.18.0.25/32]\n", "x.yaml:5: services[0].checks: at least one check is required"},
		{"check type", rip + "services:\n  - name: smtp\n    prefixes: [198.18.0.25/32]\n    checks: [{type: smtp, address: \"127.0.0.1:25\"}]\n", `x.yaml:7: services[0].checks[0].type: "smtp": want tcp, tcp_banner, http, https, dns, icmp or exec`},
		{"check command", rip + "services:\n  - name: smtp\n    prefixes: [198.18.0.25/32]\n    checks:\n      - type: exec\n        command: /nonexistent/check\n", `x.yaml:9: services[0].checks[0].command: "/nonexistent/check": exec: "/nonexistent/check": stat /nonexistent/check: no such file or directory`},
		{"policy", rip + svc + "    policy: lazy\n", `x.yaml:8: services[0].policy: "lazy": want self or peer`},
		{"peer without peer checks", rip + svc + "    policy: peer\n", "x.yaml:5: services[0].peer_checks: required with policy peer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig("x.yaml", []byte(c.yaml))
			if err == nil || err.Error() != c.want {
				t.Errorf("error\n%v\nwant\n%s", err, c.want)
			}
		})
	}
}

// check exits 0 on a good file and 1 with the message on a bad one.
func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.yaml"), filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(good, []byte("speaker: kernel\n"+svc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("speaker: kernel\n"+svc+"    rise: -1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb strings.Builder
	if code := realMain([]string{"check", "-config", good}, &out, &errb); code != 0 || out.String() != good+": OK\n" {
		t.Errorf("good: code %d, %q %q", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := realMain([]string{"check", "-config", bad}, &out, &errb); code != 1 || errb.String() != bad+":6: services[0].rise: -1: must be 1 or more (consecutive results needed to change state)\n" {
		t.Errorf("bad: code %d, %q", code, errb.String())
	}
	errb.Reset()
	if code := realMain([]string{"show", "routes"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "usage: anycastd show [services|rip|ospf|bfd|config]") {
		t.Errorf("show routes: code %d, %q", code, errb.String())
	}
	errb.Reset()
	if code := realMain([]string{"show", "-status", filepath.Join(dir, "none.sock")}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "anycastd show services: ") {
		t.Errorf("show without daemon: code %d, %q", code, errb.String())
	}
}

// TestParseConfig_ExplicitZeros: a service's interval, timeout, rise or
// fall written as 0 (which anycast.Config reads as its default) is
// refused, and a round's timeout must be shorter than its interval, with
// the words vrrpd uses for its track scripts (package confrules).
func TestParseConfig_ExplicitZeros(t *testing.T) {
	base := "speaker: kernel\nservices:\n  - name: smtp\n    prefixes: [198.18.0.25/32]\n    checks: [{type: tcp, address: \"127.0.0.1:25\"}]\n"
	for _, c := range []struct{ name, yaml, want string }{
		{"interval 0", base + "    interval: 0s\n", "x.yaml:6: services[0].interval: 0s: must be positive (leave the key out for the default)"},
		{"timeout 0", base + "    timeout: 0s\n", "x.yaml:6: services[0].timeout: 0s: must be positive (leave the key out for the default)"},
		{"timeout = interval", base + "    interval: 1s\n    timeout: 1s\n", "x.yaml:7: services[0].timeout: 1s is not shorter than the interval 1s"},
		{"timeout over default interval", base + "    timeout: 5s\n", "x.yaml:6: services[0].timeout: 5s is not shorter than the interval 1s"},
		{"rise 0", base + "    rise: 0\n", "x.yaml:6: services[0].rise: 0: must be 1 or more (consecutive results needed to change state)"},
		{"fall 0", base + "    fall: 0\n", "x.yaml:6: services[0].fall: 0: must be 1 or more (consecutive results needed to change state)"},
		{"check timeout 0", strings.Replace(base, `"127.0.0.1:25"}`, `"127.0.0.1:25", timeout: 0s}`, 1), "x.yaml:5: services[0].checks[0].timeout: 0s: must be positive (leave the key out for the default)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig("x.yaml", []byte(c.yaml))
			if err == nil || err.Error() != c.want {
				t.Errorf("error\n%v\nwant\n%s", err, c.want)
			}
		})
	}
	if _, err := ParseConfig("x.yaml", []byte(base+"    interval: 1s\n    timeout: 900ms\n    rise: 1\n    fall: 1\n")); err != nil {
		t.Error(err)
	}
}

const ospfBlock = "ospf:\n  router_id: 10.255.0.2\n  interfaces:\n    - name: eth0\n"

// TestParseConfig_OSPF: an ospf block (ospfd's keys) makes speaker ospf
// the default, announcing as AS-external type 1 unless ospf_announce
// says otherwise; the block converts to ospf.Config like ospfd's file.
func TestParseConfig_OSPF(t *testing.T) {
	l, err := ParseConfig("x.yaml", []byte(ospfBlock+"  stub_router: {on_startup: 30s}\n  min_ls_interval: 100ms\n"+svc))
	if err != nil {
		t.Fatal(err)
	}
	if l.speaker() != speakerOSPF || l.ospfAnnounce() != announceExternal1 || l.OSPFConf == nil {
		t.Fatalf("speaker %q announce %q ospf %v", l.speaker(), l.ospfAnnounce(), l.OSPFConf)
	}
	cfg, err := l.OSPFConf.OSPFConfig(func(int) netip.Prefix { return netip.MustParsePrefix("10.0.0.2/30") })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RouterID != netip.MustParseAddr("10.255.0.2") || len(cfg.Interfaces) != 1 || cfg.StubRouter.OnStartup != 30*time.Second || cfg.MinLSInterval != 100*time.Millisecond {
		t.Errorf("ospf config %+v", cfg)
	}
	for _, mode := range []string{announceExternal1, announceExternal2, announceStub} {
		l, err := ParseConfig("x.yaml", []byte("speaker: ospf\nospf_announce: "+mode+"\n"+ospfBlock+svc))
		if err != nil || l.ospfAnnounce() != mode {
			t.Errorf("ospf_announce %s: %v", mode, err)
		}
	}
	// A metric that fits a router-LSA link, and one that fits only an
	// AS-external-LSA.
	if _, err := ParseConfig("x.yaml", []byte("ospf_announce: stub\n"+ospfBlock+svc+"    metric: 65000\n    drain_metric: 65535\n")); err != nil {
		t.Error(err)
	}
	if _, err := ParseConfig("x.yaml", []byte(ospfBlock+svc+"    metric: 100000\n    drain_metric: 200000\n")); err != nil {
		t.Error(err)
	}
}

// Every bad OSPF combination is rejected with the file, the line, the
// YAML key and the reason: the exact message.
func TestParseConfig_OSPFErrors(t *testing.T) {
	rip := "rip:\n  interfaces:\n    - name: eth0\n"
	for _, c := range []struct{ name, yaml, want string }{
		{"rip and ospf without speaker", rip + ospfBlock + svc, "x.yaml:1: speaker: required with both a rip and an ospf block: rip or ospf (one speaker announces the services)"},
		{"ospf block with speaker rip", "speaker: rip\n" + rip + ospfBlock + svc, "x.yaml:5: ospf: only with speaker ospf"},
		{"rip block with speaker ospf", "speaker: ospf\n" + rip + ospfBlock + svc, "x.yaml:2: rip: only with speaker rip"},
		{"ospf block with speaker kernel", "speaker: kernel\n" + ospfBlock + svc, "x.yaml:2: ospf: only with speaker ospf"},
		{"ospf_announce with rip", "ospf_announce: stub\n" + rip + svc, "x.yaml:1: ospf_announce: only with speaker ospf"},
		{"ospf_announce value", "ospf_announce: type3\n" + ospfBlock + svc, `x.yaml:1: ospf_announce: "type3" is not external-type1, external-type2 or stub`},
		{"ospf socket", ospfBlock + "  socket: /x\n" + svc, "x.yaml:5: ospf.socket: anycastd has one status socket: the top-level status"},
		{"ospf redistribute connected", ospfBlock + "  redistribute: {connected: {}}\n" + svc, "x.yaml:5: ospf.redistribute.connected: anycastd announces the service prefixes itself; redistributing connected networks would announce them unchecked"},
		{"ospf default route from the kernel", ospfBlock + "  default_information: {originate: true}\n" + svc, "x.yaml:5: ospf.default_information.originate: anycastd does not follow the kernel's default route; originate needs always: true"},
		{"ospf keep_on_start", ospfBlock + "  fib: {keep_on_start: true}\n" + svc, "x.yaml:5: ospf.fib.keep_on_start: anycastd's speaker starts and stops with the daemon; its routes are not kept across a restart"},
		// ospfconf's checks and ospf.Config.Validate, under ospf.
		{"ospf unknown key", ospfBlock + "  colour: blue\n" + svc, `x.yaml:5: unknown key "colour" in ospf`},
		{"ospf router id", "ospf:\n  interfaces:\n    - name: eth0\n" + svc, "x.yaml:1: ospf.router_id: required (an IPv4 address)"},
		{"ospf cost 0", ospfBlock + "      cost: 0\n" + svc, "x.yaml:5: ospf.interfaces[0].cost: 0: an interface's output cost is 1–65535 (RFC 2328 §C.3); leave the key out for the default"},
		{"ospf dead below hello", ospfBlock + "      hello_interval: 10s\n      dead_interval: 5s\n" + svc, "x.yaml:6: ospf.interfaces[0].dead_interval: 5s: must exceed hello_interval (10s)"},
		{"ospf stub_router", ospfBlock + "  stub_router: {on_startup: -1s}\n" + svc, "x.yaml:5: ospf.stub_router.on_startup: -1s: must be 0 (off) to 24h"},
		{"ospf bfd", ospfBlock + "      bfd: {multiplier: 0}\n" + svc, "x.yaml:5: ospf.interfaces[0].bfd.multiplier: 0 is outside 1 to 255 (leave it out for the default, 3)"},
		// Metrics an OSPF announcement cannot carry (RFC 2328 §A.4.2, §A.4.5).
		{"stub metric over 16 bits", "ospf_announce: stub\n" + ospfBlock + svc + "    metric: 70000\n    drain_metric: 80000\n", "x.yaml:10: services[0].metric: announces metric 70000: at most 65535: a router-LSA link's metric is 16 bits (RFC 2328 §A.4.2) with ospf_announce stub"},
		{"stub drain metric over 16 bits", "ospf_announce: stub\n" + ospfBlock + svc + "    drain_metric: 65536\n", "x.yaml:10: services[0].drain_metric: announces metric 65536: at most 65535: a router-LSA link's metric is 16 bits (RFC 2328 §A.4.2) with ospf_announce stub"},
		{"stub peer raise over 16 bits", "ospf_announce: stub\n" + ospfBlock + svc + "    metric: 65530\n    peer_raise: 10\n    drain_metric: 65541\n    policy: peer\n    peer_checks: [{type: tcp, address: \"192.0.2.2:25\"}]\n", "x.yaml:11: services[0].peer_raise: announces metric 65540: at most 65535: a router-LSA link's metric is 16 bits (RFC 2328 §A.4.2) with ospf_announce stub"},
		{"external fail metric at LSInfinity", ospfBlock + svc + "    fail_action: metric\n    fail_metric: 16777215\n", "x.yaml:10: services[0].fail_metric: announces metric 16777215: at most 16777214: an AS-external-LSA's metric is below LSInfinity (RFC 2328 §A.4.5)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig("x.yaml", []byte(c.yaml))
			if err == nil || err.Error() != c.want {
				t.Errorf("error\n%v\nwant\n%s", err, c.want)
			}
		})
	}
}

// TestParseConfig_ExampleOSPF: example.yaml's commented ospf variant, in
// place of its rip block, is a valid configuration.
func TestParseConfig_ExampleOSPF(t *testing.T) {
	b, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	inRIP := false
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "rip:"):
			inRIP = true
			continue
		case inRIP && strings.HasPrefix(line, " "):
			continue
		case strings.HasPrefix(line, "speaker: rip"):
			line = "speaker: ospf"
		case strings.HasPrefix(line, "# ospf") || strings.HasPrefix(line, "#   "):
			line = strings.TrimPrefix(line, "# ")
		}
		inRIP = false
		out = append(out, line)
	}
	text := strings.Join(out, "\n")
	l, err := ParseConfig("example-ospf.yaml", []byte(text))
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if l.speaker() != speakerOSPF || l.ospfAnnounce() != announceExternal1 || l.OSPFConf == nil || len(l.OSPFConf.Interfaces) != 1 || l.OSPFConf.MinLSInterval != 100*time.Millisecond {
		t.Errorf("speaker %q announce %q ospf %+v\n%s", l.speaker(), l.ospfAnnounce(), l.OSPF, text)
	}
}

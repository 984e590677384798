package main

import (
	"bytes"
	"context"
	"fmt"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/bfd"
	bfdpacket "github.com/switchless/routing/bfd/packet"
	"github.com/switchless/routing/ospf"
	ospfpacket "github.com/switchless/routing/ospf/packet"
	"github.com/switchless/routing/ring"
	"github.com/switchless/routing/vrrp"
	"github.com/switchless/routing/vrrp/packet"
)

func TestCheckExample(t *testing.T) {
	var out, errb bytes.Buffer
	if rc := realMain([]string{"check", "-config", "example.yaml"}, &out, &errb); rc != 0 {
		t.Fatalf("rc %d: %s", rc, errb.String())
	}
	if want := "example.yaml: OK: node vr1 (master edge) of a 5-node ring, profile fast, BFD 50ms × 3\nexample.yaml: simulate this ring's failures before cabling it: ringsim -config example.yaml\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

// TestCheckGrowth: `ringd check -from OLD NEW` accepts vr6 cabled in
// between vr5 and vr1 and prints the procedure; a file that reorders
// the running nodes is refused with the field and the reason.
func TestCheckGrowth(t *testing.T) {
	b, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	grown := strings.Replace(string(b), "  - {name: vr5, lans: [10.5.0.1/24]}\n", "  - {name: vr5, lans: [10.5.0.1/24]}\n  - {name: vr6, lans: [10.6.0.1/24]}\n", 1)
	swapped := strings.Replace(grown, "  - {name: vr2, lans: [10.2.0.1/24]}\n  - {name: vr3, lans: [10.3.0.1/24]}\n", "  - {name: vr3, lans: [10.3.0.1/24]}\n  - {name: vr2, lans: [10.2.0.1/24]}\n", 1)
	paths := map[string]string{}
	for name, text := range map[string]string{"grown": grown, "swapped": swapped} {
		paths[name] = filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(paths[name], []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	if rc := realMain([]string{"check", "-from", "example.yaml", paths["grown"]}, &out, &errb); rc != 0 {
		t.Fatalf("rc %d: %s", rc, errb.String())
	}
	for _, want := range []string{"OK: grows the ring of example.yaml", "Unplug the cable vr5/east – vr1/west", "start vr6"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
	out.Reset()
	errb.Reset()
	if rc := realMain([]string{"check", "-from", "example.yaml", paths["swapped"]}, &out, &errb); rc != 1 || !strings.Contains(errb.String(), paths["swapped"]+":58: nodes: the running nodes must keep their order") ||
		!strings.Contains(errb.String(), "leaves a node with one link") {
		t.Errorf("reordered: rc %d, stderr %q", rc, errb.String())
	}
}

// TestCheckErrors: a bad file is refused with the line and the field, and
// nothing runs.
func TestCheckErrors(t *testing.T) {
	b, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// want is "LINE: ..." where LINE is that of the text at marks.
	for _, tc := range []struct{ from, to, mark, want string }{
		{"gateway: 192.0.2.1 ", "gateway: 198.51.100.1 ", "gateway: 198", "upstream.gateway: 198.51.100.1 is not a host on the upstream LAN 192.0.2.0/24"},
		{"  lan0: eth3\n", "  lan0: eth3\n  lan9: eth9\n", "lan9", `interfaces.lan9: node vr1 has no interface "lan9"`},
		{"node: vr1", "node: vr6", "node: vr6", `node: "vr6" is not a node of the ring`},
		{"profile: fast", "profile: fast\nprofil: rfc", "profil:", `unknown key "profil" in the top level; did you mean "profile"?`},
		{"profile: fast", "profile: fast\ntimers: {bfd_interval: 1s, bfd_multiplier: 0}", "timers:", "timers.bfd_multiplier: 0 is not a Detect Mult"},
		{"profile: fast", "profile: fast\ntimers:\n  bfd_interval: 1ms", "bfd_interval: 1ms", "timers.bfd_interval: 1ms is below 10ms"},
	} {
		in := strings.Replace(string(b), tc.from, tc.to, 1)
		line := strings.Count(in[:strings.Index(in, tc.mark)], "\n") + 1
		tc.want = fmt.Sprintf(":%d: %s", line, tc.want)
		path := filepath.Join(t.TempDir(), "bad.yaml")
		if err := os.WriteFile(path, []byte(in), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range []string{"check", "run"} {
			var out, errb bytes.Buffer
			if rc := realMain([]string{cmd, "-config", path}, &out, &errb); rc != 1 {
				t.Errorf("%s: rc %d, want 1", cmd, rc)
			}
			if got := errb.String(); !strings.Contains(got, path+tc.want) {
				t.Errorf("%s: stderr %q lacks %q", cmd, got, path+tc.want)
			}
		}
	}
}

// TestShow: `ringd show` reads what the status socket serves and prints
// it as tables or JSON.
func TestShow(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "ringd.sock")
	on := true
	st := Status{
		Node: "vr1", Role: "master edge", Profile: "fast", RouterID: netip.MustParseAddr("10.1.0.1"),
		Since: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Interfaces: []IfaceStatus{
			{Name: "east", Linux: "eth1", IfIndex: 7, Kind: "east", Prefix: netip.MustParsePrefix("10.255.0.0/31"), Cost: 10, Carrier: true, OSPF: "Point-to-point"},
			{Name: "up", Linux: "eth0", IfIndex: 6, Kind: "upstream", Prefix: netip.MustParsePrefix("192.0.2.2/24")},
		},
		Neighbors: []NeighborView{{Interface: "east", RouterID: netip.MustParseAddr("10.2.0.1"), Address: netip.MustParseAddr("10.255.0.1"), State: "full", DeadIn: daemonkit.Duration(750 * time.Millisecond), BFD: "up"}},
		BFDTimers: bfdTimers(ring.ProfileFast.Timers()),
		BFD: bfdViews([]bfd.SessionInfo{{Interface: "east", Peer: netip.MustParseAddr("10.255.0.1"), State: bfdpacket.StateUp, RemoteState: bfdpacket.StateUp,
			TxInterval: 50 * time.Millisecond, DetectTime: 150 * time.Millisecond, LocalDisc: 0x1234, RemoteDisc: 0xbeef,
			LastDownDiag: bfdpacket.DiagControlDetectExpired, Since: time.Date(2026, 1, 2, 3, 4, 7, 0, time.UTC), Clients: 1,
			Counters: bfd.SessionCounters{Sent: 40, Received: 39, Ups: 2, Downs: 1}}}),
		Routes: []RouteView{{Prefix: netip.MustParsePrefix("10.2.0.0/24"), Type: "intra-area", Cost: "20", NextHops: []string{"via 10.255.0.1 east"}}},
		Static: &on,
		VRRP: vrrpView(vrrp.Status{VRID: 10, Version: packet.V3, State: vrrp.Master, Priority: 200, Master: netip.MustParseAddr("192.0.2.2"),
			Interval: 20 * time.Millisecond, MasterDownInterval: 65 * time.Millisecond, Tracks: []vrrp.TrackStatus{{Name: "if:eth0", Up: true}},
			VirtualAddresses: []netip.Addr{netip.MustParseAddr("192.0.2.254")}, Counters: vrrp.Counters{Drops: map[vrrp.DropReason]uint64{vrrp.DropTTL: 2}}}),
		Events:     []EventView{{Time: time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC), Kind: "vrrp", Text: "Backup -> Master (master down), priority 200"}},
		Transports: map[string]ring.TransportStats{"ospf/east": {Received: 3}},
	}
	db := lsaViews([]ospf.LSAEntry{{LSA: ospfpacket.LSA{Header: ospfpacket.LSAHeader{Type: ospfpacket.LSTypeRouter,
		ID: netip.MustParseAddr("10.1.0.1"), AdvRouter: netip.MustParseAddr("10.1.0.1"), Age: 12, Seq: ospfpacket.InitialSequenceNumber + 2, Checksum: 0xbeef, Length: 60}},
		SelfOriginated: true}})
	stop, err := serveStatus(sock, func() Status { return st }, func() []LSAView { return db }, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var out, errb bytes.Buffer
	if rc := realMain([]string{"show", "-socket", sock}, &out, &errb); rc != 0 {
		t.Fatalf("rc %d: %s", rc, errb.String())
	}
	for _, want := range []string{
		"node vr1 (master edge), router ID 10.1.0.1, profile fast",
		"static default: installed",
		"VRRP: VRID 10 master, priority 200, master 192.0.2.2, VIPs [192.0.2.254]",
		"east       eth1   7        10.255.0.0/31  10    up       point-to-point",
		"up         eth0   6        192.0.2.2/24   -     DOWN     -",
		"10.2.0.1  10.255.0.1  east       full   750ms    up",
		"BFD 50ms × 3",
		"10.255.0.1  east       up     up      50ms  150ms   4660        48879        control-detection-time-expired  03:04:07.000  40    39        2    1",
		"10.2.0.0/24  intra-area  20    via 10.255.0.1 east",
		"Backup -> Master (master down), priority 200",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("show lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if rc := realMain([]string{"show", "-json", "-socket", sock}, &out, &errb); rc != 0 {
		t.Fatalf("rc %d: %s", rc, errb.String())
	}
	for _, want := range []string{`"node": "vr1"`, `"state": "master"`, `"static_default": true`, `"ospf/east"`,
		`"bfd_timers": "50ms × 3"`, `"remote_discriminator": 48879`, `"detect_time": "150ms"`, `"last_down_diag": "control-detection-time-expired"`, `"downs": 1`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("show -json lacks %q:\n%s", want, out.String())
		}
	}
	// The database view (RFC 2328 §12.1's identity and instance of each
	// LSA), as a table and as JSON.
	out.Reset()
	if rc := realMain([]string{"show", "database", "-socket", sock}, &out, &errb); rc != 0 {
		t.Fatalf("rc %d: %s", rc, errb.String())
	}
	if want := "router  10.1.0.1  10.1.0.1    12   0x80000003  0xbeef"; !strings.Contains(out.String(), want) {
		t.Errorf("show database lacks %q:\n%s", want, out.String())
	}
	out.Reset()
	if rc := realMain([]string{"show", "database", "-json", "-socket", sock}, &out, &errb); rc != 0 {
		t.Fatalf("rc %d: %s", rc, errb.String())
	}
	for _, want := range []string{`"adv_router": "10.1.0.1"`, `"seq": "0x80000003"`, `"checksum": "0xbeef"`, `"age": "12s"`, `"self": true`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("show database -json lacks %q:\n%s", want, out.String())
		}
	}
	if p := daemonkit.LintJSON(out.Bytes()); p != nil {
		t.Errorf("JSON convention: %q\n%s", p, out.String())
	}
	_, raw, err := fetchStatus(context.Background(), sock)
	if err != nil {
		t.Fatal(err)
	}
	if p := daemonkit.LintJSON(raw); p != nil {
		t.Errorf("JSON convention: %q\n%s", p, raw)
	}
}

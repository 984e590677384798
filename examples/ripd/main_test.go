package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/bfdconf"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/rip"
)

func TestCheckExample(t *testing.T) {
	var out, errb bytes.Buffer
	if rc := realMain([]string{"check", "-config", "example.yaml"}, &out, &errb); rc != 0 {
		t.Fatalf("rc %d: %s", rc, errb.String())
	}
	if want := "example.yaml: OK\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

// TestCheckErrors: a bad file is refused by check and by run with the
// line and the key, and nothing runs.
func TestCheckErrors(t *testing.T) {
	b, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// want follows ":LINE: " where LINE is that of the text at mark.
	for _, tc := range []struct{ from, to, mark, want string }{
		{"profile: rfc ", "profile: turbo ", "profile: turbo", `profile: "turbo" is not rfc or fast`},
		{"  timeout: 180s", "  timeout: 20s", "timeout: 20s", "timers.timeout: 20s must exceed timers.update 30s"},
		{"        - id: 2 ", "        - id: 1 ", "- id: 1 ", "interfaces[0].auth.keys[1].id: 1 is also keys[0]"},
		{"neighbors: [10.1.1.1]", "neighbors: [10.1.2.1]", "neighbors:", "interfaces[1].neighbors[0]: 10.1.2.1 is not another address of 10.1.1.0/30"},
		{"    passive: true", "    pasive: true", "pasive", `unknown key "pasive" in interfaces[2]; did you mean "passive"?`},
		{"    metric: 2\n", "    metric: 0x10\n", "0x10", "static[0].metric: 16 is not 1 to 15"},
	} {
		in := strings.Replace(string(b), tc.from, tc.to, 1)
		if in == string(b) {
			t.Fatalf("%q not in example.yaml", tc.from)
		}
		line := strings.Count(in[:strings.Index(in, tc.mark)], "\n") + 1
		path := filepath.Join(t.TempDir(), "bad.yaml")
		if err := os.WriteFile(path, []byte(in), 0o644); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%s:%d: %s\n", path, line, tc.want)
		for _, cmd := range []string{"check", "run"} {
			var out, errb bytes.Buffer
			if rc := realMain([]string{cmd, "-config", path}, &out, &errb); rc != 1 {
				t.Errorf("%s: rc %d, want 1", cmd, rc)
			}
			if got := errb.String(); got != want {
				t.Errorf("%s: stderr %q, want %q", cmd, got, want)
			}
		}
	}
	var out, errb bytes.Buffer
	if rc := realMain([]string{"check", "-config", filepath.Join(t.TempDir(), "none.yaml")}, &out, &errb); rc != 1 || !strings.Contains(errb.String(), "no such file") {
		t.Errorf("missing file: rc %d, %q", rc, errb.String())
	}
}

// TestShow: `ripd show` reads what the status socket serves from a real
// instance (two routers on a simulated link) and prints it as tables or
// JSON; with no instance running it says so.
func TestShow(t *testing.T) {
	clock := routing.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	sim := netsim.New(clock, 1, nil)
	p1, p2 := netip.MustParsePrefix("10.0.0.1/30"), netip.MustParsePrefix("10.0.0.2/30")
	a, b, err := sim.Link(sim.Node("r1"), sim.Node("r2"), netsim.LinkConfig{AAddrs: []netip.Prefix{p1}, BAddrs: []netip.Prefix{p2}})
	if err != nil {
		t.Fatal(err)
	}
	// Each router runs BFD on the link, 50 ms × 3, as ripd does with
	// `bfd: {min_tx: 50ms, min_rx: 50ms}`.
	start := func(att *netsim.Attachment, p netip.Prefix, static []rip.StaticRoute) (*rip.Instance, *bfd.Instance) {
		tr, err := att.Transport(netsim.TransportConfig{UDPPort: netsim.PortRIP})
		if err != nil {
			t.Fatal(err)
		}
		btr, err := att.Transport(netsim.TransportConfig{UDPPort: netsim.PortBFD, SrcPort: netsim.PortBFDSrcMin, TTL: 255})
		if err != nil {
			t.Fatal(err)
		}
		sess := bfdconf.Session{MinTx: 50 * time.Millisecond, MinRx: 50 * time.Millisecond}
		bin, err := bfd.New(bfd.Config{Interfaces: []bfd.InterfaceConfig{sess.InterfaceConfig(att.Name(), att.Index())}},
			bfd.Env{Clock: clock, Transports: map[string]routing.UDPTransport{att.Name(): btr}})
		if err != nil {
			t.Fatal(err)
		}
		if err := bin.Start(); err != nil {
			t.Fatal(err)
		}
		cfg := rip.Config{Interfaces: []rip.InterfaceConfig{{Name: att.Name(), IfIndex: att.Index(), Prefix: p, BFD: true}}, Static: static}
		in, err := rip.New(cfg, rip.Env{Clock: clock, Transports: map[string]routing.UDPTransport{att.Name(): tr}, FIB: fib.NewMemory(), Liveness: bin})
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = in.Stop(context.Background())
			_ = bin.Stop(context.Background())
		})
		return in, bin
	}
	start(a, p1, []rip.StaticRoute{{Prefix: netip.MustParsePrefix("198.51.100.0/24"), Metric: 2, Tag: 7}})
	r2, b2 := start(b, p2, nil)
	// Past BFD's slow start (1 s packets until Up, RFC 5880 §6.8.3).
	for range 400 {
		clock.Advance(10 * time.Millisecond)
	}

	sock := filepath.Join(t.TempDir(), "ripd.sock")
	var current *rip.Instance
	var currentBFD *bfd.Instance
	var running daemonkit.RunningConfig
	running.Set("/etc/ripd.yaml", []byte("interfaces:\n  - name: eth0\n"))
	stop, err := serveStatus(sock, func() *rip.Instance { return current }, func() *bfd.Instance { return currentBFD }, &running)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		rc := realMain(append(args, "-socket", sock), &out, &errb)
		return out.String(), errb.String(), rc
	}
	if _, errs, rc := run("show", "routes"); rc != 1 || !strings.Contains(errs, "no RIP instance running") {
		t.Errorf("no instance: rc %d, %q", rc, errs)
	}
	if out, errs, rc := run("show", "bfd"); rc != 0 || out != "no BFD sessions\n" {
		t.Errorf("show bfd without BFD: rc %d, %q, %q", rc, out, errs)
	}
	// show config answers without an instance: the file as last applied.
	if out, errs, rc := run("show", "config"); rc != 0 || !strings.HasPrefix(out, "# /etc/ripd.yaml, loaded ") || !strings.HasSuffix(out, "\ninterfaces:\n  - name: eth0\n") {
		t.Errorf("show config: rc %d %s\n%s", rc, errs, out)
	}
	running.Set("/etc/ripd.yaml", []byte("interfaces: []"))
	js, errs, rc := run("show", "config", "-json")
	var cv daemonkit.ConfigView
	if err := json.Unmarshal([]byte(js), &cv); rc != 0 || err != nil || cv.Path != "/etc/ripd.yaml" || cv.YAML != "interfaces: []" || cv.LoadedAt.IsZero() {
		t.Errorf("show config -json after a change: rc %d %s %v\n%s", rc, errs, err, js)
	}
	if p := daemonkit.LintJSON([]byte(js)); p != nil {
		t.Errorf("show config -json: JSON convention: %q", p)
	}
	current, currentBFD = r2, b2
	for view, wants := range map[string][]string{
		"routes": {
			"PREFIX           SOURCE     METRIC  TAG  NEXT HOPS",
			"10.0.0.0/30      connected  1       0    self",
			"198.51.100.0/24  rip        3       7    via 10.0.0.1 " + b.Name() + "  timeout 2m5",
		},
		"neighbors":  {"10.0.0.1  " + b.Name(), "BFD", "up"},
		"bfd":        {"10.0.0.1  " + b.Name(), "up", "50ms", "150ms", "50ms/50ms×3"},
		"interfaces": {b.Name() + "  10.0.0.2/30  false    poisoned-reverse  none"},
		"stats":      {"updates", "requests answered"},
	} {
		out, errs, rc := run("show", view)
		if rc != 0 {
			t.Fatalf("show %s: rc %d: %s", view, rc, errs)
		}
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("show %s lacks %q:\n%s", view, w, out)
			}
		}
		js, errs, rc := run("show", view, "-json")
		if p := daemonkit.LintJSON([]byte(js)); rc != 0 || p != nil {
			t.Errorf("show %s -json: rc %d %s, JSON convention: %q\n%s", view, rc, errs, p, js)
		}
	}
	out, errs, rc := run("show", "routes", "-json")
	if rc != 0 {
		t.Fatalf("rc %d: %s", rc, errs)
	}
	var rs []RouteView
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(rs) != 2 || rs[1].Prefix != netip.MustParsePrefix("198.51.100.0/24") || rs[1].Metric != 3 || rs[1].Source != "rip" ||
		len(rs[1].NextHops) != 1 || rs[1].NextHops[0].Gateway != netip.MustParseAddr("10.0.0.1") {
		t.Errorf("routes -json:\n%s", out)
	}
	out, _, _ = run("show", "bfd", "-json")
	var bs []bfdconf.SessionView
	if err := json.Unmarshal([]byte(out), &bs); err != nil || len(bs) != 1 || bs[0].State != "up" || bs[0].Peer != netip.MustParseAddr("10.0.0.1") ||
		bs[0].TxInterval != bfdconf.Duration(50*time.Millisecond) || bs[0].DetectTime != bfdconf.Duration(150*time.Millisecond) || bs[0].Clients != 1 {
		t.Errorf("bfd -json (%v):\n%s", err, out)
	}
	out, _, _ = run("show", "stats", "-json")
	var st StatsView
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.ResponsesReceived == 0 || st.Dropped == nil {
		t.Errorf("stats -json (%v):\n%s", err, out)
	}
}

//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchless/routing/internal/bfdconf"
	"github.com/switchless/routing/internal/nstest"
)

// TestDaemon_BFD runs two ripd with the RFC timers (180 s timeout) and BFD
// at 100 ms × 3 on their link: `ripd show bfd -json` reports the session
// Up with those timers, `show neighbors` the neighbour's BFD up. SIGSTOP
// of a (a frozen router: its link stays up, it just stops sending) drops
// its routes from b's kernel within about a second, which only BFD
// explains (RFC 5882: the session's Down expires the neighbour's routes);
// SIGCONT brings them back, and SIGTERM of both leaves no route behind.
func TestDaemon_BFD(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "ripd")
	a, b := nstest.New(t, "r13a"), nstest.New(t, "r13b")
	nstest.Veth(t, a, "eth0", b, "eth0")
	a.Exec(t, "ip", "addr", "add", "10.0.0.1/30", "dev", "eth0")
	b.Exec(t, "ip", "addr", "add", "10.0.0.2/30", "dev", "eth0")
	for i, ns := range []*nstest.NS{a, b} {
		ns.Stub(t, "lan0", fmt.Sprintf("192.168.%d.1/24", i+1))
	}
	dir := nstest.TempDir(t)
	start := func(ns *nstest.NS, name string) (*nstest.Proc, string) {
		sock := filepath.Join(dir, name+".sock")
		conf := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(conf, []byte(fmt.Sprintf(`socket: %s
log_level: debug
interfaces:
  - name: eth0
    bfd: true
redistribute:
  connected: {metric: 2}
bfd: {min_tx: 100ms, min_rx: 100ms, multiplier: 3, auth: {type: meticulous-keyed-sha1, key: "lab key"}}
`, sock)), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bin, "check", "-config", conf).CombinedOutput(); err != nil {
			t.Fatalf("ripd check: %v\n%s", err, out)
		}
		p := ns.Start(t, bin, "run", "-config", conf)
		// A stopped process ignores SIGTERM: let it go on before the
		// cleanup of Start stops it.
		t.Cleanup(func() { _ = syscall.Kill(p.Pid(), syscall.SIGCONT) })
		return p, sock
	}
	procA, sockA := start(a, "a")
	procB, sockB := start(b, "b")
	logs := func() string { return "a:\n" + procA.Output() + "\nb:\n" + procB.Output() }
	route := func(ns *nstest.NS, dst string) bool {
		out, err := ns.Try("ip", "route", "show", dst, "proto", "244")
		return err == nil && strings.Contains(out, "via")
	}
	sessions := func(ns *nstest.NS, sock string) ([]bfdconf.SessionView, error) {
		out, err := ns.Try(bin, "show", "bfd", "-json", "-socket", sock)
		if err != nil {
			return nil, fmt.Errorf("show bfd -json: %v: %s", err, out)
		}
		var vs []bfdconf.SessionView
		if err := json.Unmarshal([]byte(out), &vs); err != nil {
			return nil, fmt.Errorf("show bfd -json: %v: %s", err, out)
		}
		return vs, nil
	}
	up := func(ns *nstest.NS, sock, peer string) error {
		vs, err := sessions(ns, sock)
		if err != nil {
			return err
		}
		if len(vs) != 1 || vs[0].State != "up" || vs[0].Peer.String() != peer || vs[0].Interface != "eth0" {
			return fmt.Errorf("sessions %+v, want one Up to %s on eth0", vs, peer)
		}
		return nil
	}

	nstest.Eventually(t, 20*time.Second, func() error {
		if err := up(b, sockB, "10.0.0.1"); err != nil {
			return err
		}
		if err := up(a, sockA, "10.0.0.2"); err != nil {
			return err
		}
		if !route(b, "192.168.1.0/24") || !route(a, "192.168.2.0/24") {
			return fmt.Errorf("routes not learnt yet\n%s", logs())
		}
		return nil
	})
	vs, err := sessions(b, sockB)
	if err != nil {
		t.Fatal(err)
	}
	v := vs[0]
	if v.TxInterval != bfdconf.Duration(100*time.Millisecond) || v.DetectTime != bfdconf.Duration(300*time.Millisecond) ||
		v.MinTx != v.TxInterval || v.MinRx != v.TxInterval || v.Multiplier != 3 || v.RemoteMinTx != v.TxInterval ||
		v.RemoteMultiplier != 3 || v.Auth != "meticulous-keyed-sha1" || v.Clients != 1 || v.LocalDisc == 0 || v.RemoteDisc == 0 {
		t.Errorf("b's session %+v, want 100ms × 3 both ways, meticulous-keyed-sha1, RIP its client", v)
	}
	if out, err := b.Try(bin, "show", "neighbors", "-json", "-socket", sockB); err != nil || !strings.Contains(out, `"bfd": "up"`) {
		t.Errorf("show neighbors -json: %v\n%s", err, out)
	}
	if out, err := b.Try(bin, "show", "bfd", "-socket", sockB); err != nil || !strings.Contains(out, "10.0.0.1") || !strings.Contains(out, "100ms/100ms×3") {
		t.Errorf("show bfd: %v\n%s", err, out)
	}

	// Freeze a: its link stays up, it just stops sending.
	if err := syscall.Kill(procA.Pid(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	frozen := time.Now()
	for route(b, "192.168.1.0/24") {
		if time.Since(frozen) > 10*time.Second {
			t.Fatalf("b still routes to a's network 10 s after a froze\n%s", logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(frozen)
	t.Logf("b dropped a's route %v after a froze (BFD 100 ms × 3; RIP's timeout is 180 s)", took.Round(time.Millisecond))
	if took > 5*time.Second {
		t.Errorf("dropping the route took %v: not BFD", took)
	}
	vs, err = sessions(b, sockB)
	if err != nil || len(vs) != 1 || vs[0].State == "up" || vs[0].LastDownDiag != "control-detection-time-expired" || vs[0].Downs != 1 {
		t.Errorf("b's session after a froze (%v): %+v, want not Up, control-detection-time-expired, one Down", err, vs)
	}

	// Thawed, a is heard again: BFD comes back Up and b asks for its
	// table (rip: BFD Up sends a request).
	if err := syscall.Kill(procA.Pid(), syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	nstest.Eventually(t, 20*time.Second, func() error {
		if err := up(b, sockB, "10.0.0.1"); err != nil {
			return err
		}
		if !route(b, "192.168.1.0/24") {
			return fmt.Errorf("b has not relearnt a's network\n%s", logs())
		}
		return nil
	})

	procA.Stop()
	procB.Stop()
	for _, ns := range []*nstest.NS{a, b} {
		if out, _ := ns.Try("ip", "route", "show", "proto", "244"); strings.TrimSpace(out) != "" {
			t.Errorf("routes left in %s after SIGTERM: %s", ns.Name(), out)
		}
	}
	if !strings.Contains(procB.Output(), "session-down 10.0.0.1 on eth0") {
		t.Errorf("b did not log the BFD Down:\n%s", procB.Output())
	}
}

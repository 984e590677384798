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

// TestDaemon_BFD runs two ospfd on a point-to-point link with a 40 s dead
// interval and BFD at 100 ms × 3: `ospfd show bfd -json` reports the
// session Up with those timers and `show neighbors` the neighbor's BFD
// up. SIGSTOP of a (a frozen router: its link stays up, it just stops
// sending) takes a out of b's neighbors and its network out of b's kernel
// within about a second, which only BFD explains (RFC 5882: the session's
// Down kills the neighbor); SIGCONT brings the adjacency back, and
// SIGTERM of both leaves no route behind.
func TestDaemon_BFD(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "ospfd")
	a, b := nstest.New(t, "o13a"), nstest.New(t, "o13b")
	nstest.Veth(t, a, "eth0", b, "eth0")
	a.Exec(t, "ip", "addr", "add", "10.0.0.1/30", "dev", "eth0")
	b.Exec(t, "ip", "addr", "add", "10.0.0.2/30", "dev", "eth0")
	for i, ns := range []*nstest.NS{a, b} {
		ns.Stub(t, "lan0", fmt.Sprintf("192.168.%d.1/24", i+1))
	}
	dir := nstest.TempDir(t)
	start := func(ns *nstest.NS, name, rid string) (*nstest.Proc, string) {
		sock := filepath.Join(dir, name+".sock")
		conf := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(conf, []byte(fmt.Sprintf(`router_id: %s
socket: %s
log_level: debug
spf: {initial_delay: 10ms, short_delay: 100ms, long_delay: 1s}
bfd:
  min_tx: 100ms
  min_rx: 100ms
interfaces:
  - name: eth0
    network: point-to-point
    hello_interval: 1s
    dead_interval: 40s
    bfd: {multiplier: 3, auth: {type: keyed-md5, key_id: 5, key: "lab"}}
  - {name: lan0, passive: true}
`, rid, sock)), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bin, "check", "-config", conf).CombinedOutput(); err != nil {
			t.Fatalf("ospfd check: %v\n%s", err, out)
		}
		p := ns.Start(t, bin, "run", "-config", conf)
		// A stopped process ignores SIGTERM: let it go on before the
		// cleanup of Start stops it.
		t.Cleanup(func() { _ = syscall.Kill(p.Pid(), syscall.SIGCONT) })
		return p, sock
	}
	procA, sockA := start(a, "a", "10.255.0.1")
	procB, sockB := start(b, "b", "10.255.0.2")
	logs := func() string { return "a:\n" + procA.Output() + "\nb:\n" + procB.Output() }
	route := func(ns *nstest.NS, dst string) bool {
		out, err := ns.Try("ip", "route", "show", dst, "proto", "243")
		return err == nil && strings.Contains(out, "via")
	}
	neighbors := func(ns *nstest.NS, sock string) ([]NeighborView, error) {
		out, err := ns.Try(bin, "show", "neighbors", "-json", "-socket", sock)
		var nv []NeighborView
		if err == nil {
			err = json.Unmarshal([]byte(out), &nv)
		}
		if err != nil {
			return nil, fmt.Errorf("show neighbors -json: %v: %s", err, out)
		}
		return nv, nil
	}
	sessions := func(ns *nstest.NS, sock string) ([]bfdconf.SessionView, error) {
		out, err := ns.Try(bin, "show", "bfd", "-json", "-socket", sock)
		var vs []bfdconf.SessionView
		if err == nil {
			err = json.Unmarshal([]byte(out), &vs)
		}
		if err != nil {
			return nil, fmt.Errorf("show bfd -json: %v: %s", err, out)
		}
		return vs, nil
	}
	full := func(ns *nstest.NS, sock, rid string) error {
		nv, err := neighbors(ns, sock)
		if err != nil {
			return err
		}
		if len(nv) != 1 || nv[0].RouterID.String() != rid || nv[0].State != "full" || nv[0].BFD != "up" {
			return fmt.Errorf("neighbors %+v, want %s Full with BFD up", nv, rid)
		}
		return nil
	}
	nstest.Eventually(t, 30*time.Second, func() error {
		if err := full(b, sockB, "10.255.0.1"); err != nil {
			return err
		}
		if err := full(a, sockA, "10.255.0.2"); err != nil {
			return err
		}
		if !route(b, "192.168.1.0/24") || !route(a, "192.168.2.0/24") {
			return fmt.Errorf("routes not installed yet\n%s", logs())
		}
		return nil
	})
	vs, err := sessions(b, sockB)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 {
		t.Fatalf("b's sessions %+v, want one", vs)
	}
	v := vs[0]
	if v.State != "up" || v.Peer.String() != "10.0.0.1" || v.TxInterval != bfdconf.Duration(100*time.Millisecond) ||
		v.DetectTime != bfdconf.Duration(300*time.Millisecond) || v.MinRx != v.TxInterval || v.Multiplier != 3 ||
		v.RemoteMinTx != v.TxInterval || v.RemoteMinRx != v.TxInterval || v.RemoteMultiplier != 3 || v.Auth != "keyed-md5" || v.Clients != 1 {
		t.Errorf("b's session %+v, want Up to 10.0.0.1, 100ms × 3 both ways, keyed-md5, OSPF its client", v)
	}
	if out, err := b.Try(bin, "show", "bfd", "-socket", sockB); err != nil || !strings.Contains(out, "10.0.0.1") || !strings.Contains(out, "100ms/100ms×3") {
		t.Errorf("show bfd: %v\n%s", err, out)
	}
	if out, err := b.Try(bin, "show", "neighbors", "-socket", sockB); err != nil || !strings.Contains(out, "BFD") {
		t.Errorf("show neighbors: %v\n%s", err, out)
	}

	// Freeze a: its link stays up, it just stops sending. First let
	// MinLSInterval (5 s, RFC 2328 §12.4) pass since b last originated
	// its router-LSA, at Full: the LSA without a is then flooded and run
	// through SPF at once, instead of waiting for the rest of it.
	time.Sleep(5500 * time.Millisecond)
	if err := syscall.Kill(procA.Pid(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	frozen := time.Now()
	var gone, unrouted time.Duration
	for gone == 0 || unrouted == 0 {
		el := time.Since(frozen)
		if el > 10*time.Second {
			t.Fatalf("10 s after a froze: neighbor gone after %v, route gone after %v\n%s", gone, unrouted, logs())
		}
		if gone == 0 {
			if nv, err := neighbors(b, sockB); err == nil && len(nv) == 0 {
				gone = el
			}
		}
		if unrouted == 0 && !route(b, "192.168.1.0/24") {
			unrouted = el
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("a froze: gone from b's neighbors after %v, its network from b's kernel after %v (BFD 100 ms × 3; dead interval 40 s)",
		gone.Round(time.Millisecond), unrouted.Round(time.Millisecond))
	if gone > 5*time.Second || unrouted > 5*time.Second {
		t.Errorf("took %v / %v: not BFD", gone, unrouted)
	}
	vs, err = sessions(b, sockB)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.State == "up" {
			t.Errorf("b's session Up after a froze: %+v", v)
		}
	}

	// Thawed, a is heard again: the adjacency and BFD come back.
	if err := syscall.Kill(procA.Pid(), syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	nstest.Eventually(t, 30*time.Second, func() error {
		if err := full(b, sockB, "10.255.0.1"); err != nil {
			return err
		}
		if !route(b, "192.168.1.0/24") {
			return fmt.Errorf("b has no route to a's network\n%s", logs())
		}
		return nil
	})

	procA.Stop()
	procB.Stop()
	for _, ns := range []*nstest.NS{a, b} {
		if out, _ := ns.Try("ip", "route", "show", "proto", "243"); strings.TrimSpace(out) != "" {
			t.Errorf("routes left in %s after SIGTERM: %s", ns.Name(), out)
		}
	}
	if !strings.Contains(procB.Output(), "session-down 10.0.0.1 on eth0") {
		t.Errorf("b did not log the BFD Down:\n%s", procB.Output())
	}
}

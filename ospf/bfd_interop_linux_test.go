//go:build linux

package ospf

// BFD interop (RFC 5882 §4.2, the reaction to a session going Down,
// with OSPF): our Instance with Env.Liveness our bfd.Instance and
// InterfaceConfig.BFD, against FRR 8.4 ospfd+bfdd (`ip ospf bfd`) and
// BIRD 2 (`bfd yes` with `protocol bfd`). The RouterDeadInterval is
// 40 s on both sides, so a neighbour gone within seconds of freezing the
// peer was killed by BFD and nothing else.
//
//	sudo go test -run 'TestInterop.*BFD' -v ./ospf/

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/bfd/packet"
	"github.com/switchless/routing/internal/nstest"
)

// startOursBFD starts our bfd.Instance on veth0 (100 ms × 3) and an OSPF
// Instance watching its neighbours through it, point-to-point with 1 s
// hellos and a 40 s dead interval.
func startOursBFD(t *testing.T, ns *nstest.NS) (*Instance, *bfd.Instance) {
	t.Helper()
	w := nstest.NewLogWriter(t)
	log := slog.New(slog.NewTextHandler(w, nil))
	bcfg := bfd.Config{Interfaces: []bfd.InterfaceConfig{{Name: "veth0", MinTx: 100 * time.Millisecond, MinRx: 100 * time.Millisecond}}}
	v4, _, err := bfd.Listen(context.Background(), &bcfg, ns.Name(), log)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bfd.New(bcfg, bfd.Env{Clock: routing.SystemClock(), Logger: log, Transports: v4})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	cfg := Config{RouterID: netip.MustParseAddr("10.0.0.1"), Interfaces: []InterfaceConfig{{
		Name: "veth0", Prefix: netip.MustParsePrefix("10.0.0.1/24"), Network: NetworkPointToPoint,
		HelloInterval: time.Second, RouterDeadInterval: 40 * time.Second, RetransmitInterval: 2 * time.Second,
		BFD: true,
	}}}
	trs, err := Listen(context.Background(), &cfg, ns.Name(), nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := New(cfg, Env{Clock: routing.SystemClock(), Logger: log, Transports: trs, Liveness: b})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := in.Stop(ctx); err != nil {
			t.Errorf("ospf Stop: %v", err)
		}
		if err := b.Stop(ctx); err != nil {
			t.Errorf("bfd Stop: %v", err)
		}
		_ = w.Close()
	})
	return in, b
}

// waitOurBFDUp waits until our neighbour 10.0.0.2 is Full and its BFD
// session has reported Up, and our bfd.Instance has it Up.
func waitOurBFDUp(t *testing.T, in *Instance, b *bfd.Instance) {
	t.Helper()
	nstest.Eventually(t, 30*time.Second, func() error {
		ns := in.Neighbors()
		if len(ns) != 1 || ns[0].State != NbrFull || ns[0].BFD != BFDUp {
			return fmt.Errorf("our neighbors: %+v, want 10.0.0.2 Full with BFD up", ns)
		}
		ss := b.Sessions()
		if len(ss) != 1 || ss[0].Peer != netip.MustParseAddr("10.0.0.2") || ss[0].State != packet.StateUp || ss[0].Clients != 1 {
			return fmt.Errorf("our BFD sessions: %+v, want 10.0.0.2 Up with one client", ss)
		}
		return nil
	})
}

// waitKilledByBFD waits (a few seconds, against a 40 s dead interval)
// until BFD has killed our only neighbour: none left, BFDDown 1, the
// session Down with diag control-detection-time-expired.
func waitKilledByBFD(t *testing.T, in *Instance, b *bfd.Instance) {
	t.Helper()
	nstest.Eventually(t, 5*time.Second, func() error {
		if ns := in.Neighbors(); len(ns) != 0 {
			return fmt.Errorf("our neighbors: %+v, want none", ns)
		}
		if st := in.Stats(); st.BFDDown != 1 {
			return fmt.Errorf("Stats().BFDDown = %d, want 1", st.BFDDown)
		}
		return nil
	})
	for _, s := range b.Sessions() {
		if s.Peer == netip.MustParseAddr("10.0.0.2") && s.LastDownDiag != packet.DiagControlDetectExpired {
			t.Errorf("our BFD session to 10.0.0.2 went Down with diag %v, want %v", s.LastDownDiag, packet.DiagControlDetectExpired)
		}
	}
}

// birdBFDUp matches 10.0.0.1's line of `birdc show bfd sessions` when Up.
var birdBFDUp = regexp.MustCompile(`(?m)^10\.0\.0\.1\s+veth0\s+Up\s`)

// stopProc freezes a process this test started (SIGSTOP), resuming it at
// cleanup so that its SIGTERM is seen.
func stopProc(t *testing.T, p *nstest.Proc) {
	t.Helper()
	if err := syscall.Kill(p.Pid(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(p.Pid(), syscall.SIGCONT) })
}

// RFC 5882 §4.2 (and RFC 2328 §10.3 KillNbr): Full with FRR ospfd, whose
// `ip ospf bfd` session through bfdd comes Up with ours; FRR's daemons
// frozen, our neighbour is killed by BFD long before the 40 s dead
// interval.
func TestInterop_RFC5882_4_2_FRRFrozenOSPFKilledByBFD(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "ospfd")
	nstest.RequireBinary(t, "bfdd")
	p := newNSPair(t, 1)
	f := &frr{FRR: nstest.StartFRR(t, p.b, "ospfd", "bfdd"), conf: frrConf("10.0.0.2", ` ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 40
 ip ospf bfd
 ip ospf bfd profile fast`)}
	bfdProc := f.StartBFDD(t, "hostname peer\nbfd\n profile fast\n  receive-interval 100\n  transmit-interval 100\n !\n!\n")
	f.startOSPFD(t)

	in, b := startOursBFD(t, p.a)
	f.waitFull(t, "10.0.0.1", 30*time.Second)
	waitOurBFDUp(t, in, b)
	nstest.Eventually(t, 10*time.Second, func() error {
		out, err := f.Vtysh("show bfd peer 10.0.0.1 json")
		if err != nil {
			return err
		}
		var v struct {
			Status     string `json:"status"`
			RxInterval int    `json:"receive-interval"`
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			return err
		}
		if v.Status != "up" || v.RxInterval != 100 {
			return fmt.Errorf("bfdd's session to 10.0.0.1: %s", out)
		}
		return nil
	})

	stopProc(t, f.ospfd)
	stopProc(t, bfdProc)
	waitKilledByBFD(t, in, b)
}

// The same against BIRD 2: `bfd yes` on its OSPF interface, with
// protocol bfd at 100 ms × 3; BIRD frozen, BFD kills our neighbour.
func TestInterop_RFC5882_4_2_BIRDFrozenOSPFKilledByBFD(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "bird")
	p := newNSPair(t, 1)
	bd := startBIRD(t, p.b, `router id 10.0.0.2;
protocol device { scan time 1; }
protocol bfd {
	interface "veth0" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };
}
protocol ospf v2 {
	ipv4 { import none; export none; };
	area 0 {
		interface "veth0" { type ptp; hello 1; dead 40; retransmit 2; bfd yes; };
	};
}
`)
	in, b := startOursBFD(t, p.a)
	bd.waitFull(t, "10.0.0.1", 30*time.Second)
	waitOurBFDUp(t, in, b)
	nstest.Eventually(t, 10*time.Second, func() error {
		out, err := bd.birdc("show", "bfd", "sessions")
		if err != nil {
			return err
		}
		if !birdBFDUp.MatchString(out) {
			return fmt.Errorf("BIRD's BFD session to 10.0.0.1 is not Up:\n%s", out)
		}
		return nil
	})
	stopProc(t, bd.proc)
	waitKilledByBFD(t, in, b)
}

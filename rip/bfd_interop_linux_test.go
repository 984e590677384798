//go:build linux

package rip

// BFD interop (RFC 5882 §4.2 with RIP): our Instance with Env.Liveness our
// bfd.Instance and InterfaceConfig.BFD, against BIRD 2's `protocol rip`
// with `bfd yes` and `protocol bfd`. Our route timeout is the RFC 2453
// default, 180 s, so a route gone within seconds of freezing BIRD was
// expired by BFD and nothing else.
//
//	sudo go test -run 'TestInterop_RFC5882' -v ./rip/

import (
	"context"
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
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/nstest"
)

// RFC 5882 §4.2 (the reaction to a session going Down; RIP as BIRD
// does it) and RFC 2453 §3.8 (the timeout it pre-empts): routes learnt
// from BIRD, both sides' sessions Up; BIRD frozen (SIGSTOP), our
// session goes Down on its detection time and BIRD's route goes to
// metric 16 in our table and out of our kernel, with a 180 s timeout
// that cannot explain it.
func TestInterop_RFC5882_4_2_BIRDFrozenRIPRoutesExpire(t *testing.T) {
	l := newRIPLab(t, 1)
	b := startBIRDRIP(t, l.peer, birdRIPConf("10.0.0.2", []string{"veth0"}, "\t\tbfd yes;", bdNet)+
		"protocol bfd {\n\tinterface \"veth0\" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };\n}\n")

	ctx := context.Background()
	w := nstest.NewLogWriter(t)
	log := slog.New(slog.NewTextHandler(w, nil))
	bcfg := bfd.Config{Interfaces: []bfd.InterfaceConfig{{Name: "veth0", MinTx: 100 * time.Millisecond, MinRx: 100 * time.Millisecond}}}
	v4, _, err := bfd.Listen(ctx, &bcfg, l.ours.Name(), log)
	if err != nil {
		t.Fatal(err)
	}
	live, err := bfd.New(bcfg, bfd.Env{Clock: routing.SystemClock(), Logger: log, Transports: v4})
	if err != nil {
		t.Fatal(err)
	}
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	ic := ourIface(0)
	ic.BFD = true
	cfg := Config{
		Interfaces: []InterfaceConfig{ic},
		// Fast updates, but the RFC's 180 s timeout (§3.8).
		Timers: Timers{Update: 5 * time.Second, Timeout: DefaultTimeout, GarbageCollection: 10 * time.Second},
	}
	trs, err := Listen(ctx, &cfg, l.ours.Name(), log)
	if err != nil {
		t.Fatal(err)
	}
	sink, err := fib.OpenNetlink(ctx, fib.NetlinkConfig{Namespace: l.ours.Name(), Protocol: fib.ProtocolRIP})
	if err != nil {
		t.Fatal(err)
	}
	us, err := New(cfg, Env{Clock: routing.SystemClock(), Transports: trs, FIB: sink, Logger: log, Liveness: live})
	if err != nil {
		t.Fatal(err)
	}
	if err := us.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := us.Stop(sctx); err != nil {
			t.Errorf("rip Stop: %v", err)
		}
		if err := live.Stop(sctx); err != nil {
			t.Errorf("bfd Stop: %v", err)
		}
		_ = sink.Close()
		_ = w.Close()
	})
	k := openKernel(t, l.ours)

	waitOurKernel(t, k, bdNet, learnWithin, "10.0.0.2")
	if r, ok := us.Route(pfx(bdNet)); !ok || r.Metric != 2 {
		t.Fatalf("our route %s = %+v, want metric 2", bdNet, r)
	}
	birdAddr := netip.MustParseAddr("10.0.0.2")
	nstest.Eventually(t, 10*time.Second, func() error {
		ns := us.Neighbors()
		if len(ns) != 1 || ns[0].Addr != birdAddr || ns[0].BFD != BFDUp {
			return fmt.Errorf("our neighbours: %+v, want 10.0.0.2 with BFD up", ns)
		}
		out, err := b.birdc("show", "bfd", "sessions")
		if err != nil {
			return err
		}
		if !birdBFDUpLine.MatchString(out) {
			return fmt.Errorf("BIRD's BFD session to 10.0.0.1 is not Up:\n%s", out)
		}
		return nil
	})

	if err := syscall.Kill(b.proc.Pid(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(b.proc.Pid(), syscall.SIGCONT) })
	nstest.Eventually(t, 5*time.Second, func() error {
		if r, ok := us.Route(pfx(bdNet)); ok && r.Metric != 16 {
			return fmt.Errorf("our route %s = %+v, want metric 16 or gone", bdNet, r)
		}
		if st := us.Stats(); st.BFDDown != 1 {
			return fmt.Errorf("Stats().BFDDown = %d, want 1", st.BFDDown)
		}
		return nil
	})
	waitOurKernel(t, k, bdNet, 5*time.Second)
	for _, s := range live.Sessions() {
		if s.Peer == birdAddr && s.LastDownDiag != packet.DiagControlDetectExpired {
			t.Errorf("our BFD session went Down with diag %v, want %v", s.LastDownDiag, packet.DiagControlDetectExpired)
		}
	}
	if ns := us.Neighbors(); len(ns) != 1 || ns[0].BFD != BFDDown {
		t.Errorf("our neighbours after the freeze: %+v, want 10.0.0.2 still there with BFD down", ns)
	}
}

// birdBFDUpLine matches 10.0.0.1's line of `birdc show bfd sessions`
// when Up.
var birdBFDUpLine = regexp.MustCompile(`(?m)^10\.0\.0\.1\s+veth0\s+Up\s`)

package rip

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/rip/packet"
)

var stubX = pfx("192.168.0.0/24")

func line(t *testing.T, seed int64, n int, cond netsim.Conditions) (*sim, []string) {
	s := newSim(t, seed)
	names := lineNames(n)
	s.stub(names[0], pfx("192.168.0.1/24"))
	for k := 0; k+1 < n; k++ {
		s.link(names[k], names[k+1], cond)
	}
	return s, names
}

// §3.6 infinity: along a line the metric grows by one per hop; the
// router 16 hops away has no route.
func TestSim_Line15ConvergesAnd16thUnreachable(t *testing.T) {
	s, names := line(t, 1, 16, netsim.Conditions{Latency: time.Millisecond})
	s.start(nil)
	s.advance(2 * time.Minute)
	for k, n := range names[:15] {
		if m := s.metric(n, stubX); m != k+1 {
			t.Fatalf("%s: metric %d, want %d", n, m, k+1)
		}
	}
	if m := s.metric(names[15], stubX); m != 16 {
		t.Fatalf("16th router: metric %d, want unreachable", m)
	}
	if _, ok := s.routers[names[15]].fib.Get(0, stubX); ok {
		t.Fatal("16th router installed an unreachable route")
	}
	if _, ok := s.routers[names[14]].fib.Get(0, stubX); !ok {
		t.Fatal("15th router did not install its route")
	}
}

// metricsSeen returns the metrics a router's events gave p, in order.
func metricsSeen(r *simRouter, p netip.Prefix) []int {
	var out []int
	for _, e := range r.events {
		if e.Prefix == p {
			out = append(out, e.Metric)
		}
	}
	return out
}

// §3.4.3: a line a-b-c loses the link a-b. The b-c link is slow (40 s),
// so an update of c saying "X at 3" is always in flight when b's route
// times out. Without split horizon b takes it (a two-node loop b-c that
// counts to infinity, bounded at 16); with poisoned reverse c says
// "X at 16" to b, and with simple split horizon nothing, so b never
// takes the route back.
func Test3_4_3_PoisonedReversePreventsTwoNodeLoop(t *testing.T) {
	for _, mode := range []SplitHorizon{SplitPoisonedReverse, SplitSimple, SplitNone} {
		t.Run(mode.String(), func(t *testing.T) {
			s := newSim(t, 2)
			s.stub("a", pfx("192.168.0.1/24"))
			ab := s.link("a", "b", netsim.Conditions{Latency: time.Millisecond})
			s.link("b", "c", netsim.Conditions{Latency: 40 * time.Second})
			s.start(func(r *simRouter) {
				for k := range r.cfg.Interfaces {
					r.cfg.Interfaces[k].SplitHorizon = mode
				}
			})
			s.advance(3 * time.Minute)
			if s.metric("c", stubX) != 3 {
				t.Fatalf("not converged: c %d", s.metric("c", stubX))
			}
			b := s.routers["b"]
			b.events = nil
			ab.Cut()
			s.advance(40 * time.Minute)
			seen := metricsSeen(b, stubX)
			if s.metric("b", stubX) != 16 || s.metric("c", stubX) != 16 {
				t.Fatalf("still reachable: b %d, c %d", s.metric("b", stubX), s.metric("c", stubX))
			}
			looped := len(seen) > 1
			if mode != SplitNone && looped {
				t.Fatalf("b's metrics after the cut %v: a loop through c", seen)
			}
			if mode == SplitNone && !looped {
				t.Fatalf("b's metrics %v: expected the two-node loop without split horizon", seen)
			}
			t.Logf("b's metrics after the cut: %v", seen)
		})
	}
}

// A triangle that loses the only way to a destination: split horizon
// cannot stop loops of three, and the slow b-c link (40 s) keeps stale
// "reachable" updates in flight so b and c do take the route from each
// other; the count stops at infinity (16) within a bounded time and the
// route is then deleted.
func TestSim_TriangleCountToInfinityBounded(t *testing.T) {
	s := newSim(t, 3)
	s.stub("a", pfx("192.168.0.1/24"))
	s.link("a", "b", netsim.Conditions{Latency: time.Millisecond})
	s.link("a", "c", netsim.Conditions{Latency: time.Millisecond})
	s.link("b", "c", netsim.Conditions{Latency: 40 * time.Second})
	s.start(nil)
	s.advance(3 * time.Minute)
	if s.metric("b", stubX) != 2 || s.metric("c", stubX) != 2 {
		t.Fatal("not converged")
	}
	s.routers["a"].node.Crash()
	start := s.clock.Now()
	var gone time.Duration // when the last router stopped having a route
	for s.clock.Now().Sub(start) < 30*time.Minute {
		s.advance(time.Second)
		if s.metric("b", stubX) < 16 || s.metric("c", stubX) < 16 {
			gone = 0
		} else if gone == 0 {
			gone = s.clock.Now().Sub(start)
		}
	}
	if gone == 0 || gone > DefaultTimeout+16*DefaultUpdate {
		t.Fatalf("unreachable everywhere only %v after the crash", gone)
	}
	for _, n := range []string{"b", "c"} {
		if _, ok := s.routers[n].inst.Route(stubX); ok {
			t.Fatalf("%s still holds the route", n)
		}
	}
	for _, n := range []string{"b", "c"} {
		seen := metricsSeen(s.routers[n], stubX)
		if len(seen) > 2*packet.Infinity {
			t.Fatalf("%s changed the route %d times: %v", n, len(seen), seen)
		}
		for _, m := range seen {
			if m > packet.Infinity {
				t.Fatalf("%s: metric %d beyond infinity", n, m)
			}
		}
	}
	t.Logf("b's metrics %v, c's %v; unreachable everywhere %v after the crash", metricsSeen(s.routers["b"], stubX), metricsSeen(s.routers["c"], stubX), gone)
	s.advance(DefaultTimeout + DefaultGarbageCollection)
	for _, n := range []string{"b", "c"} {
		if _, ok := s.routers[n].inst.Route(stubX); ok {
			t.Fatalf("%s still holds the route", n)
		}
	}
}

// A cut link: the routes through it time out and the longer path takes
// over.
func TestSim_LinkCutReroutes(t *testing.T) {
	s := newSim(t, 4)
	c := netsim.Conditions{Latency: time.Millisecond}
	s.stub("a", pfx("192.168.0.1/24"))
	ab := s.link("a", "b", c)
	s.link("b", "d", c)
	s.link("a", "x", c)
	s.link("x", "y", c)
	s.link("y", "d", c)
	s.start(nil)
	s.advance(time.Minute)
	if m := s.metric("d", stubX); m != 3 {
		t.Fatalf("d: metric %d before the cut", m)
	}
	ab.Cut()
	s.advance(DefaultTimeout + time.Minute)
	if m := s.metric("d", stubX); m != 4 {
		t.Fatalf("d: metric %d after the cut, want 4 through y", m)
	}
	rt, ok := s.routers["d"].fib.Get(0, stubX)
	if !ok || len(rt.NextHops) != 1 || s.routers["y"].node.Owner(rt.NextHops[0].Gateway) == nil {
		t.Fatalf("d's FIB: %v", rt)
	}
}

// §3.8: a neighbour that goes silent: its routes time out after 180 s
// and are deleted 120 s later, in milliseconds of real time.
func TestSim_SilentNeighbourTimeoutAndGarbageCollection(t *testing.T) {
	wall := time.Now()
	s, _ := line(t, 5, 2, netsim.Conditions{Latency: time.Millisecond})
	s.start(nil)
	s.advance(time.Minute)
	b := s.routers["r02"]
	s.routers["r01"].node.Crash()
	crash := s.clock.Now()
	var unreach, deleted time.Time
	for s.clock.Now().Sub(crash) < 10*time.Minute && deleted.IsZero() {
		s.advance(100 * time.Millisecond)
		rt, ok := b.inst.Route(stubX)
		switch {
		case ok && rt.Metric == 16 && unreach.IsZero():
			unreach = s.clock.Now()
		case !ok && !unreach.IsZero():
			deleted = s.clock.Now()
		}
	}
	if d := unreach.Sub(crash); d < DefaultTimeout-DefaultUpdate*7/6 || d > DefaultTimeout {
		t.Fatalf("timed out %v after the crash", d)
	}
	if d := deleted.Sub(unreach); d < DefaultGarbageCollection-100*time.Millisecond || d > DefaultGarbageCollection+100*time.Millisecond {
		t.Fatalf("deleted %v after timing out", d)
	}
	if nb := b.inst.Neighbors(); len(nb) != 0 {
		t.Fatalf("neighbours %v", nb)
	}
	if real := time.Since(wall); real > 5*time.Second {
		t.Fatalf("took %v of real time", real)
	}
	t.Logf("timeout %v after the crash, deleted %v later, %v of real time", unreach.Sub(crash), deleted.Sub(unreach), time.Since(wall))
}

// Graceful stop: the neighbour drops the routes at once, not after the
// timeout.
func TestSim_GracefulStopWithdrawsAtOnce(t *testing.T) {
	s, _ := line(t, 6, 3, netsim.Conditions{Latency: time.Millisecond})
	s.start(nil)
	s.advance(time.Minute)
	s.stop("r01")
	s.advance(10 * time.Millisecond)
	if m := s.metric("r02", stubX); m != 16 {
		t.Fatalf("r02: metric %d 10 ms after r01 stopped", m)
	}
	if _, ok := s.routers["r02"].fib.Get(0, stubX); ok {
		t.Fatal("r02 still forwards to the stopped router")
	}
	s.advance(6 * time.Second) // r02's triggered update, damped at most 5 s
	if m := s.metric("r03", stubX); m != 16 {
		t.Fatalf("r03: metric %d", m)
	}
}

// 20 % loss and reordering on every link: still converges.
func TestSim_LossAndReorderConverge(t *testing.T) {
	c := netsim.Conditions{Latency: time.Millisecond, Jitter: 3 * time.Millisecond, Loss: 0.2, Reorder: 0.2, ReorderDelay: 10 * time.Millisecond}
	s := newSim(t, 7)
	names := lineNames(6)
	for k, n := range names {
		s.stub(n, netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 168, byte(k), 1}), 24))
	}
	for k := 0; k+1 < len(names); k++ {
		s.link(names[k], names[k+1], c)
	}
	s.link(names[0], names[5], c) // a ring
	s.start(nil)
	s.advance(5 * time.Minute)
	for k, n := range names {
		for j := range names {
			p := netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 168, byte(j), 0}), 24)
			hops := min((k-j+6)%6, (j-k+6)%6)
			if m := s.metric(n, p); m != hops+1 {
				t.Errorf("%s to %v: metric %d, want %d", n, p, m, hops+1)
			}
		}
	}
	if s.net.Stats().Dropped[netsim.DropLoss] == 0 {
		t.Fatal("no loss happened")
	}
}

func captureRun(t *testing.T, seed int64) []byte {
	c := netsim.Conditions{Latency: time.Millisecond, Jitter: 2 * time.Millisecond, Loss: 0.1}
	s := newSim(t, seed)
	var buf bytes.Buffer
	cp, err := s.net.CapturePcapng(&buf)
	if err != nil {
		t.Fatal(err)
	}
	s.stub("a", pfx("192.168.0.1/24"))
	s.link("a", "b", c)
	s.link("b", "c", c)
	s.link("c", "a", c)
	s.start(func(r *simRouter) { r.cfg.Seed = uint64(seed) + uint64(len(r.name)) })
	s.advance(3 * time.Minute)
	s.stop("a")
	s.advance(time.Minute)
	if err := cp.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Same seed, same packets: the capture is byte for byte the same.
func TestSim_SameSeedSamePackets(t *testing.T) {
	a, b := captureRun(t, 42), captureRun(t, 42)
	if !bytes.Equal(a, b) {
		t.Fatal("two runs with one seed captured different packets")
	}
	if bytes.Equal(a, captureRun(t, 43)) {
		t.Fatal("another seed gave the same capture")
	}
	if len(a) < 1000 {
		t.Fatalf("capture of %d bytes", len(a))
	}
}

package rip_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/rip"
)

// Issue 13, the anycast line: a replica server that powers off behind RIP
// with BFD to its router is routed around in ≤ 300 ms.
//
// The site: router R and replica servers S1 and S2 on one LAN segment
// (through a switch: S1 powering off takes no carrier from R). Both
// replicas announce the service /32 (rip.Instance.Announce), S1 at metric
// 1 and S2 at metric 3, so R forwards to S1. Every node runs BFD on the
// segment at 50 ms × 3: a detection time of 150 ms (RFC 5880 §6.8.4),
// which leaves half the 300 ms budget for RIP to learn S2's route (a
// whole-table request and its answer, RFC 2453 §3.9.1) and for the FIB
// write. 100 ms × 3 would spend the whole budget on detection alone.
// R's FIB is probed every 10 ms of virtual time.

var (
	replicaVIP = netip.MustParsePrefix("192.0.2.53/32")
	siteR      = netip.MustParsePrefix("10.13.0.1/24")
	siteS1     = netip.MustParsePrefix("10.13.0.11/24")
	siteS2     = netip.MustParsePrefix("10.13.0.12/24")
)

const (
	replicaBFDTx   = 50 * time.Millisecond
	replicaBFDMult = 3
	probeEvery     = 10 * time.Millisecond
)

type replicaSite struct {
	t      *testing.T
	clock  *routing.ManualClock
	nodes  map[string]*netsim.Node
	fibR   *fib.Memory
	rR     *rip.Instance
	bfds   map[string]*bfd.Instance
	s1, s2 netip.Addr
}

// newReplicaSite builds and starts the site, with BFD on every node's
// interface when withBFD, and runs it until R forwards the service to S1
// (and, with BFD, every session is Up). seed varies the jitter of BFD
// and RIP timers and how long the site runs before the crash, hence where
// in the BFD and RIP intervals S1 dies.
func newReplicaSite(t *testing.T, withBFD bool, seed int64) *replicaSite {
	t.Helper()
	clock := routing.NewManualClock(time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC))
	n := netsim.New(clock, seed, nil)
	seg, err := n.Segment("site", netsim.SegmentConfig{Conditions: netsim.Conditions{Latency: 200 * time.Microsecond}})
	if err != nil {
		t.Fatal(err)
	}
	s := &replicaSite{t: t, clock: clock, nodes: map[string]*netsim.Node{}, bfds: map[string]*bfd.Instance{}, s1: siteS1.Addr(), s2: siteS2.Addr()}
	for _, nd := range []struct {
		name   string
		addr   netip.Prefix
		metric int // of the service /32; 0: not a replica
	}{{"R", siteR, 0}, {"S1", siteS1, 1}, {"S2", siteS2, 3}} {
		node := n.Node(nd.name)
		s.nodes[nd.name] = node
		att, err := seg.Attach(node, "eth0", nd.addr)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := att.Transport(netsim.TransportConfig{UDPPort: netsim.PortRIP})
		if err != nil {
			t.Fatal(err)
		}
		env := rip.Env{Clock: clock, Transports: map[string]routing.UDPTransport{"eth0": tr}}
		if withBFD {
			btr, err := att.Transport(netsim.TransportConfig{UDPPort: netsim.PortBFD, SrcPort: netsim.PortBFDSrcMin, TTL: 255})
			if err != nil {
				t.Fatal(err)
			}
			b, err := bfd.New(bfd.Config{
				Interfaces: []bfd.InterfaceConfig{{Name: "eth0", IfIndex: att.Index(), MinTx: replicaBFDTx, MinRx: replicaBFDTx, DetectMult: replicaBFDMult}},
				Seed:       uint64(seed)*31 + uint64(len(s.bfds)) + 1,
			}, bfd.Env{Clock: clock, Transports: map[string]routing.UDPTransport{"eth0": btr}})
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Start(); err != nil {
				t.Fatal(err)
			}
			s.bfds[nd.name] = b
			env.Liveness = b
		}
		if nd.name == "R" {
			s.fibR = fib.NewMemory()
			env.FIB = s.fibR
		}
		in, err := rip.New(rip.Config{
			Interfaces: []rip.InterfaceConfig{{Name: "eth0", IfIndex: att.Index(), Prefix: nd.addr, BFD: withBFD}},
			Seed:       uint64(seed)*17 + uint64(len(s.nodes)),
		}, env)
		if err != nil {
			t.Fatal(err)
		}
		if nd.metric > 0 {
			if err := in.Announce(replicaVIP, nd.metric, 0); err != nil {
				t.Fatal(err)
			}
		}
		if err := in.Start(); err != nil {
			t.Fatal(err)
		}
		if nd.name == "R" {
			s.rR = in
		}
		b := s.bfds[nd.name]
		t.Cleanup(func() {
			_ = in.Stop(context.Background())
			if b != nil {
				_ = b.Stop(context.Background())
			}
		})
	}
	// Past the first updates and, with BFD, its slow start (1 s packets
	// until Up, RFC 5880 §6.8.3); then a little more, so that seeds
	// scatter the moment of the crash over the BFD and RIP intervals.
	s.run(40*time.Second + time.Duration(seed)*2930*time.Millisecond)
	if gw := s.forwarding(); gw != s.s1 {
		t.Fatalf("R forwards %v to %v, want S1 %v", replicaVIP, gw, s.s1)
	}
	if withBFD {
		for _, si := range s.bfds["R"].Sessions() {
			if si.State.String() != "Up" {
				t.Fatalf("R's session to %v is %v", si.Peer, si.State)
			}
		}
		if n := len(s.bfds["R"].Sessions()); n != 2 {
			t.Fatalf("R has %d BFD sessions, want 2 (S1, S2)", n)
		}
	}
	return s
}

// run advances the virtual clock by d in 10 ms steps.
func (s *replicaSite) run(d time.Duration) {
	for end := s.clock.Now().Add(d); s.clock.Now().Before(end); {
		s.clock.Advance(probeEvery)
	}
}

// forwarding returns the gateway R's FIB sends the service address to, or
// the zero Addr when it has no route.
func (s *replicaSite) forwarding() netip.Addr {
	r, ok := s.fibR.Lookup(0, replicaVIP.Addr())
	if !ok || len(r.NextHops) != 1 {
		return netip.Addr{}
	}
	return r.NextHops[0].Gateway
}

// powerOff crashes S1 (silently for R: no carrier change on a segment)
// and probes R's FIB every 10 ms until it forwards to S2, for at most
// limit. It returns the outage: from the crash to the first probe that
// sees S2. Every probe before must see S1 or no route.
func (s *replicaSite) powerOff(limit time.Duration) time.Duration {
	s.t.Helper()
	s.nodes["S1"].Crash()
	for el := time.Duration(0); el <= limit; el += probeEvery {
		switch gw := s.forwarding(); gw {
		case s.s2:
			return el
		case s.s1, netip.Addr{}:
		default:
			s.t.Fatalf("%v after the crash R forwards to %v", el, gw)
		}
		s.clock.Advance(probeEvery)
	}
	s.t.Fatalf("R still does not forward to S2 %v after S1 powered off", limit)
	return 0
}

// TestReplicaPowerOff_BFD: with BFD, R moves to S2 within 300 ms of S1
// powering off, whatever the phase of the crash in the BFD and RIP
// intervals (ten seeds).
func TestReplicaPowerOff_BFD(t *testing.T) {
	var best, worst time.Duration
	for seed := int64(1); seed <= 10; seed++ {
		s := newReplicaSite(t, true, seed)
		out := s.powerOff(40 * time.Second)
		worst = max(worst, out)
		if best == 0 || out < best {
			best = out
		}
		if out > 300*time.Millisecond {
			t.Errorf("seed %d: R forwarded to S2 %v after S1 powered off, want ≤ 300ms", seed, out)
		}
		// RFC 5880 §6.8.4: R's session to S1 went Down on detection
		// time expiry, not earlier.
		for _, si := range s.bfds["R"].Sessions() {
			if si.Peer == s.s1 && (si.State.String() != "Down" || si.LastDownDiag.String() != "control-detection-time-expired") {
				t.Errorf("seed %d: R's session to S1 is %v (%v)", seed, si.State, si.LastDownDiag)
			}
			// S1's last packet came at most one interval before the
			// crash, so the detection time ran out no sooner than
			// DetectTime - TxInterval after it.
			if si.Peer == s.s1 && out < si.DetectTime-si.TxInterval-probeEvery {
				t.Errorf("seed %d: routed around in %v, before BFD could have detected it (%v - %v)", seed, out, si.DetectTime, si.TxInterval)
			}
		}
	}
	t.Logf("BFD %v × %d: R routed around S1's power-off in %v to %v (probes every %v, ten seeds)", replicaBFDTx, replicaBFDMult, best, worst, probeEvery)
}

// TestReplicaPowerOff_NoBFD is the same site without BFD: R keeps sending
// to the dead S1 until its route times out (RFC 2453 §3.8, 180 s after
// S1's last update, which was up to 30 s before the crash) and S2's next
// update or answer comes.
func TestReplicaPowerOff_NoBFD(t *testing.T) {
	var worst, best time.Duration
	for seed := int64(1); seed <= 3; seed++ {
		s := newReplicaSite(t, false, seed)
		out := s.powerOff(250 * time.Second)
		worst = max(worst, out)
		if best == 0 || out < best {
			best = out
		}
		if out < 150*time.Second {
			t.Errorf("seed %d: R forwarded to S2 %v after S1 powered off: before RIP's timeout could have passed", seed, out)
		}
	}
	t.Logf("without BFD: R routed around S1's power-off in %v to %v (RIP timeout 180 s, three seeds)", best, worst)
}

package anycast_test

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/anycast"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/health"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/rip"
)

// The protocols satisfy the Announcer without anycast importing them.
var (
	_ anycast.Announcer      = (*rip.Instance)(nil)
	_ anycast.Announcer      = (*ospf.Instance)(nil)
	_ anycast.Announcer      = ospf.ExternalAnnouncer{}
	_ anycast.Announcer      = (*anycast.FIBAnnouncer)(nil)
	_ anycast.AddressManager = (*anycast.NetlinkAddresses)(nil)
)

var (
	simEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	simVIP   = netip.MustParsePrefix("203.0.113.25/32")
)

// flag is a programmatic health check: healthy until failed.
type flag struct{ down atomic.Bool }

func (f *flag) Check(context.Context) error {
	if f.down.Load() {
		return errors.New("service down")
	}
	return nil
}

// campusSim is the paper's topology: routers r1 and r2 (campus 1 and 2)
// joined by a link, server A on r1's LAN and server B on r2's, each server
// running rip toward its router and anycast driving it.
type campusSim struct {
	t       *testing.T
	clock   *routing.ManualClock
	net     *netsim.Network
	routers map[string]*simRouter // r1, r2
	servers map[string]*simServer // A, B
	addr    map[netip.Addr]string // next-hop address -> node name
}

type simRouter struct {
	rip *rip.Instance
	fib *fib.Memory
}

type simServer struct {
	rip    *rip.Instance
	any    *anycast.Instance
	addrs  *anycast.MemoryAddresses
	health *flag // the service itself
	peer   *flag // what this server's peer check sees
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func newCampusSim(t *testing.T) *campusSim {
	c := routing.NewManualClock(simEpoch)
	s := &campusSim{t: t, clock: c, net: netsim.New(c, 1, nil), routers: map[string]*simRouter{},
		servers: map[string]*simServer{}, addr: map[netip.Addr]string{}}
	return s
}

func (s *campusSim) udp(a *netsim.Attachment) routing.UDPTransport {
	tr, err := a.Transport(netsim.TransportConfig{UDPPort: netsim.PortRIP})
	if err != nil {
		s.t.Fatal(err)
	}
	return tr
}

// build wires the topology and starts rip everywhere; svc gives each
// server's service configuration (metric, policy).
func (s *campusSim) build(svc func(name string, sv *simServer) anycast.ServiceConfig) {
	t := s.t
	cond := netsim.Conditions{Latency: time.Millisecond}
	n1, n2 := s.net.Node("r1"), s.net.Node("r2")
	a1, a2, err := s.net.Link(n1, n2, netsim.LinkConfig{AAddrs: []netip.Prefix{pfx("10.0.0.1/30")}, BAddrs: []netip.Prefix{pfx("10.0.0.2/30")}, Conditions: cond})
	if err != nil {
		t.Fatal(err)
	}
	s.addr[netip.MustParseAddr("10.0.0.1")], s.addr[netip.MustParseAddr("10.0.0.2")] = "r1", "r2"
	rcfg := map[string]*rip.Config{"r1": {Timers: rip.FastTimers()}, "r2": {Timers: rip.FastTimers()}}
	trs := map[string]map[string]routing.UDPTransport{"r1": {}, "r2": {}}
	add := func(node string, a *netsim.Attachment, p netip.Prefix) {
		rcfg[node].Interfaces = append(rcfg[node].Interfaces, rip.InterfaceConfig{Name: a.Name(), IfIndex: a.Index(), Prefix: p})
		trs[node][a.Name()] = s.udp(a)
	}
	add("r1", a1, pfx("10.0.0.1/30"))
	add("r2", a2, pfx("10.0.0.2/30"))
	for _, lan := range []struct{ router, server, rp, sp string }{
		{"r1", "A", "10.1.0.1/24", "10.1.0.10/24"}, {"r2", "B", "10.2.0.1/24", "10.2.0.10/24"},
	} {
		seg, err := s.net.Segment("lan-"+lan.router, netsim.SegmentConfig{Conditions: cond})
		if err != nil {
			t.Fatal(err)
		}
		ra, err := seg.Attach(s.net.Node(lan.router), "", pfx(lan.rp))
		if err != nil {
			t.Fatal(err)
		}
		add(lan.router, ra, pfx(lan.rp))
		sa, err := seg.Attach(s.net.Node(lan.server), "eth0", pfx(lan.sp))
		if err != nil {
			t.Fatal(err)
		}
		s.addr[pfx(lan.sp).Addr()] = lan.server
		scfg := rip.Config{Timers: rip.FastTimers(), Interfaces: []rip.InterfaceConfig{{Name: "eth0", IfIndex: sa.Index(), Prefix: pfx(lan.sp)}}}
		sr, err := rip.New(scfg, rip.Env{Clock: s.clock, Transports: map[string]routing.UDPTransport{"eth0": s.udp(sa)}, FIB: fib.NewMemory()})
		if err != nil {
			t.Fatal(err)
		}
		if err := sr.Start(); err != nil {
			t.Fatal(err)
		}
		s.servers[lan.server] = &simServer{rip: sr, health: &flag{}, peer: &flag{}}
	}
	for _, name := range []string{"r1", "r2"} {
		r := &simRouter{fib: fib.NewMemory()}
		inst, err := rip.New(*rcfg[name], rip.Env{Clock: s.clock, Transports: trs[name], FIB: r.fib})
		if err != nil {
			t.Fatal(err)
		}
		if err := inst.Start(); err != nil {
			t.Fatal(err)
		}
		r.rip = inst
		s.routers[name] = r
	}
	for _, name := range []string{"A", "B"} {
		sv := s.servers[name]
		sv.addrs = anycast.NewMemoryAddresses(s.clock, nil)
		cfg := svc(name, sv)
		inst, err := anycast.New(anycast.Config{Services: []anycast.ServiceConfig{cfg}},
			anycast.Env{Clock: s.clock, Announcer: sv.rip, Addresses: sv.addrs})
		if err != nil {
			t.Fatal(err)
		}
		if err := inst.Start(); err != nil {
			t.Fatal(err)
		}
		sv.any = inst
	}
}

// reach follows the routers' FIBs from router to the server the VIP leads
// to ("" when unreachable or looping).
func (s *campusSim) reach(router string) string {
	for range 3 {
		rt, ok := s.routers[router].fib.Get(0, simVIP)
		if !ok || len(rt.NextHops) == 0 {
			return ""
		}
		next := s.addr[rt.NextHops[0].Gateway]
		if _, isServer := s.servers[next]; isServer {
			return next
		}
		router = next
	}
	return ""
}

func (s *campusSim) both() [2]string { return [2]string{s.reach("r1"), s.reach("r2")} }

// until advances the clock in 10 ms steps until cond holds, up to limit,
// and returns how long it took.
func (s *campusSim) until(limit time.Duration, cond func() bool) (time.Duration, bool) {
	start := s.clock.Now()
	for s.clock.Now().Sub(start) <= limit {
		if cond() {
			return s.clock.Now().Sub(start), true
		}
		s.clock.Advance(10 * time.Millisecond)
	}
	return limit, false
}

func selfService(metrics map[string]uint32) func(string, *simServer) anycast.ServiceConfig {
	return func(name string, sv *simServer) anycast.ServiceConfig {
		return anycast.ServiceConfig{Name: "smtp", Prefixes: []netip.Prefix{simVIP}, Checkers: []health.Checker{sv.health},
			Interval: 100 * time.Millisecond, Rise: 2, Fall: 3, Metric: metrics[name], DrainTime: 12 * time.Second}
	}
}

// Paper §4.1/§4.2, failover (MA=1, MB=3) with the self check: both
// campuses reach A; A's service fails; both move to B; A returns; both
// move back.
func TestSimSelfCheckFailoverMovesRoute(t *testing.T) {
	s := newCampusSim(t)
	s.build(selfService(map[string]uint32{"A": 1, "B": 3}))
	if d, ok := s.until(30*time.Second, func() bool { return s.both() == [2]string{"A", "A"} }); !ok {
		t.Fatalf("not converged on A: %v", s.both())
	} else {
		t.Logf("converged on A in %v", d)
	}
	s.servers["A"].health.down.Store(true)
	d, ok := s.until(40*time.Second, func() bool { return s.both() == [2]string{"B", "B"} })
	if !ok {
		t.Fatalf("A failed, campuses reach %v", s.both())
	}
	t.Logf("A's service failed: both campuses on B after %v", d)
	if !s.servers["A"].addrs.Has(simVIP) {
		t.Fatal("a failed check removed the alias")
	}
	s.servers["A"].health.down.Store(false)
	if _, ok := s.until(30*time.Second, func() bool { return s.both() == [2]string{"A", "A"} }); !ok {
		t.Fatalf("A returned, campuses reach %v", s.both())
	}
}

// Load balancing (MA=MB=1): each campus reaches its own server.
func TestSimLoadBalancing(t *testing.T) {
	s := newCampusSim(t)
	s.build(selfService(map[string]uint32{"A": 1, "B": 1}))
	if _, ok := s.until(30*time.Second, func() bool { return s.both() == [2]string{"A", "B"} }); !ok {
		t.Fatalf("load balancing: campuses reach %v", s.both())
	}
}

// A graceful drain moves both campuses to B before A's alias goes: at the
// moment of the removal, both routers' FIBs already lead to B.
func TestSimDrainMovesRouteBeforeAliasRemoved(t *testing.T) {
	s := newCampusSim(t)
	s.build(selfService(map[string]uint32{"A": 1, "B": 3}))
	if _, ok := s.until(30*time.Second, func() bool { return s.both() == [2]string{"A", "A"} }); !ok {
		t.Fatalf("not converged: %v", s.both())
	}
	a := s.servers["A"]
	if err := a.any.SetMaintenance("smtp", true); err != nil {
		t.Fatal(err)
	}
	drained := s.clock.Now()
	moved, ok := s.until(12*time.Second, func() bool { return s.both() == [2]string{"B", "B"} })
	if !ok {
		t.Fatalf("drain did not move the campuses: %v", s.both())
	}
	if !a.addrs.Has(simVIP) {
		t.Fatal("alias removed before the network moved")
	}
	// Every step until the alias goes, both stay on B.
	_, gone := s.until(13*time.Second, func() bool {
		if s.both() != [2]string{"B", "B"} {
			t.Fatalf("back to %v while draining", s.both())
		}
		return !a.addrs.Has(simVIP)
	})
	if !gone {
		t.Fatal("alias never removed")
	}
	ch := a.addrs.Changes()
	last := ch[len(ch)-1]
	if last.Added || last.At.Sub(drained) < 12*time.Second {
		t.Fatalf("last change %+v, %v after the drain began", last, last.At.Sub(drained))
	}
	t.Logf("drain: campuses on B after %v, alias removed %v after the drain began", moved, last.At.Sub(drained))
}

// Stop on A: withdraw, drain, remove; B takes over and A keeps nothing.
func TestSimStopLeavesNothing(t *testing.T) {
	s := newCampusSim(t)
	s.build(selfService(map[string]uint32{"A": 1, "B": 3}))
	s.until(30*time.Second, func() bool { return s.both() == [2]string{"A", "A"} })
	a := s.servers["A"]
	var wg sync.WaitGroup
	var stopErr error
	wg.Add(1)
	go func() { defer wg.Done(); stopErr = a.any.Stop(context.Background()) }()
	for a.addrs.Has(simVIP) {
		s.clock.Advance(10 * time.Millisecond)
		time.Sleep(50 * time.Microsecond)
	}
	wg.Wait()
	if stopErr != nil {
		t.Fatal(stopErr)
	}
	if s.both() != [2]string{"B", "B"} {
		t.Fatalf("after A's Stop campuses reach %v", s.both())
	}
	if _, ok := a.rip.Route(simVIP); ok {
		if rt, _ := a.rip.Route(simVIP); rt.Source == rip.SourceAPI {
			t.Fatal("A still originates the VIP")
		}
	}
}

// Paper §4.2 second method: both replicas announce 1+2 (load balancing at
// 3); when B sees A fail, B lowers itself to 1 and A, whose own check
// fails, withdraws. The guard: when A's own service is down and A's peer
// check also fails (A's network is the broken part), A must not lower
// itself and attract the traffic.
func TestSimPeerPolicyAndGuard(t *testing.T) {
	s := newCampusSim(t)
	s.build(func(name string, sv *simServer) anycast.ServiceConfig {
		return anycast.ServiceConfig{Name: "smtp", Prefixes: []netip.Prefix{simVIP}, Checkers: []health.Checker{sv.health},
			Policy: anycast.PolicyPeer, PeerCheckers: []health.Checker{sv.peer},
			Interval: 100 * time.Millisecond, Rise: 2, Fall: 3, Metric: 1, DrainTime: 12 * time.Second}
	})
	if _, ok := s.until(30*time.Second, func() bool { return s.both() == [2]string{"A", "B"} }); !ok {
		t.Fatalf("raised metrics: campuses reach %v, want load balancing", s.both())
	}
	if rt, _ := s.routers["r1"].rip.Route(simVIP); rt.Metric != 4 {
		t.Fatalf("r1's metric %d, want 3+1", rt.Metric)
	}
	// A's service fails; B's peer check (against A's real address) sees it.
	s.servers["A"].health.down.Store(true)
	s.servers["B"].peer.down.Store(true)
	// The guard's case too: A's peer check fails as well.
	s.servers["A"].peer.down.Store(true)
	if _, ok := s.until(40*time.Second, func() bool { return s.both() == [2]string{"B", "B"} }); !ok {
		t.Fatalf("A failed: campuses reach %v", s.both())
	}
	st := s.servers["A"].any.Services()[0]
	if st.State != anycast.StateDown || !st.PeerDown || st.Prefixes[0].Announced {
		t.Fatalf("A's status %+v: a broken replica must not announce", st)
	}
	if st := s.servers["B"].any.Services()[0]; st.Prefixes[0].Metric != 1 {
		t.Fatalf("B's metric %d, want lowered to 1", st.Prefixes[0].Metric)
	}
	s.until(20*time.Second, func() bool { return false })
	if s.both() != [2]string{"B", "B"} {
		t.Fatalf("later: campuses reach %v", s.both())
	}
}

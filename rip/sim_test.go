package rip

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/netsim"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ip(s string) netip.Addr    { return netip.MustParseAddr(s) }

// simRouter is one router of a simulation: its netsim node, the RIP
// instance, its FIB and the events it told.
type simRouter struct {
	name   string
	node   *netsim.Node
	cfg    Config
	trs    map[string]routing.UDPTransport
	inst   *Instance
	fib    *fib.Memory
	events []Event
	// live is Env.Liveness; evMu guards events against the goroutine a
	// Liveness reports on.
	live routing.Liveness
	evMu sync.Mutex
}

type sim struct {
	t       testing.TB
	clock   *routing.ManualClock
	net     *netsim.Network
	routers map[string]*simRouter
	names   []string
	links   int
}

func newSim(t testing.TB, seed int64) *sim {
	c := routing.NewManualClock(epoch)
	return &sim{t: t, clock: c, net: netsim.New(c, seed, nil), routers: map[string]*simRouter{}}
}

func (s *sim) router(name string) *simRouter {
	if r := s.routers[name]; r != nil {
		return r
	}
	r := &simRouter{name: name, node: s.net.Node(name), trs: map[string]routing.UDPTransport{}, fib: fib.NewMemory()}
	s.routers[name] = r
	s.names = append(s.names, name)
	return r
}

func (s *sim) attach(r *simRouter, a *netsim.Attachment, p netip.Prefix) {
	tr, err := a.Transport(netsim.TransportConfig{UDPPort: netsim.PortRIP})
	if err != nil {
		s.t.Fatal(err)
	}
	r.trs[a.Name()] = tr
	r.cfg.Interfaces = append(r.cfg.Interfaces, InterfaceConfig{Name: a.Name(), IfIndex: a.Index(), Prefix: p})
}

// link joins a and b on a point-to-point link of subnet 10.<k>.0.0/24
// (a is .1, b is .2) and returns the link.
func (s *sim) link(a, b string, cond netsim.Conditions) *netsim.Link {
	s.links++
	ra, rb := s.router(a), s.router(b)
	pa := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(s.links), 0, 1}), 24)
	pb := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(s.links), 0, 2}), 24)
	aa, ab, err := s.net.Link(ra.node, rb.node, netsim.LinkConfig{AAddrs: []netip.Prefix{pa}, BAddrs: []netip.Prefix{pb}, Conditions: cond})
	if err != nil {
		s.t.Fatal(err)
	}
	s.attach(ra, aa, pa)
	s.attach(rb, ab, pb)
	return aa.Link()
}

// stub gives router r a stub network (a segment nobody else is on).
func (s *sim) stub(name string, p netip.Prefix) {
	r := s.router(name)
	seg, err := s.net.Segment("stub-"+name+"-"+p.String(), netsim.SegmentConfig{})
	if err != nil {
		s.t.Fatal(err)
	}
	a, err := seg.Attach(r.node, "", p)
	if err != nil {
		s.t.Fatal(err)
	}
	s.attach(r, a, p)
	r.cfg.Interfaces[len(r.cfg.Interfaces)-1].Passive = true
}

// start makes and starts every router's instance; mod may change each
// configuration first.
func (s *sim) start(mod func(r *simRouter)) {
	for _, n := range s.names {
		r := s.routers[n]
		if mod != nil {
			mod(r)
		}
		s.startOne(r)
	}
}

func (s *sim) startOne(r *simRouter) {
	onEvent := func(e Event) {
		r.evMu.Lock()
		r.events = append(r.events, e)
		r.evMu.Unlock()
	}
	inst, err := New(r.cfg, Env{Clock: s.clock, Transports: r.trs, FIB: r.fib, OnEvent: onEvent, Liveness: r.live})
	if err != nil {
		s.t.Fatal(err)
	}
	if err := inst.Start(); err != nil {
		s.t.Fatal(err)
	}
	r.inst = inst
}

func (s *sim) stop(name string) {
	if err := s.routers[name].inst.Stop(context.Background()); err != nil {
		s.t.Fatal(err)
	}
}

func (s *sim) advance(d time.Duration) { s.clock.Advance(d) }

// metric returns r's metric for p, 16 when it has no route.
func (s *sim) metric(name string, p netip.Prefix) int {
	rt, ok := s.routers[name].inst.Route(p)
	if !ok {
		return 16
	}
	return rt.Metric
}

func lineNames(n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprintf("r%02d", i))
	}
	return out
}

func TestSim_TwoRoutersLearn(t *testing.T) {
	s := newSim(t, 1)
	s.link("a", "b", netsim.Conditions{Latency: time.Millisecond})
	s.stub("a", pfx("192.168.1.1/24"))
	s.start(nil)
	s.advance(time.Second)
	if m := s.metric("b", pfx("192.168.1.0/24")); m != 2 {
		t.Fatalf("b's metric to a's stub = %d, want 2\n%v", m, s.routers["b"].inst.Routes())
	}
	rt, _ := s.routers["b"].fib.Get(0, pfx("192.168.1.0/24"))
	if len(rt.NextHops) != 1 || rt.NextHops[0].Gateway != ip("10.1.0.1") || rt.Protocol != fib.ProtocolRIP {
		t.Fatalf("b's FIB: %v", rt)
	}
	if s.metric("a", pfx("192.168.1.0/24")) != 1 {
		t.Fatal("a's connected route")
	}
}

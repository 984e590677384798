package ospf

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/ospf/packet"
)

// sim is a simulated OSPF network: routers (Instances) on a netsim
// network driven by a manual clock.
type sim struct {
	t       testing.TB
	clock   *routing.ManualClock
	net     *netsim.Network
	routers map[string]*simRouter
	order   []string
}

type simRouter struct {
	name  string
	rid   netip.Addr
	node  *netsim.Node
	in    *Instance
	ifcs  []InterfaceConfig
	atts  map[string]*netsim.Attachment
	trs   map[string]*netsim.Transport
	tweak func(*InterfaceConfig)
	fib   fib.Sink // Env.FIB of the next start
	// live and onEvent are Env.Liveness and Env.OnEvent of the next
	// start.
	live    routing.Liveness
	onEvent func(Event)
	// clock and wrap, when set, are Env.Clock and a wrapper of each
	// transport for the next start.
	clock routing.Clock
	wrap  func(routing.Transport) routing.Transport
}

func newSim(t testing.TB, seed int64) *sim {
	clock := routing.NewManualClock(time.Time{})
	var log *slog.Logger
	if os.Getenv("OSPF_SIM_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return &sim{t: t, clock: clock, net: netsim.New(clock, seed, log), routers: map[string]*simRouter{}}
}

// router declares a router; rid is its Router ID.
func (s *sim) router(name, rid string) *simRouter {
	r := &simRouter{name: name, rid: netip.MustParseAddr(rid), node: s.net.Node(name),
		atts: map[string]*netsim.Attachment{}, trs: map[string]*netsim.Transport{}}
	s.routers[name] = r
	s.order = append(s.order, name)
	return r
}

func (s *sim) r(name string) *simRouter { return s.routers[name] }

// link joins a and b with a point-to-point link on subnet (a /30 or
// /31): a gets the first host address, b the second.
func (s *sim) link(a, b, subnet string, cond netsim.Conditions, tweak ...func(*InterfaceConfig)) {
	s.t.Helper()
	p := netip.MustParsePrefix(subnet)
	x := p.Addr().Next()
	y := x.Next()
	if p.Bits() == 31 {
		x, y = p.Addr(), p.Addr().Next()
	}
	ra, rb := s.r(a), s.r(b)
	pa, pb := netip.PrefixFrom(x, p.Bits()), netip.PrefixFrom(y, p.Bits())
	ea, eb, err := s.net.Link(ra.node, rb.node, netsim.LinkConfig{
		AAddrs: []netip.Prefix{pa}, BAddrs: []netip.Prefix{pb}, Conditions: cond,
	})
	if err != nil {
		s.t.Fatal(err)
	}
	ra.addIface(ea, pa, NetworkPointToPoint, tweak)
	rb.addIface(eb, pb, NetworkPointToPoint, tweak)
}

// segment attaches routers to a broadcast segment on subnet; router i
// gets host address i+1.
func (s *sim) segment(name, subnet string, cond netsim.Conditions, routers ...string) *netsim.Link {
	s.t.Helper()
	seg, err := s.net.Segment(name, netsim.SegmentConfig{Conditions: cond})
	if err != nil {
		s.t.Fatal(err)
	}
	p := netip.MustParsePrefix(subnet)
	a := p.Addr()
	for _, name := range routers {
		a = a.Next()
		r := s.r(name)
		pr := netip.PrefixFrom(a, p.Bits())
		att, err := seg.Attach(r.node, "", pr)
		if err != nil {
			s.t.Fatal(err)
		}
		r.addIface(att, pr, NetworkBroadcast, nil)
	}
	return seg
}

func (r *simRouter) addIface(att *netsim.Attachment, p netip.Prefix, nt NetworkType, tweak []func(*InterfaceConfig)) {
	ic := InterfaceConfig{Name: att.Name(), IfIndex: att.Index(), Prefix: p, Network: nt}
	for _, f := range tweak {
		f(&ic)
	}
	r.ifcs = append(r.ifcs, ic)
	r.atts[att.Name()] = att
}

// iface returns the configuration of the router's interface on subnet.
func (r *simRouter) ifaceOn(subnet string) *InterfaceConfig {
	p := netip.MustParsePrefix(subnet)
	for i := range r.ifcs {
		if p.Contains(r.ifcs[i].Prefix.Addr()) {
			return &r.ifcs[i]
		}
	}
	panic("no interface on " + subnet)
}

// start creates and starts the router's instance (again after a stop).
func (s *sim) start(name string) {
	s.t.Helper()
	s.startWith(name, nil)
}

// startWith is start with a change to the instance's Config (made before
// the interfaces are added); it returns the running instance.
func (s *sim) startWith(name string, cfgTweak func(*Config)) *Instance {
	s.t.Helper()
	r := s.r(name)
	cfg := Config{RouterID: r.rid}
	if cfgTweak != nil {
		cfgTweak(&cfg)
	}
	trs := map[string]routing.Transport{}
	for _, ic := range r.ifcs {
		if r.tweak != nil {
			r.tweak(&ic)
		}
		cfg.Interfaces = append(cfg.Interfaces, ic)
		tr, err := r.atts[ic.Name].Transport(netsim.TransportConfig{IPProto: netsim.ProtoOSPF})
		if err != nil {
			s.t.Fatal(err)
		}
		trs[ic.Name] = tr
		if r.wrap != nil {
			trs[ic.Name] = r.wrap(tr)
		}
	}
	var clock routing.Clock = s.clock
	if r.clock != nil {
		clock = r.clock
	}
	var log *slog.Logger
	if os.Getenv("OSPF_SIM_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("node", name)
	}
	in, err := New(cfg, Env{Clock: clock, Logger: log, Transports: trs, FIB: r.fib, Liveness: r.live, OnEvent: r.onEvent})
	if err != nil {
		s.t.Fatal(err)
	}
	if err := in.Start(); err != nil {
		s.t.Fatal(err)
	}
	r.in = in
	return in
}

func (s *sim) startAll() {
	for _, n := range s.order {
		s.start(n)
	}
}

// stop stops a router gracefully (flushing its LSAs).
func (s *sim) stop(name string) {
	s.t.Helper()
	r := s.r(name)
	if err := r.in.Stop(context.Background()); err != nil {
		s.t.Fatal(err)
	}
	r.in = nil
}

// running returns the routers whose instance runs.
func (s *sim) running() []*simRouter {
	var out []*simRouter
	for _, n := range s.order {
		if r := s.r(n); r.in != nil && !r.node.Crashed() {
			out = append(out, r)
		}
	}
	return out
}

// until advances the clock in small steps until cond holds, failing the
// test after limit of virtual time. It returns the virtual time taken.
func (s *sim) until(limit time.Duration, what string, cond func() error) time.Duration {
	s.t.Helper()
	start := s.clock.Now()
	var err error
	for {
		if err = cond(); err == nil {
			return s.clock.Now().Sub(start)
		}
		if s.clock.Now().Sub(start) >= limit {
			s.t.Fatalf("%s: not reached after %v of virtual time: %v", what, limit, err)
		}
		s.clock.Advance(100 * time.Millisecond)
	}
}

// nbrState returns r's view of the neighbor with Router ID rid.
func (r *simRouter) nbr(rid string) (NeighborStatus, bool) {
	for _, n := range r.in.Neighbors() {
		if n.RouterID.String() == rid {
			return n, true
		}
	}
	return NeighborStatus{}, false
}

// allFull checks that every running router has the expected number of
// Full neighbors.
func (s *sim) fullCount(want map[string]int) func() error {
	return func() error {
		for name, w := range want {
			got := 0
			for _, n := range s.r(name).in.Neighbors() {
				if n.State == NbrFull {
					got++
				}
			}
			if got != w {
				return fmt.Errorf("%s has %d Full neighbors, want %d: %v", name, got, w, s.r(name).in.Neighbors())
			}
		}
		return nil
	}
}

// lsdbDigest renders a router's database as sorted "type id adv seq
// checksum" lines (ages differ between routers and are left out).
func lsdbDigest(in *Instance) string {
	var b strings.Builder
	for _, e := range in.LSDB(LSDBFilter{}) {
		h := e.LSA.Header
		maxAge := ""
		if packet.LSAge(h.Age) == packet.MaxAge {
			maxAge = " MaxAge"
		}
		fmt.Fprintf(&b, "%v %v %v %#08x %#04x%s\n", h.Type, h.ID, h.AdvRouter, uint32(h.Seq), h.Checksum, maxAge)
	}
	return b.String()
}

// sameLSDB checks that every running router has the same database, that
// it holds want router-LSAs, and that no router still holds back an
// origination behind MinLSInterval (§12.4): identical and settled, not
// identical for a moment before the next instance goes out.
func (s *sim) sameLSDB(wantRouters int) func() error {
	return func() error {
		rs := s.running()
		for _, r := range rs {
			r.in.mu.Lock()
			pending := r.in.orig.deferred.Armed() || r.in.orig.dirty
			r.in.mu.Unlock()
			if pending {
				return fmt.Errorf("%s holds back an origination (MinLSInterval)", r.name)
			}
		}
		ref := lsdbDigest(rs[0].in)
		if n := strings.Count(ref, "Router "); n != wantRouters {
			return fmt.Errorf("%s has %d router-LSAs, want %d:\n%s", rs[0].name, n, wantRouters, ref)
		}
		for _, r := range rs[1:] {
			if d := lsdbDigest(r.in); d != ref {
				return fmt.Errorf("%s and %s differ:\n%s\nvs\n%s", rs[0].name, r.name, ref, d)
			}
		}
		return nil
	}
}

// routerLSA returns a router's own router-LSA as seen by another.
func routerLSA(in *Instance, rid string) (packet.RouterLSA, bool) {
	a := netip.MustParseAddr(rid)
	e, ok := in.LookupLSA(packet.LSAKey{Type: packet.LSTypeRouter, ID: a, AdvRouter: a})
	if !ok {
		return packet.RouterLSA{}, false
	}
	return e.LSA.Router, true
}

// linkTypes lists a router-LSA's links as "type:id" strings, sorted.
func linkTypes(r packet.RouterLSA) []string {
	var out []string
	for _, l := range r.Links {
		out = append(out, fmt.Sprintf("%v:%v", l.Type, l.ID))
	}
	slices.Sort(out)
	return out
}

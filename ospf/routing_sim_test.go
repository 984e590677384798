package ospf

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/fib/fibtest"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/ospf/packet"
)

// Routing simulations: whole rings of Instances on the in-memory network,
// each with its own fib.Memory, checked against routing tables computed
// independently from the physical topology.

// o5ring is the switchless ring of the design: five routers r1..r5 in a
// ring of point-to-point links, each with a VM LAN 192.168.<i>.0/24 on a
// passive interface. r1 and r5 are the edge routers: they hold a default
// route of their own and originate it, r1 with metric 10 and r5 with 20,
// so that r1's uplink is preferred. Costs (per direction):
//
//	r1 —10— r2 —10— r3 —10— r4 —5— r5 —5— r1
//
// so that r1 reaches r4 via r5 (10) and r3 both ways (20): ECMP.
type o5ring struct {
	*sim
	fibs  map[string]*fib.Memory
	spies map[string]*fibtest.Spy
	cost  map[[2]string]uint16 // directed link costs, for the reference
	cut   map[[2]string]bool
}

var o5ringLinks = []struct {
	a, b, subnet string
	cost         uint16
}{
	{"r1", "r2", "10.1.2.0/30", 10},
	{"r2", "r3", "10.2.3.0/30", 10},
	{"r3", "r4", "10.3.4.0/30", 10},
	{"r4", "r5", "10.4.5.0/30", 5},
	{"r5", "r1", "10.5.1.0/30", 5},
}

func newO5Ring(t *testing.T, seed int64) *o5ring {
	s := newSim(t, seed)
	r := &o5ring{sim: s, fibs: map[string]*fib.Memory{}, spies: map[string]*fibtest.Spy{}, cost: map[[2]string]uint16{}, cut: map[[2]string]bool{}}
	for i := 1; i <= 5; i++ {
		s.router(fmt.Sprintf("r%d", i), fmt.Sprintf("10.255.0.%d", i))
	}
	cond := netsim.Conditions{Latency: time.Millisecond}
	for _, l := range o5ringLinks {
		cost := l.cost
		s.link(l.a, l.b, l.subnet, cond, func(ic *InterfaceConfig) {
			ic.Cost = cost
			ic.HelloInterval, ic.RouterDeadInterval = time.Second, 4*time.Second
		})
		r.cost[[2]string{l.a, l.b}], r.cost[[2]string{l.b, l.a}] = l.cost, l.cost
	}
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("r%d", i)
		lan := fmt.Sprintf("192.168.%d.0/24", i)
		s.segment("lan"+name, lan, cond, name)
		s.r(name).ifaceOn(lan).Passive = true
	}
	return r
}

// start starts router name with a fib.Memory behind a Spy and the routing
// configuration of the ring.
func (r *o5ring) start(name string, tweak func(*Config)) {
	s := r.sim
	s.t.Helper()
	mem := fib.NewMemory()
	spy := fibtest.NewSpy(mem)
	s.r(name).fib = spy
	in := s.startWith(name, func(cfg *Config) {
		switch name {
		case "r1":
			cfg.DefaultInformation = DefaultInformation{Originate: true, Metric: 10}
		case "r5":
			cfg.DefaultInformation = DefaultInformation{Originate: true, Metric: 20}
		}
		if tweak != nil {
			tweak(cfg)
		}
	})
	if name == "r1" || name == "r5" {
		in.SetDefaultRoute(true) // the edge routers' static default
	}
	r.fibs[name], r.spies[name] = mem, spy
}

func (r *o5ring) startAll() {
	for _, n := range r.order {
		r.start(n, nil)
	}
}

// expected computes router src's FIB from the physical ring: Dijkstra over
// the links that are up and the routers that run, every shortest first hop
// kept (ECMP); destinations are the other routers' LANs, the link subnets
// not attached to src, and the default route of the preferred originator
// (the lowest metric among running originators other than src).
func (r *o5ring) expected(src string, originators map[string]uint32) []string {
	up := func(n string) bool { return r.r(n).in != nil && !r.r(n).node.Crashed() }
	type hop struct{ gw, dev string }
	dist := map[string]uint32{src: 0}
	first := map[string]map[hop]bool{src: {}}
	done := map[string]bool{}
	for {
		cur, best := "", ^uint32(0)
		for n, d := range dist {
			if !done[n] && d < best {
				cur, best = n, d
			}
		}
		if cur == "" {
			break
		}
		done[cur] = true
		for _, l := range o5ringLinks {
			for _, dir := range [][2]string{{l.a, l.b}, {l.b, l.a}} {
				if dir[0] != cur || !up(dir[1]) || r.cut[[2]string{l.a, l.b}] {
					continue
				}
				w := dir[1]
				d := best + uint32(r.cost[dir])
				hs := map[hop]bool{}
				if cur == src {
					peer := r.r(w).ifaceOn(l.subnet)
					hs[hop{peer.Prefix.Addr().String(), r.r(src).ifaceOn(l.subnet).Name}] = true
				} else {
					for h := range first[cur] {
						hs[h] = true
					}
				}
				switch old, ok := dist[w]; {
				case !ok || d < old:
					dist[w], first[w] = d, hs
				case d == old:
					for h := range hs {
						first[w][h] = true
					}
				}
			}
		}
	}
	render := func(p string, hs map[hop]bool) string {
		var ss []string
		for h := range hs {
			ss = append(ss, h.gw+"@"+h.dev)
		}
		slices.Sort(ss)
		return p + " " + strings.Join(ss, ",")
	}
	var out []string
	for i := 1; i <= 5; i++ {
		n := fmt.Sprintf("r%d", i)
		if n == src || !done[n] {
			continue
		}
		out = append(out, render(fmt.Sprintf("192.168.%d.0/24", i), first[n]))
	}
	// Link subnets not attached to src: reached through the nearer end
	// (ties: both), the stub's cost being the far end's interface cost. A
	// link that is cut, or whose far end is down, has no carrier and is
	// advertised by neither end; a stopped router's link keeps its
	// carrier and the other end still advertises it.
	crashed := func(n string) bool { return r.r(n).node.Crashed() }
	for _, l := range o5ringLinks {
		if l.a == src || l.b == src || r.cut[[2]string{l.a, l.b}] || crashed(l.a) || crashed(l.b) {
			continue
		}
		hs, best := map[hop]bool{}, ^uint32(0)
		for _, end := range []string{l.a, l.b} {
			if !done[end] {
				continue
			}
			d := dist[end] + uint32(l.cost)
			if d < best {
				hs, best = map[hop]bool{}, d
			}
			if d == best {
				for h := range first[end] {
					hs[h] = true
				}
			}
		}
		if len(hs) > 0 {
			out = append(out, render(l.subnet, hs))
		}
	}
	var from string
	var metric uint32
	for o, m := range originators {
		if o == src || !done[o] {
			continue
		}
		if from == "" || m < metric || (m == metric && dist[o] < dist[from]) {
			from, metric = o, m
		}
	}
	if from != "" {
		out = append(out, render("0.0.0.0/0", first[from]))
	}
	slices.Sort(out)
	return out
}

// fibOf renders a router's FIB as "prefix gw@dev,..." lines, with
// interface names.
func (r *o5ring) fibOf(name string) []string {
	sr := r.r(name)
	devs := map[int]string{}
	for _, ic := range sr.ifcs {
		devs[ic.IfIndex] = ic.Name
	}
	var out []string
	for _, rt := range r.fibs[name].Routes() {
		var ss []string
		for _, h := range rt.NextHops {
			ss = append(ss, h.Gateway.String()+"@"+devs[h.IfIndex])
		}
		slices.Sort(ss)
		out = append(out, rt.Prefix.String()+" "+strings.Join(ss, ","))
	}
	slices.Sort(out)
	return out
}

// converged checks every running router's FIB against expected.
func (r *o5ring) converged(originators map[string]uint32) func() error {
	return func() error {
		for _, sr := range r.running() {
			want := r.expected(sr.name, originators)
			if got := r.fibOf(sr.name); !slices.Equal(got, want) {
				return fmt.Errorf("%s's FIB:\n  %s\nwant:\n  %s", sr.name, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		}
		return nil
	}
}

var o5bothDefaults = map[string]uint32{"r1": 10, "r5": 20}

// TestSimRouting_Ring5TwoDefaults: the ring converges to the expected
// FIB on every router: ECMP where two paths tie, the default route from r1
// (metric 10) everywhere but on r1, which uses r5's.
func TestSimRouting_Ring5TwoDefaults(t *testing.T) {
	r := newO5Ring(t, 11)
	r.startAll()
	took := r.until(60*time.Second, "FIBs converged", r.converged(o5bothDefaults))
	t.Logf("FIBs converged after %v of virtual time", took)
	// r1 reaches r3's LAN both ways round.
	if rt, _ := r.fibs["r1"].Get(0, netip.MustParsePrefix("192.168.3.0/24")); len(rt.NextHops) != 2 {
		t.Errorf("r1 → r3's LAN: %v, want ECMP", rt)
	}
	// The routing table says why: E2 metrics, the preferred originator.
	rt := r.r("r3").in.RoutingTable()
	def, ok := rt.Lookup(netip.MustParsePrefix("0.0.0.0/0"))
	if !ok || def.PathType != PathExternal2 || def.Type2Cost != 10 || def.AdvRouter != netip.MustParseAddr("10.255.0.1") {
		t.Errorf("r3's default: %+v", def)
	}
	// Quiet network: no FIB write at all for 35 minutes, LSA refreshes
	// (LSRefreshTime, §12.4) included.
	for _, spy := range r.spies {
		spy.Reset()
	}
	r.clock.Advance(35 * time.Minute)
	for name, spy := range r.spies {
		if w := spy.Writes(); w != 0 {
			t.Errorf("%s wrote its FIB %d times in a quiet network: %v", name, w, spy.Calls())
		}
	}
	if st := r.r("r2").in.SPFStatus(); st.State != SPFQuiet || st.Runs == 0 {
		t.Errorf("r2 SPF status %+v", st)
	}
	// A route removed behind the instance's back (as the kernel does when
	// an interface is set down) is put back by the periodic
	// reconciliation with the sink's list.
	lan3 := netip.MustParsePrefix("192.168.3.0/24")
	if err := r.fibs["r2"].Delete(t.Context(), lan3, 0); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(fibReconcileInterval)
	if _, ok := r.fibs["r2"].Get(0, lan3); !ok {
		t.Errorf("r2's route to %v not restored after %v", lan3, fibReconcileInterval)
	}
}

// TestSimRouting_LinkCutReroutes: cutting r2–r3 (reported at once, as
// carrier loss) moves traffic round the other side, and restoring it
// brings the ECMP back.
func TestSimRouting_LinkCutReroutes(t *testing.T) {
	r := newO5Ring(t, 12)
	r.watchCarrier()
	r.startAll()
	r.until(60*time.Second, "FIBs converged", r.converged(o5bothDefaults))
	// Let SPF scheduling go quiet (RFC 8405 HOLDDOWN), so that the cut is
	// acted on after INITIAL_SPF_DELAY.
	r.clock.Advance(15 * time.Second)

	r.net.LinkByName("r2/eth1-r3/eth0").Cut()
	r.cut[[2]string{"r2", "r3"}] = true
	took := r.until(10*time.Second, "rerouted after the cut", r.converged(o5bothDefaults))
	t.Logf("all FIBs rerouted %v after the cut", took)
	if rt, _ := r.fibs["r2"].Get(0, netip.MustParsePrefix("192.168.3.0/24")); len(rt.NextHops) != 1 || rt.NextHops[0].Gateway != netip.MustParseAddr("10.1.2.1") {
		t.Errorf("r2 → r3's LAN after the cut: %v, want via r1", rt)
	}

	r.net.LinkByName("r2/eth1-r3/eth0").Restore()
	delete(r.cut, [2]string{"r2", "r3"})
	r.until(60*time.Second, "converged after restore", r.converged(o5bothDefaults))
}

// TestSimRouting_RFC2328_9_3_InterfaceFlapBetweenSPFRuns: r2's interface
// to r3 goes down (§9.3 InterfaceDown) and, as the kernel does with an
// interface set down, the routes through it vanish from r2's FIB; it is
// up again (InterfaceUp) before r2's next SPF run, which r2 holds back
// 10 s (RFC 8405), long enough for the adjacency and the router-LSAs to
// come back. That run computes the table of before the flap, so writes
// nothing; the routes must still come back then (a reconciliation with
// the sink's list), not at the periodic one up to a minute later.
// Found in namespaces by TestCrashRestart_Ring (examples/ringd).
func TestSimRouting_RFC2328_9_3_InterfaceFlapBetweenSPFRuns(t *testing.T) {
	r := newO5Ring(t, 14)
	start := r.clock.Now()
	slow := SPFBackoff{InitialDelay: 10 * time.Second, ShortDelay: 10 * time.Second, LongDelay: 10 * time.Second}
	for _, n := range r.order {
		if n == "r2" {
			r.start(n, func(c *Config) { c.SPF = slow })
		} else {
			r.start(n, nil)
		}
	}
	r.until(2*time.Minute, "FIBs converged", r.converged(o5bothDefaults))
	// Just past a periodic reconciliation (every fibReconcileInterval
	// since the start), so that none falls in the 30 s below.
	next := start.Add(fibReconcileInterval)
	for !next.After(r.clock.Now()) {
		next = next.Add(fibReconcileInterval)
	}
	r.clock.Advance(next.Sub(r.clock.Now()) + time.Second)

	in := r.r("r2").in
	var ifname string
	var via []netip.Prefix
	for _, ic := range r.r("r2").ifcs {
		if ic.Prefix.Masked() == netip.MustParsePrefix("10.2.3.0/30") {
			ifname = ic.Name
			for _, rt := range r.fibs["r2"].Routes() {
				if slices.ContainsFunc(rt.NextHops, func(h fib.NextHop) bool { return h.IfIndex == ic.IfIndex }) {
					via = append(via, rt.Prefix)
				}
			}
		}
	}
	if ifname == "" || len(via) == 0 {
		t.Fatalf("no route of r2 through its interface to r3 (%q): %v", ifname, r.fibOf("r2"))
	}
	if err := in.InterfaceDown(ifname); err != nil {
		t.Fatal(err)
	}
	for _, p := range via {
		if err := r.fibs["r2"].Delete(t.Context(), p, 0); err != nil {
			t.Fatal(err)
		}
	}
	r.clock.Advance(10 * time.Millisecond)
	if err := in.InterfaceUp(ifname); err != nil {
		t.Fatal(err)
	}
	took := r.until(30*time.Second, "r2's routes through r3 back", r.converged(o5bothDefaults))
	t.Logf("%d routes through %s back %v after the flap", len(via), ifname, took)
}

// TestSimRouting_OriginatorDies: when r1 crashes (no flush: its LSAs stay
// in the databases), its default becomes unusable once its neighbors drop
// it (§16.4 step 3: the ASBR is unreachable), and r5's takes over; when r5
// then stops gracefully (its LSAs flushed), no default is left. r1's
// losing its own default route (SetDefaultRoute(false)) withdraws it too.
func TestSimRouting_OriginatorDies(t *testing.T) {
	r := newO5Ring(t, 13)
	r.watchCarrier()
	r.startAll()
	r.until(60*time.Second, "FIBs converged", r.converged(o5bothDefaults))

	// r1 loses its uplink: default-information originate stops.
	r.r("r1").in.SetDefaultRoute(false)
	r.until(10*time.Second, "r1's default withdrawn", r.converged(map[string]uint32{"r5": 20}))
	if got := r.r("r1").in.ExternalRoutes(); len(got) != 0 {
		t.Errorf("r1 still advertises %v", got)
	}
	r.r("r1").in.SetDefaultRoute(true)
	r.until(10*time.Second, "r1's default back", r.converged(o5bothDefaults))

	// r1 crashes.
	r.r("r1").node.Crash()
	took := r.until(30*time.Second, "r5's default after r1's crash", r.converged(map[string]uint32{"r5": 20}))
	t.Logf("default switched to r5 %v after r1 crashed", took)
	if _, ok := r.r("r3").in.LookupLSA(packet.LSAKey{Type: packet.LSTypeASExternal, ID: netip.IPv4Unspecified(), AdvRouter: netip.MustParseAddr("10.255.0.1")}); !ok {
		t.Log("r1's external LSA already gone (not required)")
	}

	// r5 stops gracefully: its LSAs are flushed and its routes withdrawn.
	r.stop("r5")
	r.until(30*time.Second, "no default left", r.converged(nil))
	if n := r.fibs["r5"].Len(); n != 0 {
		t.Errorf("stopped r5 left %d routes in its FIB:\n%s", n, r.fibs["r5"])
	}
}

// TestSimRouting_Redistribution: a static route redistributed by r3, a
// connected network of r2 and an external injected by r4 through the API
// (type 1, with a tag) reach every router, and go when withdrawn.
func TestSimRouting_Redistribution(t *testing.T) {
	r := newO5Ring(t, 14)
	for _, n := range r.order {
		switch n {
		case "r3":
			r.start(n, func(c *Config) {
				c.Redistribute.Static = RedistributeSource{Enabled: true, Metric: 30, Routes: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}}
			})
		case "r2":
			r.start(n, func(c *Config) { c.Redistribute.Connected = RedistributeSource{Enabled: true} })
		default:
			r.start(n, nil)
		}
	}
	if err := r.r("r2").in.SetConnected([]netip.Prefix{netip.MustParsePrefix("172.16.2.1/24"), netip.MustParsePrefix("10.1.2.2/30")}); err != nil {
		t.Fatal(err)
	}
	if err := r.r("r4").in.AddExternal(ExternalRoute{Prefix: netip.MustParsePrefix("198.51.100.0/24"), Metric: 7, MetricType: MetricType1, Tag: 42}); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		adv  string
		typ  PathType
		cost uint32
	}{
		"203.0.113.0/24":  {"10.255.0.3", PathExternal2, 30},
		"172.16.2.0/24":   {"10.255.0.2", PathExternal2, DefaultExternalMetric},
		"198.51.100.0/24": {"10.255.0.4", PathExternal1, 0},
	}
	r.until(60*time.Second, "externals everywhere", func() error {
		for _, sr := range r.running() {
			rt := sr.in.RoutingTable()
			for p, w := range want {
				if sr.rid.String() == w.adv {
					continue
				}
				e, ok := rt.Lookup(netip.MustParsePrefix(p))
				if !ok {
					return fmt.Errorf("%s has no route to %s", sr.name, p)
				}
				if e.AdvRouter.String() != w.adv || e.PathType != w.typ {
					return fmt.Errorf("%s: %s = %+v", sr.name, p, e)
				}
				if w.typ == PathExternal2 && e.Type2Cost != w.cost {
					return fmt.Errorf("%s: %s type 2 cost %d, want %d", sr.name, p, e.Type2Cost, w.cost)
				}
				if _, ok := r.fibs[sr.name].Get(0, e.Prefix); !ok {
					return fmt.Errorf("%s: %s not in the FIB", sr.name, p)
				}
			}
		}
		return nil
	})
	// The OSPF interface's own network is not redistributed.
	if _, ok := r.r("r1").in.RoutingTable().Lookup(netip.MustParsePrefix("10.1.2.0/30")); !ok {
		t.Fatal("r1 lost its link network")
	}
	for _, e := range r.r("r2").in.ExternalRoutes() {
		if e.Prefix == netip.MustParsePrefix("10.1.2.0/30") {
			t.Error("r2 redistributes the network of an OSPF interface")
		}
	}
	// Type 1: the cost is the metric plus the distance to r4.
	e, _ := r.r("r1").in.RoutingTable().Lookup(netip.MustParsePrefix("198.51.100.0/24"))
	if e.Cost != 7+10 || e.Tag != 42 {
		t.Errorf("r1's type 1 external: %+v, want cost 17 tag 42", e)
	}
	// r4 is already an AS boundary router: another external of its own
	// changes no router-LSA, so the others recompute that destination
	// only (§16.6), without a new shortest-path tree.
	before := map[string]SPFStatus{}
	for _, sr := range r.running() {
		before[sr.name] = sr.in.SPFStatus()
	}
	if err := r.r("r4").in.AddExternal(ExternalRoute{Prefix: netip.MustParsePrefix("198.51.101.0/24"), Metric: 1}); err != nil {
		t.Fatal(err)
	}
	r.until(30*time.Second, "second external everywhere", func() error {
		for _, sr := range r.running() {
			if _, ok := r.fibs[sr.name].Get(0, netip.MustParsePrefix("198.51.101.0/24")); !ok && sr.name != "r4" {
				return fmt.Errorf("%s has no route to 198.51.101.0/24", sr.name)
			}
		}
		return nil
	})
	for _, sr := range r.running() {
		if sr.name == "r4" {
			continue
		}
		st := sr.in.SPFStatus()
		if st.Runs != before[sr.name].Runs || st.ExternalRuns <= before[sr.name].ExternalRuns {
			t.Errorf("%s: full runs %d→%d, external-only %d→%d; want only external-only runs", sr.name,
				before[sr.name].Runs, st.Runs, before[sr.name].ExternalRuns, st.ExternalRuns)
		}
	}
	r.r("r4").in.RemoveExternal(netip.MustParsePrefix("198.51.101.0/24"))

	// Withdrawn through the API: gone from every FIB.
	if !r.r("r4").in.RemoveExternal(netip.MustParsePrefix("198.51.100.0/24")) {
		t.Fatal("RemoveExternal found nothing")
	}
	r.until(30*time.Second, "injected external withdrawn", func() error {
		for _, sr := range r.running() {
			if rt, ok := r.fibs[sr.name].Get(0, netip.MustParsePrefix("198.51.100.0/24")); ok {
				return fmt.Errorf("%s still routes %v", sr.name, rt)
			}
		}
		return nil
	})
	// r4 advertises no external any more: its router-LSA drops the E bit.
	r.until(30*time.Second, "E bit cleared", func() error {
		rl, _ := routerLSA(r.r("r1").in, "10.255.0.4")
		if rl.Flags&packet.RouterFlagE != 0 {
			return fmt.Errorf("r4's router-LSA flags %v", rl.Flags)
		}
		return nil
	})
}

// Two Instances on a simulated point-to-point link, each installing its
// routes in a fib.Memory: r2 originates a default route (it has one of
// its own) and redistributes a static network; r1 learns both, and its
// FIB holds them once the clock has run.
func Example_routing() {
	clock := routing.NewManualClock(time.Time{})
	net := netsim.New(clock, 1, nil)
	a, b, err := net.Link(net.Node("r1"), net.Node("r2"), netsim.LinkConfig{
		AAddrs: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/30")},
		BAddrs: []netip.Prefix{netip.MustParsePrefix("10.0.0.2/30")},
	})
	if err != nil {
		panic(err)
	}
	start := func(rid string, att *netsim.Attachment, addr string, tweak func(*Config)) (*Instance, *fib.Memory) {
		mem := fib.NewMemory()
		cfg := Config{
			RouterID: netip.MustParseAddr(rid),
			Interfaces: []InterfaceConfig{{Name: att.Name(), IfIndex: att.Index(),
				Prefix: netip.MustParsePrefix(addr), Network: NetworkPointToPoint}},
		}
		if tweak != nil {
			tweak(&cfg)
		}
		tr, _ := att.Transport(netsim.TransportConfig{IPProto: netsim.ProtoOSPF})
		in, err := New(cfg, Env{Clock: clock, Transports: map[string]routing.Transport{att.Name(): tr}, FIB: mem})
		if err != nil {
			panic(err)
		}
		if err := in.Start(); err != nil {
			panic(err)
		}
		return in, mem
	}
	_, fib1 := start("1.1.1.1", a, "10.0.0.1/30", nil)
	r2, _ := start("2.2.2.2", b, "10.0.0.2/30", func(c *Config) {
		c.DefaultInformation = DefaultInformation{Originate: true, Metric: 10}
		c.Redistribute.Static = RedistributeSource{Enabled: true, Routes: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}}
	})
	r2.SetDefaultRoute(true)
	clock.Advance(time.Minute)
	fmt.Print(fib1)
	// Output:
	// 0.0.0.0/0 via 10.0.0.2 dev 2 proto ospf metric 20
	// 198.51.100.0/24 via 10.0.0.2 dev 2 proto ospf metric 20
}

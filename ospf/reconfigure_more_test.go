package ospf

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/livenesstest"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/ospf/packet"
)

// setIface applies f to the interface of cfg named name.
func setIface(t *testing.T, cfg *Config, name string, f func(*InterfaceConfig)) {
	t.Helper()
	for i := range cfg.Interfaces {
		if cfg.Interfaces[i].Name == name {
			f(&cfg.Interfaces[i])
			return
		}
	}
	t.Fatalf("no interface %s in %+v", name, cfg.Interfaces)
}

// TestReconfigure_9_3_HelloIntervalResetsThatInterfaceOnly: a new
// HelloInterval redefines the interface (§10.5 compares it in every
// hello), so that interface alone is reset — InterfaceDown, then
// InterfaceUp (§9.3) — and its adjacency returns once the neighbor
// agrees; r1's other interface and r3 see nothing.
func TestReconfigure_9_3_HelloIntervalResetsThatInterfaceOnly(t *testing.T) {
	n := triangle(t)
	r1, r2 := n.r("r1"), n.r("r2")
	l1, l2 := r1.ifaceOn("10.0.12.0/30").Name, r2.ifaceOn("10.0.12.0/30").Name
	n.mark()
	for _, x := range []struct {
		r    *simRouter
		name string
	}{{r1, l1}, {r2, l2}} {
		cfg := curConfig(x.r.in)
		setIface(t, &cfg, x.name, func(ic *InterfaceConfig) { ic.HelloInterval = 2 * time.Second })
		n.reconfigure(x.r.name, cfg, nil)
	}
	n.until(time.Minute, "Full again", n.fullCount(map[string]int{"r1": 2, "r2": 2, "r3": 2}))
	for _, x := range []struct {
		r    *simRouter
		name string
	}{{r1, l1}, {r2, l2}} {
		ev := n.stateEvents(x.r.name)
		if len(ev) == 0 || ev[0] != x.name+" nbr "+map[string]string{"r1": "10.255.0.2", "r2": "10.255.0.1"}[x.r.name]+" Full→Down" {
			t.Errorf("%s: the reset interface's neighbor did not go down first: %v", x.r.name, ev)
		}
		for _, e := range ev {
			if !strings.HasPrefix(e, x.name+" ") {
				t.Errorf("%s: state change off the reset interface: %s", x.r.name, e)
			}
		}
	}
	if ev := n.stateEvents("r3"); len(ev) > 0 {
		t.Errorf("r3: state changes: %v", ev)
	}
	if st := r1.in.Interfaces(); st[0].HelloInterval != 2*time.Second {
		t.Errorf("r1's HelloInterval = %v", st[0].HelloInterval)
	}
}

// TestReconfigure_InPlaceNoEvent: changes that need no event — the
// retransmission interval and transmit delay (applied to the next timer
// and LS Update), MTUIgnore, and a HelloInterval written out at its
// default — change no state and no LSA.
func TestReconfigure_InPlaceNoEvent(t *testing.T) {
	n := triangle(t)
	before := seqs(n.r("r1").in)
	n.mark()
	cfg := curConfig(n.r("r1").in)
	for i := range cfg.Interfaces {
		ic := &cfg.Interfaces[i]
		ic.RetransmitInterval = 2 * time.Second
		ic.TransmitDelay = 2 * time.Second
		ic.MTUIgnore = true
		ic.HelloInterval = DefaultHelloInterval
		ic.MTU = DefaultMTU
	}
	cfg.MinLSInterval = MinLSInterval
	n.reconfigure("r1", cfg, nil)
	n.clock.Advance(time.Minute)
	for _, name := range n.order {
		if ev := n.stateEvents(name); len(ev) > 0 {
			t.Errorf("%s: state changes: %v", name, ev)
		}
		if ch := n.lsdbChanges(name); len(ch) > 0 {
			t.Errorf("%s: database changes: %v", name, ch)
		}
	}
	if after := seqs(n.r("r1").in); !mapsEqual(before, after) {
		t.Errorf("r1's database changed: %v → %v", before, after)
	}
	n.r("r1").in.mu.Lock()
	got := n.r("r1").in.ifaces[0].cfg.rxmtInterval()
	n.r("r1").in.mu.Unlock()
	if got != 2*time.Second {
		t.Errorf("RxmtInterval = %v, want the new 2s", got)
	}
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestReconfigure_9_4_PriorityReelectsWithoutReset: the DR of a segment
// reloads with priority 0. §9.4: the NeighborChange event recalculates DR
// and BDR — the BDR takes over, and the old DR becomes DROther — and
// nothing else happens: no interface is reset, and the adjacency, which
// still has the DR in it (§10.4), stays Full throughout.
func TestReconfigure_9_4_PriorityReelectsWithoutReset(t *testing.T) {
	n := newRCNet(t, 9)
	n.router("r1", "10.255.0.9")
	n.router("r2", "10.255.0.8")
	n.segment("lan", "10.0.0.0/24", netsim.Conditions{Latency: time.Millisecond}, "r1", "r2")
	n.startRecorded()
	n.until(2*time.Minute, "DR r1, BDR r2", n.agreeDR("10.255.0.9", "10.255.0.8"))
	n.until(time.Minute, "Full", n.fullCount(map[string]int{"r1": 1, "r2": 1}))
	n.mark()
	cfg := curConfig(n.r("r1").in)
	cfg.Interfaces[0].Priority = Priority(0)
	n.reconfigure("r1", cfg, nil)
	// r1 re-elects at once, before any hello tells it of r2's view.
	if st := n.r("r1").in.Interfaces()[0]; st.State != IfDROther || st.DRID.String() != "10.255.0.8" {
		t.Errorf("r1 right after the reload: %v, DR %v; want DROther under r2", st.State, st.DRID)
	}
	// No BDR: the only other router is ineligible.
	n.until(time.Minute, "DR r2, no BDR", n.agreeDR("10.255.0.8", "invalid IP"))
	n.clock.Advance(time.Minute)
	name := n.r("r1").ifcs[0].Name
	if got, want := n.stateEvents("r1"), []string{name + " if DR→DROther"}; !slices.Equal(got, want) {
		t.Errorf("r1's state changes = %v, want %v", got, want)
	}
	name = n.r("r2").ifcs[0].Name
	if got, want := n.stateEvents("r2"), []string{name + " if Backup→DR"}; !slices.Equal(got, want) {
		t.Errorf("r2's state changes = %v, want %v", got, want)
	}
}

// TestReconfigure_BFDToggled: turning BFD on for an interface asks a
// session for its 2-Way neighbor (RFC 5882); turning it off releases it.
// The adjacency is not touched.
func TestReconfigure_BFDToggled(t *testing.T) {
	n := newRCNet(t, 10)
	n.router("r1", "10.255.0.1")
	n.router("r2", "10.255.0.2")
	n.link("r1", "r2", "10.0.12.0/30", netsim.Conditions{Latency: time.Millisecond})
	live := &livenesstest.Fake{}
	n.r("r1").live = live
	n.startRecorded()
	n.until(time.Minute, "Full", n.fullCount(map[string]int{"r1": 1, "r2": 1}))
	n.mark()
	cfg := curConfig(n.r("r1").in)
	cfg.Interfaces[0].BFD = true
	n.reconfigure("r1", cfg, nil)
	if s := live.Active(); len(s) != 1 || s[0].Peer != netip.MustParseAddr("10.0.12.2") {
		t.Fatalf("sessions after BFD on: %+v", s)
	}
	if nb, _ := n.r("r1").nbr("10.255.0.2"); nb.BFD != BFDWaiting {
		t.Errorf("neighbor BFD = %v, want waiting", nb.BFD)
	}
	cfg.Interfaces[0].BFD = false
	n.reconfigure("r1", cfg, nil)
	if live.Watches() != 1 || live.Releases() != 1 {
		t.Errorf("after BFD off: %d watches, %d releases; want 1 and 1", live.Watches(), live.Releases())
	}
	n.clock.Advance(time.Minute)
	for _, name := range n.order {
		if ev := n.stateEvents(name); len(ev) > 0 {
			t.Errorf("%s: state changes: %v", name, ev)
		}
	}
}

// TestReconfigure_12_4_4_RedistributeDifference: changing the
// redistributed static routes originates the AS-external-LSA of the route
// added and flushes (§14.1) that of the route removed, leaving the one
// that stayed alone; a new metric re-originates the LSAs it changes.
func TestReconfigure_12_4_4_RedistributeDifference(t *testing.T) {
	n := newRCNet(t, 11)
	n.router("r1", "10.255.0.1")
	n.router("r2", "10.255.0.2")
	n.link("r1", "r2", "10.0.12.0/30", netsim.Conditions{Latency: time.Millisecond})
	a, b, c := netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24")
	n.record("r1")
	n.record("r2")
	n.startWith("r1", func(cfg *Config) {
		cfg.Redistribute.Static = RedistributeSource{Enabled: true, Routes: []netip.Prefix{a, b}}
	})
	n.start("r2")
	n.until(time.Minute, "Full", n.fullCount(map[string]int{"r1": 1, "r2": 1}))
	n.until(time.Minute, "identical LSDBs", n.sameLSDB(2))
	n.clock.Advance(2 * MinLSInterval)
	ext := func(p netip.Prefix) packet.LSAKey {
		return packet.LSAKey{Type: packet.LSTypeASExternal, ID: p.Addr(), AdvRouter: netip.MustParseAddr("10.255.0.1")}
	}
	live := func(in *Instance, k packet.LSAKey) (int32, bool) {
		e, ok := in.LookupLSA(k)
		if !ok || packet.LSAge(e.LSA.Header.Age) == packet.MaxAge {
			return 0, false
		}
		return e.LSA.Header.Seq, true
	}
	r2 := n.r("r2").in
	seqA, _ := live(r2, ext(a))
	seqRouter, _ := live(r2, routerKey("10.255.0.1"))

	cfg := curConfig(n.r("r1").in)
	cfg.Redistribute.Static.Routes = []netip.Prefix{a, c}
	n.reconfigure("r1", cfg, nil)
	n.until(time.Minute, "identical LSDBs", n.sameLSDB(2))
	if s, ok := live(r2, ext(a)); !ok || s != seqA {
		t.Errorf("the route kept was re-originated: seq %#x, was %#x (present %v)", uint32(s), uint32(seqA), ok)
	}
	if _, ok := live(r2, ext(b)); ok {
		t.Errorf("the route removed is still advertised")
	}
	if _, ok := live(r2, ext(c)); !ok {
		t.Errorf("the route added is not advertised")
	}
	if s, _ := live(r2, routerKey("10.255.0.1")); s != seqRouter {
		t.Errorf("r1's router-LSA was re-originated (seq %#x, was %#x)", uint32(s), uint32(seqRouter))
	}

	n.clock.Advance(2 * MinLSInterval)
	seqC, _ := live(r2, ext(c))
	cfg.Redistribute.Static.Metric = 50
	n.reconfigure("r1", cfg, nil)
	n.until(time.Minute, "identical LSDBs", n.sameLSDB(2))
	for p, was := range map[netip.Prefix]int32{a: seqA, c: seqC} {
		e, _ := r2.LookupLSA(ext(p))
		if e.LSA.Header.Seq != was+1 || e.LSA.External.Metric != 50 {
			t.Errorf("%v: seq %#x metric %d, want %#x and 50", p, uint32(e.LSA.Header.Seq), e.LSA.External.Metric, uint32(was+1))
		}
	}
	if r, ok := r2.RoutingTable().Lookup(c); !ok || r.Type2Cost != 50 {
		t.Errorf("r2's route to %v: %+v", c, r)
	}
}

// TestReconfigure_FIBMetricAndMaxPaths: a new FIB metric rewrites the
// installed routes with it, a new MaxPaths schedules an SPF whose table
// keeps that many next hops; neither changes an LSA.
func TestReconfigure_FIBMetricAndMaxPaths(t *testing.T) {
	mem := fib.NewMemory()
	n := triangle(t, func(n *rcNet) { n.r("r3").fib = mem })
	p12 := netip.MustParsePrefix("10.0.12.0/30")
	n.until(time.Minute, "r3 installs 10.0.12.0/30", func() error {
		if r, ok := mem.Get(0, p12); !ok || len(r.NextHops) != 2 || r.Metric != DefaultFIBMetric {
			return errors.New(mem.String())
		}
		return nil
	})
	before := seqs(n.r("r3").in)
	n.mark()
	cfg := curConfig(n.r("r3").in)
	cfg.FIBMetric = 30
	cfg.MaxPaths = 1
	n.reconfigure("r3", cfg, nil)
	n.until(time.Minute, "metric 30, one next hop", func() error {
		if r, ok := mem.Get(0, p12); !ok || len(r.NextHops) != 1 || r.Metric != 30 {
			return errors.New(mem.String())
		}
		return nil
	})
	if got := len(mem.Routes()); got != 1 {
		t.Errorf("the FIB holds %d routes, want 1 (none left at the old metric): %v", got, mem)
	}
	if after := seqs(n.r("r3").in); !mapsEqual(before, after) {
		t.Errorf("the database changed")
	}
	for _, name := range n.order {
		if ev := n.stateEvents(name); len(ev) > 0 {
			t.Errorf("%s: state changes: %v", name, ev)
		}
	}
	// fib.table cannot move installed routes in place.
	cfg.FIBTable = 100
	err := n.r("r3").in.Reconfigure(context.Background(), cfg, nil)
	if !errors.Is(err, ErrRestartRequired) || !strings.Contains(err.Error(), "fib.table") {
		t.Errorf("FIBTable change: %v, want ErrRestartRequired naming fib.table", err)
	}
}

// TestReconfigure_BeforeStartAndAfterStop: before Start, Reconfigure
// replaces the configuration and the transports (a removed interface's is
// closed); Start then runs the new configuration. After Stop it returns
// ErrStopped.
func TestReconfigure_BeforeStartAndAfterStop(t *testing.T) {
	s := newSim(t, 12)
	s.router("r1", "10.255.0.1")
	s.router("r2", "10.255.0.2")
	cond := netsim.Conditions{Latency: time.Millisecond}
	s.link("r1", "r2", "10.0.12.0/30", cond)
	s.link("r1", "r2", "10.0.99.0/30", cond)
	r1 := s.r("r1")
	tr := func(name string) *netsim.Transport {
		t.Helper()
		x, err := r1.atts[name].Transport(netsim.TransportConfig{IPProto: netsim.ProtoOSPF})
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	a, b := r1.ifcs[0], r1.ifcs[1]
	ta := tr(a.Name)
	in, err := New(Config{RouterID: r1.rid, Interfaces: []InterfaceConfig{a}},
		Env{Clock: s.clock, Transports: map[string]routing.Transport{a.Name: ta}})
	if err != nil {
		t.Fatal(err)
	}
	b.Cost = 33
	if err := in.Reconfigure(context.Background(), Config{RouterID: r1.rid, Interfaces: []InterfaceConfig{b}},
		map[string]routing.Transport{b.Name: tr(b.Name)}); err != nil {
		t.Fatal(err)
	}
	if err := ta.Send(packet.AllSPFRouters, []byte{1}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("the removed interface's transport: Send = %v, want closed", err)
	}
	if err := in.Start(); err != nil {
		t.Fatal(err)
	}
	r1.in = in
	s.r("r2").ifcs = s.r("r2").ifcs[1:]
	s.start("r2")
	s.until(time.Minute, "Full on the new interface", s.fullCount(map[string]int{"r1": 1, "r2": 1}))
	if st := in.Interfaces(); len(st) != 1 || st[0].Name != b.Name || st[0].Cost != 33 {
		t.Errorf("interfaces: %+v", st)
	}
	if err := in.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := in.Reconfigure(context.Background(), Config{RouterID: r1.rid}, nil); !errors.Is(err, ErrStopped) {
		t.Errorf("after Stop: %v, want ErrStopped", err)
	}
}

// TestReconfigure_PassiveResetsThatInterface: making an interface
// passive redefines it (no hellos, no adjacencies): its neighbor goes
// down and its network stays in the router-LSA as a stub.
func TestReconfigure_PassiveResetsThatInterface(t *testing.T) {
	n := triangle(t)
	r1 := n.r("r1")
	l13 := r1.ifaceOn("10.0.13.0/30").Name
	n.mark()
	cfg := curConfig(r1.in)
	setIface(t, &cfg, l13, func(ic *InterfaceConfig) { ic.Passive = true })
	n.reconfigure("r1", cfg, nil)
	n.until(time.Minute, "r3 drops r1", n.fullCount(map[string]int{"r1": 1, "r2": 2, "r3": 1}))
	n.until(time.Minute, "identical LSDBs", n.sameLSDB(3))
	rl, _ := routerLSA(n.r("r2").in, "10.255.0.1")
	if got, want := linkTypes(rl), []string{"PointToPoint:10.255.0.2", "Stub:10.0.12.0", "Stub:10.0.13.0"}; !slices.Equal(got, want) {
		t.Errorf("r1's router-LSA: %v, want %v", got, want)
	}
	for _, e := range n.stateEvents("r1") {
		if !strings.HasPrefix(e, l13+" ") {
			t.Errorf("r1: state change off the reset interface: %s", e)
		}
	}
}

// TestReconfigure_ConcurrentWithTraffic: reloads from one goroutine while
// another drives the clock (timers, packets) keep the instance consistent
// (run with -race).
func TestReconfigure_ConcurrentWithTraffic(t *testing.T) {
	n := triangle(t)
	n.mark()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			n.clock.Advance(50 * time.Millisecond)
		}
	}()
	cfg := curConfig(n.r("r2").in)
	for i := 0; i < 20; i++ {
		cfg.Interfaces[0].Cost = uint16(10 + i%2)
		n.reconfigure("r2", cfg, nil)
		_ = n.r("r2").in.Neighbors()
	}
	<-done
	n.until(time.Minute, "Full", n.fullCount(map[string]int{"r1": 2, "r2": 2, "r3": 2}))
	for _, name := range n.order {
		if ev := n.stateEvents(name); len(ev) > 0 {
			t.Errorf("%s: state changes: %v", name, ev)
		}
	}
}

// TestReconfigure_8405_SPFBackoffNextTimer: new RFC 8405 delays apply to
// the next calculation scheduled: after r1 reloads with a 2 s
// INITIAL_SPF_DELAY, a change elsewhere is calculated 2 s after it
// arrives, not after the default 50 ms.
func TestReconfigure_8405_SPFBackoffNextTimer(t *testing.T) {
	n := triangle(t)
	r1 := n.r("r1").in
	cfg := curConfig(r1)
	cfg.SPF = SPFBackoff{InitialDelay: 2 * time.Second, ShortDelay: 2 * time.Second}
	n.reconfigure("r1", cfg, nil)
	n.clock.Advance(DefaultSPFHoldDown) // back to QUIET
	if st := r1.SPFStatus(); st.State != SPFQuiet || st.Pending {
		t.Fatalf("r1's SPF is %v (pending %v), want QUIET and idle", st.State, st.Pending)
	}
	runs := r1.SPFStatus().Runs
	cfg2 := curConfig(n.r("r2").in)
	cfg2.Interfaces[0].Cost = 40
	n.reconfigure("r2", cfg2, nil)
	n.clock.Advance(500 * time.Millisecond)
	st := r1.SPFStatus()
	if !st.Pending || st.Runs != runs || st.Due.Sub(n.clock.Now()) < time.Second {
		t.Errorf("500ms after the change: %+v (now %v); want a calculation pending ~2s after it", st, n.clock.Now())
	}
	n.clock.Advance(2 * time.Second)
	if got := r1.SPFStatus().Runs; got != runs+1 {
		t.Errorf("SPF runs = %d, want %d", got, runs+1)
	}
}

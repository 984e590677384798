package ospf

import (
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/livenesstest"
	"github.com/switchless/routing/netsim"
)

// BFD clients (RFC 5882) on OSPF: two routers on a point-to-point
// link, each with a livenesstest.Fake as Env.Liveness, the test playing
// BFD.

var (
	bfdLAN  = netip.MustParsePrefix("192.168.2.0/24") // r2's passive LAN, a route r1 learns
	bfdR1   = netip.MustParseAddr("10.0.12.1")
	bfdR2   = netip.MustParseAddr("10.0.12.2")
	bfdR2ID = "10.255.0.2"
)

type bfdPair struct {
	*sim
	live map[string]*livenesstest.Fake
	fibs map[string]*fib.Memory
	mu   sync.Mutex
	evs  map[string][]Event
}

// newBFDPair starts r1 and r2 on 10.0.12.0/30 (InterfaceConfig.BFD set to
// bfd), r2 with a passive LAN, and waits for the adjacency.
func newBFDPair(t *testing.T, bfd bool) *bfdPair {
	t.Helper()
	s := newSim(t, 1)
	p := &bfdPair{sim: s, live: map[string]*livenesstest.Fake{}, fibs: map[string]*fib.Memory{}, evs: map[string][]Event{}}
	s.router("r1", "10.255.0.1")
	s.router("r2", bfdR2ID)
	cond := netsim.Conditions{Latency: time.Millisecond}
	s.link("r1", "r2", "10.0.12.0/30", cond, func(ic *InterfaceConfig) { ic.BFD = bfd })
	s.segment("lan2", bfdLAN.String(), cond, "r2")
	s.r("r2").ifaceOn(bfdLAN.String()).Passive = true
	for _, name := range []string{"r1", "r2"} {
		r := s.r(name)
		p.live[name] = &livenesstest.Fake{}
		p.fibs[name] = fib.NewMemory()
		r.live, r.fib = p.live[name], p.fibs[name]
		r.onEvent = func(e Event) {
			p.mu.Lock()
			p.evs[name] = append(p.evs[name], e)
			p.mu.Unlock()
		}
		s.start(name)
	}
	s.until(time.Minute, "adjacency", s.fullCount(map[string]int{"r1": 1, "r2": 1}))
	s.until(time.Minute, "r1 routes to r2's LAN", func() error {
		if _, ok := p.fibs["r1"].Get(0, bfdLAN); !ok {
			return errors.New("no route")
		}
		return nil
	})
	// Past MinLSInterval (§12.4), so that a change is originated at once.
	s.clock.Advance(2 * MinLSInterval)
	return p
}

// link returns r's interface on the point-to-point link.
func (p *bfdPair) link(r string) string { return p.r(r).ifaceOn("10.0.12.0/30").Name }

// events returns r's events of kind k so far.
func (p *bfdPair) events(r string, k EventKind) []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Event
	for _, e := range p.evs[r] {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// session returns r1's session to r2, failing if there is not exactly one
// active.
func (p *bfdPair) session(t *testing.T) *livenesstest.Session {
	t.Helper()
	act := p.live["r1"].Active()
	if len(act) != 1 {
		t.Fatalf("r1 has %d active sessions, want 1", len(act))
	}
	return act[0]
}

func TestBFD_EnvLivenessNilWithBFDInterface(t *testing.T) {
	cfg := Config{RouterID: netip.MustParseAddr("10.255.0.1"), Interfaces: []InterfaceConfig{
		{Name: "eth0", Prefix: netip.MustParsePrefix("10.0.0.1/30"), Network: NetworkPointToPoint, BFD: true},
	}}
	env := Env{Clock: routing.NewManualClock(time.Time{}), Transports: map[string]routing.Transport{"eth0": &fakeTransport{}}}
	_, err := New(cfg, env)
	if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), `env.Liveness: is nil but interface "eth0" has bfd`) {
		t.Fatalf("New = %v, want ErrInvalidConfig naming env.Liveness", err)
	}
	env.Liveness = &livenesstest.Fake{}
	if _, err := New(cfg, env); err != nil {
		t.Fatalf("New with a Liveness: %v", err)
	}
}

// §10.1, FRR's ospf_bfd_trigger_event: a neighbor of 2-Way or
// more on a BFD interface gets one session, from the interface address
// to the neighbor's; its Up report is shown and told, nothing else
// changes.
func TestBFD_10_1_WatchFromTwoWay(t *testing.T) {
	p := newBFDPair(t, true)
	for _, r := range []string{"r1", "r2"} {
		if w := p.live[r].Watches(); w != 1 {
			t.Fatalf("%s: %d Watch calls, want 1", r, w)
		}
	}
	s := p.session(t)
	if s.IfName != p.link("r1") || s.Local != bfdR1 || s.Peer != bfdR2 {
		t.Fatalf("session %s %v -> %v, want %s %v -> %v", s.IfName, s.Local, s.Peer, p.link("r1"), bfdR1, bfdR2)
	}
	n, _ := p.r("r1").nbr(bfdR2ID)
	if n.BFD != BFDWaiting {
		t.Fatalf("neighbor BFD = %v before any report, want waiting", n.BFD)
	}
	s.Fire(true)
	n, _ = p.r("r1").nbr(bfdR2ID)
	if n.BFD != BFDUp || n.State != NbrFull {
		t.Fatalf("after Up: BFD %v state %v, want up, Full", n.BFD, n.State)
	}
	if ev := p.events("r1", EventNeighborBFDUp); len(ev) != 1 || ev[0].NeighborAddr != bfdR2 || ev[0].Interface != p.link("r1") {
		t.Fatalf("EventNeighborBFDUp events: %v", ev)
	}
	if st := p.r("r1").in.Stats(); st.BFDDown != 0 {
		t.Fatalf("Stats.BFDDown = %d after Up", st.BFDDown)
	}
}

// §10.3 KillNbr: the session going Down (the link failed) kills the
// neighbor in the same event: no neighbor, the router-LSA without the
// link, the session released; the route through it leaves the FIB after
// the SPF delay (RFC 8405), long before RouterDeadInterval.
func Test10_3_KillNbr_BFDDown(t *testing.T) {
	p := newBFDPair(t, true)
	s := p.session(t)
	s.Fire(true)
	p.r("r1").atts[p.link("r1")].Link().Cut()
	start := p.clock.Now()

	s.Fire(false)
	if ns := p.r("r1").in.Neighbors(); len(ns) != 0 {
		t.Fatalf("neighbors after BFD Down: %v", ns)
	}
	if got := p.clock.Now(); !got.Equal(start) {
		t.Fatal("the clock moved")
	}
	lsa, ok := routerLSA(p.r("r1").in, "10.255.0.1")
	if !ok {
		t.Fatal("no router-LSA of r1")
	}
	for _, l := range linkTypes(lsa) {
		if strings.HasSuffix(l, ":"+bfdR2ID) {
			t.Fatalf("r1's router-LSA still lists r2: %v", linkTypes(lsa))
		}
	}
	if !s.Released() || len(p.live["r1"].Active()) != 0 {
		t.Fatal("session not released with the neighbor")
	}
	if st := p.r("r1").in.Stats(); st.BFDDown != 1 {
		t.Fatalf("Stats.BFDDown = %d, want 1", st.BFDDown)
	}
	if down := p.events("r1", EventNeighborBFDDown); len(down) != 1 || down[0].Neighbor.String() != bfdR2ID {
		t.Fatalf("EventNeighborBFDDown events: %v", down)
	}
	// The BFD event comes before the neighbor's move to Down.
	p.mu.Lock()
	evs := p.evs["r1"]
	p.mu.Unlock()
	iBFD, iDown := -1, -1
	for k, e := range evs {
		if e.Kind == EventNeighborBFDDown {
			iBFD = k
		}
		if e.Kind == EventNeighborState && e.NewNeighbor == NbrDown && iDown < 0 && iBFD >= 0 {
			iDown = k
		}
	}
	if iBFD < 0 || iDown < iBFD {
		t.Fatalf("event order: BFD down at %d, neighbor Down at %d", iBFD, iDown)
	}
	// One SPF delay (RFC 8405 INITIAL_SPF_DELAY), in until's 100 ms steps.
	took := p.until(DefaultSPFInitialDelay+100*time.Millisecond, "route via r2 withdrawn", func() error {
		if r, ok := p.fibs["r1"].Get(0, bfdLAN); ok {
			return errors.New("still installed: " + r.String())
		}
		return nil
	})
	t.Logf("route withdrawn %v (virtual) after BFD Down", took)
	if dead := DefaultDeadFactor * DefaultHelloInterval; took >= dead {
		t.Fatalf("route withdrawn after %v, not before RouterDeadInterval %v", took, dead)
	}
}

// RFC 5882 §3.2: a session the peer takes AdminDown, or that never
// comes Up, is not reported (routing.Liveness) — and without a report
// nothing changes: the adjacency lives on its own timers.
func TestBFD_RFC5882_3_2_NoReportNothingHappens(t *testing.T) {
	p := newBFDPair(t, true)
	p.clock.Advance(3 * DefaultDeadFactor * DefaultHelloInterval)
	n, ok := p.r("r1").nbr(bfdR2ID)
	if !ok || n.State != NbrFull || n.BFD != BFDWaiting {
		t.Fatalf("neighbor %+v, want Full and waiting", n)
	}
	if w, r := p.live["r1"].Watches(), p.live["r1"].Releases(); w != 1 || r != 0 {
		t.Fatalf("%d watches, %d releases, want 1 and 0", w, r)
	}
	if st := p.r("r1").in.Stats(); st.BFDDown != 0 {
		t.Fatalf("Stats.BFDDown = %d", st.BFDDown)
	}
}

// A notify of a session released since (the neighbor went down and came
// back with a new session) is ignored.
func TestBFD_LateNotifyAfterReleaseIgnored(t *testing.T) {
	p := newBFDPair(t, true)
	old := p.session(t)
	if err := p.r("r1").in.InterfaceDown(p.link("r1")); err != nil {
		t.Fatal(err)
	}
	if !old.Released() {
		t.Fatal("§9.3 InterfaceDown did not release the session")
	}
	if err := p.r("r1").in.InterfaceUp(p.link("r1")); err != nil {
		t.Fatal(err)
	}
	p.until(time.Minute, "adjacency again", p.fullCount(map[string]int{"r1": 1}))
	cur := p.session(t)
	if cur == old {
		t.Fatal("no new session")
	}
	old.FireLate(false)
	old.FireLate(true)
	n, ok := p.r("r1").nbr(bfdR2ID)
	if !ok || n.State != NbrFull || n.BFD != BFDWaiting {
		t.Fatalf("neighbor after a late notify: %+v", n)
	}
	if st := p.r("r1").in.Stats(); st.BFDDown != 0 {
		t.Fatalf("Stats.BFDDown = %d after a late notify", st.BFDDown)
	}
	if ev := p.events("r1", EventNeighborBFDDown); len(ev) != 0 {
		t.Fatalf("events of a late notify: %v", ev)
	}
	// The current session still works.
	cur.Fire(false)
	if _, ok := p.r("r1").nbr(bfdR2ID); ok {
		t.Fatal("current session's Down did not kill the neighbor")
	}
}

// A late notify after Stop (the session was released by Stop) does
// nothing either, and Stop balances every Watch with a release.
func TestBFD_ReleasedAtStop(t *testing.T) {
	p := newBFDPair(t, true)
	s := p.session(t)
	for _, r := range []string{"r1", "r2"} {
		p.stop(r)
		if w, rel := p.live[r].Watches(), p.live[r].Releases(); w != rel {
			t.Fatalf("%s after Stop: %d watches, %d releases", r, w, rel)
		}
	}
	s.FireLate(false) // must not panic or act on a stopped instance
}

// §10.3 InactivityTimer: a neighbor lost the slow way (no report from
// BFD, whose session never came Up) releases its session too; so does
// one that falls to Init (1-WayReceived, below 2-Way).
func TestBFD_ReleasedOnNeighborLoss(t *testing.T) {
	p := newBFDPair(t, true)
	p.r("r1").atts[p.link("r1")].Link().Cut()
	p.until(2*DefaultDeadFactor*DefaultHelloInterval, "neighbor dead", func() error {
		if _, ok := p.r("r1").nbr(bfdR2ID); ok {
			return errors.New("still there")
		}
		return nil
	})
	if w, r := p.live["r1"].Watches(), p.live["r1"].Releases(); w != 1 || r != 1 {
		t.Fatalf("%d watches, %d releases, want 1 and 1", w, r)
	}
	if st := p.r("r1").in.Stats(); st.BFDDown != 0 {
		t.Fatalf("Stats.BFDDown = %d, the InactivityTimer killed it", st.BFDDown)
	}
}

func TestBFD_ReleasedBelowTwoWay(t *testing.T) {
	p := newBFDPair(t, true)
	s := p.session(t)
	// r2 restarts: its first hellos do not list r1, 1-WayReceived takes
	// r1's neighbor to Init (§10.5, §10.3).
	p.stop("r2")
	p.start("r2")
	p.until(time.Minute, "session released below 2-Way", func() error {
		if !s.Released() {
			return errors.New("not released")
		}
		return nil
	})
	p.until(time.Minute, "adjacency again", p.fullCount(map[string]int{"r1": 1}))
	if len(p.live["r1"].Active()) != 1 {
		t.Fatalf("active sessions after the new adjacency: %d", len(p.live["r1"].Active()))
	}
}

// Interfaces without BFD never Watch, even with a Liveness in Env.
func TestBFD_InterfaceWithoutBFDNeverWatches(t *testing.T) {
	p := newBFDPair(t, false)
	for _, r := range []string{"r1", "r2"} {
		if w := p.live[r].Watches(); w != 0 {
			t.Fatalf("%s: %d Watch calls on interfaces without BFD", r, w)
		}
	}
	if n, _ := p.r("r1").nbr(bfdR2ID); n.BFD != BFDNone {
		t.Fatalf("neighbor BFD = %v, want none", n.BFD)
	}
}

// A Watch that fails leaves the neighbor unwatched and working.
func TestBFD_WatchErrorLeavesNeighborAlone(t *testing.T) {
	s := newSim(t, 1)
	s.router("r1", "10.255.0.1")
	s.router("r2", bfdR2ID)
	s.link("r1", "r2", "10.0.12.0/30", netsim.Conditions{Latency: time.Millisecond}, func(ic *InterfaceConfig) { ic.BFD = true })
	f := &livenesstest.Fake{}
	f.SetErr(livenesstest.ErrRefused)
	s.r("r1").live, s.r("r2").live = f, f
	s.startAll()
	s.until(time.Minute, "adjacency", s.fullCount(map[string]int{"r1": 1, "r2": 1}))
	if n, _ := s.r("r1").nbr(bfdR2ID); n.BFD != BFDNone {
		t.Fatalf("neighbor BFD = %v after a failed Watch, want none", n.BFD)
	}
}

// The notify callback never waits for the instance's lock: fired while
// the lock is held (by another input, or by the instance itself calling
// Watch), it is queued and handled by the holder before it releases the
// lock.
func TestBFD_NotifyWhileLockedIsQueued(t *testing.T) {
	p := newBFDPair(t, true)
	s := p.session(t)
	in := p.r("r1").in
	in.mu.Lock()
	s.Fire(false) // returns although the lock is held
	if len(in.ifaces[0].nbrs) != 1 {
		in.unlock()
		t.Fatal("the notify ran without the lock")
	}
	in.unlock()
	if _, ok := p.r("r1").nbr(bfdR2ID); ok {
		t.Fatal("the queued notify was not handled at unlock")
	}
	if ev := p.events("r1", EventNeighborBFDDown); len(ev) != 1 {
		t.Fatalf("EventNeighborBFDDown events: %v", ev)
	}
}

// A Liveness that reports from inside Watch, on the instance's own
// goroutine and under its lock (what the contract forbids, and what a
// careless one might do), does not deadlock: the report is queued.
func TestBFD_NotifyFromInsideWatchDoesNotDeadlock(t *testing.T) {
	s := newSim(t, 1)
	s.router("r1", "10.255.0.1")
	s.router("r2", bfdR2ID)
	s.link("r1", "r2", "10.0.12.0/30", netsim.Conditions{Latency: time.Millisecond}, func(ic *InterfaceConfig) { ic.BFD = true })
	f := &livenesstest.Fake{}
	f.OnWatch(func(ss *livenesstest.Session) { ss.FireLate(true) })
	s.r("r1").live, s.r("r2").live = f, &livenesstest.Fake{}
	s.startAll()
	s.until(time.Minute, "adjacency", s.fullCount(map[string]int{"r1": 1, "r2": 1}))
	if n, _ := s.r("r1").nbr(bfdR2ID); n.BFD != BFDUp {
		t.Fatalf("neighbor BFD = %v, want up", n.BFD)
	}
}

func TestBFDState_String(t *testing.T) {
	for s, want := range map[BFDState]string{BFDNone: "none", BFDWaiting: "waiting", BFDUp: "up", 9: "BFDState(9)"} {
		if got := s.String(); got != want {
			t.Errorf("%d: %q, want %q", uint8(s), got, want)
		}
	}
	for k, want := range map[EventKind]string{EventNeighborBFDDown: "NeighborBFDDown", EventNeighborBFDUp: "NeighborBFDUp"} {
		if got := k.String(); got != want {
			t.Errorf("%d: %q, want %q", uint8(k), got, want)
		}
	}
}

// §10.4 on a broadcast network: DROthers stay 2-Way with each
// other (§10.4) and still get a session, as FRR's ospfd does; so every
// router watches every neighbor, adjacent or not.
func TestBFD_10_4_BroadcastTwoWayNeighborsWatched(t *testing.T) {
	s := newSim(t, 1)
	names := []string{"r1", "r2", "r3", "r4"}
	live := map[string]*livenesstest.Fake{}
	for k, n := range names {
		s.router(n, "10.255.0."+string(rune('1'+k)))
	}
	s.segment("lan", "10.0.0.0/24", netsim.Conditions{Latency: time.Millisecond}, names...)
	for _, n := range names {
		s.r(n).ifaceOn("10.0.0.0/24").BFD = true
		live[n] = &livenesstest.Fake{}
		s.r(n).live = live[n]
	}
	s.startAll()
	// r3 and r4 are DR and BDR; r1 and r2 are DROthers, 2-Way with each
	// other and Full with the DR and BDR.
	s.until(2*time.Minute, "adjacencies", s.fullCount(map[string]int{"r1": 2, "r2": 2, "r3": 3, "r4": 3}))
	if n, _ := s.r("r1").nbr("10.255.0.2"); n.State != NbrTwoWay {
		t.Fatalf("r1's view of r2: %v, want 2-Way", n.State)
	}
	for _, n := range names {
		if act := live[n].Active(); len(act) != 3 {
			t.Fatalf("%s has %d sessions, want 3 (every neighbor of 2-Way or more)", n, len(act))
		}
	}
	r1 := live["r1"].Find(s.r("r1").ifaceOn("10.0.0.0/24").Name, netip.MustParseAddr("10.0.0.2"))
	if r1 == nil || r1.Local != netip.MustParseAddr("10.0.0.1") {
		t.Fatalf("r1's session to r2: %+v", r1)
	}
	// A Down for the 2-Way neighbor kills it too (no adjacency to tear,
	// but the neighbor and the election input go).
	r1.Fire(false)
	if _, ok := s.r("r1").nbr("10.255.0.2"); ok {
		t.Fatal("r2 still r1's neighbor after BFD Down")
	}
}

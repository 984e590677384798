package rip

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"net/netip"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/livenesstest"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/rip/packet"
)

// BFD clients (RFC 5882) on RIP, as BIRD's `bfd` option: routers c — a —
// b in a line, b with a stub network that a learns from it; a and b have
// BFD on their common link, each a livenesstest.Fake as Env.Liveness, the
// test playing BFD.

var (
	bfdStub = pfx("192.168.2.0/24") // b's stub
	bfdA    = ip("10.2.0.1")        // a on the a — b link
	bfdB    = ip("10.2.0.2")        // b on the a — b link
)

// tapTr records the messages a transport receives: the wire, as seen by
// the router behind it.
type tapTr struct {
	routing.UDPTransport
	mu  sync.Mutex
	got []tapped
}

type tapped struct {
	p routing.Packet
	m packet.Message
}

func (t *tapTr) Start(d func(routing.Packet)) error {
	return t.UDPTransport.Start(func(p routing.Packet) {
		if m, err := packet.Parse(append([]byte(nil), p.Payload...)); err == nil {
			q := p
			q.Payload = nil
			t.mu.Lock()
			t.got = append(t.got, tapped{p: q, m: m})
			t.mu.Unlock()
		}
		d(p)
	})
}

// requests returns the requests received so far and forgets everything.
func (t *tapTr) requests() []tapped {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []tapped
	for _, x := range t.got {
		if x.m.Command == packet.Request {
			out = append(out, x)
		}
	}
	t.got = nil
	return out
}

type bfdLine struct {
	*sim
	live map[string]*livenesstest.Fake
	tapB *tapTr // what b receives on the a — b link
	ab   *netsim.Link
}

// newBFDLine builds c — a — b; mod, if set, changes each router's
// configuration before it starts (a's link to b is interfaces[1], b's is
// interfaces[0]). With bfd, a and b set BFD on their link.
func newBFDLine(t *testing.T, bfd bool, mod func(r *simRouter)) *bfdLine {
	t.Helper()
	s := newSim(t, 1)
	cond := netsim.Conditions{Latency: time.Millisecond}
	s.link("c", "a", cond) // 10.1.0.0/24
	l := &bfdLine{sim: s, live: map[string]*livenesstest.Fake{}}
	l.ab = s.link("a", "b", cond) // 10.2.0.0/24
	s.stub("b", pfx("192.168.2.1/24"))
	s.start(func(r *simRouter) {
		l.live[r.name] = &livenesstest.Fake{}
		r.live = l.live[r.name]
		switch r.name {
		case "a":
			r.cfg.Interfaces[1].BFD = bfd
		case "b":
			r.cfg.Interfaces[0].BFD = bfd
			name := r.cfg.Interfaces[0].Name
			l.tapB = &tapTr{UDPTransport: r.trs[name]}
			r.trs[name] = l.tapB
		}
		if mod != nil {
			mod(r)
		}
	})
	s.advance(time.Second)
	if m := s.metric("a", bfdStub); m != 2 {
		t.Fatalf("a's metric to b's stub = %d, want 2", m)
	}
	// Past the §3.10.1 damping of the first triggered updates.
	s.advance(10 * time.Second)
	if m := s.metric("c", bfdStub); m != 3 {
		t.Fatalf("c's metric to b's stub = %d, want 3", m)
	}
	l.tapB.requests()
	return l
}

func (l *bfdLine) a() *simRouter { return l.routers["a"] }

// session returns a's only active session, failing otherwise.
func (l *bfdLine) session(t *testing.T) *livenesstest.Session {
	t.Helper()
	act := l.live["a"].Active()
	if len(act) != 1 {
		t.Fatalf("a has %d active sessions, want 1", len(act))
	}
	return act[0]
}

func (l *bfdLine) events(name string, k EventKind) []Event {
	r := l.routers[name]
	r.evMu.Lock()
	defer r.evMu.Unlock()
	var out []Event
	for _, e := range r.events {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

func (l *bfdLine) neighborB(t *testing.T) Neighbor {
	t.Helper()
	for _, n := range l.a().inst.Neighbors() {
		if n.Addr == bfdB {
			return n
		}
	}
	t.Fatal("a has no neighbour b")
	return Neighbor{}
}

func TestBFD_EnvLivenessNilWithBFDInterface(t *testing.T) {
	cfg := Config{Interfaces: []InterfaceConfig{{Name: "eth0", Prefix: pfx("10.0.0.1/24"), BFD: true}}}
	env := Env{Clock: newRigClock(), Transports: trMap("eth0", &fakeTr{})}
	_, err := New(cfg, env)
	if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), `env.Liveness: is nil but interface "eth0" has bfd`) {
		t.Fatalf("New = %v, want ErrInvalidConfig naming env.Liveness", err)
	}
	env.Liveness = &livenesstest.Fake{}
	if _, err := New(cfg, env); err != nil {
		t.Fatalf("New with a Liveness: %v", err)
	}
}

// §3.9.2: a neighbour is watched once its first valid response is
// accepted, from the interface's address to its own.
func TestBFD_RFC2453_3_9_2_WatchOnFirstResponse(t *testing.T) {
	l := newBFDLine(t, true, nil)
	s := l.session(t)
	if s.IfName != l.a().cfg.Interfaces[1].Name || s.Local != bfdA || s.Peer != bfdB {
		t.Fatalf("session %s %v -> %v, want %s %v -> %v", s.IfName, s.Local, s.Peer, l.a().cfg.Interfaces[1].Name, bfdA, bfdB)
	}
	if w := l.live["a"].Watches(); w != 1 {
		t.Fatalf("a: %d Watch calls, want 1 (c's interface has no BFD)", w)
	}
	if n := l.neighborB(t); n.BFD != BFDWaiting {
		t.Fatalf("neighbour BFD = %v, want waiting", n.BFD)
	}
	// Later responses from b add nothing.
	l.advance(2 * time.Minute)
	if w := l.live["a"].Watches(); w != 1 {
		t.Fatalf("a: %d Watch calls after more responses, want 1", w)
	}
}

// §3.8: a session going Down (the link failed) times out every route
// learnt from that neighbour in the same event: metric 16, garbage
// collection, out of the FIB; the triggered update (§3.10.1) tells c
// within a link latency, long before the 180 s timeout.
func TestBFD_RFC2453_3_8_BFDDownExpiresRoutes(t *testing.T) {
	l := newBFDLine(t, true, nil)
	s := l.session(t)
	s.Fire(true)
	l.ab.Cut()
	start := l.clock.Now()

	s.Fire(false)
	rt, ok := l.a().inst.Route(bfdStub)
	if !ok || rt.Metric != packet.Infinity || len(rt.NextHops) != 0 || rt.GarbageCollection <= 0 {
		t.Fatalf("a's route after BFD Down: %+v, want metric 16 in garbage collection", rt)
	}
	if _, ok := l.a().fib.Get(0, bfdStub); ok {
		t.Fatal("a's FIB still holds the route")
	}
	if !l.clock.Now().Equal(start) {
		t.Fatal("the clock moved")
	}
	if st := l.a().inst.Stats(); st.BFDDown != 1 || st.RoutesTimedOut != 0 {
		t.Fatalf("Stats.BFDDown = %d, RoutesTimedOut = %d; want 1, 0", st.BFDDown, st.RoutesTimedOut)
	}
	if ev := l.events("a", NeighborBFDDown); len(ev) != 1 || ev[0].Neighbor != bfdB {
		t.Fatalf("NeighborBFDDown events: %v", ev)
	}
	removed := false
	for _, e := range l.events("a", RouteRemoved) {
		removed = removed || e.Prefix == bfdStub
	}
	if !removed {
		t.Fatal("no RouteRemoved for the stub")
	}
	if n := l.neighborB(t); n.BFD != BFDDown {
		t.Fatalf("neighbour BFD = %v, want down", n.BFD)
	}
	// a's own routes are not b's to expire.
	if m := l.metric("a", pfx("10.2.0.0/24")); m != 1 {
		t.Fatalf("a's connected route metric %d", m)
	}
	l.advance(10 * time.Millisecond)
	if m := l.metric("c", bfdStub); m != packet.Infinity {
		t.Fatalf("c's metric to the stub %v after the triggered update = %d, want 16", l.clock.Now().Sub(start), m)
	}
	// §3.8: deleted after the garbage-collection time.
	l.advance(DefaultGarbageCollection)
	if _, ok := l.a().inst.Route(bfdStub); ok {
		t.Fatal("route not deleted after garbage collection")
	}
}

// §3.9.1: a session coming Up sends the neighbour a whole-table request,
// unicast; its answer brings the routes back at once.
func TestBFD_RFC2453_3_9_1_BFDUpSendsRequest(t *testing.T) {
	l := newBFDLine(t, true, nil)
	s := l.session(t)
	s.Fire(true)
	l.advance(10 * time.Millisecond)
	reqs := l.tapB.requests()
	if len(reqs) != 1 {
		t.Fatalf("b received %d requests after BFD Up, want 1", len(reqs))
	}
	q := reqs[0]
	if q.p.Src != bfdA || q.p.Dst != bfdB || q.p.SrcPort != ripPort || !q.m.WholeTable() || q.m.Version != 2 {
		t.Fatalf("request %v -> %v port %d whole=%v v%d, want a whole-table v2 request from %v:520 to %v",
			q.p.Src, q.p.Dst, q.p.SrcPort, q.m.WholeTable(), q.m.Version, bfdA, bfdB)
	}
	if n := l.neighborB(t); n.BFD != BFDUp {
		t.Fatalf("neighbour BFD = %v, want up", n.BFD)
	}
	if ev := l.events("a", NeighborBFDUp); len(ev) != 1 {
		t.Fatalf("NeighborBFDUp events: %v", ev)
	}

	// Down (a false alarm: the link works) then Up: the routes come back
	// from b's answer, not its next regular update.
	s.Fire(false)
	if m := l.metric("a", bfdStub); m != packet.Infinity {
		t.Fatalf("metric after Down = %d", m)
	}
	s.Fire(true)
	l.advance(10 * time.Millisecond)
	if m := l.metric("a", bfdStub); m != 2 {
		t.Fatalf("metric 10 ms after Up = %d, want 2 from b's answer", m)
	}
}

// RFC 5882 §3.2: AdminDown, or a session never Up, is not reported
// — and without a report nothing changes.
func TestBFD_RFC5882_3_2_NoReportNothingHappens(t *testing.T) {
	l := newBFDLine(t, true, nil)
	l.advance(2 * DefaultTimeout)
	if m := l.metric("a", bfdStub); m != 2 {
		t.Fatalf("metric = %d, want 2", m)
	}
	if w, r := l.live["a"].Watches(), l.live["a"].Releases(); w != 1 || r != 0 {
		t.Fatalf("%d watches, %d releases; want 1, 0", w, r)
	}
	if st := l.a().inst.Stats(); st.BFDDown != 0 {
		t.Fatalf("Stats.BFDDown = %d", st.BFDDown)
	}
	if n := l.neighborB(t); n.BFD != BFDWaiting {
		t.Fatalf("neighbour BFD = %v, want waiting", n.BFD)
	}
}

// §3.8: a neighbour forgotten after the timeout releases its session; a
// late notify of that session, once b is back with a new one, is
// ignored.
func TestBFD_RFC2453_3_8_ReleasedWhenForgotten_LateNotifyIgnored(t *testing.T) {
	l := newBFDLine(t, true, nil)
	old := l.session(t)
	l.ab.Cut()
	l.advance(DefaultTimeout + DefaultUpdate)
	if !old.Released() {
		t.Fatal("session not released when the neighbour was forgotten")
	}
	l.ab.Restore()
	l.advance(DefaultUpdate + 10*time.Second)
	if m := l.metric("a", bfdStub); m != 2 {
		t.Fatalf("metric after the link came back = %d", m)
	}
	cur := l.session(t)
	if cur == old {
		t.Fatal("no new session")
	}
	old.FireLate(false)
	if m := l.metric("a", bfdStub); m != 2 {
		t.Fatalf("a late Down expired the route: metric %d", m)
	}
	if st := l.a().inst.Stats(); st.BFDDown != 0 {
		t.Fatalf("Stats.BFDDown = %d after a late notify", st.BFDDown)
	}
	old.FireLate(true)
	l.advance(10 * time.Millisecond)
	if reqs := l.tapB.requests(); len(reqs) != 0 {
		t.Fatalf("a late Up sent %d requests", len(reqs))
	}
	cur.Fire(false)
	if m := l.metric("a", bfdStub); m != packet.Infinity {
		t.Fatal("the current session's Down did nothing")
	}
}

// InterfaceDown forgets the neighbours, and releases their sessions.
func TestBFD_ReleasedOnInterfaceDown(t *testing.T) {
	l := newBFDLine(t, true, nil)
	s := l.session(t)
	if err := l.a().inst.InterfaceDown(l.a().cfg.Interfaces[1].Name); err != nil {
		t.Fatal(err)
	}
	if !s.Released() {
		t.Fatal("session not released by InterfaceDown")
	}
}

// Stop releases every session: Watch and release balance, and a late
// notify on a stopped instance does nothing.
func TestBFD_ReleasedAtStop(t *testing.T) {
	l := newBFDLine(t, true, nil)
	s := l.session(t)
	for _, name := range []string{"a", "b", "c"} {
		l.stop(name)
		if w, r := l.live[name].Watches(), l.live[name].Releases(); w != r {
			t.Fatalf("%s after Stop: %d watches, %d releases", name, w, r)
		}
	}
	if l.live["b"].Watches() != 1 {
		t.Fatalf("b watched %d sessions, want 1 (a)", l.live["b"].Watches())
	}
	s.FireLate(false)
}

// Configured unicast neighbours are watched from Start, heard or not,
// and kept when forgotten from the peer table, until Stop.
func TestBFD_ConfiguredNeighborWatchedFromStart(t *testing.T) {
	s := newSim(t, 1)
	s.link("a", "b", netsim.Conditions{Latency: time.Millisecond})
	f := &livenesstest.Fake{}
	a := s.router("a")
	a.live = f
	a.cfg.Interfaces[0].BFD = true
	a.cfg.Interfaces[0].Neighbors = []netip.Addr{ip("10.1.0.2")}
	s.startOne(a) // b does not run: a hears nothing
	act := f.Active()
	if len(act) != 1 || act[0].Peer != ip("10.1.0.2") || act[0].Local != ip("10.1.0.1") {
		t.Fatalf("sessions at Start: %+v", act)
	}
	s.advance(2 * DefaultTimeout)
	if len(f.Active()) != 1 {
		t.Fatal("configured neighbour's session released")
	}
	s.stop("a")
	if f.Releases() != 1 {
		t.Fatal("not released at Stop")
	}
}

// Interfaces without BFD never Watch, even with a Liveness in Env.
func TestBFD_InterfaceWithoutBFDNeverWatches(t *testing.T) {
	l := newBFDLine(t, false, nil)
	for _, name := range []string{"a", "b", "c"} {
		if w := l.live[name].Watches(); w != 0 {
			t.Fatalf("%s: %d Watch calls without BFD", name, w)
		}
	}
	if n := l.neighborB(t); n.BFD != BFDNone {
		t.Fatalf("neighbour BFD = %v, want none", n.BFD)
	}
}

// A Watch that fails leaves the neighbour unwatched and the routes
// learnt.
func TestBFD_WatchErrorLeavesNeighborAlone(t *testing.T) {
	l := newBFDLine(t, true, func(r *simRouter) {
		if r.name == "a" {
			l := r.live.(*livenesstest.Fake)
			l.SetErr(livenesstest.ErrRefused)
		}
	})
	if n := l.neighborB(t); n.BFD != BFDNone {
		t.Fatalf("neighbour BFD = %v after a failed Watch, want none", n.BFD)
	}
}

// The notify callback never waits for the instance's lock: fired while
// it is held, it is queued and handled by the holder before it releases
// the lock.
func TestBFD_NotifyWhileLockedIsQueued(t *testing.T) {
	l := newBFDLine(t, true, nil)
	s := l.session(t)
	inst := l.a().inst
	inst.mu.Lock()
	s.Fire(false) // returns although the lock is held
	if r := inst.routes[bfdStub]; r == nil || r.metric != 2 {
		inst.unlock()
		t.Fatal("the notify ran without the lock")
	}
	inst.unlock()
	if m := l.metric("a", bfdStub); m != packet.Infinity {
		t.Fatalf("metric after the queued notify = %d, want 16", m)
	}
	if _, ok := l.a().fib.Get(0, bfdStub); ok {
		t.Fatal("the FIB write of the queued notify did not run")
	}
}

func TestBFDState_String(t *testing.T) {
	for s, want := range map[BFDState]string{BFDNone: "none", BFDWaiting: "waiting", BFDUp: "up", BFDDown: "down", 9: "BFDState(9)"} {
		if got := s.String(); got != want {
			t.Errorf("%d: %q, want %q", uint8(s), got, want)
		}
	}
	for k, want := range map[EventKind]string{NeighborBFDDown: "neighbor-bfd-down", NeighborBFDUp: "neighbor-bfd-up"} {
		if got := k.String(); got != want {
			t.Errorf("%d: %q, want %q", uint8(k), got, want)
		}
	}
}

// §3.9.1 on a LAN: a session going Down on an interface that stays up
// asks the other neighbours on it for their tables, one by one and
// unicast, not the failed one, so that another router's path to the lost
// routes is learnt at once rather than at its next regular update (two
// replica servers on one segment announcing the same service address).
func TestBFD_RFC2453_3_9_1_BFDDownAsksTheOtherNeighboursOnTheLAN(t *testing.T) {
	clock := newRigClock()
	tr := &fakeTr{}
	live := &livenesstest.Fake{}
	fm := fib.NewMemory()
	inst, err := New(Config{Interfaces: []InterfaceConfig{{Name: "eth0", IfIndex: 2, Prefix: pfx("10.0.0.1/24"), BFD: true}}},
		Env{Clock: clock, Transports: trMap("eth0", tr), FIB: fm, Liveness: live})
	if err != nil {
		t.Fatal(err)
	}
	if err := inst.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = inst.Stop(context.Background()) }()
	r := &rig{t: t, clock: clock, inst: inst, tr: map[string]*fakeTr{"eth0": tr}, fib: fm}
	s1, s2 := ip("10.0.0.11"), ip("10.0.0.12")
	r.deliver("eth0", s1, ripPort, resp(rte("192.0.2.53/32", 1)))
	r.deliver("eth0", s2, ripPort, resp(rte("192.0.2.53/32", 3), rte("198.51.100.0/24", 2)))
	if m := r.metric("192.0.2.53/32"); m != 2 {
		t.Fatalf("metric via s1 = %d, want 2", m)
	}
	for _, a := range []netip.Addr{s1, s2} {
		live.Find("eth0", a).Fire(true)
	}
	r.advance(10 * time.Second) // past the triggered updates and the Up requests
	tr.take()

	live.Find("eth0", s1).Fire(false)
	var reqs []netip.AddrPort
	for _, m := range tr.take() {
		if m.msg.Command == packet.Request {
			reqs = append(reqs, m.dst)
			if !m.msg.WholeTable() {
				t.Errorf("request to %v is not a whole-table request", m.dst)
			}
		}
	}
	if len(reqs) != 1 || reqs[0] != netip.AddrPortFrom(s2, ripPort) {
		t.Fatalf("requests sent after s1's BFD Down: %v, want one to %v:520 alone", reqs, s2)
	}
	// s2's answer: the service comes back through it.
	r.deliver("eth0", s2, ripPort, resp(rte("192.0.2.53/32", 3), rte("198.51.100.0/24", 2)))
	if rt, ok := inst.Route(pfx("192.0.2.53/32")); !ok || rt.Metric != 4 || len(rt.NextHops) != 1 || rt.NextHops[0].Gateway != s2 {
		t.Fatalf("route after s2's answer: %+v, want metric 4 via %v", rt, s2)
	}

	// s2 going Down loses the service and its /24: s1 alone is asked
	// (its BFD is Down, but it is still in the peer table).
	live.Find("eth0", s2).Fire(false)
	reqs = nil
	for _, m := range tr.take() {
		if m.msg.Command == packet.Request {
			reqs = append(reqs, m.dst)
		}
	}
	if len(reqs) != 1 || reqs[0] != netip.AddrPortFrom(s1, ripPort) {
		t.Fatalf("requests after s2's BFD Down: %v, want one to %v:520", reqs, s1)
	}
}

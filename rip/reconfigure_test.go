package rip

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/netsim"
)

var reconfLat = netsim.Conditions{Latency: time.Millisecond}

// reconf applies r.cfg (edited by the test) to r's instance with the
// transports of the interfaces named in added.
func (s *sim) reconf(name string, added ...string) {
	s.t.Helper()
	r := s.routers[name]
	trs := map[string]routing.UDPTransport{}
	for _, n := range added {
		trs[n] = r.trs[n]
	}
	if err := r.inst.Reconfigure(context.Background(), r.cfg, trs); err != nil {
		s.t.Fatalf("%s: Reconfigure: %v", name, err)
	}
}

// eventsSince returns r's events from index k on.
func (r *simRouter) eventsSince(k int) []Event {
	r.evMu.Lock()
	defer r.evMu.Unlock()
	return append([]Event(nil), r.events[k:]...)
}

func (r *simRouter) eventCount() int {
	r.evMu.Lock()
	defer r.evMu.Unlock()
	return len(r.events)
}

// ifaceTo is the name of r's interface on the k-th link made.
func lastIface(r *simRouter) string { return r.cfg.Interfaces[len(r.cfg.Interfaces)-1].Name }

var (
	stubA = pfx("192.168.1.0/24")
	stubB = pfx("192.168.2.0/24")
	stubC = pfx("192.168.3.0/24")
)

// abc is a - b, with stubs on a and b, converged; c waits with a stub of
// its own and no link yet.
func abc(t *testing.T) *sim {
	s := newSim(t, 7)
	s.link("a", "b", reconfLat)
	s.stub("a", pfx("192.168.1.1/24"))
	s.stub("b", pfx("192.168.2.1/24"))
	s.start(nil)
	s.advance(time.Minute)
	if m := s.metric("a", stubB); m != 2 {
		t.Fatalf("a's metric to b's stub %d", m)
	}
	return s
}

func TestReconfigure_3_9_1_AddedInterfaceRequestsAtOnce(t *testing.T) {
	s := abc(t)
	s.link("a", "c", reconfLat)
	s.stub("c", pfx("192.168.3.1/24"))
	s.startOne(s.routers["c"])
	s.advance(10 * time.Second) // c's start-up request and update are lost: a is not there yet
	bEv := s.routers["b"].eventCount()
	s.reconf("a", lastIface(s.routers["a"]))
	// §3.9.1: a asks c for its table at once, and c answers.
	s.advance(100 * time.Millisecond)
	if m := s.metric("a", stubC); m != 2 {
		t.Fatalf("a's metric to c's stub %d 100ms after adding the interface, want 2", m)
	}
	if m := s.metric("c", stubB); m != 3 {
		t.Errorf("c's metric to b's stub %d: a did not send its table on the new interface", m)
	}
	// b hears of the new routes in a triggered update (§3.10.1), well
	// before the next regular one, and of nothing else.
	s.advance(6 * time.Second)
	if m := s.metric("b", stubC); m != 3 {
		t.Errorf("b's metric to c's stub %d", m)
	}
	for _, e := range s.routers["b"].eventsSince(bEv) {
		if e.Kind != RouteAdded || (e.Prefix != stubC && e.Prefix != pfx("10.2.0.0/24")) {
			t.Errorf("b saw %v %v", e.Kind, e.Prefix)
		}
	}
}

// abcLinked is a - b and a - c with a stub on each, converged.
func abcLinked(t *testing.T) *sim {
	s := newSim(t, 8)
	s.link("a", "b", reconfLat)
	s.link("a", "c", reconfLat)
	s.stub("a", pfx("192.168.1.1/24"))
	s.stub("b", pfx("192.168.2.1/24"))
	s.stub("c", pfx("192.168.3.1/24"))
	s.start(nil)
	s.advance(time.Minute)
	if m := s.metric("b", stubC); m != 3 {
		t.Fatalf("b's metric to c's stub %d", m)
	}
	return s
}

func TestReconfigure_3_10_RemovedInterfaceSaysGoodbye(t *testing.T) {
	s := abcLinked(t)
	a := s.routers["a"]
	toC := a.cfg.Interfaces[1].Name
	a.cfg.Interfaces = append(a.cfg.Interfaces[:1:1], a.cfg.Interfaces[2:]...)
	s.reconf("a")
	// §3.10: c hears a's routes at 16 on the removed interface at once.
	s.advance(10 * time.Millisecond)
	if m := s.metric("c", stubB); m != 16 {
		t.Errorf("c's metric to b's stub %d right after a removed the interface", m)
	}
	// a's routes through c are unreachable now, and b hears it in the
	// triggered update, not 180 s later.
	if m := s.metric("a", stubC); m != 16 {
		t.Errorf("a's metric to c's stub %d", m)
	}
	s.advance(6 * time.Second)
	if m := s.metric("b", stubC); m != 16 {
		t.Errorf("b's metric to c's stub %d", m)
	}
	if m := s.metric("b", stubA); m != 2 {
		t.Errorf("b lost a's stub: %d", m)
	}
	// The transport is closed: nothing a sends reaches c any more.
	if err := a.trs[toC].Send(ip("224.0.0.9"), []byte{1}); err == nil {
		t.Error("the removed interface's transport still sends")
	}
	// §3.8: the lost route is deleted after the garbage-collection time.
	s.advance(DefaultGarbageCollection + time.Second)
	if _, ok := a.inst.Route(stubC); ok {
		t.Error("a still holds c's stub after garbage collection")
	}
}

func TestReconfigure_3_9_2_CostChangeAppliesAtOnce(t *testing.T) {
	s := abcLinked(t)
	a := s.routers["a"]
	cEv := s.routers["c"].eventCount()
	a.cfg.Interfaces[0].MetricIn = 5 // towards b
	s.reconf("a")
	if m := s.metric("a", stubB); m != 6 {
		t.Errorf("a's metric to b's stub %d right after cost 5, want 6", m)
	}
	s.advance(6 * time.Second)
	if m := s.metric("c", stubB); m != 7 {
		t.Errorf("c's metric to b's stub %d, want 7", m)
	}
	for _, e := range s.routers["c"].eventsSince(cEv) {
		if e.Prefix != stubB && e.Prefix != pfx("10.1.0.0/24") {
			t.Errorf("c saw %v %v", e.Kind, e.Prefix)
		}
	}
	// Stays so across b's regular updates.
	s.advance(time.Minute)
	if m := s.metric("a", stubB); m != 6 {
		t.Errorf("a's metric to b's stub %d a minute later", m)
	}
}

func TestReconfigure_UnchangedSendsNothing(t *testing.T) {
	s := abcLinked(t)
	a := s.routers["a"]
	st := a.inst.Stats()
	ev := a.eventCount()
	s.reconf("a")
	if got := a.inst.Stats(); got.Sent != st.Sent || got.TriggeredUpdates != st.TriggeredUpdates {
		t.Errorf("sent %d messages, %d triggered updates", got.Sent-st.Sent, got.TriggeredUpdates-st.TriggeredUpdates)
	}
	if got := a.eventsSince(ev); len(got) != 0 {
		t.Errorf("events %v", got)
	}
}

func TestReconfigure_StaticDiffOneTriggeredUpdate(t *testing.T) {
	s := abcLinked(t)
	a := s.routers["a"]
	s.advance(10 * time.Second) // let the damping timer go idle
	st := a.inst.Stats()
	a.cfg.Static = []StaticRoute{{Prefix: pfx("172.16.0.0/16")}, {Prefix: pfx("172.17.0.0/16"), Metric: 3}}
	s.reconf("a")
	if got := a.inst.Stats().TriggeredUpdates - st.TriggeredUpdates; got != 1 {
		t.Errorf("%d triggered updates for two statics, want 1", got)
	}
	s.advance(10 * time.Millisecond)
	if m := s.metric("b", pfx("172.17.0.0/16")); m != 4 {
		t.Errorf("b's metric to the second static %d", m)
	}
	a.cfg.Static = a.cfg.Static[1:]
	s.advance(10 * time.Second)
	s.reconf("a")
	s.advance(10 * time.Millisecond)
	if m := s.metric("b", pfx("172.16.0.0/16")); m != 16 {
		t.Errorf("b's metric to the removed static %d, want 16 (withdrawn)", m)
	}
	if m := s.metric("b", pfx("172.17.0.0/16")); m != 4 {
		t.Errorf("the kept static changed: %d", m)
	}
}

func TestReconfigure_PassiveSaysGoodbyeThenStartsAgain(t *testing.T) {
	s := abcLinked(t)
	a := s.routers["a"]
	a.cfg.Interfaces[0].Passive = true // towards b
	s.reconf("a")
	s.advance(10 * time.Millisecond)
	if m := s.metric("b", stubA); m != 16 {
		t.Errorf("b's metric to a's stub %d after a went passive towards it", m)
	}
	s.advance(time.Minute)
	if m := s.metric("a", stubB); m != 2 {
		t.Errorf("passive a stopped learning from b: %d", m)
	}
	a.cfg.Interfaces[0].Passive = false
	s.reconf("a")
	s.advance(10 * time.Millisecond)
	if m := s.metric("b", stubA); m != 2 {
		t.Errorf("b's metric to a's stub %d after a went active again", m)
	}
}

func TestReconfigure_AuthKeyRotationKeepsNeighbours(t *testing.T) {
	s := newSim(t, 9)
	s.link("a", "b", reconfLat)
	s.stub("b", pfx("192.168.2.1/24"))
	k1 := KeyConfig{ID: 1, Secret: "one"}
	k2 := KeyConfig{ID: 2, Secret: "two"}
	s.start(func(r *simRouter) { r.cfg.Interfaces[0].Auth = AuthConfig{Mode: AuthCrypto, Keys: []KeyConfig{k1}} })
	s.advance(time.Minute)
	a, b := s.routers["a"], s.routers["b"]
	if m := s.metric("a", stubB); m != 2 {
		t.Fatalf("a's metric %d", m)
	}
	ev := a.eventCount()
	for _, keys := range [][]KeyConfig{{k1, k2}, {k2}} {
		for _, r := range []*simRouter{a, b} {
			r.cfg.Interfaces[0].Auth.Keys = keys
			s.reconf(r.name)
		}
		s.advance(2 * time.Minute)
	}
	if m := s.metric("a", stubB); m != 2 {
		t.Errorf("a's metric %d after the rotation", m)
	}
	for _, e := range a.eventsSince(ev) {
		t.Errorf("a saw %v %v %v", e.Kind, e.Prefix, e.Neighbor)
	}
	d := a.inst.Stats().Dropped
	for _, r := range []DropReason{DropAuthKey, DropAuthMismatch, DropReplay, DropAuthMissing} {
		if d[r] != 0 {
			t.Errorf("a dropped %d for %v", d[r], r)
		}
	}
}

func TestReconfigure_TimersApplyToTheNextTimer(t *testing.T) {
	s := abcLinked(t)
	a := s.routers["a"]
	a.cfg.Timers = FastTimers()
	s.reconf("a")
	s.advance(DefaultUpdate * 7 / 6) // the update armed before runs out
	st := a.inst.Stats().RegularUpdates
	s.advance(time.Minute)
	// 5 s ± 1/6: 10 to 14 in a minute.
	if got := a.inst.Stats().RegularUpdates - st; got < 10 || got > 14 {
		t.Errorf("%d regular updates in a minute at 5 s", got)
	}
}

func TestReconfigure_InvalidChangesNothing(t *testing.T) {
	s := abcLinked(t)
	a := s.routers["a"]
	before := a.inst.Stats().Sent
	good := a.cfg
	try := func(name string, want error, cfg Config, added map[string]routing.UDPTransport) {
		t.Helper()
		if err := a.inst.Reconfigure(context.Background(), cfg, added); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
	bad := good
	bad.Interfaces = append([]InterfaceConfig(nil), good.Interfaces...)
	bad.Interfaces[0].MetricIn = 16
	try("metric_in", ErrInvalidConfig, bad, nil)

	// An extra transport, and a missing one.
	extra := &fakeTr{}
	try("extra", ErrInvalidConfig, good, map[string]routing.UDPTransport{"eth9": extra})
	grown := good
	grown.Interfaces = append(append([]InterfaceConfig(nil), good.Interfaces...),
		InterfaceConfig{Name: "eth9", Prefix: pfx("10.9.0.1/24")})
	try("missing", ErrInvalidConfig, grown, nil)
	try("given for a running one", ErrInvalidConfig, good, map[string]routing.UDPTransport{good.Interfaces[0].Name: extra})
	if extra.closed || extra.deliver != nil {
		t.Error("a rejected transport was touched")
	}

	moved := good
	moved.Interfaces = append([]InterfaceConfig(nil), good.Interfaces...)
	moved.Interfaces[0].Prefix = pfx("10.1.0.9/24")
	try("prefix", ErrRestartRequired, moved, nil)
	table := good
	table.FIBTable = 100
	try("fib_table", ErrRestartRequired, table, nil)

	if got := a.inst.Stats().Sent; got != before {
		t.Errorf("sent %d messages for rejected configurations", got-before)
	}
	s.advance(time.Minute)
	if m := s.metric("a", stubB); m != 2 {
		t.Errorf("a's metric %d", m)
	}
}

func TestReconfigure_BeforeStartAndAfterStop(t *testing.T) {
	clock := newRigClock()
	t0, t1 := &fakeTr{}, &fakeTr{}
	cfg := Config{Interfaces: []InterfaceConfig{{Name: "eth0", Prefix: pfx("10.0.0.1/24")}}}
	inst, err := New(cfg, Env{Clock: clock, Transports: trMap("eth0", t0)})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Interfaces = []InterfaceConfig{{Name: "eth1", Prefix: pfx("10.0.1.1/24")}}
	if err := inst.Reconfigure(context.Background(), cfg, trMap("eth1", t1)); err != nil {
		t.Fatal(err)
	}
	if !t0.closed {
		t.Error("the removed interface's transport is open")
	}
	if err := inst.Start(); err != nil {
		t.Fatal(err)
	}
	if t1.deliver == nil || t0.deliver != nil {
		t.Error("Start did not start the new interface alone")
	}
	if err := inst.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := inst.Reconfigure(context.Background(), cfg, nil); !errors.Is(err, ErrStopped) {
		t.Errorf("after Stop: %v", err)
	}
}

func TestReconfigure_MetricOutResendsOnThatInterfaceOnly(t *testing.T) {
	s := abcLinked(t)
	a, c := s.routers["a"], s.routers["c"]
	cEv := c.eventCount()
	toC := a.inst.Interfaces()[1]
	a.cfg.Interfaces[0].MetricOut = 4 // towards b
	s.reconf("a")
	s.advance(10 * time.Millisecond)
	if m := s.metric("b", stubA); m != 6 {
		t.Errorf("b's metric to a's stub %d right after metric_out 4, want 6", m)
	}
	if got := a.inst.Interfaces()[1]; got.Stats.Sent != toC.Stats.Sent {
		t.Errorf("a sent %d messages towards c", got.Stats.Sent-toC.Stats.Sent)
	}
	s.advance(time.Minute)
	if got := c.eventsSince(cEv); len(got) != 0 {
		t.Errorf("c saw %v", got)
	}
}

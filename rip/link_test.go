package rip

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/rip/packet"
)

// ifaceOn is the name of node's attachment to l.
func ifaceOn(t *testing.T, l *netsim.Link, node *netsim.Node) string {
	t.Helper()
	for _, a := range l.Attachments() {
		if a.Node() == node {
			return a.Name()
		}
	}
	t.Fatalf("%s is not on %s", node, l)
	return ""
}

// carrier cuts or restores l and reports it to the instances at both
// ends, as a daemon watching netlink does.
func (s *sim) carrier(l *netsim.Link, up bool, a, b string) {
	s.t.Helper()
	if up {
		l.Restore()
	} else {
		l.Cut()
	}
	for _, n := range []string{a, b} {
		r := s.routers[n]
		name := ifaceOn(s.t.(*testing.T), l, r.node)
		var err error
		if up {
			err = r.inst.InterfaceUp(name)
		} else {
			err = r.inst.InterfaceDown(name)
		}
		if err != nil {
			s.t.Fatal(err)
		}
	}
}

func (s *sim) gateway(t *testing.T, name string, p netip.Prefix) netip.Addr {
	t.Helper()
	rt, ok := s.routers[name].fib.Get(0, p)
	if !ok || len(rt.NextHops) != 1 {
		t.Fatalf("%s's FIB for %v: %v, %v", name, p, rt, ok)
	}
	return rt.NextHops[0].Gateway
}

// §3.8, §3.10.1, §3.9.1: a triangle a-b, a-x-b; b reaches a's stub
// directly (metric 2). The a-b link is cut and the carrier loss reported
// (InterfaceDown): b makes the route unreachable at once, asks x for its
// table and takes the path through x (metric 3) within milliseconds, not
// after the 180 s timeout; a does the same for b's stub. Carrier back
// (InterfaceUp), the direct path returns as fast.
func Test3_8_InterfaceDownReroutesAtOnce(t *testing.T) {
	stubY := pfx("192.168.9.0/24")
	s := newSim(t, 7)
	c := netsim.Conditions{Latency: time.Millisecond}
	s.stub("a", pfx("192.168.0.1/24"))
	s.stub("b", pfx("192.168.9.1/24"))
	ab := s.link("a", "b", c) // 10.1.0.0/24
	s.link("a", "x", c)       // 10.2.0.0/24
	s.link("x", "b", c)       // 10.3.0.0/24
	s.start(nil)
	s.advance(time.Minute)
	if m, gw := s.metric("b", stubX), s.gateway(t, "b", stubX); m != 2 || gw != ip("10.1.0.1") {
		t.Fatalf("b before the cut: metric %d via %v", m, gw)
	}

	s.carrier(ab, false, "a", "b")
	s.advance(100 * time.Millisecond)
	if m, gw := s.metric("b", stubX), s.gateway(t, "b", stubX); m != 3 || gw != ip("10.3.0.1") {
		t.Fatalf("b 100 ms after the carrier loss: metric %d via %v, want 3 via x 10.3.0.1", m, gw)
	}
	if m, gw := s.metric("a", stubY), s.gateway(t, "a", stubY); m != 3 || gw != ip("10.2.0.2") {
		t.Fatalf("a 100 ms after the carrier loss: metric %d via %v, want 3 via x 10.2.0.2", m, gw)
	}
	// b saw the route go unreachable (metric 16) on the way.
	if seen := metricsSeen(s.routers["b"], stubX); len(seen) < 2 || seen[len(seen)-2] != packet.Infinity {
		t.Fatalf("b's metrics for a's stub: %v, want ... 16, 3", seen)
	}
	for _, nb := range s.routers["b"].inst.Neighbors() {
		if nb.Addr == ip("10.1.0.1") {
			t.Fatalf("b still lists a on the cut link: %v", nb)
		}
	}
	// The link's own network is now reached through x too.
	if m := s.metric("x", pfx("10.1.0.0/24")); m != 16 {
		t.Fatalf("x's metric to the cut link's network: %d, want 16 (withdrawn by both ends)", m)
	}

	s.carrier(ab, true, "a", "b")
	s.advance(100 * time.Millisecond)
	if m, gw := s.metric("b", stubX), s.gateway(t, "b", stubX); m != 2 || gw != ip("10.1.0.1") {
		t.Fatalf("b 100 ms after the carrier came back: metric %d via %v, want 2 via a", m, gw)
	}
	if m, gw := s.metric("a", stubY), s.gateway(t, "a", stubY); m != 2 || gw != ip("10.1.0.2") {
		t.Fatalf("a 100 ms after the carrier came back: metric %d via %v, want 2 via b", m, gw)
	}
	if m := s.metric("b", pfx("10.1.0.0/24")); m != 1 {
		t.Fatalf("b's connected route to the link: metric %d", m)
	}
	s.advance(10 * time.Second) // the triggered updates damped by §3.10.1
	if m := s.metric("x", pfx("10.1.0.0/24")); m != 2 {
		t.Fatalf("x's metric to the restored link's network: %d, want 2", m)
	}
}

// §3.10.1, §3.8, §3.9.1 on one router: InterfaceDown("eth0") sends, on
// eth1 only, a triggered update with metric 16 for every route learnt on
// eth0 and for eth0's network, removes them from the FIB, forgets the
// neighbours and asks eth1 for its table; eth0 stays silent and deaf
// until InterfaceUp, which sends a request and the whole table on it and
// advertises its network again.
func Test3_10_1_InterfaceDownTriggersInfinity(t *testing.T) {
	r := newRig(t, nil)
	r.deliver("eth0", ip("10.0.0.2"), 520, resp(rte("172.16.0.0/16", 1), rte("172.17.0.0/16", 2)))
	r.deliver("eth1", ip("10.0.1.2"), 520, resp(rte("172.18.0.0/16", 1)))
	r.advance(10 * time.Second) // past the damping of the triggered updates
	for _, f := range r.tr {
		f.take()
	}
	r.events = nil
	if _, ok := r.fib.Get(0, pfx("172.16.0.0/16")); !ok {
		t.Fatal("not learnt")
	}

	if err := r.inst.InterfaceDown("eth0"); err != nil {
		t.Fatal(err)
	}
	if sent := r.tr["eth0"].take(); len(sent) != 0 {
		t.Fatalf("sent on the down interface: %+v", sent)
	}
	sent := r.tr["eth1"].take()
	es := entriesSent(sent)
	for _, p := range []string{"172.16.0.0/16", "172.17.0.0/16", "10.0.0.0/24"} {
		if e, ok := es[pfx(p)]; !ok || e.Metric != packet.Infinity {
			t.Errorf("eth1's triggered update: %s is %+v, want metric 16", p, e)
		}
	}
	if _, ok := es[pfx("172.18.0.0/16")]; ok {
		t.Errorf("unchanged route in the triggered update: %+v", es)
	}
	if last := sent[len(sent)-1].msg; last.Command != packet.Request || !last.WholeTable() {
		t.Errorf("no whole-table request on eth1 after the loss: %+v", last)
	}
	for _, p := range []string{"172.16.0.0/16", "172.17.0.0/16"} {
		if _, ok := r.fib.Get(0, pfx(p)); ok {
			t.Errorf("%s still in the FIB", p)
		}
		if rt, ok := r.inst.Route(pfx(p)); !ok || rt.Metric != 16 || rt.GarbageCollection != DefaultGarbageCollection {
			t.Errorf("%s: %+v, want metric 16 in garbage collection", p, rt)
		}
	}
	if _, ok := r.fib.Get(0, pfx("172.18.0.0/16")); !ok {
		t.Error("the eth1 route left the FIB")
	}
	for _, n := range r.inst.Neighbors() {
		if n.Interface == "eth0" {
			t.Errorf("neighbour kept: %+v", n)
		}
	}
	lost := false
	for _, e := range r.events {
		lost = lost || (e.Kind == NeighborLost && e.Neighbor == ip("10.0.0.2"))
	}
	if !lost {
		t.Errorf("no NeighborLost event: %v", r.events)
	}
	if ifs := r.inst.Interfaces(); !ifs[0].Down || ifs[1].Down {
		t.Errorf("interfaces %+v", ifs)
	}

	// Deaf and silent while down, through a regular update.
	r.deliver("eth0", ip("10.0.0.2"), 520, resp(rte("172.16.0.0/16", 1)))
	if r.dropped(DropInterfaceDown) != 1 || r.metric("172.16.0.0/16") != 16 {
		t.Fatalf("received on the down interface: dropped %d, metric %d", r.dropped(DropInterfaceDown), r.metric("172.16.0.0/16"))
	}
	r.advance(40 * time.Second)
	if sent := r.tr["eth0"].take(); len(sent) != 0 {
		t.Fatalf("sent on the down interface: %+v", sent)
	}
	if e := entriesSent(r.tr["eth1"].take())[pfx("10.0.0.0/24")]; e.Metric != 16 {
		t.Fatalf("eth1's regular update: eth0's network is %+v, want 16 until deleted", e)
	}

	if err := r.inst.InterfaceUp("eth0"); err != nil {
		t.Fatal(err)
	}
	sent = r.tr["eth0"].take()
	if len(sent) < 2 || sent[0].msg.Command != packet.Request || !sent[0].msg.WholeTable() {
		t.Fatalf("eth0 after InterfaceUp: %+v, want a whole-table request then the table", sent)
	}
	if e, ok := entriesSent(sent)[pfx("10.0.1.0/24")]; !ok || e.Metric != 1 {
		t.Fatalf("eth0's whole table: %+v", entriesSent(sent))
	}
	if e := entriesSent(r.tr["eth1"].take())[pfx("10.0.0.0/24")]; e.Metric != 1 {
		t.Fatalf("eth1's triggered update: eth0's network is %+v, want metric 1", e)
	}
	r.deliver("eth0", ip("10.0.0.2"), 520, resp(rte("172.16.0.0/16", 1)))
	if r.metric("172.16.0.0/16") != 2 {
		t.Fatal("not relearnt after InterfaceUp")
	}
}

// Carrier changes reported before Start are kept for it; a name not
// configured is ErrNoInterface; after Stop the calls do nothing.
func TestInterfaceDownUp_LifecycleAndErrors(t *testing.T) {
	clock := newRigClock()
	tr0, tr1 := &fakeTr{}, &fakeTr{}
	inst, err := New(rigConfig(), Env{Clock: clock, Transports: trMap("eth0", tr0, "eth1", tr1)})
	if err != nil {
		t.Fatal(err)
	}
	if err := inst.InterfaceDown("eth9"); !errors.Is(err, ErrNoInterface) {
		t.Fatalf("InterfaceDown(eth9) = %v", err)
	}
	if err := inst.InterfaceUp("eth9"); !errors.Is(err, ErrNoInterface) {
		t.Fatalf("InterfaceUp(eth9) = %v", err)
	}
	if err := inst.InterfaceDown("eth0"); err != nil {
		t.Fatal(err)
	}
	if err := inst.Start(); err != nil {
		t.Fatal(err)
	}
	if len(tr0.take()) != 0 {
		t.Fatal("Start sent on an interface reported down")
	}
	if _, ok := entriesSent(tr1.take())[pfx("10.0.0.0/24")]; ok {
		t.Fatal("the down interface's network was advertised")
	}
	if err := inst.InterfaceUp("eth0"); err != nil {
		t.Fatal(err)
	}
	if len(tr0.take()) == 0 {
		t.Fatal("nothing sent after InterfaceUp")
	}
	if rt, ok := inst.Route(pfx("10.0.0.0/24")); !ok || rt.Metric != 1 || rt.Source != SourceConnected {
		t.Fatalf("connected route after InterfaceUp: %+v", rt)
	}
	if err := inst.InterfaceUp("eth0"); err != nil || len(tr0.take()) != 0 {
		t.Fatalf("second InterfaceUp: %v", err)
	}
	if err := inst.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := inst.InterfaceDown("eth0"); err != nil {
		t.Fatal(err)
	}
}

// A static route naming the interface leaves with it and comes back; a
// prefix also given to Announce gives way to the next origin instead of
// disappearing.
func TestInterfaceDown_StaticAndAnnounced(t *testing.T) {
	r := newRig(t, func(c *Config) {
		c.Static = []StaticRoute{{Prefix: pfx("203.0.113.0/24"), Interface: "eth0", Metric: 4}}
	})
	if err := r.inst.Announce(pfx("10.0.0.0/24"), 7, 0); err != nil {
		t.Fatal(err)
	}
	if err := r.inst.InterfaceDown("eth0"); err != nil {
		t.Fatal(err)
	}
	if rt, _ := r.inst.Route(pfx("203.0.113.0/24")); rt.Metric != 16 {
		t.Fatalf("static route naming the down interface: %+v", rt)
	}
	if rt, _ := r.inst.Route(pfx("10.0.0.0/24")); rt.Metric != 7 || rt.Source != SourceAPI {
		t.Fatalf("announced prefix of the down network: %+v, want the API origin", rt)
	}
	if err := r.inst.InterfaceUp("eth0"); err != nil {
		t.Fatal(err)
	}
	if rt, _ := r.inst.Route(pfx("203.0.113.0/24")); rt.Metric != 4 || rt.Source != SourceStatic {
		t.Fatalf("static route after InterfaceUp: %+v", rt)
	}
	if rt, _ := r.inst.Route(pfx("10.0.0.0/24")); rt.Metric != 1 || rt.Source != SourceConnected {
		t.Fatalf("connected route after InterfaceUp: %+v", rt)
	}
}

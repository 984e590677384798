package rip

import (
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing/rip/packet"
)

var (
	n2 = ip("10.0.0.2")
	n3 = ip("10.0.0.3")
)

func Test3_9_2_SourcePort520(t *testing.T) {
	r := newRig(t, nil)
	r.deliver("eth0", n2, 1024, resp(rte("172.16.0.0/16", 1)))
	if r.metric("172.16.0.0/16") != 16 || r.dropped(DropBadPort) != 1 {
		t.Fatalf("response from port 1024 used: metric %d, drops %v", r.metric("172.16.0.0/16"), r.inst.Stats().Dropped)
	}
	r.deliver("eth0", n2, 520, resp(rte("172.16.0.0/16", 1)))
	if r.metric("172.16.0.0/16") != 2 {
		t.Fatal("response from port 520 not used")
	}
}

func Test3_9_2_SourceNotOnConnectedNetwork(t *testing.T) {
	r := newRig(t, nil)
	r.deliver("eth0", ip("10.9.9.9"), 520, resp(rte("172.16.0.0/16", 1)))
	r.deliver("eth1", n2, 520, resp(rte("172.16.0.0/16", 1))) // eth0's network, on eth1
	r.deliver("eth0", ip("10.0.0.255"), 520, resp(rte("172.16.0.0/16", 1)))
	if r.metric("172.16.0.0/16") != 16 || r.dropped(DropNotConnected) != 3 {
		t.Fatalf("off-link source used: drops %v", r.inst.Stats().Dropped)
	}
	if got := r.inst.Interfaces()[0].Stats.BadPackets; got != 2 {
		t.Fatalf("eth0 bad packets %d, want 2", got)
	}
}

func Test3_9_2_NotOurOwnAddress(t *testing.T) {
	r := newRig(t, nil)
	r.deliver("eth0", ip("10.0.0.1"), 520, resp(rte("172.16.0.0/16", 1)))
	r.deliver("eth0", ip("10.0.1.1"), 520, resp(rte("172.16.0.0/16", 1)))
	if r.metric("172.16.0.0/16") != 16 || r.dropped(DropOwnAddress) != 2 {
		t.Fatalf("own message used: drops %v", r.inst.Stats().Dropped)
	}
}

// Entries are checked one by one: the bad ones are ignored and counted,
// the good ones in the same message are used.
func Test3_9_2_MetricOneToSixteen(t *testing.T) {
	r := newRig(t, nil)
	r.deliver("eth0", n2, 520, resp(rte("172.16.0.0/16", 0), rte("172.17.0.0/16", 17), rte("172.18.0.0/16", 3)))
	if r.metric("172.16.0.0/16") != 16 || r.metric("172.17.0.0/16") != 16 || r.metric("172.18.0.0/16") != 4 {
		t.Fatal("metric check")
	}
	if r.dropped(DropEntryMetric) != 2 {
		t.Fatalf("drops %v", r.inst.Stats().Dropped)
	}
	if nb := r.inst.Neighbors(); len(nb) != 1 || nb[0].BadRoutes != 2 || nb[0].Addr != n2 {
		t.Fatalf("neighbors %+v", nb)
	}
}

func Test3_9_2_DestinationChecks(t *testing.T) {
	r := newRig(t, nil)
	bad := packet.RouteEntry(pfx("172.16.0.0/16"), netip.Addr{}, 1, 0)
	bad.Mask = ip("255.0.255.0")
	fam := rte("172.19.0.0/16", 1)
	fam.Family = 10
	r.deliver("eth0", n2, 520, resp(bad, rte("224.1.0.0/16", 1), rte("127.0.0.0/8", 1), rte("240.0.0.0/8", 1), fam))
	if n := len(r.inst.Routes()); n != 2 {
		t.Fatalf("%d routes, want only the 2 connected: %v", n, r.inst.Routes())
	}
	if r.dropped(DropEntryAddress) != 4 || r.dropped(DropEntryFamily) != 1 {
		t.Fatalf("drops %v", r.inst.Stats().Dropped)
	}
}

// §3.9.2: metric = min(metric + cost, 16); a route arriving at 16 is
// not added.
func Test3_9_2_MetricPlusCost(t *testing.T) {
	r := newRig(t, func(c *Config) { c.Interfaces[0].MetricIn = 3 })
	r.deliver("eth0", n2, 520, resp(rte("172.16.0.0/16", 2), rte("172.17.0.0/16", 13), rte("172.18.0.0/16", 16)))
	if r.metric("172.16.0.0/16") != 5 || r.metric("172.17.0.0/16") != 16 || len(r.inst.Routes()) != 3 {
		t.Fatalf("routes %v", r.inst.Routes())
	}
}

// §3.9.2: from the router of the current route any metric is taken,
// from another router only a better one.
func Test3_9_2_SameRouterAndBetterRoute(t *testing.T) {
	r := newRig(t, nil)
	r.deliver("eth0", n2, 520, resp(rte("172.16.0.0/16", 3)))
	r.deliver("eth0", n3, 520, resp(rte("172.16.0.0/16", 3))) // equal, other router: kept as is
	if g := r.inst.Routes()[2].NextHops; len(g) != 1 || g[0].Gateway != n2 {
		t.Fatalf("next hops %v", g)
	}
	r.deliver("eth0", n2, 520, resp(rte("172.16.0.0/16", 7))) // worse, same router: taken
	if r.metric("172.16.0.0/16") != 8 {
		t.Fatal("worse metric from the same router not taken")
	}
	r.deliver("eth0", n3, 520, resp(rte("172.16.0.0/16", 2))) // better, other router
	rt, _ := r.inst.Route(pfx("172.16.0.0/16"))
	if rt.Metric != 3 || rt.NextHops[0].Gateway != n3 {
		t.Fatalf("better route not taken: %+v", rt)
	}
	r.deliver("eth0", n2, 520, resp(rte("172.16.0.0/16", 16))) // not the current router
	if r.metric("172.16.0.0/16") != 3 {
		t.Fatal("infinity from another router changed the route")
	}
	r.deliver("eth0", n3, 520, resp(rte("172.16.0.0/16", 16)))
	if r.metric("172.16.0.0/16") != 16 {
		t.Fatal("infinity from the current router ignored")
	}
	if _, ok := r.fib.Get(0, pfx("172.16.0.0/16")); ok {
		t.Fatal("unreachable route still in the FIB")
	}
}

// ECMP is off by default; MaxPaths keeps equal-metric paths.
func TestECMP_MaxPaths(t *testing.T) {
	r := newRig(t, func(c *Config) { c.MaxPaths = 2 })
	r.deliver("eth0", n2, 520, resp(rte("172.16.0.0/16", 3)))
	r.deliver("eth0", n3, 520, resp(rte("172.16.0.0/16", 3)))
	rt, _ := r.inst.Route(pfx("172.16.0.0/16"))
	if len(rt.NextHops) != 2 {
		t.Fatalf("next hops %+v", rt.NextHops)
	}
	if f, _ := r.fib.Get(0, pfx("172.16.0.0/16")); len(f.NextHops) != 2 {
		t.Fatalf("FIB %v", f)
	}
	r.deliver("eth0", n2, 520, resp(rte("172.16.0.0/16", 5))) // n2 gets worse: drops out
	rt, _ = r.inst.Route(pfx("172.16.0.0/16"))
	if len(rt.NextHops) != 1 || rt.NextHops[0].Gateway != n3 || rt.Metric != 4 {
		t.Fatalf("after n2 worsened: %+v", rt)
	}
}

// §4.4: a next hop on the network is used; one off it is the sender.
func Test4_4_NextHop(t *testing.T) {
	r := newRig(t, nil)
	on := packet.RouteEntry(pfx("172.16.0.0/16"), n3, 1, 0)
	off := packet.RouteEntry(pfx("172.17.0.0/16"), ip("192.0.2.1"), 1, 0)
	r.deliver("eth0", n2, 520, resp(on, off))
	rt, _ := r.inst.Route(pfx("172.16.0.0/16"))
	if rt.NextHops[0].Gateway != n3 || rt.NextHops[0].From != n2 {
		t.Fatalf("on-link next hop: %+v", rt.NextHops)
	}
	rt, _ = r.inst.Route(pfx("172.17.0.0/16"))
	if rt.NextHops[0].Gateway != n2 || r.inst.Stats().NextHopIgnored != 1 {
		t.Fatalf("off-link next hop: %+v", rt.NextHops)
	}
}

// §3.9.1: a whole-table request from port 520 gets the table with split
// horizon, sent back to the requester.
func Test3_9_1_WholeTableRequest(t *testing.T) {
	r := newRig(t, nil)
	r.deliver("eth0", n2, 520, resp(rte("172.16.0.0/16", 1)))
	r.tr["eth0"].take()
	r.tr["eth1"].take()
	req := packet.Message{Command: packet.Request, Version: 2, Entries: []packet.Entry{{Metric: 16}}}
	r.deliver("eth0", n3, 520, req)
	got := r.tr["eth0"].take()
	if len(got) != 1 || got[0].dst != netip.AddrPortFrom(n3, 520) {
		t.Fatalf("answer %+v", got)
	}
	es := entriesSent(got)
	if e, ok := es[pfx("172.16.0.0/16")]; !ok || e.Metric != 16 {
		t.Fatalf("route learnt on eth0 not poisoned in the answer: %+v", es)
	}
	if e := es[pfx("10.0.1.0/24")]; e.Metric != 1 {
		t.Fatalf("eth1's network: %+v", e)
	}
	// From a monitor's port: no split horizon, answered to that port.
	r.deliver("eth0", ip("192.0.2.50"), 40000, req)
	got = r.tr["eth0"].take()
	if len(got) != 1 || got[0].dst != netip.AddrPortFrom(ip("192.0.2.50"), 40000) {
		t.Fatalf("monitor answer %+v", got)
	}
	if e := entriesSent(got)[pfx("172.16.0.0/16")]; e.Metric != 2 {
		t.Fatalf("monitor sees %+v", e)
	}
}

func Test3_9_1_SpecificRequest(t *testing.T) {
	r := newRig(t, nil)
	r.deliver("eth0", n2, 520, resp(rte("172.16.0.0/16", 4)))
	r.tr["eth0"].take()
	req := packet.Message{Command: packet.Request, Version: 2, Entries: []packet.Entry{rte("172.16.0.0/16", 0), rte("172.99.0.0/16", 0)}}
	r.deliver("eth0", ip("192.0.2.50"), 5000, req)
	got := r.tr["eth0"].take()
	if len(got) != 1 || got[0].dst.Port() != 5000 {
		t.Fatalf("answer %+v", got)
	}
	es := got[0].msg.Entries
	if len(es) != 2 || es[0].Metric != 5 || es[1].Metric != 16 {
		t.Fatalf("entries %+v", es)
	}
}

func Test3_9_1_RequestOnStart(t *testing.T) {
	cfg := rigConfig()
	cfg.Interfaces[1].Passive = true
	tr0, tr1 := &fakeTr{}, &fakeTr{}
	inst, err := New(cfg, Env{Clock: newRigClock(), Transports: trMap("eth0", tr0, "eth1", tr1)})
	if err != nil {
		t.Fatal(err)
	}
	if err := inst.Start(); err != nil {
		t.Fatal(err)
	}
	if len(tr0.sent) == 0 || !tr0.sent[0].msg.WholeTable() || tr0.sent[0].dst.Addr() != allRIPRouters {
		t.Fatalf("first message on eth0: %+v", tr0.sent)
	}
	if len(tr1.sent) != 0 {
		t.Fatalf("passive eth1 sent %+v", tr1.sent)
	}
	if len(tr0.groups) != 1 || tr0.groups[0] != allRIPRouters {
		t.Fatalf("groups %v", tr0.groups)
	}
}

// §3.8: a route not refreshed for 180 s goes to metric 16 (told in a
// triggered update) and is deleted 120 s later.
func Test3_8_Timeout180GC120(t *testing.T) {
	r := newRig(t, nil)
	r.deliver("eth0", n2, 520, resp(rte("172.16.0.0/16", 1)))
	r.tr["eth1"].take()
	r.advance(179 * time.Second)
	if r.metric("172.16.0.0/16") != 2 {
		t.Fatal("timed out early")
	}
	r.tr["eth1"].take()
	r.advance(time.Second)
	rt, ok := r.inst.Route(pfx("172.16.0.0/16"))
	if !ok || rt.Metric != 16 || rt.GarbageCollection != 120*time.Second {
		t.Fatalf("at 180 s: %+v %v", rt, ok)
	}
	if e := entriesSent(r.tr["eth1"].take())[pfx("172.16.0.0/16")]; e.Metric != 16 {
		t.Fatalf("no triggered update at 16: %+v", e)
	}
	r.advance(119 * time.Second)
	if _, ok := r.inst.Route(pfx("172.16.0.0/16")); !ok {
		t.Fatal("deleted early")
	}
	r.advance(time.Second)
	if _, ok := r.inst.Route(pfx("172.16.0.0/16")); ok {
		t.Fatal("not deleted at 300 s")
	}
	if r.inst.Stats().RoutesTimedOut != 1 {
		t.Fatal("timeout not counted")
	}
	if nb := r.inst.Neighbors(); len(nb) != 0 {
		t.Fatalf("silent neighbour still listed: %+v", nb)
	}
	var kinds []string
	for _, e := range r.events {
		kinds = append(kinds, e.Kind.String())
	}
	want := []string{"neighbor-seen", "route-added", "neighbor-lost", "route-removed"} // both at 180 s; the neighbour was armed first
	if len(kinds) != len(want) {
		t.Fatalf("events %v, want %v", kinds, want)
	}
	for k := range want {
		if kinds[k] != want[k] {
			t.Fatalf("events %v, want %v", kinds, want)
		}
	}
}

// §3.8: regular updates every 30 s ± 5 s, not in lock step.
func Test3_8_RegularUpdateJitter(t *testing.T) {
	r := newRig(t, nil)
	var at []time.Time
	r.tr["eth1"].onSend = func(netip.AddrPort, []byte) { at = append(at, r.clock.Now()) }
	r.advance(10 * time.Minute)
	if len(at) < 17 || len(at) > 24 {
		t.Fatalf("%d updates in 10 min", len(at))
	}
	distinct := map[time.Duration]bool{}
	for k := 1; k < len(at); k++ {
		d := at[k].Sub(at[k-1])
		if d < 25*time.Second || d > 35*time.Second {
			t.Fatalf("interval %v", d)
		}
		distinct[d] = true
	}
	if len(distinct) < 3 {
		t.Fatalf("intervals not jittered: %v", distinct)
	}
}

// §3.10.1: the first triggered update goes at once with the changed
// routes only; the next waits 1 to 5 s.
func Test3_10_1_TriggeredUpdateDamping(t *testing.T) {
	r := newRig(t, nil)
	r.advance(1 * time.Minute) // let the start-up triggered timer go idle
	r.tr["eth1"].take()
	r.deliver("eth0", n2, 520, resp(rte("172.16.0.0/16", 1)))
	first := r.tr["eth1"].take()
	es := entriesSent(first)
	if len(first) != 1 || len(es) != 1 || es[pfx("172.16.0.0/16")].Metric != 2 {
		t.Fatalf("first triggered update: %+v", es)
	}
	t0 := r.clock.Now()
	var at time.Time
	r.tr["eth1"].onSend = func(netip.AddrPort, []byte) {
		if at.IsZero() {
			at = r.clock.Now()
		}
	}
	r.deliver("eth0", n2, 520, resp(rte("172.17.0.0/16", 1)))
	if len(r.tr["eth1"].sent) != 0 {
		t.Fatal("second triggered update not damped")
	}
	r.advance(5 * time.Second)
	if d := at.Sub(t0); at.IsZero() || d < time.Second || d > 5*time.Second {
		t.Fatalf("damped update after %v", d)
	}
	es = entriesSent(r.tr["eth1"].take())
	if len(es) != 1 || es[pfx("172.17.0.0/16")].Metric != 2 {
		t.Fatalf("damped update: %+v", es)
	}
}

// §3.4.3: routes learnt on an interface are poisoned, omitted or sent
// as is, by the interface's mode.
func Test3_4_3_SplitHorizon(t *testing.T) {
	for _, tc := range []struct {
		mode SplitHorizon
		want int // metric seen on eth0, 0 for omitted
	}{{SplitPoisonedReverse, 16}, {SplitSimple, 0}, {SplitNone, 2}} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			r := newRig(t, func(c *Config) { c.Interfaces[0].SplitHorizon = tc.mode })
			r.deliver("eth0", n2, 520, resp(rte("172.16.0.0/16", 1)))
			r.tr["eth0"].take()
			r.advance(40 * time.Second)
			es := entriesSent(r.tr["eth0"].take())
			e, ok := es[pfx("172.16.0.0/16")]
			if tc.want == 0 && ok || tc.want != 0 && int(e.Metric) != tc.want {
				t.Fatalf("sent %+v (present %v)", e, ok)
			}
			if tc.mode == SplitNone && e.NextHop != n2 {
				t.Fatalf("§4.4 next hop %v, want the gateway", e.NextHop)
			}
			if _, ok := es[pfx("10.0.0.0/24")]; ok {
				t.Fatal("eth0's own network advertised onto it")
			}
			if e := entriesSent(r.tr["eth1"].take())[pfx("172.16.0.0/16")]; e.Metric != 2 {
				t.Fatalf("eth1 gets %+v", e)
			}
		})
	}
}

// §4.1: RIP-1 responses are taken with the mask inferred; must-be-zero
// fields set make the entry ignored; V2Only ignores them all.
func Test4_1_Version1Compatibility(t *testing.T) {
	r := newRig(t, nil)
	zero := netip.AddrFrom4([4]byte{})
	v1 := func(a string, m uint32) packet.Entry {
		return packet.Entry{Family: 2, Addr: ip(a), Mask: zero, NextHop: zero, Metric: m}
	}
	bad := v1("172.20.0.0", 1)
	bad.Tag = 7
	r.deliver("eth0", n2, 520, packet.Message{Command: packet.Response, Version: 1, Entries: []packet.Entry{v1("172.16.0.0", 1), v1("10.0.5.0", 1), v1("192.168.1.7", 1), bad}})
	for _, p := range []string{"172.16.0.0/16", "10.0.5.0/24", "192.168.1.7/32"} {
		if r.metric(p) != 2 {
			t.Errorf("%s not learnt from RIP-1: %v", p, r.inst.Routes())
		}
	}
	if r.dropped(DropV1MustBeZero) != 1 {
		t.Fatalf("drops %v", r.inst.Stats().Dropped)
	}
	r2 := newRig(t, func(c *Config) { c.Interfaces[0].V2Only = true })
	r2.deliver("eth0", n2, 520, packet.Message{Command: packet.Response, Version: 1, Entries: []packet.Entry{v1("172.16.0.0", 1)}})
	if r2.metric("172.16.0.0/16") != 16 || r2.dropped(DropVersion) != 1 {
		t.Fatal("V2Only took RIP-1")
	}
}

func Test4_1_SimplePassword(t *testing.T) {
	r := newRig(t, func(c *Config) { c.Interfaces[0].Auth = AuthConfig{Mode: AuthPassword, Password: "s3cret"} })
	pw, _ := packet.Password("s3cret")
	bad, _ := packet.Password("wrong")
	m := resp(rte("172.16.0.0/16", 1))
	r.deliver("eth0", n2, 520, m)
	m.Auth = packet.Auth{Type: packet.AuthPassword, Password: bad}
	r.deliver("eth0", n2, 520, m)
	if r.metric("172.16.0.0/16") != 16 || r.dropped(DropAuthMissing) != 1 || r.dropped(DropAuthMismatch) != 1 {
		t.Fatalf("drops %v", r.inst.Stats().Dropped)
	}
	m.Auth.Password = pw
	r.deliver("eth0", n2, 520, m)
	if r.metric("172.16.0.0/16") != 2 {
		t.Fatal("right password refused")
	}
	r.advance(40 * time.Second)
	for _, s := range r.tr["eth0"].take() {
		if s.msg.Auth.Type != packet.AuthPassword || s.msg.Auth.Password != pw || len(s.msg.Entries) > 24 {
			t.Fatalf("sent %+v", s.msg.Auth)
		}
	}
}

// RFC 4822: digests with the keys in their accept lifetime, sequence
// numbers that never go backwards per neighbour, the send key that
// started last.
func TestRFC4822_CryptoAuth(t *testing.T) {
	k1 := KeyConfig{ID: 1, Algorithm: packet.AlgHMACSHA256, Secret: "one", SendEnd: epoch.Add(time.Hour), AcceptEnd: epoch.Add(2 * time.Hour)}
	k2 := KeyConfig{ID: 2, Algorithm: packet.AlgMD5, Secret: "two", SendStart: epoch.Add(time.Hour)}
	r := newRig(t, func(c *Config) { c.Interfaces[0].Auth = AuthConfig{Mode: AuthCrypto, Keys: []KeyConfig{k1, k2}} })
	send := func(k KeyConfig, seq uint32, p string) {
		m := resp(rte(p, 1))
		pk := k.key()
		m.Auth = pk.Auth(seq)
		b, _ := m.AppendBinary(nil)
		if err := packet.Sign(b, pk); err != nil {
			t.Fatal(err)
		}
		r.deliverRaw("eth0", n2, 520, b)
	}
	send(k1, 100, "172.16.0.0/16")
	if r.metric("172.16.0.0/16") != 2 {
		t.Fatalf("good digest refused: %v", r.inst.Stats().Dropped)
	}
	send(k1, 99, "172.17.0.0/16")
	if r.metric("172.17.0.0/16") != 16 || r.dropped(DropReplay) != 1 {
		t.Fatal("replayed sequence number accepted")
	}
	send(k1, 100, "172.17.0.0/16") // equal: non-decreasing is fine
	if r.metric("172.17.0.0/16") != 2 {
		t.Fatal("equal sequence number refused")
	}
	wrong := k1
	wrong.Secret = "bad"
	send(wrong, 200, "172.18.0.0/16")
	unknown := k1
	unknown.ID = 9
	send(unknown, 200, "172.18.0.0/16")
	r.deliver("eth0", n2, 520, resp(rte("172.18.0.0/16", 1)))
	if r.metric("172.18.0.0/16") != 16 || r.dropped(DropAuthMismatch) != 1 || r.dropped(DropAuthKey) != 1 || r.dropped(DropAuthMissing) != 1 {
		t.Fatalf("drops %v", r.inst.Stats().Dropped)
	}
	// What we send verifies with key 1, then key 2 after the rollover.
	r.advance(31 * time.Second)
	for _, s := range r.tr["eth0"].take() {
		if s.msg.Auth.KeyID != 1 || packet.Verify(s.raw, k1.key()) != nil {
			t.Fatalf("sent with key %d", s.msg.Auth.KeyID)
		}
	}
	r.advance(time.Hour)
	var last uint32
	for _, s := range r.tr["eth0"].take() {
		if s.msg.Auth.Seq < last {
			t.Fatalf("sequence number went back from %d to %d", last, s.msg.Auth.Seq)
		}
		last = s.msg.Auth.Seq
	}
	r.advance(31 * time.Second)
	for _, s := range r.tr["eth0"].take() {
		if s.msg.Auth.KeyID != 2 || packet.Verify(s.raw, k2.key()) != nil {
			t.Fatalf("after rollover sent with key %d", s.msg.Auth.KeyID)
		}
	}
	if got := r.inst.Interfaces()[0].SendKey; got != 2 {
		t.Fatalf("snapshot send key %d", got)
	}
	r.advance(time.Hour) // key 1 out of its accept lifetime now
	send(k1, 500, "172.19.0.0/16")
	if r.metric("172.19.0.0/16") != 16 || r.dropped(DropAuthKey) != 2 {
		t.Fatal("expired key accepted")
	}
}

func TestPassiveInterface(t *testing.T) {
	r := newRig(t, func(c *Config) { c.Interfaces[0].Passive = true })
	r.deliver("eth0", n2, 520, resp(rte("172.16.0.0/16", 1)))
	r.deliver("eth0", n2, 520, packet.Message{Command: packet.Request, Version: 2, Entries: []packet.Entry{{Metric: 16}}})
	r.advance(2 * time.Minute)
	if len(r.tr["eth0"].sent) != 0 {
		t.Fatalf("passive interface sent %+v", r.tr["eth0"].sent)
	}
	if r.metric("172.16.0.0/16") != 2 || r.dropped(DropPassive) != 1 {
		t.Fatal("passive interface must learn and ignore router requests")
	}
}

func TestUnicastNeighbors(t *testing.T) {
	r := newRig(t, func(c *Config) {
		c.Interfaces[0].NoMulticast = true
		c.Interfaces[0].Neighbors = []netip.Addr{n2, n3}
	})
	r.advance(40 * time.Second)
	dsts := map[netip.AddrPort]bool{}
	for _, s := range r.tr["eth0"].take() {
		dsts[s.dst] = true
	}
	if len(dsts) != 2 || !dsts[netip.AddrPortFrom(n2, 520)] || !dsts[netip.AddrPortFrom(n3, 520)] {
		t.Fatalf("destinations %v", dsts)
	}
	if len(r.tr["eth0"].groups) != 0 {
		t.Fatal("joined the group with NoMulticast")
	}
}

func TestMetricOffsets(t *testing.T) {
	r := newRig(t, func(c *Config) { c.Interfaces[1].MetricOut = 4 })
	r.deliver("eth0", n2, 520, resp(rte("172.16.0.0/16", 1), rte("172.17.0.0/16", 12)))
	r.advance(40 * time.Second)
	es := entriesSent(r.tr["eth1"].take())
	if es[pfx("172.16.0.0/16")].Metric != 6 || es[pfx("172.17.0.0/16")].Metric != 16 {
		t.Fatalf("sent %+v", es)
	}
}

func TestAnnounceWithdraw(t *testing.T) {
	r := newRig(t, nil)
	r.advance(time.Minute)
	r.tr["eth0"].take()
	if err := r.inst.Announce(pfx("198.51.100.10/32"), 3, 77); err != nil {
		t.Fatal(err)
	}
	e := entriesSent(r.tr["eth0"].take())[pfx("198.51.100.10/32")]
	if e.Metric != 3 || e.Tag != 77 {
		t.Fatalf("announced %+v", e)
	}
	// A learnt route to the same prefix does not displace ours.
	r.deliver("eth0", n2, 520, resp(rte("198.51.100.10/32", 1)))
	if rt, _ := r.inst.Route(pfx("198.51.100.10/32")); rt.Source != SourceAPI || rt.Metric != 3 {
		t.Fatalf("route %+v", rt)
	}
	r.advance(10 * time.Second)
	r.tr["eth0"].take()
	if err := r.inst.Withdraw(pfx("198.51.100.10/32")); err != nil {
		t.Fatal(err)
	}
	if e := entriesSent(r.tr["eth0"].take())[pfx("198.51.100.10/32")]; e.Metric != 16 {
		t.Fatalf("withdrawal sent %+v", e)
	}
	if err := r.inst.Announce(netip.PrefixFrom(ip("198.51.100.10"), 30), 1, 0); err == nil {
		t.Fatal("unmasked prefix announced")
	}
	if err := r.inst.Announce(pfx("198.51.100.0/24"), 16, 0); err == nil {
		t.Fatal("metric 16 announced")
	}
	kinds := []EventKind{}
	for _, ev := range r.events {
		if ev.Prefix == pfx("198.51.100.10/32") {
			kinds = append(kinds, ev.Kind)
		}
	}
	if len(kinds) != 2 || kinds[0] != RouteAdded || kinds[1] != RouteRemoved {
		t.Fatalf("events %v", kinds)
	}
}

func TestDefaultAndStaticRoutes(t *testing.T) {
	r := newRig(t, func(c *Config) {
		c.DefaultInformation = DefaultInformation{Originate: true, Always: true, Metric: 2}
		c.Static = []StaticRoute{{Prefix: pfx("203.0.113.0/24"), NextHop: ip("10.0.1.9"), Interface: "eth1", Metric: 5, Tag: 9}}
	})
	r.advance(40 * time.Second)
	es := entriesSent(r.tr["eth0"].take())
	if es[pfx("0.0.0.0/0")].Metric != 2 || es[pfx("203.0.113.0/24")].Metric != 5 || es[pfx("203.0.113.0/24")].Tag != 9 {
		t.Fatalf("eth0 got %+v", es)
	}
	e := entriesSent(r.tr["eth1"].take())[pfx("203.0.113.0/24")]
	if e.Metric != 16 || e.NextHop != ip("10.0.1.9") {
		t.Fatalf("eth1 got %+v", e)
	}
}

// Stop sends every route at metric 16 before closing, and empties the
// FIB.
func TestGracefulStopSendsInfinity(t *testing.T) {
	r := newRig(t, nil)
	r.deliver("eth0", n2, 520, resp(rte("172.16.0.0/16", 1)))
	if err := r.inst.Announce(pfx("198.51.100.10/32"), 1, 0); err != nil {
		t.Fatal(err)
	}
	r.advance(40 * time.Second)
	r.tr["eth1"].take()
	if err := r.inst.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	es := entriesSent(r.tr["eth1"].take())
	for _, p := range []string{"198.51.100.10/32", "172.16.0.0/16", "10.0.0.0/24"} {
		if e, ok := es[pfx(p)]; !ok || e.Metric != 16 {
			t.Errorf("%s at stop: %+v", p, e)
		}
	}
	if !r.tr["eth0"].closed || !r.tr["eth1"].closed || r.fib.Len() != 0 {
		t.Fatal("not closed or FIB not emptied")
	}
	if err := r.inst.Start(); err != ErrStopped {
		t.Fatalf("Start after Stop: %v", err)
	}
	if err := r.inst.Announce(pfx("198.51.100.11/32"), 1, 0); err != ErrStopped {
		t.Fatalf("Announce after Stop: %v", err)
	}
}

// §3.9.2 keeps one route per destination and §3.8 re-advertises every
// 30 s: a neighbour that says a worse finite metric for a route we
// originate than it would have through us gets ours in a triggered update
// (§3.10.1) at once, not at our next regular update. A neighbour saying
// 16 (it uses us: poisoned reverse) or a metric no worse than ours plus
// the link's cost gets nothing.
func TestRemindNeighbourOfOurBetterRoute_3_10_1(t *testing.T) {
	r := newRig(t, nil)
	vip := pfx("198.51.100.25/32")
	if err := r.inst.Announce(vip, 3, 0); err != nil {
		t.Fatal(err)
	}
	r.advance(time.Minute) // the start-up and announcement triggers go idle
	r.tr["eth0"].take()
	r.tr["eth1"].take()

	for _, m := range []uint32{16, 4, 2} {
		r.deliver("eth0", n2, 520, resp(rte(vip.String(), m)))
		if es := entriesSent(r.tr["eth0"].take()); len(es) != 0 {
			t.Fatalf("neighbour at %d: sent %+v, want nothing", m, es)
		}
	}
	if got := r.inst.Stats().OriginReminders; got != 0 {
		t.Fatalf("reminders %d before a worse metric", got)
	}
	r.deliver("eth0", n2, 520, resp(rte(vip.String(), 13)))
	e, ok := entriesSent(r.tr["eth0"].take())[vip]
	if !ok || e.Metric != 3 {
		t.Fatalf("neighbour at 13: sent %+v %v, want our route at 3 at once", e, ok)
	}
	if got := r.inst.Stats().OriginReminders; got != 1 {
		t.Fatalf("reminders %d, want 1", got)
	}
	// A second one within the damping time waits for it (§3.10.1).
	r.deliver("eth0", n2, 520, resp(rte(vip.String(), 13)))
	if len(r.tr["eth0"].take()) != 0 {
		t.Fatal("reminder not damped")
	}
	r.advance(5 * time.Second)
	if e := entriesSent(r.tr["eth0"].take())[vip]; e.Metric != 3 {
		t.Fatalf("damped reminder %+v", e)
	}
	if rt, _ := r.inst.Route(vip); rt.Source != SourceAPI || rt.Metric != 3 {
		t.Fatalf("our route changed: %+v", rt)
	}
}

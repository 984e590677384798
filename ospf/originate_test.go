package ospf

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/ospf/packet"
)

// Origination of self-originated LSAs: RFC 2328 §12.4 (MinLSInterval,
// LSRefreshTime), §12.4.1-§12.4.2 (contents), §12.1.6 (sequence wrap).

func ourRouterLSA(t *testing.T, h *harness) LSAEntry {
	t.Helper()
	e, ok := h.in.LookupLSA(packet.LSAKey{Type: packet.LSTypeRouter, ID: h.rid, AdvRouter: h.rid})
	if !ok {
		t.Fatal("no router-LSA of ours")
	}
	return e
}

func Test12_4_MinLSInterval(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	if e := ourRouterLSA(t, h); e.LSA.Header.Seq != packet.InitialSequenceNumber || len(e.LSA.Router.Links) != 1 {
		t.Fatalf("first router-LSA %+v", e.LSA)
	}
	// Full one moment later: the new contents wait for MinLSInterval.
	h.hello(true)
	h.dd(packet.DDFlagI|packet.DDFlagM|packet.DDFlagMS, 1)
	h.dd(packet.DDFlagMS, 2)
	h.wantNbr(NbrFull)
	h.clock.Advance(MinLSInterval - time.Millisecond)
	if e := ourRouterLSA(t, h); e.LSA.Header.Seq != packet.InitialSequenceNumber {
		t.Fatalf("new instance before MinLSInterval: seq %#x", uint32(e.LSA.Header.Seq))
	}
	h.clock.Advance(time.Millisecond)
	e := ourRouterLSA(t, h)
	if e.LSA.Header.Seq != packet.InitialSequenceNumber+1 || !slices.Equal(linkTypes(e.LSA.Router), []string{"PointToPoint:9.9.9.9", "Stub:10.0.0.0"}) {
		t.Fatalf("after MinLSInterval: %+v", e.LSA)
	}
}

func Test12_4_LSRefreshTime(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	// Refreshed at LSRefreshTime less its jitter (at most
	// refreshJitterMax), not before.
	h.clock.Advance(lsRefresh - refreshJitterMax)
	e := ourRouterLSA(t, h)
	if e.LSA.Header.Seq != packet.InitialSequenceNumber {
		t.Fatalf("refreshed before LSRefreshTime - refreshJitterMax: %+v", e.LSA.Header)
	}
	h.clock.Advance(refreshJitterMax)
	e = ourRouterLSA(t, h)
	if e.LSA.Header.Seq != packet.InitialSequenceNumber+1 || e.LSA.Header.Age >= uint16(refreshJitterMax/time.Second) {
		t.Fatalf("not refreshed by LSRefreshTime: %+v", e.LSA.Header)
	}
	// Refreshed again and again: it never reaches MaxAge. In 3 h, 6 or
	// 7 more refreshes, 27 to 30 minutes apart.
	h.clock.Advance(3 * time.Hour)
	if e = ourRouterLSA(t, h); e.LSA.Header.Age >= packet.LSRefreshTime || e.LSA.Header.Seq < packet.InitialSequenceNumber+7 || e.LSA.Header.Seq > packet.InitialSequenceNumber+8 {
		t.Fatalf("after 3 h: %+v", e.LSA.Header)
	}
}

// Test12_4_RefreshJitterSpreads: a thousand LSA keys originated at the
// same moment are refreshed over refreshJitterMax, not in one second.
func Test12_4_RefreshJitterSpreads(t *testing.T) {
	perMinute := map[time.Duration]int{}
	for i := range 1000 {
		k := packet.LSAKey{Type: packet.LSTypeASExternal, ID: netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)}), AdvRouter: netip.MustParseAddr("1.1.1.1")}
		j := refreshJitter(k, packet.InitialSequenceNumber)
		if j < 0 || j >= refreshJitterMax {
			t.Fatalf("jitter %v out of [0, %v)", j, refreshJitterMax)
		}
		perMinute[j/time.Minute]++
	}
	for m, n := range perMinute {
		if n > 450 {
			t.Errorf("%d of 1,000 refreshes in minute %v of the jitter window", n, m)
		}
	}
	if len(perMinute) != int(refreshJitterMax/time.Minute) {
		t.Errorf("refreshes fall in %d minutes of %v", len(perMinute), refreshJitterMax)
	}
}

func Test12_1_6_SequenceNumberWrap(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	h.full()
	h.ackOurs()
	// A neighbor holds our router-LSA at MaxSequenceNumber (§13.4 makes
	// us go past it, which is impossible): flush it first.
	h.lsu(peerRouterLSA(t, "1.1.1.1", packet.MaxSequenceNumber, 5))
	h.clock.Advance(MinLSInterval)
	ups := ofType(h.tr.take(t), packet.TypeLSUpdate)
	var flush packet.LSAHeader
	for _, u := range ups {
		for _, l := range u.p.LSU.LSAs {
			if l.Header.AdvRouter == h.rid {
				flush = l.Header
			}
		}
	}
	if flush.Seq != packet.MaxSequenceNumber || packet.LSAge(flush.Age) != packet.MaxAge {
		t.Fatalf("want our LSA flushed at MaxSequenceNumber and MaxAge, sent %+v", ups)
	}
	// Until every neighbor acknowledges the flush, no new instance.
	h.clock.Advance(2 * time.Second)
	if e := ourRouterLSA(t, h); e.LSA.Header.Seq != packet.MaxSequenceNumber {
		t.Fatalf("new instance before the flush was acknowledged: %+v", e.LSA.Header)
	}
	h.ack(flush)
	h.clock.Advance(2 * time.Second)
	e := ourRouterLSA(t, h)
	if e.LSA.Header.Seq != packet.InitialSequenceNumber || packet.LSAge(e.LSA.Header.Age) == packet.MaxAge {
		t.Fatalf("after the wrap: %+v, want a fresh instance at InitialSequenceNumber", e.LSA.Header)
	}
}

func Test12_4_2_NetworkLSAWhileDR(t *testing.T) {
	h := newHarness(t, NetworkBroadcast, func(ic *InterfaceConfig) { ic.Priority = Priority(10) })
	h.hello(true)
	h.clock.Advance(h.ic.deadInterval() - time.Second)
	h.hello(true)
	h.clock.Advance(time.Second) // Wait Timer: we are elected DR
	st := h.in.Interfaces()[0]
	if st.State != IfDR || st.BDR != h.peer {
		t.Fatalf("after the Wait Timer: %+v", st)
	}
	if !h.tr.groups[packet.AllDRouters] {
		t.Error("DR did not join AllDRouters")
	}
	h.hello(true, func(hl *packet.Hello) { hl.DesignatedRouter = h.me; hl.BackupDesignatedRouter = h.peer })
	h.wantNbr(NbrExStart)
	h.dd(packet.DDFlagI|packet.DDFlagM|packet.DDFlagMS, 1)
	h.dd(packet.DDFlagMS, 2)
	h.wantNbr(NbrFull)
	h.clock.Advance(MinLSInterval)
	k := packet.LSAKey{Type: packet.LSTypeNetwork, ID: h.me, AdvRouter: h.rid}
	n, ok := h.in.LookupLSA(k)
	if !ok || n.LSA.Network.NetworkMask != packet.Mask(24) ||
		!slices.Equal(n.LSA.Network.AttachedRouters, []netip.Addr{h.rid, h.prid}) {
		t.Fatalf("network-LSA %+v", n.LSA)
	}
	if got := linkTypes(ourRouterLSA(t, h).LSA.Router); !slices.Equal(got, []string{"Transit:10.0.0.1"}) {
		t.Errorf("router-LSA links %v, want a transit link to the DR (us)", got)
	}
	// The neighbor dies: no adjacency left, the network-LSA is flushed
	// (§12.4.2) and the link becomes a stub (§12.4.1.2).
	h.clock.Advance(h.ic.deadInterval() + MinLSInterval)
	n, ok = h.in.LookupLSA(k)
	if ok && packet.LSAge(n.LSA.Header.Age) != packet.MaxAge {
		t.Errorf("network-LSA not flushed: %+v", n.LSA.Header)
	}
	if got := linkTypes(ourRouterLSA(t, h).LSA.Router); !slices.Equal(got, []string{"Stub:10.0.0.0"}) {
		t.Errorf("router-LSA links %v, want the stub network", got)
	}
}

func Test12_4_1_PassiveInterface(t *testing.T) {
	h := newHarness(t, NetworkBroadcast, func(ic *InterfaceConfig) { ic.Passive = true })
	if hs := ofType(h.tr.take(t), packet.TypeHello); len(hs) != 0 {
		t.Errorf("passive interface sent hellos")
	}
	h.hello(true)
	if len(h.in.Neighbors()) != 0 {
		t.Error("passive interface formed a neighbor")
	}
	h.clock.Advance(time.Second)
	if got := linkTypes(ourRouterLSA(t, h).LSA.Router); !slices.Equal(got, []string{"Stub:10.0.0.0"}) {
		t.Errorf("passive interface advertised as %v, want its stub network", got)
	}
}

func TestOriginationSources(t *testing.T) {
	// Another part of the package (redistribution) contributes
	// self-originated LSAs: they are originated, refreshed with the rest,
	// and flushed when the source stops returning them.
	h := newHarness(t, NetworkPointToPoint)
	ext := packet.LSA{Header: packet.LSAHeader{Options: packet.OptE, Type: packet.LSTypeASExternal, ID: netip.MustParseAddr("192.0.2.0")}}
	ext.External.NetworkMask = packet.Mask(24)
	ext.External.Metric = 20
	want := true
	h.in.mu.Lock()
	h.in.orig.sources = append(h.in.orig.sources, func() []packet.LSA {
		if want {
			return []packet.LSA{ext}
		}
		return nil
	})
	h.in.orig.dirty = true
	h.in.settleAndUnlock()
	k := packet.LSAKey{Type: packet.LSTypeASExternal, ID: ext.Header.ID, AdvRouter: h.rid}
	e, ok := h.in.LookupLSA(k)
	if !ok || !e.SelfOriginated || e.LSA.External.Metric != 20 {
		t.Fatalf("contributed LSA not originated: %+v", e)
	}
	h.clock.Advance(time.Minute)
	if e2, _ := h.in.LookupLSA(k); e2.LSA.Header.Seq != e.LSA.Header.Seq {
		t.Fatal("unchanged contributed LSA re-originated")
	}
	h.in.mu.Lock()
	want = false
	h.in.orig.dirty = true
	h.in.settleAndUnlock()
	if e, _ := h.in.LookupLSA(k); packet.LSAge(e.LSA.Header.Age) != packet.MaxAge {
		t.Fatalf("withdrawn contributed LSA not flushed: %+v", e.LSA.Header)
	}
}

func Test12_4_MinLSIntervalConfigured(t *testing.T) {
	// As FRR's `timers throttle lsa all 100`: the router-LSA listing the
	// new adjacency follows 100 ms after the first, not 5 s.
	h := newHarnessConfig(t, NetworkPointToPoint, func(c *Config) {
		c.MinLSInterval = 100 * time.Millisecond
		c.MinLSArrival = 50 * time.Millisecond
	})
	h.hello(true)
	h.dd(packet.DDFlagI|packet.DDFlagM|packet.DDFlagMS, 1)
	h.dd(packet.DDFlagMS, 2)
	h.wantNbr(NbrFull)
	h.clock.Advance(99 * time.Millisecond)
	if e := ourRouterLSA(t, h); e.LSA.Header.Seq != packet.InitialSequenceNumber {
		t.Fatalf("new instance before the configured MinLSInterval: seq %#x", uint32(e.LSA.Header.Seq))
	}
	h.clock.Advance(time.Millisecond)
	if e := ourRouterLSA(t, h); e.LSA.Header.Seq != packet.InitialSequenceNumber+1 || len(e.LSA.Router.Links) != 2 {
		t.Fatalf("after the configured MinLSInterval: %+v", e.LSA)
	}
}

func Test13_4_NewerSelfOriginatedReplacedAtOnce(t *testing.T) {
	// §13.4: a neighbor floods an instance of our router-LSA newer than
	// ours, with contents we never sent (left from before a restart).
	// We originate one sequence number past it at once: MinLSInterval
	// limits how often we change our LSAs, not how long the whole area
	// may route on a stale copy.
	h := newHarness(t, NetworkPointToPoint)
	h.full()
	h.ackOurs()
	before := ourRouterLSA(t, h)
	h.tr.take(t)
	stale := before.LSA
	stale.Header.Seq = before.LSA.Header.Seq + 7
	stale.Header.Age = 30
	stale.Router.Links = append(slices.Clone(stale.Router.Links),
		packet.RouterLink{ID: netip.MustParseAddr("172.16.0.0"), Data: netip.MustParseAddr("255.255.0.0"), Type: packet.LinkStub, Metric: 1})
	h.lsu(mkLSA(t, stale))
	h.clock.Advance(time.Millisecond)
	e := ourRouterLSA(t, h)
	if e.LSA.Header.Seq != stale.Header.Seq+1 {
		t.Fatalf("seq after §13.4 = %#x, want %#x (one past the received instance)", uint32(e.LSA.Header.Seq), uint32(stale.Header.Seq+1))
	}
	if !slices.Equal(linkTypes(e.LSA.Router), linkTypes(before.LSA.Router)) {
		t.Fatalf("§13.4 instance carries %v, want our own links %v", linkTypes(e.LSA.Router), linkTypes(before.LSA.Router))
	}
	var flooded bool
	for _, u := range ofType(h.tr.take(t), packet.TypeLSUpdate) {
		for _, l := range u.p.LSU.LSAs {
			if l.Header.Key() == e.Key() && l.Header.Seq == stale.Header.Seq+1 {
				flooded = true
			}
		}
	}
	if !flooded {
		t.Fatal("the replacement instance was not flooded at once")
	}
}

func TestConfig_LSTimers(t *testing.T) {
	base := Config{RouterID: netip.MustParseAddr("1.1.1.1")}
	for _, c := range []struct {
		name          string
		interval, arr time.Duration
		ok            bool
	}{
		{"defaults", 0, 0, true},
		{"fast", 50 * time.Millisecond, 40 * time.Millisecond, true},
		{"arrival above interval", 50 * time.Millisecond, 0, false}, // default arrival 1 s > 50 ms
		{"negative", -time.Second, 0, false},
		{"huge", 2 * time.Hour, 0, false},
	} {
		cfg := base
		cfg.MinLSInterval, cfg.MinLSArrival = c.interval, c.arr
		err := cfg.Validate()
		if (err == nil) != c.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", c.name, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "MinLS") {
			t.Errorf("%s: error %q does not name the field", c.name, err)
		}
	}
}

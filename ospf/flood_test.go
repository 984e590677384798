package ospf

import (
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing/ospf/packet"
)

// Step tests for the flooding procedure, named after the numbered steps
// of RFC 2328 §13, §13.3, §13.5, §13.6 and §13.7.

func TestHarnessFull(t *testing.T) {
	for _, nt := range []NetworkType{NetworkPointToPoint, NetworkBroadcast} {
		h := newHarness(t, nt)
		h.full()
		if n, _ := h.nbr(); n.Master {
			t.Errorf("%v: we are master of 9.9.9.9", nt)
		}
	}
}

func Test13_Step1_BadChecksumDropped(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	h.full()
	raw := peerRouterLSA(t, "9.9.9.9", packet.InitialSequenceNumber, 1)
	raw[len(raw)-1] ^= 0xff // corrupt the body: the checksum no longer verifies
	var u packet.LSUpdate
	l, _ := packet.ParseLSA(raw)
	u.LSAs = []packet.LSA{l}
	// Encode by hand to keep the wrong checksum (AppendBinary would fix it).
	b, _ := (&packet.Packet{Header: packet.Header{Type: packet.TypeLSUpdate, RouterID: h.prid, AreaID: netip.IPv4Unspecified()}, LSU: u}).AppendBinary(nil)
	copy(b[packet.HeaderLen+4:], raw)
	b = fixPacketChecksum(b)
	h.deliverRaw(h.peer, packet.AllSPFRouters, b)
	if _, ok := h.in.LookupLSA(hdrOf(t, raw).Key()); ok {
		t.Error("LSA with a bad checksum installed")
	}
	if d := h.in.Stats().Dropped[DropLSAChecksum]; d != 1 {
		t.Errorf("lsa-checksum drops = %d, want 1", d)
	}
	h.clock.Advance(2 * time.Second)
	if acks := ofType(h.tr.take(t), packet.TypeLSAck); len(acks) != 0 {
		t.Errorf("bad LSA acknowledged: %+v", acks)
	}
}

// fixPacketChecksum recomputes the OSPF checksum of an AuType 0 packet.
func fixPacketChecksum(b []byte) []byte {
	b[offChecksum], b[offChecksum+1] = 0, 0
	s := packet.PacketChecksum(b)
	b[offChecksum], b[offChecksum+1] = byte(s>>8), byte(s)
	return b
}

func Test13_Step2_UnknownTypeDropped(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	h.full()
	l := packet.LSA{Header: packet.LSAHeader{Age: 1, Options: packet.OptE | packet.OptO, Type: packet.LSTypeOpaqueArea, ID: packet.OpaqueLSID(1, 1), AdvRouter: h.prid, Seq: packet.InitialSequenceNumber}}
	l.Opaque.Data = []byte{1, 2, 3, 4}
	raw := mkLSA(t, l)
	h.lsu(raw)
	if _, ok := h.in.LookupLSA(l.Header.Key()); ok {
		t.Error("opaque LSA installed although we do not handle opaque LSAs")
	}
	if d := h.in.Stats().Dropped[DropLSAType]; d != 1 {
		t.Errorf("lsa-type drops = %d, want 1", d)
	}
}

func Test13_Step4_MaxAgeUnknownAckedDirectly(t *testing.T) {
	h := newHarness(t, NetworkBroadcast)
	h.full()
	h.ackOurs()
	raw := peerRouterLSA(t, "7.7.7.7", packet.InitialSequenceNumber, packet.MaxAge)
	h.lsu(raw)
	if _, ok := h.in.LookupLSA(hdrOf(t, raw).Key()); ok {
		t.Error("MaxAge LSA we did not hold was installed")
	}
	acks := ofType(h.tr.take(t), packet.TypeLSAck)
	if len(acks) != 1 || acks[0].dst != h.peer || acks[0].p.LSAck.LSAHeaders[0].Key() != hdrOf(t, raw).Key() {
		t.Fatalf("want one direct (unicast) ack to %v, got %+v", h.peer, acks)
	}
}

func Test13_Step5_NewerInstalledAndDelayedAck(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	h.full()
	h.ackOurs()
	raw := peerRouterLSA(t, "9.9.9.9", packet.InitialSequenceNumber+1, 3)
	h.lsu(raw)
	e, ok := h.in.LookupLSA(hdrOf(t, raw).Key())
	if !ok || e.LSA.Header.Seq != packet.InitialSequenceNumber+1 {
		t.Fatalf("not installed: %+v", e)
	}
	// §13.3 step 1c: not flooded back to its sender; §13.5: a delayed
	// ack, not an immediate one.
	if sent := h.tr.take(t); len(ofType(sent, packet.TypeLSUpdate))+len(ofType(sent, packet.TypeLSAck)) != 0 {
		t.Fatalf("sent at once: %+v", sent)
	}
	h.clock.Advance(time.Second)
	acks := ofType(h.tr.take(t), packet.TypeLSAck)
	if len(acks) != 1 || acks[0].dst != packet.AllSPFRouters {
		t.Fatalf("want one delayed ack to AllSPFRouters, got %+v", acks)
	}
	if got := acks[0].p.LSAck.LSAHeaders[0]; got.Key() != hdrOf(t, raw).Key() || got.Seq != packet.InitialSequenceNumber+1 {
		t.Errorf("ack for %+v", got)
	}
}

func Test13_Step5a_MinLSArrival(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	h.full()
	h.lsu(peerRouterLSA(t, "9.9.9.9", packet.InitialSequenceNumber+1, 1))
	h.clock.Advance(500 * time.Millisecond)
	h.lsu(peerRouterLSA(t, "9.9.9.9", packet.InitialSequenceNumber+2, 1))
	k := packet.LSAKey{Type: packet.LSTypeRouter, ID: h.prid, AdvRouter: h.prid}
	if e, _ := h.in.LookupLSA(k); e.LSA.Header.Seq != packet.InitialSequenceNumber+1 {
		t.Fatalf("instance within MinLSArrival accepted: seq %#x", uint32(e.LSA.Header.Seq))
	}
	if d := h.in.Stats().Dropped[DropLSAMinArrival]; d != 1 {
		t.Errorf("lsa-min-arrival drops = %d", d)
	}
	h.clock.Advance(600 * time.Millisecond)
	h.lsu(peerRouterLSA(t, "9.9.9.9", packet.InitialSequenceNumber+2, 1))
	if e, _ := h.in.LookupLSA(k); e.LSA.Header.Seq != packet.InitialSequenceNumber+2 {
		t.Fatalf("instance after MinLSArrival refused: seq %#x", uint32(e.LSA.Header.Seq))
	}
}

func Test13_Step5f_SelfOriginatedNewerIsOutdone(t *testing.T) {
	// §13.4: a neighbor floods a newer instance of our router-LSA (left
	// from a previous incarnation): we originate one past it.
	h := newHarness(t, NetworkPointToPoint)
	h.full()
	h.ackOurs()
	stale := peerRouterLSA(t, "1.1.1.1", packet.InitialSequenceNumber+100, 50)
	h.lsu(stale)
	// The new instance may wait for MinLSInterval since our last one.
	h.clock.Advance(MinLSInterval)
	k := packet.LSAKey{Type: packet.LSTypeRouter, ID: h.rid, AdvRouter: h.rid}
	e, _ := h.in.LookupLSA(k)
	if e.LSA.Header.Seq != packet.InitialSequenceNumber+101 || !e.SelfOriginated || len(e.LSA.Router.Links) != 2 {
		t.Fatalf("our router-LSA after §13.4: %+v", e.LSA)
	}
	ups := ofType(h.tr.take(t), packet.TypeLSUpdate)
	if len(ups) == 0 || ups[len(ups)-1].p.LSU.LSAs[0].Header.Seq != packet.InitialSequenceNumber+101 {
		t.Fatalf("new instance not flooded: %+v", ups)
	}
}

func Test13_4_SelfOriginatedUnwantedIsFlushed(t *testing.T) {
	// §13.4: a network-LSA of ours we no longer originate (we are not DR)
	// is flushed by premature aging.
	h := newHarness(t, NetworkPointToPoint)
	h.full()
	h.ackOurs()
	l := packet.LSA{Header: packet.LSAHeader{Age: 10, Options: packet.OptE, Type: packet.LSTypeNetwork, ID: netip.MustParseAddr("10.5.5.1"), AdvRouter: h.rid, Seq: packet.InitialSequenceNumber + 3}}
	l.Network.NetworkMask = packet.Mask(24)
	l.Network.AttachedRouters = []netip.Addr{h.rid, h.prid}
	h.lsu(mkLSA(t, l))
	e, ok := h.in.LookupLSA(l.Header.Key())
	if !ok || packet.LSAge(e.LSA.Header.Age) != packet.MaxAge {
		t.Fatalf("unwanted self-originated LSA not flushed: %+v", e.LSA.Header)
	}
	h.clock.Advance(10 * time.Millisecond)
	ups := ofType(h.tr.take(t), packet.TypeLSUpdate)
	if len(ups) != 1 || packet.LSAge(ups[0].p.LSU.LSAs[0].Header.Age) != packet.MaxAge {
		t.Fatalf("flush not flooded: %+v", ups)
	}
}

func Test13_Step7a_ImpliedAck(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	h.full()
	// Our router-LSA, flooded at Full, waits on the peer's
	// retransmission list; the peer floods the same instance back.
	n, _ := h.nbr()
	if n.RetransmitList == 0 {
		t.Fatal("nothing on the retransmission list after Full")
	}
	e, _ := h.in.LookupLSA(packet.LSAKey{Type: packet.LSTypeRouter, ID: h.rid, AdvRouter: h.rid})
	raw := mkLSA(t, e.LSA)
	h.lsu(raw)
	if n, _ = h.nbr(); n.RetransmitList != 0 {
		t.Errorf("implied ack left %d on the retransmission list", n.RetransmitList)
	}
	h.clock.Advance(2 * time.Second)
	if acks := ofType(h.tr.take(t), packet.TypeLSAck); len(acks) != 0 {
		t.Errorf("§13.5: an implied ack is not acknowledged outside state Backup, got %+v", acks)
	}
}

func Test13_Step7b_DuplicateAckedDirectly(t *testing.T) {
	h := newHarness(t, NetworkBroadcast)
	h.full()
	h.ackOurs()
	raw := peerRouterLSA(t, "9.9.9.9", packet.InitialSequenceNumber+1, 1)
	h.lsu(raw)
	h.clock.Advance(2 * time.Second)
	h.tr.take(t)
	h.lsu(raw) // the same instance again
	acks := ofType(h.tr.take(t), packet.TypeLSAck)
	if len(acks) != 1 || acks[0].dst != h.peer {
		t.Fatalf("want a direct ack to %v, got %+v", h.peer, acks)
	}
}

func Test13_Step8_OlderInstanceAnsweredWithOurs(t *testing.T) {
	h := newHarness(t, NetworkBroadcast)
	h.full()
	h.ackOurs()
	h.lsu(peerRouterLSA(t, "7.7.7.7", packet.InitialSequenceNumber+5, 1))
	h.clock.Advance(2 * time.Second)
	h.tr.take(t)
	h.lsu(peerRouterLSA(t, "7.7.7.7", packet.InitialSequenceNumber+2, 1))
	ups := ofType(h.tr.take(t), packet.TypeLSUpdate)
	if len(ups) != 1 || ups[0].dst != h.peer || ups[0].p.LSU.LSAs[0].Header.Seq != packet.InitialSequenceNumber+5 {
		t.Fatalf("want our newer copy sent directly to %v, got %+v", h.peer, ups)
	}
	if n, _ := h.nbr(); n.RetransmitList != 0 {
		t.Errorf("§13 step 8: the copy sent back is not put on the retransmission list")
	}
	// At most once per MinLSArrival.
	h.lsu(peerRouterLSA(t, "7.7.7.7", packet.InitialSequenceNumber+2, 1))
	if ups := ofType(h.tr.take(t), packet.TypeLSUpdate); len(ups) != 0 {
		t.Errorf("sent back twice within MinLSArrival")
	}
}

func Test13_6_RetransmitUntilAcked(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint, func(ic *InterfaceConfig) { ic.RetransmitInterval = 5 * time.Second })
	h.full() // our router-LSA was just flooded
	k := packet.LSAKey{Type: packet.LSTypeRouter, ID: h.rid, AdvRouter: h.rid}
	h.clock.Advance(4 * time.Second)
	if ups := ofType(h.tr.take(t), packet.TypeLSUpdate); len(ups) != 0 {
		t.Fatalf("retransmitted before RxmtInterval: %+v", ups)
	}
	h.clock.Advance(1100 * time.Millisecond)
	ups := ofType(h.tr.take(t), packet.TypeLSUpdate)
	if len(ups) != 1 || ups[0].p.LSU.LSAs[0].Header.Key() != k {
		t.Fatalf("want our router-LSA retransmitted after RxmtInterval, got %+v", ups)
	}
	// §13.7: an ack for another instance does not count...
	e, _ := h.in.LookupLSA(k)
	other := e.LSA.Header
	other.Seq--
	h.ack(other)
	if n, _ := h.nbr(); n.RetransmitList != 1 {
		t.Fatalf("ack of a different instance accepted")
	}
	// ...the right one does.
	h.ack(e.LSA.Header)
	if n, _ := h.nbr(); n.RetransmitList != 0 {
		t.Fatalf("ack not accepted")
	}
	h.clock.Advance(10 * time.Second)
	if ups := ofType(h.tr.take(t), packet.TypeLSUpdate); len(ups) != 0 {
		t.Errorf("retransmitted after the ack: %+v", ups)
	}
}

func Test13_3_BroadcastFloodDestination(t *testing.T) {
	// §13.3 step 5 and §13.5: a DROther floods and sends delayed acks to
	// AllDRouters; the DR and BDR to AllSPFRouters.
	for _, c := range []struct {
		prio uint8
		want InterfaceState
		dst  netip.Addr
	}{{0, IfDROther, packet.AllDRouters}, {1, IfBackup, packet.AllSPFRouters}} {
		h := newHarness(t, NetworkBroadcast, func(ic *InterfaceConfig) { ic.Priority = Priority(c.prio) })
		h.full()
		h.ackOurs()
		if st := h.in.Interfaces()[0].State; st != c.want {
			t.Fatalf("priority %d: interface %v, want %v", c.prio, st, c.want)
		}
		h.lsu(peerRouterLSA(t, "7.7.7.7", packet.InitialSequenceNumber, 1))
		h.clock.Advance(2 * time.Second)
		acks := ofType(h.tr.take(t), packet.TypeLSAck)
		if c.want == IfBackup {
			// §13.5: in state Backup only LSAs from the DR are acked
			// (delayed); the peer is the DR here.
			if len(acks) != 1 || acks[0].dst != c.dst {
				t.Errorf("Backup: acks %+v, want one to %v", acks, c.dst)
			}
			continue
		}
		if len(acks) != 1 || acks[0].dst != c.dst {
			t.Errorf("%v: acks %+v, want one delayed ack to %v", c.want, acks, c.dst)
		}
	}
}

func Test14_AgingToMaxAgeFloodsAndRemoves(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	h.full()
	h.ackOurs()
	raw := peerRouterLSA(t, "7.7.7.7", packet.InitialSequenceNumber, packet.MaxAge-10)
	k := hdrOf(t, raw).Key()
	h.lsu(raw)
	h.clock.Advance(2 * time.Second)
	h.tr.take(t)
	h.clock.Advance(9 * time.Second)
	if e, ok := h.in.LookupLSA(k); !ok || packet.LSAge(e.LSA.Header.Age) != packet.MaxAge {
		t.Fatalf("LSA did not reach MaxAge: %+v", e.LSA.Header)
	}
	// §14: reflooded at MaxAge...
	ups := ofType(h.tr.take(t), packet.TypeLSUpdate)
	if len(ups) != 1 || packet.LSAge(ups[0].p.LSU.LSAs[0].Header.Age) != packet.MaxAge {
		t.Fatalf("MaxAge LSA not flooded: %+v", ups)
	}
	// ...and removed once acknowledged.
	h.ack(ups[0].p.LSU.LSAs[0].Header)
	h.clock.Advance(2 * time.Second)
	if _, ok := h.in.LookupLSA(k); ok {
		t.Fatal("MaxAge LSA not removed after acknowledgment")
	}
}

func Test14_1_StopFlushesSelfOriginated(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	h.full()
	if err := h.in.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	ups := ofType(h.tr.take(t), packet.TypeLSUpdate)
	if len(ups) != 1 {
		t.Fatalf("want one LS Update flushing our LSAs, got %+v", ups)
	}
	l := ups[0].p.LSU.LSAs[0]
	if l.Header.AdvRouter != h.rid || packet.LSAge(l.Header.Age) != packet.MaxAge {
		t.Errorf("flush carries %+v, want our router-LSA at MaxAge", l.Header)
	}
	if !h.tr.closed {
		t.Error("transport not closed")
	}
}

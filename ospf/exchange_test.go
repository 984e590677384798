package ospf

import (
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing/ospf/packet"
)

// Step tests for the database exchange (RFC 2328 §10.6-§10.9) and the
// neighbor state machine driven by real packets (§10.3).

func Test10_3_ExStart_SendsInitialDD(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint, func(ic *InterfaceConfig) { ic.RetransmitInterval = 2 * time.Second })
	h.hello(true)
	h.wantNbr(NbrExStart)
	dds := ofType(h.tr.take(t), packet.TypeDatabaseDescription)
	if len(dds) != 1 {
		t.Fatalf("want one DD, got %d", len(dds))
	}
	dd := dds[0].p.DD
	if dd.Flags != packet.DDFlagI|packet.DDFlagM|packet.DDFlagMS || len(dd.LSAHeaders) != 0 || dd.InterfaceMTU != 1500 {
		t.Errorf("initial DD %+v, want I|M|MS, empty, MTU 1500", dd)
	}
	// §10.8: retransmitted every RxmtInterval while in ExStart.
	h.clock.Advance(2 * time.Second)
	again := ofType(h.tr.take(t), packet.TypeDatabaseDescription)
	if len(again) != 1 || again[0].p.DD.Seq != dd.Seq {
		t.Errorf("DD not retransmitted after RxmtInterval: %+v", again)
	}
}

func Test10_6_ExStart_LowerRouterIDBecomesMaster(t *testing.T) {
	// The peer (9.9.9.9) answers our I|M|MS as slave only if its Router
	// ID were lower; here we make the peer's Router ID lower.
	h := newHarness(t, NetworkPointToPoint)
	h.prid = netip.MustParseAddr("0.0.0.9")
	h.hello(true)
	dd := ofType(h.tr.take(t), packet.TypeDatabaseDescription)[0].p.DD
	// The slave's reply: no I, no MS, our sequence number.
	h.dd(packet.DDFlagM, dd.Seq)
	h.wantNbr(NbrExchange)
	n, _ := h.nbr()
	if !n.Master {
		t.Fatal("we are not master")
	}
	next := ofType(h.tr.take(t), packet.TypeDatabaseDescription)
	if len(next) != 1 || next[0].p.DD.Seq != dd.Seq+1 || next[0].p.DD.Flags&packet.DDFlagMS == 0 || len(next[0].p.DD.LSAHeaders) != 1 {
		t.Fatalf("master's next DD %+v, want seq+1 with MS and our router-LSA", next)
	}
	// The slave answers with M clear: our last DD had M clear too, so
	// ExchangeDone, and with nothing to request, Full.
	h.dd(0, dd.Seq+1)
	h.wantNbr(NbrFull)
}

func Test10_6_Exchange_SlaveRepeatsOnDuplicate(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	h.hello(true)
	h.tr.take(t)
	h.dd(packet.DDFlagI|packet.DDFlagM|packet.DDFlagMS, 700)
	h.wantNbr(NbrExchange)
	first := ofType(h.tr.take(t), packet.TypeDatabaseDescription)
	h.dd(packet.DDFlagI|packet.DDFlagM|packet.DDFlagMS, 700) // the master's packet again
	h.wantNbr(NbrExchange)
	again := ofType(h.tr.take(t), packet.TypeDatabaseDescription)
	if len(first) != 1 || len(again) != 1 || again[0].p.DD.Seq != first[0].p.DD.Seq || again[0].p.DD.Flags != first[0].p.DD.Flags {
		t.Fatalf("slave did not repeat its last DD: first %+v, again %+v", first, again)
	}
}

func Test10_6_Exchange_SeqNumberMismatch(t *testing.T) {
	for _, c := range []struct {
		name  string
		flags packet.DDFlags
		seq   uint32
	}{
		{"out of sequence", packet.DDFlagMS, 799},
		{"I bit set", packet.DDFlagI | packet.DDFlagMS, 801},
		{"MS bit inconsistent", 0, 801},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, NetworkPointToPoint)
			h.hello(true)
			h.dd(packet.DDFlagI|packet.DDFlagM|packet.DDFlagMS, 800)
			h.wantNbr(NbrExchange)
			h.tr.take(t)
			h.dd(c.flags, c.seq)
			h.wantNbr(NbrExStart)
			dds := ofType(h.tr.take(t), packet.TypeDatabaseDescription)
			if len(dds) != 1 || dds[0].p.DD.Flags != packet.DDFlagI|packet.DDFlagM|packet.DDFlagMS {
				t.Errorf("after SeqNumberMismatch, want a new initial DD, got %+v", dds)
			}
		})
	}
}

func Test10_6_Full_NonDuplicateIsSeqNumberMismatch(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	h.full()
	h.dd(packet.DDFlagI|packet.DDFlagM|packet.DDFlagMS, 9999)
	h.wantNbr(NbrExStart)
}

func Test10_6_MTUTooLargeRejected(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		h := newHarness(t, NetworkPointToPoint, func(ic *InterfaceConfig) { ic.MTUIgnore = ignore })
		h.hello(true)
		h.send(packet.AllSPFRouters, packet.Packet{Header: packet.Header{Type: packet.TypeDatabaseDescription},
			DD: packet.DatabaseDescription{InterfaceMTU: 9000, Options: packet.OptE, Flags: packet.DDFlagI | packet.DDFlagM | packet.DDFlagMS, Seq: 1}})
		if ignore {
			h.wantNbr(NbrExchange)
		} else {
			h.wantNbr(NbrExStart)
			if d := h.in.Stats().Dropped[DropMTU]; d != 1 {
				t.Errorf("mtu-mismatch drops = %d", d)
			}
		}
	}
}

func Test10_9_RequestsWhatIsNewer(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint, func(ic *InterfaceConfig) { ic.RetransmitInterval = 3 * time.Second })
	h.hello(true)
	raw := peerRouterLSA(t, "9.9.9.9", packet.InitialSequenceNumber+4, 2)
	hdr := hdrOf(t, raw)
	h.dd(packet.DDFlagI|packet.DDFlagM|packet.DDFlagMS, 900)
	h.dd(packet.DDFlagMS, 901, hdr)
	// ExchangeDone with a non-empty request list: Loading, and an LS
	// Request for the LSA.
	h.wantNbr(NbrLoading)
	lsrs := ofType(h.tr.take(t), packet.TypeLSRequest)
	if len(lsrs) != 1 || len(lsrs[0].p.LSR.Requests) != 1 || lsrs[0].p.LSR.Requests[0] != hdr.Key() {
		t.Fatalf("want an LS Request for %v, got %+v", hdr.Key(), lsrs)
	}
	// Unanswered, it is repeated after RxmtInterval.
	h.clock.Advance(3 * time.Second)
	if again := ofType(h.tr.take(t), packet.TypeLSRequest); len(again) != 1 {
		t.Fatalf("LS Request not retransmitted: %+v", again)
	}
	// The answer empties the list: LoadingDone, Full.
	h.lsu(raw)
	h.wantNbr(NbrFull)
}

func Test13_Step6_OlderThanRequestedIsBadLSReq(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	h.hello(true)
	h.lsu(peerRouterLSA(t, "7.7.7.7", packet.InitialSequenceNumber+4, 2)) // ignored below Exchange (§13)
	if d := h.in.Stats().Dropped[DropNeighborState]; d != 1 {
		t.Errorf("LS Update in ExStart not dropped: %d", d)
	}
	want := peerRouterLSA(t, "7.7.7.7", packet.InitialSequenceNumber+4, 2)
	h.dd(packet.DDFlagI|packet.DDFlagM|packet.DDFlagMS, 900)
	h.dd(packet.DDFlagMS, 901, hdrOf(t, want))
	h.wantNbr(NbrLoading)
	// An instance older than the one requested arrives: being newer than
	// nothing it is installed (§13 step 5) but stays requested (§13.3
	// step 1b). When it arrives again it is no newer than the database
	// copy while still on the request list: §13 step 6, BadLSReq.
	older := peerRouterLSA(t, "7.7.7.7", packet.InitialSequenceNumber+1, 2)
	h.lsu(older)
	h.wantNbr(NbrLoading)
	h.clock.Advance(MinLSArrival)
	h.lsu(older)
	h.wantNbr(NbrExStart)
}

func Test10_7_RequestForUnknownLSAIsBadLSReq(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	h.full()
	h.send(packet.AllSPFRouters, packet.Packet{Header: packet.Header{Type: packet.TypeLSRequest}, LSR: packet.LSRequest{Requests: []packet.LSAKey{
		{Type: packet.LSTypeRouter, ID: h.rid, AdvRouter: h.rid},
		{Type: packet.LSTypeRouter, ID: netip.MustParseAddr("5.5.5.5"), AdvRouter: netip.MustParseAddr("5.5.5.5")},
	}}})
	h.wantNbr(NbrExStart)
	if ups := ofType(h.tr.take(t), packet.TypeLSUpdate); len(ups) != 0 {
		t.Errorf("answered part of a bad request: %+v", ups)
	}
}

func Test10_7_RequestAnsweredDirectly(t *testing.T) {
	h := newHarness(t, NetworkBroadcast)
	h.full()
	h.ackOurs()
	k := packet.LSAKey{Type: packet.LSTypeRouter, ID: h.rid, AdvRouter: h.rid}
	h.send(h.me, packet.Packet{Header: packet.Header{Type: packet.TypeLSRequest}, LSR: packet.LSRequest{Requests: []packet.LSAKey{k}}})
	ups := ofType(h.tr.take(t), packet.TypeLSUpdate)
	if len(ups) != 1 || ups[0].dst != h.peer || ups[0].p.LSU.LSAs[0].Header.Key() != k {
		t.Fatalf("want our router-LSA sent to %v, got %+v", h.peer, ups)
	}
	// §13.3 step 5: sent LSAs are aged by InfTransDelay.
	if age := ups[0].p.LSU.LSAs[0].Header.Age; age < 1 {
		t.Errorf("LS age %d not incremented by InfTransDelay", age)
	}
}

func Test10_3_InactivityTimer(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	h.full()
	h.clock.Advance(h.ic.deadInterval())
	if _, ok := h.nbr(); ok {
		t.Fatal("neighbor survived RouterDeadInterval without hellos")
	}
	// §12.4: the router-LSA loses the point-to-point link (after
	// MinLSInterval at most).
	h.clock.Advance(MinLSInterval)
	e, _ := h.in.LookupLSA(packet.LSAKey{Type: packet.LSTypeRouter, ID: h.rid, AdvRouter: h.rid})
	if got := linkTypes(e.LSA.Router); len(got) != 1 || got[0] != "Stub:10.0.0.0" {
		t.Errorf("router-LSA links after the neighbor died: %v", got)
	}
}

func Test10_3_1WayReceived(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	h.full()
	h.hello(false)
	h.wantNbr(NbrInit)
	if n, _ := h.nbr(); n.RetransmitList+n.RequestList+n.SummaryList != 0 {
		t.Errorf("lists not cleared on 1-WayReceived: %+v", n)
	}
}

func Test9_3_InterfaceDownKillsNeighbors(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	h.full()
	if err := h.in.InterfaceDown("eth0"); err != nil {
		t.Fatal(err)
	}
	if st := h.in.Interfaces()[0].State; st != IfDown {
		t.Fatalf("interface %v after InterfaceDown", st)
	}
	if _, ok := h.nbr(); ok {
		t.Fatal("neighbor survived InterfaceDown")
	}
	h.hello(true)
	if _, ok := h.nbr(); ok {
		t.Fatal("hello accepted on a down interface")
	}
	if d := h.in.Stats().Dropped[DropInterfaceDown]; d != 1 {
		t.Errorf("interface-down drops = %d", d)
	}
	h.clock.Advance(MinLSInterval)
	e, _ := h.in.LookupLSA(packet.LSAKey{Type: packet.LSTypeRouter, ID: h.rid, AdvRouter: h.rid})
	if len(e.LSA.Router.Links) != 0 {
		t.Errorf("router-LSA of a router with its only interface down: %v", linkTypes(e.LSA.Router))
	}
	if err := h.in.InterfaceUp("eth0"); err != nil {
		t.Fatal(err)
	}
	if st := h.in.Interfaces()[0].State; st != IfPointToPoint {
		t.Fatalf("interface %v after InterfaceUp", st)
	}
	h.full()
	if err := h.in.InterfaceDown("nope"); err == nil {
		t.Error("InterfaceDown of an unknown interface succeeded")
	}
}

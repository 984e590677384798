package ospf

import (
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing/ospf/packet"
)

// ext is an AS-external-LSA of adv for prefix i of 198.18.0.0/15's /24s.
func ext(adv netip.Addr, i int, seq int32, age uint16) packet.LSA {
	return packet.LSA{
		Header: packet.LSAHeader{Type: packet.LSTypeASExternal, ID: netip.AddrFrom4([4]byte{198, 18 + byte(i>>16), byte(i >> 8), byte(i)}),
			AdvRouter: adv, Seq: seq, Age: age},
		External: packet.ExternalLSA{NetworkMask: packet.Mask(32), E: true, Metric: 1, ForwardingAddress: netip.IPv4Unspecified()},
	}
}

func raw(t *testing.T, ls ...packet.LSA) [][]byte {
	t.Helper()
	var out [][]byte
	for _, l := range ls {
		b, err := l.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestHostile_AdjacentNeighbour (issue 16): what a broken or hostile
// neighbour that reached Full can send, and what the instance makes of
// it. An LSA aged past MaxAge is taken as MaxAge (RFC 2328 §12.1.1: the
// age never exceeds MaxAge), acknowledged and not installed (§13 step
// 4). An LSA with the reserved sequence number 0x80000000 (§12.1.6) is
// dropped as malformed (it was installed until this test). A router-LSA
// with 5,000 stub links (the LS length field's 65,535 bytes hold at most
// 5,459) is an LSA like any other: installed, and the routing table
// holds its 5,000 networks. 50,000 AS-external-LSAs from one neighbour
// against ExternalLSDBLimit 10,000 put the instance in OverflowState (RFC
// 1765) with at most 10,000 in its database, the rest dropped and
// counted. The adjacency stays Full throughout.
func TestHostile_AdjacentNeighbour(t *testing.T) {
	t.Run("12_1_1_AgePastMaxAge", func(t *testing.T) {
		h := newHarness(t, NetworkPointToPoint)
		h.full()
		h.ackOurs()
		h.lsu(raw(t, ext(h.prid, 1, packet.InitialSequenceNumber, 5000))...)
		h.clock.Advance(2 * time.Second)
		if _, ok := h.in.LookupLSA(ext(h.prid, 1, 0, 0).Header.Key()); ok {
			t.Error("an LSA aged 5000 s was installed")
		}
		acked := false
		for _, s := range h.tr.take(t) {
			for _, a := range s.p.LSAck.LSAHeaders {
				acked = acked || a.Key() == ext(h.prid, 1, 0, 0).Header.Key()
			}
		}
		if !acked || h.nbrState() != NbrFull {
			t.Errorf("acknowledged %v, neighbour %v", acked, h.nbrState())
		}
	})
	t.Run("12_1_6_ReservedSequenceNumber", func(t *testing.T) {
		h := newHarness(t, NetworkPointToPoint)
		h.full()
		h.ackOurs()
		drops := h.in.Stats().Dropped[DropLSAMalformed]
		h.lsu(raw(t, ext(h.prid, 2, math.MinInt32, 0))...)
		if _, ok := h.in.LookupLSA(ext(h.prid, 2, 0, 0).Header.Key()); ok {
			t.Error("an LSA with sequence number 0x80000000 was installed")
		}
		if got := h.in.Stats().Dropped[DropLSAMalformed]; got != drops+1 || h.nbrState() != NbrFull {
			t.Errorf("malformed drops %d -> %d, neighbour %v", drops, got, h.nbrState())
		}
	})
	t.Run("RouterLSA5000Links", func(t *testing.T) {
		h := newHarness(t, NetworkPointToPoint)
		h.full()
		h.ackOurs()
		l := packet.LSA{Header: packet.LSAHeader{Type: packet.LSTypeRouter, ID: h.prid, AdvRouter: h.prid, Seq: packet.InitialSequenceNumber}}
		l.Router.Links = []packet.RouterLink{{Type: packet.LinkPointToPoint, ID: h.rid, Data: h.peer, Metric: 10}}
		for i := range 5000 {
			l.Router.Links = append(l.Router.Links, packet.RouterLink{Type: packet.LinkStub,
				ID: netip.AddrFrom4([4]byte{100, 64 + byte(i>>8), byte(i), 0}), Data: packet.Mask(24), Metric: 1})
		}
		h.lsu(raw(t, l)...)
		h.clock.Advance(10 * time.Second) // past the SPF delays
		if n := len(h.in.RoutingTable().Routes); n < 5000 {
			t.Errorf("routing table holds %d routes, want the 5,000 stub networks", n)
		}
		if h.nbrState() != NbrFull {
			t.Errorf("neighbour %v", h.nbrState())
		}
	})
	t.Run("RFC1765_50000Externals", func(t *testing.T) {
		h := newHarnessConfig(t, NetworkPointToPoint, func(c *Config) { c.ExternalLSDBLimit = 10000 })
		h.full()
		h.ackOurs()
		var ls []packet.LSA
		for i := range 50000 {
			ls = append(ls, ext(h.prid, i, packet.InitialSequenceNumber, 0))
			if len(ls) == 100 {
				h.lsu(raw(t, ls...)...)
				ls = ls[:0]
			}
		}
		o := h.in.Overflow()
		if !o.Overflow || o.Externals > 10000 {
			t.Errorf("after 50,000 externals: %+v", o)
		}
		if d := h.in.Stats().Dropped[DropLSAOverflow]; d < 40000 {
			t.Errorf("%d dropped for the limit, want at least 40,000", d)
		}
		if h.nbrState() != NbrFull {
			t.Errorf("neighbour %v", h.nbrState())
		}
	})
}

// TestHostile_RFC1765_RequestListBounded: a neighbour in Exchange whose
// database description lists 50,000 AS-external-LSAs we lack, against
// ExternalLSDBLimit 1,000: the request list holds at most the 1,000 the
// database could take (the rest would be refused on arrival, RFC 1765),
// the others are counted as dropped for the limit, and the exchange goes
// on to Loading. The retransmission list is bounded by the database it
// retransmits from.
func TestHostile_RFC1765_RequestListBounded(t *testing.T) {
	h := newHarnessConfig(t, NetworkPointToPoint, func(c *Config) { c.ExternalLSDBLimit = 1000 })
	h.hello(true)
	h.wantNbr(NbrExStart)
	const seq = 7000
	h.dd(packet.DDFlagI|packet.DDFlagM|packet.DDFlagMS, seq)
	h.wantNbr(NbrExchange)
	var hdrs []packet.LSAHeader
	for i := range 50000 {
		l := ext(h.prid, i, packet.InitialSequenceNumber, 0)
		b := raw(t, l)[0]
		var hd packet.LSAHeader
		if err := hd.Decode(b); err != nil {
			t.Fatal(err)
		}
		hdrs = append(hdrs, hd)
	}
	// 2,000 headers a packet (a DD is at most 65,535 bytes), the master
	// (the peer) sending the next sequence number each time (§10.8).
	for i := 0; i < len(hdrs); i += 2000 {
		flags := packet.DDFlagM | packet.DDFlagMS
		if i+2000 >= len(hdrs) {
			flags = packet.DDFlagMS
		}
		h.dd(flags, seq+1+uint32(i/2000), hdrs[i:i+2000]...)
	}
	n, _ := h.nbr()
	if n.RequestList > 1000 || n.RequestList == 0 {
		t.Errorf("request list %d after 50,000 headers, want at most the limit 1,000", n.RequestList)
	}
	if d := h.in.Stats().Dropped[DropLSAOverflow]; d < 49000 {
		t.Errorf("%d headers dropped for the limit, want at least 49,000", d)
	}
	if st := h.nbrState(); st != NbrLoading && st != NbrExchange {
		t.Errorf("neighbour %v", st)
	}
}

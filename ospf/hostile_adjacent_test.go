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

package ospf

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/ospf/packet"
)

// BenchmarkReceiveLSU measures the flooding procedure (§13) on an LS
// Update of 100 new router-LSAs from an adjacent neighbor: checksum,
// decoding, comparison, installation, acknowledgment.
func BenchmarkReceiveLSU(b *testing.B) {
	h := newHarness(b, NetworkPointToPoint)
	h.full()
	h.ackOurs()
	mk := func(seq int32) []byte {
		u := packet.LSUpdate{}
		for i := range 100 {
			a := netip.AddrFrom4([4]byte{10, 200, byte(i >> 8), byte(i)})
			l := packet.LSA{Header: packet.LSAHeader{Age: 1, Options: packet.OptE, Type: packet.LSTypeRouter, ID: a, AdvRouter: a, Seq: seq}}
			l.Router.Links = []packet.RouterLink{
				{ID: netip.MustParseAddr("9.9.9.9"), Data: a, Type: packet.LinkPointToPoint, Metric: 10},
				{ID: netip.AddrFrom4([4]byte{10, 100, byte(i), 0}), Data: packet.Mask(24), Type: packet.LinkStub, Metric: 10},
			}
			u.LSAs = append(u.LSAs, l)
		}
		p := packet.Packet{Header: packet.Header{Type: packet.TypeLSUpdate, RouterID: h.prid, AreaID: netip.IPv4Unspecified()}, LSU: u}
		raw, err := p.AppendBinary(nil)
		if err != nil {
			b.Fatal(err)
		}
		return raw
	}
	pkts := make([][]byte, 64)
	for i := range pkts {
		pkts[i] = mk(packet.InitialSequenceNumber + int32(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%len(pkts) == 0 && i > 0 {
			b.StopTimer()
			// Start over with a fresh instance: sequence numbers must grow.
			h = newHarness(b, NetworkPointToPoint)
			h.full()
			h.ackOurs()
			b.StartTimer()
		}
		h.deliverRaw(h.peer, packet.AllSPFRouters, pkts[i%len(pkts)])
		b.StopTimer()
		h.clock.Advance(MinLSArrival) // delayed ack, and MinLSArrival
		h.tr.take(b)
		b.StartTimer()
	}
}

// BenchmarkSimRingConvergence measures a whole cold start of an n-router
// ring on netsim, until every database is identical.
func BenchmarkSimRingConvergence(b *testing.B) {
	for _, n := range []int{5, 20} {
		b.Run(fmt.Sprintf("routers=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				s := ring(b, int64(i), n, netsim.Conditions{Latency: time.Millisecond})
				s.startAll()
				s.until(5*time.Minute, "converged", s.sameLSDB(n))
			}
		})
	}
}

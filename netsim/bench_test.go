package netsim

import (
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/switchless/routing"
)

// benchBatch is how many packets are sent between clock advances, so that
// the timer heap stays small however large b.N is.
const benchBatch = 256

func benchmarkDelivery(b *testing.B, n *Network, clock *routing.ManualClock, tx *Transport, dst netip.Addr) {
	payload := make([]byte, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := tx.Send(dst, payload); err != nil {
			b.Fatal(err)
		}
		if i%benchBatch == benchBatch-1 {
			clock.Advance(time.Millisecond)
		}
	}
	clock.Advance(time.Millisecond)
	b.StopTimer()
	s := n.Stats()
	if s.Sent != uint64(b.N) || s.TotalDropped() != 0 {
		b.Fatalf("stats %v after %d sends", s, b.N)
	}
	b.ReportMetric(float64(s.Delivered)/b.Elapsed().Seconds(), "deliveries/s")
}

// BenchmarkLink: one 64-byte multicast per op over a point-to-point link
// with latency and jitter, delivered to one transport.
func BenchmarkLink(b *testing.B) {
	n, clock := newNet(1)
	a, peer := pair(b, n, Conditions{Latency: 100 * time.Microsecond, Jitter: 50 * time.Microsecond})
	tx := opener(b, a, ospfCfg)
	sink(b, peer)
	benchmarkDelivery(b, n, clock, tx, groupAllSPF)
}

// BenchmarkSegment10: one 64-byte multicast per op on a 10-attachment
// segment, delivered to the 9 others.
func BenchmarkSegment10(b *testing.B) {
	n, clock := newNet(1)
	seg, err := n.Segment("lan", SegmentConfig{Conditions: Conditions{Latency: 100 * time.Microsecond, Jitter: 50 * time.Microsecond}})
	if err != nil {
		b.Fatal(err)
	}
	var tx *Transport
	for i := range 10 {
		a, err := seg.Attach(n.Node("h"+strconv.Itoa(i)), "", netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}), 24))
		if err != nil {
			b.Fatal(err)
		}
		tr := sink(b, a)
		if i == 0 {
			tx = tr
		}
	}
	benchmarkDelivery(b, n, clock, tx, groupAllSPF)
}

// BenchmarkLinkCapture is BenchmarkLink with a pcapng capture running.
func BenchmarkLinkCapture(b *testing.B) {
	n, clock := newNet(1)
	a, peer := pair(b, n, Conditions{Latency: 100 * time.Microsecond})
	c, err := n.CapturePcapng(discard{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	tx := opener(b, a, ospfCfg)
	sink(b, peer)
	benchmarkDelivery(b, n, clock, tx, groupAllSPF)
}

// sink opens an OSPF transport on a that joins 224.0.0.5 and throws away
// what it receives.
func sink(b *testing.B, a *Attachment) *Transport {
	b.Helper()
	tr := opener(b, a, ospfCfg)
	if err := tr.JoinGroup(groupAllSPF); err != nil {
		b.Fatal(err)
	}
	if err := tr.Start(func(routing.Packet) {}); err != nil {
		b.Fatal(err)
	}
	return tr
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

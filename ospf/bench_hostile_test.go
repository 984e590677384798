package ospf

import (
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing/ospf/packet"
)

// BenchmarkHelloFlood measures hellos from 1,000 invented routers, each
// from its own address, arriving on a broadcast interface (issue 16's
// hostile neighbour): per hello, a neighbour is created in Init (§10.5)
// and the interface's next hello lists it.
func BenchmarkHelloFlood(b *testing.B) {
	const n = 1000
	pkts := make([][]byte, n)
	srcs := make([]netip.Addr, n)
	for i := range n {
		srcs[i] = netip.AddrFrom4([4]byte{10, 0, byte(1 + i/250), byte(1 + i%250)})
		p := packet.Packet{Header: packet.Header{Type: packet.TypeHello, RouterID: netip.AddrFrom4([4]byte{10, 77, byte(i >> 8), byte(i)}), AreaID: netip.IPv4Unspecified()},
			Hello: packet.Hello{NetworkMask: packet.Mask(16), HelloInterval: 10, Options: packet.OptE, RouterDeadInterval: 40,
				DesignatedRouter: netip.IPv4Unspecified(), BackupDesignatedRouter: netip.IPv4Unspecified()}}
		raw, err := p.AppendBinary(nil)
		if err != nil {
			b.Fatal(err)
		}
		pkts[i] = raw
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		h := newHarness(b, NetworkBroadcast, func(ic *InterfaceConfig) { ic.Prefix = netip.MustParsePrefix("10.0.0.1/16") })
		b.StartTimer()
		for i := range n {
			h.deliverRaw(srcs[i], packet.AllSPFRouters, pkts[i])
		}
		b.StopTimer()
		if got := len(h.in.Neighbors()); got != n {
			b.Fatalf("%d neighbours, want %d", got, n)
		}
		h.clock.Advance(time.Second)
		b.StartTimer()
	}
}

// TestHello_10_5_RepliesPaced: 200 routers appear at once on a broadcast
// network. Each is answered by a hello listing it (so that it reaches
// 2-Way without waiting a HelloInterval), but the answers are paced to
// one per replyGap per interface: two hellos, the second listing all
// 200, instead of 200 hellos of growing size.
func TestHello_10_5_RepliesPaced(t *testing.T) {
	h := newHarness(t, NetworkBroadcast, func(ic *InterfaceConfig) { ic.Prefix = netip.MustParsePrefix("10.0.0.1/16") })
	h.clock.Advance(time.Second)
	h.tr.take(t)
	for i := range 200 {
		src := netip.AddrFrom4([4]byte{10, 0, 1, byte(1 + i)})
		p := packet.Packet{Header: packet.Header{Type: packet.TypeHello, RouterID: netip.AddrFrom4([4]byte{10, 77, 0, byte(i)}), AreaID: netip.IPv4Unspecified()},
			Hello: packet.Hello{NetworkMask: packet.Mask(16), HelloInterval: 10, Options: packet.OptE, RouterDeadInterval: 40,
				DesignatedRouter: netip.IPv4Unspecified(), BackupDesignatedRouter: netip.IPv4Unspecified()}}
		raw, err := p.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		h.deliverRaw(src, packet.AllSPFRouters, raw)
	}
	hellos := func() (n, listed int) {
		for _, s := range h.tr.take(t) {
			if s.p.Header.Type == packet.TypeHello {
				n++
				listed = len(s.p.Hello.Neighbors)
			}
		}
		return
	}
	if n, listed := hellos(); n != 1 || listed != 1 {
		t.Fatalf("at once: %d hellos (the last listing %d); want 1 answering the first router", n, listed)
	}
	h.clock.Advance(100 * time.Millisecond) // replyGap for a 10 s HelloInterval
	if n, listed := hellos(); n != 1 || listed != 200 {
		t.Fatalf("after the gap: %d hellos (the last listing %d); want 1 listing all 200", n, listed)
	}
}

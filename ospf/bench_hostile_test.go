package ospf

import (
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
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

// TestHello_9_5_ListFitsOnePacket: 1,000 routers in Init and one real
// neighbour in 2-Way on a LAN. The list §9.5 asks for would be 4,000
// bytes; the hello stays within the MTU (FRR instead stops sending
// hellos and loses its real adjacencies) and lists the 2-Way neighbour
// first, so its adjacency never sees a 1-WayReceived (§10.5).
func TestHello_9_5_ListFitsOnePacket(t *testing.T) {
	h := newHarness(t, NetworkBroadcast, func(ic *InterfaceConfig) { ic.Prefix = netip.MustParsePrefix("10.0.0.1/16") })
	h.clock.Advance(time.Second)
	hello := func(rid netip.Addr, neighbors ...netip.Addr) []byte {
		p := packet.Packet{Header: packet.Header{Type: packet.TypeHello, RouterID: rid, AreaID: netip.IPv4Unspecified()},
			Hello: packet.Hello{NetworkMask: packet.Mask(16), HelloInterval: 10, Options: packet.OptE, RouterDeadInterval: 40,
				DesignatedRouter: netip.IPv4Unspecified(), BackupDesignatedRouter: netip.IPv4Unspecified(), Neighbors: neighbors}}
		raw, err := p.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	for i := range 1000 {
		src := netip.AddrFrom4([4]byte{10, 0, byte(1 + i/250), byte(1 + i%250)})
		h.deliverRaw(src, packet.AllSPFRouters, hello(netip.AddrFrom4([4]byte{10, 77, byte(i >> 8), byte(i)})))
	}
	// The real neighbour arrives last and sees us: 2-Way.
	h.deliverRaw(h.peer, packet.AllSPFRouters, hello(h.prid, h.rid))
	h.clock.Advance(10 * time.Second)
	var last *packet.Hello
	for _, s := range h.tr.take(t) {
		if s.p.Header.Type == packet.TypeHello {
			last = &s.p.Hello
		}
	}
	if last == nil {
		t.Fatal("no hello sent")
	}
	if size := packet.HeaderLen + helloFixedLen + 4*len(last.Neighbors); size > DefaultMTU-ipHeaderLen {
		t.Errorf("the hello is %d bytes, more than the %d an MTU of %d leaves", size, DefaultMTU-ipHeaderLen, DefaultMTU)
	}
	if len(last.Neighbors) == 0 || last.Neighbors[0] != h.prid {
		t.Errorf("the 2-Way neighbour is not listed first: %d listed, first %v", len(last.Neighbors), last.Neighbors[:min(1, len(last.Neighbors))])
	}
	if len(last.Neighbors) < 300 {
		t.Errorf("only %d neighbours listed; the packet has room for %d", len(last.Neighbors), (DefaultMTU-ipHeaderLen-packet.HeaderLen-helloFixedLen)/4)
	}
}

// TestDropLog_RateLimited (issue 14's reasons, issue 16's rate limit): a
// neighbour whose RouterDeadInterval differs is reported with both
// values (FRR's "RouterDeadInterval mismatch … expected 40, received
// 4"), once per minute and not once per hello; hellos with a bad mask
// from 1,000 sources write at most dropLogSources lines per interval,
// the next line counting what was suppressed. Neighbours that never
// reach 2-Way do not log at Info.
func TestDropLog_RateLimited(t *testing.T) {
	h := newHarness(t, NetworkBroadcast, func(ic *InterfaceConfig) { ic.Prefix = netip.MustParsePrefix("10.0.0.1/16") })
	var buf strings.Builder
	h.in.log = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	h.clock.Advance(time.Second)
	hello := func(src netip.Addr, mod func(*packet.Hello)) {
		p := packet.Packet{Header: packet.Header{Type: packet.TypeHello, RouterID: src, AreaID: netip.IPv4Unspecified()},
			Hello: packet.Hello{NetworkMask: packet.Mask(16), HelloInterval: 10, Options: packet.OptE, RouterDeadInterval: 40,
				DesignatedRouter: netip.IPv4Unspecified(), BackupDesignatedRouter: netip.IPv4Unspecified()}}
		if mod != nil {
			mod(&p.Hello)
		}
		raw, err := p.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		h.deliverRaw(src, packet.AllSPFRouters, raw)
	}
	peer := netip.MustParseAddr("10.0.0.9")
	for range 30 {
		hello(peer, func(hl *packet.Hello) { hl.RouterDeadInterval = 4 })
		h.clock.Advance(time.Second)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "RouterDeadInterval mismatch: expected 40, received 4") || !strings.Contains(lines[0], "level=WARN") {
		t.Fatalf("30 hellos in 30 s with a wrong RouterDeadInterval logged:\n%s", buf.String())
	}
	h.clock.Advance(dropLogInterval)
	hello(peer, func(hl *packet.Hello) { hl.RouterDeadInterval = 4 })
	if n := strings.Count(buf.String(), "RouterDeadInterval mismatch"); n != 2 {
		t.Fatalf("a minute later: %d lines, want 2:\n%s", n, buf.String())
	}
	buf.Reset()
	h.clock.Advance(dropLogInterval)
	for i := range 1000 {
		hello(netip.AddrFrom4([4]byte{10, 0, byte(1 + i/250), byte(1 + i%250)}), func(hl *packet.Hello) { hl.NetworkMask = packet.Mask(24) })
	}
	if n := strings.Count(buf.String(), "\n"); n != dropLogSources {
		t.Errorf("1,000 sources with a bad mask: %d lines, want %d", n, dropLogSources)
	}
	buf.Reset()
	h.clock.Advance(dropLogInterval)
	hello(peer, func(hl *packet.Hello) { hl.NetworkMask = packet.Mask(24) })
	if !strings.Contains(buf.String(), "suppressed="+strconv.Itoa(1000-dropLogSources)) || !strings.Contains(buf.String(), "expected /16, received /24") {
		t.Errorf("the next interval's line: %q", buf.String())
	}
	// Good hellos from 100 routers that never see us: Init, at Debug.
	buf.Reset()
	for i := range 100 {
		hello(netip.AddrFrom4([4]byte{10, 0, 9, byte(1 + i)}), nil)
	}
	if buf.Len() != 0 {
		t.Errorf("routers in Init logged at Info:\n%s", buf.String())
	}
}

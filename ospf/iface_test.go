package ospf

import (
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing/ospf/packet"
)

// Hello protocol (RFC 2328 §9.5, §10.5) and the receive checks of §8.2:
// every mismatch or bad packet is dropped, counted under its reason, and
// changes nothing.

func Test10_5_HelloMismatchesDropped(t *testing.T) {
	cases := []struct {
		name   string
		nt     NetworkType
		mod    func(*packet.Hello)
		reason DropReason
	}{
		{"mask on broadcast", NetworkBroadcast, func(h *packet.Hello) { h.NetworkMask = packet.Mask(16) }, DropHelloMask},
		{"HelloInterval", NetworkPointToPoint, func(h *packet.Hello) { h.HelloInterval = 5 }, DropHelloInterval},
		{"RouterDeadInterval", NetworkPointToPoint, func(h *packet.Hello) { h.RouterDeadInterval = 120 }, DropDeadInterval},
		{"E-bit", NetworkPointToPoint, func(h *packet.Hello) { h.Options &^= packet.OptE }, DropHelloOptions},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, c.nt)
			h.hello(true, c.mod)
			if ns := h.in.Neighbors(); len(ns) != 0 {
				t.Errorf("neighbor created from a mismatched hello: %+v", ns)
			}
			st := h.in.Stats()
			if st.Dropped[c.reason] != 1 || st.Received[packet.TypeHello] != 0 {
				t.Errorf("drops %v, received %v; want one %v", st.Dropped, st.Received, c.reason)
			}
		})
	}
}

func Test10_5_MaskIgnoredOnPointToPoint(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	h.hello(true, func(hl *packet.Hello) { hl.NetworkMask = packet.Mask(30) })
	h.wantNbr(NbrExStart)
}

func Test9_5_HelloContents(t *testing.T) {
	h := newHarness(t, NetworkBroadcast, func(ic *InterfaceConfig) {
		ic.Priority = Priority(7)
		ic.HelloInterval = 3 * time.Second
	})
	first := ofType(h.tr.take(t), packet.TypeHello)
	if len(first) != 1 || first[0].dst != packet.AllSPFRouters {
		t.Fatalf("want one hello to AllSPFRouters at InterfaceUp, got %+v", first)
	}
	hl := first[0].p.Hello
	if hl.NetworkMask != packet.Mask(24) || hl.HelloInterval != 3 || hl.RouterDeadInterval != 12 || hl.Priority != 7 || hl.Options&packet.OptE == 0 || len(hl.Neighbors) != 0 {
		t.Errorf("hello %+v", hl)
	}
	h.hello(false)
	h.clock.Advance(3 * time.Second)
	// The reply to a hello that does not list us, then the periodic one:
	// both list the neighbor heard (§9.5).
	next := ofType(h.tr.take(t), packet.TypeHello)
	if len(next) != 2 {
		t.Fatalf("hellos within HelloInterval = %d, want the reply and the periodic one", len(next))
	}
	for _, p := range next {
		if len(p.p.Hello.Neighbors) != 1 || p.p.Hello.Neighbors[0] != h.prid {
			t.Errorf("hello %+v, want one listing 9.9.9.9", p.p.Hello)
		}
	}
	if !h.tr.groups[packet.AllSPFRouters] {
		t.Error("AllSPFRouters not joined")
	}
}

func Test9_5_FastHellos(t *testing.T) {
	// FRR's `dead-interval minimal hello-multiplier 4`: 4 hellos a
	// second advertising HelloInterval 0 and RouterDeadInterval 1.
	h := newHarness(t, NetworkPointToPoint, func(ic *InterfaceConfig) { ic.HelloMultiplier = 4 })
	h.clock.Advance(time.Second - time.Millisecond)
	hellos := ofType(h.tr.take(t), packet.TypeHello)
	if len(hellos) != 4 {
		t.Fatalf("%d hellos in the first second, want 4", len(hellos))
	}
	if hl := hellos[0].p.Hello; hl.HelloInterval != 0 || hl.RouterDeadInterval != 1 {
		t.Errorf("fast hello advertises HelloInterval %d, RouterDeadInterval %d", hl.HelloInterval, hl.RouterDeadInterval)
	}
	// A peer with the same settings is accepted...
	h.hello(true)
	h.wantNbr(NbrExStart)
	// ...and dies one second after its last hello.
	h.clock.Advance(time.Second)
	if _, ok := h.nbr(); ok {
		t.Error("neighbor survived a 1 s RouterDeadInterval")
	}
}

func Test9_4_BackupSeenEndsWaiting(t *testing.T) {
	// §10.5: a neighbor declaring itself BDR ends the Waiting state at
	// once (BackupSeen) instead of after the Wait Timer.
	h := newHarness(t, NetworkBroadcast)
	if st := h.in.Interfaces()[0].State; st != IfWaiting {
		t.Fatalf("broadcast interface starts %v, want Waiting", st)
	}
	other := netip.MustParseAddr("10.0.0.5")
	h.hello(true, func(hl *packet.Hello) { hl.DesignatedRouter = other; hl.BackupDesignatedRouter = h.peer })
	st := h.in.Interfaces()[0]
	if st.State != IfDROther || st.BDR != h.peer {
		t.Fatalf("after BackupSeen: %+v", st)
	}
	// AdjOK? (§10.4): the neighbor is BDR, so we become adjacent.
	h.wantNbr(NbrExStart)
}

func Test8_2_BadPacketsDropped(t *testing.T) {
	h := newHarness(t, NetworkBroadcast)
	good := func() []byte {
		p := packet.Packet{Header: packet.Header{Type: packet.TypeHello, RouterID: h.prid, AreaID: netip.IPv4Unspecified()}, Hello: packet.Hello{
			NetworkMask: packet.Mask(24), HelloInterval: 10, Options: packet.OptE, Priority: 1, RouterDeadInterval: 40,
			Neighbors: []netip.Addr{h.rid}}}
		b, err := p.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	reencode := func(f func(*packet.Packet)) []byte {
		p, _ := packet.ParsePacket(good())
		f(&p)
		b, _ := p.AppendBinary(nil)
		return b
	}
	cases := []struct {
		name     string
		src, dst netip.Addr
		b        []byte
		reason   DropReason
	}{
		{"truncated", h.peer, packet.AllSPFRouters, good()[:10], DropMalformed},
		{"bad version", h.peer, packet.AllSPFRouters, func() []byte { b := good(); b[0] = 3; return b }(), DropMalformed},
		{"bad checksum", h.peer, packet.AllSPFRouters, func() []byte { b := good(); b[offChecksum] ^= 0xff; return b }(), DropChecksum},
		{"wrong area", h.peer, packet.AllSPFRouters, reencode(func(p *packet.Packet) { p.Header.AreaID = netip.MustParseAddr("0.0.0.1") }), DropWrongArea},
		{"own router ID", h.peer, packet.AllSPFRouters, reencode(func(p *packet.Packet) { p.Header.RouterID = h.rid }), DropSelf},
		{"own address", h.me, packet.AllSPFRouters, good(), DropSelf},
		{"source off subnet", netip.MustParseAddr("192.0.2.1"), packet.AllSPFRouters, good(), DropWrongSource},
		{"AllDRouters to a non-DR", h.peer, packet.AllDRouters, good(), DropWrongDest},
		{"simple password on a null interface", h.peer, packet.AllSPFRouters, reencode(func(p *packet.Packet) { p.Header.AuType = packet.AuthSimple }), DropAuthType},
		{"body shorter than a hello", h.peer, packet.AllSPFRouters, func() []byte {
			b := good()[:packet.HeaderLen+8]
			b[offLength], b[offLength+1] = 0, byte(len(b))
			return fixPacketChecksum(b)
		}(), DropMalformed},
		{"LS Update from a stranger", h.peer, packet.AllSPFRouters, func() []byte {
			p := packet.Packet{Header: packet.Header{Type: packet.TypeLSUpdate, RouterID: h.prid, AreaID: netip.IPv4Unspecified()}}
			b, _ := p.AppendBinary(nil)
			return b
		}(), DropUnknownNeighbor},
	}
	for _, c := range cases {
		before := h.in.Stats().Dropped[c.reason]
		h.deliverRaw(c.src, c.dst, c.b)
		if got := h.in.Stats().Dropped[c.reason]; got != before+1 {
			t.Errorf("%s: %v drops %d -> %d, want one more", c.name, c.reason, before, got)
		}
		if ns := h.in.Neighbors(); len(ns) != 0 {
			t.Fatalf("%s: changed state: neighbors %+v", c.name, ns)
		}
	}
	if r := h.in.Stats().Received; len(r) != 0 {
		t.Errorf("bad packets counted as received: %v", r)
	}
	// The good packet itself is accepted.
	h.deliverRaw(h.peer, packet.AllSPFRouters, good())
	if len(h.in.Neighbors()) != 1 {
		t.Error("the good hello was not accepted")
	}
}

func TestD5_AuthenticationDropsAndReplay(t *testing.T) {
	key := Key{ID: 1, Algorithm: packet.AlgHMACSHA256, Secret: []byte("k")}
	h := newHarness(t, NetworkPointToPoint, func(ic *InterfaceConfig) {
		ic.Auth = AuthConfig{Type: packet.AuthCrypto, Keys: []Key{key}}
	})
	// Our own hellos carry the digest.
	sent := h.tr.take(t)
	if len(sent) == 0 || sent[0].p.Header.AuType != packet.AuthCrypto || len(sent[0].raw) != int(sent[0].p.Header.Length)+32 {
		t.Fatalf("hello not signed with HMAC-SHA-256: %+v", sent)
	}
	hello := func(seq uint32, k Key) []byte {
		p := packet.Packet{Header: packet.Header{Type: packet.TypeHello, RouterID: h.prid, AreaID: netip.IPv4Unspecified()}, Hello: packet.Hello{
			NetworkMask: packet.Mask(24), HelloInterval: 10, Options: packet.OptE, Priority: 1, RouterDeadInterval: 40,
			Neighbors: []netip.Addr{h.rid}}}
		b, _ := p.AppendBinary(nil)
		b, err := AuthConfig{Type: packet.AuthCrypto, Keys: []Key{k}}.Sign(b, seq, h.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	h.deliverRaw(h.peer, packet.AllSPFRouters, hello(100, Key{ID: 1, Algorithm: packet.AlgHMACSHA256, Secret: []byte("wrong")}))
	if d := h.in.Stats().Dropped[DropAuth]; d != 1 || len(h.in.Neighbors()) != 0 {
		t.Fatalf("wrong key: auth drops %d, neighbors %v", d, h.in.Neighbors())
	}
	h.deliverRaw(h.peer, packet.AllSPFRouters, hello(100, key))
	h.wantNbr(NbrExStart)
	h.deliverRaw(h.peer, packet.AllSPFRouters, hello(99, key))
	if d := h.in.Stats().Dropped[DropReplay]; d != 1 {
		t.Errorf("replayed sequence number: replay drops %d", d)
	}
}

func TestDelivery_AfterStopIgnored(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	if err := h.in.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	h.hello(true)
	if len(h.in.Neighbors()) != 0 {
		t.Error("packet processed after Stop")
	}
	if err := h.in.Start(); err != ErrStopped {
		t.Errorf("Start after Stop = %v, want ErrStopped", err)
	}
}

func Test10_5_HelloReplyToNeighborThatHasNotHeardUs(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint, func(ic *InterfaceConfig) { ic.HelloInterval = 10 * time.Second })
	h.tr.take(t)
	// A hello that does not list us: the neighbor is new, or restarted.
	// We answer at once, listing it, instead of after up to 10 s.
	h.hello(false)
	reply := ofType(h.tr.take(t), packet.TypeHello)
	if len(reply) != 1 || len(reply[0].p.Hello.Neighbors) != 1 || reply[0].p.Hello.Neighbors[0] != h.prid {
		t.Fatalf("want an immediate hello listing 9.9.9.9, got %+v", reply)
	}
	// Not again within the hello period, however many such hellos come.
	for range 5 {
		h.hello(false)
	}
	if again := ofType(h.tr.take(t), packet.TypeHello); len(again) != 0 {
		t.Fatalf("%d further replies within the hello period", len(again))
	}
	// A hello that lists us needs no answer.
	h.clock.Advance(10 * time.Second)
	h.tr.take(t)
	h.hello(true)
	if extra := ofType(h.tr.take(t), packet.TypeHello); len(extra) != 0 {
		t.Fatalf("replied to a hello that lists us: %+v", extra)
	}
	h.wantNbr(NbrExStart)
}

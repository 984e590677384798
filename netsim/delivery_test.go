package netsim

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing"
)

// TestMulticastOnlyToJoined: a multicast reaches only attachments whose
// transport of that protocol and family joined the group, never the
// sender, and nothing arrives before the clock moves.
func TestMulticastOnlyToJoined(t *testing.T) {
	n, clock := newNet(1)
	seg, atts := lan(t, n, 7, Conditions{Latency: time.Millisecond})
	sender := opener(t, atts[0], ospfCfg)
	selfRx := listen(t, atts[0], ospfCfg, groupAllSPF) // sender's own listener
	joined := listen(t, atts[1], ospfCfg, groupAllSPF)
	joinedToo := listen(t, atts[2], ospfCfg, groupAllDR, groupAllSPF)
	notJoined := listen(t, atts[3], ospfCfg)
	otherGroup := listen(t, atts[4], ospfCfg, groupAllDR)
	otherProto := listen(t, atts[5], vrrpCfg, groupAllSPF)
	otherFamily := listen(t, atts[6], TransportConfig{IPProto: ProtoOSPF, IPv6: true}, addr("ff02::5"))

	send(t, sender, groupAllSPF, []byte("hello"))
	if got := len(joined.got) + len(joinedToo.got); got != 0 {
		t.Fatalf("%d packets delivered inside Send; delivery must wait for the clock", got)
	}
	clock.Advance(time.Millisecond)

	for _, r := range []*recorder{joined, joinedToo} {
		if len(r.got) != 1 {
			t.Fatalf("%s got %d packets, want 1", r.t.Attachment(), len(r.got))
		}
		p := r.got[0].pkt
		want := routing.Packet{IfIndex: r.t.Attachment().Index(), Src: addr("192.0.2.1"), Dst: groupAllSPF, TTL: 1, Payload: []byte("hello")}
		if p.IfIndex != want.IfIndex || p.Src != want.Src || p.Dst != want.Dst || p.TTL != want.TTL || !bytes.Equal(p.Payload, want.Payload) {
			t.Errorf("%s got %+v, want %+v", r.t.Attachment(), p, want)
		}
		if !r.got[0].at.Equal(clock.Now()) {
			t.Errorf("arrived at %v, want %v", r.got[0].at, clock.Now())
		}
	}
	for _, r := range []*recorder{selfRx, notJoined, otherGroup, otherProto, otherFamily} {
		if len(r.got) != 0 {
			t.Errorf("%s (%+v) got %d packets, want none", r.t.Attachment(), r.t.Config(), len(r.got))
		}
	}
	s := seg.Stats()
	if s.Sent != 1 || s.Delivered != 2 || s.TotalDropped() != 0 {
		t.Errorf("segment stats %v, want sent=1 delivered=2 and no drop", s)
	}
	if g := atts[2].Groups(); len(g) != 2 || g[0] != groupAllSPF || g[1] != groupAllDR {
		t.Errorf("Groups() = %v, want [224.0.0.5 224.0.0.6]", g)
	}
}

// TestMulticastNobodyJoined counts a multicast nobody joined as
// DropNoListener on the sender.
func TestMulticastNobodyJoined(t *testing.T) {
	n, clock := newNet(1)
	a, b := pair(t, n, Conditions{})
	listen(t, b, ospfCfg) // open but not joined
	send(t, opener(t, a, ospfCfg), groupAllSPF, []byte{1})
	clock.Advance(time.Second)
	if s := a.Stats(); s.Sent != 1 || s.Dropped[DropNoListener] != 1 {
		t.Errorf("sender stats %v, want sent=1 drop.no-listener=1", s)
	}
}

// TestLeaveGroupInFlight: a copy in flight to a transport that left the
// group is dropped at arrival.
func TestLeaveGroupInFlight(t *testing.T) {
	n, clock := newNet(1)
	a, b := pair(t, n, Conditions{Latency: 10 * time.Millisecond})
	r := listen(t, b, ospfCfg, groupAllSPF)
	send(t, opener(t, a, ospfCfg), groupAllSPF, []byte{1})
	if err := r.t.LeaveGroup(groupAllSPF); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if len(r.got) != 0 {
		t.Fatalf("got %d packets after LeaveGroup", len(r.got))
	}
	if s := b.Stats(); s.Dropped[DropNoListener] != 1 {
		t.Errorf("receiver stats %v, want drop.no-listener=1", s)
	}
}

// TestUnicastToOwner: a unicast reaches only the attachment holding the
// destination, including an address added later (a VRRP virtual address),
// and nothing when nobody holds it.
func TestUnicastToOwner(t *testing.T) {
	n, clock := newNet(1)
	seg, atts := lan(t, n, 3, Conditions{})
	tx := opener(t, atts[0], ripCfg)
	r1 := listen(t, atts[1], ripCfg)
	r2 := listen(t, atts[2], ripCfg)

	send(t, tx, addr("192.0.2.3"), []byte("to h2"))
	clock.Advance(0)
	if len(r1.got) != 0 || len(r2.got) != 1 {
		t.Fatalf("h1 got %d, h2 got %d; want 0 and 1", len(r1.got), len(r2.got))
	}
	if p := r2.got[0].pkt; p.TTL != ttlUnicast || p.Src != addr("192.0.2.1") || p.Dst != addr("192.0.2.3") {
		t.Errorf("got %+v, want TTL 64 from 192.0.2.1 to 192.0.2.3", p)
	}

	vip := addr("192.0.2.100")
	send(t, tx, vip, []byte("nobody"))
	clock.Advance(0)
	if s := seg.Stats(); s.Dropped[DropNoListener] != 1 {
		t.Errorf("unowned unicast: stats %v, want drop.no-listener=1", s)
	}
	if err := atts[1].AddAddr(netip.PrefixFrom(vip, 32)); err != nil {
		t.Fatal(err)
	}
	send(t, tx, vip, []byte("vip"))
	clock.Advance(0)
	if len(r1.got) != 1 || string(r1.got[0].pkt.Payload) != "vip" {
		t.Fatalf("VIP holder got %d packets", len(r1.got))
	}
	if got := seg.Owner(vip); got != atts[1] {
		t.Errorf("Owner(vip) = %v, want %v", got, atts[1])
	}
	if got := atts[0].Neighbor(vip); got != atts[1] {
		t.Errorf("Neighbor(vip) = %v, want %v", got, atts[1])
	}
	if err := atts[1].RemoveAddr(vip); err != nil {
		t.Fatal(err)
	}
	if err := atts[1].RemoveAddr(vip); !errors.Is(err, ErrNotFound) {
		t.Errorf("second RemoveAddr: %v, want ErrNotFound", err)
	}
	if err := atts[1].AddAddr(pfx("192.0.2.2/24")); !errors.Is(err, ErrDuplicate) {
		t.Errorf("AddAddr of a held address: %v, want ErrDuplicate", err)
	}
	// A unicast to the sender's own address is never delivered back.
	send(t, tx, addr("192.0.2.1"), []byte("self"))
	clock.Advance(0)
	if s := atts[0].Stats(); s.Dropped[DropNoListener] != 2 {
		t.Errorf("sender stats %v, want 2 no-listener drops", s)
	}
}

// TestBroadcast: limited and subnet-directed broadcasts reach every open
// transport of the protocol, joined or not.
func TestBroadcast(t *testing.T) {
	n, clock := newNet(1)
	_, atts := lan(t, n, 3, Conditions{})
	tx := opener(t, atts[0], ripCfg)
	r1 := listen(t, atts[1], ripCfg)
	r2 := listen(t, atts[2], ripCfg)
	send(t, tx, addr("255.255.255.255"), []byte("limited"))
	send(t, tx, addr("192.0.2.255"), []byte("directed"))
	clock.Advance(0)
	for _, r := range []*recorder{r1, r2} {
		if len(r.got) != 2 {
			t.Errorf("%s got %d broadcasts, want 2", r.t.Attachment(), len(r.got))
		}
	}
}

// TestPayloadCopied: receivers never see the sender's later writes to its
// buffer, nor another receiver's writes to its own copy.
func TestPayloadCopied(t *testing.T) {
	n, clock := newNet(1)
	_, atts := lan(t, n, 3, Conditions{Latency: time.Millisecond})
	tx := opener(t, atts[0], vrrpCfg)
	var seen [][]byte
	for _, a := range atts[1:] {
		tr := opener(t, a, vrrpCfg)
		if err := tr.JoinGroup(groupVRRP); err != nil {
			t.Fatal(err)
		}
		if err := tr.Start(func(p routing.Packet) {
			seen = append(seen, append([]byte(nil), p.Payload...))
			for i := range p.Payload {
				p.Payload[i] = 0xee // a receiver scribbling on its copy
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	buf := []byte{1, 2, 3, 4}
	send(t, tx, groupVRRP, buf)
	copy(buf, []byte{9, 9, 9, 9})
	clock.Advance(time.Millisecond)
	if len(seen) != 2 {
		t.Fatalf("got %d copies, want 2", len(seen))
	}
	for _, p := range seen {
		if !bytes.Equal(p, []byte{1, 2, 3, 4}) {
			t.Errorf("received %x, want 01020304", p)
		}
	}
}

// TestSeveralProtocolsOnOneAttachment: OSPF, VRRP and RIP transports on
// the same attachments each get only their own protocol, with the RFC
// default TTLs.
func TestSeveralProtocolsOnOneAttachment(t *testing.T) {
	n, clock := newNet(1)
	a, b := pair(t, n, Conditions{})
	rxOSPF := listen(t, b, ospfCfg, groupAllSPF)
	rxVRRP := listen(t, b, vrrpCfg, groupVRRP)
	rxRIP := listen(t, b, ripCfg, groupRIP)
	send(t, opener(t, a, ospfCfg), groupAllSPF, []byte("ospf"))
	send(t, opener(t, a, vrrpCfg), groupVRRP, []byte("vrrp"))
	send(t, opener(t, a, ripCfg), groupRIP, []byte("rip"))
	clock.Advance(0)
	for _, c := range []struct {
		r       *recorder
		payload string
		ttl     uint8
	}{{rxOSPF, "ospf", 1}, {rxVRRP, "vrrp", 255}, {rxRIP, "rip", 1}} {
		if len(c.r.got) != 1 || string(c.r.got[0].pkt.Payload) != c.payload || c.r.got[0].pkt.TTL != c.ttl {
			t.Errorf("%s transport got %+v, want one %q with TTL %d", c.payload, c.r.got, c.payload, c.ttl)
		}
	}
}

// TestSameProtocolTwice: two open transports of the same protocol on one
// attachment each get the packet, as two raw sockets would.
func TestSameProtocolTwice(t *testing.T) {
	n, clock := newNet(1)
	a, b := pair(t, n, Conditions{})
	r1 := listen(t, b, vrrpCfg, groupVRRP)
	r2 := listen(t, b, vrrpCfg, groupVRRP)
	send(t, opener(t, a, vrrpCfg), groupVRRP, []byte{1})
	clock.Advance(0)
	if len(r1.got) != 1 || len(r2.got) != 1 {
		t.Fatalf("got %d and %d, want 1 each", len(r1.got), len(r2.got))
	}
	if s := b.Stats(); s.Delivered != 1 {
		t.Errorf("Delivered = %d, want 1 (one copy per attachment)", s.Delivered)
	}
}

// TestSourceAndTTL: explicit TTL and source, IPv6 link-local preference,
// and ErrNoAddress.
func TestSourceAndTTL(t *testing.T) {
	n, clock := newNet(1)
	a, b, err := n.Link(n.Node("r1"), n.Node("r2"), LinkConfig{
		AAddrs: []netip.Prefix{pfx("2001:db8::1/64"), pfx("fe80::1/64"), pfx("10.0.0.1/30")},
		BAddrs: []netip.Prefix{pfx("fe80::2/64"), pfx("10.0.0.2/30")},
	})
	if err != nil {
		t.Fatal(err)
	}
	v6 := TransportConfig{IPProto: ProtoVRRP, IPv6: true}
	r6 := listen(t, b, v6, addr("ff02::12"))
	send(t, opener(t, a, v6), addr("ff02::12"), []byte{3})
	src := TransportConfig{IPProto: ProtoVRRP, IPv6: true, TTL: 7, Src: addr("2001:db8::1")}
	send(t, opener(t, a, src), addr("ff02::12"), []byte{3})
	clock.Advance(0)
	if len(r6.got) != 2 {
		t.Fatalf("got %d IPv6 packets, want 2", len(r6.got))
	}
	if p := r6.got[0].pkt; p.Src != addr("fe80::1") || p.TTL != 255 {
		t.Errorf("default source/hop limit: %v/%d, want fe80::1/255", p.Src, p.TTL)
	}
	if p := r6.got[1].pkt; p.Src != addr("2001:db8::1") || p.TTL != 7 {
		t.Errorf("configured source/hop limit: %v/%d, want 2001:db8::1/7", p.Src, p.TTL)
	}
	c, _, err := n.Link(n.Node("r3"), n.Node("r4"), LinkConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := opener(t, c, ospfCfg).Send(groupAllSPF, nil); !errors.Is(err, ErrNoAddress) {
		t.Errorf("Send with no address: %v, want ErrNoAddress", err)
	}
}

// TestTransportContract checks the routing.Transport contract: argument
// errors, Start once, and net.ErrClosed after Close with nothing delivered
// once Close has returned, even for copies already in flight.
func TestTransportContract(t *testing.T) {
	n, clock := newNet(1)
	a, b := pair(t, n, Conditions{Latency: time.Millisecond})
	tx := opener(t, a, ospfCfg)
	r := listen(t, b, ospfCfg, groupAllSPF)
	if err := r.t.Start(r.deliver); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start: %v, want ErrStarted", err)
	}
	for _, bad := range []netip.Addr{{}, addr("ff02::5"), addr("0.0.0.0"), addr("::ffff:10.0.0.2")} {
		if err := tx.Send(bad, nil); !errors.Is(err, ErrBadDestination) {
			t.Errorf("Send(%v): %v, want ErrBadDestination", bad, err)
		}
	}
	for _, bad := range []netip.Addr{{}, addr("10.0.0.2"), addr("ff02::5")} {
		if err := tx.JoinGroup(bad); !errors.Is(err, ErrBadDestination) {
			t.Errorf("JoinGroup(%v): %v, want ErrBadDestination", bad, err)
		}
	}
	if err := tx.Send(groupAllSPF, make([]byte, 65516)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Send of 65516 bytes: %v, want ErrTooLarge", err)
	}
	// Join twice and leave something never joined are fine.
	if err := r.t.JoinGroup(groupAllSPF); err != nil {
		t.Error(err)
	}
	if err := r.t.LeaveGroup(groupAllDR); err != nil {
		t.Error(err)
	}

	send(t, tx, groupAllSPF, []byte{1}) // in flight while r closes
	if err := r.t.Close(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if len(r.got) != 0 {
		t.Errorf("deliver called %d times after Close", len(r.got))
	}
	for name, err := range map[string]error{
		"Send":       r.t.Send(groupAllSPF, nil),
		"JoinGroup":  r.t.JoinGroup(groupAllSPF),
		"LeaveGroup": r.t.LeaveGroup(groupAllSPF),
		"Start":      r.t.Start(r.deliver),
		"Close":      r.t.Close(),
	} {
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s after Close: %v, want net.ErrClosed", name, err)
		}
	}
	if g := b.Groups(); len(g) != 0 {
		t.Errorf("groups after Close: %v", g)
	}
	// Before Start, arrivals are dropped; Send works.
	idle := opener(t, b, ospfCfg)
	if err := idle.JoinGroup(groupAllSPF); err != nil {
		t.Fatal(err)
	}
	send(t, tx, groupAllSPF, []byte{2})
	clock.Advance(time.Second)
	if s := b.Stats(); s.Dropped[DropNoListener] != 2 {
		t.Errorf("receiver stats %v, want 2 no-listener drops (closed, not started)", s)
	}
}

// TestCloseFromInsideDeliver: a deliver callback closing a second
// transport on the same attachment stops the copy it was about to get.
func TestCloseFromInsideDeliver(t *testing.T) {
	n, clock := newNet(1)
	a, b := pair(t, n, Conditions{})
	// Transports of an attachment get a copy in the order they were
	// opened: t1's callback runs first.
	t1 := opener(t, b, ospfCfg)
	t2 := opener(t, b, ospfCfg)
	var got2 int
	for _, tr := range []*Transport{t1, t2} {
		if err := tr.JoinGroup(groupAllSPF); err != nil {
			t.Fatal(err)
		}
	}
	if err := t1.Start(func(routing.Packet) { _ = t2.Close() }); err != nil {
		t.Fatal(err)
	}
	if err := t2.Start(func(routing.Packet) { got2++ }); err != nil {
		t.Fatal(err)
	}
	send(t, opener(t, a, ospfCfg), groupAllSPF, []byte{1})
	clock.Advance(0)
	if got2 != 0 {
		t.Errorf("closed transport delivered %d packets", got2)
	}
}

// TestReplyFromDeliver: a deliver callback may Send (an OSPF neighbor
// answering a hello); the reply is scheduled, not delivered re-entrantly.
func TestReplyFromDeliver(t *testing.T) {
	n, clock := newNet(1)
	a, b := pair(t, n, Conditions{Latency: time.Millisecond})
	ra := listen(t, a, ospfCfg, groupAllSPF)
	tb := opener(t, b, ospfCfg)
	if err := tb.JoinGroup(groupAllSPF); err != nil {
		t.Fatal(err)
	}
	if err := tb.Start(func(p routing.Packet) {
		if err := tb.Send(p.Src, append([]byte("re:"), p.Payload...)); err != nil {
			t.Error(err)
		}
	}); err != nil {
		t.Fatal(err)
	}
	send(t, ra.t, groupAllSPF, []byte("hi"))
	clock.Advance(time.Millisecond)
	if len(ra.got) != 0 {
		t.Fatal("reply arrived with no latency")
	}
	clock.Advance(time.Millisecond)
	if len(ra.got) != 1 || string(ra.got[0].pkt.Payload) != "re:hi" || ra.got[0].pkt.Dst != addr("10.0.0.1") {
		t.Fatalf("got %+v, want the unicast reply", ra.got)
	}
}

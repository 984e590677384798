package bfd

import (
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd/packet"
)

// fakeTr is a UDPTransport a test delivers packets to by hand.
type fakeTr struct {
	deliver func(routing.Packet)
	sent    [][]byte
}

func (f *fakeTr) Start(d func(routing.Packet)) error { f.deliver = d; return nil }
func (f *fakeTr) Send(_ netip.Addr, b []byte) error {
	f.sent = append(f.sent, append([]byte(nil), b...))
	return nil
}
func (f *fakeTr) SendTo(_ netip.AddrPort, b []byte) error { return f.Send(netip.Addr{}, b) }
func (f *fakeTr) JoinGroup(netip.Addr) error              { return nil }
func (f *fakeTr) LeaveGroup(netip.Addr) error             { return nil }
func (f *fakeTr) Close() error                            { return nil }

// oneEnd is an instance with one session to addrB on eth0, driven by
// hand: the test plays the peer.
type oneEnd struct {
	t     *testing.T
	clock *routing.ManualClock
	tr    *fakeTr
	in    *Instance
	peer  uint32 // the peer's discriminator
}

func newOneEnd(t *testing.T, ic InterfaceConfig) *oneEnd {
	t.Helper()
	e := &oneEnd{t: t, clock: routing.NewManualClock(time.Time{}), tr: &fakeTr{}, peer: 0x5eed}
	ic.Name = "eth0"
	var err error
	e.in, err = New(Config{Interfaces: []InterfaceConfig{ic}, Peers: []PeerConfig{{Interface: "eth0", Peer: addrB}}, Seed: 1},
		Env{Clock: e.clock, Transports: map[string]routing.UDPTransport{"eth0": e.tr}})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.in.Start(); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *oneEnd) s() SessionInfo { return e.in.Sessions()[0] }

// ctl is a packet from the peer in state st, addressed to our session.
func (e *oneEnd) ctl(st packet.State) packet.Control {
	your := e.s().LocalDisc
	if st == packet.StateDown || st == packet.StateAdminDown {
		your = 0
	}
	return packet.Control{State: st, DetectMult: 3, MyDiscriminator: e.peer, YourDiscriminator: your,
		DesiredMinTx: 50 * time.Millisecond, RequiredMinRx: 50 * time.Millisecond}
}

func (e *oneEnd) raw(c packet.Control, key []byte) []byte {
	e.t.Helper()
	b, err := c.AppendBinary(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != nil && c.Auth.Type.Keyed() {
		if err := packet.Sign(b, key); err != nil {
			e.t.Fatal(err)
		}
	}
	return b
}

func (e *oneEnd) deliver(b []byte, ttl uint8) {
	e.tr.deliver(routing.Packet{IfIndex: 1, Src: addrB, Dst: addrA, SrcPort: 49152, TTL: ttl, Payload: b})
}

// up brings the session Up with a Down then an Up from the peer.
func (e *oneEnd) up() {
	e.t.Helper()
	e.deliver(e.raw(e.ctl(packet.StateDown), nil), 255)
	e.deliver(e.raw(e.ctl(packet.StateUp), nil), 255)
	if s := e.s(); s.State != packet.StateUp {
		e.t.Fatalf("session %v, want Up", s.State)
	}
}

// §6.8.6, RFC 5881 §5: each bad packet is dropped, counted under its
// rule, and changes nothing: the session stays Up with the same remote
// state, and its detection timer is not restarted by it.
func Test6_8_6_BadPacketsDroppedAndCounted(t *testing.T) {
	e := newOneEnd(t, fast(50))
	e.up()
	good := e.ctl(packet.StateUp)
	raw := func(f func(c *packet.Control)) []byte { c := good; f(&c); return e.raw(c, nil) }
	down := e.ctl(packet.StateDown) // would take an Up session Down, if accepted
	for _, tc := range []struct {
		name    string
		b       []byte
		ttl     uint8
		counter func(Stats) uint64
	}{
		{"TTL 254 (RFC 5881 §5)", e.raw(down, nil), 254, func(s Stats) uint64 { return s.DroppedTTL }},
		{"TTL 1", e.raw(down, nil), 1, func(s Stats) uint64 { return s.DroppedTTL }},
		{"truncated", e.raw(down, nil)[:20], 255, func(s Stats) uint64 { return s.DroppedMalformed }},
		{"version 2", func() []byte { b := e.raw(down, nil); b[0] = 2 << 5; return b }(), 255, func(s Stats) uint64 { return s.DroppedMalformed }},
		{"Length beyond payload", func() []byte { b := e.raw(down, nil); b[3] = 40; return b }(), 255, func(s Stats) uint64 { return s.DroppedMalformed }},
		{"Detect Mult 0", raw(func(c *packet.Control) { c.State, c.DetectMult = packet.StateDown, 0 }), 255, func(s Stats) uint64 { return s.DroppedInvalid }},
		{"Multipoint", raw(func(c *packet.Control) { c.State, c.Multipoint = packet.StateDown, true }), 255, func(s Stats) uint64 { return s.DroppedInvalid }},
		{"My Discriminator 0", raw(func(c *packet.Control) { c.State, c.MyDiscriminator = packet.StateDown, 0 }), 255, func(s Stats) uint64 { return s.DroppedInvalid }},
		{"Your Discriminator 0 in Init", raw(func(c *packet.Control) { c.State, c.YourDiscriminator = packet.StateInit, 0 }), 255, func(s Stats) uint64 { return s.DroppedInvalid }},
		{"Your Discriminator unknown", raw(func(c *packet.Control) { c.State, c.YourDiscriminator = packet.StateDown, 12345 }), 255, func(s Stats) uint64 { return s.DroppedNoSession }},
		{"A bit on an unauthenticated session", raw(func(c *packet.Control) {
			c.State, c.Auth = packet.StateDown, packet.Auth{Type: packet.AuthSimplePassword, KeyID: 1, Password: []byte("x")}
		}), 255, func(s Stats) uint64 { return s.DroppedAuth }},
	} {
		before := e.in.Stats()
		sb := e.s()
		e.deliver(tc.b, tc.ttl)
		after := e.in.Stats()
		if tc.counter(after) != tc.counter(before)+1 {
			t.Errorf("%s: not counted (%+v)", tc.name, after)
		}
		sa := e.s()
		if sa.State != packet.StateUp || sa.RemoteState != sb.RemoteState || sa.Counters.Received != sb.Counters.Received {
			t.Errorf("%s: changed the session: %v remote %v", tc.name, sa.State, sa.RemoteState)
		}
	}
	// A packet from another source with a valid discriminator selects
	// nothing either (RFC 5881 §3: the peer is on its link, at its address).
	before := e.in.Stats().DroppedNoSession
	e.tr.deliver(routing.Packet{Src: netip.MustParseAddr("10.9.0.3"), TTL: 255, Payload: e.raw(e.ctl(packet.StateUp), nil)})
	if e.in.Stats().DroppedNoSession != before+1 {
		t.Error("a packet from another address was accepted")
	}
	// None of them restarted detection: the session times out 150 ms
	// after the last good packet.
	e.clock.Advance(150 * time.Millisecond)
	if s := e.s(); s.State != packet.StateDown || s.LastDownDiag != packet.DiagControlDetectExpired {
		t.Errorf("after the detection time: %v %v", s.State, s.LastDownDiag)
	}
}

// §6.8.6: a Poll is answered with a Final at once, not at the next
// periodic packet; P and F are never both set (§6.8.7).
func Test6_8_6_PollAnsweredWithFinalAtOnce(t *testing.T) {
	e := newOneEnd(t, fast(50))
	e.up()
	e.tr.sent = nil
	c := e.ctl(packet.StateUp)
	c.Poll = true
	e.deliver(e.raw(c, nil), 255)
	if len(e.tr.sent) == 0 {
		t.Fatal("no answer to the Poll")
	}
	got, err := packet.Parse(e.tr.sent[len(e.tr.sent)-1])
	if err != nil || !got.Final || got.Poll {
		t.Errorf("answer %+v, %v: want F set and P clear", got, err)
	}
}

// §6.1: the passive role sends nothing until it has heard the peer.
func Test6_1_PassiveWaitsForPeer(t *testing.T) {
	ic := fast(50)
	ic.Passive = true
	e := newOneEnd(t, ic)
	e.clock.Advance(10 * time.Second)
	if len(e.tr.sent) != 0 {
		t.Fatalf("passive end sent %d packets before hearing the peer", len(e.tr.sent))
	}
	e.deliver(e.raw(e.ctl(packet.StateDown), nil), 255)
	e.clock.Advance(2 * time.Second)
	if len(e.tr.sent) == 0 {
		t.Fatal("passive end silent after hearing the peer")
	}
}

// §6.8.7: a peer that asks for no packets (Required Min RX 0) gets no
// periodic ones.
func Test6_8_7_RequiredMinRxZeroStopsPeriodic(t *testing.T) {
	e := newOneEnd(t, fast(50))
	e.up()
	c := e.ctl(packet.StateUp)
	c.RequiredMinRx = 0
	e.deliver(e.raw(c, nil), 255)
	e.tr.sent = nil
	for range 10 {
		e.clock.Advance(20 * time.Millisecond)
		e.deliver(e.raw(c, nil), 255) // keep it Up
	}
	if len(e.tr.sent) != 0 {
		t.Errorf("%d periodic packets to a peer with Required Min RX 0", len(e.tr.sent))
	}
}

// §6.7.3: keyed sequence numbers must stay in the window: a replayed
// packet (meticulous: the same number again; keyed: one below the last)
// and one far ahead are dropped and counted; the window forgets after
// twice the detection time without packets.
func Test6_7_3_ReplayWindow(t *testing.T) {
	for _, typ := range []packet.AuthType{packet.AuthKeyedMD5, packet.AuthMeticulousKeyedMD5, packet.AuthKeyedSHA1, packet.AuthMeticulousKeyedSHA1} {
		key := []byte("k3y")
		ic := fast(50)
		ic.Auth = &Auth{Type: typ, KeyID: 4, Key: key}
		e := newOneEnd(t, ic)
		seq := uint32(1000)
		send := func(st packet.State, s uint32) {
			c := e.ctl(st)
			c.Auth = packet.Auth{Type: typ, KeyID: 4, Sequence: s}
			e.deliver(e.raw(c, key), 255)
		}
		send(packet.StateDown, seq)
		send(packet.StateUp, seq+1)
		if e.s().State != packet.StateUp {
			t.Fatalf("%v: not Up with the right key", typ)
		}
		replay := seq + 1
		if !typ.Meticulous() {
			replay = seq // below the last accepted one
		}
		before := e.in.Stats().DroppedReplay
		send(packet.StateDown, replay)
		send(packet.StateDown, seq+1+3*3+1) // beyond RcvAuthSeq + 3 × Detect Mult
		if got := e.in.Stats().DroppedReplay - before; got != 2 {
			t.Errorf("%v: %d replays dropped, want 2", typ, got)
		}
		if e.s().State != packet.StateUp {
			t.Errorf("%v: a replayed Down took the session down", typ)
		}
		// A wrong key is an auth drop.
		c := e.ctl(packet.StateDown)
		c.Auth = packet.Auth{Type: typ, KeyID: 4, Sequence: seq + 2}
		before = e.in.Stats().DroppedAuth
		e.deliver(e.raw(c, []byte("wrong")), 255)
		if e.in.Stats().DroppedAuth != before+1 || e.s().State != packet.StateUp {
			t.Errorf("%v: wrong key not dropped", typ)
		}
		// Silence: the session times out, and after twice the detection
		// time bfd.AuthSeqKnown is cleared, so a restarted peer with a
		// fresh sequence number gets in.
		e.clock.Advance(10 * time.Second)
		send(packet.StateDown, 7)
		if s := e.s(); s.State != packet.StateInit {
			t.Errorf("%v: after the window reset, a fresh peer gives %v, want Init", typ, s.State)
		}
	}
}

// FuzzReceive: whatever arrives, the instance never panics, and a
// packet that is not a valid, matching Control packet changes nothing
// (every drop is counted).
//
//	go test -fuzz FuzzReceive ./bfd/
func FuzzReceive(f *testing.F) {
	f.Add([]byte{0x20, 0xc0, 3, 24, 0, 0, 0x5e, 0xed, 0, 0, 0, 0, 0, 0, 0xc3, 0x50, 0, 0, 0xc3, 0x50, 0, 0, 0, 0}, uint8(255))
	f.Add([]byte{0x20, 0x44, 3, 24}, uint8(255))
	f.Fuzz(func(t *testing.T, b []byte, ttl uint8) {
		e := newOneEnd(t, fast(50))
		e.up()
		before, sb := e.in.Stats(), e.s()
		e.deliver(b, ttl)
		after, sa := e.in.Stats(), e.s()
		drops := func(s Stats) uint64 {
			return s.DroppedTTL + s.DroppedMalformed + s.DroppedInvalid + s.DroppedNoSession + s.DroppedAuth + s.DroppedReplay
		}
		if sa.Counters.Received == sb.Counters.Received {
			if drops(after) != drops(before)+1 {
				t.Fatalf("packet neither accepted nor counted as dropped")
			}
			if sa.State != sb.State || sa.RemoteDisc != sb.RemoteDisc {
				t.Fatalf("a dropped packet changed the session")
			}
		}
	})
}

package bfd

import (
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd/packet"
)

// RFC 5880 §6.8.7: the coming Up FRR bfdd does, scripted: Init with
// 1 s intervals, then Up with a Poll for 100 ms TX / 200 ms RX, then a
// Final. Our periodic packets must then be at least 75 % of the
// negotiated 200 ms apart.
func TestRFC5880_6_8_7_FRRStyleUpKeepsPeerMinRx(t *testing.T) {
	p := newPair(t, InterfaceConfig{MinTx: 150 * time.Millisecond, MinRx: 100 * time.Millisecond, DetectMult: 3}, fast(100))
	if err := p.a.in.Start(); err != nil {
		t.Fatal(err)
	}
	p.watch(p.a, addrA, addrB)
	peer := p.b.tr.UDPTransport
	if err := peer.Start(func(routing.Packet) {}); err != nil {
		t.Fatal(err)
	}
	p.clock.Advance(10 * time.Millisecond)
	disc := p.a.session(t).LocalDisc
	send := func(c packet.Control) {
		c.MyDiscriminator, c.YourDiscriminator, c.DetectMult = 0x1234, disc, 4
		b, err := c.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := peer.Send(addrA, b); err != nil {
			t.Fatal(err)
		}
		p.clock.Advance(0)
	}
	p.clock.Advance(300 * time.Millisecond)
	p.a.tr.take()
	t0 := p.clock.Now()
	send(packet.Control{State: packet.StateInit, DesiredMinTx: time.Second, RequiredMinRx: time.Second})
	send(packet.Control{State: packet.StateUp, Poll: true, DesiredMinTx: 100 * time.Millisecond, RequiredMinRx: 200 * time.Millisecond})
	send(packet.Control{State: packet.StateUp, Final: true, DesiredMinTx: 100 * time.Millisecond, RequiredMinRx: 200 * time.Millisecond})
	for range 20 {
		p.clock.Advance(100 * time.Millisecond)
		send(packet.Control{State: packet.StateUp, DesiredMinTx: 100 * time.Millisecond, RequiredMinRx: 200 * time.Millisecond})
	}
	var last time.Time
	for _, s := range p.a.tr.take() {
		t.Logf("%v %v P%v F%v", s.at.Sub(t0), s.c.State, s.c.Poll, s.c.Final)
		if s.c.Final || s.c.State != packet.StateUp {
			continue
		}
		if !last.IsZero() && s.at.Sub(last) < 150*time.Millisecond {
			t.Errorf("periodic packets %v apart at %v, want at least 150ms", s.at.Sub(last), s.at.Sub(t0))
		}
		last = s.at
	}
}

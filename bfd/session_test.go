package bfd

import (
	"slices"
	"testing"
	"time"

	"github.com/switchless/routing/bfd/packet"
)

// §6.2, §6.8.6: Down → Init → Up on both sides (the three-way
// handshake), the clients told Up once each, and §6.8.3's Poll Sequence
// then takes both from the slow second to the configured 50 ms.
func Test6_2_ThreeWayHandshake_UpBothWays(t *testing.T) {
	p := newPair(t, fast(50), fast(50))
	p.start()
	took := p.until(5*time.Second, p.settled)
	t.Logf("up and settled after %v (virtual)", took)
	for _, s := range []*side{p.a, p.b} {
		if got := s.told(); !slices.Equal(got, []bool{true}) {
			t.Errorf("client told %v, want [true]", got)
		}
		si := s.session(t)
		if si.TxInterval != 50*time.Millisecond || si.DetectTime != 150*time.Millisecond {
			t.Errorf("negotiated tx %v detect %v, want 50ms and 150ms", si.TxInterval, si.DetectTime)
		}
		if si.Counters.PollSequences != 1 || si.Counters.Ups != 1 || si.Counters.Downs != 0 {
			t.Errorf("counters %+v, want 1 poll sequence, 1 up, 0 downs", si.Counters)
		}
		if si.LocalDisc == 0 || si.RemoteDisc == 0 {
			t.Errorf("discriminators %d/%d", si.LocalDisc, si.RemoteDisc)
		}
	}
	if p.a.session(t).RemoteDisc != p.b.session(t).LocalDisc {
		t.Error("a's remote discriminator is not b's local one")
	}
}

// §6.8.3: until the session is Up, Desired Min TX is at least a second
// and the packets go out about once a second (less the §6.8.7 jitter),
// however fast the configuration.
func Test6_8_3_SlowTransmitUntilUp(t *testing.T) {
	p := newPair(t, fast(20), fast(20))
	if err := p.a.in.Start(); err != nil {
		t.Fatal(err)
	}
	p.watch(p.a, addrA, addrB) // b never starts
	p.clock.Advance(30 * time.Second)
	ss := p.a.tr.take()
	if len(ss) < 25 || len(ss) > 41 {
		t.Fatalf("%d packets in 30 s while Down, want about one a second", len(ss))
	}
	for i, s := range ss {
		if s.c.DesiredMinTx < time.Second || s.c.State != packet.StateDown {
			t.Fatalf("packet %d: state %v desired min tx %v, want Down and at least 1s", i, s.c.State, s.c.DesiredMinTx)
		}
		if i > 0 {
			if d := s.at.Sub(ss[i-1].at); d < 750*time.Millisecond || d > time.Second {
				t.Fatalf("interval %d: %v outside [750ms, 1s]", i, d)
			}
		}
	}
}

// §6.8.4: a peer that goes silent with its link up is declared down
// once the detection time (Detect Mult × the negotiated interval) has
// passed since its last packet; the diagnostic is 1 and the client is
// told once. §6.8.1: bfd.RemoteDiscr is reset.
func Test6_8_4_SilentPeerDetected(t *testing.T) {
	p := newPair(t, fast(50), fast(50))
	p.start()
	p.until(5*time.Second, p.settled)
	p.clock.Advance(time.Second)
	p.b.tr.frozen.Store(true)
	last := p.clock.Now()
	took := p.until(time.Second, func() bool { return p.a.session(t).State == packet.StateDown })
	si := p.a.session(t)
	if si.LastDownDiag != packet.DiagControlDetectExpired || si.RemoteDisc != 0 {
		t.Errorf("diag %v remote discriminator %d, want control-detection-time-expired and 0", si.LastDownDiag, si.RemoteDisc)
	}
	// The last packet from b arrived at most one interval before the
	// freeze; the detection time runs from it.
	if took > 150*time.Millisecond || took < 100*time.Millisecond {
		t.Errorf("detected %v after the freeze, want within (100ms, 150ms]", took)
	}
	if got := p.a.told(); !slices.Equal(got, []bool{true, false}) {
		t.Errorf("client told %v, want [true false]", got)
	}
	_ = last
	// Back to the slow second while Down (§6.8.3).
	p.a.tr.take()
	p.clock.Advance(3 * time.Second)
	for _, s := range p.a.tr.take() {
		if s.c.DesiredMinTx < time.Second {
			t.Fatalf("Down, sent desired min tx %v", s.c.DesiredMinTx)
		}
	}
	// Thawed, b (still Up, its own timer long expired too) and a meet
	// again: Up once more.
	p.b.tr.frozen.Store(false)
	p.until(10*time.Second, p.settled)
	if got := p.a.told(); !slices.Equal(got, []bool{true, false, true}) {
		t.Errorf("client told %v, want [true false true]", got)
	}
}

// §6.5, §6.8.3: changing the intervals of an Up session runs a Poll
// Sequence: packets with P until the peer's F, new intervals in use
// after it, and the session never leaves Up.
func Test6_5_PollFinalChangesTimersWithoutFlap(t *testing.T) {
	p := newPair(t, fast(50), fast(50))
	p.start()
	p.until(5*time.Second, p.settled)
	p.a.tr.take()
	p.b.tr.take()
	nc := fast(200)
	nc.Name = p.a.in.order[0]
	if err := p.a.in.UpdateInterface(nc); err != nil {
		t.Fatal(err)
	}
	if !p.a.session(t).Polling {
		t.Fatal("no Poll Sequence after the change")
	}
	p.until(time.Second, func() bool { return !p.a.session(t).Polling })
	p.clock.Advance(2 * time.Second)
	var polls, finals int
	for _, s := range p.a.tr.take() {
		if s.c.Poll {
			polls++
		}
		if s.c.Poll && s.c.Final {
			t.Error("P and F both set")
		}
	}
	for _, s := range p.b.tr.take() {
		if s.c.Final {
			finals++
		}
	}
	if polls == 0 || finals == 0 {
		t.Errorf("%d polls from a, %d finals from b", polls, finals)
	}
	sa, sb := p.a.session(t), p.b.session(t)
	if sa.TxInterval != 200*time.Millisecond || sb.TxInterval != 200*time.Millisecond {
		t.Errorf("tx intervals a %v b %v, want 200ms both (b sends no faster than a's Required Min RX)", sa.TxInterval, sb.TxInterval)
	}
	if sb.DetectTime != 600*time.Millisecond {
		t.Errorf("b's detection time %v, want 600ms", sb.DetectTime)
	}
	for _, s := range []*side{p.a, p.b} {
		if c := s.session(t).Counters; c.Downs != 0 || c.Ups != 1 {
			t.Errorf("flapped: %+v", c)
		}
	}
}

// §6.8.3: while the Poll Sequence that raises Required Min RX... is not
// needed; lowering it must not shorten the detection time before the
// Final: a peer that still sends at the old pace is not declared down.
func Test6_8_3_ShorterDetectionWaitsForFinal(t *testing.T) {
	p := newPair(t, fast(200), fast(200))
	p.start()
	p.until(5*time.Second, p.settled)
	// b stops answering polls (its packets still arrive, without F):
	// drop a's packets to b so b never sees the Poll.
	p.a.tr.frozen.Store(true)
	nc := fast(20)
	nc.Name = p.a.in.order[0]
	if err := p.a.in.UpdateInterface(nc); err != nil {
		t.Fatal(err)
	}
	si := p.a.session(t)
	if si.DetectTime != 600*time.Millisecond {
		t.Fatalf("detection time %v during the Poll Sequence, want the old 600ms", si.DetectTime)
	}
}

// RFC 5880 §6.8.16, RFC 5882 §3.2: a peer that stops gracefully takes
// the session AdminDown: we go Down with diag 3 but the client is not
// told of a failure.
func Test6_8_16_PeerAdminDownIsNotAFailure(t *testing.T) {
	p := newPair(t, fast(50), fast(50))
	p.start()
	p.until(5*time.Second, p.settled)
	if err := p.b.in.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	p.clock.Advance(time.Millisecond)
	si := p.a.session(t)
	if si.State != packet.StateDown || si.LastDownDiag != packet.DiagNeighborDown || si.RemoteState != packet.StateAdminDown {
		t.Fatalf("after the peer's stop: %v diag %v remote %v", si.State, si.LastDownDiag, si.RemoteState)
	}
	p.clock.Advance(5 * time.Second)
	if got := p.a.told(); !slices.Equal(got, []bool{true}) {
		t.Errorf("client told %v, want only [true]", got)
	}
	var admin bool
	for _, e := range p.a.evs() {
		if e.Kind == SessionPeerAdminDown {
			admin = true
		}
		if e.Kind == SessionDown {
			t.Errorf("event %v", e)
		}
	}
	if !admin {
		t.Error("no session-peer-admin-down event")
	}
}

// §6.8.7: the interval between periodic packets is reduced by 0 to 25 %
// of the negotiated one, and, with a Detect Mult of 1, lies between 75 %
// and 90 % of it: 10,000 packets each.
func Test6_8_7_JitterWithinBounds(t *testing.T) {
	for _, mult := range []int{3, 1} {
		p := newPair(t, InterfaceConfig{MinTx: 10 * time.Millisecond, MinRx: 10 * time.Millisecond, DetectMult: mult}, fast(10))
		p.start()
		p.until(5*time.Second, p.settled)
		p.clock.Advance(time.Second)
		p.a.tr.take()
		p.clock.Advance(10000 * 10 * time.Millisecond)
		ss := p.a.tr.take()
		if len(ss) < 10000 {
			t.Fatalf("mult %d: %d packets", mult, len(ss))
		}
		lo, hi := 7500*time.Microsecond, 10*time.Millisecond
		if mult == 1 {
			hi = 9 * time.Millisecond
		}
		var minD, maxD time.Duration = time.Hour, 0
		for i := 1; i < len(ss); i++ {
			d := ss[i].at.Sub(ss[i-1].at)
			minD, maxD = min(minD, d), max(maxD, d)
			if d < lo || d > hi {
				t.Fatalf("mult %d: interval %d is %v, outside [%v, %v]", mult, i, d, lo, hi)
			}
		}
		t.Logf("mult %d: %d intervals in [%v, %v]", mult, len(ss)-1, minD, maxD)
		if maxD-minD < time.Millisecond {
			t.Errorf("mult %d: no jitter (%v to %v)", mult, minD, maxD)
		}
	}
}

// The same seeds give the same packets (deterministic simulation).
func TestSameSeedSamePackets(t *testing.T) {
	run := func() []sent {
		p := newPair(t, fast(50), fast(50))
		p.start()
		p.clock.Advance(10 * time.Second)
		return p.a.tr.take()
	}
	x, y := run(), run()
	if len(x) != len(y) {
		t.Fatalf("%d and %d packets", len(x), len(y))
	}
	for i := range x {
		if !x[i].at.Equal(y[i].at) || x[i].c.MyDiscriminator != y[i].c.MyDiscriminator {
			t.Fatalf("packet %d differs", i)
		}
	}
}

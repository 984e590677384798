package bfd

import (
	"net/netip"
	"time"

	"github.com/switchless/routing/bfd/packet"
	"github.com/switchless/routing/internal/loop"
)

// session is one BFD session and its state variables (RFC 5880 §6.8.1).
// It is guarded by its instance's lock.
type session struct {
	in          *Instance
	ifc         *iface
	local, peer netip.Addr
	static      bool
	retiring    bool
	watches     []*watch

	state, remoteState packet.State // bfd.SessionState, bfd.RemoteSessionState
	localDisc          uint32       // bfd.LocalDiscr
	remoteDisc         uint32       // bfd.RemoteDiscr
	localDiag          packet.Diag  // bfd.LocalDiag
	remoteDiag         packet.Diag  // the peer's last Diag
	detectMult         uint8        // bfd.DetectMult
	remoteDetectMult   uint8        // the peer's Detect Mult
	remoteMinRx        time.Duration
	remoteDesiredMinTx time.Duration
	desiredMinTx       time.Duration // bfd.DesiredMinTxInterval, as sent
	requiredMinRx      time.Duration // bfd.RequiredMinRxInterval, as sent
	txInUse, rxInUse   time.Duration // the values timing uses during a Poll Sequence (§6.8.3)
	polling            bool          // a Poll Sequence is in progress (§6.5)
	rcvAuthSeq         uint32        // bfd.RcvAuthSeq
	xmitAuthSeq        uint32        // bfd.XmitAuthSeq
	authSeqKnown       bool          // bfd.AuthSeqKnown
	lastRx             time.Time
	tx, detect         loop.Slot
	txDeadline         time.Time // when the periodic packet is due
	upSince, downSince time.Time
	lastDownDiag       packet.Diag
	counters           SessionCounters
}

// SessionCounters are one session's counters.
type SessionCounters struct {
	Sent, Received uint64
	// Ups and Downs count transitions to Up and failures (from Init or
	// Up to Down).
	Ups, Downs uint64
	// PollSequences counts Poll Sequences completed by a Final.
	PollSequences uint64
}

func newSession(in *Instance, f *iface, local, peer netip.Addr, disc uint32) *session {
	now := in.env.Clock.Now()
	s := &session{
		in:          in,
		ifc:         f,
		local:       local,
		peer:        peer,
		state:       packet.StateDown, // §6.8.1: initialised to Down
		remoteState: packet.StateDown,
		localDisc:   disc,
		// §6.8.1: bfd.RemoteMinRxInterval starts at 1 µs, so that the
		// first packets go out at our own pace.
		remoteMinRx: time.Microsecond,
		xmitAuthSeq: in.rnd.Uint32(), // §6.8.1: random initial value
		downSince:   now,
	}
	s.applyTimers()
	return s
}

// setTimers sets the advertised intervals from the interface: while not
// Up, Desired Min TX is at least one second (§6.8.3).
func (s *session) setTimers() {
	c := s.ifc.cfg
	s.detectMult = uint8(c.DetectMult)
	s.requiredMinRx = c.MinRx
	s.desiredMinTx = c.MinTx
	if s.state != packet.StateUp && s.desiredMinTx < SlowTx {
		s.desiredMinTx = SlowTx
	}
}

// applyTimers sets the advertised intervals and uses them at once, as
// outside a Poll Sequence.
func (s *session) applyTimers() {
	s.setTimers()
	s.txInUse, s.rxInUse = s.desiredMinTx, s.requiredMinRx
}

// start begins transmitting, unless the interface takes the passive role
// (§6.1): then the first packet goes out once the peer has been heard.
func (s *session) start() {
	if !s.in.started || s.in.stopped {
		return
	}
	if s.ifc.cfg.Passive && s.remoteDisc == 0 {
		return
	}
	s.armTx(0)
}

// revive takes a retiring session back: a client asked for it again.
func (s *session) revive() {
	s.retiring = false
	s.detect.Stop()
	s.state, s.localDiag = packet.StateDown, packet.DiagNone
	s.applyTimers()
	s.start()
}

func (s *session) stopTimers() {
	s.tx.Stop()
	s.detect.Stop()
}

// txInterval is the periodic transmit interval before jitter (§6.8.7):
// the larger of our Desired Min TX and the peer's Required Min RX. Zero
// means the peer wants no periodic packets.
func (s *session) txInterval() time.Duration {
	if s.remoteMinRx == 0 {
		return 0
	}
	return max(s.txInUse, s.remoteMinRx)
}

// jitter applies §6.8.7: the interval is reduced by a random 0 to 25 %,
// or, with a Detect Mult of 1, kept between 75 % and 90 %.
func (s *session) jitter(d time.Duration) time.Duration {
	if s.detectMult == 1 {
		return d*75/100 + time.Duration(s.in.rnd.Int64N(int64(d*15/100)+1))
	}
	return d - time.Duration(s.in.rnd.Int64N(int64(d/4)+1))
}

// armTx schedules the next periodic packet d from now (d 0: at once).
func (s *session) armTx(d time.Duration) {
	s.txDeadline = s.in.env.Clock.Now().Add(d)
	s.tx.Arm(s.in.env.Clock, d, s.in.run, s.periodic)
}

// periodic sends the periodic packet and schedules the next one
// (§6.8.7).
func (s *session) periodic() {
	if s.ifc.cfg.Passive && s.remoteDisc == 0 {
		return // §6.8.7: the passive role never speaks first
	}
	iv := s.txInterval()
	if iv == 0 {
		return // §6.8.7: no periodic packets while RemoteMinRxInterval is 0
	}
	s.in.send(s, false)
	s.armTx(s.jitter(iv))
}

// reschedule re-arms the transmit timer after the interval changed, so
// that a faster interval takes effect without waiting out the old one.
func (s *session) reschedule() {
	if !s.tx.Armed() {
		return
	}
	iv := s.txInterval()
	if iv == 0 {
		return
	}
	if next := s.in.env.Clock.Now().Add(iv); next.Before(s.txDeadline) {
		s.armTx(s.jitter(iv))
	}
}

// detectTime is the detection time of §6.8.4 (asynchronous mode): the
// peer's Detect Mult times the larger of our Required Min RX and the
// peer's Desired Min TX.
func (s *session) detectTime() time.Duration {
	return time.Duration(s.remoteDetectMult) * max(s.rxInUse, s.remoteDesiredMinTx)
}

// remoteDetectTime is the peer's detection time of us, as far as we can
// tell: our Detect Mult times our transmit interval.
func (s *session) remoteDetectTime() time.Duration {
	iv := s.txInterval()
	if iv == 0 {
		iv = s.desiredMinTx
	}
	return time.Duration(s.detectMult) * iv
}

// armDetect restarts the detection timer: it runs while the session is
// Init or Up (§6.8.4).
func (s *session) armDetect() {
	if s.state != packet.StateInit && s.state != packet.StateUp {
		s.detect.Stop()
		return
	}
	if d := s.detectTime(); d > 0 {
		s.detect.Arm(s.in.env.Clock, d, s.in.run, s.expired)
	}
}

// expired is the detection time running out (§6.8.4): the session goes
// Down with diagnostic 1, and bfd.RemoteDiscr is reset (§6.8.1).
func (s *session) expired() {
	if s.state != packet.StateInit && s.state != packet.StateUp {
		return
	}
	s.remoteDisc = 0
	s.remoteState = packet.StateDown
	s.goDown(packet.DiagControlDetectExpired)
}

// enterDown is what every way into Down shares: the diagnostic, no Poll
// Sequence or detection timer, and the slow second of §6.8.3 again.
func (s *session) enterDown(diag packet.Diag) {
	s.state, s.localDiag = packet.StateDown, diag
	s.lastDownDiag = diag
	s.downSince = s.in.env.Clock.Now()
	s.polling = false
	s.detect.Stop()
	s.applyTimers()
}

// goDown takes the session from Init or Up to Down, telling clients of
// an Up session it failed (RFC 5882 §3.1).
func (s *session) goDown(diag packet.Diag) {
	wasUp := s.state == packet.StateUp
	s.enterDown(diag)
	s.counters.Downs++
	s.in.emit(Event{Kind: SessionDown, Interface: s.ifc.cfg.Name, Peer: s.peer, Diag: diag})
	s.in.log.Info("bfd: session down", "interface", s.ifc.cfg.Name, "peer", s.peer, "diag", diag.String())
	if wasUp {
		for _, w := range s.watches {
			s.in.notify(w, false)
		}
	}
	// Tell the peer now rather than at the next slow packet.
	s.in.send(s, false)
	s.reschedule()
}

// goUp takes the session to Up and starts the Poll Sequence that moves
// Desired Min TX from the slow second to the configured interval
// (§6.8.3).
func (s *session) goUp() {
	s.state = packet.StateUp
	s.upSince = s.in.env.Clock.Now()
	s.counters.Ups++
	s.in.emit(Event{Kind: SessionUp, Interface: s.ifc.cfg.Name, Peer: s.peer})
	s.in.log.Info("bfd: session up", "interface", s.ifc.cfg.Name, "peer", s.peer)
	for _, w := range s.watches {
		s.in.notify(w, true)
	}
	s.reconfigure()
	if !s.polling {
		s.in.send(s, false) // tell the peer now, not a slow second later
	}
}

// reconfigure applies the interface's intervals; when the advertised
// ones change while Up, a Poll Sequence starts (§6.8.3). Until it ends,
// a longer transmit interval and a shorter detection time do not take
// effect (§6.8.3): the more conservative old values stay in use.
func (s *session) reconfigure() {
	oldTx, oldRx := s.desiredMinTx, s.requiredMinRx
	s.setTimers()
	if s.desiredMinTx == oldTx && s.requiredMinRx == oldRx {
		return
	}
	if s.state != packet.StateUp {
		s.txInUse, s.rxInUse = s.desiredMinTx, s.requiredMinRx
		s.reschedule()
		return
	}
	s.txInUse = min(s.txInUse, s.desiredMinTx)  // a faster TX may start at once
	s.rxInUse = max(s.rxInUse, s.requiredMinRx) // a shorter detection waits for the Final
	s.polling = true
	s.in.send(s, false)
	s.reschedule()
}

// pollDone ends the Poll Sequence on a Final (§6.5): the new intervals
// are now in use on both sides.
func (s *session) pollDone() {
	s.polling = false
	s.txInUse, s.rxInUse = s.desiredMinTx, s.requiredMinRx
	s.counters.PollSequences++
	s.reschedule()
}

// adminDown is §6.8.16: the session is taken down administratively.
func (s *session) adminDown() {
	s.state, s.localDiag = packet.StateAdminDown, packet.DiagAdminDown
	s.polling = false
	s.detect.Stop()
}

// send transmits one Control packet to the peer (§6.8.7); final sets the
// F bit in answer to a Poll.
func (in *Instance) send(s *session, final bool) {
	tr := s.ifc.transport(s.peer)
	if tr == nil {
		return
	}
	c := packet.Control{
		Diag:              s.localDiag,
		State:             s.state,
		Poll:              s.polling && !final, // §6.8.7: never both
		Final:             final,
		DetectMult:        s.detectMult,
		MyDiscriminator:   s.localDisc,
		YourDiscriminator: s.remoteDisc,
		DesiredMinTx:      s.desiredMinTx,
		RequiredMinRx:     s.requiredMinRx,
		// Echo is not implemented: Required Min Echo RX stays zero
		// (§6.8.9).
	}
	var key []byte
	if a := s.ifc.cfg.Auth; a != nil {
		c.Auth.Type, c.Auth.KeyID = a.Type, a.KeyID
		key = a.Key
		if a.Type == packet.AuthSimplePassword {
			c.Auth.Password = a.Key
		} else {
			// §6.7.3, §6.7.4: the meticulous types increment the
			// sequence number with every packet; the others may, and
			// doing so keeps a replayed packet out of the window sooner.
			s.xmitAuthSeq++
			c.Auth.Sequence = s.xmitAuthSeq
		}
	}
	b, err := c.AppendBinary(in.txBuf[:0])
	if err == nil && key != nil {
		err = packet.Sign(b, key)
	}
	if err == nil {
		err = tr.Send(s.peer, b)
	}
	if err != nil {
		in.stats.SendErrors++
		in.log.Debug("bfd: send failed", "interface", s.ifc.cfg.Name, "peer", s.peer, "err", err)
		return
	}
	in.stats.Sent++
	s.counters.Sent++
}

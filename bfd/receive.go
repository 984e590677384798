package bfd

import (
	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd/packet"
)

// receive is the reception of a Control packet, RFC 5880 §6.8.6, in the
// RFC's order. A packet discarded by any rule is counted and changes
// nothing.
func (in *Instance) receive(f *iface, p routing.Packet) {
	in.stats.Received++
	// RFC 5881 §5: single-hop packets are sent with TTL 255 and
	// received only with TTL 255, so that no one off the link can
	// inject them (GTSM, RFC 5082).
	if p.TTL != 255 {
		in.stats.DroppedTTL++
		in.log.Debug("bfd: drop: TTL is not 255", "interface", f.cfg.Name, "src", p.Src, "ttl", p.TTL)
		return
	}
	c := &in.rx
	if err := c.Decode(p.Payload); err != nil {
		in.stats.DroppedMalformed++
		in.log.Debug("bfd: drop: malformed", "interface", f.cfg.Name, "src", p.Src, "err", err)
		return
	}
	if err := c.Check(); err != nil {
		in.stats.DroppedInvalid++
		in.log.Debug("bfd: drop", "interface", f.cfg.Name, "src", p.Src, "err", err)
		return
	}
	src := p.Src.Unmap()
	var s *session
	if c.YourDiscriminator != 0 {
		// §6.8.6: a non-zero Your Discriminator selects the session.
		s = in.byDisc[c.YourDiscriminator]
		if s != nil && (s.ifc != f || s.peer != src) {
			s = nil // RFC 5881 §3: single hop, the peer is on its interface
		}
	} else {
		// §6.8.6, RFC 5881 §3: a zero one is matched by interface and
		// source address.
		s = in.sessions[sessKey{f.cfg.Name, src}]
	}
	if s == nil {
		in.stats.DroppedNoSession++
		in.log.Debug("bfd: drop: no session", "interface", f.cfg.Name, "src", src, "your_discriminator", c.YourDiscriminator)
		return
	}
	if !in.authenticate(s, c, p.Payload) {
		return
	}
	s.counters.Received++
	s.lastRx = in.env.Clock.Now()
	// §6.8.6: the remote state variables take the packet's values.
	s.remoteDisc = c.MyDiscriminator
	s.remoteState = c.State
	s.remoteDiag = c.Diag
	s.remoteDetectMult = c.DetectMult
	s.remoteDesiredMinTx = c.DesiredMinTx
	oldMinRx := s.remoteMinRx
	s.remoteMinRx = c.RequiredMinRx
	// §6.8.6: a Final ends our Poll Sequence.
	if c.Final && s.polling {
		s.pollDone()
	}
	if s.remoteMinRx != oldMinRx {
		s.reschedule()
	}
	if s.state == packet.StateAdminDown || s.retiring {
		return // §6.8.6: discard in AdminDown
	}
	// The passive role starts sending once the peer has been heard
	// (§6.1).
	if !s.tx.Armed() {
		s.start()
	}
	switch {
	case c.State == packet.StateAdminDown:
		// §6.8.6: the peer took the session down administratively. Not
		// a failure: clients are not told (RFC 5882 §3.2).
		if s.state != packet.StateDown {
			wasUp := s.state == packet.StateUp
			s.enterDown(packet.DiagNeighborDown)
			if wasUp {
				in.emit(Event{Kind: SessionPeerAdminDown, Interface: f.cfg.Name, Peer: src, Diag: packet.DiagNeighborDown})
				in.log.Info("bfd: peer took the session AdminDown", "interface", f.cfg.Name, "peer", src)
			}
		}
	case s.state == packet.StateDown:
		// §6.8.6 (and the diagram of §6.2): Down → Init on Down,
		// Down → Up on Init.
		switch c.State {
		case packet.StateDown:
			s.state = packet.StateInit
			// Tell the peer at once rather than at the next slow
			// packet, as FRR and BIRD do on every state change; the
			// interval rule of §6.8.7 governs the periodic packets.
			in.send(s, false)
		case packet.StateInit:
			s.goUp()
		}
	case s.state == packet.StateInit:
		if c.State == packet.StateInit || c.State == packet.StateUp {
			s.goUp()
		}
	default: // Up
		if c.State == packet.StateDown {
			s.remoteState = packet.StateDown
			s.goDown(packet.DiagNeighborDown)
		}
	}
	// §6.8.6: a Poll is answered at once with a Final, whatever the
	// transmit timer.
	if c.Poll {
		in.send(s, true)
	}
	// §6.8.4: every valid packet restarts the detection time.
	s.armDetect()
}

// authenticate applies the authentication rules of §6.8.6 and §6.7: the
// A bit must match the session's configuration, and the password or
// digest and the sequence number must pass.
func (in *Instance) authenticate(s *session, c *packet.Control, b []byte) bool {
	a := s.ifc.cfg.Auth
	switch {
	case a == nil && c.Auth.Type == packet.AuthNone:
		return true
	case a == nil || c.Auth.Type == packet.AuthNone:
		// §6.8.6: A set without bfd.AuthType, or clear with it: discard.
		in.stats.DroppedAuth++
		in.log.Debug("bfd: drop: authentication presence mismatch", "peer", s.peer, "got", c.Auth.Type)
		return false
	}
	if err := packet.Verify(b, a.Type, a.KeyID, a.Key); err != nil {
		in.stats.DroppedAuth++
		in.log.Debug("bfd: drop", "peer", s.peer, "err", err)
		return false
	}
	if !a.Type.Keyed() {
		return true
	}
	// §6.7.3: bfd.AuthSeqKnown is cleared after twice the detection
	// time without a packet.
	now := in.env.Clock.Now()
	if s.authSeqKnown && !s.lastRx.IsZero() && now.Sub(s.lastRx) > 2*s.detectTime() {
		s.authSeqKnown = false
	}
	seq := c.Auth.Sequence
	if s.authSeqKnown {
		// §6.7.3, §6.7.4: within [RcvAuthSeq, RcvAuthSeq+3*DetectMult]
		// (modulo 2^32), and strictly beyond RcvAuthSeq for the
		// meticulous types.
		lo := s.rcvAuthSeq
		if a.Type.Meticulous() {
			lo++
		}
		if seq-lo > s.rcvAuthSeq+3*uint32(s.detectMult)-lo {
			in.stats.DroppedReplay++
			in.log.Debug("bfd: drop: sequence number out of window", "peer", s.peer, "sequence", seq, "last", s.rcvAuthSeq)
			return false
		}
	}
	s.rcvAuthSeq, s.authSeqKnown = seq, true
	return true
}

package ospf

import (
	"errors"
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/switchless/routing/ospf/packet"
)

// receiveLSU processes a Link State Update (RFC 2328 §13): each LSA in
// turn, stopping if one causes BadLSReq (step 6). raws are the LSAs' bytes
// as received, already checked to be well framed.
func (n *neighbor) receiveLSU(raws [][]byte, src netip.Addr) {
	ifc := n.ifc
	// §13: LS Updates are accepted from neighbors in Exchange or above.
	if n.state < NbrExchange {
		ifc.drop(DropNeighborState, src, nil)
		return
	}
	ifc.ctr.rx[packet.TypeLSUpdate]++
	for _, raw := range raws {
		if !n.receiveLSA(raw, src) {
			break
		}
	}
	if n.state >= NbrExchange {
		n.requestSatisfied()
	}
}

// receiveLSA runs the numbered steps of §13 for one LSA. It returns false
// when processing of the rest of the packet must stop.
func (n *neighbor) receiveLSA(raw []byte, src netip.Addr) bool {
	ifc := n.ifc
	in := ifc.in
	now := in.clock.Now()

	// §13 step 1: validate the LS checksum.
	if err := packet.VerifyLSAChecksum(raw); err != nil {
		ifc.drop(DropLSAChecksum, src, err)
		return true
	}
	var hdr packet.LSAHeader
	if err := hdr.Decode(raw); err != nil {
		ifc.drop(DropLSAMalformed, src, err)
		return true
	}
	// §12.1.6: the sequence number 0x80000000 is reserved and unused;
	// an instance carrying it would compare older than every other.
	if hdr.Seq == math.MinInt32 {
		ifc.drop(DropLSAMalformed, src, errors.New("reserved LS sequence number 0x80000000 (RFC 2328 §12.1.6)"))
		return true
	}
	// §13 step 2: discard LS types we do not know.
	if !knownLSType(hdr.Type) {
		ifc.drop(DropLSAType, src, nil)
		return true
	}
	// (§13 step 3, AS-external LSAs in stub areas, cannot apply: the
	// backbone is never a stub area.)
	var lsa packet.LSA
	if err := lsa.Decode(raw); err != nil {
		ifc.drop(DropLSAMalformed, src, err)
		return true
	}
	k := hdr.Key()
	cur := in.db.get(k)

	// §13 step 4: a MaxAge LSA we do not have, while no neighbor is in
	// Exchange or Loading: acknowledge it directly and discard it.
	if packet.LSAge(hdr.Age) == packet.MaxAge && cur == nil && !in.anyNeighborExchanging() {
		n.directAcks = append(n.directAcks, hdr)
		return true
	}

	c := 1
	if cur != nil {
		c = packet.CompareLSA(hdr, cur.header(now))
	}
	switch {
	case c > 0:
		// §13 step 5: no database copy, or the received one is newer.
		// (a) MinLSArrival: a copy installed by flooding less than a
		// second ago is not replaced (and not acknowledged).
		if cur != nil && !cur.floodedAt.IsZero() && now.Sub(cur.floodedAt) < in.cfg.minLSArrival() {
			ifc.drop(DropLSAMinArrival, src, nil)
			return true
		}
		// RFC 1765 §2.3.1: a new non-default AS-external-LSA past the
		// limit is dropped and not acknowledged.
		if in.overflowRefuses(k, cur, hdr) {
			ifc.drop(DropLSAOverflow, src, nil)
			// One we asked for in the database exchange counts as
			// received: kept on the request list, it would be asked
			// for forever and hold the adjacency in Loading, and with
			// it every MaxAge removal (§14). The databases differ
			// here by design of the overflow.
			if rh, ok := n.req.get(k); ok && packet.CompareLSA(hdr, rh) >= 0 {
				n.reqDel(k)
				n.requestSatisfied()
			}
			return true
		}
		e := newEntry(raw, lsa, now)
		// MinLSArrival rate-limits instances that arrive by flooding. An
		// instance this router asked for in the database exchange
		// (§10.9) is not such an arrival: stamping it would make the
		// neighbor's next instance — the router-LSA it originates on
		// reaching Full with us, a moment later — be discarded until
		// RxmtInterval, and the two routers disagree about their link
		// meanwhile (a forwarding loop through a router that returns).
		if !n.req.has(k) {
			e.floodedAt = now
		}
		// (c, d) remove the old copy from every retransmission list
		// and install the new one; (b) flood it out.
		in.install(e)
		floodedBack := in.flood(e, n)
		// (e) acknowledge per §13.5.
		if !floodedBack {
			if ifc.state != IfBackup || n.addr == ifc.dr {
				ifc.queueDelayedAck(e.hdr)
			}
		}
		// (f) self-originated LSAs get special treatment (§13.4).
		if in.isSelfOriginated(hdr) {
			in.selfOriginatedReceived(e)
		}
	case n.req.has(k):
		// §13 step 6: the neighbor sent an instance no newer than ours
		// of an LSA we requested from it: the exchange went wrong.
		n.event(nbrEvBadLSReq)
		return false
	case c == 0:
		// §13 step 7: the same instance.
		if n.rxmt.has(k) {
			// (a) an implied acknowledgment.
			n.rxmtDel(k)
			if ifc.state == IfBackup && n.addr == ifc.dr {
				ifc.queueDelayedAck(hdr)
			}
		} else {
			// (b) a duplicate: acknowledge it directly.
			n.directAcks = append(n.directAcks, hdr)
		}
	default:
		// §13 step 8: our copy is newer. A MaxAge copy with the maximum
		// sequence number is being flushed for a wrap (§12.1.6): ignore.
		if cur.isMaxAge(now) && cur.hdr.Seq == packet.MaxSequenceNumber {
			return true
		}
		// Otherwise send ours back, at most once per MinLSArrival,
		// directly and without expecting an acknowledgment.
		if cur.sentBackAt.IsZero() || now.Sub(cur.sentBackAt) >= in.cfg.minLSArrival() {
			cur.sentBackAt = now
			n.directLSU = append(n.directLSU, cur)
		}
	}
	return true
}

// flood floods an LSA instance out of the router's interfaces (§13.3).
// from is the neighbor it was received from, nil for one this router
// originated or aged. It reports whether the LSA was flooded back out the
// interface it was received on, which decides acknowledgment (§13.5).
func (in *Instance) flood(e *dbEntry, from *neighbor) bool {
	k := e.hdr.Key()
	floodedBack := false
	for _, ifc := range in.ifaces {
		if ifc.state == IfDown || ifc.state == IfLoopback || ifc.cfg.Passive {
			continue
		}
		added := false
		for _, nb := range ifc.nbrs {
			// §13.3 step 1a: only adjacencies in Exchange or above.
			if nb.state < NbrExchange {
				continue
			}
			// §13.3 step 1b: an outstanding request for this LSA.
			if nb.state == NbrExchange || nb.state == NbrLoading {
				if rh, ok := nb.req.get(k); ok {
					c := packet.CompareLSA(e.hdr, rh)
					if c < 0 {
						continue
					}
					nb.reqDel(k)
					nb.requestSatisfied()
					if c == 0 {
						continue
					}
				}
			}
			// §13.3 step 1c: not back to the sender.
			if nb == from {
				continue
			}
			// §13.3 step 1d: expect an acknowledgment.
			nb.rxmtAdd(e, true)
			added = true
		}
		// §13.3 step 2: nobody on this interface needs it.
		if !added {
			continue
		}
		if from != nil && from.ifc == ifc {
			// §13.3 step 3: received from the DR or BDR here: the DR
			// floods it to everyone.
			if !ifc.p2p() && (from.addr == ifc.dr || from.addr == ifc.bdr) {
				continue
			}
			// §13.3 step 4: the BDR leaves flooding to the DR.
			if ifc.state == IfBackup {
				continue
			}
			floodedBack = true
		}
		// §13.3 step 5: flood out the interface (sent at settle, with
		// the LS age incremented by InfTransDelay).
		ifc.queueFlood(e)
	}
	return floodedBack
}

// receiveAck processes a Link State Acknowledgment (§13.7).
func (n *neighbor) receiveAck(hs []packet.LSAHeader, src netip.Addr) {
	ifc := n.ifc
	if n.state < NbrExchange {
		ifc.drop(DropNeighborState, src, nil)
		return
	}
	ifc.ctr.rx[packet.TypeLSAck]++
	now := ifc.in.clock.Now()
	for _, h := range hs {
		it, ok := n.rxmt.get(h.Key())
		if !ok {
			continue
		}
		// §13.7: only an acknowledgment of the same instance counts.
		if packet.CompareLSA(h, it.e.header(now)) == 0 {
			n.rxmtDel(h.Key())
		} else if in := ifc.in; in.debugEnabled() {
			in.log.Debug("ospf: questionable ack", "interface", ifc.cfg.Name, "neighbor", n.rid.String(),
				"lsa", h.Key(), "seq", h.Seq)
		}
	}
}

// newEntry makes a database entry of an LSA's bytes (copied).
func newEntry(raw []byte, lsa packet.LSA, now time.Time) *dbEntry {
	var h packet.LSAHeader
	_ = h.Decode(raw) // raw is a whole LSA, decoded already
	lsa.Header = h
	return &dbEntry{hdr: h, lsa: lsa, raw: slices.Clone(raw), installedAt: now}
}

// install puts a new instance in the database (§13.2), removing the old
// one from every retransmission list (§13 step 5c), schedules its aging
// and tells observers.
func (in *Instance) install(e *dbEntry) {
	now := in.clock.Now()
	k := e.hdr.Key()
	old := in.db.m[k]
	if old != nil && old.rxmtRefs > 0 {
		for _, ifc := range in.ifaces {
			for _, nb := range ifc.nbrs {
				if it, ok := nb.rxmt.get(k); ok && it.e == old {
					nb.rxmtDel(k)
				}
			}
		}
	}
	if old != nil {
		in.db.cancel(old)
	}
	in.db.m[k] = e
	in.db.version++
	if old == nil {
		in.overflowCount(k, +1)
	}
	if e.hdr.AdvRouter == in.rid {
		in.db.self[k] = struct{}{}
	}
	if e.isMaxAge(now) {
		in.db.maxAged = append(in.db.maxAged, e)
		e.maxAgeListed = true
	} else if e.hdr.Age&packet.DoNotAge == 0 {
		in.db.schedule(now.Add(time.Duration(packet.MaxAge-e.age(now))*time.Second), e, false)
		if e.selfMade {
			in.db.schedule(now.Add(lsRefresh-refreshJitter(k, e.hdr.Seq)), e, true)
		}
	}
	ch := LSDBChange{Key: k, New: e.hdr, Content: old == nil || !sameContents(old, e, now)}
	if old != nil {
		ch.Old = old.hdr
	}
	in.changed(ch)
	in.armAgeTimer()
}

// remove deletes a MaxAge entry from the database (§14).
func (in *Instance) remove(e *dbEntry) {
	k := e.hdr.Key()
	if in.db.m[k] != e {
		return
	}
	in.db.cancel(e)
	delete(in.db.m, k)
	delete(in.db.self, k)
	in.db.version++
	in.overflowCount(k, -1)
	in.changed(LSDBChange{Key: k, Old: e.hdr, Content: true})
	if in.orig.wrapPending(k) {
		// §12.1.6: the flushed MaxSequenceNumber instance is gone; the
		// LSA can now be originated again from InitialSequenceNumber.
		in.orig.dirty = true
	}
}

func (in *Instance) changed(ch LSDBChange) {
	if in.onEvent != nil {
		in.lsdbChanges = append(in.lsdbChanges, ch)
	}
	for _, f := range in.observers {
		f(ch)
	}
}

// armAgeTimer arms the aging timer for the earliest pending event: an LSA
// reaching MaxAge or due for refresh, or the next MaxAge removal check.
func (in *Instance) armAgeTimer() {
	if in.life != lifeRunning {
		return
	}
	now := in.clock.Now()
	at, ok := in.db.nextEvent()
	if len(in.db.maxAged) > 0 {
		if c := now.Add(maxAgeCheck); !ok || c.Before(at) {
			at, ok = c, true
		}
	}
	if !ok {
		in.disarm(&in.ageTimer)
		in.ageDue = time.Time{}
		return
	}
	if in.ageTimer.Armed() && !in.ageDue.After(at) {
		return
	}
	in.ageDue = at
	in.arm(&in.ageTimer, at.Sub(now), in.ageTick)
}

// ageTick processes aging (§14): LSAs reaching MaxAge are reflooded,
// self-originated LSAs are refreshed every LSRefreshTime (§12.4), and
// MaxAge LSAs are removed once acknowledged by every adjacency and no
// neighbor is exchanging databases.
func (in *Instance) ageTick() {
	now := in.clock.Now()
	in.ageDue = time.Time{}
	for {
		ev, ok := in.db.popDue(now)
		if !ok {
			break
		}
		e := ev.e
		if ev.refresh {
			in.refreshSelf(e)
			continue
		}
		if e.maxAgeListed {
			continue
		}
		// §14: the LSA reached MaxAge: flood it so that every router
		// removes it.
		e.maxAgeListed = true
		in.db.maxAged = append(in.db.maxAged, e)
		in.changed(LSDBChange{Key: e.hdr.Key(), Old: e.hdr, New: e.hdr, Content: true})
		in.flood(e, nil)
	}
	if len(in.db.maxAged) > 0 && !in.anyNeighborExchanging() {
		keep := in.db.maxAged[:0]
		for _, e := range in.db.maxAged {
			switch {
			case in.db.m[e.hdr.Key()] != e:
				// Replaced by a newer instance.
			case e.rxmtRefs == 0:
				in.remove(e)
			default:
				keep = append(keep, e)
			}
		}
		clear(in.db.maxAged[len(keep):])
		in.db.maxAged = keep
	}
	in.armAgeTimer()
}

// isSelfOriginated reports whether an LSA is this router's own (§13.4):
// advertised by our Router ID, or a network-LSA whose Link State ID is one
// of our interface addresses.
func (in *Instance) isSelfOriginated(h packet.LSAHeader) bool {
	if h.AdvRouter == in.rid {
		return true
	}
	if h.Type == packet.LSTypeNetwork {
		for _, ifc := range in.ifaces {
			if ifc.addr == h.ID {
				return true
			}
		}
	}
	return false
}

// prematureAge flushes an LSA from the routing domain (§14.1): a copy at
// MaxAge is installed and flooded.
func (in *Instance) prematureAge(e *dbEntry) {
	now := in.clock.Now()
	raw := slices.Clone(e.raw)
	packet.PutLSAge(raw, packet.MaxAge)
	ne := newEntry(raw, e.lsa, now)
	ne.selfMade = e.selfMade
	in.install(ne)
	in.flood(ne, nil)
}

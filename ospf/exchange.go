package ospf

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/switchless/routing/ospf/packet"
)

// knownLSType reports whether this router stores and floods LSAs of type
// t (§10.6, §13 step 2). Opaque LSAs are not handled: this router does not
// set the O-bit, so neighbors do not send them (RFC 5250 §3).
func knownLSType(t packet.LSType) bool {
	switch t {
	case packet.LSTypeRouter, packet.LSTypeNetwork, packet.LSTypeSummaryNetwork, packet.LSTypeSummaryASBR, packet.LSTypeASExternal:
		return true
	}
	return false
}

// startExStart performs the ExStart entry actions (§10.3, §10.8): a new
// DD sequence number, claim to be master, and send an empty DD with I, M
// and MS set, retransmitted every RxmtInterval until negotiation ends.
func (n *neighbor) startExStart() {
	if !n.ddSeqSet {
		n.ddSeq = n.ifc.in.nextDDSeq()
		n.ddSeqSet = true
	} else {
		n.ddSeq++
	}
	n.master = true
	n.lastRx = ddSummary{}
	n.summary, n.summaryPos, n.inFlight = nil, 0, 0
	n.sendDD(packet.DDFlagI|packet.DDFlagM|packet.DDFlagMS, nil)
}

// buildSummary fills the Database summary list at NegotiationDone
// (§10.3): every LSA of the database, except MaxAge ones, which go on the
// retransmission list instead.
func (n *neighbor) buildSummary() {
	in := n.ifc.in
	now := in.clock.Now()
	n.summary = n.summary[:0]
	n.summaryPos, n.inFlight = 0, 0
	for _, k := range in.db.sortedKeys() {
		e := in.db.get(k)
		if e.isMaxAge(now) {
			n.rxmtAdd(e, false)
			continue
		}
		n.summary = append(n.summary, k)
	}
}

// ddHeadersPerPacket is how many LSA headers fit in one DD.
func (n *neighbor) ddHeadersPerPacket() int {
	return max((n.ifc.room()-packet.HeaderLen-packet.DDFixedLen)/packet.LSAHeaderLen, 1)
}

// sendDD builds, remembers and sends a DD (§10.8). The master retransmits
// it every RxmtInterval until answered.
func (n *neighbor) sendDD(flags packet.DDFlags, hdrs []packet.LSAHeader) {
	ifc := n.ifc
	dd := &packet.DatabaseDescription{
		InterfaceMTU: uint16(ifc.cfg.mtu()),
		Options:      ifc.in.options(),
		Flags:        flags,
		Seq:          n.ddSeq,
		LSAHeaders:   hdrs,
	}
	n.lastTx = dd
	n.lastTxMore = flags&packet.DDFlagM != 0
	n.transmitDD()
	if n.master {
		n.armDDRxmt()
	}
}

func (n *neighbor) transmitDD() {
	if n.lastTx == nil {
		return
	}
	dd := n.lastTx
	n.ifc.send(n.dest(), packet.TypeDatabaseDescription, dd.AppendBinary)
}

func (n *neighbor) armDDRxmt() {
	n.ifc.in.arm(&n.ddRxmt, n.ifc.cfg.rxmtInterval(), func() {
		if n.state == NbrExStart || (n.state == NbrExchange && n.master) {
			n.transmitDD()
			n.armDDRxmt()
		}
	})
}

// sendNextDD describes the next part of the summary list (§10.8). The
// slave's entries count as described once sent (it answers each master
// packet exactly once, and repeats it on duplicates); the master's once
// the slave acknowledges the packet.
func (n *neighbor) sendNextDD() {
	in := n.ifc.in
	now := in.clock.Now()
	per := n.ddHeadersPerPacket()
	var hdrs []packet.LSAHeader
	i := n.summaryPos
	for ; i < len(n.summary) && len(hdrs) < per; i++ {
		if e := in.db.get(n.summary[i]); e != nil {
			hdrs = append(hdrs, e.header(now))
		}
	}
	var flags packet.DDFlags
	if i < len(n.summary) {
		flags |= packet.DDFlagM
	}
	if n.master {
		flags |= packet.DDFlagMS
		n.inFlight = i - n.summaryPos
	} else {
		n.summaryPos = i
	}
	n.sendDD(flags, hdrs)
}

// receiveDD processes a Database Description (§10.6).
func (n *neighbor) receiveDD(dd *packet.DatabaseDescription, src netip.Addr) {
	ifc := n.ifc
	in := ifc.in
	// §10.6: reject a DD whose Interface MTU exceeds what we can receive
	// without fragmentation, unless told to ignore MTUs.
	if int(dd.InterfaceMTU) > ifc.cfg.mtu() && !ifc.cfg.MTUIgnore {
		ifc.drop(DropMTU, src, fmt.Errorf("interface MTU %d larger than ours, %d", dd.InterfaceMTU, ifc.cfg.mtu()))
		return
	}
	switch n.state {
	case NbrDown, NbrAttempt, NbrTwoWay:
		// §10.6: rejected in Down and Attempt, ignored in 2-Way.
		ifc.drop(DropNeighborState, src, nil)
		return
	case NbrInit:
		// §10.6 Init: 2-WayReceived, then continue in ExStart if that
		// is where it led.
		n.event(nbrEvTwoWayReceived)
		if n.state != NbrExStart {
			ifc.drop(DropNeighborState, src, nil)
			return
		}
	}
	ifc.ctr.rx[packet.TypeDatabaseDescription]++
	switch n.state {
	case NbrExStart:
		const initAll = packet.DDFlagI | packet.DDFlagM | packet.DDFlagMS
		switch {
		case dd.Flags&initAll == initAll && len(dd.LSAHeaders) == 0 && n.rid.Compare(in.rid) > 0:
			// §10.6 ExStart: the neighbor is master; adopt its
			// sequence number and become slave.
			n.master = false
			n.ddSeq = dd.Seq
			in.disarm(&n.ddRxmt)
		case dd.Flags&(packet.DDFlagI|packet.DDFlagMS) == 0 && dd.Seq == n.ddSeq && n.rid.Compare(in.rid) < 0:
			// §10.6 ExStart: the neighbor acknowledges us as master.
			n.master = true
		default:
			ifc.drop(DropDDSequence, src, nil)
			return
		}
		n.options = dd.Options
		n.event(nbrEvNegotiationDone)
		n.acceptDD(dd)
	case NbrExchange:
		switch {
		case n.isDuplicate(dd):
			// §10.6: the master discards duplicates; the slave repeats
			// its last packet.
			if !n.master {
				n.transmitDD()
			}
		case (dd.Flags&packet.DDFlagMS != 0) == n.master:
			n.event(nbrEvSeqNumberMismatch) // §10.6: MS bit inconsistent
		case dd.Flags&packet.DDFlagI != 0:
			n.event(nbrEvSeqNumberMismatch) // §10.6: I bit set
		case dd.Options != n.options:
			n.event(nbrEvSeqNumberMismatch) // §10.6: options changed
		case (n.master && dd.Seq == n.ddSeq) || (!n.master && dd.Seq == n.ddSeq+1):
			n.acceptDD(dd)
		default:
			n.event(nbrEvSeqNumberMismatch) // §10.6: out of sequence
		}
	case NbrLoading, NbrFull:
		// §10.6 Loading or Full: only duplicates are expected.
		if !n.isDuplicate(dd) {
			n.event(nbrEvSeqNumberMismatch)
		} else if !n.master {
			n.transmitDD()
		}
	}
}

func (n *neighbor) isDuplicate(dd *packet.DatabaseDescription) bool {
	return n.lastRx.valid && n.lastRx.flags == dd.Flags && n.lastRx.options == dd.Options && n.lastRx.seq == dd.Seq
}

// acceptDD processes an accepted DD's headers and advances the exchange
// (§10.6 "processed further", §10.8).
func (n *neighbor) acceptDD(dd *packet.DatabaseDescription) {
	in := n.ifc.in
	now := in.clock.Now()
	n.lastRx = ddSummary{valid: true, flags: dd.Flags, options: dd.Options, seq: dd.Seq}
	for _, h := range dd.LSAHeaders {
		// §10.6: an unknown LS type is a SeqNumberMismatch.
		if !knownLSType(h.Type) {
			n.event(nbrEvSeqNumberMismatch)
			return
		}
		// §10.6: request what we lack or hold an older instance of.
		k := h.Key()
		cur := in.db.get(k)
		if cur == nil || packet.CompareLSA(h, cur.header(now)) > 0 {
			old, ok := n.req.get(k)
			if !ok && nonDefaultExternal(k) {
				// RFC 1765 bounds the externals the database holds, and
				// so the new ones worth asking for: a neighbour listing
				// a million would otherwise fill the request list (issue
				// 16's resource limits) with LSAs refused on arrival.
				if lim := in.cfg.ExternalLSDBLimit; lim > 0 && cur == nil && in.ovf.externals+n.reqExt >= lim {
					n.ifc.drop(DropLSAOverflow, n.addr, nil)
					continue
				}
				n.reqExt++
			}
			if !ok || packet.CompareLSA(h, old) > 0 {
				n.req.set(k, h)
			}
		}
	}
	more := dd.Flags&packet.DDFlagM != 0
	if n.master {
		// §10.8 master: the slave's answer acknowledges our packet.
		n.ddSeq++
		n.summaryPos += n.inFlight
		n.inFlight = 0
		if !n.lastTxMore && !more {
			in.disarm(&n.ddRxmt)
			n.event(nbrEvExchangeDone)
			return
		}
		n.sendNextDD()
	} else {
		// §10.8 slave: answer with the same sequence number.
		n.ddSeq = dd.Seq
		n.sendNextDD()
		if !more && !n.lastTxMore {
			n.event(nbrEvExchangeDone)
			return
		}
	}
	n.startRequests()
}

// startRequests sends an LS Request if the request list has entries and
// none is outstanding: §10.9 lets requests start during Exchange.
func (n *neighbor) startRequests() {
	if n.req.len() > 0 && len(n.lsrSent) == 0 && (n.state == NbrExchange || n.state == NbrLoading) {
		n.sendLSR()
	}
}

// sendLSR sends an LS Request for the first entries of the request list
// that fit in a packet, retransmitted every RxmtInterval (§10.9).
func (n *neighbor) sendLSR() {
	if n.req.len() == 0 || (n.state != NbrExchange && n.state != NbrLoading) {
		n.lsrSent = nil
		n.ifc.in.disarm(&n.lsrRxmt)
		return
	}
	per := max((n.ifc.room()-packet.HeaderLen)/packet.LSREntryLen, 1)
	keys := n.req.first(per)
	n.lsrSent = keys
	n.ifc.send(n.dest(), packet.TypeLSRequest, packet.LSRequest{Requests: keys}.AppendBinary)
	n.ifc.in.arm(&n.lsrRxmt, n.ifc.cfg.rxmtInterval(), n.sendLSR)
}

// requestSatisfied is called when entries leave the request list: when
// the outstanding request is fully answered the next one goes out, and an
// empty list in Loading is LoadingDone (§10.9).
func (n *neighbor) requestSatisfied() {
	if n.req.len() == 0 {
		n.lsrSent = nil
		n.ifc.in.disarm(&n.lsrRxmt)
		if n.state == NbrLoading {
			n.event(nbrEvLoadingDone)
		}
		return
	}
	if len(n.lsrSent) > 0 && !slices.ContainsFunc(n.lsrSent, n.req.has) {
		n.sendLSR()
	}
}

// receiveLSR answers an LS Request (§10.7) with the requested LSAs, sent
// directly; a request for an LSA we do not have is BadLSReq.
func (n *neighbor) receiveLSR(r *packet.LSRequest, src netip.Addr) {
	ifc := n.ifc
	if n.state < NbrExchange {
		ifc.drop(DropNeighborState, src, nil)
		return
	}
	ifc.ctr.rx[packet.TypeLSRequest]++
	in := ifc.in
	start := len(n.directLSU)
	for _, k := range r.Requests {
		e := in.db.get(k)
		if e == nil {
			n.directLSU = n.directLSU[:start]
			n.event(nbrEvBadLSReq)
			return
		}
		n.directLSU = append(n.directLSU, e)
	}
}

package ospf

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/switchless/routing/internal/loop"
	"github.com/switchless/routing/ospf/packet"
)

// neighbor is the conversation with one neighboring router (RFC 2328
// §10).
type neighbor struct {
	ifc      *iface
	state    NeighborState
	rid      netip.Addr // Neighbor ID
	addr     netip.Addr // Neighbor IP address
	priority uint8
	dr, bdr  netip.Addr // as declared in its hellos (zero = none)
	options  packet.Options
	replay   ReplayState // cryptographic sequence state (D.5.3)

	inactivity loop.Slot
	deadAt     time.Time
	// helloReplied is when a hello was last sent early because this
	// neighbor's hello did not list us (see iface.receiveHello).
	helloReplied time.Time

	// Database exchange (§10.6, §10.8).
	master     bool // this router is master
	ddSeq      uint32
	ddSeqSet   bool
	lastRx     ddSummary                   // last DD accepted, for duplicate detection
	lastTx     *packet.DatabaseDescription // last DD sent
	lastTxMore bool
	ddRxmt     loop.Slot
	summary    []packet.LSAKey // Database summary list
	summaryPos int             // next summary entry to describe
	inFlight   int             // master: entries carried by the unacknowledged DD

	req     keyList[packet.LSAHeader] // Link state request list
	reqExt  int                       // non-default AS-external-LSAs in req
	lsrSent []packet.LSAKey           // keys of the outstanding LS Request
	lsrRxmt loop.Slot

	rxmt      keyList[rxmtItem] // Link state retransmission list
	rxmtTimer loop.Slot

	directAcks []packet.LSAHeader // direct acknowledgments to send at settle
	directLSU  []*dbEntry         // LSAs to send directly at settle (§10.7, §13 step 8)

	// bfd is the BFD session watching the neighbor (nil: none) and
	// bfdState what it last reported (bfd.go).
	bfd      *bfdWatch
	bfdState BFDState
}

// ddSummary is what §10.6 remembers of the last DD received.
type ddSummary struct {
	valid   bool
	flags   packet.DDFlags
	options packet.Options
	seq     uint32
}

// rxmtItem is one LSA awaiting acknowledgment (§13.6).
type rxmtItem struct {
	e      *dbEntry
	sentAt time.Time
}

func newNeighbor(ifc *iface, rid, addr netip.Addr) *neighbor {
	return &neighbor{ifc: ifc, rid: rid, addr: addr, state: NbrDown}
}

// dest is where packets to this neighbor alone go: its address on
// broadcast networks, AllSPFRouters on point-to-point ones (§8.1).
func (n *neighbor) dest() netip.Addr {
	if n.ifc.p2p() {
		return packet.AllSPFRouters
	}
	return n.addr
}

// adjacent decides whether an adjacency should be formed or kept (§10.4):
// always on point-to-point networks; on broadcast networks when either
// end is DR or BDR.
func (n *neighbor) adjacent() bool {
	ifc := n.ifc
	if ifc.p2p() {
		return true
	}
	return ifc.state == IfDR || ifc.state == IfBackup ||
		(n.addr.IsValid() && (n.addr == ifc.dr || n.addr == ifc.bdr))
}

// event runs the neighbor state machine (§10.3) and its actions.
func (n *neighbor) event(e nbrEvent) {
	ifc := n.ifc
	in := ifc.in
	next, act, ok := nbrStep(n.state, e, nbrInput{adjacent: n.adjacent(), reqListEmpty: n.req.len() == 0})
	if !ok {
		return
	}
	old := n.state
	if act&nbrActClearLists != 0 {
		n.clearLists()
	}
	if act&nbrActStopInactivity != 0 {
		in.disarm(&n.inactivity)
		n.deadAt = time.Time{}
	}
	if act&nbrActStartInactivity != 0 {
		d := ifc.cfg.deadInterval()
		n.deadAt = in.clock.Now().Add(d)
		in.arm(&n.inactivity, d, func() { n.event(nbrEvInactivityTimer) })
	}
	n.state = next
	if next != old {
		n.stateChanged(old, e)
	}
	if act&nbrActExStart != 0 {
		n.startExStart()
	}
	if act&nbrActSummarize != 0 {
		n.buildSummary()
	}
	if act&nbrActSendLSR != 0 {
		n.startRequests()
	}
}

func (n *neighbor) stateChanged(old NeighborState, e nbrEvent) {
	ifc := n.ifc
	in := ifc.in
	// Changes below 2-Way (a router heard, or no longer heard, that has
	// not seen us) are not adjacency changes: at Debug, as FRR's
	// log-adjacency-changes leaves them out, so that a thousand invented
	// routers saying hello do not write two thousand lines.
	level := slog.LevelInfo
	if old < NbrTwoWay && n.state < NbrTwoWay {
		level = slog.LevelDebug
	}
	in.log.Log(context.Background(), level, "ospf: neighbor state", "interface", ifc.cfg.Name, "neighbor", n.rid.String(), "addr", n.addr.String(),
		"from", old.String(), "to", n.state.String(), "event", e.String())
	in.emit(Event{Kind: EventNeighborState, Interface: ifc.cfg.Name, Neighbor: n.rid, NeighborAddr: n.addr,
		OldNeighbor: old, NewNeighbor: n.state})
	// The DD retransmission timer only runs in ExStart and, for the
	// master, in Exchange (§10.8).
	if n.state != NbrExStart && !(n.state == NbrExchange && n.master) {
		in.disarm(&n.ddRxmt)
	}
	if n.state < NbrExchange || n.state == NbrFull {
		in.disarm(&n.lsrRxmt)
		n.lsrSent = nil
	}
	// §9.2 NeighborChange: bidirectional communication established or
	// lost.
	if (old >= NbrTwoWay) != (n.state >= NbrTwoWay) && !ifc.p2p() {
		ifc.schedule(ifEvNeighborChange)
	}
	// §12.4 (5): a neighbor reaching or leaving Full changes the
	// router-LSA (and the DR's network-LSA).
	if old == NbrFull || n.state == NbrFull {
		in.orig.dirty = true
	}
	// RFC 5882: a BFD session while 2-Way or more (bfd.go).
	n.bfdSync()
	if n.state == NbrDown {
		n.remove()
	}
}

// remove deletes a neighbor that went Down from its interface.
func (n *neighbor) remove() {
	n.stopTimers()
	nb := n.ifc.nbrs
	for i, x := range nb {
		if x == n {
			n.ifc.nbrs = append(nb[:i:i], nb[i+1:]...)
			break
		}
	}
}

func (n *neighbor) stopTimers() {
	in := n.ifc.in
	in.disarm(&n.inactivity)
	in.disarm(&n.ddRxmt)
	in.disarm(&n.lsrRxmt)
	in.disarm(&n.rxmtTimer)
}

// clearLists empties the retransmission, summary and request lists
// (§10.3).
func (n *neighbor) clearLists() {
	n.rxmt.each(func(_ packet.LSAKey, it rxmtItem) bool {
		it.e.rxmtRefs--
		return true
	})
	n.rxmt.clear()
	n.ifc.in.disarm(&n.rxmtTimer)
	n.summary = nil
	n.summaryPos, n.inFlight = 0, 0
	n.req.clear()
	n.reqExt = 0
	n.lsrSent = nil
	n.ifc.in.disarm(&n.lsrRxmt)
	n.directLSU = n.directLSU[:0]
}

// rxmtAdd puts an LSA instance on the retransmission list (§13.3 step
// 1d), replacing an older instance of the same LSA.
func (n *neighbor) rxmtAdd(e *dbEntry, sent bool) {
	k := e.hdr.Key()
	if old, ok := n.rxmt.get(k); ok {
		old.e.rxmtRefs--
	}
	var at time.Time
	now := n.ifc.in.clock.Now()
	if sent {
		at = now
	} else {
		// Not sent yet (summary-list MaxAge LSAs): due at once.
		at = now.Add(-n.ifc.cfg.rxmtInterval())
	}
	n.rxmt.set(k, rxmtItem{e: e, sentAt: at})
	e.rxmtRefs++
	if !n.rxmtTimer.Armed() {
		n.armRxmt(at.Add(n.ifc.cfg.rxmtInterval()).Sub(now))
	}
}

// rxmtDel removes an LSA from the retransmission list.
func (n *neighbor) rxmtDel(k packet.LSAKey) {
	if it, ok := n.rxmt.get(k); ok {
		it.e.rxmtRefs--
		n.rxmt.del(k)
	}
	if n.rxmt.len() == 0 {
		n.ifc.in.disarm(&n.rxmtTimer)
	}
}

func (n *neighbor) armRxmt(d time.Duration) {
	n.ifc.in.arm(&n.rxmtTimer, max(d, 0), n.retransmit)
}

// retransmit sends the LSAs on the retransmission list that have waited
// RxmtInterval without acknowledgment, directly to the neighbor (§13.6).
func (n *neighbor) retransmit() {
	ifc := n.ifc
	now := ifc.in.clock.Now()
	rx := ifc.cfg.rxmtInterval()
	var due []*dbEntry
	next := time.Time{}
	n.rxmt.each(func(k packet.LSAKey, it rxmtItem) bool {
		if !now.Before(it.sentAt.Add(rx)) {
			due = append(due, it.e)
			it.sentAt = now
			n.rxmt.set(k, it)
		}
		if at := it.sentAt.Add(rx); next.IsZero() || at.Before(next) {
			next = at
		}
		return true
	})
	if len(due) > 0 {
		ifc.sendLSU(n.dest(), due)
	}
	if !next.IsZero() {
		n.armRxmt(next.Sub(now))
	}
}

// keyList is an insertion-ordered map keyed by LSA identity, so that
// lists are walked in a deterministic order.
type keyList[V any] struct {
	idx  map[packet.LSAKey]int
	ents []keyListEnt[V]
	dead int
}

type keyListEnt[V any] struct {
	k    packet.LSAKey
	v    V
	live bool
}

func (l *keyList[V]) len() int { return len(l.idx) }

func (l *keyList[V]) get(k packet.LSAKey) (V, bool) {
	if i, ok := l.idx[k]; ok {
		return l.ents[i].v, true
	}
	var zero V
	return zero, false
}

func (l *keyList[V]) has(k packet.LSAKey) bool {
	_, ok := l.idx[k]
	return ok
}

func (l *keyList[V]) set(k packet.LSAKey, v V) {
	if i, ok := l.idx[k]; ok {
		l.ents[i].v = v
		return
	}
	if l.idx == nil {
		l.idx = make(map[packet.LSAKey]int)
	}
	l.idx[k] = len(l.ents)
	l.ents = append(l.ents, keyListEnt[V]{k: k, v: v, live: true})
}

func (l *keyList[V]) del(k packet.LSAKey) {
	i, ok := l.idx[k]
	if !ok {
		return
	}
	delete(l.idx, k)
	var zero V
	l.ents[i] = keyListEnt[V]{v: zero}
	l.dead++
	if l.dead > 32 && l.dead > len(l.ents)/2 {
		l.compact()
	}
}

func (l *keyList[V]) compact() {
	j := 0
	for _, e := range l.ents {
		if e.live {
			l.idx[e.k] = j
			l.ents[j] = e
			j++
		}
	}
	clear(l.ents[j:])
	l.ents = l.ents[:j]
	l.dead = 0
}

func (l *keyList[V]) clear() {
	clear(l.idx)
	clear(l.ents)
	l.ents = l.ents[:0]
	l.dead = 0
}

// each calls f on every entry in insertion order until f returns false.
// f may call set on the current key but must not add or delete.
func (l *keyList[V]) each(f func(packet.LSAKey, V) bool) {
	for i := 0; i < len(l.ents); i++ {
		if e := l.ents[i]; e.live {
			if !f(e.k, e.v) {
				return
			}
		}
	}
}

// first returns up to max keys in order.
func (l *keyList[V]) first(max int) []packet.LSAKey {
	var out []packet.LSAKey
	l.each(func(k packet.LSAKey, _ V) bool {
		out = append(out, k)
		return len(out) < max
	})
	return out
}

// reqDel removes k from the request list, keeping reqExt.
func (n *neighbor) reqDel(k packet.LSAKey) {
	if n.req.has(k) && nonDefaultExternal(k) && n.reqExt > 0 {
		n.reqExt--
	}
	n.req.del(k)
}

package ospf

import (
	"net/netip"
	"strconv"
)

// This file is the BFD client side of the instance (RFC 5882): which
// neighbors get a session from Env.Liveness, and what a session going
// Down does to them.
//
// When: as FRR's ospfd does (ospf_bfd_trigger_event), a neighbor gets a
// session when it reaches 2-Way and loses it when it falls below:
// bidirectional communication (RFC 2328 §10.1) is established before the
// session is, and the session protects every neighbor that counts, the
// 2-Way-only DROthers of a broadcast network included (§10.4). Below 2-Way
// (Init after 1-WayReceived, Down after KillNbr, InactivityTimer or
// LLDown, the neighbor deleted with it) the session is released; so it is
// when the interface goes down (§9.3 InterfaceDown kills every neighbor)
// and at Stop.
//
// What: a session that goes Down (a failure of the forwarding path; an
// AdminDown is not reported, RFC 5882 §3.2) is taken as §10.3 KillNbr on
// the neighbor — the adjacency is torn down at once instead of after
// RouterDeadInterval, the router-LSA is re-originated (§12.4 (5)) and the
// routing table recalculated. A session coming Up changes nothing: the
// adjacency is OSPF's to form.

// BFDState is what BFD last said of the session that watches a neighbor
// (NeighborStatus.BFD).
type BFDState uint8

// BFD states of a neighbor.
const (
	// BFDNone: no session watches the neighbor (no Env.Liveness, the
	// interface's BFD is not set, the neighbor is below 2-Way, or Watch
	// failed).
	BFDNone BFDState = iota
	// BFDWaiting: a session was asked for and has not reported yet.
	BFDWaiting
	// BFDUp: the session reported Up. (A session that reports Down
	// kills its neighbor, which releases it: the neighbor is gone, or
	// back below 2-Way with BFDNone.)
	BFDUp
)

var bfdStateNames = [...]string{BFDNone: "none", BFDWaiting: "waiting", BFDUp: "up"}

// String returns "none", "waiting" or "up".
func (s BFDState) String() string {
	if int(s) < len(bfdStateNames) {
		return bfdStateNames[s]
	}
	return "BFDState(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText implements encoding.TextMarshaler.
func (s BFDState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// bfdWatch is one session a neighbor holds. Its identity tells a notify
// of the current session from a late one of a session released since.
type bfdWatch struct {
	peer    netip.Addr
	release func()
}

// bfdSync makes the neighbor hold a session exactly when it should: the
// interface has BFD, the instance has a Liveness and runs, and the
// neighbor is 2-Way or more (see the top of the file); a neighbor whose
// address changed (point-to-point) is watched at the new one. Under the
// lock; Watch and release may be called under it (routing.Liveness).
func (n *neighbor) bfdSync() {
	ifc := n.ifc
	in := ifc.in
	want := in.liveness != nil && ifc.cfg.BFD && in.life == lifeRunning && n.state >= NbrTwoWay
	if w := n.bfd; w != nil && (!want || w.peer != n.addr) {
		n.bfdRelease()
	}
	if !want || n.bfd != nil {
		return
	}
	w := &bfdWatch{peer: n.addr}
	release, err := in.liveness.Watch(ifc.cfg.Name, ifc.addr, n.addr, func(up bool) {
		in.post(func() { n.bfdReport(w, up) })
	})
	if err != nil {
		in.log.Warn("ospf: bfd watch", "interface", ifc.cfg.Name, "neighbor", n.rid.String(), "addr", n.addr.String(), "err", err)
		return
	}
	w.release = release
	n.bfd = w
	n.bfdState = BFDWaiting
}

// bfdRelease ends the neighbor's session, if it holds one.
func (n *neighbor) bfdRelease() {
	w := n.bfd
	if w == nil {
		return
	}
	n.bfd = nil
	n.bfdState = BFDNone
	if w.release != nil {
		w.release()
	}
}

// bfdReport is a notify of session w, under the lock (posted by the
// callback). A late one, of a session released since or of a neighbor
// deleted since, is ignored.
func (n *neighbor) bfdReport(w *bfdWatch, up bool) {
	ifc := n.ifc
	in := ifc.in
	if n.bfd != w {
		return
	}
	ev := Event{Interface: ifc.cfg.Name, Neighbor: n.rid, NeighborAddr: n.addr}
	if up {
		n.bfdState = BFDUp
		in.log.Info("ospf: bfd session up", "interface", ifc.cfg.Name, "neighbor", n.rid.String(), "addr", n.addr.String())
		ev.Kind = EventNeighborBFDUp
		in.emit(ev)
		return
	}
	ifc.ctr.bfdDown++
	in.log.Warn("ospf: bfd session down, killing neighbor", "interface", ifc.cfg.Name, "neighbor", n.rid.String(),
		"addr", n.addr.String(), "state", n.state.String())
	ev.Kind = EventNeighborBFDDown
	in.emit(ev)
	// RFC 2328 §10.3 KillNbr: the neighbor goes Down
	// and is deleted, which releases the session (bfdSync).
	n.event(nbrEvKillNbr)
}

// post runs body as one input, under the lock, from a callback that must
// not wait for it (a Liveness notify, on any goroutine, perhaps while
// this one holds the lock): queued for the holder if the lock is busy,
// like a transport's deliver. body runs only while the instance runs.
func (in *Instance) post(body func()) {
	in.mu.Post(func() {
		if in.life == lifeRunning {
			body()
		}
		in.settleAll()
	})
	// When the lock was free Post ran body itself and released the lock
	// without the effects of unlock (FIB writes, events): take it again
	// to run them. When it is held, its holder runs them.
	if in.mu.TryLock() {
		in.unlock()
	}
}

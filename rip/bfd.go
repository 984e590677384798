package rip

import (
	"net/netip"
	"slices"
	"strconv"
)

// This file is the BFD client side of the instance (RFC 5882): which
// neighbours get a session from Env.Liveness, and what a session going
// Down or Up does.
//
// When: on an interface with InterfaceConfig.BFD, a neighbour is watched
// from its first valid Response (RFC 2453 §3.9.2: the message that puts
// it in the peer table) until it is forgotten — its peer-table entry
// times out (Timers.Timeout without a valid message) or the interface
// goes down — and each configured unicast neighbour
// (InterfaceConfig.Neighbors) from Start, whether heard or not. All are
// released at Stop.
//
// What, as BIRD's RIP does with `bfd`: a session that goes Down (a
// forwarding failure, RFC 5882 §3.2; AdminDown is not reported) expires
// every route learnt from that neighbour on that interface at once, as if
// its §3.8 timeout had passed: metric 16, the garbage-collection timer,
// the route change flag and a triggered update (§3.10.1), and the route
// out of the FIB; the other interfaces are asked for their tables
// (§3.9.1), as InterfaceDown does, so that another path is learnt at
// once. The neighbour stays in the peer table, its session too: messages
// heard from it are still accepted. A session that comes Up sends the
// neighbour a whole-table Request (§3.9.1), unicast, so that its routes
// come back without waiting up to 30 s for its next regular update.

// BFDState is what BFD last said of the session that watches a neighbour
// (Neighbor.BFD).
type BFDState uint8

// BFD states of a neighbour.
const (
	// BFDNone: no session watches the neighbour (no Env.Liveness, the
	// interface's BFD is not set, or Watch failed).
	BFDNone BFDState = iota
	// BFDWaiting: a session was asked for and has not reported yet.
	BFDWaiting
	// BFDUp: the session reported Up.
	BFDUp
	// BFDDown: the session reported Down; the routes learnt from the
	// neighbour were expired.
	BFDDown
)

var bfdStateNames = [...]string{BFDNone: "none", BFDWaiting: "waiting", BFDUp: "up", BFDDown: "down"}

// String returns "none", "waiting", "up" or "down".
func (s BFDState) String() string {
	if int(s) < len(bfdStateNames) {
		return bfdStateNames[s]
	}
	return "BFDState(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText implements encoding.TextMarshaler.
func (s BFDState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// bfdWatch is one session to a neighbour on an interface. Its identity
// tells a notify of the current session from a late one of a session
// released since.
type bfdWatch struct {
	addr    netip.Addr
	f       *iface
	release func()
	// configured: an InterfaceConfig.Neighbors entry, watched from Start
	// to Stop whatever the peer table says.
	configured bool
	state      BFDState
}

// bfdWatch asks for a session to addr on f, unless there is one or f has
// no BFD. Under the lock; Watch may be called under it
// (routing.Liveness).
func (i *Instance) bfdWatch(f *iface, addr netip.Addr, configured bool) {
	live := i.env.Liveness
	if live == nil || !f.cfg.BFD {
		return
	}
	if w := f.bfd[addr]; w != nil {
		w.configured = w.configured || configured
		return
	}
	w := &bfdWatch{addr: addr, f: f, configured: configured, state: BFDWaiting}
	release, err := live.Watch(f.cfg.Name, f.cfg.Prefix.Addr(), addr, func(up bool) {
		i.post(func() { i.bfdReport(w, up) })
	})
	if err != nil {
		i.log.Warn("rip: bfd watch", "interface", f.cfg.Name, "neighbor", addr, "err", err)
		return
	}
	w.release = release
	if f.bfd == nil {
		f.bfd = map[netip.Addr]*bfdWatch{}
	}
	f.bfd[addr] = w
}

// bfdForget releases the session of a neighbour leaving the peer table,
// unless it is a configured one.
func (i *Instance) bfdForget(f *iface, addr netip.Addr) {
	w := f.bfd[addr]
	if w == nil || w.configured {
		return
	}
	delete(f.bfd, addr)
	w.release()
}

// bfdReleaseAll releases every session (Stop).
func (i *Instance) bfdReleaseAll() {
	for _, f := range i.ifaces {
		for _, a := range sortedAddrs(f.bfd) {
			f.bfd[a].release()
		}
		f.bfd = nil
	}
}

// bfdStateOf is the BFD state of neighbour addr on f.
func (f *iface) bfdStateOf(addr netip.Addr) BFDState {
	if w := f.bfd[addr]; w != nil {
		return w.state
	}
	return BFDNone
}

// bfdReport is a notify of session w, under the lock (posted by the
// callback). A late one, of a session released since, is ignored.
func (i *Instance) bfdReport(w *bfdWatch, up bool) {
	f := w.f
	if f.bfd[w.addr] != w {
		return
	}
	ev := Event{Neighbor: w.addr, Interface: f.cfg.Name}
	if up {
		w.state = BFDUp
		i.log.Info("rip: bfd session up, requesting the neighbour's table", "interface", f.cfg.Name, "neighbor", w.addr)
		ev.Kind = NeighborBFDUp
		i.emit(ev)
		// §3.9.1: a whole-table request, to that neighbour alone.
		if !f.down && !f.cfg.Passive {
			i.sendRequestTo(f, netip.AddrPortFrom(w.addr, ripPort))
		}
		return
	}
	w.state = BFDDown
	i.stats.BFDDown++
	i.log.Warn("rip: bfd session down, expiring the neighbour's routes", "interface", f.cfg.Name, "neighbor", w.addr)
	ev.Kind = NeighborBFDDown
	i.emit(ev)
	i.expireFrom(f, w.addr)
}

// expireFrom treats every next hop learnt from neighbour from on f as
// timed out (§3.8): a route left with none goes to metric 16, into
// garbage collection and out of the FIB (settle), with a triggered update
// (§3.10.1); and, when one did, the other active interfaces are asked
// for their tables (§3.9.1), as InterfaceDown does, and so are the other
// neighbours on f, which is still up: on a LAN they may have the path
// (two replica servers announcing one service address), and would
// otherwise be heard only at their next regular update, up to 30 s
// later. They are asked one by one, unicast, so that the failed
// neighbour is not asked: a multicast request would bring its routes
// back at once if only its BFD had failed.
func (i *Instance) expireFrom(f *iface, from netip.Addr) {
	lost := false
	learnt := func(h *hop) bool { return h.from == from && h.ifc == f }
	for _, r := range slices.Clone(i.sorted()) {
		if r.local == nil {
			lost = i.dropHopsWhere(r, learnt) || lost
		}
	}
	i.triggered()
	if !lost {
		return
	}
	i.requestElsewhere(f)
	if f.down || f.cfg.Passive {
		return
	}
	others := make([]netip.Addr, 0, len(f.neigh))
	for a := range f.neigh {
		if a != from {
			others = append(others, a)
		}
	}
	slices.SortFunc(others, netip.Addr.Compare)
	for _, a := range others {
		i.sendRequestTo(f, netip.AddrPortFrom(a, ripPort))
	}
}

// post runs body under the lock, while the instance runs, from a
// callback that must not wait for it (a Liveness notify, on any
// goroutine, perhaps while this one holds the lock): queued for the
// holder if the lock is busy, like a transport's deliver.
func (i *Instance) post(body func()) {
	i.mu.Post(func() {
		if i.started && !i.stopped {
			body()
		}
	})
	// When the lock was free Post ran body itself and released the lock
	// without running the effects (events, FIB writes): take it again to
	// run them. When it is held, its holder runs them.
	if i.mu.TryLock() {
		i.unlock()
	}
}

package rip

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/switchless/routing/rip/packet"
)

// InterfaceDown reports that the lower layers consider the interface
// unusable (carrier lost, link down). It takes effect at once, instead of
// after the §3.8 timeout of 180 s:
//
//   - nothing more is sent on the interface, and what arrives on it is
//     dropped (DropInterfaceDown);
//   - the neighbours heard there are forgotten (NeighborLost);
//   - every route learnt over it loses those next hops; a route left with
//     none becomes unreachable, metric 16, and goes into garbage
//     collection (§3.8, §3.10): it leaves the FIB and is advertised at 16
//     on the other interfaces in a triggered update (§3.10.1);
//   - its connected route, and the static routes naming it, are
//     withdrawn the same way (or give way to the next origin of the
//     prefix: static, default, Announce);
//   - when a learnt route became unreachable, a whole-table request
//     (§3.9.1) goes out on the other active interfaces, so another path
//     is learnt from their answers at once rather than at the neighbours'
//     next regular update.
//
// Before Start it is remembered: Start leaves the interface silent. A
// name that is not configured is an error wrapping ErrNoInterface. After
// Stop, or for an interface already down, it does nothing.
func (i *Instance) InterfaceDown(name string) error {
	i.lock()
	defer i.unlock()
	f := i.byName[name]
	if f == nil {
		return fmt.Errorf("%w: %q", ErrNoInterface, name)
	}
	if f.down {
		return nil
	}
	f.down = true
	if i.started && !i.stopped {
		i.interfaceDown(f)
	}
	return nil
}

// InterfaceUp reports that the interface is usable again. It takes
// effect at once: the connected route (and the static routes naming the
// interface) are originated again, a whole-table request (§3.9.1) and the
// whole table go out on it as at Start, the new routes go to the other
// interfaces in a triggered update (§3.10.1), and regular updates resume
// on it. A name that is not configured is an error wrapping
// ErrNoInterface. Before Start it undoes an earlier InterfaceDown; after
// Stop, or for an interface that is up, it does nothing.
func (i *Instance) InterfaceUp(name string) error {
	i.lock()
	defer i.unlock()
	f := i.byName[name]
	if f == nil {
		return fmt.Errorf("%w: %q", ErrNoInterface, name)
	}
	if !f.down {
		return nil
	}
	f.down = false
	if i.started && !i.stopped {
		i.interfaceUp(f)
	}
	return nil
}

func (i *Instance) interfaceDown(f *iface) {
	lost := i.forgetInterface(f)
	i.triggered()
	if lost {
		i.requestElsewhere(f)
	}
}

// forgetInterface forgets the neighbours heard on f, drops the next hops
// learnt over it and re-originates our routes leaving by it. It reports
// whether a learnt route became unreachable.
func (i *Instance) forgetInterface(f *iface) bool {
	for _, a := range sortedAddrs(f.neigh) {
		f.neigh[a].timer.Stop()
		delete(f.neigh, a)
		i.bfdForget(f, a)
		i.emit(Event{Kind: NeighborLost, Neighbor: a, Interface: f.cfg.Name})
	}
	lost := false
	over := func(h *hop) bool { return h.ifc == f }
	for _, r := range slices.Clone(i.sorted()) {
		if r.local != nil {
			if r.local.ifc == f {
				i.reorigin(r.prefix)
			}
			continue
		}
		lost = i.dropHopsWhere(r, over) || lost
	}
	return lost
}

// dropHopsWhere removes the next hops of learnt route r that match: a
// route left with none becomes unreachable, metric 16, into garbage
// collection (§3.8, settle). It reports whether r was reachable and is
// no longer.
func (i *Instance) dropHopsWhere(r *route, match func(*hop) bool) bool {
	if !slices.ContainsFunc(r.hops, match) {
		return false
	}
	b := r.state()
	for k := len(r.hops) - 1; k >= 0; k-- {
		if match(r.hops[k]) {
			i.dropHop(r, k)
		}
	}
	if len(r.hops) == 0 {
		r.metric = packet.Infinity
	}
	i.settle(r, b)
	return b.metric < packet.Infinity && !r.reachable()
}

// requestElsewhere asks for the whole table (§3.9.1) on every active
// interface but f, so that a path lost through f is replaced from the
// answers rather than at the neighbours' next regular update.
func (i *Instance) requestElsewhere(f *iface) {
	for _, g := range i.ifaces {
		if g != f && !g.down && !g.cfg.Passive {
			i.sendRequest(g)
		}
	}
}

func (i *Instance) interfaceUp(f *iface) {
	i.join(f)
	i.reorigin(f.net)
	for _, s := range i.cfg.Static {
		if s.Interface == f.cfg.Name {
			i.reorigin(s.Prefix)
		}
	}
	if !f.cfg.Passive {
		i.sendRequest(f)
		if len(f.dsts) > 0 {
			f.stats.SentUpdates++
			i.sendTable(f, f.dsts, false, false, false)
		}
	}
	i.triggered()
}

// wantOrigin is the origin prefix p should have now, by precedence:
// the network of an interface that is up, a static route (whose
// interface, if named, is up), the default of DefaultInformation, a
// prefix given to Announce.
func (i *Instance) wantOrigin(p netip.Prefix) (origin, bool) {
	for _, f := range i.ifaces {
		if !f.down && f.net == p {
			return origin{source: SourceConnected, metric: 1, ifc: f}, true
		}
	}
	for k, s := range i.cfg.Static {
		if s.Prefix == p {
			if o, ok := i.staticOrigin(k); ok {
				return o, true
			}
		}
	}
	if o, ok := i.defaultOrigin(); ok && p == defaultRoute {
		return o, true
	}
	o, ok := i.announced[p]
	return o, ok
}

// reorigin makes our route for p what wantOrigin says: replaced by the
// next origin, or withdrawn (metric 16, then garbage collection, §3.8).
func (i *Instance) reorigin(p netip.Prefix) {
	o, ok := i.wantOrigin(p)
	r := i.routes[p]
	switch {
	case ok:
		if r != nil && r.local != nil {
			if *r.local == o {
				return
			}
			r.local = nil // let originate replace it whatever its source
		}
		i.originate(p, o)
	case r != nil && r.local != nil:
		b := r.state()
		r.local = nil
		r.metric = packet.Infinity
		i.settle(r, b)
	}
}

func sortedAddrs[V any](m map[netip.Addr]V) []netip.Addr {
	as := make([]netip.Addr, 0, len(m))
	for a := range m {
		as = append(as, a)
	}
	slices.SortFunc(as, netip.Addr.Compare)
	return as
}

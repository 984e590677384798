package rip

import (
	"context"
	"net/netip"
	"slices"
	"time"

	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/loop"
	"github.com/switchless/routing/rip/packet"
)

// Source is where a route of the table comes from.
type Source uint8

// Sources. Originated routes (all but SourceRIP) win over learnt ones.
const (
	SourceRIP       Source = iota // learnt from a neighbour
	SourceConnected               // an interface's network
	SourceStatic                  // Config.Static
	SourceDefault                 // Config.DefaultInformation
	SourceAPI                     // Instance.Announce
)

var sourceNames = [...]string{"rip", "connected", "static", "default", "api"}

// String returns "rip", "connected", "static", "default" or "api".
func (s Source) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return "source?"
}

// MarshalText implements encoding.TextMarshaler.
func (s Source) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// origin is a route we originate.
type origin struct {
	source  Source
	metric  int
	tag     uint16
	nextHop netip.Addr
	ifc     *iface // split horizon treats the route as learnt here
}

// hop is one next hop of a learnt route, with its own timeout (§3.8).
type hop struct {
	from    netip.Addr // the neighbour that sent the route
	gateway netip.Addr // where packets go: from, or the §4.4 next hop
	ifc     *iface
	timeout loop.Slot
	expires time.Time
}

// route is one destination of the routing table (§3.4).
type route struct {
	prefix  netip.Prefix
	metric  int
	tag     uint16
	local   *origin
	hops    []*hop
	changed bool // the route change flag (§3.10.1)
	gc      loop.Slot
	gcAt    time.Time
	dead    bool
	fib     *fib.Route // what the FIB holds for it
}

func (r *route) reachable() bool { return r.metric < packet.Infinity }

func sortedPrefixes[V any](m map[netip.Prefix]V) []netip.Prefix {
	ps := make([]netip.Prefix, 0, len(m))
	for p := range m {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, comparePrefix)
	return ps
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// sorted returns the live routes in prefix order, the order updates list
// them in (so simulations replay byte for byte).
func (i *Instance) sorted() []*route {
	if i.orderDirty {
		i.order = slices.DeleteFunc(i.order, func(r *route) bool { return r.dead })
		slices.SortFunc(i.order, func(a, b *route) int { return comparePrefix(a.prefix, b.prefix) })
		i.orderDirty = false
	}
	return i.order
}

func (i *Instance) newRoute(p netip.Prefix) *route {
	r := &route{prefix: p, metric: packet.Infinity}
	i.routes[p] = r
	i.order = append(i.order, r)
	i.orderDirty = true
	return r
}

// before is what a route looked like before an event, to tell whether
// (and which) Event it makes without allocating on the refresh path.
type before struct {
	metric int
	tag    uint16
	n      int
	gw     [4]netip.Addr
	more   []netip.Addr // the gateways when there are more than 4
}

func (r *route) gateways() []netip.Addr {
	gs := make([]netip.Addr, 0, len(r.hops))
	for _, h := range r.hops {
		gs = append(gs, h.gateway)
	}
	return gs
}

func (r *route) state() before {
	b := before{metric: r.metric, tag: r.tag, n: len(r.hops)}
	if len(r.hops) > len(b.gw) {
		b.more = r.gateways()
		return b
	}
	for k, h := range r.hops {
		b.gw[k] = h.gateway
	}
	return b
}

func (b before) equal(o before) bool {
	return b.metric == o.metric && b.tag == o.tag && b.n == o.n && b.gw == o.gw && slices.Equal(b.more, o.more)
}

// settle is called after every change to r: it sets the change flag,
// emits the event, rewrites the FIB and starts or stops the deletion
// process (§3.8).
func (i *Instance) settle(r *route, b before) {
	if r.state().equal(b) {
		return
	}
	r.changed = true
	i.pending = true
	ev := Event{Prefix: r.prefix, Metric: r.metric}
	if len(r.hops) > 0 {
		ev.NextHops = r.gateways()
	}
	if r.local != nil {
		ev.Source = r.local.source
	}
	switch {
	case r.reachable() && b.metric >= packet.Infinity:
		ev.Kind = RouteAdded
	case r.reachable():
		ev.Kind = RouteChanged
	default:
		ev.Kind = RouteRemoved
	}
	i.emit(ev)
	if r.reachable() {
		r.gc.Stop()
		r.gcAt = time.Time{}
	} else if !r.gc.Armed() {
		// §3.8: the route stays at metric 16 for the garbage-collection
		// time so neighbours hear it is gone, then it is deleted.
		r.gcAt = i.clock.Now().Add(i.timers.GarbageCollection)
		i.arm(&r.gc, i.timers.GarbageCollection, func() { i.collect(r) })
	}
	i.writeFIB(r)
}

func (i *Instance) collect(r *route) {
	if r.reachable() || r.dead {
		return
	}
	for _, h := range r.hops {
		h.timeout.Stop()
	}
	r.dead = true
	delete(i.routes, r.prefix)
	i.orderDirty = true
}

// originate puts a route of ours in the table; it replaces what was
// learnt for the prefix.
func (i *Instance) originate(p netip.Prefix, o origin) {
	r := i.routes[p]
	if r == nil {
		r = i.newRoute(p)
	}
	if r.local != nil && r.local.source < o.source {
		return // connected before static before default before API
	}
	b := r.state()
	for _, h := range r.hops {
		h.timeout.Stop()
		i.uncount(h)
	}
	r.hops = nil
	r.local = &o
	r.metric, r.tag = o.metric, o.tag
	i.settle(r, b)
}

// unoriginate withdraws our route for p, if it has source s.
func (i *Instance) unoriginate(p netip.Prefix, s Source) {
	r := i.routes[p]
	if r == nil || r.local == nil || r.local.source != s {
		return
	}
	b := r.state()
	r.local = nil
	r.metric = packet.Infinity
	i.settle(r, b)
}

// learn applies one route entry from neighbour from on f with the
// metric already increased by the interface cost (§3.9.2).
func (i *Instance) learn(f *iface, from, gw netip.Addr, p netip.Prefix, metric int, tag uint16) {
	r := i.routes[p]
	if r != nil && r.local != nil {
		if metric < packet.Infinity {
			i.remind(f, r, metric-f.cost)
		}
		return // ours wins
	}
	if r == nil {
		if metric >= packet.Infinity {
			return
		}
		if i.atRouteLimit(f, from) {
			return
		}
		r = i.newRoute(p)
	}
	b := r.state()
	k := slices.IndexFunc(r.hops, func(h *hop) bool { return h.from == from && h.ifc == f })
	switch {
	case k >= 0:
		// §3.9.2: from the router of the existing route: take the new
		// metric whether better or worse, and refresh the timeout.
		h := r.hops[k]
		h.gateway = gw
		switch {
		case metric >= packet.Infinity:
			i.dropHop(r, k)
			if len(r.hops) == 0 {
				r.metric = packet.Infinity
				i.askAround = true
			}
		case metric == r.metric || len(r.hops) == 1:
			r.metric, r.tag = metric, tag
			i.refresh(r, h)
		case metric < r.metric:
			for j := len(r.hops) - 1; j >= 0; j-- {
				if j != k {
					i.dropHop(r, j)
				}
			}
			r.metric, r.tag = metric, tag
			i.refresh(r, h)
		default:
			// Worse than the other equal-cost paths: this one goes.
			i.dropHop(r, k)
		}
	case metric < r.metric:
		// §3.9.2: a better route replaces the current one.
		if i.atRouteLimit(f, from) {
			return
		}
		for j := len(r.hops) - 1; j >= 0; j-- {
			i.dropHop(r, j)
		}
		h := &hop{from: from, gateway: gw, ifc: f}
		i.addHop(r, h)
		r.metric, r.tag = metric, tag
		i.refresh(r, h)
	case metric == r.metric && metric < packet.Infinity && len(r.hops) < i.cfg.MaxPaths:
		// ECMP (FRR's allow-ecmp): another path at the same metric.
		if i.atRouteLimit(f, from) {
			return
		}
		h := &hop{from: from, gateway: gw, ifc: f}
		i.addHop(r, h)
		slices.SortFunc(r.hops, func(a, b *hop) int { return a.gateway.Compare(b.gateway) })
		i.refresh(r, h)
	}
	i.settle(r, b)
}

// remind answers a neighbour on f that advertises our own route r at
// adv, a finite metric worse than the one it would have through us
// (ours plus the link's cost): it has not got our route, or holds a worse
// one it must otherwise keep until our next regular update (§3.8, up to
// 30 s), because a RIP router keeps one route per destination and only
// replaces it by a better one it hears (§3.9.2). So r is flagged changed
// and goes out in a triggered update (§3.10.1, with its damping). This is
// how an anycast replica's route wins back a router that the other
// replica's raised (drain) metric left on the worse path. A neighbour
// that uses our route says 16 or nothing (split horizon), never a finite
// worse metric, so a stable network sends no reminder.
func (i *Instance) remind(f *iface, r *route, adv int) {
	if !r.reachable() || adv >= packet.Infinity || adv <= r.metric+f.cost || r.learntOn(f) || f.cfg.Passive {
		return
	}
	i.stats.OriginReminders++
	r.changed = true
	i.pending = true
}

func (i *Instance) dropHop(r *route, k int) {
	h := r.hops[k]
	h.timeout.Stop()
	i.uncount(h)
	r.hops = slices.Delete(r.hops, k, k+1)
}

// hopKey names a neighbour as next hops remember it.
type hopKey struct {
	ifc  *iface
	from netip.Addr
}

// addHop adds a next hop to r, counted against its neighbour.
func (i *Instance) addHop(r *route, h *hop) {
	r.hops = append(r.hops, h)
	i.perNeighbor[hopKey{h.ifc, h.from}]++
}

func (i *Instance) uncount(h *hop) {
	k := hopKey{h.ifc, h.from}
	if i.perNeighbor[k]--; i.perNeighbor[k] <= 0 {
		delete(i.perNeighbor, k)
	}
}

// atRouteLimit reports, and counts as a drop, that the neighbour from on
// f already gives the table Config.MaxRoutesPerNeighbor next hops.
func (i *Instance) atRouteLimit(f *iface, from netip.Addr) bool {
	lim := i.cfg.MaxRoutesPerNeighbor
	if lim <= 0 || i.perNeighbor[hopKey{f, from}] < lim {
		return false
	}
	i.drop(f, f.neigh[from], DropRouteLimit)
	return true
}

// refresh restarts a next hop's timeout (§3.8: 180 s). The timer is
// armed once and, when it fires early because the route was refreshed
// meanwhile, re-armed for the rest: a regular update refreshing every
// route costs no timer operation.
func (i *Instance) refresh(r *route, h *hop) {
	h.expires = i.clock.Now().Add(i.timers.Timeout)
	if !h.timeout.Armed() {
		i.armHop(r, h, i.timers.Timeout)
	}
}

func (i *Instance) armHop(r *route, h *hop, d time.Duration) {
	i.arm(&h.timeout, d, func() {
		if left := h.expires.Sub(i.clock.Now()); left > 0 {
			i.armHop(r, h, left)
			return
		}
		k := slices.Index(r.hops, h)
		if k < 0 {
			return
		}
		b := r.state()
		i.dropHop(r, k)
		if len(r.hops) == 0 {
			r.metric = packet.Infinity
			i.askAround = true
		}
		i.stats.RoutesTimedOut++
		i.settle(r, b)
		i.triggered()
		i.ask()
	})
}

// wantFIB is the FIB route for r, or nil.
func (i *Instance) wantFIB(r *route) *fib.Route {
	if r.local != nil || !r.reachable() || len(r.hops) == 0 {
		return nil
	}
	fr := &fib.Route{Prefix: r.prefix, Table: i.cfg.FIBTable, Protocol: fib.ProtocolRIP, Metric: i.cfg.FIBMetric}
	if fr.Metric == 0 {
		fr.Metric = uint32(r.metric)
	}
	for _, h := range r.hops {
		fr.NextHops = append(fr.NextHops, fib.NextHop{Gateway: h.gateway, IfIndex: h.ifc.cfg.IfIndex})
	}
	return fr
}

// writeFIB queues the FIB write that makes it hold r as it is now.
func (i *Instance) writeFIB(r *route) {
	sink := i.env.FIB
	if sink == nil {
		return
	}
	want := i.wantFIB(r)
	switch {
	case want == nil && r.fib == nil:
		return
	case want == nil:
		p, t := r.prefix, r.fib.Table
		r.fib = nil
		i.stats.FIBWrites++
		i.effect(func() {
			if err := sink.Delete(context.Background(), p, t); err != nil {
				i.log.Warn("rip: fib delete", "prefix", p, "err", err)
			}
		})
	case r.fib == nil || !r.fib.Equal(*want):
		r.fib = want
		w := *want
		i.stats.FIBWrites++
		i.effect(func() {
			if err := sink.Replace(context.Background(), w); err != nil {
				i.log.Warn("rip: fib replace", "route", w, "err", err)
			}
		})
	}
}

func (i *Instance) fibSync(sink fib.Sink, table int, want []fib.Route) {
	if _, err := fib.Sync(context.Background(), sink, want); err != nil {
		i.log.Warn("rip: fib sync", "err", err)
	}
}

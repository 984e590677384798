package rip

import (
	"net/netip"
	"slices"
	"strings"
	"time"
)

// NextHop is one next hop of a Route snapshot.
type NextHop struct {
	// Gateway is where packets go; From is the neighbour that sent the
	// route (they differ when it named a next hop, §4.4).
	Gateway, From netip.Addr
	Interface     string
	// Timeout is the time left before the route times out (§3.8).
	Timeout time.Duration
}

// Route is a snapshot of one routing table entry.
type Route struct {
	Prefix   netip.Prefix
	Source   Source
	Metric   int
	Tag      uint16
	NextHops []NextHop
	// GarbageCollection is the time left before an unreachable route is
	// deleted; zero while it is reachable.
	GarbageCollection time.Duration
	// Changed is the route change flag: it waits for a triggered update.
	Changed bool
}

// Neighbor is a snapshot of one neighbour.
type Neighbor struct {
	Addr      netip.Addr
	Interface string
	LastHeard time.Time
	Version   uint8
	// BadPackets and BadRoutes count what was ignored from it (RFC 1724
	// rip2PeerRcvBadPackets, rip2PeerRcvBadRoutes).
	BadPackets, BadRoutes uint64
	// Seq is the last RFC 4822 sequence number accepted.
	Seq uint32
	// BFD is whether a BFD session watches the neighbour and what it last
	// reported (Env.Liveness, InterfaceConfig.BFD).
	BFD BFDState
}

// Interface is a snapshot of one interface.
type Interface struct {
	Name    string
	Prefix  netip.Prefix
	Passive bool
	// Down is set while the interface is reported down (InterfaceDown).
	Down         bool
	SplitHorizon SplitHorizon
	Auth         AuthMode
	// SendKey is the key ID signed with now (crypto), 0 for none.
	SendKey   int
	Neighbors int
	Stats     IfaceStats
}

// Routes returns the routing table, sorted by prefix.
func (i *Instance) Routes() []Route {
	i.lock()
	defer i.unlock()
	now := i.clock.Now()
	out := make([]Route, 0, len(i.routes))
	for _, r := range i.sorted() {
		s := Route{Prefix: r.prefix, Metric: r.metric, Tag: r.tag, Changed: r.changed}
		if r.local != nil {
			s.Source = r.local.source
		}
		if !r.gcAt.IsZero() {
			s.GarbageCollection = max(r.gcAt.Sub(now), 0)
		}
		for _, h := range r.hops {
			s.NextHops = append(s.NextHops, NextHop{Gateway: h.gateway, From: h.from, Interface: h.ifc.cfg.Name, Timeout: max(h.expires.Sub(now), 0)})
		}
		out = append(out, s)
	}
	return out
}

// Route returns the snapshot of the route for exactly p.
func (i *Instance) Route(p netip.Prefix) (Route, bool) {
	for _, r := range i.Routes() {
		if r.Prefix == p {
			return r, true
		}
	}
	return Route{}, false
}

// Neighbors returns the neighbours heard within the timeout, by
// interface then address.
func (i *Instance) Neighbors() []Neighbor {
	i.lock()
	defer i.unlock()
	var out []Neighbor
	for _, f := range i.ifaces {
		for _, n := range f.neigh {
			out = append(out, Neighbor{Addr: n.addr, Interface: f.cfg.Name, LastHeard: n.lastHeard, Version: n.version, BadPackets: n.badPackets, BadRoutes: n.badRoutes, Seq: n.seq, BFD: f.bfdStateOf(n.addr)})
		}
	}
	slices.SortFunc(out, func(a, b Neighbor) int {
		if c := strings.Compare(a.Interface, b.Interface); c != 0 {
			return c
		}
		return a.Addr.Compare(b.Addr)
	})
	return out
}

// Interfaces returns the interfaces in configuration order.
func (i *Instance) Interfaces() []Interface {
	i.lock()
	defer i.unlock()
	out := make([]Interface, 0, len(i.ifaces))
	for _, f := range i.ifaces {
		s := Interface{Name: f.cfg.Name, Prefix: f.cfg.Prefix, Passive: f.cfg.Passive, Down: f.down, SplitHorizon: f.cfg.SplitHorizon, Auth: f.cfg.Auth.Mode, Neighbors: len(f.neigh), Stats: f.stats}
		if f.cfg.Auth.Mode == AuthCrypto {
			if k, ok := i.sendKey(f); ok {
				s.SendKey = k.ID
			}
		}
		out = append(out, s)
	}
	return out
}

// Stats returns the counters.
func (i *Instance) Stats() Stats {
	i.lock()
	defer i.unlock()
	return i.stats
}

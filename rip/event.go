package rip

import (
	"fmt"
	"net/netip"
)

// EventKind says what an Event reports.
type EventKind uint8

// Event kinds.
const (
	// RouteAdded: a destination became reachable.
	RouteAdded EventKind = iota + 1
	// RouteChanged: a reachable destination changed metric, tag or
	// next hops.
	RouteChanged
	// RouteRemoved: a destination became unreachable (metric 16); it is
	// deleted after the garbage-collection time.
	RouteRemoved
	// NeighborSeen: a first valid message from a neighbour.
	NeighborSeen
	// NeighborLost: nothing valid heard from a neighbour for the route
	// timeout.
	NeighborLost
	// NeighborBFDDown: the BFD session to a neighbour went Down
	// (InterfaceConfig.BFD); the routes learnt from it expire at once
	// (their RouteRemoved and RouteChanged events follow).
	NeighborBFDDown
	// NeighborBFDUp: the BFD session to a neighbour came Up; it is sent
	// a whole-table request (§3.9.1).
	NeighborBFDUp
)

var eventNames = [...]string{"", "route-added", "route-changed", "route-removed", "neighbor-seen", "neighbor-lost",
	"neighbor-bfd-down", "neighbor-bfd-up"}

// String returns "route-added", "route-changed"...
func (k EventKind) String() string {
	if k > 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is one change, given to Env.OnEvent.
type Event struct {
	Kind EventKind
	// Prefix, Metric, NextHops (gateways, empty for our own routes) and
	// Source describe the route of a route event.
	Prefix   netip.Prefix
	Metric   int
	NextHops []netip.Addr
	Source   Source
	// Neighbor and Interface name the neighbour of a neighbour event.
	Neighbor  netip.Addr
	Interface string
}

func (e Event) String() string {
	switch e.Kind {
	case NeighborSeen, NeighborLost, NeighborBFDDown, NeighborBFDUp:
		return fmt.Sprintf("%s %s on %s", e.Kind, e.Neighbor, e.Interface)
	}
	return fmt.Sprintf("%s %s metric %d via %v", e.Kind, e.Prefix, e.Metric, e.NextHops)
}

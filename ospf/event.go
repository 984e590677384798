package ospf

import (
	"fmt"
	"net/netip"
)

// EventKind says what an Event reports.
type EventKind uint8

// Event kinds.
const (
	// EventLSDBChanged: the link-state database changed while handling
	// one input (a packet, a timer, an API call); Event.LSDB lists the
	// changes in the order they were made.
	EventLSDBChanged EventKind = iota + 1
	// EventNeighborState: a neighbor changed state (RFC 2328 §10.1);
	// Event.Interface, Event.Neighbor, Event.OldNeighbor and
	// Event.NewNeighbor say which and how. A neighbor that is deleted
	// (§10.3 KillNbr, InactivityTimer) goes to Down first.
	EventNeighborState
	// EventInterfaceState: an interface changed state (§9.1);
	// Event.Interface, Event.OldInterface and Event.NewInterface say
	// which and how.
	EventInterfaceState
	// EventRoutingTable: the routing table was recalculated: a full
	// calculation (§16, after every SPF run, even one that found the
	// same routes), or an incremental one of AS-external routes (§16.6)
	// that changed some. Event.Routes is the number of destinations the
	// table holds.
	EventRoutingTable
	// EventNeighborBFDDown: the BFD session watching a neighbor went
	// Down (InterfaceConfig.BFD); Event.Interface, Event.Neighbor and
	// Event.NeighborAddr say which. The neighbor is killed at once
	// (§10.3 KillNbr): its EventNeighborState to Down follows.
	EventNeighborBFDDown
	// EventNeighborBFDUp: the BFD session watching a neighbor came Up;
	// the same fields say which. Nothing else changes.
	EventNeighborBFDUp
	// EventStubRouter: the RFC 6987 stub router advertisement started
	// or ended (StubRouter); Event.Stub says which.
	EventStubRouter
)

func (k EventKind) String() string {
	switch k {
	case EventLSDBChanged:
		return "LSDBChanged"
	case EventNeighborState:
		return "NeighborState"
	case EventInterfaceState:
		return "InterfaceState"
	case EventRoutingTable:
		return "RoutingTable"
	case EventNeighborBFDDown:
		return "NeighborBFDDown"
	case EventNeighborBFDUp:
		return "NeighborBFDUp"
	case EventStubRouter:
		return "StubRouter"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// MarshalText implements encoding.TextMarshaler.
func (k EventKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Event is one notification of an Instance, given to Env.OnEvent. Only
// the fields of its Kind are set.
//
// OnEvent is called after the instance's lock is released, one event at a
// time and in the order they happened, on the goroutine that caused them
// (if another goroutine is already delivering events of the same instance,
// that one delivers them after its own, so that they stay one at a time
// and in order). It must not block for long; it may call the instance's
// methods, whose own events follow once it returns.
type Event struct {
	Kind EventKind
	// Interface is the interface's name (EventNeighborState,
	// EventInterfaceState, EventNeighborBFDDown, EventNeighborBFDUp).
	Interface string
	// Neighbor is the neighbor's Router ID and NeighborAddr its interface
	// address (EventNeighborState, EventNeighborBFDDown,
	// EventNeighborBFDUp).
	Neighbor, NeighborAddr netip.Addr
	// OldNeighbor and NewNeighbor are the states before and after
	// (EventNeighborState).
	OldNeighbor, NewNeighbor NeighborState
	// OldInterface and NewInterface are the states before and after
	// (EventInterfaceState).
	OldInterface, NewInterface InterfaceState
	// LSDB are the database changes (EventLSDBChanged).
	LSDB []LSDBChange
	// Routes is the number of destinations in the routing table
	// (EventRoutingTable).
	Routes int
	// Stub reports the router-LSA's links to other routers at
	// MaxLinkMetric from now on (EventStubRouter).
	Stub bool
}

func (e Event) String() string {
	switch e.Kind {
	case EventLSDBChanged:
		return fmt.Sprintf("%v: %d changes", e.Kind, len(e.LSDB))
	case EventNeighborState:
		return fmt.Sprintf("%v: %s neighbor %v %v -> %v", e.Kind, e.Interface, e.Neighbor, e.OldNeighbor, e.NewNeighbor)
	case EventInterfaceState:
		return fmt.Sprintf("%v: %s %v -> %v", e.Kind, e.Interface, e.OldInterface, e.NewInterface)
	case EventRoutingTable:
		return fmt.Sprintf("%v: %d routes", e.Kind, e.Routes)
	case EventNeighborBFDDown, EventNeighborBFDUp:
		return fmt.Sprintf("%v: %s neighbor %v (%v)", e.Kind, e.Interface, e.Neighbor, e.NeighborAddr)
	case EventStubRouter:
		return fmt.Sprintf("%v: %v", e.Kind, e.Stub)
	}
	return e.Kind.String()
}

// emit queues e for OnEvent. It is called under the instance's lock;
// dispatch, after the lock is released, delivers the queue.
func (in *Instance) emit(e Event) {
	if in.onEvent == nil {
		return
	}
	in.evMu.Lock()
	in.evq = append(in.evq, e)
	in.evMu.Unlock()
}

// emitLSDB emits the database changes collected while handling the input
// that ends now. Under the instance's lock.
func (in *Instance) emitLSDB() {
	if len(in.lsdbChanges) == 0 {
		return
	}
	ch := in.lsdbChanges
	in.lsdbChanges = nil
	in.emit(Event{Kind: EventLSDBChanged, LSDB: ch})
}

// dispatch delivers the queued events to OnEvent, outside the instance's
// lock, one at a time: if another goroutine is delivering already (or
// OnEvent called back into the instance on this one), that delivery
// loop takes the new events after its own.
func (in *Instance) dispatch() {
	if in.onEvent == nil {
		return
	}
	in.evMu.Lock()
	if in.evBusy {
		in.evMu.Unlock()
		return
	}
	in.evBusy = true
	for len(in.evq) > 0 {
		e := in.evq[0]
		in.evq[0] = Event{}
		in.evq = in.evq[1:]
		in.evMu.Unlock()
		in.onEvent(e)
		in.evMu.Lock()
	}
	in.evq = nil
	in.evBusy = false
	in.evMu.Unlock()
}

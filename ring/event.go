package ring

import (
	"fmt"
	"time"
)

// EventKind classifies what a timeline event reports.
type EventKind uint8

const (
	// EventScenario marks the start or the end of a scenario step.
	EventScenario EventKind = iota + 1
	// EventFault is a fault injected or healed by the simulation (crash,
	// freeze, cut, restart).
	EventFault
	// EventLink is a carrier change seen by a node.
	EventLink
	// EventAdjacency is an OSPF neighbor state change.
	EventAdjacency
	// EventVRRP is a VRRP state transition.
	EventVRRP
	// EventRoute is a change of a node's forwarding table.
	EventRoute
	// EventStatic is the static default installed or withdrawn at an edge.
	EventStatic
	// EventProbe is a probe that starts failing or recovers.
	EventProbe
	// EventLoop is a forwarding loop seen by a probe.
	EventLoop
	// EventBFD is a BFD session of a ring link coming Up, going Down, or
	// taken AdminDown by the peer.
	EventBFD
	// EventAnycast is a change of an anycast replica (scenario S5): its
	// service's state, its announcement, its alias.
	EventAnycast
)

var eventKindNames = [...]string{
	EventScenario:  "scenario",
	EventFault:     "fault",
	EventLink:      "link",
	EventAdjacency: "ospf",
	EventVRRP:      "vrrp",
	EventRoute:     "route",
	EventStatic:    "static",
	EventProbe:     "probe",
	EventLoop:      "loop",
	EventBFD:       "bfd",
	EventAnycast:   "anycast",
}

func (k EventKind) String() string {
	if int(k) < len(eventKindNames) && eventKindNames[k] != "" {
		return eventKindNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is one line of a node's or a simulation's timeline.
type Event struct {
	// Time is the clock's time when it happened.
	Time time.Time
	Kind EventKind
	// Node names the node (or host) it happened on; empty for the
	// simulation as a whole.
	Node string
	// Text says what happened, in words.
	Text string
}

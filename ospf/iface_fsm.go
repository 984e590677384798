package ospf

import (
	"net/netip"
	"strconv"
)

// InterfaceState is the state of an OSPF interface (RFC 2328 §9.1).
type InterfaceState uint8

// Interface states, §9.1.
const (
	// IfDown: the lower-level protocols report the interface unusable;
	// no traffic, all parameters at their initial values.
	IfDown InterfaceState = iota
	// IfLoopback: the interface is looped back; it is advertised as a
	// host route but sends and receives nothing.
	IfLoopback
	// IfWaiting: a broadcast interface is listening for hellos to learn
	// the current DR and BDR before electing (for RouterDeadInterval).
	IfWaiting
	// IfPointToPoint: the interface is operational on a point-to-point
	// network and tries to become adjacent with its one neighbor.
	IfPointToPoint
	// IfDROther: neither DR nor BDR on a broadcast network.
	IfDROther
	// IfBackup: Backup Designated Router.
	IfBackup
	// IfDR: Designated Router.
	IfDR
)

var ifStateNames = [...]string{
	IfDown:         "Down",
	IfLoopback:     "Loopback",
	IfWaiting:      "Waiting",
	IfPointToPoint: "Point-to-point",
	IfDROther:      "DROther",
	IfBackup:       "Backup",
	IfDR:           "DR",
}

// String returns the state's name as RFC 2328 §9.1 spells it.
func (s InterfaceState) String() string {
	if int(s) < len(ifStateNames) {
		return ifStateNames[s]
	}
	return "InterfaceState(" + strconv.Itoa(int(s)) + ")"
}

// ifEvent is an interface event (§9.2).
type ifEvent uint8

const (
	ifEvInterfaceUp    ifEvent = iota // lower levels report the interface operational
	ifEvWaitTimer                     // the Wait Timer fired: leave Waiting
	ifEvBackupSeen                    // a BDR exists (or the DR declares no BDR)
	ifEvNeighborChange                // bidirectionality or DR/BDR/priority of a neighbor changed
	ifEvLoopInd                       // the interface is looped back
	ifEvUnloopInd                     // it no longer is
	ifEvInterfaceDown                 // lower levels report the interface down
)

var ifEventNames = [...]string{
	ifEvInterfaceUp:    "InterfaceUp",
	ifEvWaitTimer:      "WaitTimer",
	ifEvBackupSeen:     "BackupSeen",
	ifEvNeighborChange: "NeighborChange",
	ifEvLoopInd:        "LoopInd",
	ifEvUnloopInd:      "UnloopInd",
	ifEvInterfaceDown:  "InterfaceDown",
}

func (e ifEvent) String() string {
	if int(e) < len(ifEventNames) {
		return ifEventNames[e]
	}
	return "ifEvent(" + strconv.Itoa(int(e)) + ")"
}

// ifAction is a set of actions the interface state machine asks for.
type ifAction uint8

const (
	// ifActStartHello: start the Hello Timer, sending hellos every
	// HelloInterval (§9.3, InterfaceUp).
	ifActStartHello ifAction = 1 << iota
	// ifActStartWait: start the single-shot Wait Timer (RouterDeadInterval).
	ifActStartWait
	// ifActElect: calculate DR and BDR (§9.4); the resulting state is DR,
	// Backup or DROther, which the caller derives from the election.
	ifActElect
	// ifActReset: reset all interface variables and disable all its
	// timers (§9.3, InterfaceDown and LoopInd).
	ifActReset
	// ifActKillNbrs: generate KillNbr on every neighbor of the interface.
	ifActKillNbrs
)

// ifStep is the interface state machine of RFC 2328 §9.3. Given the
// current state and an event, it returns the next state and the actions to
// take, and false when the event does not apply in that state (the RFC
// lists no transition, so nothing happens). p2p selects the
// point-to-point branch of InterfaceUp; eligible reports a non-zero Router
// Priority.
//
// When the actions include ifActElect, the returned state is the current
// one and the caller sets DR, Backup or DROther from the election result
// (§9.4 step 5).
func ifStep(s InterfaceState, e ifEvent, p2p, eligible bool) (InterfaceState, ifAction, bool) {
	switch e {
	case ifEvInterfaceUp:
		// §9.3 Down/InterfaceUp: start the Hello Timer; point-to-point
		// networks go to Point-to-point; routers ineligible to become DR
		// go to DROther; the others start the Wait Timer and Wait.
		if s != IfDown {
			return s, 0, false
		}
		switch {
		case p2p:
			return IfPointToPoint, ifActStartHello, true
		case !eligible:
			return IfDROther, ifActStartHello, true
		default:
			return IfWaiting, ifActStartHello | ifActStartWait, true
		}
	case ifEvBackupSeen, ifEvWaitTimer:
		// §9.3 Waiting/BackupSeen and Waiting/WaitTimer: calculate the
		// DR and BDR and move to DROther, Backup or DR.
		if s != IfWaiting {
			return s, 0, false
		}
		return s, ifActElect, true
	case ifEvNeighborChange:
		// §9.3 DR Other, Backup or DR/NeighborChange: recalculate.
		switch s {
		case IfDROther, IfBackup, IfDR:
			return s, ifActElect, true
		}
		return s, 0, false
	case ifEvInterfaceDown:
		// §9.3 Any State/InterfaceDown: reset everything, KillNbr on
		// all neighbors, go Down.
		return IfDown, ifActReset | ifActKillNbrs, true
	case ifEvLoopInd:
		// §9.3 Any State/LoopInd: as InterfaceDown, into Loopback.
		return IfLoopback, ifActReset | ifActKillNbrs, true
	case ifEvUnloopInd:
		// §9.3 Loopback/UnloopInd: no actions, back to Down.
		if s != IfLoopback {
			return s, 0, false
		}
		return IfDown, 0, true
	}
	return s, 0, false
}

// electedState maps a §9.4 election result to the interface state of
// §9.4 step 5.
func electedState(self netip.Addr, e Election) InterfaceState {
	switch self {
	case e.DR:
		return IfDR
	case e.BDR:
		return IfBackup
	}
	return IfDROther
}

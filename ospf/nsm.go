package ospf

import "strconv"

// NeighborState is the state of a conversation with a neighboring router
// (RFC 2328 §10.1).
type NeighborState uint8

// Neighbor states, §10.1, in the order the RFC compares them ("2-Way or
// greater").
const (
	// NbrDown: no recent information heard from the neighbor.
	NbrDown NeighborState = iota
	// NbrAttempt: NBMA only; not used on broadcast or point-to-point.
	NbrAttempt
	// NbrInit: a hello was seen from the neighbor but it does not list us.
	NbrInit
	// NbrTwoWay: bidirectional communication ("2-Way").
	NbrTwoWay
	// NbrExStart: negotiating master/slave and the initial DD sequence.
	NbrExStart
	// NbrExchange: describing the database with DD packets.
	NbrExchange
	// NbrLoading: requesting the LSAs found more recent at the neighbor.
	NbrLoading
	// NbrFull: fully adjacent.
	NbrFull
)

var nbrStateNames = [...]string{
	NbrDown:     "Down",
	NbrAttempt:  "Attempt",
	NbrInit:     "Init",
	NbrTwoWay:   "2-Way",
	NbrExStart:  "ExStart",
	NbrExchange: "Exchange",
	NbrLoading:  "Loading",
	NbrFull:     "Full",
}

// String returns the state's name as RFC 2328 §10.1 spells it.
func (s NeighborState) String() string {
	if int(s) < len(nbrStateNames) {
		return nbrStateNames[s]
	}
	return "NeighborState(" + strconv.Itoa(int(s)) + ")"
}

// nbrEvent is a neighbor event (§10.2).
type nbrEvent uint8

const (
	nbrEvHelloReceived     nbrEvent = iota // a hello arrived from the neighbor
	nbrEvStart                             // NBMA: start sending hellos (unused here)
	nbrEvTwoWayReceived                    // its hello lists us
	nbrEvNegotiationDone                   // master/slave and DD sequence agreed
	nbrEvExchangeDone                      // both sides sent their last DD
	nbrEvBadLSReq                          // it requested an LSA we do not have
	nbrEvLoadingDone                       // our LS request list became empty
	nbrEvAdjOK                             // re-decide whether we should be adjacent
	nbrEvSeqNumberMismatch                 // a DD broke the exchange rules
	nbrEvOneWayReceived                    // its hello no longer lists us
	nbrEvKillNbr                           // stop talking to it now
	nbrEvInactivityTimer                   // nothing heard for RouterDeadInterval
	nbrEvLLDown                            // lower layers say it is unreachable
)

var nbrEventNames = [...]string{
	nbrEvHelloReceived:     "HelloReceived",
	nbrEvStart:             "Start",
	nbrEvTwoWayReceived:    "2-WayReceived",
	nbrEvNegotiationDone:   "NegotiationDone",
	nbrEvExchangeDone:      "ExchangeDone",
	nbrEvBadLSReq:          "BadLSReq",
	nbrEvLoadingDone:       "LoadingDone",
	nbrEvAdjOK:             "AdjOK?",
	nbrEvSeqNumberMismatch: "SeqNumberMismatch",
	nbrEvOneWayReceived:    "1-WayReceived",
	nbrEvKillNbr:           "KillNbr",
	nbrEvInactivityTimer:   "InactivityTimer",
	nbrEvLLDown:            "LLDown",
}

func (e nbrEvent) String() string {
	if int(e) < len(nbrEventNames) {
		return nbrEventNames[e]
	}
	return "nbrEvent(" + strconv.Itoa(int(e)) + ")"
}

// nbrAction is a set of actions the neighbor state machine asks for.
type nbrAction uint16

const (
	// nbrActStartInactivity: (re)start the Inactivity Timer.
	nbrActStartInactivity nbrAction = 1 << iota
	// nbrActStopInactivity: disable the Inactivity Timer.
	nbrActStopInactivity
	// nbrActSendHello: send a hello to the neighbor (NBMA Start).
	nbrActSendHello
	// nbrActExStart: §10.3 ExStart entry actions: increment the DD
	// sequence number (or initialise it), declare ourselves master and
	// send an empty DD with I, M and MS set, retransmitted every
	// RxmtInterval.
	nbrActExStart
	// nbrActSummarize: §10.3 NegotiationDone: list the whole area
	// database in the Database summary list; MaxAge LSAs go to the
	// retransmission list instead.
	nbrActSummarize
	// nbrActSendLSR: start (or continue) sending LS Requests.
	nbrActSendLSR
	// nbrActClearLists: clear the retransmission, summary and request
	// lists.
	nbrActClearLists
)

// nbrInput carries the decisions §10.3 leaves to the router: whether an
// adjacency should be formed or kept (§10.4), and whether the LS request
// list is empty (for ExchangeDone).
type nbrInput struct {
	adjacent     bool
	reqListEmpty bool
}

// nbrStep is the neighbor state machine of RFC 2328 §10.3. It returns the
// next state, the actions to take, and false when the RFC lists no
// transition for the event in that state (nothing happens).
func nbrStep(s NeighborState, e nbrEvent, in nbrInput) (NeighborState, nbrAction, bool) {
	switch e {
	case nbrEvStart:
		// §10.3 Down/Start (NBMA): send a hello, start the Inactivity
		// Timer, go Attempt.
		if s != NbrDown {
			return s, 0, false
		}
		return NbrAttempt, nbrActSendHello | nbrActStartInactivity, true

	case nbrEvHelloReceived:
		switch s {
		case NbrAttempt:
			// §10.3 Attempt/HelloReceived: restart the Inactivity
			// Timer, go Init.
			return NbrInit, nbrActStartInactivity, true
		case NbrDown:
			// §10.3 Down/HelloReceived: start the Inactivity Timer,
			// go Init.
			return NbrInit, nbrActStartInactivity, true
		}
		// §10.3 Init or greater/HelloReceived: restart the timer only.
		return s, nbrActStartInactivity, true

	case nbrEvTwoWayReceived:
		switch {
		case s == NbrInit:
			// §10.3 Init/2-WayReceived: decide whether to become
			// adjacent (§10.4): no → 2-Way; yes → ExStart.
			if !in.adjacent {
				return NbrTwoWay, 0, true
			}
			return NbrExStart, nbrActExStart, true
		case s >= NbrTwoWay:
			// §10.3 2-Way or greater/2-WayReceived: no change.
			return s, 0, true
		}
		return s, 0, false

	case nbrEvNegotiationDone:
		// §10.3 ExStart/NegotiationDone: build the summary list, go
		// Exchange.
		if s != NbrExStart {
			return s, 0, false
		}
		return NbrExchange, nbrActSummarize, true

	case nbrEvExchangeDone:
		// §10.3 Exchange/ExchangeDone: Full if the request list is
		// empty, otherwise Loading and keep requesting.
		if s != NbrExchange {
			return s, 0, false
		}
		if in.reqListEmpty {
			return NbrFull, 0, true
		}
		return NbrLoading, nbrActSendLSR, true

	case nbrEvLoadingDone:
		// §10.3 Loading/LoadingDone: Full.
		if s != NbrLoading {
			return s, 0, false
		}
		return NbrFull, 0, true

	case nbrEvAdjOK:
		switch {
		case s == NbrTwoWay:
			// §10.3 2-Way/AdjOK?: become adjacent if we now should.
			if !in.adjacent {
				return s, 0, true
			}
			return NbrExStart, nbrActExStart, true
		case s >= NbrExStart:
			// §10.3 ExStart or greater/AdjOK?: tear the adjacency down
			// to 2-Way if it should no longer exist.
			if in.adjacent {
				return s, 0, true
			}
			return NbrTwoWay, nbrActClearLists, true
		}
		return s, 0, false

	case nbrEvSeqNumberMismatch, nbrEvBadLSReq:
		// §10.3 Exchange or greater/SeqNumberMismatch and BadLSReq:
		// clear the lists and restart the exchange from ExStart.
		if s < NbrExchange {
			return s, 0, false
		}
		return NbrExStart, nbrActClearLists | nbrActExStart, true

	case nbrEvKillNbr, nbrEvLLDown:
		// §10.3 Any state/KillNbr and LLDown: clear the lists, disable
		// the Inactivity Timer, go Down.
		return NbrDown, nbrActClearLists | nbrActStopInactivity, true

	case nbrEvInactivityTimer:
		// §10.3 Any state/InactivityTimer: clear the lists, go Down
		// (the timer has just fired, so it is already disabled).
		return NbrDown, nbrActClearLists, true

	case nbrEvOneWayReceived:
		switch {
		case s >= NbrTwoWay:
			// §10.3 2-Way or greater/1-WayReceived: clear the lists,
			// back to Init.
			return NbrInit, nbrActClearLists, true
		case s == NbrInit:
			// §10.3 Init/1-WayReceived: no change.
			return s, 0, true
		}
		return s, 0, false
	}
	return s, 0, false
}

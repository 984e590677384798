package ospf

import "testing"

var allNbrStates = []NeighborState{NbrDown, NbrAttempt, NbrInit, NbrTwoWay, NbrExStart, NbrExchange, NbrLoading, NbrFull}

type nsmRow struct {
	name string
	from NeighborState
	ev   nbrEvent
	in   nbrInput
	to   NeighborState
	act  nbrAction
}

// nsmTable is the §10.3 table, one row per transition and per branch of
// the decisions §10.3 defers to §10.4.
func nsmTable() []nsmRow {
	rows := []nsmRow{
		{"10_3_Down_Start", NbrDown, nbrEvStart, nbrInput{}, NbrAttempt, nbrActSendHello | nbrActStartInactivity},
		{"10_3_Attempt_HelloReceived", NbrAttempt, nbrEvHelloReceived, nbrInput{}, NbrInit, nbrActStartInactivity},
		{"10_3_Down_HelloReceived", NbrDown, nbrEvHelloReceived, nbrInput{}, NbrInit, nbrActStartInactivity},
		{"10_3_Init_2WayReceived_NotAdjacent", NbrInit, nbrEvTwoWayReceived, nbrInput{adjacent: false}, NbrTwoWay, 0},
		{"10_3_Init_2WayReceived_Adjacent_ExStart", NbrInit, nbrEvTwoWayReceived, nbrInput{adjacent: true}, NbrExStart, nbrActExStart},
		{"10_3_ExStart_NegotiationDone", NbrExStart, nbrEvNegotiationDone, nbrInput{}, NbrExchange, nbrActSummarize},
		{"10_3_Exchange_ExchangeDone_RequestsPending", NbrExchange, nbrEvExchangeDone, nbrInput{reqListEmpty: false}, NbrLoading, nbrActSendLSR},
		{"10_3_Exchange_ExchangeDone_NothingToRequest", NbrExchange, nbrEvExchangeDone, nbrInput{reqListEmpty: true}, NbrFull, 0},
		{"10_3_Loading_LoadingDone", NbrLoading, nbrEvLoadingDone, nbrInput{}, NbrFull, 0},
		{"10_3_2Way_AdjOK_Becomes_ExStart", NbrTwoWay, nbrEvAdjOK, nbrInput{adjacent: true}, NbrExStart, nbrActExStart},
		{"10_3_2Way_AdjOK_Stays", NbrTwoWay, nbrEvAdjOK, nbrInput{adjacent: false}, NbrTwoWay, 0},
		{"10_3_Init_1WayReceived", NbrInit, nbrEvOneWayReceived, nbrInput{}, NbrInit, 0},
	}
	for _, s := range allNbrStates {
		n := s.String()
		// §10.3 Init or greater / HelloReceived: restart the timer.
		if s >= NbrInit {
			rows = append(rows, nsmRow{"10_3_" + n + "_HelloReceived", s, nbrEvHelloReceived, nbrInput{}, s, nbrActStartInactivity})
		}
		// §10.3 2-Way or greater / 2-WayReceived: no change.
		if s >= NbrTwoWay {
			rows = append(rows, nsmRow{"10_3_" + n + "_2WayReceived", s, nbrEvTwoWayReceived, nbrInput{adjacent: true}, s, 0})
			rows = append(rows, nsmRow{"10_3_" + n + "_1WayReceived", s, nbrEvOneWayReceived, nbrInput{}, NbrInit, nbrActClearLists})
		}
		// §10.3 ExStart or greater / AdjOK?.
		if s >= NbrExStart {
			rows = append(rows, nsmRow{"10_3_" + n + "_AdjOK_Keeps", s, nbrEvAdjOK, nbrInput{adjacent: true}, s, 0})
			rows = append(rows, nsmRow{"10_3_" + n + "_AdjOK_TearsDown", s, nbrEvAdjOK, nbrInput{adjacent: false}, NbrTwoWay, nbrActClearLists})
		}
		// §10.3 Exchange or greater / SeqNumberMismatch, BadLSReq.
		if s >= NbrExchange {
			rows = append(rows, nsmRow{"10_3_" + n + "_SeqNumberMismatch", s, nbrEvSeqNumberMismatch, nbrInput{}, NbrExStart, nbrActClearLists | nbrActExStart})
			rows = append(rows, nsmRow{"10_3_" + n + "_BadLSReq", s, nbrEvBadLSReq, nbrInput{}, NbrExStart, nbrActClearLists | nbrActExStart})
		}
		// §10.3 Any state / KillNbr, LLDown, InactivityTimer.
		rows = append(rows,
			nsmRow{"10_3_" + n + "_KillNbr", s, nbrEvKillNbr, nbrInput{}, NbrDown, nbrActClearLists | nbrActStopInactivity},
			nsmRow{"10_3_" + n + "_LLDown", s, nbrEvLLDown, nbrInput{}, NbrDown, nbrActClearLists | nbrActStopInactivity},
			nsmRow{"10_3_" + n + "_InactivityTimer", s, nbrEvInactivityTimer, nbrInput{}, NbrDown, nbrActClearLists},
		)
	}
	return rows
}

func Test10_3_NeighborTable(t *testing.T) {
	for _, r := range nsmTable() {
		t.Run(r.name, func(t *testing.T) {
			to, act, ok := nbrStep(r.from, r.ev, r.in)
			if !ok || to != r.to || act != r.act {
				t.Errorf("nbrStep(%v, %v, %+v) = %v %b %v, want %v %b true", r.from, r.ev, r.in, to, act, ok, r.to, r.act)
			}
		})
	}
}

// Test10_3_ExStart_EntryActions pins the three ways into ExStart (§10.3:
// Init/2-WayReceived, 2-Way/AdjOK?, Exchange+/SeqNumberMismatch or
// BadLSReq) to the same entry actions.
func Test10_3_ExStart_EntryActions(t *testing.T) {
	for _, c := range []struct {
		from NeighborState
		ev   nbrEvent
	}{
		{NbrInit, nbrEvTwoWayReceived},
		{NbrTwoWay, nbrEvAdjOK},
		{NbrExchange, nbrEvSeqNumberMismatch},
		{NbrLoading, nbrEvBadLSReq},
		{NbrFull, nbrEvSeqNumberMismatch},
	} {
		to, act, ok := nbrStep(c.from, c.ev, nbrInput{adjacent: true})
		if !ok || to != NbrExStart || act&nbrActExStart == 0 {
			t.Errorf("%v/%v = %v %b %v, want ExStart with the ExStart actions", c.from, c.ev, to, act, ok)
		}
	}
}

// Test10_3_UnlistedPairsIgnored checks that pairs absent from the table
// leave the state alone and ask for nothing.
func Test10_3_UnlistedPairsIgnored(t *testing.T) {
	listed := map[[2]int]bool{}
	for _, r := range nsmTable() {
		listed[[2]int{int(r.from), int(r.ev)}] = true
	}
	for _, s := range allNbrStates {
		for e := nbrEvHelloReceived; e <= nbrEvLLDown; e++ {
			if listed[[2]int{int(s), int(e)}] {
				continue
			}
			for _, in := range []nbrInput{{}, {adjacent: true, reqListEmpty: true}} {
				to, act, ok := nbrStep(s, e, in)
				if ok || to != s || act != 0 {
					t.Errorf("%v/%v = %v %b %v, want ignored", s, e, to, act, ok)
				}
			}
		}
	}
}

func TestNeighborStateString(t *testing.T) {
	for s, want := range map[NeighborState]string{
		NbrDown: "Down", NbrTwoWay: "2-Way", NbrExStart: "ExStart", NbrFull: "Full", 42: "NeighborState(42)",
	} {
		if got := s.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", s, got, want)
		}
	}
	if got := nbrEvAdjOK.String(); got != "AdjOK?" {
		t.Errorf("AdjOK event = %q", got)
	}
}

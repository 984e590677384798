package ospf

import (
	"net/netip"
	"testing"
)

// The §9.3 interface state table, one row per transition the RFC lists.
// Every other (state, event) pair must be ignored.
var ifTable = []struct {
	name     string
	from     InterfaceState
	ev       ifEvent
	p2p      bool
	eligible bool
	to       InterfaceState
	act      ifAction
}{
	{"9_3_Down_InterfaceUp_PointToPoint", IfDown, ifEvInterfaceUp, true, true, IfPointToPoint, ifActStartHello},
	{"9_3_Down_InterfaceUp_PointToPointPriority0", IfDown, ifEvInterfaceUp, true, false, IfPointToPoint, ifActStartHello},
	{"9_3_Down_InterfaceUp_Ineligible", IfDown, ifEvInterfaceUp, false, false, IfDROther, ifActStartHello},
	{"9_3_Down_InterfaceUp_Eligible", IfDown, ifEvInterfaceUp, false, true, IfWaiting, ifActStartHello | ifActStartWait},
	{"9_3_Waiting_BackupSeen", IfWaiting, ifEvBackupSeen, false, true, IfWaiting, ifActElect},
	{"9_3_Waiting_WaitTimer", IfWaiting, ifEvWaitTimer, false, true, IfWaiting, ifActElect},
	{"9_3_DROther_NeighborChange", IfDROther, ifEvNeighborChange, false, true, IfDROther, ifActElect},
	{"9_3_Backup_NeighborChange", IfBackup, ifEvNeighborChange, false, true, IfBackup, ifActElect},
	{"9_3_DR_NeighborChange", IfDR, ifEvNeighborChange, false, true, IfDR, ifActElect},
	{"9_3_Loopback_UnloopInd", IfLoopback, ifEvUnloopInd, false, true, IfDown, 0},
}

var allIfStates = []InterfaceState{IfDown, IfLoopback, IfWaiting, IfPointToPoint, IfDROther, IfBackup, IfDR}
var allIfEvents = []ifEvent{ifEvInterfaceUp, ifEvWaitTimer, ifEvBackupSeen, ifEvNeighborChange, ifEvLoopInd, ifEvUnloopInd, ifEvInterfaceDown}

func Test9_3_InterfaceTable(t *testing.T) {
	for _, tt := range ifTable {
		t.Run(tt.name, func(t *testing.T) {
			to, act, ok := ifStep(tt.from, tt.ev, tt.p2p, tt.eligible)
			if !ok || to != tt.to || act != tt.act {
				t.Errorf("ifStep(%v, %v) = %v %b %v, want %v %b true", tt.from, tt.ev, to, act, ok, tt.to, tt.act)
			}
		})
	}
}

// Test9_3_AnyState_InterfaceDown and LoopInd apply in every state.
func Test9_3_AnyState_InterfaceDownAndLoopInd(t *testing.T) {
	for _, s := range allIfStates {
		to, act, ok := ifStep(s, ifEvInterfaceDown, false, true)
		if !ok || to != IfDown || act != ifActReset|ifActKillNbrs {
			t.Errorf("%v/InterfaceDown = %v %b %v", s, to, act, ok)
		}
		to, act, ok = ifStep(s, ifEvLoopInd, false, true)
		if !ok || to != IfLoopback || act != ifActReset|ifActKillNbrs {
			t.Errorf("%v/LoopInd = %v %b %v", s, to, act, ok)
		}
	}
}

// Test9_3_UnlistedPairsIgnored checks that every pair absent from the
// §9.3 table leaves the state alone and asks for nothing.
func Test9_3_UnlistedPairsIgnored(t *testing.T) {
	listed := map[[2]int]bool{}
	for _, r := range ifTable {
		listed[[2]int{int(r.from), int(r.ev)}] = true
	}
	for _, s := range allIfStates {
		for _, e := range allIfEvents {
			if listed[[2]int{int(s), int(e)}] || e == ifEvInterfaceDown || e == ifEvLoopInd {
				continue
			}
			for _, p2p := range []bool{false, true} {
				to, act, ok := ifStep(s, e, p2p, true)
				if ok || to != s || act != 0 {
					t.Errorf("%v/%v (p2p=%v) = %v %b %v, want ignored", s, e, p2p, to, act, ok)
				}
			}
		}
	}
}

func Test9_4_Step5_ElectedState(t *testing.T) {
	self := netip.MustParseAddr("10.0.0.1")
	other := netip.MustParseAddr("10.0.0.2")
	cases := []struct {
		e    Election
		want InterfaceState
	}{
		{Election{DR: self, BDR: other}, IfDR},
		{Election{DR: other, BDR: self}, IfBackup},
		{Election{DR: other, BDR: other}, IfDROther},
		{Election{}, IfDROther},
	}
	for _, c := range cases {
		if got := electedState(self, c.e); got != c.want {
			t.Errorf("electedState(%+v) = %v, want %v", c.e, got, c.want)
		}
	}
}

func TestInterfaceStateString(t *testing.T) {
	for s, want := range map[InterfaceState]string{
		IfDown: "Down", IfPointToPoint: "Point-to-point", IfDROther: "DROther", IfBackup: "Backup", IfDR: "DR", 99: "InterfaceState(99)",
	} {
		if got := s.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", s, got, want)
		}
	}
}

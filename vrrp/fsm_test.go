package vrrp

import (
	"github.com/switchless/routing/vrrp/packet"
	"net/netip"
	"strings"
	"testing"
	"time"
)

var (
	fsmT0   = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fsmSelf = netip.MustParseAddr("192.0.2.2")
	fsmLow  = netip.MustParseAddr("192.0.2.1")
	fsmHigh = netip.MustParseAddr("192.0.2.3")
)

func newMachine(v packet.Version, prio uint8, preempt bool, state State) *machine {
	m := &machine{version: v, advInterval: time.Second, preempt: preempt, primary: fsmSelf, priority: prio,
		state: state, masterAdvInterval: time.Second}
	return m
}

func acts(as []action) string {
	var s []string
	for _, a := range as {
		s = append(s, a.String())
	}
	return strings.Join(s, " ")
}

// TestMachine walks every transition of RFC 5798 §6.4 (and RFC 3768 §6.4
// for the v2 timers), one case per rule, named after its section.
func TestMachine(t *testing.T) {
	type step func(m *machine) (*transition, []action)
	adv := func(src netip.Addr, prio uint8, iv time.Duration) step {
		return func(m *machine) (*transition, []action) { return m.advert(fsmT0, src, prio, iv) }
	}
	tests := []struct {
		name    string
		m       *machine
		ev      step
		to      State
		reason  Reason // 0: no transition
		actions string
	}{
		{"6_4_1_Startup_Owner_to_Master", newMachine(packet.V3, 255, true, Initialize),
			func(m *machine) (*transition, []action) { return m.startup(fsmT0) },
			Master, ReasonOwner, "stopMasterDown send(prio=255) takeAddresses armAdver(1s)"},
		{"6_4_1_Startup_to_Backup_v3_MasterDownInterval", newMachine(packet.V3, 100, true, Initialize),
			func(m *machine) (*transition, []action) { return m.startup(fsmT0) },
			// 3*1s + (256-100)*1s/256 = 3.609375s
			Backup, ReasonStartup, "armMasterDown(3.609375s)"},
		{"RFC3768_6_1_Startup_to_Backup_v2_MasterDownInterval", newMachine(packet.V2, 200, true, Initialize),
			func(m *machine) (*transition, []action) { return m.startup(fsmT0) },
			Backup, ReasonStartup, "armMasterDown(3.21875s)"},
		{"6_4_2_Backup_MasterDownTimer_to_Master", newMachine(packet.V3, 100, true, Backup),
			func(m *machine) (*transition, []action) { return m.masterDown(fsmT0, false) },
			Master, ReasonMasterDown, "stopMasterDown send(prio=100) takeAddresses armAdver(1s)"},
		{"6_4_2_Backup_Shutdown_to_Initialize", newMachine(packet.V3, 100, true, Backup),
			func(m *machine) (*transition, []action) { return m.shutdown(fsmT0) },
			Initialize, ReasonShutdown, "stopMasterDown"},
		{"6_4_2_Backup_Priority0_arms_SkewTime", newMachine(packet.V3, 128, true, Backup),
			adv(fsmHigh, 0, time.Second), Backup, 0, "armMasterDown(skew 500ms)"},
		{"6_4_2_Backup_HigherPriority_resets_and_learns_interval", newMachine(packet.V3, 100, true, Backup),
			adv(fsmLow, 200, 100*time.Millisecond), Backup, 0, "armMasterDown(360.9375ms)"},
		{"6_4_2_Backup_EqualPriority_resets", newMachine(packet.V3, 100, true, Backup),
			adv(fsmLow, 100, time.Second), Backup, 0, "armMasterDown(3.609375s)"},
		{"6_4_2_Backup_LowerPriority_Preempt_discards", newMachine(packet.V3, 100, true, Backup),
			adv(fsmLow, 50, time.Second), Backup, 0, ""},
		{"6_4_2_Backup_LowerPriority_NoPreempt_resets", newMachine(packet.V3, 100, false, Backup),
			adv(fsmLow, 50, time.Second), Backup, 0, "armMasterDown(3.609375s)"},
		{"RFC3768_6_4_2_Backup_v2_ignores_advert_interval", newMachine(packet.V2, 100, true, Backup),
			adv(fsmLow, 200, 5*time.Second), Backup, 0, "armMasterDown(3.609375s)"},
		{"6_4_3_Master_AdverTimer_sends", newMachine(packet.V3, 100, true, Master),
			func(m *machine) (*transition, []action) { return m.adverTimer(fsmT0, 0) },
			Master, 0, "send(prio=100) armAdver(1s)"},
		{"6_4_3_Master_Shutdown_sends_priority_0", newMachine(packet.V3, 100, true, Master),
			func(m *machine) (*transition, []action) { return m.shutdown(fsmT0) },
			Initialize, ReasonShutdown, "stopAdver send(prio=0) releaseAddresses"},
		{"6_4_3_Master_Priority0_answers_at_once", newMachine(packet.V3, 100, true, Master),
			adv(fsmLow, 0, time.Second), Master, 0, "send(prio=100) armAdver(1s)"},
		{"6_4_3_Master_HigherPriority_to_Backup", newMachine(packet.V3, 100, true, Master),
			adv(fsmLow, 101, 20*time.Millisecond), Backup, ReasonPreempted,
			// learns 20ms: 60ms + 156*20ms/256
			"send(prio=100) stopAdver releaseAddresses armMasterDown(72.1875ms)"},
		{"6_4_3_Master_EqualPriority_HigherAddress_to_Backup", newMachine(packet.V3, 100, true, Master),
			adv(fsmHigh, 100, time.Second), Backup, ReasonPreempted, "send(prio=100) stopAdver releaseAddresses armMasterDown(3.609375s)"},
		{"6_4_3_Master_EqualPriority_LowerAddress_stays", newMachine(packet.V3, 100, true, Master),
			adv(fsmLow, 100, time.Second), Master, 0, "send(prio=100) armAdver(1s) reannounce"},
		{"6_4_3_Master_LowerPriority_stays_and_reannounces", newMachine(packet.V3, 100, true, Master),
			adv(fsmHigh, 99, time.Second), Master, 0, "send(prio=100) armAdver(1s) reannounce"},
		{"Tracking_forced_Master_steps_down_with_priority_0", newMachine(packet.V3, 100, true, Master),
			func(m *machine) (*transition, []action) { return m.setPriority(fsmT0, 100, true) },
			Backup, ReasonTracking, "stopAdver send(prio=0) releaseAddresses armMasterDown(3.609375s)"},
		{"Tracking_forced_Backup_never_takes_over", &machine{version: packet.V3, advInterval: time.Second, masterAdvInterval: time.Second, priority: 100, forced: true, state: Backup},
			func(m *machine) (*transition, []action) { return m.masterDown(fsmT0, false) },
			Backup, 0, "armMasterDown(3.609375s)"},
		{"Tracking_lower_priority_advertised_at_once", newMachine(packet.V3, 100, true, Master),
			func(m *machine) (*transition, []action) { return m.setPriority(fsmT0, 80, false) },
			Master, 0, "send(prio=80) armAdver(1s)"},
		{"Tracking_forced_owner_starts_in_Backup", &machine{version: packet.V3, advInterval: time.Second, priority: 255, forced: true},
			func(m *machine) (*transition, []action) { return m.startup(fsmT0) },
			Backup, ReasonStartup, "armMasterDown(3.00390625s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := tt.m.state
			tr, as := tt.ev(tt.m)
			if got := acts(as); got != tt.actions {
				t.Errorf("actions %q, want %q", got, tt.actions)
			}
			if tt.m.state != tt.to {
				t.Errorf("state %v, want %v", tt.m.state, tt.to)
			}
			switch {
			case tt.reason == 0 && tr != nil:
				t.Errorf("unexpected transition %+v", *tr)
			case tt.reason != 0 && tr == nil:
				t.Errorf("no transition, want %v", tt.reason)
			case tr != nil && (tr.from != from || tr.to != tt.to || tr.reason != tt.reason):
				t.Errorf("transition %v->%v (%v), want %v->%v (%v)", tr.from, tr.to, tr.reason, from, tt.to, tt.reason)
			}
		})
	}
}

// TestMachine_PreemptDelay: a Backup that could preempt keeps accepting a
// lower-priority Master's adverts for PreemptDelay, then discards them so
// its Master_Down_Timer runs out.
func TestMachine_PreemptDelay(t *testing.T) {
	m := newMachine(packet.V3, 200, true, Backup)
	m.preemptDelay = 5 * time.Second
	for i, want := range []string{"armMasterDown(3.21875s)", "armMasterDown(3.21875s)", ""} {
		now := fsmT0.Add(time.Duration(i) * 3 * time.Second) // 0s, 3s, 6s
		_, as := m.advert(now, fsmLow, 100, time.Second)
		if got := acts(as); got != want {
			t.Errorf("advert at %v: %q, want %q", now.Sub(fsmT0), got, want)
		}
	}
	// An equal-or-higher advert restarts the delay.
	m.advert(fsmT0.Add(7*time.Second), fsmHigh, 250, time.Second)
	if _, as := m.advert(fsmT0.Add(8*time.Second), fsmLow, 100, time.Second); acts(as) == "" {
		t.Error("delay did not restart after a higher-priority Master")
	}
}

// TestMachine_ReannounceRateLimited: a split brain heals with one
// re-announcement per Master_Down_Interval, not one per stray advert.
func TestMachine_ReannounceRateLimited(t *testing.T) {
	m := newMachine(packet.V3, 100, true, Master)
	count := 0
	for i := range 10 {
		_, as := m.advert(fsmT0.Add(time.Duration(i)*time.Second), fsmLow, 50, time.Second)
		for _, a := range as {
			if a.kind == actReannounce {
				count++
			}
		}
	}
	// 10 s of adverts, Master_Down_Interval 3.6 s: at 0, 4 and 8 s.
	if count != 3 {
		t.Errorf("%d re-announcements, want 3", count)
	}
}

func TestStateReasonStrings(t *testing.T) {
	for s := Initialize; s <= Master+1; s++ {
		if s.String() == "" {
			t.Errorf("empty string for %d", s)
		}
	}
	for r := ReasonStartup; r <= ReasonTracking+1; r++ {
		if r.String() == "" {
			t.Errorf("empty string for %d", r)
		}
	}
}

// TestMachine_PausedMasterStepsDown: Adver_Timer firing more than four
// Advertisement Intervals late (a paused process: SIGSTOP, a stalled
// VM) finds a Backup already Master: the router gives its addresses up
// and becomes Backup without advertising (ReasonPaused), where an
// advertisement at its priority would preempt the new Master at once.
// Late by less, it advertises as usual (RFC 5798 §6.4.3).
func TestMachine_PausedMasterStepsDown(t *testing.T) {
	m := newMachine(packet.V3, 200, true, Master)
	iv := m.advInterval
	if tr, acts := m.adverTimer(fsmT0, 3*iv); tr != nil || !hasAction(acts, actSend) {
		t.Fatalf("3 intervals late: %v %v, want an advertisement", tr, acts)
	}
	tr, acts := m.adverTimer(fsmT0, 5*iv)
	if tr == nil || tr.to != Backup || tr.reason != ReasonPaused || hasAction(acts, actSend) || !hasAction(acts, actReleaseAddresses) || !hasAction(acts, actArmMasterDown) {
		t.Fatalf("5 intervals late: %+v %v", tr, acts)
	}
}

func hasAction(acts []action, k actionKind) bool {
	for _, a := range acts {
		if a.kind == k {
			return true
		}
	}
	return false
}

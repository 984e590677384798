package ospf

import (
	"errors"
	"testing"
	"time"

	"github.com/switchless/routing"
)

// The RFC 8405 §5.1 state machine, step by step on a manual clock.

type o5schedHarness struct {
	t     *testing.T
	clock *routing.ManualClock
	start time.Time
	s     *spfScheduler
	runs  []time.Duration // offsets from start of every SPF run
}

func newO5Sched(t *testing.T, cfg SPFBackoff) *o5schedHarness {
	h := &o5schedHarness{t: t, clock: routing.NewManualClock(time.Time{})}
	h.start = h.clock.Now()
	h.s = newSPFScheduler(cfg, h.clock, nil, func() {
		h.runs = append(h.runs, h.clock.Now().Sub(h.start))
	})
	return h
}

// at advances the clock to start+d.
func (h *o5schedHarness) at(d time.Duration) { h.clock.AdvanceTo(h.start.Add(d)) }

func (h *o5schedHarness) want(state SPFState, runs ...time.Duration) {
	h.t.Helper()
	if h.s.state != state {
		h.t.Errorf("at %v: state %v, want %v", h.clock.Now().Sub(h.start), h.s.state, state)
	}
	if len(h.runs) != len(runs) {
		h.t.Fatalf("at %v: SPF ran at %v, want %v", h.clock.Now().Sub(h.start), h.runs, runs)
	}
	for i := range runs {
		if h.runs[i] != runs[i] {
			h.t.Fatalf("at %v: SPF ran at %v, want %v", h.clock.Now().Sub(h.start), h.runs, runs)
		}
	}
}

const ms = time.Millisecond

func TestRFC8405_5_1_FullCycle(t *testing.T) {
	h := newO5Sched(t, SPFBackoff{}) // defaults: 50ms, 200ms, 5s, 500ms, 10s
	h.want(SPFQuiet)

	// Transition 1: an IGP event in QUIET → SHORT_WAIT, SPF after
	// INITIAL_SPF_DELAY.
	h.s.event()
	h.want(SPFShortWait)
	h.at(49 * ms)
	h.want(SPFShortWait)
	h.at(50 * ms)
	h.want(SPFShortWait, 50*ms) // transition 8: SPF, state unchanged

	// Transition 2: events in SHORT_WAIT: SPF after SHORT_SPF_DELAY; a
	// second event while SPF_TIMER runs does not move it.
	h.at(100 * ms)
	h.s.event()
	h.at(200 * ms)
	h.s.event()
	h.at(299 * ms)
	h.want(SPFShortWait, 50*ms)
	h.at(300 * ms)
	h.want(SPFShortWait, 50*ms, 300*ms)

	// Transition 3: LEARN_TIMER (500ms after the first event) → LONG_WAIT.
	h.at(499 * ms)
	h.want(SPFShortWait, 50*ms, 300*ms)
	h.at(500 * ms)
	h.want(SPFLongWait, 50*ms, 300*ms)

	// Transition 4: events in LONG_WAIT: SPF after LONG_SPF_DELAY.
	h.at(600 * ms)
	h.s.event()
	h.at(5599 * ms)
	h.want(SPFLongWait, 50*ms, 300*ms)
	h.at(5600 * ms)
	h.want(SPFLongWait, 50*ms, 300*ms, 5600*ms) // transition 9

	// Transition 5: HOLDDOWN (10s after the last event, at 600ms)
	// expires in LONG_WAIT → QUIET.
	h.at(10599 * ms)
	h.want(SPFLongWait, 50*ms, 300*ms, 5600*ms)
	h.at(10600 * ms)
	h.want(SPFQuiet, 50*ms, 300*ms, 5600*ms)

	// Quiet again: the next event is acted on after INITIAL_SPF_DELAY.
	h.at(20 * time.Second)
	h.s.event()
	h.at(20*time.Second + 50*ms)
	h.want(SPFShortWait, 50*ms, 300*ms, 5600*ms, 20*time.Second+50*ms)
	if h.s.events != 5 || h.s.runs != 4 {
		t.Errorf("events %d runs %d, want 5 and 4", h.s.events, h.s.runs)
	}
}

func TestRFC8405_5_1_HoldDownRestartsOnEveryEvent(t *testing.T) {
	h := newO5Sched(t, SPFBackoff{HoldDown: time.Second, TimeToLearn: 300 * ms, LongDelay: 400 * ms})
	h.s.event() // t=0
	h.at(300 * ms)
	h.want(SPFLongWait, 50*ms)
	// Events every 900ms keep pushing HOLDDOWN out: still LONG_WAIT.
	for i := 1; i <= 4; i++ {
		h.at(time.Duration(i) * 900 * ms)
		h.s.event()
	}
	h.at(4500 * ms)
	if h.s.state != SPFLongWait {
		t.Fatalf("state %v, want LONG_WAIT while events keep coming", h.s.state)
	}
	// 1s after the last event (3600ms): QUIET.
	h.at(4600 * ms)
	if h.s.state != SPFQuiet {
		t.Fatalf("state %v, want QUIET a HOLDDOWN after the last event", h.s.state)
	}
	// Each event in LONG_WAIT scheduled one SPF LONG_SPF_DELAY later.
	h.want(SPFQuiet, 50*ms, 1300*ms, 2200*ms, 3100*ms, 4000*ms)
}

func TestRFC8405_5_1_HoldDownInShortWaitStopsLearn(t *testing.T) {
	// Transition 6: with HOLDDOWN shorter than TIME_TO_LEARN, HOLDDOWN
	// expires in SHORT_WAIT: QUIET, and LEARN must not move the machine
	// to LONG_WAIT later.
	h := newO5Sched(t, SPFBackoff{HoldDown: 200 * ms, TimeToLearn: time.Second})
	h.s.event()
	h.at(200 * ms)
	h.want(SPFQuiet, 50*ms)
	h.at(2 * time.Second)
	h.want(SPFQuiet, 50*ms)
	if h.s.learn.Armed() {
		t.Error("LEARN_TIMER still armed in QUIET")
	}
}

func TestRFC8405_5_1_SPFTimerExpiringInQuiet(t *testing.T) {
	// Transition 7: LONG_SPF_DELAY longer than HOLDDOWN: the machine is
	// QUIET when SPF_TIMER fires; SPF runs and the state stays QUIET.
	h := newO5Sched(t, SPFBackoff{TimeToLearn: 10 * ms, HoldDown: 100 * ms, ShortDelay: 20 * ms, LongDelay: 300 * ms})
	h.s.event() // SPF at 50ms
	h.at(20 * ms)
	h.want(SPFLongWait)
	h.at(60 * ms)
	h.s.event() // LONG_WAIT: SPF at 360ms; HOLDDOWN until 160ms
	h.at(160 * ms)
	h.want(SPFQuiet, 50*ms)
	h.at(360 * ms)
	h.want(SPFQuiet, 50*ms, 360*ms)
}

func TestRFC8405_StopDisarms(t *testing.T) {
	h := newO5Sched(t, SPFBackoff{})
	h.s.event()
	h.s.stop()
	if h.clock.Pending() != 0 {
		t.Errorf("%d timers still armed after stop", h.clock.Pending())
	}
	h.at(time.Minute)
	h.want(SPFQuiet)
}

func TestSPFBackoff_Validate(t *testing.T) {
	for _, c := range []struct {
		b    SPFBackoff
		ok   bool
		name string
	}{
		{SPFBackoff{}, true, "defaults"},
		{SPFBackoff{InitialDelay: 0, ShortDelay: 10 * ms, LongDelay: 10 * ms}, false, "default initial above short"},
		{SPFBackoff{InitialDelay: time.Nanosecond, ShortDelay: 10 * ms, LongDelay: 10 * ms}, true, "equal short and long"},
		{SPFBackoff{HoldDown: -1}, false, "negative"},
		{SPFBackoff{ShortDelay: 10 * time.Second}, false, "short above default long"},
		{SPFBackoff{LongDelay: 2 * time.Hour}, false, "too long"},
	} {
		err := c.b.Validate()
		if (err == nil) != c.ok {
			t.Errorf("%s: %+v: err = %v", c.name, c.b, err)
		}
		if err != nil && !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v does not wrap ErrInvalidConfig", c.name, err)
		}
	}
}

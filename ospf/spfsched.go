package ospf

import (
	"fmt"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/loop"
)

// This file schedules shortest-path calculations with the back-off
// algorithm of RFC 8405: the first change after a quiet period is acted on
// at once (INITIAL_SPF_DELAY), changes that follow closely are batched a
// little (SHORT_SPF_DELAY), and if they keep coming past TIME_TO_LEARN
// the network is considered unstable and calculations are spaced widely
// (LONG_SPF_DELAY) until HOLDDOWN passes without a change.

// Default SPF back-off delays (RFC 8405 §6, the values it suggests).
const (
	DefaultSPFInitialDelay = 50 * time.Millisecond
	DefaultSPFShortDelay   = 200 * time.Millisecond
	DefaultSPFLongDelay    = 5 * time.Second
	DefaultSPFTimeToLearn  = 500 * time.Millisecond
	DefaultSPFHoldDown     = 10 * time.Second
)

// SPFBackoff configures the RFC 8405 SPF back-off. Zero fields take the
// defaults above.
type SPFBackoff struct {
	// InitialDelay is INITIAL_SPF_DELAY: the delay after the first change
	// following a quiet period.
	InitialDelay time.Duration
	// ShortDelay is SHORT_SPF_DELAY, used while changes keep coming for
	// less than TimeToLearn.
	ShortDelay time.Duration
	// LongDelay is LONG_SPF_DELAY, used once changes have kept coming for
	// TimeToLearn.
	LongDelay time.Duration
	// TimeToLearn is TIME_TO_LEARN_INTERVAL: how long changes may keep
	// coming before the back-off lengthens.
	TimeToLearn time.Duration
	// HoldDown is HOLDDOWN_INTERVAL: the time without a change after
	// which the network is quiet again.
	HoldDown time.Duration
}

// Validate reports the first invalid field.
func (b SPFBackoff) Validate() error {
	for _, f := range []struct {
		name string
		d    time.Duration
	}{
		{"InitialDelay", b.InitialDelay}, {"ShortDelay", b.ShortDelay}, {"LongDelay", b.LongDelay},
		{"TimeToLearn", b.TimeToLearn}, {"HoldDown", b.HoldDown},
	} {
		if f.d < 0 {
			return fmt.Errorf("%w: SPF.%s = %v: must not be negative", ErrInvalidConfig, f.name, f.d)
		}
		if f.d > time.Hour {
			return fmt.Errorf("%w: SPF.%s = %v: must be at most 1h", ErrInvalidConfig, f.name, f.d)
		}
	}
	e := b.effective()
	// RFC 8405 §6 asks for INITIAL ≤ SHORT ≤ LONG; anything else makes
	// an unstable network converge faster than a stable one.
	if e.InitialDelay > e.ShortDelay {
		return fmt.Errorf("%w: SPF.InitialDelay = %v: must not exceed ShortDelay (%v)", ErrInvalidConfig, e.InitialDelay, e.ShortDelay)
	}
	if e.ShortDelay > e.LongDelay {
		return fmt.Errorf("%w: SPF.ShortDelay = %v: must not exceed LongDelay (%v)", ErrInvalidConfig, e.ShortDelay, e.LongDelay)
	}
	return nil
}

func (b SPFBackoff) effective() SPFBackoff {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&b.InitialDelay, DefaultSPFInitialDelay)
	def(&b.ShortDelay, DefaultSPFShortDelay)
	def(&b.LongDelay, DefaultSPFLongDelay)
	def(&b.TimeToLearn, DefaultSPFTimeToLearn)
	def(&b.HoldDown, DefaultSPFHoldDown)
	return b
}

// SPFState is the state of the RFC 8405 back-off state machine (§5.1).
type SPFState uint8

// Back-off states.
const (
	// SPFQuiet: no change for HOLDDOWN; the next one is acted on after
	// INITIAL_SPF_DELAY.
	SPFQuiet SPFState = iota
	// SPFShortWait: changes came recently; calculations wait
	// SHORT_SPF_DELAY.
	SPFShortWait
	// SPFLongWait: changes kept coming for TIME_TO_LEARN; calculations
	// wait LONG_SPF_DELAY.
	SPFLongWait
)

func (s SPFState) String() string {
	switch s {
	case SPFQuiet:
		return "QUIET"
	case SPFShortWait:
		return "SHORT_WAIT"
	case SPFLongWait:
		return "LONG_WAIT"
	}
	return fmt.Sprintf("SPFState(%d)", uint8(s))
}

// MarshalText implements encoding.TextMarshaler.
func (s SPFState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// spfScheduler is the RFC 8405 §5 state machine with its three timers.
// run is called when SPF_TIMER expires.
type spfScheduler struct {
	cfg   SPFBackoff // effective values
	clock routing.Clock
	// timerRun is the owner's lock around a timer's body (loop.Slot.Arm):
	// the Instance's runTimer, or nil for tests of the state machine
	// alone, driven from one goroutine.
	timerRun func(body func())
	run      func()

	state SPFState
	spf   loop.Slot // SPF_TIMER
	hold  loop.Slot // HOLDDOWN_TIMER
	learn loop.Slot // LEARN_TIMER
	due   time.Time // when SPF_TIMER fires, if armed

	events, runs uint64
	lastDelay    time.Duration
}

func newSPFScheduler(cfg SPFBackoff, clock routing.Clock, timerRun func(body func()), run func()) *spfScheduler {
	return &spfScheduler{cfg: cfg.effective(), clock: clock, timerRun: timerRun, run: run}
}

func (s *spfScheduler) arm(slot *loop.Slot, d time.Duration, f func()) {
	slot.Arm(s.clock, d, s.timerRun, f)
}

// event reports an IGP event: a change of the database that needs a new
// shortest-path tree (RFC 8405 §5.1 transitions 1, 2 and 4).
func (s *spfScheduler) event() {
	s.events++
	switch s.state {
	case SPFQuiet:
		// Transition 1: QUIET → SHORT_WAIT. SPF after INITIAL_SPF_DELAY;
		// HOLDDOWN and LEARN start.
		s.state = SPFShortWait
		s.startSPF(s.cfg.InitialDelay)
		s.arm(&s.hold, s.cfg.HoldDown, s.holdExpired)
		s.arm(&s.learn, s.cfg.TimeToLearn, s.learnExpired)
	case SPFShortWait:
		// Transition 2: HOLDDOWN restarts; SPF after SHORT_SPF_DELAY
		// unless already scheduled.
		s.arm(&s.hold, s.cfg.HoldDown, s.holdExpired)
		if !s.spf.Armed() {
			s.startSPF(s.cfg.ShortDelay)
		}
	case SPFLongWait:
		// Transition 4: as transition 2 with LONG_SPF_DELAY.
		s.arm(&s.hold, s.cfg.HoldDown, s.holdExpired)
		if !s.spf.Armed() {
			s.startSPF(s.cfg.LongDelay)
		}
	}
}

// expedite brings a scheduled calculation forward to d from now if it is
// due later, or schedules one: the caller knows the wait serves no
// purpose (see Instance.stubAdjacencyFull). The back-off state and its
// HOLDDOWN and LEARN timers are not changed.
func (s *spfScheduler) expedite(d time.Duration) {
	if s.spf.Armed() && !s.due.After(s.clock.Now().Add(d)) {
		return
	}
	s.startSPF(d)
}

func (s *spfScheduler) startSPF(d time.Duration) {
	s.lastDelay = d
	s.due = s.clock.Now().Add(d)
	s.arm(&s.spf, d, s.spfExpired)
}

// spfExpired is transitions 7, 8 and 9: compute SPF; the state stays.
func (s *spfScheduler) spfExpired() {
	s.due = time.Time{}
	s.runs++
	s.run()
}

// learnExpired is transition 3: SHORT_WAIT → LONG_WAIT.
func (s *spfScheduler) learnExpired() {
	if s.state == SPFShortWait {
		s.state = SPFLongWait
	}
}

// holdExpired is transitions 5 and 6: back to QUIET; in SHORT_WAIT the
// LEARN timer is stopped too.
func (s *spfScheduler) holdExpired() {
	if s.state == SPFShortWait {
		s.learn.Stop()
	}
	s.state = SPFQuiet
}

// stop disarms every timer and returns to QUIET.
func (s *spfScheduler) stop() {
	s.spf.Stop()
	s.hold.Stop()
	s.learn.Stop()
	s.state = SPFQuiet
	s.due = time.Time{}
}

// SPFStatus is a snapshot of the SPF scheduling and its last run.
type SPFStatus struct {
	// State is the RFC 8405 back-off state.
	State SPFState `json:"state"`
	// Pending reports a calculation scheduled, due at Due.
	Pending bool      `json:"pending"`
	Due     time.Time `json:"due,omitzero"`
	// Events counts the changes that asked for a calculation; Runs the
	// full calculations made; ExternalRuns the incremental AS-external
	// recalculations (§16.6).
	Events       uint64 `json:"events"`
	Runs         uint64 `json:"runs"`
	ExternalRuns uint64 `json:"external_runs"`
	// LastRun is when the last full calculation ran and LastDuration how
	// long it took by the instance's clock (zero on a manual clock).
	LastRun      time.Time     `json:"last_run,omitzero"`
	LastDuration time.Duration `json:"last_duration"`
}

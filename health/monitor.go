package health

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/switchless/routing"
)

// ErrStarted is returned by a second Start; ErrStopped by Start after
// Stop: a Monitor runs once.
var (
	ErrStarted = errors.New("health: monitor already started")
	ErrStopped = errors.New("health: monitor stopped")
)

// Env is what a Monitor runs on.
type Env struct {
	// Clock paces the checks and their timeouts; required
	// (routing.SystemClock() for real checks, a routing.ManualClock in
	// tests).
	Clock routing.Clock
	// OnResult, if set, receives every result, including the timeouts of
	// hung checks; Result.Changed marks the ones that changed the state.
	// It is called outside the Monitor's lock, one at a time and in
	// order; it may call the Monitor's methods, and must not block for
	// long.
	OnResult func(Result)
}

// Result is the outcome of one check.
type Result struct {
	// Seq numbers the checks from 1.
	Seq uint64
	// Start and End are the clock's times when the check started and
	// when its result (or its timeout) was taken.
	Start, End time.Time
	// Err is the check's error, ErrTimeout for a check that did not
	// return within Timeout, nil for a success.
	Err error
	// Up is the state after this result; Changed reports whether this
	// result changed it.
	Up, Changed bool
	// Successes and Failures are the consecutive counts after this result.
	Successes, Failures int
}

// Monitor polls a Checker every Interval and keeps its Hysteresis. The
// first check runs one Interval after Start.
type Monitor struct {
	cfg      Config
	check    Checker
	clock    routing.Clock
	onResult func(Result)

	mu       sync.Mutex
	started  bool
	stopped  bool
	h        Hysteresis
	seq      uint64
	tick     routing.Timer
	inflight *attempt // the check not yet resolved, if any

	outMu    sync.Mutex
	out      []Result
	draining bool
}

// attempt is one check in flight.
type attempt struct {
	seq     uint64
	start   time.Time
	cancel  context.CancelFunc
	timer   routing.Timer // the clock's timeout
	settled bool
}

// NewMonitor returns a Monitor of check for cfg on env. It validates cfg
// and env; nothing runs until Start.
func NewMonitor(cfg Config, check Checker, env Env) (*Monitor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if check == nil {
		return nil, fmt.Errorf("%w: checker: is nil", ErrInvalidConfig)
	}
	if env.Clock == nil {
		return nil, fmt.Errorf("%w: env.Clock: is nil (use routing.SystemClock() for real checks)", ErrInvalidConfig)
	}
	return &Monitor{cfg: cfg, check: check, clock: env.Clock, onResult: env.OnResult,
		h: NewHysteresis(cfg.Rise, cfg.Fall, cfg.Up)}, nil
}

// Start arms the first check, one Interval from now. It does not block.
func (m *Monitor) Start() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.stopped:
		return ErrStopped
	case m.started:
		return ErrStarted
	}
	m.started = true
	m.armTick()
	return nil
}

// Stop stops polling and cancels the check in flight, whose result is
// then not reported. No callback starts after Stop returns, though one
// already running may still be finishing. Stop is idempotent.
func (m *Monitor) Stop() {
	m.mu.Lock()
	m.stopped = true
	if m.tick != nil {
		m.tick.Stop()
		m.tick = nil
	}
	if a := m.inflight; a != nil {
		m.inflight = nil
		a.settled = true
		a.timer.Stop()
		a.cancel()
	}
	m.mu.Unlock()
	m.outMu.Lock()
	m.out = nil
	m.outMu.Unlock()
}

// Up reports the current state.
func (m *Monitor) Up() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.h.Up()
}

// Hysteresis returns a copy of the monitor's state: its counts of
// consecutive results and of changes.
func (m *Monitor) Hysteresis() Hysteresis {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.h
}

// armTick arms the next check. m.mu is held.
func (m *Monitor) armTick() {
	m.tick = m.clock.AfterFunc(m.cfg.Interval, m.onTick)
}

func (m *Monitor) onTick() {
	m.mu.Lock()
	if m.stopped {
		m.mu.Unlock()
		return
	}
	now := m.clock.Now()
	// With Timeout == Interval the previous check's timeout may be due at
	// this very instant: settle it first, so that results stay in order.
	if a := m.inflight; a != nil {
		m.settleLocked(a, ErrTimeout, now)
	}
	m.seq++
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.timeout())
	a := &attempt{seq: m.seq, start: now, cancel: cancel}
	m.inflight = a
	a.timer = m.clock.AfterFunc(m.cfg.timeout(), func() { m.finish(a, ErrTimeout) })
	m.armTick()
	m.mu.Unlock()
	m.drain() // a timeout settled above

	// Outside any lock, on its own goroutine: a slow or hung check
	// delays nothing but itself.
	go func() {
		err := m.check.Check(ctx)
		if err == nil && ctx.Err() != nil {
			err = ErrTimeout // returned only because it was cut
		}
		m.finish(a, err)
	}()
}

// finish takes the first of a check's result and its timeout.
func (m *Monitor) finish(a *attempt, err error) {
	m.mu.Lock()
	if m.stopped || a.settled {
		m.mu.Unlock()
		return
	}
	m.settleLocked(a, err, m.clock.Now())
	m.mu.Unlock()
	m.drain()
}

// settleLocked records the result of attempt a. m.mu is held.
func (m *Monitor) settleLocked(a *attempt, err error, now time.Time) {
	a.settled = true
	a.timer.Stop()
	a.cancel()
	if m.inflight == a {
		m.inflight = nil
	}
	changed := m.h.Observe(err)
	r := Result{Seq: a.seq, Start: a.start, End: now, Err: err, Up: m.h.Up(), Changed: changed,
		Successes: m.h.Successes(), Failures: m.h.Failures()}
	if m.onResult == nil {
		return
	}
	m.outMu.Lock()
	m.out = append(m.out, r)
	m.outMu.Unlock()
}

// drain delivers the queued results unless another goroutine already
// does, in order.
func (m *Monitor) drain() {
	m.outMu.Lock()
	if m.draining {
		m.outMu.Unlock()
		return
	}
	m.draining = true
	for len(m.out) > 0 {
		r := m.out[0]
		m.out = m.out[1:]
		m.outMu.Unlock()
		m.mu.Lock()
		stopped := m.stopped
		m.mu.Unlock()
		if !stopped {
			m.onResult(r)
		}
		m.outMu.Lock()
	}
	m.draining = false
	m.outMu.Unlock()
}

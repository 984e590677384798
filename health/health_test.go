package health

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchless/routing"
)

var errDown = errors.New("down")

func TestHysteresis(t *testing.T) {
	type step struct {
		err     error
		changed bool
		up      bool
	}
	ok, bad := error(nil), errDown
	tests := []struct {
		name       string
		rise, fall int
		up         bool
		steps      []step
		changes    uint64
	}{
		{"fall_2_from_up", 2, 2, true, []step{{bad, false, true}, {bad, true, false}, {bad, false, false}}, 1},
		{"rise_2_from_down", 2, 2, false, []step{{ok, false, false}, {ok, true, true}, {ok, false, true}}, 1},
		{"alternating_never_changes", 2, 2, true, []step{{bad, false, true}, {ok, false, true}, {bad, false, true}, {ok, false, true}}, 0},
		{"failure_resets_rise", 3, 1, false, []step{{ok, false, false}, {ok, false, false}, {bad, false, false}, {ok, false, false}, {ok, false, false}, {ok, true, true}}, 1},
		{"rise_1_fall_1_follows_each_result", 1, 1, true, []step{{bad, true, false}, {ok, true, true}, {bad, true, false}}, 3},
		{"below_1_means_1", 0, -3, false, []step{{ok, true, true}, {bad, true, false}}, 2},
		{"success_while_up_changes_nothing", 2, 2, true, []step{{ok, false, true}, {ok, false, true}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHysteresis(tt.rise, tt.fall, tt.up)
			if h.Up() != tt.up {
				t.Fatalf("starts %v, want %v", h.Up(), tt.up)
			}
			for i, s := range tt.steps {
				if got := h.Observe(s.err); got != s.changed || h.Up() != s.up {
					t.Fatalf("step %d (%v): changed=%v up=%v, want %v %v", i, s.err, got, h.Up(), s.changed, s.up)
				}
			}
			if h.Changes() != tt.changes {
				t.Errorf("Changes() = %d, want %d", h.Changes(), tt.changes)
			}
		})
	}
}

func TestHysteresis_Counters(t *testing.T) {
	h := NewHysteresis(2, 3, true)
	h.Observe(errDown)
	h.Observe(errDown)
	if h.Failures() != 2 || h.Successes() != 0 {
		t.Fatalf("after 2 failures: successes %d failures %d", h.Successes(), h.Failures())
	}
	h.Observe(nil)
	if h.Failures() != 0 || h.Successes() != 1 {
		t.Fatalf("after a success: successes %d failures %d", h.Successes(), h.Failures())
	}
	if !h.Set(false) || h.Up() || h.Successes() != 0 || h.Changes() != 1 {
		t.Fatalf("Set(false): up %v successes %d changes %d", h.Up(), h.Successes(), h.Changes())
	}
	if h.Set(false) {
		t.Fatal("Set to the same state reported a change")
	}
	var zero Hysteresis // down, rise and fall 1
	if zero.Up() || !zero.Observe(nil) || !zero.Up() {
		t.Fatal("zero Hysteresis does not rise on one success")
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{Interval: time.Second, Timeout: time.Second, Rise: 1, Fall: 1}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		field string
		mod   func(*Config)
	}{
		{"interval", func(c *Config) { c.Interval = 0 }},
		{"interval", func(c *Config) { c.Interval = -time.Second }},
		{"timeout", func(c *Config) { c.Timeout = 2 * time.Second }},
		{"timeout", func(c *Config) { c.Timeout = -1 }},
		{"rise", func(c *Config) { c.Rise = 0 }},
		{"fall", func(c *Config) { c.Fall = 0 }},
	} {
		c := good
		tt.mod(&c)
		err := c.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), ": "+tt.field+": ") {
			t.Errorf("%+v: err = %v, want one naming %q", c, err, tt.field)
		}
	}
	if c := (Config{Interval: time.Second, Rise: 1, Fall: 1}); c.Validate() != nil || c.timeout() != time.Second {
		t.Error("zero timeout is not Interval")
	}
}

func TestNewMonitor_Env(t *testing.T) {
	cfg := Config{Interval: time.Second, Rise: 1, Fall: 1}
	chk := CheckFunc(func(context.Context) error { return nil })
	if _, err := NewMonitor(cfg, chk, Env{}); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "env.Clock") {
		t.Errorf("nil clock: %v", err)
	}
	clock := routing.NewManualClock(time.Time{})
	if _, err := NewMonitor(cfg, nil, Env{Clock: clock}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil checker: %v", err)
	}
	if _, err := NewMonitor(Config{}, chk, Env{Clock: clock}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("zero config: %v", err)
	}
	m, err := NewMonitor(cfg, chk, Env{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start: %v", err)
	}
	m.Stop()
	m.Stop()
	if err := m.Start(); !errors.Is(err, ErrStopped) {
		t.Errorf("Start after Stop: %v", err)
	}
	if clock.Advance(10*time.Second) != 0 {
		t.Error("a stopped monitor still had timers due")
	}
}

// monitorRig runs a Monitor on a ManualClock and collects its results.
type monitorRig struct {
	t       *testing.T
	clock   *routing.ManualClock
	m       *Monitor
	results chan Result
}

func newRig(t *testing.T, cfg Config, chk Checker) *monitorRig {
	t.Helper()
	r := &monitorRig{t: t, clock: routing.NewManualClock(time.Unix(0, 0)), results: make(chan Result, 16)}
	m, err := NewMonitor(cfg, chk, Env{Clock: r.clock, OnResult: func(res Result) { r.results <- res }})
	if err != nil {
		t.Fatal(err)
	}
	r.m = m
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	return r
}

func (r *monitorRig) next() Result {
	r.t.Helper()
	select {
	case res := <-r.results:
		return res
	case <-time.After(5 * time.Second):
		r.t.Fatal("no result")
		return Result{}
	}
}

func (r *monitorRig) none() {
	r.t.Helper()
	select {
	case res := <-r.results:
		r.t.Fatalf("unexpected result %+v", res)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestMonitor_RiseFall(t *testing.T) {
	var failing atomic.Bool
	chk := CheckFunc(func(context.Context) error {
		if failing.Load() {
			return errDown
		}
		return nil
	})
	r := newRig(t, Config{Interval: time.Second, Rise: 2, Fall: 3, Up: true}, chk)
	r.none() // nothing before the first Interval
	r.clock.Advance(time.Second)
	if res := r.next(); res.Err != nil || !res.Up || res.Changed || res.Seq != 1 || res.Successes != 1 {
		t.Fatalf("first result %+v", res)
	}
	failing.Store(true)
	for i := 1; i <= 3; i++ {
		r.clock.Advance(time.Second)
		res := r.next()
		if !errors.Is(res.Err, errDown) || res.Failures != i || res.Changed != (i == 3) || res.Up != (i < 3) {
			t.Fatalf("failure %d: %+v", i, res)
		}
	}
	if r.m.Up() {
		t.Fatal("still up after fall")
	}
	failing.Store(false)
	r.clock.Advance(time.Second)
	if res := r.next(); res.Up || res.Changed {
		t.Fatalf("one success: %+v", res)
	}
	r.clock.Advance(time.Second)
	if res := r.next(); !res.Up || !res.Changed || res.Seq != 6 {
		t.Fatalf("rise: %+v", res)
	}
	if h := r.m.Hysteresis(); h.Changes() != 2 {
		t.Errorf("changes %d", h.Changes())
	}
}

// A check that ignores its context counts as a failure at its timeout, on
// the monitor's clock; its late result is ignored.
func TestMonitor_HungCheckFailsAtTimeout(t *testing.T) {
	started := make(chan struct{}, 4)
	release := make(chan struct{})
	var hang atomic.Bool
	hang.Store(true)
	chk := CheckFunc(func(context.Context) error {
		started <- struct{}{}
		if hang.Load() {
			<-release // deaf to ctx
		}
		return nil
	})
	r := newRig(t, Config{Interval: 10 * time.Second, Timeout: 3 * time.Second, Rise: 1, Fall: 1, Up: true}, chk)
	r.clock.Advance(10 * time.Second)
	<-started
	r.clock.Advance(2 * time.Second)
	r.none() // not yet timed out
	r.clock.Advance(time.Second)
	res := r.next()
	if !errors.Is(res.Err, ErrTimeout) || !errors.Is(res.Err, context.DeadlineExceeded) || res.Up || !res.Changed {
		t.Fatalf("hung check: %+v", res)
	}
	if d := res.End.Sub(res.Start); d != 3*time.Second {
		t.Errorf("timed out after %v, want 3s", d)
	}
	hang.Store(false)
	close(release) // the late success is not a result
	r.none()
	r.clock.Advance(7 * time.Second)
	<-started
	if res := r.next(); res.Err != nil || !res.Up || res.Seq != 2 {
		t.Fatalf("next check: %+v", res)
	}
}

// A check that honours its context is cut at the timeout too, although
// on a ManualClock no real time passes.
func TestMonitor_ContextCancelledAtTimeout(t *testing.T) {
	cut := make(chan error, 1)
	chk := CheckFunc(func(ctx context.Context) error {
		<-ctx.Done()
		cut <- ctx.Err()
		return ctx.Err()
	})
	r := newRig(t, Config{Interval: time.Second, Timeout: 500 * time.Millisecond, Rise: 1, Fall: 1, Up: true}, chk)
	r.clock.Advance(time.Second)
	r.clock.Advance(500 * time.Millisecond)
	if res := r.next(); !errors.Is(res.Err, ErrTimeout) {
		t.Fatalf("result %+v", res)
	}
	if err := <-cut; err == nil {
		t.Fatal("check's context not done")
	}
}

// Timeout == Interval: the timeout of one check and the start of the next
// fall on the same instant; results stay in order.
func TestMonitor_TimeoutEqualsInterval(t *testing.T) {
	chk := CheckFunc(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	r := newRig(t, Config{Interval: time.Second, Rise: 1, Fall: 2, Up: true}, chk)
	r.clock.Advance(time.Second)
	r.clock.Advance(time.Second)
	r.clock.Advance(time.Second)
	a, b := r.next(), r.next()
	if a.Seq != 1 || b.Seq != 2 || a.Up != true || b.Up != false || !b.Changed {
		t.Fatalf("results %+v then %+v", a, b)
	}
}

func TestMonitor_StopCancelsInFlight(t *testing.T) {
	started := make(chan struct{})
	done := make(chan error, 1)
	chk := CheckFunc(func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		done <- ctx.Err()
		return ctx.Err()
	})
	r := newRig(t, Config{Interval: time.Second, Rise: 1, Fall: 1}, chk)
	r.clock.Advance(time.Second)
	<-started
	r.m.Stop()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("check ended with %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not cancel the check")
	}
	r.none()
}

// OnResult may call the Monitor's methods.
func TestMonitor_CallbackMayCallMonitor(t *testing.T) {
	clock := routing.NewManualClock(time.Unix(0, 0))
	got := make(chan bool, 1)
	var m *Monitor
	m, err := NewMonitor(Config{Interval: time.Second, Rise: 1, Fall: 1}, CheckFunc(func(context.Context) error { return nil }),
		Env{Clock: clock, OnResult: func(Result) { got <- m.Up(); m.Stop() }})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	select {
	case up := <-got:
		if !up {
			t.Error("Up() from the callback is false after a rise")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no callback")
	}
}

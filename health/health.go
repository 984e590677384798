package health

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrInvalidConfig is wrapped by every error of Config.Validate and
// NewMonitor; the message names the field by its YAML key.
var ErrInvalidConfig = errors.New("health: invalid configuration")

// ErrTimeout is the result of a check that did not return within its
// Timeout. It wraps context.DeadlineExceeded.
var ErrTimeout = fmt.Errorf("health: check timed out: %w", context.DeadlineExceeded)

// Checker is a health source: Check returns nil while the checked object
// is healthy, and an error saying what is wrong otherwise. It must return
// soon after ctx is done.
type Checker interface {
	Check(ctx context.Context) error
}

// CheckFunc adapts a function to Checker.
type CheckFunc func(ctx context.Context) error

// Check implements Checker.
func (f CheckFunc) Check(ctx context.Context) error { return f(ctx) }

// Hysteresis turns a stream of check results into an up/down state: fall
// consecutive failures take an up object down, rise consecutive successes
// bring a down object up. It does no I/O and keeps no time; the zero
// value is down with rise and fall 1. It is not safe for concurrent use:
// its owner's lock guards it.
type Hysteresis struct {
	rise, fall int
	up         bool
	successes  int // consecutive
	failures   int // consecutive
	changes    uint64
}

// NewHysteresis returns a Hysteresis in state up that needs rise
// consecutive successes to go up and fall consecutive failures to go
// down. Values below 1 mean 1.
func NewHysteresis(rise, fall int, up bool) Hysteresis {
	return Hysteresis{rise: max(rise, 1), fall: max(fall, 1), up: up}
}

// Observe records one result (nil is a success) and reports whether the
// state changed.
func (h *Hysteresis) Observe(err error) (changed bool) {
	if err == nil {
		h.failures = 0
		h.successes++
		if !h.up && h.successes >= max(h.rise, 1) {
			h.up = true
			h.changes++
			return true
		}
		return false
	}
	h.successes = 0
	h.failures++
	if h.up && h.failures >= max(h.fall, 1) {
		h.up = false
		h.changes++
		return true
	}
	return false
}

// Set forces the state, for objects whose state is known outright (an
// interface's carrier), and reports whether it changed. It resets the
// consecutive counts.
func (h *Hysteresis) Set(up bool) (changed bool) {
	h.successes, h.failures = 0, 0
	if h.up == up {
		return false
	}
	h.up = up
	h.changes++
	return true
}

// Up reports the current state.
func (h *Hysteresis) Up() bool { return h.up }

// Successes returns the number of consecutive successes observed last
// (zero after a failure).
func (h *Hysteresis) Successes() int { return h.successes }

// Failures returns the number of consecutive failures observed last
// (zero after a success).
func (h *Hysteresis) Failures() int { return h.failures }

// Changes returns how many times the state changed.
func (h *Hysteresis) Changes() uint64 { return h.changes }

// Config configures a Monitor. It has no defaults: each protocol that
// embeds health checks states its own (vrrp: 1 s, rise 2, fall 2).
type Config struct {
	// Interval is the time between the starts of two checks; > 0.
	Interval time.Duration
	// Timeout bounds one check, 0 < Timeout <= Interval; zero means
	// Interval.
	Timeout time.Duration
	// Rise and Fall are the consecutive successes and failures that
	// change the state; >= 1.
	Rise, Fall int
	// Up is the state before the first result: true for an object
	// presumed healthy until shown otherwise (vrrp tracks), false for one
	// that must prove itself first (an anycast service before it is
	// announced).
	Up bool
}

func cfgErr(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...))
}

// Validate reports the first invalid field by its YAML key (interval,
// timeout, rise, fall), wrapping ErrInvalidConfig.
func (c Config) Validate() error {
	if c.Interval <= 0 {
		return cfgErr("interval", "%v: must be positive", c.Interval)
	}
	if c.Timeout < 0 || c.Timeout > c.Interval {
		return cfgErr("timeout", "%v: must be within 0..interval (%v)", c.Timeout, c.Interval)
	}
	if c.Rise < 1 {
		return cfgErr("rise", "%d: must be at least 1", c.Rise)
	}
	if c.Fall < 1 {
		return cfgErr("fall", "%d: must be at least 1", c.Fall)
	}
	return nil
}

// timeout is Timeout with its default applied.
func (c Config) timeout() time.Duration {
	if c.Timeout == 0 {
		return c.Interval
	}
	return c.Timeout
}

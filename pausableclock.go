package routing

import (
	"sync"
	"time"
)

// PausableClock is a Clock over a ManualClock that stops and resumes as
// the process of a paused host does (SIGSTOP and SIGCONT, a frozen VM):
// while paused, a timer that comes due does not run but waits; Resume
// runs every timer that came due, as the ManualClock's next events, in
// the order they came due, late by the pause. A protocol instance on it
// can tell it was paused, as on a real host (a VRRP Master's
// Adver_Timer firing seconds late). Give each simulated process its own.
type PausableClock struct {
	base *ManualClock

	mu     sync.Mutex
	paused bool
	held   []*pausedTimer // came due while paused, in that order
}

type pausedTimer struct {
	c       *PausableClock
	t       Timer
	f       func()
	held    bool // came due while paused
	stopped bool // stopped while held, or ran after the resume
}

// NewPausableClock returns a running PausableClock over base.
func NewPausableClock(base *ManualClock) *PausableClock { return &PausableClock{base: base} }

// Now returns the base clock's time: time goes on while paused.
func (c *PausableClock) Now() time.Time { return c.base.Now() }

// AfterFunc arms f on the base clock; if it comes due while the clock is
// paused, it waits for Resume.
func (c *PausableClock) AfterFunc(d time.Duration, f func()) Timer {
	pt := &pausedTimer{c: c, f: f}
	pt.t = c.base.AfterFunc(d, func() {
		c.mu.Lock()
		if c.paused {
			pt.held = true
			c.held = append(c.held, pt)
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		f()
	})
	return pt
}

// Stop stops the timer; a timer held by a pause is stopped too.
func (pt *pausedTimer) Stop() bool {
	pt.c.mu.Lock()
	if pt.held {
		was := !pt.stopped
		pt.stopped = true
		pt.c.mu.Unlock()
		return was
	}
	pt.c.mu.Unlock()
	return pt.t.Stop()
}

// Pause stops the clock's timers from running. A clock paused for good
// (a crashed process) holds its timers until it is dropped.
func (c *PausableClock) Pause() {
	c.mu.Lock()
	c.paused = true
	c.mu.Unlock()
}

// Paused reports whether the clock is paused.
func (c *PausableClock) Paused() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paused
}

// Resume runs, as the base clock's next events and in the order they
// came due, every timer that came due during the pause and was not
// stopped since, and lets the others run when they come due.
func (c *PausableClock) Resume() {
	c.mu.Lock()
	c.paused = false
	held := c.held
	c.held = nil
	c.mu.Unlock()
	for _, pt := range held {
		c.base.AfterFunc(0, func() {
			c.mu.Lock()
			run := !pt.stopped
			pt.stopped = true // ran: a later Stop reports false
			c.mu.Unlock()
			if run {
				pt.f()
			}
		})
	}
}

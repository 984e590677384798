package vrrp

import (
	"context"

	"github.com/switchless/routing"
)

// Checker is a health source for tracking: Check returns nil while the
// tracked object is healthy. It is called from a timer, outside the
// router's lock, and must respect ctx.
type Checker interface {
	Check(ctx context.Context) error
}

// CheckFunc adapts a function to Checker.
type CheckFunc func(ctx context.Context) error

// Check implements Checker.
func (f CheckFunc) Check(ctx context.Context) error { return f(ctx) }

type trackState struct {
	Track
	up        bool
	ok, fails int // consecutive results
	changes   uint64
	lastErr   string
	timer     routing.Timer
	gen       uint64
}

// armCheck schedules the next check of track i. r.mu is held.
func (r *Router) armCheck(i int) {
	t := &r.tracks[i]
	gen := t.gen
	t.timer = r.clock.AfterFunc(t.Interval, func() { r.runCheck(i, gen) })
}

// runCheck runs one check outside the lock, then applies rise/fall.
func (r *Router) runCheck(i int, gen uint64) {
	r.mu.Lock()
	if !r.running || r.tracks[i].gen != gen {
		r.mu.Unlock()
		return
	}
	t := r.tracks[i].Track
	r.mu.Unlock()

	ctx, cancel := context.WithTimeout(r.ctx, t.Timeout)
	err := t.Checker.Check(ctx)
	cancel()

	r.mu.Lock()
	if !r.running || r.tracks[i].gen != gen {
		r.mu.Unlock()
		return
	}
	ts := &r.tracks[i]
	if err != nil {
		ts.lastErr = err.Error()
		ts.ok = 0
		ts.fails++
		if ts.up && ts.fails >= ts.Fall {
			r.setTrackLocked(i, false)
		}
	} else {
		ts.lastErr = ""
		ts.fails = 0
		ts.ok++
		if !ts.up && ts.ok >= ts.Rise {
			r.setTrackLocked(i, true)
		}
	}
	r.armCheck(i)
	r.mu.Unlock()
	r.flush()
}

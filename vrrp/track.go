package vrrp

import (
	"context"

	"github.com/switchless/routing"
	"github.com/switchless/routing/health"
)

// trackState is a Track and its health.Hysteresis. A track without a
// Checker has rise and fall 1 and is driven by SetTrack.
//
// Checks do not use health.Monitor: a Router handles every event to
// completion on the goroutine that delivered it, so that on a
// routing.ManualClock a simulation is deterministic; a Monitor's checks
// finish on goroutines of their own. The router runs each check outside
// its lock on the timer's goroutine instead, bounded by the Track's
// Timeout through the check's context.
type trackState struct {
	Track
	h       health.Hysteresis
	lastErr string
	timer   routing.Timer
	gen     uint64
}

func newTrackState(t Track) trackState {
	if t.Checker == nil {
		return trackState{Track: t, h: health.NewHysteresis(1, 1, true)}
	}
	return trackState{Track: t, h: health.NewHysteresis(t.Rise, t.Fall, true)}
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
	ts.lastErr = ""
	if err != nil {
		ts.lastErr = err.Error()
	}
	if ts.h.Observe(err) {
		r.trackChanged(i)
	}
	r.armCheck(i)
	r.mu.Unlock()
	r.flush()
}

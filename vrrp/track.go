package vrrp

import (
	"context"
	"slices"

	"github.com/switchless/routing/health"
	"github.com/switchless/routing/internal/loop"
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
	slot    loop.Slot // the next check
	// gone: a reconfiguration replaced or removed the track, so the
	// result of a check in flight is dropped.
	gone bool
}

func newTrackState(t Track) *trackState {
	if t.Checker == nil {
		return &trackState{Track: t, h: health.NewHysteresis(1, 1, true)}
	}
	return &trackState{Track: t, h: health.NewHysteresis(t.Rise, t.Fall, true)}
}

// armCheck schedules the next check of track ts. r.mu is held. The slot's
// run takes the lock only to see whether the check is still due: the
// check itself runs outside the lock, and its result is one more event.
func (r *Router) armCheck(ts *trackState) {
	due := false
	ts.slot.Arm(r.clock, ts.Interval, func(body func()) {
		r.mu.Lock()
		if r.running {
			body() // sets due unless the slot was stopped meanwhile
		}
		t := ts.Track
		r.unlock()
		if !due {
			return
		}
		ctx, cancel := context.WithTimeout(r.ctx, t.Timeout)
		err := t.Checker.Check(ctx)
		cancel()
		r.mu.Lock()
		// A Router runs once: a stopped one stays stopped; a track a
		// reconfiguration replaced is checked no more.
		if r.running && !ts.gone {
			r.observe(ts, err)
			r.armCheck(ts)
		}
		r.unlock()
	}, func() { due = true })
}

// observe feeds one check result of track ts to its hysteresis. r.mu is
// held.
func (r *Router) observe(ts *trackState, err error) {
	ts.lastErr = ""
	if err != nil {
		ts.lastErr = err.Error()
	}
	if ts.h.Observe(err) {
		r.trackChanged(slices.Index(r.tracks, ts))
	}
}

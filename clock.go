package routing

import "time"

// Clock is time as protocol code sees it. Protocol cores never call
// time.Now or time.AfterFunc themselves; they take a Clock, so that a
// simulation can run a 180 s timeout in microseconds and replay the same
// events in the same order.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f once, d after now, and returns a Timer that can
	// cancel the call. A d <= 0 schedules f as soon as possible, after
	// everything already due at the same instant (on a ManualClock), or on
	// a new goroutine at once (on the system clock).
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call armed by Clock.AfterFunc.
type Timer interface {
	// Stop prevents the call from running. It reports whether it did so:
	// false means the call already ran or was already stopped. As with
	// time.Timer, on the system clock a callback may already be running
	// when Stop returns false; callers that need certainty check a
	// generation number inside the callback.
	Stop() bool
}

// SystemClock returns the clock of the operating system: time.Now and
// time.AfterFunc. Callbacks run on their own goroutines.
func SystemClock() Clock { return systemClock{} }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) AfterFunc(d time.Duration, f func()) Timer {
	return time.AfterFunc(d, f)
}

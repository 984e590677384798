package loop

import (
	"time"

	"github.com/switchless/routing"
)

// Slot is one protocol timer (RFC 2328's HelloTimer, RFC 5798's
// Master_Down_Timer, RFC 2453's timeout…). Arming a slot replaces what
// it held; stopping it, or re-arming it, guarantees the old callback
// does not run its body, even on the system clock where the callback
// may already be running on another goroutine when Stop returns: a
// generation number, checked under the owner's lock, tells.
//
// The zero value is a stopped slot. A Slot is guarded by its owner's
// lock: Arm, Stop and Armed are called with it held.
type Slot struct {
	t   routing.Timer
	gen uint64
}

// Armed reports whether the slot holds a pending timer.
func (s *Slot) Armed() bool { return s.t != nil }

// Arm stops any pending timer and arms f to run d from now on clock.
// When the timer fires, run is called with a body that runs f if the slot
// was not stopped or re-armed in the meantime: run takes the owner's lock
// around it (and checks that the owner still runs, and does what the
// owner does after every event). A nil run calls the body directly, for
// owners driven from one goroutine.
func (s *Slot) Arm(clock routing.Clock, d time.Duration, run func(body func()), f func()) {
	s.Stop()
	g := s.gen
	body := func() {
		if s.gen != g {
			return
		}
		s.t = nil
		f()
	}
	if run == nil {
		s.t = clock.AfterFunc(d, body)
		return
	}
	s.t = clock.AfterFunc(d, func() { run(body) })
}

// Stop stops the pending timer, if any; a callback already running sees
// the slot was stopped and does nothing.
func (s *Slot) Stop() {
	if s.t != nil {
		s.t.Stop()
		s.t = nil
	}
	s.gen++
}

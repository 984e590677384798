package ring

import (
	"time"

	"github.com/switchless/routing"
)

// frozenClock is the clock of one incarnation of a simulated node. While
// the node is frozen its processes are stopped (SIGSTOP): a timer that
// comes due does not run but waits, and at the thaw (SIGCONT) every timer
// that came due runs at once, in the order they came due, late by the
// freeze, as a stopped process runs its overdue timers. A protocol can
// see that it was paused (vrrp: ReasonPaused), as it does on a real host.
type frozenClock struct {
	base *routing.ManualClock
	inc  *incarnation
	held []*frozenTimer // came due while frozen, in that order
}

type frozenTimer struct {
	c       *frozenClock
	t       routing.Timer
	f       func()
	held    bool // came due while frozen; waits for the thaw
	stopped bool
}

func (c *frozenClock) Now() time.Time { return c.base.Now() }

func (c *frozenClock) AfterFunc(d time.Duration, f func()) routing.Timer {
	ft := &frozenTimer{c: c, f: f}
	ft.t = c.base.AfterFunc(d, func() {
		if c.inc.retired {
			return
		}
		if c.inc.frozen {
			ft.held = true
			c.held = append(c.held, ft)
			return
		}
		f()
	})
	return ft
}

func (ft *frozenTimer) Stop() bool {
	if ft.held {
		if ft.stopped {
			return false
		}
		ft.stopped = true
		return true
	}
	return ft.t.Stop()
}

// thaw runs, as the clock's next events, every timer that came due while
// the node was frozen and was not stopped since.
func (c *frozenClock) thaw() {
	held := c.held
	c.held = nil
	for _, ft := range held {
		c.base.AfterFunc(0, func() {
			if ft.stopped || c.inc.retired {
				return
			}
			ft.stopped = true // ran: a later Stop reports false
			ft.f()
		})
	}
}

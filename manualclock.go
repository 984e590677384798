package routing

import (
	"container/heap"
	"sync"
	"time"
)

// ManualClock is a virtual clock for tests and simulations. Time moves only
// when Advance, AdvanceTo, Step or RunUntilIdle is called; due callbacks run
// synchronously on the caller's goroutine, in order of their due time and,
// for the same instant, in the order they were armed. A callback may arm
// further timers; one due at or before the advance target runs in the same
// call. Now, during a callback, is the callback's due time.
//
// All methods are safe for concurrent use, but determinism is only
// guaranteed when one goroutine drives the clock.
type ManualClock struct {
	mu      sync.Mutex
	now     time.Time
	seq     uint64
	pending timerHeap
	running bool // a callback is running; nested advancing is refused
}

// NewManualClock returns a manual clock reading start, or a fixed epoch
// (2026-01-01T00:00:00Z) when start is the zero time, so that simulated
// logs and captures are reproducible.
func NewManualClock(start time.Time) *ManualClock {
	if start.IsZero() {
		start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return &ManualClock{now: start}
}

// Now returns the virtual time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc arms f to run when the virtual time reaches now+d.
func (c *ManualClock) AfterFunc(d time.Duration, f func()) Timer {
	if d < 0 {
		d = 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &manualTimer{clock: c, when: c.now.Add(d), seq: c.seq, f: f, index: -1}
	heap.Push(&c.pending, t)
	return t
}

// Pending returns the number of armed timers.
func (c *ManualClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// Next returns the due time of the earliest armed timer, and false when no
// timer is armed.
func (c *ManualClock) Next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) == 0 {
		return time.Time{}, false
	}
	return c.pending[0].when, true
}

// Advance moves the virtual time forward by d, running every callback that
// falls due on the way, and returns the number of callbacks run.
func (c *ManualClock) Advance(d time.Duration) int {
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	return c.AdvanceTo(target)
}

// AdvanceTo moves the virtual time forward to t (never backward), running
// every callback due at or before t, and returns the number run.
func (c *ManualClock) AdvanceTo(t time.Time) int {
	n := 0
	for c.step(t, true) {
		n++
	}
	c.mu.Lock()
	if t.After(c.now) {
		c.now = t
	}
	c.mu.Unlock()
	return n
}

// Step runs the earliest armed callback, moving the time to its due time,
// and reports whether there was one.
func (c *ManualClock) Step() bool {
	return c.step(time.Time{}, false)
}

// RunUntilIdle runs callbacks in order until none is armed or the virtual
// time would pass now+limit. It reports whether the clock became idle;
// false means timers are still armed beyond the limit (periodic protocol
// timers never let a clock become idle, so the limit is required).
func (c *ManualClock) RunUntilIdle(limit time.Duration) bool {
	c.mu.Lock()
	deadline := c.now.Add(limit)
	c.mu.Unlock()
	for c.step(deadline, true) {
	}
	return c.Pending() == 0
}

// step pops and runs one due timer. With bounded, only timers due at or
// before limit qualify.
func (c *ManualClock) step(limit time.Time, bounded bool) bool {
	c.mu.Lock()
	if c.running {
		c.mu.Unlock()
		panic("routing: ManualClock advanced from inside one of its own callbacks")
	}
	if len(c.pending) == 0 || (bounded && c.pending[0].when.After(limit)) {
		c.mu.Unlock()
		return false
	}
	t := heap.Pop(&c.pending).(*manualTimer)
	if t.when.After(c.now) {
		c.now = t.when
	}
	c.running = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.running = false
		c.mu.Unlock()
	}()
	t.f()
	return true
}

type manualTimer struct {
	clock *ManualClock
	when  time.Time
	seq   uint64
	f     func()
	index int // position in the heap, -1 when not armed
}

func (t *manualTimer) Stop() bool {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&c.pending, t.index)
	return true
}

// timerHeap orders timers by (due time, arming sequence), so that timers
// due at the same instant fire in the order they were armed.
type timerHeap []*manualTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*manualTimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	old[n-1] = nil
	t.index = -1
	*h = old[:n-1]
	return t
}

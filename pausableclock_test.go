package routing_test

import (
	"slices"
	"testing"
	"time"

	"github.com/switchless/routing"
)

// TestPausableClock: timers due during a pause wait for Resume and then
// run at once, in the order they came due, late by the pause; a held
// timer stopped during the pause never runs; time goes on; timers not
// due yet run when they come due.
func TestPausableClock(t *testing.T) {
	base := routing.NewManualClock(time.Time{})
	c := routing.NewPausableClock(base)
	start := c.Now()
	var ran []string
	at := map[string]time.Duration{}
	arm := func(name string, d time.Duration) routing.Timer {
		return c.AfterFunc(d, func() { ran = append(ran, name); at[name] = c.Now().Sub(start) })
	}
	arm("a", 1*time.Second)
	stopped := arm("b", 2*time.Second)
	arm("c", 3*time.Second)
	arm("late", 20*time.Second)
	c.Pause()
	base.Advance(10 * time.Second)
	if len(ran) != 0 || !c.Paused() {
		t.Fatalf("ran %v while paused", ran)
	}
	if !stopped.Stop() || stopped.Stop() {
		t.Error("Stop of a held timer: want true, then false")
	}
	c.Resume()
	base.Advance(0)
	if want := []string{"a", "c"}; !slices.Equal(ran, want) {
		t.Fatalf("after the resume ran %v, want %v", ran, want)
	}
	if at["a"] != 10*time.Second || at["c"] != 10*time.Second {
		t.Errorf("held timers ran at %v, want at the resume (10s)", at)
	}
	base.Advance(10 * time.Second)
	if want := []string{"a", "c", "late"}; !slices.Equal(ran, want) || at["late"] != 20*time.Second {
		t.Errorf("ran %v at %v, want late at 20s", ran, at)
	}
}

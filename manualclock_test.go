package routing_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchless/routing"
)

func TestManualClock_SameInstantFiresInArmingOrder(t *testing.T) {
	c := routing.NewManualClock(time.Time{})
	var got []int
	for i := range 100 {
		c.AfterFunc(time.Second, func() { got = append(got, i) })
	}
	// An earlier timer armed later must still fire first.
	c.AfterFunc(500*time.Millisecond, func() { got = append(got, -1) })
	if n := c.Advance(time.Second); n != 101 {
		t.Fatalf("Advance ran %d callbacks, want 101", n)
	}
	want := []int{-1}
	for i := range 100 {
		want = append(want, i)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("order = %v, want %v", got, want)
	}
}

func TestManualClock_NowDuringCallbackIsDueTime(t *testing.T) {
	start := time.Date(2030, 5, 1, 0, 0, 0, 0, time.UTC)
	c := routing.NewManualClock(start)
	var at time.Time
	c.AfterFunc(1500*time.Millisecond, func() { at = c.Now() })
	c.Advance(10 * time.Second)
	if want := start.Add(1500 * time.Millisecond); !at.Equal(want) {
		t.Fatalf("Now in callback = %v, want %v", at, want)
	}
	if want := start.Add(10 * time.Second); !c.Now().Equal(want) {
		t.Fatalf("Now after Advance = %v, want %v", c.Now(), want)
	}
}

func TestManualClock_Stop(t *testing.T) {
	c := routing.NewManualClock(time.Time{})
	fired := 0
	a := c.AfterFunc(time.Second, func() { fired++ })
	b := c.AfterFunc(time.Second, func() { fired += 10 })
	if !a.Stop() {
		t.Fatal("Stop of an armed timer returned false")
	}
	if a.Stop() {
		t.Fatal("second Stop returned true")
	}
	c.Advance(2 * time.Second)
	if fired != 10 {
		t.Fatalf("fired = %d, want 10 (only b)", fired)
	}
	if b.Stop() {
		t.Fatal("Stop after firing returned true")
	}
	if c.Pending() != 0 {
		t.Fatalf("Pending = %d, want 0", c.Pending())
	}
}

func TestManualClock_StopFromCallbackOfSameInstant(t *testing.T) {
	c := routing.NewManualClock(time.Time{})
	var second routing.Timer
	fired := false
	c.AfterFunc(time.Second, func() { second.Stop() })
	second = c.AfterFunc(time.Second, func() { fired = true })
	c.Advance(time.Second)
	if fired {
		t.Fatal("a timer stopped by an earlier callback at the same instant still fired")
	}
}

func TestManualClock_TimersArmedFromCallbacks(t *testing.T) {
	c := routing.NewManualClock(time.Time{})
	start := c.Now()
	var ticks []time.Duration
	var tick func()
	tick = func() {
		ticks = append(ticks, c.Now().Sub(start))
		if len(ticks) < 5 {
			c.AfterFunc(time.Second, tick)
		}
	}
	c.AfterFunc(time.Second, tick)
	// A zero-delay timer armed inside a callback runs in the same Advance,
	// after what was already due at that instant.
	var order []string
	c.AfterFunc(10*time.Second, func() {
		order = append(order, "outer")
		c.AfterFunc(0, func() { order = append(order, "posted") })
	})
	c.AfterFunc(10*time.Second, func() { order = append(order, "sibling") })

	c.Advance(3500 * time.Millisecond)
	if want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}; !slices.Equal(ticks, want) {
		t.Fatalf("ticks after 3.5 s = %v, want %v", ticks, want)
	}
	c.Advance(time.Hour)
	if len(ticks) != 5 {
		t.Fatalf("ticks = %v, want 5 of them", ticks)
	}
	if want := []string{"outer", "sibling", "posted"}; !slices.Equal(order, want) {
		t.Fatalf("order = %v, want %v", order, want)
	}
}

func TestManualClock_RunUntilIdleAndStep(t *testing.T) {
	c := routing.NewManualClock(time.Time{})
	start := c.Now()
	c.AfterFunc(time.Minute, func() {})
	c.AfterFunc(3*time.Minute, func() {})
	if next, ok := c.Next(); !ok || !next.Equal(start.Add(time.Minute)) {
		t.Fatalf("Next = %v, %v", next, ok)
	}
	if !c.Step() || !c.Now().Equal(start.Add(time.Minute)) {
		t.Fatalf("Step did not run the first timer at its due time; now %v", c.Now())
	}
	if c.RunUntilIdle(time.Minute) {
		t.Fatal("RunUntilIdle reported idle with a timer beyond its limit")
	}
	if !c.RunUntilIdle(time.Hour) {
		t.Fatal("RunUntilIdle did not become idle")
	}
	if !c.Now().Equal(start.Add(3 * time.Minute)) {
		t.Fatalf("Now = %v, want the last due time", c.Now())
	}
	if c.Step() {
		t.Fatal("Step on an idle clock returned true")
	}
}

func TestManualClock_AdvanceToNeverGoesBack(t *testing.T) {
	c := routing.NewManualClock(time.Time{})
	now := c.Now()
	c.AdvanceTo(now.Add(-time.Hour))
	if !c.Now().Equal(now) {
		t.Fatalf("AdvanceTo the past moved the clock to %v", c.Now())
	}
}

func TestManualClock_ConcurrentArming(t *testing.T) {
	c := routing.NewManualClock(time.Time{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	fired := 0
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.AfterFunc(time.Millisecond, func() { mu.Lock(); fired++; mu.Unlock() })
			}
		})
	}
	wg.Wait()
	c.Advance(time.Second)
	if fired != 800 {
		t.Fatalf("fired = %d, want 800", fired)
	}
}

func TestSystemClock(t *testing.T) {
	c := routing.SystemClock()
	done := make(chan time.Time, 1)
	before := c.Now()
	c.AfterFunc(time.Millisecond, func() { done <- time.Now() })
	if at := <-done; at.Before(before) {
		t.Fatalf("system clock callback ran before it was armed")
	}
	stopped := c.AfterFunc(time.Hour, func() { t.Error("stopped timer fired") })
	if !stopped.Stop() {
		t.Fatal("Stop of a pending system timer returned false")
	}
}

func ExampleManualClock() {
	c := routing.NewManualClock(time.Time{})
	start := c.Now()
	c.AfterFunc(40*time.Second, func() { fmt.Println("dead interval expired at", c.Now().Sub(start)) })
	c.AfterFunc(10*time.Second, func() { fmt.Println("hello at", c.Now().Sub(start)) })
	c.Advance(time.Minute)
	// Output:
	// hello at 10s
	// dead interval expired at 40s
}

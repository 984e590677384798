package health_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/health"
)

// A service checked every second goes down after two failures and comes
// back after two successes. The clock is virtual: the example waits for
// each result before advancing it.
func Example() {
	clock := routing.NewManualClock(time.Time{})
	healthy := []bool{true, false, false, false, true, true}
	i := 0
	check := health.CheckFunc(func(ctx context.Context) error {
		ok := healthy[i]
		i++
		if !ok {
			return errors.New("connection refused")
		}
		return nil
	})
	results := make(chan health.Result)
	m, err := health.NewMonitor(health.Config{Interval: time.Second, Timeout: 500 * time.Millisecond, Rise: 2, Fall: 2, Up: true},
		check, health.Env{Clock: clock, OnResult: func(r health.Result) { results <- r }})
	if err != nil {
		panic(err)
	}
	if err := m.Start(); err != nil {
		panic(err)
	}
	defer m.Stop()
	for range healthy {
		clock.Advance(time.Second)
		r := <-results
		line := fmt.Sprintf("check %d: err=%v up=%v", r.Seq, r.Err, r.Up)
		if r.Changed {
			line += " (changed)"
		}
		fmt.Println(line)
	}
	// Output:
	// check 1: err=<nil> up=true
	// check 2: err=connection refused up=true
	// check 3: err=connection refused up=false (changed)
	// check 4: err=connection refused up=false
	// check 5: err=<nil> up=false
	// check 6: err=<nil> up=true (changed)
}

// Hysteresis alone, for a caller that owns its own timer and lock.
func ExampleHysteresis() {
	h := health.NewHysteresis(2, 2, false)
	for _, err := range []error{nil, errors.New("timeout"), nil, nil} {
		changed := h.Observe(err)
		fmt.Println(h.Up(), changed)
	}
	// Output:
	// false false
	// false false
	// false false
	// true true
}

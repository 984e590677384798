package ratelog

import (
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	var l Limiter[string]
	t0 := time.Unix(1000, 0)
	if _, ok := l.Allow("a", t0); !ok {
		t.Fatal("the first event of a key is not logged")
	}
	for i := range 10 {
		if _, ok := l.Allow("a", t0.Add(time.Duration(i)*time.Second)); ok {
			t.Fatalf("a repeat %d s later was logged", i)
		}
	}
	if n, ok := l.Allow("b", t0.Add(time.Second)); !ok || n != 10 {
		t.Fatalf("another key: logged %v, suppressed %d, want true, 10", ok, n)
	}
	if n, ok := l.Allow("a", t0.Add(DefaultInterval)); !ok || n != 0 {
		t.Fatalf("an interval later: logged %v, suppressed %d", ok, n)
	}
}

func TestLimiter_BoundsKeys(t *testing.T) {
	l := Limiter[int]{Keys: 3, Interval: time.Second}
	t0 := time.Unix(0, 0)
	logged := 0
	for k := range 100 {
		if _, ok := l.Allow(k, t0); ok {
			logged++
		}
	}
	if logged != 3 {
		t.Fatalf("100 keys: %d logged, want 3", logged)
	}
	if n, ok := l.Allow(7, t0.Add(time.Second)); !ok || n != 97 {
		t.Fatalf("next interval: logged %v, suppressed %d, want true, 97", ok, n)
	}
	// A clock that steps back starts a new interval rather than
	// silencing the log until it catches up.
	if _, ok := l.Allow(8, t0.Add(-time.Hour)); !ok {
		t.Fatal("after the clock stepped back, nothing is logged")
	}
}

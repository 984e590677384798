package loop

import (
	"sync"
	"testing"
	"time"

	"github.com/switchless/routing"
)

// A delivery made from inside the holder's own critical section (a
// synchronous transport) runs after it, before Unlock returns, instead of
// deadlocking.
func TestMutex_ReentrantPostRunsBeforeUnlock(t *testing.T) {
	var m Mutex
	var got []string
	m.Lock()
	got = append(got, "event")
	m.Post(func() { got = append(got, "posted 1") })
	m.Post(func() {
		got = append(got, "posted 2")
		m.Post(func() { got = append(got, "posted from posted") })
	})
	got = append(got, "event end")
	m.Unlock()
	want := []string{"event", "event end", "posted 1", "posted 2", "posted from posted"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	if !m.TryLock() {
		t.Fatal("mutex still held after Unlock")
	}
	m.Unlock()
}

func TestMutex_PostWhenFreeRunsAtOnce(t *testing.T) {
	var m Mutex
	ran := false
	m.Post(func() { ran = true })
	if !ran {
		t.Fatal("Post on a free mutex did not run f")
	}
}

// Many goroutines post while others hold the lock: every posted function
// runs exactly once, under the lock.
func TestMutex_ConcurrentPostsAllRun(t *testing.T) {
	var m Mutex
	const n = 2000
	count := 0 // guarded by m
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range n {
				if (i+j)%3 == 0 {
					// Hold the lock for a moment, so posts find it busy.
					m.Lock()
					held := count
					_ = held
					m.Unlock()
					continue
				}
				m.Post(func() { count++ })
			}
		}()
	}
	wg.Wait()
	m.Lock()
	got := count
	m.Unlock()
	want := 0
	for i := range 8 {
		for j := range n {
			if (i+j)%3 != 0 {
				want++
			}
		}
	}
	if got != want {
		t.Fatalf("ran %d posted functions, want %d", got, want)
	}
}

func TestSlot_RearmAndStop(t *testing.T) {
	c := routing.NewManualClock(time.Unix(0, 0))
	var s Slot
	fired := 0
	s.Arm(c, time.Second, nil, func() { fired++ })
	if !s.Armed() {
		t.Fatal("not armed after Arm")
	}
	s.Arm(c, 2*time.Second, nil, func() { fired += 10 })
	c.Advance(1500 * time.Millisecond)
	if fired != 0 {
		t.Fatalf("re-armed slot ran the old callback: fired=%d", fired)
	}
	c.Advance(time.Second)
	if fired != 10 || s.Armed() {
		t.Fatalf("fired=%d armed=%v, want 10 and false", fired, s.Armed())
	}
	s.Arm(c, time.Second, nil, func() { fired++ })
	s.Stop()
	c.Advance(5 * time.Second)
	if fired != 10 {
		t.Fatalf("stopped slot ran: fired=%d", fired)
	}
}

// A callback that was already running when the slot was stopped (the
// system clock) does not run its body: the generation check happens
// under the owner's lock, inside run.
func TestSlot_StaleCallbackDoesNothing(t *testing.T) {
	var mu sync.Mutex
	var s Slot
	ranBody := false
	var body func()
	capture := func(b func()) { body = b } // the timer fired; the owner has not got the lock yet
	c := routing.NewManualClock(time.Unix(0, 0))
	mu.Lock()
	s.Arm(c, time.Second, capture, func() { ranBody = true })
	mu.Unlock()
	c.Advance(time.Second)
	mu.Lock()
	s.Stop() // the owner stops the slot first
	body()   // then the stale callback gets the lock
	mu.Unlock()
	if ranBody {
		t.Fatal("stale callback ran its body after Stop")
	}
}

// Deliver on a free mutex handles the packet at once, then the owner's
// unlock; from inside the holder's critical section (a transport that
// delivers from inside Send) it posts a copy of the payload, handled
// before the holder's Unlock returns, and leaves the owner's effects to
// the holder.
func TestMutex_Deliver(t *testing.T) {
	var m Mutex
	var got []string
	unlocks := 0
	unlock := func() { m.Unlock(); unlocks++ }
	handle := func(p routing.Packet) { got = append(got, string(p.Payload)) }

	m.Deliver(routing.Packet{Payload: []byte("free")}, handle, unlock)
	if len(got) != 1 || got[0] != "free" || unlocks != 1 {
		t.Fatalf("free: got %q, %d unlocks; want [free], 1", got, unlocks)
	}

	buf := []byte("held")
	m.Lock()
	m.Deliver(routing.Packet{Payload: buf}, handle, unlock)
	copy(buf, "XXXX") // the transport reuses its buffer after deliver returns
	if len(got) != 1 {
		t.Fatalf("handled while the lock was held: %q", got)
	}
	unlock() // the holder's release
	if len(got) != 2 || got[1] != "held" {
		t.Fatalf("held: got %q, want the posted copy %q handled at the holder's unlock", got, "held")
	}
	if unlocks != 2 {
		t.Fatalf("%d unlocks, want 2: the posting delivery must not release a lock it does not hold", unlocks)
	}
	if !m.TryLock() {
		t.Fatal("mutex still held")
	}
	m.Unlock()
}

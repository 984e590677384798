package ospf

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/ospf/packet"
)

// pausedTransport drops what the paused process would send or receive.
type pausedTransport struct {
	routing.Transport
	h *routing.PausableClock
}

func (t pausedTransport) Start(deliver func(routing.Packet)) error {
	return t.Transport.Start(func(p routing.Packet) {
		if !t.h.Paused() {
			deliver(p)
		}
	})
}

func (t pausedTransport) Send(dst netip.Addr, b []byte) error {
	if t.h.Paused() {
		return nil
	}
	return t.Transport.Send(dst, b)
}

// TestStubRouter_RFC6987_3_AfterPause: r3's process is stopped for 10 s,
// longer than its interfaces' RouterDeadInterval (4 s), so its neighbours
// declare it dead (§10.3 InactivityTimer), and resumed. Its Hello Timer
// fires 10 s late: it enters the stub router state again, as at a start
// (StubRouter.OnStartup), so that r2 sees its point-to-point links at
// MaxLinkMetric until r3's FIB holds its whole table again, and never
// routes transit traffic through r3 on routes r3 does not have. A pause
// shorter than the dead interval changes nothing.
func TestStubRouter_RFC6987_3_AfterPause(t *testing.T) {
	r := newO5Ring(t, 34)
	h := routing.NewPausableClock(r.clock) // r3's process: paused and resumed
	r.r("r3").clock = h
	r.r("r3").wrap = func(tr routing.Transport) routing.Transport { return pausedTransport{tr, h} }
	for _, n := range r.order {
		r.start(n, func(c *Config) { c.StubRouter.OnStartup = time.Minute })
	}
	r.until(60*time.Second, "FIBs converged", r.converged(o5bothDefaults))
	r.until(30*time.Second, "r3's startup state over", func() error {
		if st := r.r("r3").in.StubRouter(); st.Active {
			return fmt.Errorf("r3 %+v", st)
		}
		return nil
	})

	// A short pause: nothing happens.
	h.Pause()
	r.clock.Advance(2 * time.Second)
	h.Resume()
	r.clock.Advance(10 * time.Millisecond)
	if st := r.r("r3").in.StubRouter(); st.Active {
		t.Fatalf("r3 a stub router after a 2 s pause (dead interval 4 s): %+v", st)
	}
	r.until(30*time.Second, "FIBs converged", r.converged(o5bothDefaults))

	h.Pause()
	r3 := netip.MustParseAddr("10.255.0.3")
	r.until(10*time.Second, "r2 declares r3 dead", func() error {
		for _, nb := range r.r("r2").in.Neighbors() {
			if nb.RouterID == r3 {
				return fmt.Errorf("r2's neighbour r3 is %v", nb.State)
			}
		}
		return nil
	})
	r.clock.Advance(5 * time.Second)
	key := packet.LSAKey{Type: packet.LSTypeRouter, ID: r3, AdvRouter: r3}
	before, _ := r.r("r2").in.LookupLSA(key)
	h.Resume()
	r.clock.Advance(time.Millisecond)
	if st := r.r("r3").in.StubRouter(); !st.Startup {
		t.Fatalf("r3 resumed after 10 s is not in the stub router state: %+v", st)
	}
	sawMax := false
	for start := r.clock.Now(); ; r.clock.Advance(time.Millisecond) {
		p2p, _, ok := r3Links(r)
		if e, _ := r.r("r2").in.LookupLSA(key); ok && len(p2p) > 0 && e.LSA.Header.Seq != before.LSA.Header.Seq {
			if slices.Contains(p2p, MaxLinkMetric) {
				sawMax = true
			} else {
				want := r.expected("r3", o5bothDefaults)
				if got := r.fibOf("r3"); !slices.Equal(got, want) {
					t.Fatalf("r2 sees r3's configured costs %v while r3's FIB is\n  %s\nwant\n  %s", p2p, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
				}
				break
			}
		}
		if r.clock.Now().Sub(start) > 30*time.Second {
			t.Fatalf("r3 still a stub router 30 s after the resume: %+v", r.r("r3").in.StubRouter())
		}
	}
	if !sawMax {
		t.Fatal("r2 never saw r3's links at MaxLinkMetric after the resume")
	}
	r.until(30*time.Second, "ring converged", r.converged(o5bothDefaults))
}

package ospf

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing/ospf/packet"
)

// TestDrain_14_1_FlushAcknowledged: Drain waits until the newest of our
// instances is MinLSArrival old (a neighbour would drop the flush
// sooner, §13 step 5a), flushes every self-originated LSA (§14.1), and
// returns once the neighbour acknowledged the flushes; nothing is
// originated after it. Without an acknowledgment it retransmits the
// flush every RxmtInterval (§13.6) and gives up when ctx ends.
func TestDrain_14_1_FlushAcknowledged(t *testing.T) {
	for _, acked := range []bool{true, false} {
		name := map[bool]string{true: "acked", false: "never-acked"}[acked]
		t.Run(name, func(t *testing.T) {
			h := newHarnessConfig(t, NetworkPointToPoint, func(c *Config) {
				c.MinLSArrival, c.MinLSInterval = 50*time.Millisecond, 100*time.Millisecond
			})
			h.full()
			h.ackOurs()
			if err := h.in.AddExternal(ExternalRoute{Prefix: netip.MustParsePrefix("198.51.100.0/24"), Metric: 5}); err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(10 * time.Millisecond) // originated 10 ms ago: the flush must wait 40 ms more
			h.tr.take(t)
			ctx, cancel := context.WithTimeout(context.Background(), map[bool]time.Duration{true: 5 * time.Second, false: 300 * time.Millisecond}[acked])
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- h.in.Drain(ctx) }()
			// The flushes, as the neighbour receives them.
			var flushed []packet.LSAHeader
			deadline := time.Now().Add(3 * time.Second)
			for len(flushed) < 2 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
				for _, s := range h.tr.take(t) {
					for _, l := range s.p.LSU.LSAs {
						if l.Header.AdvRouter == h.rid && l.Header.Age == packet.MaxAge {
							flushed = append(flushed, l.Header)
						}
					}
				}
			}
			if len(flushed) != 2 {
				t.Fatalf("flushed %d of our 2 LSAs: %+v", len(flushed), flushed)
			}
			if acked {
				h.ack(flushed...)
				if err := <-done; err != nil {
					t.Fatalf("Drain after the acknowledgment: %v", err)
				}
			} else {
				// RxmtInterval later the flush is sent again.
				h.clock.Advance(h.ic.rxmtInterval() + 10*time.Millisecond)
				again := 0
				for _, s := range h.tr.take(t) {
					for _, l := range s.p.LSU.LSAs {
						if l.Header.AdvRouter == h.rid && l.Header.Age >= packet.MaxAge-2 {
							again++
						}
					}
				}
				if again == 0 {
					t.Error("the unacknowledged flush was not retransmitted")
				}
				if err := <-done; !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("Drain without acknowledgment: %v", err)
				}
			}
			// Nothing is originated after Drain.
			if err := h.in.AddExternal(ExternalRoute{Prefix: netip.MustParsePrefix("203.0.113.0/24"), Metric: 5}); err == nil {
				h.clock.Advance(time.Second)
				for _, s := range h.tr.take(t) {
					for _, l := range s.p.LSU.LSAs {
						if l.Header.AdvRouter == h.rid && l.Header.Age < packet.MaxAge-5 {
							t.Errorf("originated after Drain: %+v", l.Header)
						}
					}
				}
			}
			if err := h.in.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

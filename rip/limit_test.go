package rip

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/rip/packet"
)

// TestMaxRoutesPerNeighbor: neighbour .2 sends 100 routes in responses
// of 25 (§3.9.2 processes each entry); with a limit of 30 the table
// holds 30 of them, and the other 70 are counted as route-limit drops.
// Its existing routes still change (a metric update is taken) and time
// out as usual, and neighbour .3 on the same network is not limited by
// .2's count. When .2's routes time out, its count returns to zero and
// new ones are taken again.
func TestMaxRoutesPerNeighbor(t *testing.T) {
	r := newRig(t, func(c *Config) { c.MaxRoutesPerNeighbor = 30 })
	send := func(src string, first, n int, metric uint32) {
		for k := first; k < first+n; k += 25 {
			var es []packet.Entry
			for j := k; j < min(k+25, first+n); j++ {
				es = append(es, rte(fmt.Sprintf("198.18.%d.0/24", j), metric))
			}
			r.deliver("eth0", ip(src), ripPort, resp(es...))
		}
	}
	send("10.0.0.2", 0, 100, 1)
	learnt := func(first, n int) (c int) {
		for j := first; j < first+n; j++ {
			if r.metric(fmt.Sprintf("198.18.%d.0/24", j)) < 16 {
				c++
			}
		}
		return c
	}
	if got := learnt(0, 100); got != 30 {
		t.Fatalf("learnt %d of .2's 100 routes, want the limit 30", got)
	}
	if d := r.dropped(DropRouteLimit); d != 70 {
		t.Errorf("%d route-limit drops, want 70", d)
	}
	// An existing route's new metric is taken (§3.9.2, same router).
	send("10.0.0.2", 0, 1, 5)
	if m := r.metric("198.18.0.0/24"); m != 6 {
		t.Errorf("198.18.0.0/24 at metric %d after .2 raised it to 5, want 6", m)
	}
	// .3 has its own count.
	send("10.0.0.3", 200, 20, 1)
	if got := learnt(200, 20); got != 20 {
		t.Errorf(".3's routes learnt: %d of 20", got)
	}
	// .2 falls silent: its routes time out (§3.8) and its count with
	// them.
	for range 4 {
		send("10.0.0.3", 200, 20, 1)
		r.advance(60 * time.Second)
	}
	if got := learnt(0, 100); got != 0 {
		t.Fatalf("%d of .2's routes outlived the timeout", got)
	}
	send("10.0.0.2", 50, 40, 1)
	if got := learnt(50, 40); got != 30 {
		t.Errorf("after the timeout, learnt %d of .2's 40 new routes, want 30", got)
	}
}

func TestMaxRoutesPerNeighbor_Validate(t *testing.T) {
	c := rigConfig()
	c.MaxRoutesPerNeighbor = -1
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "max_routes_per_neighbor") {
		t.Errorf("negative limit: %v", err)
	}
}

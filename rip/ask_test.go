package rip

import (
	"testing"
	"time"

	"github.com/switchless/routing/rip/packet"
)

// requestsSent counts the whole-table requests (§3.9.1) in ms.
func requestsSent(ms []sentMsg) int {
	n := 0
	for _, m := range ms {
		if m.msg.Command == packet.Request && len(m.msg.Entries) == 1 && m.msg.Entries[0].Family == 0 && m.msg.Entries[0].Metric == packet.Infinity {
			n++
		}
	}
	return n
}

// Test3_9_1_LostRouteAsksTheNeighbors: RIP keeps one route per
// destination (§3.9.2). When its next hop advertises it at 16 and no
// other path is kept, every active interface sends a whole-table request
// (§3.9.1), so that a neighbour knowing another path answers at once
// instead of at its next regular update; at most one round per
// TriggerMin (§3.10.1's damping).
func Test3_9_1_LostRouteAsksTheNeighbors(t *testing.T) {
	r := newRig(t, nil)
	n2, n3 := pfx("10.0.0.2/24").Addr(), pfx("10.0.1.2/24").Addr()
	r.deliver("eth0", n2, 520, resp(rte("192.0.2.0/24", 1), rte("198.51.100.0/24", 1)))
	if r.metric("192.0.2.0/24") != 2 {
		t.Fatalf("metric %d, want 2", r.metric("192.0.2.0/24"))
	}
	// eth1's neighbour knows a worse path: ignored while the better holds.
	r.deliver("eth1", n3, 520, resp(rte("192.0.2.0/24", 3)))
	if rt, _ := r.inst.Route(pfx("192.0.2.0/24")); rt.Metric != 2 || len(rt.NextHops) != 1 || rt.NextHops[0].Gateway != n2 {
		t.Fatalf("route %+v, want metric 2 via %v", rt, n2)
	}
	r.advance(6 * time.Second) // past the damping of the updates above
	for _, f := range r.tr {
		f.take()
	}
	// A refresh is not a loss: no request.
	r.deliver("eth0", n2, 520, resp(rte("192.0.2.0/24", 1)))
	if n := requestsSent(r.tr["eth0"].take()) + requestsSent(r.tr["eth1"].take()); n != 0 {
		t.Fatalf("%d requests after a refresh", n)
	}
	r.deliver("eth0", n2, 520, resp(rte("192.0.2.0/24", 16)))
	if r.metric("192.0.2.0/24") != 16 {
		t.Fatalf("metric %d after 16 from the next hop", r.metric("192.0.2.0/24"))
	}
	e0, e1 := r.tr["eth0"].take(), r.tr["eth1"].take()
	if requestsSent(e0) != 1 || requestsSent(e1) != 1 {
		t.Fatalf("requests on eth0 %d, eth1 %d, want one each", requestsSent(e0), requestsSent(e1))
	}
	// The bad news went first, at once (§3.10.1).
	if e, ok := entriesSent(e1)[pfx("192.0.2.0/24")]; !ok || e.Metric != 16 {
		t.Fatalf("eth1 was not told the route is gone: %+v", entriesSent(e1))
	}
	// The answer from eth1's neighbour is taken at once.
	r.deliver("eth1", n3, 520, resp(rte("192.0.2.0/24", 3)))
	if rt, _ := r.inst.Route(pfx("192.0.2.0/24")); rt.Metric != 4 || rt.NextHops[0].Gateway != n3 {
		t.Fatalf("route %+v, want metric 4 via %v", rt, n3)
	}
	// A second loss within TriggerMin asks nothing more.
	r.advance(500 * time.Millisecond)
	r.deliver("eth0", n2, 520, resp(rte("198.51.100.0/24", 16)))
	if n := requestsSent(r.tr["eth0"].take()) + requestsSent(r.tr["eth1"].take()); n != 0 {
		t.Fatalf("%d requests within TriggerMin of the last round", n)
	}
	if got := r.inst.Stats().LossRequests; got != 1 {
		t.Fatalf("LossRequests %d, want 1", got)
	}
}

// Test3_8_TimedOutRouteAsksTheNeighbors: a route whose only next hop
// reaches the §3.8 timeout is lost too: the neighbours are asked.
func Test3_8_TimedOutRouteAsksTheNeighbors(t *testing.T) {
	r := newRig(t, nil)
	r.deliver("eth0", pfx("10.0.0.2/24").Addr(), 520, resp(rte("192.0.2.0/24", 1)))
	r.advance(DefaultTimeout - time.Second)
	for _, f := range r.tr {
		f.take()
	}
	r.advance(2 * time.Second)
	if r.metric("192.0.2.0/24") != 16 {
		t.Fatalf("metric %d after the timeout", r.metric("192.0.2.0/24"))
	}
	if n0, n1 := requestsSent(r.tr["eth0"].take()), requestsSent(r.tr["eth1"].take()); n0 != 1 || n1 != 1 {
		t.Fatalf("requests on eth0 %d, eth1 %d after the timeout, want one each", n0, n1)
	}
}

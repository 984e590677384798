package netsim

import (
	"net/netip"
	"testing"
	"time"
)

// TestRecable: moving r2's end of r1–r2 onto a new cable to r3 takes
// r1's end down (a lone end of a point-to-point link has no carrier),
// brings r2–r3 up, drops the copy in flight to r2 on the old cable, and
// r2 keeps its interface index, addresses and transports.
func TestRecable(t *testing.T) {
	n, clock := newNet(1)
	a, b := pair(t, n, Conditions{Latency: 10 * time.Millisecond})
	// r3's interface starts on a loop cable of its own.
	c, spare, err := n.Link(n.Node("r3"), n.Node("r3"), LinkConfig{AName: "west", BName: "east",
		AAddrs: []netip.Prefix{pfx("10.0.0.5/30")}})
	if err != nil {
		t.Fatal(err)
	}
	var ev events
	ev.watch(a)
	ev.watch(b)
	ev.watch(c)
	tx := opener(t, a, ospfCfg)
	rb := listen(t, b, ospfCfg, groupAllSPF)
	idx := b.Index()
	send(t, tx, groupAllSPF, []byte("in flight"))
	clock.Advance(5 * time.Millisecond)

	l, err := n.Recable(b, c, "", Conditions{Latency: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// b leaves (down), a is left alone (down), c leaves its loop (down)
	// and the loop's other end too, then b and c come up on the new link.
	expectEvents(t, &ev, "r2/eth0:down", "r1/eth0:down", "r3/west:down", "r2/eth0:up", "r3/west:up")
	if a.Up() || !b.Up() || !c.Up() || spare.Up() {
		t.Fatalf("carrier a=%v b=%v c=%v spare=%v, want false true true false", a.Up(), b.Up(), c.Up(), spare.Up())
	}
	if b.Link() != l || c.Link() != l || b.Peer() != c || c.Peer() != b || b.Index() != idx {
		t.Fatalf("after Recable: b on %v peer %v index %d", b.Link(), b.Peer(), b.Index())
	}
	clock.Advance(time.Second)
	if len(rb.got) != 0 {
		t.Fatalf("r2 received %d packets sent on the old cable", len(rb.got))
	}
	tc := opener(t, c, ospfCfg)
	send(t, tc, groupAllSPF, []byte("new cable"))
	clock.Advance(time.Second)
	if len(rb.got) != 1 || string(rb.got[0].pkt.Payload) != "new cable" {
		t.Fatalf("r2 on the new cable got %+v", rb.got)
	}
	send(t, tx, groupAllSPF, []byte("nobody")) // a lone end drops it, as a NIC without carrier
	clock.Advance(time.Second)
	if a.Stats().Dropped[DropCut] == 0 {
		t.Errorf("lone end: %v, want a cut drop", a.Stats())
	}

	// Bad calls change nothing.
	for name, call := range map[string]func() error{
		"same": func() error { _, err := n.Recable(b, b, "", Conditions{}); return err },
		"nil":  func() error { _, err := n.Recable(nil, b, "", Conditions{}); return err },
		"dup":  func() error { _, err := n.Recable(a, spare, l.Name(), Conditions{}); return err },
		"foreign": func() error {
			m, _ := newNet(2)
			x, _ := pair(t, m, Conditions{})
			_, err := n.Recable(a, x, "", Conditions{})
			return err
		},
	} {
		if err := call(); err == nil {
			t.Errorf("%s: Recable accepted", name)
		}
	}
	if a.Up() || !b.Up() {
		t.Error("a refused Recable changed carrier")
	}
}

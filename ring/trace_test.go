package ring

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/netsim"
)

var ctx = context.Background()

func mustRoute(t *testing.T, m *fib.Memory, prefix string, gw string, ifindex int, metric uint32, proto fib.Protocol) {
	t.Helper()
	r := fib.Route{Prefix: netip.MustParsePrefix(prefix), Metric: metric, Protocol: proto,
		NextHops: []fib.NextHop{{IfIndex: ifindex}}}
	if gw != "" {
		r.NextHops[0].Gateway = netip.MustParseAddr(gw)
	}
	if err := m.Replace(ctx, r); err != nil {
		t.Fatal(err)
	}
}

func TestKernel_LongestPrefixThenMetric(t *testing.T) {
	k := NewKernel()
	mustRoute(t, k.OSPF, "0.0.0.0/0", "10.0.0.1", 2, 20, fib.ProtocolOSPF)
	mustRoute(t, k.Static, "0.0.0.0/0", "192.0.2.1", 3, 0, fib.ProtocolStatic)
	mustRoute(t, k.OSPF, "10.1.0.0/16", "10.0.0.1", 2, 20, fib.ProtocolOSPF)
	mustRoute(t, k.Connected, "10.1.2.0/24", "", 4, 0, fib.ProtocolConnected)
	cases := []struct {
		dst  string
		want fib.Protocol
	}{
		{"8.8.8.8", fib.ProtocolStatic},     // metric 0 beats OSPF's 20
		{"10.1.9.9", fib.ProtocolOSPF},      // /16 beats /0
		{"10.1.2.3", fib.ProtocolConnected}, // /24 beats /16
	}
	for _, c := range cases {
		r, ok := k.Lookup(netip.MustParseAddr(c.dst))
		if !ok || r.Protocol != c.want {
			t.Errorf("Lookup(%s) = %v, %v; want a %v route", c.dst, r, ok, c.want)
		}
	}
	// Without the static default, the OSPF one forwards.
	if err := k.Static.Delete(ctx, netip.MustParsePrefix("0.0.0.0/0"), 0); err != nil {
		t.Fatal(err)
	}
	if r, _ := k.Lookup(netip.MustParseAddr("8.8.8.8")); r.Protocol != fib.ProtocolOSPF {
		t.Errorf("without the static default: %v", r)
	}
	if got := len(k.Routes()); got != 3 {
		t.Errorf("Routes: %d, want 3", got)
	}
	var changes int
	cancel := k.Watch(func(fib.Change) { changes++ })
	mustRoute(t, k.Static, "0.0.0.0/0", "192.0.2.1", 3, 0, fib.ProtocolStatic)
	cancel()
	mustRoute(t, k.Static, "0.0.0.0/0", "192.0.2.9", 3, 0, fib.ProtocolStatic)
	if changes != 1 {
		t.Errorf("Watch saw %d changes, want 1", changes)
	}
	if !strings.Contains(k.String(), "0.0.0.0/0 via 192.0.2.9 dev 3 proto static") {
		t.Errorf("String:\n%s", k)
	}
}

// chain builds h1 — r1 — r2 — … — rk — h2 on point-to-point links
// 10.0.i.0/31, hosts on 10.0.100.0/31 and 10.0.101.0/31, with a kernel
// per node and nothing in them but connected routes.
type chain struct {
	net     *netsim.Network
	nodes   []*netsim.Node
	kernels map[*netsim.Node]*Kernel
	links   []*netsim.Link
	hosts   map[*netsim.Node]bool
	down    map[*netsim.Node]string
	tr      *tracer
}

func newChain(t *testing.T, routers int) *chain {
	t.Helper()
	c := &chain{net: netsim.New(routing.NewManualClock(time.Time{}), 1, nil), kernels: map[*netsim.Node]*Kernel{},
		hosts: map[*netsim.Node]bool{}, down: map[*netsim.Node]string{}}
	c.nodes = append(c.nodes, c.net.Node("h1"))
	for i := range routers {
		c.nodes = append(c.nodes, c.net.Node(fmt.Sprintf("r%d", i+1)))
	}
	c.nodes = append(c.nodes, c.net.Node("h2"))
	c.hosts[c.nodes[0]], c.hosts[c.nodes[len(c.nodes)-1]] = true, true
	for _, nd := range c.nodes {
		c.kernels[nd] = NewKernel()
	}
	for i := 0; i+1 < len(c.nodes); i++ {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i / 256), byte(i % 256), 0}), 31)
		a, b, err := c.net.Link(c.nodes[i], c.nodes[i+1], netsim.LinkConfig{
			AName: "right", BName: "left",
			AAddrs: []netip.Prefix{p}, BAddrs: []netip.Prefix{netip.PrefixFrom(p.Addr().Next(), 31)}})
		if err != nil {
			t.Fatal(err)
		}
		c.links = append(c.links, a.Link())
		mustRoute(t, c.kernels[c.nodes[i]].Connected, p.String(), "", a.Index(), 0, fib.ProtocolConnected)
		mustRoute(t, c.kernels[c.nodes[i+1]].Connected, p.String(), "", b.Index(), 0, fib.ProtocolConnected)
	}
	c.tr = &tracer{
		net: c.net,
		fwd: func(nd *netsim.Node) *forwarder {
			k := c.kernels[nd]
			if k == nil {
				return nil
			}
			return &forwarder{name: nd.Name(), kernel: k, host: c.hosts[nd], down: func() string { return c.down[nd] }}
		},
		resolve: func(out *netsim.Attachment, a netip.Addr) *netsim.Attachment { return out.Neighbor(a) },
	}
	return c
}

// addr returns node i's address on its right link.
func (c *chain) right(i int) netip.Addr { return c.nodes[i].Attachment("right").Addrs()[0].Addr() }
func (c *chain) left(i int) netip.Addr  { return c.nodes[i].Attachment("left").Addrs()[0].Addr() }

// routeAll points every node's default towards h2 and a route to h1's
// address back.
func (c *chain) routeAll(t *testing.T) {
	for i, nd := range c.nodes {
		k := c.kernels[nd]
		if i+1 < len(c.nodes) {
			mustRoute(t, k.Static, "0.0.0.0/0", c.left(i+1).String(), 0, 0, fib.ProtocolStatic)
		}
		if i > 0 {
			mustRoute(t, k.Static, netip.PrefixFrom(c.right(0), 32).String(), c.right(i-1).String(), 0, 0, fib.ProtocolStatic)
		}
	}
}

func TestTrace_DeliveredHopByHop(t *testing.T) {
	c := newChain(t, 3)
	c.routeAll(t)
	h1, h2 := c.nodes[0], c.nodes[4]
	tr := c.tr.trace(h1, c.right(0), c.left(4))
	if !tr.OK() || strings.Join(tr.Path(), ",") != "h1,r1,r2,r3,h2" {
		t.Fatalf("there: %v", tr)
	}
	if tr.Hops[1].In != "left" || tr.Hops[1].Out != "right" || tr.Hops[1].Via != c.left(2) {
		t.Errorf("hop r1: %+v", tr.Hops[1])
	}
	back := c.tr.trace(h2, c.left(4), c.right(0))
	if !back.OK() || len(back.Hops) != 5 {
		t.Fatalf("back: %v", back)
	}
	if s := tr.String(); s != "h1 -> r1 -> r2 -> r3 -> h2: delivered" {
		t.Errorf("String = %q", s)
	}
}

func TestTrace_Blackholes(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(c *chain)
		reason string
	}{
		{"no route", func(c *chain) {
			_ = c.kernels[c.nodes[2]].Static.Delete(ctx, netip.MustParsePrefix("0.0.0.0/0"), 0)
		}, "no route to 10.0.3.1 at r2"},
		{"link cut", func(c *chain) { c.links[2].Cut() }, "r2/right has no carrier"},
		{"node crashed", func(c *chain) { c.nodes[3].Crash() }, "r2/right has no carrier"},
		{"node frozen", func(c *chain) { c.down[c.nodes[3]] = "is frozen" }, "r3 is frozen"},
		{"nobody answers", func(c *chain) {
			_ = c.nodes[3].Attachment("left").RemoveAddr(c.left(3))
		}, "nobody answers for 10.0.2.1 on r2/right"},
		{"reject route", func(c *chain) {
			_ = c.kernels[c.nodes[1]].OSPF.Replace(ctx, fib.Route{Prefix: netip.MustParsePrefix("10.0.3.0/24"), Type: fib.TypeBlackhole})
		}, "blackhole route 10.0.3.0/24 at r1"},
	}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			c := newChain(t, 3)
			c.routeAll(t)
			cs.break_(c)
			tr := c.tr.trace(c.nodes[0], c.right(0), c.left(4))
			if tr.Outcome != Blackhole || tr.Reason != cs.reason {
				t.Fatalf("%v: reason %q, want blackhole %q", tr, tr.Reason, cs.reason)
			}
		})
	}
}

func TestTrace_HostsDoNotForward(t *testing.T) {
	c := newChain(t, 1)
	// h1 → r1 → back to h1 (a host) for h2's address.
	mustRoute(t, c.kernels[c.nodes[0]].Static, "0.0.0.0/0", c.left(1).String(), 0, 0, fib.ProtocolStatic)
	mustRoute(t, c.kernels[c.nodes[1]].Static, "0.0.0.0/0", c.right(0).String(), 0, 0, fib.ProtocolStatic)
	tr := c.tr.trace(c.nodes[0], c.right(0), netip.MustParseAddr("192.0.2.9"))
	// The packet comes back to h1, which it has crossed: a loop.
	if tr.Outcome != Loop || tr.Reason != "back at h1" {
		t.Fatalf("%v", tr)
	}
	c2 := newChain(t, 2)
	mustRoute(t, c2.kernels[c2.nodes[0]].Static, "0.0.0.0/0", c2.left(1).String(), 0, 0, fib.ProtocolStatic)
	mustRoute(t, c2.kernels[c2.nodes[1]].Static, "0.0.0.0/0", c2.left(2).String(), 0, 0, fib.ProtocolStatic)
	mustRoute(t, c2.kernels[c2.nodes[2]].Static, "0.0.0.0/0", c2.left(3).String(), 0, 0, fib.ProtocolStatic)
	tr = c2.tr.trace(c2.nodes[0], c2.right(0), netip.MustParseAddr("192.0.2.9"))
	if tr.Outcome != Blackhole || !strings.Contains(tr.Reason, "h2 is a host and does not forward") {
		t.Fatalf("%v", tr)
	}
}

func TestTrace_LoopBetweenTwoRouters(t *testing.T) {
	c := newChain(t, 3)
	c.routeAll(t)
	// r2 sends h2's traffic back to r1, which sends it to r2 again.
	mustRoute(t, c.kernels[c.nodes[2]].OSPF, "10.0.3.0/31", c.right(1).String(), 0, 0, fib.ProtocolOSPF)
	tr := c.tr.trace(c.nodes[0], c.right(0), c.left(4))
	if tr.Outcome != Loop || strings.Join(tr.Path(), ",") != "h1,r1,r2,r1" {
		t.Fatalf("%v", tr)
	}
}

func TestTrace_TTLExceeded(t *testing.T) {
	c := newChain(t, MaxTTL+2)
	c.routeAll(t)
	last := len(c.nodes) - 1
	tr := c.tr.trace(c.nodes[0], c.right(0), c.left(last))
	if tr.Outcome != Loop || !strings.HasPrefix(tr.Reason, "TTL exceeded") || len(tr.Hops) != MaxTTL+1 { // the source and 64 routers, the last of which receives TTL 1
		t.Fatalf("%d hops: %v", len(tr.Hops), tr.Reason)
	}
}

func TestTrace_ECMPIsPerFlow(t *testing.T) {
	c := newChain(t, 2)
	c.routeAll(t)
	// r1 gets a second, bogus next hop for h2's /31: the flow hash picks
	// one, the same every time.
	r := fib.Route{Prefix: netip.MustParsePrefix("10.0.2.0/31"), Protocol: fib.ProtocolOSPF, NextHops: []fib.NextHop{
		{Gateway: c.left(2)}, {Gateway: c.right(0)}}}
	if err := c.kernels[c.nodes[1]].OSPF.Replace(ctx, r); err != nil {
		t.Fatal(err)
	}
	first := c.tr.trace(c.nodes[0], c.right(0), c.left(3))
	for range 5 {
		if again := c.tr.trace(c.nodes[0], c.right(0), c.left(3)); again.String() != first.String() {
			t.Fatalf("%v then %v", first, again)
		}
	}
}

package ring

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/bfd/packet"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/ospf"
)

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// routeVia returns the gateway of the route to p in routes, or the zero
// Addr.
func routeVia(routes []fib.Route, p netip.Prefix) netip.Addr {
	for _, r := range routes {
		if r.Prefix == p {
			return r.NextHops[0].Gateway
		}
	}
	return netip.Addr{}
}

// TestChain_Build: a chain of 4 takes the ring's links 0 … 2 (closing it
// later adds only link 3), runs no OSPF or VRRP, and every node has a
// static route to every other node's LAN over the right link, the inner
// nodes a default toward the edge, the edge the default via the gateway.
func TestChain_Build(t *testing.T) {
	chain, ring := PaperChain(4, ProfileRFC), PaperSpec(4, ProfileRFC)
	cs, err := chain.BuildAll()
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ring.BuildAll()
	if err != nil {
		t.Fatal(err)
	}
	names := func(c NodeConfig) []string {
		var out []string
		for _, ifc := range c.Interfaces {
			out = append(out, ifc.Name)
		}
		return out
	}
	wantIfs := [][]string{{IfEast, IfUpstream, "lan0"}, {IfEast, IfWest, "lan0"}, {IfEast, IfWest, "lan0"}, {IfWest, "lan0"}}
	for i, c := range cs {
		if !slices.Equal(names(c), wantIfs[i]) {
			t.Errorf("%s: interfaces %v, want %v", c.Name, names(c), wantIfs[i])
		}
		if c.Topology != TopologyChain || len(c.OSPF.Interfaces) != 0 || c.VRRP != nil || len(c.Discard) != 0 || c.runsOSPF() {
			t.Errorf("%s: runs OSPF/VRRP: %+v", c.Name, c)
		}
		for _, name := range []string{IfEast, IfWest} {
			ci, cok := c.Interface(name)
			ri, _ := rs[i].Interface(name)
			if cok && (ci.Prefix != ri.Prefix || ci.Peer != ri.Peer) {
				t.Errorf("%s %s: %v peer %v, the ring has %v peer %v", c.Name, name, ci.Prefix, ci.Peer, ri.Prefix, ri.Peer)
			}
		}
	}
	if c := cs[0]; c.Role != MasterEdge || len(c.Static) != 1 || c.Static[0].NextHops[0].Gateway != chain.Upstream.Gateway {
		t.Errorf("edge: role %v static %v", c.Role, c.Static)
	}
	def := mustPrefix("0.0.0.0/0")
	for i, c := range cs {
		east, west := netip.Addr{}, netip.Addr{}
		if ifc, ok := c.Interface(IfEast); ok {
			east = ifc.Peer
		}
		if ifc, ok := c.Interface(IfWest); ok {
			west = ifc.Peer
		}
		for j := range cs {
			lan := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(j + 1), 0, 0}), 24)
			got := routeVia(c.Routes, lan)
			switch {
			case j == i && got.IsValid():
				t.Errorf("%s: a static route to its own LAN via %v", c.Name, got)
			case j > i && got != east, j < i && got != west:
				t.Errorf("%s: %v via %v, want east %v / west %v", c.Name, lan, got, east, west)
			}
		}
		switch got := routeVia(c.Routes, def); {
		case i == 0 && got.IsValid():
			t.Errorf("edge: a chain default via %v besides the static one", got)
		case i > 0 && got != west:
			t.Errorf("%s: default via %v, want west %v (toward the edge)", c.Name, got, west)
		}
		for _, r := range c.Routes {
			if r.Protocol != fib.ProtocolStatic {
				t.Errorf("%s: %v is %v", c.Name, r.Prefix, r.Protocol)
			}
		}
	}
	// The far link is routed too: vr1 reaches link 2 (vr3-vr4) east.
	if got := routeVia(cs[0].Routes, rs[2].Interfaces[0].Prefix.Masked()); got != cs[0].Interfaces[0].Peer {
		t.Errorf("vr1: link 2 via %v", got)
	}
	// WithIfIndex gives each next hop its link's index.
	c := cs[1].WithIfIndex(map[string]int{IfEast: 7, IfWest: 8})
	if r := c.Routes[slices.IndexFunc(c.Routes, func(r fib.Route) bool { return r.Prefix == def })]; r.NextHops[0].IfIndex != 8 {
		t.Errorf("vr2 default: ifindex %d, want 8 (west)", r.NextHops[0].IfIndex)
	}
	p, err := PlanCosts(chain)
	if err != nil || p.Master != 0 || p.Backup != -1 || p.Nodes[3].Toward != West || p.Nodes[3].Hops != 3 {
		t.Errorf("plan %+v, %v", p, err)
	}
}

// TestChain_EdgeInTheMiddle: with the edge at vr3 of 5, the nodes west
// of it send their default east and the others west.
func TestChain_EdgeInTheMiddle(t *testing.T) {
	s := PaperChain(5, ProfileRFC)
	s.Upstream.Edges[0] = Edge{Node: "vr3", Address: netip.MustParseAddr("192.0.2.7")}
	cs, err := s.BuildAll()
	if err != nil {
		t.Fatal(err)
	}
	def := mustPrefix("0.0.0.0/0")
	for i, c := range cs {
		var want netip.Addr
		switch {
		case i < 2:
			ifc, _ := c.Interface(IfEast)
			want = ifc.Peer
		case i > 2:
			ifc, _ := c.Interface(IfWest)
			want = ifc.Peer
		}
		if got := routeVia(c.Routes, def); got != want {
			t.Errorf("%s: default via %v, want %v", c.Name, got, want)
		}
	}
	if _, ok := cs[2].Interface(IfUpstream); !ok || cs[2].Role != MasterEdge {
		t.Errorf("vr3 is not the edge: %+v", cs[2])
	}
	runChain(t, s, 2, true)
}

// TestChain_Validate: what a chain cannot be is refused naming the field.
func TestChain_Validate(t *testing.T) {
	for _, tc := range []struct {
		field string
		edit  func(*Spec)
	}{
		{"Nodes", func(s *Spec) { s.Nodes = s.Nodes[:1] }},
		{"Upstream.Edges[1]", func(s *Spec) {
			s.Upstream.Edges = [2]Edge{{Node: "vr1", Address: netip.MustParseAddr("192.0.2.2")}, {Node: "vr3", Address: netip.MustParseAddr("192.0.2.3")}}
		}},
		{"Upstream.Edges[0].Priority", func(s *Spec) {
			s.Upstream.Edges[0] = Edge{Node: "vr1", Address: netip.MustParseAddr("192.0.2.2"), Priority: 200}
		}},
		{"Upstream.Edges[0].Node", func(s *Spec) { s.Upstream.Edges[0] = Edge{Node: "vr9", Address: netip.MustParseAddr("192.0.2.2")} }},
		{"Upstream.VIP", func(s *Spec) { s.Upstream.VIP = netip.MustParseAddr("192.0.2.254") }},
		{"Upstream.VRID", func(s *Spec) { s.Upstream.VRID = 10 }},
		{"BFDAuth", func(s *Spec) { s.BFDAuth = &bfd.Auth{Type: packet.AuthMeticulousKeyedSHA1, KeyID: 1, Key: []byte("k")} }},
		{"OSPFAuth", func(s *Spec) { s.OSPFAuth = &ospf.AuthConfig{} }},
		{"BaseCost", func(s *Spec) { s.BaseCost = 20 }},
		{"Anycast", func(s *Spec) {
			s.Anycast = &AnycastSpec{VIP: netip.MustParseAddr("10.254.0.25"), Replicas: []string{"vr2"}}
		}},
		{"Nodes[1].RouterID", func(s *Spec) { s.Nodes[1].RouterID = netip.MustParseAddr("1.1.1.1") }},
		{"Links", func(s *Spec) {
			s.Links = []netip.Prefix{mustPrefix("10.255.0.0/31"), mustPrefix("10.255.0.2/31"), mustPrefix("10.255.0.4/31")}
		}},
		{"Topology", func(s *Spec) { s.Topology = 7 }},
	} {
		s := PaperChain(3, ProfileRFC)
		tc.edit(&s)
		err := s.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), ": "+tc.field+": ") {
			t.Errorf("%s: %v", tc.field, err)
		}
	}
	// Two nodes and three links' worth of Links: fine as a chain of 2
	// with one link.
	s := PaperChain(2, ProfileRFC)
	s.Links = []netip.Prefix{mustPrefix("10.255.0.0/31")}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
	if _, err := ParseTopology("mesh"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("ParseTopology(mesh): %v", err)
	}
}

// TestChain_NodeLifecycle: a chain node runs without OSPF: Start writes
// its static routes, the edge's default follows the upstream carrier,
// Reconfigure applies a LAN added elsewhere in the chain, and Stop (after
// Drain) leaves no route behind.
func TestChain_NodeLifecycle(t *testing.T) {
	s := PaperChain(3, ProfileRFC)
	for _, name := range []string{"vr1", "vr2"} {
		cfg, err := s.Build(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewNode(cfg, NodeEnv{Clock: routing.NewManualClock(time.Time{}), FIB: fib.NewMemory()}); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s without StaticFIB: %v", name, err)
		}
		static := fib.NewMemory()
		n, err := NewNode(cfg, NodeEnv{Clock: routing.NewManualClock(time.Time{}), FIB: fib.NewMemory(), StaticFIB: static})
		if err != nil {
			t.Fatal(err)
		}
		if n.OSPF() != nil || n.BFD() != nil || n.VRRP() != nil {
			t.Fatalf("%s runs a protocol", name)
		}
		if err := n.Start(); err != nil {
			t.Fatal(err)
		}
		want := len(cfg.Routes) + len(cfg.Static)
		if got := len(static.Routes()); got != want || want == 0 {
			t.Fatalf("%s: %d static routes, want %d", name, got, want)
		}
		if err := n.LinkState(IfEast, false); err != nil {
			t.Error(err)
		}
		if name == "vr1" {
			if err := n.LinkState(IfUpstream, false); err != nil {
				t.Error(err)
			}
			if _, ok := static.Lookup(0, netip.MustParseAddr("198.51.100.1")); ok {
				t.Error("vr1: the default outlived the upstream carrier")
			}
			if err := n.LinkState(IfUpstream, true); err != nil {
				t.Error(err)
			}
		}
		if got := len(static.Routes()); got != want {
			t.Errorf("%s: %d static routes after carrier changes, want %d", name, got, want)
		}
		if err := n.LinkState("nope", true); err == nil {
			t.Errorf("%s: LinkState(nope) accepted", name)
		}
		// vr3 gains a LAN: the others route it, nothing restarts.
		s2 := s
		s2.Nodes = slices.Clone(s.Nodes)
		s2.Nodes[2].LANs = append(slices.Clone(s.Nodes[2].LANs), mustPrefix("10.33.0.1/24"))
		cfg2, err := s2.Build(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Reconfigure(context.Background(), cfg2, nil); err != nil {
			t.Fatalf("%s: Reconfigure: %v", name, err)
		}
		if _, ok := static.Lookup(0, netip.MustParseAddr("10.33.0.9")); !ok {
			t.Errorf("%s: no route to the new LAN", name)
		}
		// Moving the node is a restart.
		s3 := s
		s3.Nodes = []NodeSpec{s.Nodes[1], s.Nodes[0], s.Nodes[2]}
		cfg3, _ := s3.Build(name)
		if err := n.Reconfigure(context.Background(), cfg3, nil); !errors.Is(err, ErrRestartRequired) {
			t.Errorf("%s: Reconfigure moved: %v", name, err)
		}
		if err := n.Drain(context.Background()); err != nil {
			t.Error(err)
		}
		if err := n.Stop(context.Background()); err != nil {
			t.Error(err)
		}
		if rs := static.Routes(); len(rs) != 0 {
			t.Errorf("%s: Stop left %v", name, rs)
		}
	}
}

// TestChain_RingNodeRefusesChain: a running ring node handed its chain
// configuration (topology: chain in a SIGHUP) is told to restart, and
// keeps its OSPF.
func TestChain_RingNodeRefusesChain(t *testing.T) {
	rc, err := PaperSpec(4, ProfileRFC).Build("vr2")
	if err != nil {
		t.Fatal(err)
	}
	cc, err := PaperChain(4, ProfileRFC).Build("vr2")
	if err != nil {
		t.Fatal(err)
	}
	trs := map[string]routing.Transport{}
	for _, ic := range rc.OSPF.Interfaces {
		trs[ic.Name] = nopTransport{}
	}
	n, err := NewNode(rc, NodeEnv{Clock: routing.NewManualClock(time.Time{}), OSPF: trs, FIB: fib.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Reconfigure(context.Background(), cc, nil); !errors.Is(err, ErrRestartRequired) || !strings.Contains(err.Error(), "topology") {
		t.Errorf("Reconfigure to a chain: %v", err)
	}
	if n.OSPF() == nil || len(n.Config().OSPF.Interfaces) == 0 {
		t.Error("the ring node lost its OSPF")
	}
}

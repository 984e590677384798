package ring

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/vrrp"
)

// activeActive returns s with a second VRRP group (VIP .253, VRID 11).
func activeActive(s Spec) Spec {
	s.Upstream.Second = &Group{VIP: netip.MustParseAddr("192.0.2.253"), VRID: 11}
	return s
}

// aaSpecs: every ring size from 3 to max with every placement of the two
// edges (master m, backup b).
func aaSpecs(maxN int) []Spec {
	var out []Spec
	for n := 3; n <= maxN; n++ {
		for m := range n {
			for b := range n {
				if m != b {
					out = append(out, activeActive(withEdges(paperSpec(n), m, b)))
				}
			}
		}
	}
	return out
}

// TestPlanCosts_ActiveActive checks the argument of PlanCosts on the
// plan's costs alone (RFC 2328 §16.1: a path costs the sum of its output
// interface costs), for every size up to 16 and every edge placement
// (and random placements up to MaxNodes):
// every node's cheapest way to its own edge is unique, along Toward,
// Hops long, and cheaper than every way to the other edge (both defaults
// are type 2 of one metric, so §16.4 step 6 compares these distances);
// its edge comes back the opposite way round; and every two nodes are
// joined by exactly one cheapest path.
func TestPlanCosts_ActiveActive(t *testing.T) {
	specs := aaSpecs(16)
	for _, s := range aaSpecs(12) {
		s.BaseCost = 3 // the least the tie-break allows
		specs = append(specs, s)
	}
	// Beyond 16, seeded random placements up to MaxNodes.
	rng := rand.New(rand.NewPCG(15, 5798))
	for n := 17; n <= MaxNodes; n++ {
		for range 3 {
			m := rng.IntN(n)
			specs = append(specs, activeActive(withEdges(paperSpec(n), m, (m+1+rng.IntN(n-1))%n)))
		}
	}
	for _, s := range specs {
		p, err := PlanCosts(s)
		if err != nil {
			t.Fatal(err)
		}
		n := len(p.Nodes)
		where := fmt.Sprintf("N=%d edges %d,%d", n, p.Master, p.Backup)
		if !p.ActiveActive {
			t.Fatalf("%s: not active-active", where)
		}
		edge := map[int]int{1: p.Master, 2: p.Backup}
		for i, np := range p.Nodes {
			for j := range n {
				if i != j {
					if _, _, unique := cheaper(p, i, j); !unique {
						t.Fatalf("%s: %s and %s are joined by two equal-cost paths\n%v", where, np.Name, p.Nodes[j].Name, p)
					}
				}
			}
			if i == p.Master || i == p.Backup {
				if want := map[int]int{p.Master: 1, p.Backup: 2}[i]; np.Group != want {
					t.Fatalf("%s: edge %s exits through group %d, want its own %d", where, np.Name, np.Group, want)
				}
				continue
			}
			own, other := edge[np.Group], edge[3-np.Group]
			d, hops, _ := cheaper(p, i, own)
			if d != np.Toward || hops != np.Hops {
				t.Fatalf("%s: %s reaches its edge going %v in %d hops, the plan says %v in %d\n%v", where, np.Name, d, hops, np.Toward, np.Hops, p)
			}
			cOwn, _ := arcCost(p, i, own, d)
			for _, dir := range []Direction{East, West} {
				if c, _ := arcCost(p, i, other, dir); c <= cOwn {
					t.Fatalf("%s: %s reaches the other edge going %v at cost %d, not more than its own edge's %d\n%v", where, np.Name, dir, c, cOwn, p)
				}
			}
			if hops > min((own-i+n)%n, (i-own+n)%n) || hops > min((other-i+n)%n, (i-other+n)%n) {
				t.Fatalf("%s: %s exits %d hops away, not through its nearer edge\n%v", where, np.Name, hops, p)
			}
			back, bhops, _ := cheaper(p, own, i)
			if back == d || bhops != hops {
				t.Fatalf("%s: edge %s returns to %s going %v in %d hops, not the way the node's default goes (%v, %d)\n%v", where, p.Nodes[own].Name, np.Name, back, bhops, d, hops, p)
			}
		}
	}
}

// TestSpecValidate_ActiveActive (issue 15, bad input): active-active
// edges that cannot work are rejected with the field and the reason.
func TestSpecValidate_ActiveActive(t *testing.T) {
	if err := activeActive(paperSpec(5)).Validate(); err != nil {
		t.Fatalf("the paper's ring, active-active: %v", err)
	}
	noUplink := noUplinkSpec(3, ProfileFast)
	noUplink.Upstream.Second = &Group{VIP: netip.MustParseAddr("192.0.2.253"), VRID: 11}
	oneEdge := activeActive(paperSpec(5))
	oneEdge.Upstream.Edges[0] = Edge{Node: "vr1", Address: netip.MustParseAddr("192.0.2.2"), Priority: 200}
	for _, tc := range []struct {
		name  string
		spec  Spec
		field string
		why   string
	}{
		{"without uplink", noUplink, "Upstream.Second", "need the upstream LAN"},
		{"single edge", oneEdge, "Upstream.Edges[1]", "active-active with a single edge"},
		{"same VRID", mod(activeActive(paperSpec(5)), func(s *Spec) { s.Upstream.Second.VRID = 10 }), "Upstream.Second.VRID", "also Upstream.VRID"},
		{"default VRID after 255", mod(activeActive(paperSpec(5)), func(s *Spec) { s.Upstream.VRID, s.Upstream.Second.VRID = 255, 0 }), "Upstream.Second.VRID", "required"},
		{"same VIP", mod(activeActive(paperSpec(5)), func(s *Spec) { s.Upstream.Second.VIP = s.Upstream.VIP }), "Upstream.Second.VIP", "also Upstream.VIP"},
		{"VIP off the LAN", mod(activeActive(paperSpec(5)), func(s *Spec) { s.Upstream.Second.VIP = netip.MustParseAddr("198.51.100.1") }), "Upstream.Second.VIP", "not a host on the upstream LAN"},
		{"VIP the network", mod(activeActive(paperSpec(5)), func(s *Spec) { s.Upstream.Second.VIP = netip.MustParseAddr("192.0.2.0") }), "Upstream.Second.VIP", "not a host"},
		{"VIP the gateway", mod(activeActive(paperSpec(5)), func(s *Spec) { s.Upstream.Second.VIP = s.Upstream.Gateway }), "Upstream.Second.VIP", "also Upstream.Gateway"},
		{"VIP an edge's", mod(activeActive(paperSpec(5)), func(s *Spec) { s.Upstream.Second.VIP = netip.MustParseAddr("192.0.2.2") }), "Upstream.Second.VIP", "also Upstream.Edges[0].Address"},
		{"BaseCost 2", mod(activeActive(paperSpec(5)), func(s *Spec) { s.BaseCost = 2 }), "BaseCost", "at least 3"},
	} {
		err := tc.spec.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), ": "+tc.field+": ") || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%s: %v, want %s: …%s…", tc.name, err, tc.field, tc.why)
		}
	}
}

func mod(s Spec, f func(*Spec)) Spec {
	g := *s.Upstream.Second
	s.Upstream.Second = &g
	f(&s)
	return s
}

// TestReconfigure_ActiveActive: on a running active-active ring, turning
// the second group off, on, or giving it another VRID needs a restart
// (ErrRestartRequired naming the field, nothing changes); its VIP moves
// in place through vrrp.Router.Reconfigure (RFC 5798 §6.4.3: the Master
// takes the new address) and its master stays Master.
func TestReconfigure_ActiveActive(t *testing.T) {
	spec := activeActive(PaperSpec(4, ProfileFast))
	s, err := NewSim(SimConfig{Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunStep(s.Steps()[0]); err != nil {
		t.Fatal(err)
	}
	vr4 := s.Node("vr4")
	ctx := context.Background()
	build := func(sp Spec) NodeConfig {
		c, err := sp.Build("vr4")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	single := PaperSpec(4, ProfileFast)
	for _, tc := range []struct {
		name  string
		spec  Spec
		field string
	}{
		{"off", single, "upstream.second"},
		{"other VRID", mod(spec, func(s *Spec) { s.Upstream.Second.VRID = 12 }), "upstream.second.vrid"},
	} {
		err := vr4.Node().Reconfigure(ctx, build(tc.spec), nil)
		if !errors.Is(err, ErrRestartRequired) || !strings.Contains(err.Error(), tc.field+":") {
			t.Errorf("%s: %v, want ErrRestartRequired naming %s", tc.name, err, tc.field)
		}
	}
	if vr4.Node().Config().SecondVRRP.VRID != 11 {
		t.Fatal("a refused reconfiguration changed the node")
	}
	// And on: a single-group node asked to run two groups.
	ss, err := NewSim(SimConfig{Spec: single})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ss.RunStep(ss.Steps()[0]); err != nil {
		t.Fatal(err)
	}
	if err := ss.Node("vr4").Node().Reconfigure(ctx, build(spec), nil); !errors.Is(err, ErrRestartRequired) || !strings.Contains(err.Error(), "upstream.second:") {
		t.Errorf("on: %v, want ErrRestartRequired naming upstream.second", err)
	}

	moved := mod(spec, func(s *Spec) { s.Upstream.Second.VIP = netip.MustParseAddr("192.0.2.252") })
	if err := vr4.Node().Reconfigure(ctx, build(moved), nil); err != nil {
		t.Fatal(err)
	}
	s.Advance(time.Second)
	up := vr4.Attachment(IfUpstream)
	if !up.HasAddr(netip.MustParseAddr("192.0.2.252")) || up.HasAddr(netip.MustParseAddr("192.0.2.253")) {
		t.Errorf("vr4's upstream addresses after the VIP moved: %v", up.Addrs())
	}
	if st := vr4.Node().VRRPRouters()[1].State(); st != vrrp.Master {
		t.Errorf("vr4 is %v of group 2 after its VIP moved", st)
	}
}

// TestHostConfig_Validate_ActiveActive: with vrrp_macvlan an active-active
// edge needs a second macvlan for the second group's virtual MAC, of
// another name; a node of one group takes none.
func TestHostConfig_Validate_ActiveActive(t *testing.T) {
	aa, err := activeActive(PaperSpec(5, ProfileFast)).Build("vr1")
	if err != nil {
		t.Fatal(err)
	}
	single, err := PaperSpec(5, ProfileFast).Build("vr1")
	if err != nil {
		t.Fatal(err)
	}
	ifs := func(c NodeConfig) map[string]string {
		m := map[string]string{}
		for i, ifc := range c.Interfaces {
			m[ifc.Name] = fmt.Sprintf("eth%d", i)
		}
		return m
	}
	for _, hc := range []HostConfig{{}, {MACVLAN: "vip0", SecondMACVLAN: "vip1"}} {
		hc.Interfaces = ifs(aa)
		if err := hc.Validate(aa); err != nil {
			t.Errorf("%+v: %v", hc, err)
		}
	}
	for _, tc := range []struct {
		cfg  NodeConfig
		hc   HostConfig
		want string
	}{
		{aa, HostConfig{MACVLAN: "vip0"}, "vrrp_macvlan_second: required with vrrp_macvlan"},
		{aa, HostConfig{MACVLAN: "vip0", SecondMACVLAN: "vip0"}, `vrrp_macvlan_second: "vip0" is also vrrp_macvlan`},
		{single, HostConfig{SecondMACVLAN: "vip1"}, "vrrp_macvlan_second: node vr1 runs no second VRRP group"},
	} {
		tc.hc.Interfaces = ifs(tc.cfg)
		if err := tc.hc.Validate(tc.cfg); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.hc, err, tc.want)
		}
	}
}

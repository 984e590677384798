package ring

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// noUplinkSpec is a ring of n nodes without uplink, each with a server
// LAN and a host address (/32 on a loopback or dummy interface), as the
// "routed with fallback" full-mesh clusters run.
func noUplinkSpec(n int, p Profile) Spec {
	s := Spec{LinkPool: netip.MustParsePrefix("10.255.0.0/24"), Profile: p}
	for i := range n {
		s.Nodes = append(s.Nodes, NodeSpec{Name: fmt.Sprintf("n%d", i+1), LANs: []netip.Prefix{
			netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i + 1), 0, 1}), 24),
			netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 254, 254, byte(i + 1)}), 32),
		}})
	}
	return s
}

// TestSim_NoUplink (issue 15): the 3-node ring of a storage cluster's
// full mesh and rings of 4 to 8 nodes, without upstream LAN, VRRP or default. The
// plan costs every interface alike; the steps are those without edges
// (S0, S2, S2r, S3, S3r, S2f, S2fr), measured on the east-west probes
// between the servers, each within its bound; no node ever has a
// default route; and every node's host address stays in every other
// running node's table through every fault (either way round).
func TestSim_NoUplink(t *testing.T) {
	for _, prof := range []Profile{ProfileFast, ProfileRFC} {
		for _, n := range []int{3, 4, 5, 6, 7, 8} {
			t.Run(fmt.Sprintf("%v/N=%d", prof, n), func(t *testing.T) {
				t.Parallel()
				spec := noUplinkSpec(n, prof)
				if err := spec.Validate(); err != nil {
					t.Fatal(err)
				}
				plan, err := PlanCosts(spec)
				if err != nil {
					t.Fatal(err)
				}
				for _, np := range plan.Nodes {
					if np.Role != Inner || np.EastCost != plan.Low || np.WestCost != plan.Low {
						t.Errorf("plan: %+v", np)
					}
				}
				s, err := NewSim(SimConfig{Spec: spec, Seed: int64(n)})
				if err != nil {
					t.Fatal(err)
				}
				if s.Gateway() != nil {
					t.Fatal("a gateway without uplink")
				}
				var ids []string
				for _, st := range s.Steps() {
					ids = append(ids, st.ID)
				}
				if got := strings.Join(ids, " "); got != "S0 S2 S2r S3 S3r S2f S2fr" {
					t.Fatalf("steps %s", got)
				}
				var rs []Result
				for _, st := range s.Steps() {
					r, err := s.RunStep(st)
					if err != nil {
						t.Fatal(err)
					}
					rs = append(rs, r)
					if !r.WithinBound() || !r.Reachable || r.Loops > 0 {
						t.Errorf("%s: outage %v (east-west %v), bound %v, reachable %v, loops %d: %s", r.ID, r.Outage, r.EastWest, r.Bound, r.Reachable, r.Loops, r.Worst)
					}
					if r.ID != "S0" && r.ID != "S2r" && r.ID != "S3r" && r.ID != "S2fr" && r.Outage != r.EastWest {
						t.Errorf("%s: outage %v is not the east-west probes' %v", r.ID, r.Outage, r.EastWest)
					}
					for _, sn := range s.nodes {
						if sn.downReason() != "" {
							continue
						}
						if rt, ok := sn.Kernel().Lookup(netip.MustParseAddr("192.0.2.1")); ok {
							t.Errorf("%s: %s has a route off the ring: %+v", r.ID, sn.Name(), rt)
						}
						for j, other := range s.nodes {
							host := netip.AddrFrom4([4]byte{10, 254, 254, byte(j + 1)})
							if other == sn || other.downReason() != "" {
								continue
							}
							if _, ok := sn.Kernel().Lookup(host); !ok {
								t.Errorf("%s: %s has no route to %s's host address %v", r.ID, sn.Name(), other.Name(), host)
							}
						}
					}
				}
				tab := FormatResults(rs)
				if !slices.ContainsFunc(rs, func(r Result) bool { return r.ID == "S3" && r.Outage > 0 }) {
					t.Errorf("the cut lost no east-west probe:\n%s", tab)
				}
				t.Logf("\n%s", tab)
			})
		}
	}
}

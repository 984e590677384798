package ring

import (
	"fmt"
	"net/netip"
	"testing"
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
// interface costs), for every size up to 16 and every edge placement:
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

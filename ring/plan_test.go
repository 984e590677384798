package ring

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// arcCost is the cost of going from node i to node j the given way round,
// summing each node's output cost as OSPF does (§16.1: the cost of a
// path is the sum of the outgoing interface costs).
func arcCost(p Plan, i, j int, d Direction) (cost, hops int) {
	n := len(p.Nodes)
	for k := i; k != j; hops++ {
		if d == East {
			cost += int(p.Nodes[k].EastCost)
			k = (k + 1) % n
		} else {
			cost += int(p.Nodes[k].WestCost)
			k = (k - 1 + n) % n
		}
	}
	return cost, hops
}

func cheaper(p Plan, i, j int) (Direction, int, bool) {
	ce, he := arcCost(p, i, j, East)
	cw, hw := arcCost(p, i, j, West)
	switch {
	case ce < cw:
		return East, he, true
	case cw < ce:
		return West, hw, true
	}
	return Nowhere, 0, false
}

func withEdges(s Spec, m, b int) Spec {
	up := s.Upstream.Prefix.Addr()
	s.Upstream.Edges = [2]Edge{
		{Node: s.Nodes[m].Name, Address: up.Next().Next(), Priority: 150},
		{Node: s.Nodes[b].Name, Address: up.Next().Next().Next(), Priority: 50},
	}
	return s
}

// specsUnderTest: every size with the default edges (first and last),
// and seeded random edge placements.
func specsUnderTest(t *testing.T) []Spec {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 2328))
	var out []Spec
	for n := 3; n <= MaxNodes; n++ {
		out = append(out, paperSpec(n))
		for range 4 {
			m := rng.IntN(n)
			b := (m + 1 + rng.IntN(n-1)) % n
			out = append(out, withEdges(paperSpec(n), m, b))
		}
	}
	return out
}

func TestPlanCosts_DefaultPathIsUniqueAndShortest(t *testing.T) {
	for _, s := range specsUnderTest(t) {
		p, err := PlanCosts(s)
		if err != nil {
			t.Fatal(err)
		}
		n := len(p.Nodes)
		for i, np := range p.Nodes {
			if i == p.Master {
				continue
			}
			d, hops, unique := cheaper(p, i, p.Master)
			if !unique {
				t.Fatalf("N=%d master=%d: node %d has two equal-cost ways to the master edge\n%v", n, p.Master, i, p)
			}
			if d != np.Toward || hops != np.Hops {
				t.Fatalf("N=%d: node %d goes %v (%d hops), plan says %v (%d)", n, i, d, hops, np.Toward, np.Hops)
			}
			east := (p.Master - i + n) % n
			if short := min(east, n-east); hops != short {
				t.Fatalf("N=%d: node %d takes %d hops to the master edge, the short way is %d", n, i, hops, short)
			}
		}
	}
}

func TestPlanCosts_ReturnPathRetracesDefaultPath(t *testing.T) {
	for _, s := range specsUnderTest(t) {
		p, _ := PlanCosts(s)
		for i, np := range p.Nodes {
			if i == p.Master {
				continue
			}
			d, _, unique := cheaper(p, p.Master, i)
			if !unique {
				t.Fatalf("N=%d: the master edge has two equal-cost ways to node %d\n%v", len(p.Nodes), i, p)
			}
			if d == np.Toward {
				t.Fatalf("N=%d: master edge reaches node %d going %v, but the node sends its default the same way round (asymmetric)\n%v", len(p.Nodes), i, d, p)
			}
		}
	}
}

// Test tie: in an even ring the node opposite the master edge avoids the
// backup edge.
func TestPlanCosts_OppositeNodeAvoidsBackupEdge(t *testing.T) {
	for n := 4; n <= 16; n += 2 {
		for b := 1; b < n; b++ {
			p, err := PlanCosts(withEdges(paperSpec(n), 0, b))
			if err != nil {
				t.Fatal(err)
			}
			o := n / 2
			if o == b {
				continue
			}
			k := o
			for k != 0 {
				if k == b {
					t.Fatalf("N=%d backup=%d: opposite node %d goes %v through the backup edge\n%v", n, b, o, p.Nodes[o].Toward, p)
				}
				if p.Nodes[o].Toward == East {
					k = (k + 1) % n
				} else {
					k = (k - 1 + n) % n
				}
			}
		}
	}
}

func TestPlanCosts_BaseCost(t *testing.T) {
	s := paperSpec(6)
	s.BaseCost = 100
	p, err := PlanCosts(s)
	if err != nil {
		t.Fatal(err)
	}
	if p.Low != 100 || p.High != 600 {
		t.Fatalf("Low, High = %d, %d; want 100, 600", p.Low, p.High)
	}
}

func TestPlanCosts_Tables(t *testing.T) {
	want := map[int]string{
		3: `node  role         east cost  west cost  default via  hops
vr1   master edge  10         10         upstream     0
vr2   inner        30         10         west         1
vr3   backup edge  10         30         east         1
`,
		4: `node  role         east cost  west cost  default via  hops
vr1   master edge  10         11         upstream     0
vr2   inner        40         10         west         1
vr3   inner        40         10         west         2
vr4   backup edge  10         40         east         1
`,
	}
	for n, w := range want {
		p, err := PlanCosts(paperSpec(n))
		if err != nil {
			t.Fatal(err)
		}
		if got := p.String(); got != w {
			t.Errorf("N=%d plan:\n%s\nwant:\n%s", n, got, w)
		}
	}
}

func TestPlanCosts_RejectsInvalidSpec(t *testing.T) {
	s := paperSpec(5)
	s.Upstream.VIP = netip.MustParseAddr("203.0.113.1")
	if _, err := PlanCosts(s); err == nil {
		t.Fatal("PlanCosts accepted an invalid spec")
	}
}

func ExamplePlanCosts() {
	s := Spec{
		LinkPool: netip.MustParsePrefix("10.255.0.0/24"),
		Upstream: Upstream{
			Prefix:  netip.MustParsePrefix("192.0.2.0/24"),
			Gateway: netip.MustParseAddr("192.0.2.1"),
			VIP:     netip.MustParseAddr("192.0.2.254"),
		},
	}
	for i := 1; i <= 5; i++ {
		s.Nodes = append(s.Nodes, NodeSpec{
			Name: fmt.Sprintf("vr%d", i),
			LANs: []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("10.%d.0.1/24", i))},
		})
	}
	p, err := PlanCosts(s)
	if err != nil {
		panic(err)
	}
	fmt.Print(p)
	// Output:
	// node  role         east cost  west cost  default via  hops
	// vr1   master edge  10         10         upstream     0
	// vr2   inner        50         10         west         1
	// vr3   inner        50         10         west         2
	// vr4   inner        10         50         east         2
	// vr5   backup edge  10         50         east         1
}

// The plan leaves no equal-cost pair of paths anywhere in the intact ring,
// so no traffic, server to server included, depends on ECMP hashing.
func TestPlanCosts_NoEqualCostPathsAnywhere(t *testing.T) {
	for _, s := range specsUnderTest(t) {
		p, _ := PlanCosts(s)
		n := len(p.Nodes)
		for i := range n {
			for j := range n {
				if i == j {
					continue
				}
				if _, _, unique := cheaper(p, i, j); !unique {
					t.Fatalf("N=%d master=%d backup=%d: %s and %s are joined by two equal-cost paths\n%v",
						n, p.Master, p.Backup, p.Nodes[i].Name, p.Nodes[j].Name, p)
				}
			}
		}
	}
}

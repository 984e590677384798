package lab

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/switchless/routing/internal/ringconf"
	"github.com/switchless/routing/ring"
)

// With the planned costs, every ring link that carries any traffic between
// two nodes carries some east-west pair's probe or its reply, for 3 to 8 nodes with and without uplink, with
// every node's server probing the one two nodes east and at most two
// pairs more per node. A pair whose two ways cost the same (ECMP: the
// kernel hashes it onto either) counts for neither.
func TestEastWestPairs_EveryLinkCrossed(t *testing.T) {
	for n := 3; n <= 8; n++ {
		for _, spec := range []ring.Spec{ring.PaperSpec(n, ring.ProfileFast), MeshSpec(n, ring.ProfileFast)} {
			plan, err := ring.PlanCosts(spec)
			if err != nil {
				t.Fatal(err)
			}
			pairs := EastWestPairs(plan)
			if len(pairs) < n || len(pairs) > 2*n {
				t.Fatalf("n=%d: %d pairs, want %d to %d", n, len(pairs), n, 2*n)
			}
			for i := range n {
				if pairs[i] != [2]int{i, (i + 2) % n} {
					t.Errorf("n=%d: pair %d is %v, want the server two nodes east", n, i, pairs[i])
				}
			}
			t.Logf("n=%d, uplink %v: pairs %v", n, spec.Upstream.Prefix.IsValid(), pairs)
			crossed := make([]bool, n) // link i: between node i and i+1
			way := func(a, b int) {
				var east, west int
				for i := a; i != b; i = (i + 1) % n {
					east += int(plan.Nodes[i].EastCost)
				}
				for i := a; i != b; i = (i - 1 + n) % n {
					west += int(plan.Nodes[i].WestCost)
				}
				switch {
				case east < west:
					for i := a; i != b; i = (i + 1) % n {
						crossed[i] = true
					}
				case west < east:
					for i := a; i != b; i = (i - 1 + n) % n {
						crossed[(i-1+n)%n] = true
					}
				}
			}
			for _, p := range pairs {
				if p[0] == p[1] {
					t.Fatalf("n=%d: pair %v to itself", n, p)
				}
				way(p[0], p[1]) // the probe
				way(p[1], p[0]) // its reply
			}
			used := make([]bool, n) // by any traffic between two nodes
			for a := range n {
				for b := range n {
					if a != b {
						for _, l := range plannedLinks(plan, a, b) {
							used[l] = true
						}
					}
				}
			}
			for i, c := range crossed {
				if !c && used[i] {
					t.Errorf("n=%d, uplink %v: no east-west probe crosses link %s-%s (plan %v)", n, spec.Upstream.Prefix.IsValid(),
						spec.Nodes[i].Name, spec.Nodes[(i+1)%n].Name, plan)
				}
			}
		}
	}
}

// The ringsim configuration next to the lab is the lab's mesh, so that
// the README's simulated and measured tables are of one ring.
func TestMeshSpec_MatchesRingsimConfig(t *testing.T) {
	c, err := ringconf.Load(filepath.Join("..", "testdata", "mesh3.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := MeshSpec(3, ring.ProfileFast)
	if err := want.Validate(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Ring, want) {
		t.Errorf("testdata/mesh3.yaml:\n%+v\nlab.MeshSpec(3, fast):\n%+v", c.Ring, want)
	}
	if _, err := os.Stat(filepath.Join("..", "testdata", "mesh3.yaml")); err != nil {
		t.Fatal(err)
	}
}

// Without uplink the limits have no Master_Down_Interval in them, and the
// legend no VRRP or keepalived.
func TestLimits_NoUplink(t *testing.T) {
	with, err := Limits(ring.PaperSpec(3, ring.ProfileFast))
	if err != nil {
		t.Fatal(err)
	}
	without, err := Limits(MeshSpec(3, ring.ProfileFast))
	if err != nil {
		t.Fatal(err)
	}
	if without["S0"].Limit >= with["S0"].Limit {
		t.Errorf("S0 without uplink %v (%s), with %v", without["S0"].Limit, without["S0"].Why, with["S0"].Limit)
	}
	for _, s := range []Stack{Ours, FRR} {
		got := SettingsNoUplink(s, ring.ProfileFast)
		if !strings.Contains(got, "no uplink") || strings.Contains(got, "VRRPv") {
			t.Errorf("SettingsNoUplink(%v) = %q", s, got)
		}
	}
}

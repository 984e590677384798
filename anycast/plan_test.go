package anycast

import (
	"errors"
	"slices"
	"testing"
)

// Paper §4.1: two campuses one hop apart, server A on campus 1 and B on
// campus 2. Failover: MA=1, MB=3, both campuses reach A. Load balancing:
// MA=MB=1, each campus reaches its own server.
func TestPlanPaperTwoCampuses(t *testing.T) {
	reps := []Replica{{Name: "A", Site: "tsushima"}, {Name: "B", Site: "shikata"}}
	sites := []string{"tsushima", "shikata"}
	dist := [][]uint32{{0, 1}, {1, 0}}
	fo, err := Plan(reps, sites, dist, PlanFailover)
	if err != nil {
		t.Fatal(err)
	}
	if fo.Metrics["A"] != 1 || fo.Metrics["B"] != 3 {
		t.Fatalf("failover metrics %v, want A=1 B=3", fo.Metrics)
	}
	for _, s := range sites {
		if !slices.Equal(fo.Choice[s], []string{"A"}) {
			t.Fatalf("failover: %s reaches %v, want A", s, fo.Choice[s])
		}
	}
	// With A gone, both reach B: its plan alone.
	lb, err := Plan(reps, sites, dist, PlanLoadBalance)
	if err != nil {
		t.Fatal(err)
	}
	if lb.Metrics["A"] != 1 || lb.Metrics["B"] != 1 {
		t.Fatalf("load balancing metrics %v", lb.Metrics)
	}
	if !slices.Equal(lb.Choice["tsushima"], []string{"A"}) || !slices.Equal(lb.Choice["shikata"], []string{"B"}) {
		t.Fatalf("load balancing choice %v", lb.Choice)
	}
}

// Three sites in a line, failover order C, A, B: every site keeps the
// order whatever its distances.
func TestPlanFailoverOrderHoldsEverywhere(t *testing.T) {
	reps := []Replica{{Name: "C", Site: "s3"}, {Name: "A", Site: "s1"}, {Name: "B", Site: "s2"}}
	sites := []string{"s1", "s2", "s3"}
	dist := [][]uint32{{0, 1, 2}, {1, 0, 1}, {2, 1, 0}}
	p, err := Plan(reps, sites, dist, PlanFailover)
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; k+1 < len(reps); k++ {
		for s := range sites {
			a := p.Metrics[reps[k].Name] + dist[s][slices.Index(sites, reps[k].Site)]
			b := p.Metrics[reps[k+1].Name] + dist[s][slices.Index(sites, reps[k+1].Site)]
			if a >= b {
				t.Fatalf("site %s prefers %s (%d) to %s (%d) only weakly: %v", sites[s], reps[k].Name, a, reps[k+1].Name, b, p.Metrics)
			}
		}
	}
	for _, s := range sites {
		if !slices.Equal(p.Choice[s], []string{"C"}) {
			t.Fatalf("%s reaches %v", s, p.Choice[s])
		}
	}
}

func TestPlanErrors(t *testing.T) {
	if _, err := Plan([]Replica{{Name: "A", Site: "x"}}, []string{"s"}, [][]uint32{{0}}, PlanFailover); !errors.Is(err, ErrInvalidConfig) {
		t.Fatal(err)
	}
	if _, err := Plan([]Replica{{Name: "A", Site: "s"}}, []string{"s"}, [][]uint32{{1}}, PlanFailover); !errors.Is(err, ErrInvalidConfig) {
		t.Fatal(err)
	}
}

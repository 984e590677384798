package ring

import (
	"fmt"
	"testing"
)

// TestSim_Growth_S6 (issue 15's growth, the source paper's Figure 14):
// for N = 3…8 and both profiles, a settled ring of N nodes gains a node
// between its last and its first, as Growth's procedure says: unplug
// (S6u), reload every node (S6h), cable in and start (S6). Traffic whose
// path crossed neither re-cabled interface loses nothing in any step;
// the traffic that did is bounded by a link cut's bound; no probe loops;
// every server, the new node's included, is reachable after each step;
// and the grown ring then survives its own S2 and S3 (its plan is the
// N+1 plan, its link list the grown one).
func TestSim_Growth_S6(t *testing.T) {
	for _, p := range []Profile{ProfileFast, ProfileRFC} {
		for n := 3; n <= 8; n++ {
			if testing.Short() && n != 5 {
				continue
			}
			t.Run(fmt.Sprintf("%v/%d", p, n), func(t *testing.T) {
				t.Parallel()
				old, next := grownSpecs(n, p)
				s, err := NewSim(SimConfig{Spec: old, Seed: int64(n), EastWest: true})
				if err != nil {
					t.Fatal(err)
				}
				s0, err := s.RunStep(s.Steps()[0])
				if err != nil || !s0.Reachable {
					t.Fatalf("cold start: %+v %v", s0, err)
				}
				g, steps, err := s.GrowthSteps(next)
				if err != nil {
					t.Fatal(err)
				}
				res, err := s.Run(steps...)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range res {
					if !r.Reachable {
						t.Errorf("%s: unreachable at the end: %v", r.ID, s.Unreachable())
					}
					if r.Bystanders != 0 {
						t.Errorf("%s: traffic not crossing %s-%s lost %v (%s)", r.ID, g.West, g.East, r.Bystanders, r.BystandersWorst)
					}
					if r.Loops != 0 {
						t.Errorf("%s: %d probes looped", r.ID, r.Loops)
					}
					if !r.WithinBound() {
						t.Errorf("%s: outage %v, east-west %v over bound %v (%s)", r.ID, r.Outage, r.EastWest, r.Bound, r.Why)
					}
				}
				if len(s.Nodes()) != n+1 || s.Plan().Nodes[n].Name != g.Node {
					t.Fatalf("after growth: %d nodes, plan %v", len(s.Nodes()), s.Plan())
				}
				if tr := s.Trace(s.Servers()[0], s.Node(g.Node).Config().Interfaces[0].Prefix.Addr()); !tr.OK() {
					t.Errorf("a server cannot reach %s: %v", g.Node, tr)
				}
				// The grown ring's own scenarios: S2 and S3 on N+1.
				var more []Step
				for _, st := range s.Steps() {
					if st.ID == "S3" || st.ID == "S3r" {
						more = append(more, st)
					}
				}
				after, err := s.Run(more...)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range after {
					if !r.Reachable || !r.WithinBound() {
						t.Errorf("grown ring %s: reachable %v, outage %v bound %v", r.ID, r.Reachable, r.Outage, r.Bound)
					}
				}
				t.Logf("\n%s\n%s", FormatResults(append([]Result{s0}, append(res, after...)...)), s.Plan())
			})
		}
	}
}

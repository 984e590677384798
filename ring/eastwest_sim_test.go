package ring

import (
	"fmt"
	"strings"
	"testing"
)

// TestSim_EastWest (issue 15): with SimConfig.EastWest rings of 4 to 8
// nodes are also probed between every two servers on different nodes
// (N(N-1)/2 pairs), the storage traffic of a switchless cluster. Every scenario's
// east-west outage stays within the step's bound; an inner node dying
// (S2) or a ring link cut (S3) does cost the pairs whose path crossed it
// a measurable outage (so the probes measure something), and the pairs
// whose path did not are never lost. The table shows the column.
func TestSim_EastWest(t *testing.T) {
	for _, prof := range []Profile{ProfileFast, ProfileRFC} {
		for n := 4; n <= 8; n++ {
			t.Run(fmt.Sprintf("%v/N=%d", prof, n), func(t *testing.T) {
				t.Parallel()
				spec := paperSpec(n)
				spec.Profile = prof
				s, err := NewSim(SimConfig{Spec: spec, Seed: int64(n), EastWest: true})
				if err != nil {
					t.Fatal(err)
				}
				var rs []Result
				for _, st := range s.Steps() {
					runs0 := len(s.FailureRuns())
					r, err := s.RunStep(st)
					if err != nil {
						t.Fatal(err)
					}
					rs = append(rs, r)
					if !r.EastWestProbed {
						t.Fatalf("%s: no east-west probes", r.ID)
					}
					if r.EastWest > r.Bound {
						t.Errorf("%s: east-west outage %v over the bound %v (%s)", r.ID, r.EastWest, r.Bound, r.EastWestWorst)
					}
					if !r.Reachable {
						t.Errorf("%s: unreachable at the end: %v", r.ID, s.Unreachable())
					}
					lost := map[string]bool{}
					for _, run := range s.FailureRuns()[runs0:] {
						if run.EastWest {
							lost[run.Server] = true
						}
					}
					switch r.ID {
					case "S2", "S3":
						if r.EastWest == 0 {
							t.Errorf("%s: no east-west probe lost, yet paths crossed the fault", r.ID)
						}
						if len(lost) == n*(n-1)/2 {
							t.Errorf("%s: every pair lost probes, also those whose path did not cross the fault", r.ID)
						}
					}
					t.Logf("%s %-36s outage %-8v east-west %-8v bound %v; pairs lost: %d %s", r.ID, r.Name, r.Outage, r.EastWest, r.Bound, len(lost), r.EastWestWorst)
				}
				if tab := FormatResults(rs); !strings.Contains(tab, "east-west") {
					t.Errorf("the table has no east-west column:\n%s", tab)
				}
			})
		}
	}
}

package ring

import (
	"fmt"
	"slices"
	"testing"

	"github.com/switchless/routing/fib"
)

// chainServers returns the servers of the nodes whose index keep
// accepts, sorted.
func chainServers(s Spec, keep func(i int) bool) []string {
	var out []string
	for i, nd := range s.Nodes {
		if keep(i) {
			for k := range nd.LANs {
				out = append(out, ServerName(nd.Name, k))
			}
		}
	}
	slices.Sort(out)
	return out
}

// runChain runs the standard chain steps of spec and checks what
// TopologyChain promises: the servers beyond the fault (seen from the
// edge at index edge) are cut off and said to be, the others lose no
// probe at all, and after each repair every server is reachable again.
func runChain(t *testing.T, spec Spec, edge int, eastWest bool) {
	t.Helper()
	sim, err := NewSim(SimConfig{Spec: spec, Seed: int64(len(spec.Nodes)), EastWest: eastWest})
	if err != nil {
		t.Fatal(err)
	}
	steps := sim.Steps()
	if ids := stepIDs(steps); !slices.Equal(ids, []string{"S0", "S2", "S2r", "S3", "S3r"}) {
		t.Fatalf("steps %v", ids)
	}
	n := len(spec.Nodes)
	// The victim: the edge's neighbour on the longer arm (east on a
	// tie), and beyond it the rest of that arm.
	victim, east := edge+1, true
	if n-1-edge < edge {
		victim, east = edge-1, false
	}
	past := func(self bool) func(int) bool {
		return func(i int) bool {
			if east {
				return i > victim || self && i == victim
			}
			return i < victim || self && i == victim
		}
	}
	victimName := spec.Nodes[victim].Name
	// The targets a fault strands: the servers cut off, and with
	// east-west probes every pair with one end cut off and the other on
	// the edge's side (the victim's own servers are down, not probed).
	stranded := func(self bool) []string {
		cut := chainServers(spec, past(self))
		out := slices.Clone(cut)
		if !eastWest {
			return out
		}
		if sim.Gateway() == nil {
			out = nil // no uplink: east-west probes only
		}
		for _, a := range sim.Servers() {
			for _, b := range sim.Servers() {
				if a.Node >= b.Node || a.Node == victimName && !self || b.Node == victimName && !self {
					continue
				}
				if slices.Contains(cut, a.Name) != slices.Contains(cut, b.Name) {
					out = append(out, EastWestTarget(a.Name, b.Name))
				}
			}
		}
		slices.Sort(out)
		return out
	}
	want := map[string][]string{"S0": nil, "S2": stranded(false), "S2r": nil, "S3": stranded(true), "S3r": nil}
	for _, st := range steps {
		runs0 := len(sim.FailureRuns())
		r, err := sim.RunStep(st)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s %s: outage %v (bound %v), cut off %v, converged %v", r.ID, r.Name, r.Outage, r.Bound, r.CutOff, r.Converged)
		if !slices.Equal(r.CutOff, want[r.ID]) {
			t.Errorf("%s: cut off %v, want %v", r.ID, r.CutOff, want[r.ID])
		}
		if !r.Reachable || !r.WithinBound() || r.Loops != 0 {
			t.Errorf("%s: reachable %v, outage %v (bound %v), %d loops", r.ID, r.Reachable, r.Outage, r.Bound, r.Loops)
		}
		if r.ID != "S0" && (r.Outage != 0 || r.Lost != 0) {
			t.Errorf("%s: outage %v, lost %v for the servers the fault does not strand, want 0 (%s)", r.ID, r.Outage, r.Lost, r.Worst)
		}
		// Independently of Result: no server outside the cut-off set
		// and off the victim failed a single probe.
		for _, run := range sim.FailureRuns()[runs0:] {
			if r.ID == "S0" || slices.Contains(want[r.ID], run.Server) || slices.Contains(chainServers(spec, func(i int) bool { return spec.Nodes[i].Name == victimName }), run.Server) {
				continue
			}
			t.Errorf("%s: %s failed %d probes from %v: %s", r.ID, run.Server, run.Probes, run.From, run.Reason)
		}
		if r.ID == "S0" || r.ID[len(r.ID)-1] == 'r' {
			if u := sim.Unreachable(); len(u) != 0 || !sim.AllReachable() {
				t.Errorf("%s: after the repair unreachable %v", r.ID, u)
			}
		}
	}
}

func stepIDs(steps []Step) []string {
	var ids []string
	for _, st := range steps {
		ids = append(ids, st.ID)
	}
	return ids
}

// TestChain_StrandsOnlyBeyondTheFault: in the paper's non-redundant
// chain of 2 … 8 nodes (edge vr1), S2 and S3 cut off exactly the servers
// beyond the fault, the others lose nothing, and the repairs bring every
// server back.
func TestChain_StrandsOnlyBeyondTheFault(t *testing.T) {
	for n := 2; n <= 8; n++ {
		t.Run(fmt.Sprintf("N=%d", n), func(t *testing.T) {
			t.Parallel()
			runChain(t, PaperChain(n, ProfileRFC), 0, false)
		})
	}
}

// TestChain_NoUplink: a chain of 4 without an upstream LAN (its nodes
// reach each other and nobody else) has no default anywhere; the faults
// cut off exactly the pairs they separate, seen from vr1.
func TestChain_NoUplink(t *testing.T) {
	s := PaperChain(4, ProfileRFC)
	s.Upstream = Upstream{}
	cs, err := s.BuildAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Role != Inner || len(c.Static) != 0 || slices.ContainsFunc(c.Routes, func(r fib.Route) bool { return r.Prefix.Bits() == 0 }) {
			t.Errorf("%s: role %v, static %v, routes %v", c.Name, c.Role, c.Static, c.Routes)
		}
	}
	runChain(t, s, 0, true)
}

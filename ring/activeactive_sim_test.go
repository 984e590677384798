package ring

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/switchless/routing/vrrp"
)

// aaPlacements are the edge placements simulated for a ring of n: the
// default (first and last node), the same swapped (the last node the
// master edge), and, from 4 nodes, two edges apart (node 1 and the node
// opposite).
func aaPlacements(n int) [][2]int {
	out := [][2]int{{0, n - 1}, {n - 1, 0}}
	if n >= 4 {
		out = append(out, [2]int{1, (1 + n/2) % n})
	}
	return out
}

// groupMasters returns which node is VRRP Master of each group.
func groupMasters(s *Sim) [2][]string {
	var out [2][]string
	for _, sn := range s.nodes {
		if sn.inc == nil {
			continue
		}
		for g, r := range sn.Node().VRRPRouters() {
			if r.State() == vrrp.Master {
				out[g] = append(out[g], sn.Name())
			}
		}
	}
	return out
}

// checkActiveActivePaths traces, in the intact ring, the gateway's way to
// every server and the server's way back (RFC 2328 §16.4 step 6 decides
// between the two type-2 defaults of one metric by the distance to the
// edge): the server's traffic leaves through its LAN's exit edge, the
// gateway's enters there (the VIP of that edge's group), the two retrace
// each other, and no route anywhere has two next hops.
func checkActiveActivePaths(t *testing.T, s *Sim, where string) {
	t.Helper()
	p := s.Plan()
	edge := map[int]string{1: p.Nodes[p.Master].Name, 2: p.Nodes[p.Backup].Name}
	for _, sn := range s.nodes {
		for _, r := range sn.Kernel().Routes() {
			if a := s.r.spec.Anycast; a != nil && r.Prefix.Addr() == a.VIP {
				continue // two replicas at one distance: anycast's own ECMP
			}
			if len(r.NextHops) > 1 {
				t.Errorf("%s: %s has an equal-cost route %v", where, sn.Name(), r)
			}
		}
	}
	if m := groupMasters(s); !slices.Equal(m[0], []string{edge[1]}) || !slices.Equal(m[1], []string{edge[2]}) {
		t.Errorf("%s: masters %v, want group 1 on %s, group 2 on %s", where, m, edge[1], edge[2])
	}
	for _, srv := range s.Servers() {
		np := p.Nodes[s.r.byName[srv.Node]]
		in := s.Trace(s.Gateway(), srv.Addr)
		out := s.Trace(srv, s.Gateway().Addr)
		if !in.OK() || !out.OK() {
			t.Errorf("%s: %s: in %v, out %v", where, srv.Name, in, out)
			continue
		}
		ip, op := in.Path(), out.Path()
		ringIn, ringOut := ip[1:len(ip)-1], op[1:len(op)-1]
		if got := ringOut[len(ringOut)-1]; got != edge[np.Group] {
			t.Errorf("%s: %s leaves by %s, the plan says %s (group %d): %v", where, srv.Name, got, edge[np.Group], np.Group, out)
		}
		if len(ringOut)-1 != np.Hops {
			t.Errorf("%s: %s leaves in %d hops, the plan says %d: %v", where, srv.Name, len(ringOut)-1, np.Hops, out)
		}
		slices.Reverse(ringIn)
		if !slices.Equal(ringIn, ringOut) {
			t.Errorf("%s: %s: the return path does not retrace the forward one:\n  out %v\n  in  %v", where, srv.Name, out, in)
		}
	}
}

// TestSim_ActiveActive_PathsRetrace (issue 15, active-active edges): for
// N = 3…8 and several edge placements, after the cold start of the
// simulated ring, group 1's master is the master edge and group 2's the
// backup edge, every server's traffic exits through its nearer edge and
// comes back the same way, with no ECMP anywhere (checkActiveActivePaths).
func TestSim_ActiveActive_PathsRetrace(t *testing.T) {
	for n := 3; n <= 8; n++ {
		for _, pl := range aaPlacements(n) {
			t.Run(fmt.Sprintf("N=%d/edges=%d,%d", n, pl[0], pl[1]), func(t *testing.T) {
				t.Parallel()
				spec := activeActive(withEdges(PaperSpec(n, ProfileFast), pl[0], pl[1]))
				s, err := NewSim(SimConfig{Spec: spec, Seed: int64(n)})
				if err != nil {
					t.Fatal(err)
				}
				r, err := s.RunStep(s.Steps()[0])
				if err != nil {
					t.Fatal(err)
				}
				if !r.Reachable {
					t.Fatalf("S0: unreachable %v", s.Unreachable())
				}
				checkActiveActivePaths(t, s, "S0")
			})
		}
	}
}

// TestSim_ActiveActive_EdgeFailure (issue 15): the 5-node paper ring in
// both modes and both profiles through S0, S1 (the master edge dies),
// S4 (it returns), S1b (the other edge dies) and S4b (it returns); every
// step within its bound, every server reachable at its end; in the
// active-active ring the surviving edge holds both groups after S1 and
// S1b, and each edge its own again after S4 and S4b, with the paths of
// the plan. The table is the README's.
func TestSim_ActiveActive_EdgeFailure(t *testing.T) {
	var table strings.Builder
	fmt.Fprintf(&table, "%-6s %-14s %-5s %-10s %-10s\n", "prof", "mode", "step", "outage", "bound")
	for _, prof := range []Profile{ProfileFast, ProfileRFC} {
		for _, aa := range []bool{false, true} {
			spec := PaperSpec(5, prof)
			mode := "single group"
			if aa {
				spec, mode = activeActive(spec), "active-active"
			}
			s, err := NewSim(SimConfig{Spec: spec, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			steps := s.Steps()
			var run []Step
			for _, id := range []string{"S0", "S1", "S4"} {
				run = append(run, steps[slices.IndexFunc(steps, func(st Step) bool { return st.ID == id })])
			}
			run = append(run, s.OtherEdgeSteps()...)
			if aa && !slices.ContainsFunc(steps, func(st Step) bool { return st.ID == "S1b" }) {
				t.Error("active-active Steps leave out S1b")
			}
			if !aa && slices.ContainsFunc(steps, func(st Step) bool { return st.ID == "S1b" }) {
				t.Error("single-group Steps have S1b")
			}
			for _, st := range run {
				r, err := s.RunStep(st)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&table, "%-6v %-14s %-5s %-10v %-10v\n", prof, mode, r.ID, r.Outage, r.Bound)
				where := fmt.Sprintf("%v %s %s", prof, mode, r.ID)
				if !r.Reachable {
					t.Errorf("%s: unreachable %v", where, s.Unreachable())
				}
				if r.Outage > r.Bound {
					t.Errorf("%s: outage %v over the bound %v (%s)", where, r.Outage, r.Bound, r.Worst)
				}
				if r.Loops > 0 {
					t.Errorf("%s: %d probes lost in loops", where, r.Loops)
				}
				if !aa {
					continue
				}
				m := groupMasters(s)
				switch r.ID {
				case "S1":
					if !slices.Equal(m[0], []string{"vr5"}) || !slices.Equal(m[1], []string{"vr5"}) {
						t.Errorf("%s: masters %v, want vr5 for both groups", where, m)
					}
				case "S1b":
					if !slices.Equal(m[0], []string{"vr1"}) || !slices.Equal(m[1], []string{"vr1"}) {
						t.Errorf("%s: masters %v, want vr1 for both groups", where, m)
					}
				case "S0", "S4", "S4b":
					checkActiveActivePaths(t, s, where)
				}
			}
		}
	}
	t.Logf("go test -run TestSim_ActiveActive_EdgeFailure ./ring/ (N=5, seed 1):\n%s", table.String())
}

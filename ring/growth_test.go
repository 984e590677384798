package ring

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func grownSpecs(n int, p Profile) (old, next Spec) { return PaperGrowth(n, p) }

// TestPlanGrowth: inserting vr6 between vr5 and vr1 re-cables link 4
// only, keeps every other link's subnet and addresses, and re-addresses
// vr1's west interface (link 4's /31 stays with vr5–vr6, vr6–vr1 takes
// the next one of the pool).
func TestPlanGrowth(t *testing.T) {
	old, next := grownSpecs(5, ProfileFast)
	g, err := PlanGrowth(old, next)
	if err != nil {
		t.Fatal(err)
	}
	if g.Node != "vr6" || g.Index != 5 || g.West != "vr5" || g.East != "vr1" || g.Unplugged != 4 {
		t.Errorf("growth %+v, want vr6 at 5 between vr5 and vr1, link 4 unplugged", g)
	}
	if !slices.Equal(g.Readdressed, []string{"vr1/west"}) {
		t.Errorf("readdressed %v, want [vr1/west]", g.Readdressed)
	}
	proc := g.Procedure()
	for _, want := range []string{"Unplug the cable vr5/east – vr1/west", "vr1/west becomes 10.255.0.11/31", "start vr6", "route 10.6.0.0/24 to 192.0.2.254"} {
		if !strings.Contains(proc, want) {
			t.Errorf("procedure lacks %q:\n%s", want, proc)
		}
	}
	// With the links listed, a node can go anywhere: vr6 between vr2 and
	// vr3, the links around it new, the others as they were.
	r, _ := old.resolve()
	mid := old
	mid.Links = slices.Clone(r.links)
	mid.LinkPool = netip.Prefix{}
	nx := mid
	nx.Nodes = slices.Insert(slices.Clone(old.Nodes), 2, next.Nodes[5])
	nx.Links = slices.Insert(slices.Clone(mid.Links), 2, netip.MustParsePrefix("10.255.1.0/31"))
	g, err = PlanGrowth(mid, nx)
	if err != nil {
		t.Fatal(err)
	}
	if g.West != "vr2" || g.East != "vr3" || g.Unplugged != 1 || !slices.Equal(g.Readdressed, []string{"vr3/west"}) {
		t.Errorf("mid growth %+v", g)
	}
}

// TestPlanGrowth_BadInput: the growth steps the issue names are refused
// with the field and the reason, and nothing else passes for a growth.
func TestPlanGrowth_BadInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(old, next *Spec)
		field string
		why   string
	}{
		{"no new node", func(o, nx *Spec) { nx.Nodes = o.Nodes }, "Nodes", "adds exactly one node"},
		{"two new nodes", func(o, nx *Spec) {
			nx.Nodes = append(nx.Nodes, NodeSpec{Name: "vr7", LANs: []netip.Prefix{netip.MustParsePrefix("10.7.0.1/24")}})
		}, "Nodes", "adds exactly one node"},
		{"order changed", func(o, nx *Spec) { nx.Nodes[1], nx.Nodes[2] = nx.Nodes[2], nx.Nodes[1] }, "Nodes", "leaves a node with one link"},
		{"new links overlap", func(o, nx *Spec) {
			nx.Nodes[5].LANs = []netip.Prefix{netip.MustParsePrefix("10.255.0.4/31")}
		}, "LANs", "overlaps"},
		{"one host address twice", func(o, nx *Spec) {
			nx.Nodes[5].LANs = []netip.Prefix{netip.MustParsePrefix("10.3.0.1/32")}
		}, "LANs", "overlaps"},
		{"lans change too", func(o, nx *Spec) {
			nx.Nodes[2].LANs = []netip.Prefix{netip.MustParsePrefix("10.33.0.1/24")}
		}, "Nodes[2]", "changes only the ring"},
		{"profile too", func(o, nx *Spec) { nx.Profile = ProfileRFC }, "Profile", "changes only Nodes and Links"},
		{"default edges move", func(o, nx *Spec) { o.Upstream.Edges = [2]Edge{}; nx.Upstream.Edges = [2]Edge{} }, "Upstream.Edges", "name the edges"},
		{"renumbered pool", func(o, nx *Spec) {
			nx.Nodes = slices.Insert(slices.Clone(o.Nodes), 2, nx.Nodes[5])
		}, "LinkPool", "renumbers the links after it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old, next := grownSpecs(5, ProfileFast)
			tc.edit(&old, &next)
			_, err := PlanGrowth(old, next)
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), tc.why) {
				t.Errorf("PlanGrowth = %v, want ErrInvalidConfig naming %q and %q", err, tc.field, tc.why)
			}
		})
	}
}

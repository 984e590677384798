package ring

import (
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
)

// Growth is one step of growing a running ring (the source paper's
// 拡張性, its Figure 14): the ring of Old gains the node Node, cabled in
// between West and East, two nodes that are neighbours in Old. The cable
// between them (Old's link Unplugged) is pulled; West's east interface
// is cabled to Node's west interface and Node's east interface to East's
// west interface. Every other link keeps its cable, its subnet and its
// addresses, so the re-cabled link is the only path that changes hands.
//
// A /31 or /30 holds two hosts, and three interfaces now share what one
// link was: at least one of West's east and East's west interfaces is
// re-addressed (Readdressed), which a reload does in place only while its
// cable is out (Node.Reconfigure). The operator's procedure (Procedure)
// is therefore:
//
//  1. Check the new spec against the running one (PlanGrowth; `ringd
//     check -from old.yaml new.yaml`) and simulate it (`ringsim -config
//     new.yaml -grow-from old.yaml`).
//  2. Unplug the cable West–East. The ring is now a chain: the traffic
//     that crossed that link goes the other way round (scenario S3's
//     outage); nothing else moves.
//  3. Reload every running node with the new spec (SIGHUP). Each takes
//     the cost plan for N+1 nodes; on a chain every path is unique
//     whatever the costs, so no traffic moves; the unplugged interfaces
//     take their new addresses.
//  4. Cable West–Node and Node–East and start Node with the new spec. It
//     advertises itself as a stub router (RFC 6987) until its routes are
//     in its FIB, so nothing is routed through it before it can forward;
//     then the traffic for which the new link is shorter moves onto it,
//     make-before-break.
type Growth struct {
	Old, New Spec
	// Node is the inserted node, at New.Nodes[Index].
	Node  string
	Index int
	// West and East are Node's neighbours in New: West's east interface
	// and East's west interface are the ones re-cabled.
	West, East string
	// Unplugged is the index in Old of the link West–East.
	Unplugged int
	// Readdressed lists the interfaces of running nodes whose address
	// changes, as "node/interface" (at least one of West/east and
	// East/west).
	Readdressed []string
}

// PlanGrowth checks that next is old grown by one node and returns the
// step. Both specs must be valid. Rejected, naming the field and the
// reason (ErrInvalidConfig): anything but exactly one new node; another
// order of the existing nodes (which would re-cable more than one link
// and leave a node with one link while the others run); a change to an
// existing node's LANs or router ID, to the upstream, profile, costs,
// authentication or anycast settings (each its own reload); an existing
// node changing role (upstream.edges left to their defaults make the last
// node the backup edge, so inserting a node last moves it: name the
// edges); the new node as an edge; and a link other than West–East whose
// subnet or addresses change (numbered from link_pool, inserting a node
// anywhere but last renumbers the links after it: list them in links,
// or insert the node between the last and the first). A new node whose
// links overlap existing links or LANs, or whose host address another
// node has, is refused by next's own validation.
func PlanGrowth(old, next Spec) (Growth, error) {
	ro, err := old.resolve()
	if err != nil {
		return Growth{}, fmt.Errorf("running spec: %w", err)
	}
	rn, err := next.resolve()
	if err != nil {
		return Growth{}, err
	}
	if old.Topology != TopologyRing || next.Topology != TopologyRing {
		return Growth{}, specErr("Topology", "a growth step cables a node into a ring; a chain grows by adding its last link and node")
	}
	n := len(old.Nodes)
	if len(next.Nodes) != n+1 {
		return Growth{}, specErr("Nodes", "a growth step adds exactly one node: %d nodes → %d", n, len(next.Nodes))
	}
	g := Growth{Old: old, New: next, Index: -1}
	for i, nd := range next.Nodes {
		if _, ok := ro.byName[nd.Name]; !ok {
			if g.Index >= 0 {
				return Growth{}, specErr(fmt.Sprintf("Nodes[%d]", i), "%s is a second new node (%s is the first): add one node per step", nd.Name, g.Node)
			}
			g.Node, g.Index = nd.Name, i
		}
	}
	if g.Index < 0 {
		return Growth{}, specErr("Nodes", "no new node: every node of the new spec runs already")
	}
	rest := slices.Delete(slices.Clone(next.Nodes), g.Index, g.Index+1)
	for i := range n {
		if rest[i].Name != old.Nodes[i].Name {
			return Growth{}, specErr("Nodes", "the running nodes must keep their order (%s is where %s was): "+
				"another order re-cables more than one link and leaves a node with one link while the ring runs; "+
				"insert %s between two neighbours", rest[i].Name, old.Nodes[i].Name, g.Node)
		}
		if !reflect.DeepEqual(rest[i], old.Nodes[i]) {
			return Growth{}, specErr(fmt.Sprintf("Nodes[%d]", rn.byName[rest[i].Name]),
				"%s's LANs or router ID change: a growth step changes only the ring; reload that change in a step of its own", rest[i].Name)
		}
	}
	if f := otherFieldChanged(old, next); f != "" {
		return Growth{}, specErr(f, "changes with the growth step: a growth step changes only Nodes and Links; reload that change in a step of its own")
	}
	np := len(next.Nodes)
	g.West = next.Nodes[(g.Index-1+np)%np].Name
	g.East = next.Nodes[(g.Index+1)%np].Name
	g.Unplugged = ro.byName[g.West] // old link i joins node i (east) and i+1 (west)
	po, pn := ro.plan(), rn.plan()
	for i := range n {
		j := rn.byName[old.Nodes[i].Name]
		if po.Nodes[i].Role != pn.Nodes[j].Role {
			why := ""
			if next.Upstream.Edges == [2]Edge{} {
				why = " (Upstream.Edges left to their defaults make the first node the master edge and the last the backup edge: name the edges)"
			}
			return Growth{}, specErr("Upstream.Edges", "%s would change from %v to %v%s", old.Nodes[i].Name, po.Nodes[i].Role, pn.Nodes[j].Role, why)
		}
	}
	if pn.Nodes[g.Index].Role != Inner {
		return Growth{}, specErr("Upstream.Edges", "the new node %s would be the %v: cable a new node in as an inner node, then move the edge", g.Node, pn.Nodes[g.Index].Role)
	}
	field := "LinkPool"
	if len(next.Links) > 0 {
		field = "Links"
	}
	for i := range n {
		if i == g.Unplugged {
			continue
		}
		a, b := old.Nodes[i].Name, old.Nodes[(i+1)%n].Name
		j := rn.byName[a] // a's east link in next, to b (the order is kept)
		if ro.links[i] != rn.links[j] || ro.east[i] != rn.east[j] || ro.west[(i+1)%n] != rn.west[(j+1)%np] {
			hint := ""
			if field == "LinkPool" {
				hint = fmt.Sprintf(": numbered from LinkPool, inserting %s at position %d renumbers the links after it; list the links (Links) keeping theirs, or insert it between the last and the first node", g.Node, g.Index+1)
			}
			return Growth{}, specErr(field, "link %s–%s would move from %v to %v, which re-addresses a running link%s", a, b, ro.links[i], rn.links[j], hint)
		}
	}
	w, e := rn.byName[g.West], rn.byName[g.East]
	if ro.east[g.Unplugged] != rn.east[w] {
		g.Readdressed = append(g.Readdressed, g.West+"/"+IfEast)
	}
	if ro.west[(g.Unplugged+1)%n] != rn.west[e] {
		g.Readdressed = append(g.Readdressed, g.East+"/"+IfWest)
	}
	return g, nil
}

// otherFieldChanged names a field of Spec, besides Nodes, Links and
// LinkPool, that differs between a and b, or "".
func otherFieldChanged(a, b Spec) string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	t := va.Type()
	for i := range t.NumField() {
		switch name := t.Field(i).Name; name {
		case "Nodes", "Links", "LinkPool":
		default:
			if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
				return name
			}
		}
	}
	return ""
}

// Procedure spells out the operator's steps for g, naming the nodes,
// cables and addresses.
func (g Growth) Procedure() string {
	var b strings.Builder
	rn, _ := g.New.resolve()
	w, e, k := rn.byName[g.West], rn.byName[g.East], g.Index
	fmt.Fprintf(&b, "Growing the ring from %d to %d nodes: %s goes between %s and %s.\n", len(g.Old.Nodes), len(g.New.Nodes), g.Node, g.West, g.East)
	fmt.Fprintf(&b, "1. Check and simulate the new spec against the running one (ringd check -from, ringsim -grow-from).\n")
	fmt.Fprintf(&b, "2. Unplug the cable %s/%s – %s/%s. Traffic that crossed it goes the other way round; nothing else moves.\n", g.West, IfEast, g.East, IfWest)
	re := "no address changes"
	if len(g.Readdressed) > 0 {
		var parts []string
		for _, x := range g.Readdressed {
			node, ifc, _ := strings.Cut(x, "/")
			i := rn.byName[node]
			p := rn.east[i]
			if ifc == IfWest {
				p = rn.west[i]
			}
			parts = append(parts, fmt.Sprintf("%s becomes %v", x, p))
		}
		re = strings.Join(parts, ", ")
	}
	fmt.Fprintf(&b, "3. Put the new spec on every running node and reload each (SIGHUP): the cost plan for %d nodes takes effect; %s.\n", len(g.New.Nodes), re)
	fmt.Fprintf(&b, "4. Cable %s/%s (%v) – %s/%s (%v) and %s/%s (%v) – %s/%s (%v), then start %s with the new spec.\n",
		g.West, IfEast, rn.east[w], g.Node, IfWest, rn.west[k],
		g.Node, IfEast, rn.east[k], g.East, IfWest, rn.west[e], g.Node)
	if rn.uplink() {
		var lans []string
		for _, l := range g.New.Nodes[k].LANs {
			lans = append(lans, l.Masked().String())
		}
		if len(lans) > 0 {
			fmt.Fprintf(&b, "5. On the upstream gateway, route %s to %v.\n", strings.Join(lans, ", "), g.New.Upstream.VIP)
		}
	}
	return b.String()
}

// PaperGrowth is the source paper's growth step from n to n+1 nodes:
// PaperSpec(n) with its edges named (vr1 the master edge at .2, vrN the
// backup edge at .3), and the same ring with vr(n+1) cabled in between
// vrN and vr1, serving 10.(n+1).0.0/24. Links come from the pool, so only
// vr1's west interface is re-addressed.
func PaperGrowth(n int, p Profile) (old, next Spec) {
	old = PaperSpec(n, p)
	if len(old.Nodes) == 0 {
		return old, old
	}
	base := old.Upstream.Prefix.Addr()
	old.Upstream.Edges = [2]Edge{
		{Node: old.Nodes[0].Name, Address: base.Next().Next(), Priority: 200},
		{Node: old.Nodes[n-1].Name, Address: base.Next().Next().Next(), Priority: 100},
	}
	next = old
	next.Nodes = append(slices.Clone(old.Nodes), NodeSpec{
		Name: fmt.Sprintf("vr%d", n+1),
		LANs: []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("10.%d.0.1/24", n+1))},
	})
	return old, next
}

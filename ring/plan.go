package ring

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// Direction is a way round the ring: East goes from node i to node i+1,
// West from node i to node i-1.
type Direction uint8

const (
	// Nowhere is the direction of the master edge from itself.
	Nowhere Direction = iota
	East
	West
)

func (d Direction) String() string {
	switch d {
	case East:
		return "east"
	case West:
		return "west"
	}
	return "-"
}

// Role is what a node does for the upstream LAN.
type Role uint8

const (
	// Inner nodes only serve their LANs and forward.
	Inner Role = iota
	// MasterEdge is the edge with the higher VRRP priority: its default
	// route is the one the ring uses while it is alive.
	MasterEdge
	// BackupEdge takes the VIP and carries the default when the master
	// edge fails.
	BackupEdge
)

func (r Role) String() string {
	switch r {
	case MasterEdge:
		return "master edge"
	case BackupEdge:
		return "backup edge"
	}
	return "inner"
}

// NodePlan is the cost plan of one node.
type NodePlan struct {
	Name string
	Role Role
	// EastCost and WestCost are the OSPF output costs of the node's two
	// ring interfaces.
	EastCost, WestCost uint16
	// Toward is the preferred way to the master edge; Hops is how many
	// ring links that way is.
	Toward Direction
	Hops   int
	// Group, in an active-active ring (Plan.ActiveActive), is the VRRP
	// group whose master edge the node exits through (1: the master
	// edge's, 2: the backup edge's, Upstream.Second), and Toward and Hops
	// lead to that edge; zero otherwise.
	Group int
}

// Plan is the OSPF cost plan of a ring; see PlanCosts.
type Plan struct {
	Nodes []NodePlan
	// Master and Backup index the edge nodes in Nodes; -1 in a ring
	// without uplink.
	Master, Backup int
	// Low and High are the two costs the plan uses.
	Low, High uint16
	// ActiveActive is set for a ring with two VRRP groups
	// (Upstream.Second): each node exits through the edge of its Group.
	ActiveActive bool
}

// PlanCosts computes the OSPF cost of every ring interface so that, as the
// source design asks, every node has exactly one preferred way to the
// default route and the other way round the ring is its backup.
//
// Both edges originate a type-2 default, the master edge with the lower
// metric, so every node prefers the master edge's default as long as the
// master edge is reachable (RFC 2328 §16.4.1 compares type-2 metrics
// first). What remains is to make the path to the master edge unique:
//
//   - Each node other than the master edge prefers the shorter way round
//     to the master edge. In a ring of even size the node opposite the
//     master edge has two equally short ways; it takes the one that does
//     not pass through the backup edge, so the two edges' failure domains
//     stay apart.
//   - The interface on the preferred way costs Low (BaseCost, 10 by
//     default); the other interface costs High = Low × N. A preferred path
//     of h ≤ N/2 hops costs Low × h < High, so it beats every path that
//     starts the other way: no ECMP, for any N.
//   - The master edge's own interfaces both cost Low, except in an even
//     ring, where the interface towards the opposite node's chosen way
//     costs Low and the other Low + 1: traffic from the master edge to the
//     opposite node then returns the way it came instead of splitting.
//
// With the master edge gone, or a ring link or an inner node down, the ring
// is a chain and every path is unique by construction; the backup edge's
// default takes over. Inner nodes' costs do not depend on which edge
// currently holds the VIP.
//
// # Active-active edges
//
// With Upstream.Second the two edges are masters of one VRRP group each
// (the master edge of group 1, the backup edge of group 2) and both
// originate a type-2 default of the same metric, MasterDefaultMetric. Among
// type-2 defaults of equal metric a router prefers the one whose ASBR is
// nearer (§16.4 step 6), so what decides each node's exit is its distance
// to either edge, and the plan makes that distance unambiguous:
//
//   - The edges cut the ring into two arcs. Going east a node meets the
//     edge at one end of its arc first, going west the other. It exits
//     through the nearer one, its Group; a node in the middle of an arc,
//     as far from one edge as from the other, exits through group 1's
//     edge. So each arc is split into two runs, each next to its edge,
//     and the nodes between a node and its edge are nearer to that edge
//     and exit through it too.
//   - Every non-edge node's interface towards its edge costs Low, the
//     other High = Low × N, as in the single-group plan. The edges'
//     interfaces cost Low, the east ones Low + 1 (the tie-break below).
//   - Count a path's hops in High ones (kH) and the others (kL): it costs
//     (kH × N + kL) × Low + e, with e the number of edge east interfaces
//     it leaves by (0, 1 or 2). kL < N, so for BaseCost ≥ 3 (Validate
//     asks it) two paths with different (kH, kL) compare as kH then kL,
//     and e only decides between paths with the same counts.
//   - Forward: a node h hops from its edge, by the way it points, pays
//     h Low hops (everyone on the way points the same way). Every other
//     way to either default starts with its High interface, or runs
//     through its own edge first and is longer: the node's default is its
//     own edge's, through one next hop.
//   - Return: the gateway sends a LAN's traffic to its group's VIP, that
//     is to the node's edge E (Spec.GatewayRoutes). Back along the way the
//     traffic came, E pays one edge interface and h − 1 High hops (every
//     node on the way leaves away from E). The other way round leaves
//     away from E through the nodes of E's run on E's other arc (High
//     each), towards the other edge F through F's run there (Low), F
//     (Low), away from F through F's run on the node's arc (High each),
//     and towards E through the nodes of E's run beyond the node (Low).
//     The two runs of one arc differ by at most one node, and the node is
//     at most at the far end of its run, so h − 1 is at most F's run on
//     the node's arc: the way back has no more High hops than the other
//     way, and when it has as many (the node ends its run, the run is the
//     longer one, E has no run on its other arc) the other way also
//     pays F's interface and E's other one, two Low hops to the one of
//     the way back. Traffic returns the way it left.
//   - Anywhere else: equal (kH, kL) means equal hop counts, so only two
//     nodes opposite each other in an even ring can be joined by two
//     paths of equal counts; the east one of the two ways then pays one
//     more per edge it leaves eastwards, and the test checks, for every
//     size up to 16 and every placement of the two edges (and random
//     placements up to MaxNodes), that this leaves every two nodes joined
//     by exactly one cheapest path (so no route in the ring has two next
//     hops). That last step is checked, not proven.
//
// When an edge fails, its VRRP backup, the other edge, takes its group
// too, the ring (or the chain that remains) routes everything to the
// surviving default, and every path is unique by construction.
//
// A ring without uplink (Spec.Upstream left zero) has no default to
// steer: every interface costs Low, and traffic between two nodes takes
// the shorter way round, the other way when that one breaks.
func PlanCosts(s Spec) (Plan, error) {
	r, err := s.resolve()
	if err != nil {
		return Plan{}, err
	}
	return r.plan(), nil
}

func (r *resolved) plan() Plan {
	if r.chain() {
		return r.chainPlan()
	}
	n := len(r.spec.Nodes)
	low := r.spec.BaseCost
	if low == 0 {
		low = 10
	}
	if !r.uplink() {
		// No default to steer: every ring interface costs Low, and each
		// node reaches the others the shorter way round (both, with
		// ECMP, to the node opposite in an even ring).
		p := Plan{Nodes: make([]NodePlan, n), Master: -1, Backup: -1, Low: low, High: low}
		for i := range n {
			p.Nodes[i] = NodePlan{Name: r.spec.Nodes[i].Name, Role: Inner, EastCost: low, WestCost: low}
		}
		return p
	}
	if r.activeActive() {
		return r.planActiveActive(low)
	}
	m, b := r.edges[0].node, r.edges[1].node
	p := Plan{Nodes: make([]NodePlan, n), Master: m, Backup: b, Low: low, High: low * uint16(n)}
	var opposite = Nowhere // the way the node opposite m goes, in even rings
	for i := range n {
		np := NodePlan{Name: r.spec.Nodes[i].Name}
		switch i {
		case m:
			np.Role = MasterEdge
		case b:
			np.Role = BackupEdge
		}
		if i == m {
			p.Nodes[i] = np
			continue
		}
		east := (m - i + n) % n // hops to m going east
		west := n - east
		switch {
		case east < west:
			np.Toward, np.Hops = East, east
		case west < east:
			np.Toward, np.Hops = West, west
		default:
			// Tie: the east arc from i to m holds the nodes i+1 … m-1.
			np.Hops = east
			if d := (b - i + n) % n; d > 0 && d < east {
				np.Toward = West
			} else {
				np.Toward = East
			}
			opposite = np.Toward
		}
		if np.Toward == East {
			np.EastCost, np.WestCost = low, p.High
		} else {
			np.EastCost, np.WestCost = p.High, low
		}
		p.Nodes[i] = np
	}
	// The master edge: the opposite node going west reaches m through the
	// nodes east of m, so m's east interface carries the return traffic.
	me := &p.Nodes[m]
	me.EastCost, me.WestCost = low, low
	switch opposite {
	case West:
		me.WestCost = low + 1
	case East:
		me.EastCost = low + 1
	}
	return p
}

// String renders the plan as a table, one line per node.
func (p Plan) String() string {
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	if p.ActiveActive {
		p.writeActiveActive(tw)
		tw.Flush()
		return sb.String()
	}
	fmt.Fprintln(tw, "node\trole\teast cost\twest cost\tdefault via\thops")
	for _, np := range p.Nodes {
		via := np.Toward.String()
		switch {
		case np.Role == MasterEdge:
			via = "upstream"
		case p.Master < 0:
			via = "- (no uplink)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%d\n", np.Name, np.Role, np.EastCost, np.WestCost, via, np.Hops)
	}
	tw.Flush()
	return sb.String()
}

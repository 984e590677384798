package ring

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
)

// Active-active edges (Upstream.Second): validation, the cost plan and
// what the gateway must be told. See PlanCosts for the argument.

// activeActive reports whether the ring runs two VRRP groups.
func (r *resolved) activeActive() bool { return r.uplink() && r.spec.Upstream.Second != nil }

// checkSecondWithoutUplink rejects a second group on a ring without an
// upstream LAN.
func (r *resolved) checkSecondWithoutUplink() error {
	if r.spec.Upstream.Second != nil {
		return specErr("Upstream.Second", "active-active edges need the upstream LAN (Upstream.Prefix, the gateway and the two edges)")
	}
	return nil
}

// checkSecondEdges rejects active-active with one edge given and the
// other left out (both left out are the default edges).
func (r *resolved) checkSecondEdges() error {
	u := r.spec.Upstream
	if u.Second == nil {
		return nil
	}
	for k, e := range u.Edges {
		if e == (Edge{}) && u.Edges[1-k] != (Edge{}) {
			return specErr(fmt.Sprintf("Upstream.Edges[%d]", k), "active-active with a single edge: the second group needs a master edge of its own (give both edges, or none for the first and last node)")
		}
	}
	return nil
}

// resolveSecond checks the second group once the edges are resolved.
func (r *resolved) resolveSecond() error {
	u := r.spec.Upstream
	g := u.Second
	if g == nil {
		return nil
	}
	r.vrid2 = g.VRID
	if r.vrid2 == 0 {
		if r.vrid == 255 {
			return specErr("Upstream.Second.VRID", "required when Upstream.VRID is 255 (the default is Upstream.VRID + 1)")
		}
		r.vrid2 = r.vrid + 1
	}
	if r.vrid2 == r.vrid {
		return specErr("Upstream.Second.VRID", "%d is also Upstream.VRID: the two groups are two virtual routers", r.vrid2)
	}
	if c := r.spec.BaseCost; c != 0 && c < 3 {
		return specErr("BaseCost", "%d: active-active edges need at least 3 (the edges' east interfaces cost BaseCost + 1 to break ties, which must stay under a gap of BaseCost)", c)
	}
	if !u.Prefix.Contains(g.VIP) || g.VIP == u.Prefix.Addr() {
		return specErr("Upstream.Second.VIP", "%v is not a host on the upstream LAN %v", g.VIP, u.Prefix)
	}
	// Equal to the gateway, an edge or Upstream.VIP: checkUnique says which.
	return nil
}

// groupVIP returns the virtual address of group g (1 or 2).
func (r *resolved) groupVIP(g int) netip.Addr {
	if g == 2 {
		return r.spec.Upstream.Second.VIP
	}
	return r.spec.Upstream.VIP
}

// planActiveActive is PlanCosts for active-active edges.
func (r *resolved) planActiveActive(low uint16) Plan {
	n := len(r.spec.Nodes)
	a, b := r.edges[0].node, r.edges[1].node
	p := Plan{Nodes: make([]NodePlan, n), Master: a, Backup: b, Low: low, High: low * uint16(n), ActiveActive: true}
	for i := range n {
		np := NodePlan{Name: r.spec.Nodes[i].Name, EastCost: low, WestCost: low}
		switch i {
		case a, b:
			// Low + 1 east: the tie-break between two ways of
			// equal length (PlanCosts).
			np.Role, np.Group, np.EastCost = MasterEdge, 1, low+1
			if i == b {
				np.Role, np.Group = BackupEdge, 2
			}
			p.Nodes[i] = np
			continue
		}
		// Going east the node meets one edge first, going west the
		// other: the two arcs between the edges are disjoint.
		ea, eb := (a-i+n)%n, (b-i+n)%n
		de, dw := min(ea, eb), min(n-ea, n-eb)
		groupEast := 1
		if eb < ea {
			groupEast = 2
		}
		switch {
		case de < dw:
			np.Toward, np.Hops, np.Group = East, de, groupEast
		case dw < de:
			np.Toward, np.Hops, np.Group = West, dw, 3-groupEast
		case groupEast == 1:
			// Equidistant: group 1's edge, whichever way it is.
			np.Toward, np.Hops, np.Group = East, de, 1
		default:
			np.Toward, np.Hops, np.Group = West, dw, 1
		}
		if np.Toward == East {
			np.WestCost = p.High
		} else {
			np.EastCost = p.High
		}
		p.Nodes[i] = np
	}
	return p
}

// GatewayRoute is one route the upstream gateway needs towards the ring:
// the server LAN (or the anycast service) and the VIP it goes to.
type GatewayRoute struct {
	Prefix netip.Prefix
	// VIP is Upstream.VIP, or in an active-active ring the VIP of the
	// group whose master edge is the LAN's exit edge (Upstream.Second.VIP
	// for group 2), so that the traffic to a LAN enters the ring where
	// the LAN's traffic leaves it; in a chain, which has no VIP, the
	// edge's own upstream address.
	VIP netip.Addr
	// Group is 1 or 2, the VRRP group VIP belongs to.
	Group int
	// Node is the node serving the LAN, empty for the anycast service.
	Node string
}

// GatewayRoutes returns the static routes the upstream gateway must have
// towards the ring, one per server LAN and one for the anycast service
// (routed to group 1's VIP): what an operator configures on the upstream
// router (`ip route 10.1.0.0/24 192.0.2.254`). Without an uplink there are
// none. It validates the spec.
func (s Spec) GatewayRoutes() ([]GatewayRoute, error) {
	r, err := s.resolve()
	if err != nil {
		return nil, err
	}
	return r.gatewayRoutes(r.plan()), nil
}

func (r *resolved) gatewayRoutes(p Plan) []GatewayRoute {
	if !r.uplink() {
		return nil
	}
	var out []GatewayRoute
	for i, nd := range r.spec.Nodes {
		g := 1
		if p.ActiveActive {
			g = p.Nodes[i].Group
		}
		for _, lan := range nd.LANs {
			out = append(out, GatewayRoute{Prefix: lan.Masked(), VIP: r.gatewayNextHop(g), Group: g, Node: nd.Name})
		}
	}
	if a := r.spec.Anycast; a != nil {
		out = append(out, GatewayRoute{Prefix: netip.PrefixFrom(a.VIP, 32), VIP: r.gatewayNextHop(1), Group: 1})
	}
	return out
}

// writeActiveActive is Plan.String for active-active edges: which edge and
// group each node exits through.
func (p Plan) writeActiveActive(w io.Writer) {
	edge := map[int]string{1: p.Nodes[p.Master].Name, 2: p.Nodes[p.Backup].Name}
	fmt.Fprintln(w, "node\trole\teast cost\twest cost\tdefault via\thops\texit")
	for _, np := range p.Nodes {
		role, via := "inner", np.Toward.String()
		if np.Role != Inner {
			role, via = fmt.Sprintf("edge, master of group %d", np.Group), "upstream"
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\t%d\t%s (group %d)\n", np.Name, role, np.EastCost, np.WestCost, via, np.Hops, edge[np.Group], np.Group)
	}
}

// buildSecond adds the second group to edge k's configuration (k = 0 the
// master edge, 1 the backup edge): both edges originate the default with
// MasterDefaultMetric, so that the distance decides (PlanCosts), and run
// the second virtual router with the other edge's priority.
func (r *resolved) buildSecond(c *NodeConfig, k int) {
	if !r.activeActive() {
		return
	}
	c.DefaultMetric = MasterDefaultMetric
	c.OSPF.DefaultInformation.Metric = MasterDefaultMetric
	v := *c.VRRP
	v.VRID = r.vrid2
	v.Priority = r.edges[1-k].priority
	v.VirtualAddresses = []netip.Addr{r.spec.Upstream.Second.VIP}
	v.Tracks = slices.Clone(c.VRRP.Tracks)
	c.SecondVRRP = &v
}

// OtherEdgeSteps returns S1 and S4 for the backup edge: S1b, it dies
// (crash), and S4b, it returns. With active-active edges it is the master
// of group 2, and Steps runs them after S4; with one group it is the
// VRRP backup, whose death moves nothing but the traffic that crossed it,
// and they are not in Steps (run them apart to compare the two modes).
// None without an uplink.
func (s *Sim) OtherEdgeSteps() []Step {
	if !s.r.uplink() {
		return nil
	}
	b := s.bounds()
	e := s.nodes[s.r.edges[1].node].Name()
	dies, returns := e+" (VRRP backup) dies", e+" returns"
	if s.r.activeActive() {
		dies, returns = e+" (VRRP master of group 2) dies", e+" returns and preempts group 2"
	}
	return []Step{
		{
			ID: "S1b", Name: dies, Victim: e,
			Bound: max(b.mdi, b.initial+b.short+b.flood) + b.probe,
			Why:   fmt.Sprintf("max(Master_Down %v, SPF %v + %v + flooding %v) + probe %v", b.mdi, b.initial, b.short, b.flood, b.probe),
			fault: func(s *Sim) error { return s.Crash(e) },
		},
		{
			ID: "S4b", Name: returns, Victim: e,
			Bound: b.initial + b.long + b.flood + b.probe,
			Why:   fmt.Sprintf("SPF %v + %v + flooding %v + probe %v", b.initial, b.long, b.flood, b.probe),
			fault: func(s *Sim) error { return s.Reboot(e) },
		},
	}
}

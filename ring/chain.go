package ring

import (
	"errors"
	"fmt"
	"github.com/switchless/routing"
	"net/netip"
	"reflect"
	"slices"

	"github.com/switchless/routing/fib"
)

// Topology is how the nodes of a Spec are cabled.
type Topology uint8

const (
	// TopologyRing cables Nodes[i] to Nodes[(i+1)%N] and runs OSPF, BFD
	// and VRRP: the source design's redundant pattern.
	TopologyRing Topology = iota
	// TopologyChain cables Nodes[i] east to Nodes[i+1] west for i < N-1
	// and nothing from the last node back to the first: the source
	// paper's non-redundant pattern ("ネットワーク冗長化を行わない場合":
	// the virtual routers strung on one trunk, static routing only, and
	// a failed router affecting the networks strung on it).
	// A chain runs no OSPF, no BFD and no VRRP: every node gets a static
	// route (fib.ProtocolStatic, in NodeEnv.StaticFIB) to every other
	// node's LANs over its east or west link, and, but for the single
	// edge, the default toward the edge; the edge has the static default
	// to the gateway, and the gateway routes every server LAN to the
	// edge's upstream address (there is no VIP). A chain has N-1 links,
	// numbered from LinkPool as the ring's links 0 … N-2 are, so that
	// closing it into a ring later only adds the last link.
	//
	// Nothing reroutes in a chain: a dead node or a cut link strands
	// every node beyond it, as seen from the edge, until the repair,
	// while the nodes on the edge's side keep forwarding untouched
	// (Result.CutOff). That is why the ring exists.
	TopologyChain
)

func (t Topology) String() string {
	switch t {
	case TopologyRing:
		return "ring"
	case TopologyChain:
		return "chain"
	}
	return fmt.Sprintf("topology(%d)", uint8(t))
}

// ParseTopology returns the topology named s ("ring", the default for
// "", or "chain").
func ParseTopology(s string) (Topology, error) {
	switch s {
	case "ring", "":
		return TopologyRing, nil
	case "chain":
		return TopologyChain, nil
	}
	return 0, fmt.Errorf("%w: Topology: %q is neither \"ring\" nor \"chain\"", ErrInvalidConfig, s)
}

// PaperChain is PaperSpec(n, p) as a chain: the same nodes, LANs, link
// pool and upstream LAN, vr1 the single edge at the LAN's .2, no VIP, no
// anycast service.
func PaperChain(n int, p Profile) Spec {
	s := PaperSpec(n, p)
	s.Topology = TopologyChain
	s.Anycast = nil
	s.Upstream.VIP, s.Upstream.VRID = netip.Addr{}, 0
	return s
}

func (r *resolved) chain() bool { return r.spec.Topology == TopologyChain }

// linkCount is the number of links of the spec: N in a ring, N-1 in a
// chain.
func (s Spec) linkCount() int {
	if s.Topology == TopologyChain {
		return len(s.Nodes) - 1
	}
	return len(s.Nodes)
}

// checkChain rejects what a chain cannot have: fewer than 2 nodes and
// every setting that needs OSPF, BFD or VRRP.
func (s Spec) checkChain() error {
	if n := len(s.Nodes); n < 2 {
		return specErr("Nodes", "a chain needs at least 2 nodes, got %d", n)
	}
	const why = "a chain runs static routes only, no %s"
	switch {
	case s.BFDAuth != nil:
		return specErr("BFDAuth", why, "BFD")
	case s.OSPFAuth != nil:
		return specErr("OSPFAuth", why, "OSPF")
	case s.BaseCost != 0:
		return specErr("BaseCost", why, "OSPF costs")
	case s.Anycast != nil:
		return specErr("Anycast", why, "OSPF to announce the service")
	case s.Upstream.VIP.IsValid():
		return specErr("Upstream.VIP", why+" (the gateway routes the LANs to the edge's address)", "VRRP")
	case s.Upstream.VRID != 0:
		return specErr("Upstream.VRID", why, "VRRP")
	case s.Upstream.Edges[1] != Edge{}:
		return specErr("Upstream.Edges[1]", "a chain has a single edge (a second one would need VRRP to share the gateway's next hop)")
	case s.Upstream.Edges[0].Priority != 0:
		return specErr("Upstream.Edges[0].Priority", why, "VRRP")
	}
	for i, nd := range s.Nodes {
		if nd.RouterID.IsValid() {
			return specErr(fmt.Sprintf("Nodes[%d].RouterID", i), why, "OSPF router ID")
		}
	}
	return nil
}

// resolveChainUpstream resolves the chain's single edge: Edges[0], or
// the first node at the LAN's .2 when it is zero.
func (r *resolved) resolveChainUpstream() error {
	u := r.spec.Upstream
	if u.Prefix == (netip.Prefix{}) {
		if u.Gateway.IsValid() || u.Edges[0] != (Edge{}) {
			return specErr("Upstream.Prefix", "required with the other upstream fields (a chain without uplink sets none)")
		}
		return nil
	}
	if !u.Prefix.IsValid() || !u.Prefix.Addr().Is4() || u.Prefix.Masked() != u.Prefix || u.Prefix.Bits() > 30 {
		return specErr("Upstream.Prefix", "%v is not an IPv4 LAN prefix of /30 or shorter", u.Prefix)
	}
	if !u.Prefix.Contains(u.Gateway) || u.Gateway == u.Prefix.Addr() {
		return specErr("Upstream.Gateway", "%v is not a host on the upstream LAN %v", u.Gateway, u.Prefix)
	}
	e := u.Edges[0]
	if e == (Edge{}) {
		e = Edge{Node: r.spec.Nodes[0].Name, Address: u.Prefix.Addr().Next().Next()}
	}
	i, ok := r.byName[e.Node]
	if !ok {
		return specErr("Upstream.Edges[0].Node", "%q is not a node of the chain", e.Node)
	}
	if !u.Prefix.Contains(e.Address) || e.Address == u.Prefix.Addr() {
		return specErr("Upstream.Edges[0].Address", "%v is not a host on the upstream LAN %v", e.Address, u.Prefix)
	}
	r.edges = []resolvedEdge{{node: i, addr: netip.PrefixFrom(e.Address, u.Prefix.Bits())}}
	return nil
}

// gatewayNextHop is where the gateway routes the server LANs of a group:
// its VIP in a ring, the edge's own address in a chain.
func (r *resolved) gatewayNextHop(group int) netip.Addr {
	if r.chain() {
		return r.edges[0].addr.Addr()
	}
	return r.groupVIP(group)
}

// chainPlan is the plan of a chain: no costs, the edge as MasterEdge (the
// only one; Backup is -1) and each other node's way and distance to it.
func (r *resolved) chainPlan() Plan {
	n := len(r.spec.Nodes)
	p := Plan{Nodes: make([]NodePlan, n), Master: -1, Backup: -1}
	e := -1
	if r.uplink() {
		e = r.edges[0].node
		p.Master = e
	}
	for i := range n {
		np := NodePlan{Name: r.spec.Nodes[i].Name}
		switch {
		case e < 0:
		case i == e:
			np.Role = MasterEdge
		case i < e:
			np.Toward, np.Hops = East, e-i
		default:
			np.Toward, np.Hops = West, i-e
		}
		p.Nodes[i] = np
	}
	return p
}

// buildChain is Build for a chain node: its interfaces (no west at the
// first node, no east at the last), the static routes to every other
// node's LANs and, but at the edge, the default over the link toward
// the edge; at the edge, the static default via the gateway. OSPF is
// left zero and VRRP nil.
func (r *resolved) buildChain(i int, p Plan) NodeConfig {
	n := len(r.spec.Nodes)
	nd := r.spec.Nodes[i]
	np := p.Nodes[i]
	c := NodeConfig{Name: nd.Name, Index: i, Role: np.Role, Topology: TopologyChain}
	lans := func(from, to int) []netip.Prefix { // the LANs of nodes from..to-1
		var ps []netip.Prefix
		for j := from; j < to; j++ {
			for _, lan := range r.spec.Nodes[j].LANs {
				ps = append(ps, lan.Masked())
			}
		}
		return ps
	}
	if i < n-1 {
		c.Interfaces = append(c.Interfaces, Interface{Name: IfEast, Kind: KindEast, Prefix: r.east[i], Peer: r.west[i+1].Addr(),
			PeerNode: r.spec.Nodes[i+1].Name, PeerPrefixes: lans(i+1, i+2)})
	}
	if i > 0 {
		c.Interfaces = append(c.Interfaces, Interface{Name: IfWest, Kind: KindWest, Prefix: r.west[i], Peer: r.east[i-1].Addr(),
			PeerNode: r.spec.Nodes[i-1].Name, PeerPrefixes: lans(i-1, i)})
	}
	if np.Role == MasterEdge {
		c.Interfaces = append(c.Interfaces, Interface{Name: IfUpstream, Kind: KindUpstream, Prefix: r.edges[0].addr})
		c.Static = []fib.Route{{
			Prefix:   netip.PrefixFrom(netip.IPv4Unspecified(), 0),
			NextHops: []fib.NextHop{{Gateway: r.spec.Upstream.Gateway}},
			Metric:   StaticMetric,
			Protocol: fib.ProtocolStatic,
		}}
	}
	for k, lan := range nd.LANs {
		c.Interfaces = append(c.Interfaces, Interface{Name: LANName(k), Kind: KindLAN, Prefix: lan})
	}
	route := func(pfx netip.Prefix, via netip.Addr) fib.Route {
		return fib.Route{Prefix: pfx, NextHops: []fib.NextHop{{Gateway: via}}, Metric: StaticMetric, Protocol: fib.ProtocolStatic}
	}
	// Over the east link to the next node, over the west link to the
	// previous one.
	var eastVia, westVia netip.Addr
	if i < n-1 {
		eastVia = r.west[i+1].Addr()
	}
	if i > 0 {
		westVia = r.east[i-1].Addr()
	}
	for j := range n {
		if j == i {
			continue
		}
		via := eastVia
		if j < i {
			via = westVia
		}
		for _, lan := range r.spec.Nodes[j].LANs {
			c.Routes = append(c.Routes, route(lan.Masked(), via))
		}
	}
	// The links beyond the neighbours are routed too, so that a node
	// answers from its link address (traceroute) across the chain.
	for l, link := range r.links {
		switch {
		case l > i:
			c.Routes = append(c.Routes, route(link, eastVia))
		case l < i-1:
			c.Routes = append(c.Routes, route(link, westVia))
		}
	}
	switch {
	case np.Role != Inner:
	case np.Toward == East:
		c.Routes = append(c.Routes, route(netip.PrefixFrom(netip.IPv4Unspecified(), 0), eastVia))
	case np.Toward == West:
		c.Routes = append(c.Routes, route(netip.PrefixFrom(netip.IPv4Unspecified(), 0), westVia))
	}
	return c
}

// runsOSPF reports whether the node runs OSPF (and BFD): every ring
// node; no chain node.
func (c NodeConfig) runsOSPF() bool { return c.Topology != TopologyChain }

// routesWithIfIndex returns copies of routes whose next hops name the
// interface whose peer is their gateway (east or west), by idx.
func routesWithIfIndex(routes []fib.Route, ifcs []Interface, idx map[string]int) []fib.Route {
	if routes == nil {
		return nil
	}
	out := make([]fib.Route, len(routes))
	for i, r := range routes {
		r.NextHops = slices.Clone(r.NextHops)
		for j, nh := range r.NextHops {
			for _, ifc := range ifcs {
				if ifc.Peer.IsValid() && ifc.Peer == nh.Gateway {
					r.NextHops[j].IfIndex = idx[ifc.Name]
				}
			}
		}
		out[i] = r
	}
	return out
}

// setRoutes installs or withdraws a chain node's static routes
// (NodeConfig.Routes).
func (n *Node) setRoutes(on bool) error {
	return errors.Join(n.writeStatic(n.cfg.Routes, on, "static")...)
}

// reconfigureStatic is Reconfigure for a node without OSPF (a chain
// node), n.mu held, interface indexes applied: the static routes that
// differ are written or deleted, the static default rewritten if its
// route changed and it is in. What would change the node's name,
// place, role, topology or interfaces is refused with
// ErrRestartRequired, changing nothing.
func (n *Node) reconfigureStatic(cfg NodeConfig, added map[string]routing.Transport) error {
	old := n.cfg
	restart := func(field, why string) error {
		return fmt.Errorf("%w: node %s: %s: %s", ErrRestartRequired, old.Name, field, why)
	}
	if len(added) > 0 {
		return fmt.Errorf("%w: node %s: added: a chain node's interfaces are fixed by its place in the chain; none is added in place", ErrInvalidConfig, old.Name)
	}
	switch {
	case cfg.Name != old.Name:
		return restart("node", fmt.Sprintf("%q → %q: another node", old.Name, cfg.Name))
	case cfg.Topology != old.Topology:
		return restart("topology", fmt.Sprintf("%v → %v: the protocols the node runs", old.Topology, cfg.Topology))
	case cfg.Index != old.Index:
		return restart("nodes", fmt.Sprintf("the node moved from position %d to %d in the chain", old.Index, cfg.Index))
	case cfg.Role != old.Role:
		return restart("upstream.edges", fmt.Sprintf("the node's role changes from %v to %v", old.Role, cfg.Role))
	}
	strip := func(ifcs []Interface) []Interface {
		out := slices.Clone(ifcs)
		for i := range out {
			out[i].PeerPrefixes = nil // what lies beyond: the routes follow
		}
		return out
	}
	if !reflect.DeepEqual(strip(old.Interfaces), strip(cfg.Interfaces)) {
		return restart("link_pool/links, nodes[].lans or upstream.edges[].address", "the node's interfaces or addresses change")
	}
	n.cfgMu.Lock()
	n.cfg = cfg
	n.cfgMu.Unlock()
	if !n.started {
		return nil
	}
	var gone, fresh []fib.Route
	for _, r := range old.Routes {
		if !slices.ContainsFunc(cfg.Routes, func(nr fib.Route) bool { return nr.Prefix == r.Prefix && nr.Table == r.Table }) {
			gone = append(gone, r)
		}
	}
	for _, r := range cfg.Routes {
		if !slices.ContainsFunc(old.Routes, func(or fib.Route) bool { return reflect.DeepEqual(or, r) }) {
			fresh = append(fresh, r)
		}
	}
	errs := n.writeStatic(gone, false, "static")
	errs = append(errs, n.writeStatic(fresh, true, "static")...)
	if n.staticOn && !reflect.DeepEqual(old.Static, cfg.Static) {
		errs = append(errs, n.writeStatic(cfg.Static, true, "static")...)
	}
	return errors.Join(errs...)
}

// chainLinkState is LinkState for a node without OSPF, n.mu held: the
// upstream carrier of the edge installs or withdraws its static default;
// nothing else changes (a chain has no other way round).
func (n *Node) chainLinkState(ifname string, up bool) error {
	if _, ok := n.cfg.Interface(ifname); !ok {
		return fmt.Errorf("ring: node %s: no interface %q", n.cfg.Name, ifname)
	}
	if ifname != IfUpstream {
		return nil
	}
	n.upCarrier = up
	if n.started && n.staticOn != up {
		return n.setStaticLocked(up)
	}
	return nil
}

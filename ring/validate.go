package ring

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/ospf"
)

// Validate reports the first problem of the spec, naming the field:
// fewer than 3 (a chain: 2) or more than MaxNodes nodes, a chain with a
// second edge or a setting that needs OSPF, BFD or VRRP, empty or
// duplicate names, invalid or overlapping prefixes, duplicate addresses, ring links that
// are not /31 or /30, edges that are not nodes or not on the upstream LAN,
// a VIP or gateway off the upstream LAN, equal edge priorities.
func (s Spec) Validate() error {
	_, err := s.resolve()
	return err
}

// resolved is a spec with its defaults applied and every address derived.
type resolved struct {
	spec   Spec
	links  []netip.Prefix // link i: node i east — node i+1 west
	east   []netip.Prefix // node i's address on link i
	west   []netip.Prefix // node i's address on link i-1
	rid    []netip.Addr   // router IDs
	edges  []resolvedEdge // [0] master, [1] backup; none without an uplink
	vrid   uint8
	vrid2  uint8 // Upstream.Second's, zero without
	byName map[string]int
}

type resolvedEdge struct {
	node     int
	addr     netip.Prefix // with the upstream LAN's length
	priority uint8
}

func (s Spec) resolve() (*resolved, error) {
	n := len(s.Nodes)
	switch {
	case s.Topology > TopologyChain:
		return nil, specErr("Topology", "unknown topology %d", s.Topology)
	case s.Topology == TopologyChain:
		if err := s.checkChain(); err != nil {
			return nil, err
		}
	case n < 3:
		return nil, specErr("Nodes", "a ring needs at least 3 nodes, got %d", n)
	}
	if n > MaxNodes {
		return nil, specErr("Nodes", "%d nodes, at most %d", n, MaxNodes)
	}
	if s.Profile > ProfileFast {
		return nil, specErr("Profile", "unknown profile %d", s.Profile)
	}
	if s.BaseCost != 0 && int(s.BaseCost)*n*2 > 0xffff {
		return nil, specErr("BaseCost", "%d × %d nodes overflows the 16-bit OSPF cost", s.BaseCost, n)
	}
	if a := s.BFDAuth; a != nil {
		cfg := bfd.Config{Interfaces: []bfd.InterfaceConfig{{Name: "ring", Auth: a}}}
		var ce *bfd.ConfigError
		if err := cfg.Validate(); errors.As(err, &ce) {
			field := "BFDAuth.Key"
			if strings.HasSuffix(ce.Field, ".type") {
				field = "BFDAuth.Type"
			}
			return nil, specErr(field, "%s", ce.Reason)
		}
	}
	if a := s.OSPFAuth; a != nil {
		if err := a.Validate(); err != nil {
			msg := strings.TrimPrefix(err.Error(), ospf.ErrInvalidConfig.Error()+": ")
			field, reason, ok := strings.Cut(msg, ": ")
			if !ok || strings.ContainsAny(field, " ") {
				field, reason = "", msg
			}
			return nil, specErr(strings.TrimSuffix("OSPFAuth."+field, "."), "%s", reason)
		}
	}
	r := &resolved{spec: s, byName: make(map[string]int, n)}
	for i, nd := range s.Nodes {
		f := fmt.Sprintf("Nodes[%d]", i)
		if nd.Name == "" {
			return nil, specErr(f+".Name", "empty")
		}
		if j, dup := r.byName[nd.Name]; dup {
			return nil, specErr(f+".Name", "%q is also Nodes[%d]", nd.Name, j)
		}
		r.byName[nd.Name] = i
		for k, lan := range nd.LANs {
			if !lan.IsValid() || !lan.Addr().Is4() {
				return nil, specErr(fmt.Sprintf("%s.LANs[%d]", f, k), "%v is not an IPv4 address with a prefix length", lan)
			}
			if lan.Addr() == lan.Masked().Addr() && lan.Bits() < 31 {
				return nil, specErr(fmt.Sprintf("%s.LANs[%d]", f, k), "%v is the network address; give the node's own address on the LAN", lan)
			}
		}
		if nd.RouterID.IsValid() && (!nd.RouterID.Is4() || nd.RouterID.IsUnspecified()) {
			return nil, specErr(f+".RouterID", "%v is not a non-zero IPv4 address", nd.RouterID)
		}
	}
	if err := r.numberLinks(); err != nil {
		return nil, err
	}
	if err := r.resolveUpstream(); err != nil {
		return nil, err
	}
	r.rid = make([]netip.Addr, n)
	for i, nd := range s.Nodes {
		switch {
		case nd.RouterID.IsValid():
			r.rid[i] = nd.RouterID
		case len(nd.LANs) > 0:
			r.rid[i] = nd.LANs[0].Addr()
		case r.west[i].IsValid():
			r.rid[i] = r.west[i].Addr()
		default: // the first node of a chain
			r.rid[i] = r.east[i].Addr()
		}
	}
	if err := r.checkUnique(); err != nil {
		return nil, err
	}
	if err := r.resolveAnycast(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *resolved) numberLinks() error {
	s, n := r.spec, len(r.spec.Nodes)
	nl := s.linkCount()
	links := s.Links
	switch {
	case len(links) == 0 && !s.LinkPool.IsValid():
		return specErr("LinkPool", "needed when Links is empty")
	case len(links) == 0:
		pool := s.LinkPool
		if !pool.Addr().Is4() || pool.Masked() != pool {
			return specErr("LinkPool", "%v is not an IPv4 network prefix", pool)
		}
		if pool.Bits() > 31 || 1<<(31-pool.Bits()) < nl {
			return specErr("LinkPool", "%v holds fewer than %d /31 links", pool, nl)
		}
		a := pool.Addr()
		for range nl {
			links = append(links, netip.PrefixFrom(a, 31))
			a = a.Next().Next()
		}
	case len(links) != nl && s.Topology == TopologyChain:
		return specErr("Links", "%d links for %d nodes; a chain has one link fewer than nodes", len(links), n)
	case len(links) != nl:
		return specErr("Links", "%d links for %d nodes; a ring has as many links as nodes", len(links), n)
	}
	r.links = links
	r.east = make([]netip.Prefix, n)
	r.west = make([]netip.Prefix, n)
	for i, l := range links {
		f := fmt.Sprintf("Links[%d]", i)
		if !l.IsValid() || !l.Addr().Is4() || l.Masked() != l {
			return specErr(f, "%v is not an IPv4 network prefix", l)
		}
		var a, b netip.Addr
		switch l.Bits() {
		case 31: // RFC 3021: both addresses are hosts
			a, b = l.Addr(), l.Addr().Next()
		case 30:
			a, b = l.Addr().Next(), l.Addr().Next().Next()
		default:
			return specErr(f, "%v: ring links are /31 or /30", l)
		}
		r.east[i] = netip.PrefixFrom(a, l.Bits())
		r.west[(i+1)%n] = netip.PrefixFrom(b, l.Bits())
	}
	return nil
}

// uplink reports whether the ring has an upstream LAN.
func (r *resolved) uplink() bool { return len(r.edges) > 0 }

func (r *resolved) resolveUpstream() error {
	if r.chain() {
		return r.resolveChainUpstream()
	}
	u := r.spec.Upstream
	if u.Prefix == (netip.Prefix{}) {
		// No uplink: a ring whose nodes reach each other and nobody
		// else (the 3-node "full mesh" of a storage cluster).
		if u.Gateway.IsValid() || u.VIP.IsValid() || u.VRID != 0 || u.Edges != [2]Edge{} {
			return specErr("Upstream.Prefix", "required with the other upstream fields (a ring without uplink sets none)")
		}
		if r.spec.Anycast != nil {
			return specErr("Anycast", "needs the upstream LAN, whose gateway is the service's client")
		}
		return r.checkSecondWithoutUplink()
	}
	if !u.Prefix.IsValid() || !u.Prefix.Addr().Is4() || u.Prefix.Masked() != u.Prefix || u.Prefix.Bits() > 29 {
		return specErr("Upstream.Prefix", "%v is not an IPv4 LAN prefix of /29 or shorter", u.Prefix)
	}
	for _, a := range []struct {
		field string
		addr  netip.Addr
	}{{"Upstream.Gateway", u.Gateway}, {"Upstream.VIP", u.VIP}} {
		if !u.Prefix.Contains(a.addr) || a.addr == u.Prefix.Addr() {
			return specErr(a.field, "%v is not a host on the upstream LAN %v", a.addr, u.Prefix)
		}
	}
	r.vrid = u.VRID
	if r.vrid == 0 {
		r.vrid = 1
	}
	if err := r.checkSecondEdges(); err != nil {
		return err
	}
	edges := u.Edges
	if edges == [2]Edge{} {
		base := u.Prefix.Addr()
		edges = [2]Edge{
			{Node: r.spec.Nodes[0].Name, Address: base.Next().Next(), Priority: 200},
			{Node: r.spec.Nodes[len(r.spec.Nodes)-1].Name, Address: base.Next().Next().Next(), Priority: 100},
		}
	}
	r.edges = make([]resolvedEdge, 2)
	for k, e := range edges {
		f := fmt.Sprintf("Upstream.Edges[%d]", k)
		i, ok := r.byName[e.Node]
		if !ok {
			return specErr(f+".Node", "%q is not a node of the ring", e.Node)
		}
		if !u.Prefix.Contains(e.Address) || e.Address == u.Prefix.Addr() {
			return specErr(f+".Address", "%v is not a host on the upstream LAN %v", e.Address, u.Prefix)
		}
		if e.Priority == 0 || e.Priority == 255 {
			return specErr(f+".Priority", "%d: a shared VIP needs 1..254", e.Priority)
		}
		r.edges[k] = resolvedEdge{node: i, addr: netip.PrefixFrom(e.Address, u.Prefix.Bits()), priority: e.Priority}
	}
	if r.edges[0].node == r.edges[1].node {
		return specErr("Upstream.Edges[1].Node", "%q is already the other edge", edges[1].Node)
	}
	if r.edges[0].priority == r.edges[1].priority {
		return specErr("Upstream.Edges[1].Priority", "equal to Edges[0]'s %d: the master edge must be unambiguous", r.edges[0].priority)
	}
	if r.edges[1].priority > r.edges[0].priority {
		r.edges[0], r.edges[1] = r.edges[1], r.edges[0]
	}
	return r.resolveSecond()
}

// checkUnique rejects overlapping prefixes and duplicate addresses and
// router IDs across the whole ring.
func (r *resolved) checkUnique() error {
	type named struct {
		field  string
		prefix netip.Prefix
	}
	var nets []named
	for i, l := range r.links {
		nets = append(nets, named{fmt.Sprintf("Links[%d]", i), l})
	}
	if r.uplink() {
		nets = append(nets, named{"Upstream.Prefix", r.spec.Upstream.Prefix})
	}
	for i, nd := range r.spec.Nodes {
		for k, lan := range nd.LANs {
			nets = append(nets, named{fmt.Sprintf("Nodes[%d].LANs[%d]", i, k), lan.Masked()})
		}
	}
	for i := range nets {
		for j := range i {
			if nets[i].prefix.Overlaps(nets[j].prefix) {
				return specErr(nets[i].field, "%v overlaps %s %v", nets[i].prefix, nets[j].field, nets[j].prefix)
			}
		}
	}
	addrs := map[netip.Addr]string{}
	add := func(field string, a netip.Addr) error {
		if other, dup := addrs[a]; dup {
			return specErr(field, "address %v is also %s", a, other)
		}
		addrs[a] = field
		return nil
	}
	if u := r.spec.Upstream; r.uplink() {
		if err := add("Upstream.Gateway", u.Gateway); err != nil {
			return err
		}
		if u.VIP.IsValid() { // none in a chain
			if err := add("Upstream.VIP", u.VIP); err != nil {
				return err
			}
		}
	}
	for k, e := range r.edges {
		if err := add(fmt.Sprintf("Upstream.Edges[%d].Address", k), e.addr.Addr()); err != nil {
			return err
		}
	}
	if g := r.spec.Upstream.Second; g != nil && r.uplink() {
		if err := add("Upstream.Second.VIP", g.VIP); err != nil {
			return err
		}
	}
	for i, nd := range r.spec.Nodes {
		for k, lan := range nd.LANs {
			if err := add(fmt.Sprintf("Nodes[%d].LANs[%d]", i, k), lan.Addr()); err != nil {
				return err
			}
		}
	}
	seen := map[netip.Addr]int{}
	for i, id := range r.rid {
		if j, dup := seen[id]; dup {
			return specErr(fmt.Sprintf("Nodes[%d].RouterID", i), "router ID %v is also %s's", id, r.spec.Nodes[j].Name)
		}
		seen[id] = i
	}
	return nil
}

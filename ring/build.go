package ring

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/vrrp"
	"github.com/switchless/routing/vrrp/packet"
)

// Interface names of a ring node. Server LANs are "lan0", "lan1"... in the
// order of NodeSpec.LANs.
const (
	IfEast     = "east" // link i, to node i+1
	IfWest     = "west" // link i-1, to node i-1
	IfUpstream = "up"   // the upstream LAN, edges only
)

// LANName returns the interface name of a node's k-th server LAN.
func LANName(k int) string { return fmt.Sprintf("lan%d", k) }

// Metrics of the default route each edge originates into OSPF (type 2,
// RFC 2328 §16.4.1: type-2 metrics are compared before any internal cost,
// so every node prefers the master edge's default while it is reachable,
// whatever its distance to either edge). The gap leaves room for a third
// originator in between without renumbering.
const (
	MasterDefaultMetric = 10
	BackupDefaultMetric = 20
)

// StaticMetric is the kernel metric of the edges' static default route.
// OSPF installs its routes with ospf.DefaultFIBMetric (20), so at an edge
// the static default forwards while it exists and the default learnt from
// the other edge waits behind it, as zebra's administrative distance
// would have it.
const StaticMetric = 0

// DiscardMetric is the kernel metric of an edge's unreachable routes for
// the ring's server LANs: higher than any protocol's, so they only act
// when OSPF has no route.
const DiscardMetric = 65535

// StubRouterOnStartup bounds the RFC 6987 stub router advertisement of a
// ring node that starts (ospf.StubRouter.OnStartup): the node advertises
// its ring links at ospf.MaxLinkMetric until its database is synchronised
// and its routes are in its FIB, so that its neighbours do not send it
// traffic for the LANs beyond it before it can forward that traffic.
const StubRouterOnStartup = time.Minute

// InterfaceKind is what an interface of a ring node connects to.
type InterfaceKind uint8

const (
	KindEast InterfaceKind = iota + 1
	KindWest
	KindUpstream
	KindLAN
)

func (k InterfaceKind) String() string {
	switch k {
	case KindEast:
		return "east"
	case KindWest:
		return "west"
	case KindUpstream:
		return "upstream"
	case KindLAN:
		return "lan"
	}
	return fmt.Sprintf("InterfaceKind(%d)", uint8(k))
}

// Interface is one IP interface of a ring node.
type Interface struct {
	// Name is IfEast, IfWest, IfUpstream or LANName(k).
	Name string
	Kind InterfaceKind
	// Prefix is the node's address on the interface with the network's
	// prefix length.
	Prefix netip.Prefix
	// Peer and PeerNode are the far end of a ring link (east and west
	// only), and PeerPrefixes the networks the far node advertises beyond
	// this link: its server LANs and its other ring link.
	Peer         netip.Addr
	PeerNode     string
	PeerPrefixes []netip.Prefix
	// Cost is the OSPF output cost of a ring interface (PlanCosts).
	Cost uint16
}

// NodeConfig is everything one ring node runs, as Spec.Build derives it:
// its interfaces, its OSPF instance, and at the edges the static default
// route and the VRRP virtual router. Daemons and the simulation fill in
// what only they know (interface indexes, clock, logger, FIB sinks) when
// they make a Node.
type NodeConfig struct {
	Name  string
	Index int // position in Spec.Nodes
	Role  Role
	// Interfaces lists east, west, then the upstream interface (edges),
	// then the server LANs.
	Interfaces []Interface
	// OSPF is the instance's configuration: the ring interfaces as
	// point-to-point with the planned costs and the profile's hello
	// timers, the server LANs as passive interfaces (advertised as stub
	// networks), and at the edges default-information originate.
	OSPF ospf.Config
	// DefaultMetric is the type-2 metric of the default this node
	// originates: MasterDefaultMetric or BackupDefaultMetric at the edges,
	// zero at inner nodes, which originate none.
	DefaultMetric uint32
	// Static is the static default route of an edge, via the upstream
	// gateway on IfUpstream (empty at inner nodes). Node installs it in the
	// static FIB sink while the upstream interface has carrier, and OSPF
	// originates the default exactly while it is installed.
	Static []fib.Route
	// Discard are an edge's unreachable routes (fib.TypeUnreachable,
	// DiscardMetric) for every other node's server LANs, installed for the
	// node's lifetime. The gateway sends traffic for every server LAN to
	// the VIP; when OSPF knows no way to a LAN (its node is down or still
	// booting) the edge holding the VIP would otherwise send it back up
	// its default route to the gateway, which sends it back: a loop until
	// the TTL runs out. With them the edge drops it and says so (ICMP
	// unreachable on Linux). Empty at inner nodes, whose default leads to
	// an edge.
	Discard []fib.Route
	// VRRP is the edge's virtual router on IfUpstream (nil at inner
	// nodes): VRRPv3, the spec's VRID, VIP and priority, the profile's
	// advertisement interval, preemption on.
	VRRP *vrrp.Config
	// SecondVRRP is, with active-active edges (Upstream.Second), the
	// edge's virtual router of the second group on the same interface:
	// Upstream.Second's VRID and VIP, the other edge's priority (so the
	// backup edge is its master), the same interval and tracks. Nil at
	// inner nodes and with one group.
	SecondVRRP *vrrp.Config
	// RoutingHold bounds the time a booting edge waits for its OSPF
	// routes before VRRP may make it Master (see TrackRouting and
	// RoutingHoldTimeout); zero releases the hold at once. Zero at inner
	// nodes, which have no VRRP.
	RoutingHold time.Duration
	// Timers are the profile's timers.
	Timers Timers
	// BFDAuth authenticates the node's BFD sessions (Spec.BFDAuth); nil
	// runs them unauthenticated.
	BFDAuth *bfd.Auth
	// Topology is the spec's. A chain node (TopologyChain) runs no OSPF,
	// no BFD and no VRRP: its OSPF is zero, its routes are Routes and,
	// at the edge, Static.
	Topology Topology
	// Routes are a chain node's static routes (ProtocolStatic, in the
	// static FIB sink) to every other node's LANs and the links beyond
	// its neighbours over its east or west link, and, but at the edge,
	// the default toward the edge; installed for the node's lifetime.
	// Empty in a ring.
	Routes []fib.Route
}

// Interface returns the node's interface called name.
func (c NodeConfig) Interface(name string) (Interface, bool) {
	for _, ifc := range c.Interfaces {
		if ifc.Name == name {
			return ifc, true
		}
	}
	return Interface{}, false
}

// IsEdge reports whether the node is on the upstream LAN.
func (c NodeConfig) IsEdge() bool { return c.Role != Inner }

// WithIfIndex returns a copy of c with the kernel interface indexes set
// on the OSPF interfaces and the static routes' next hops; names missing
// from idx keep index 0 (unknown).
func (c NodeConfig) WithIfIndex(idx map[string]int) NodeConfig {
	out := c
	out.OSPF.Interfaces = append([]ospf.InterfaceConfig(nil), c.OSPF.Interfaces...)
	for i := range out.OSPF.Interfaces {
		out.OSPF.Interfaces[i].IfIndex = idx[out.OSPF.Interfaces[i].Name]
	}
	out.Discard = append([]fib.Route(nil), c.Discard...)
	out.Routes = routesWithIfIndex(c.Routes, c.Interfaces, idx)
	out.Static = make([]fib.Route, len(c.Static))
	for i, r := range c.Static {
		r.NextHops = append([]fib.NextHop(nil), r.NextHops...)
		for j := range r.NextHops {
			r.NextHops[j].IfIndex = idx[IfUpstream]
		}
		out.Static[i] = r
	}
	if c.VRRP != nil {
		v := *c.VRRP
		out.VRRP = &v
	}
	if c.SecondVRRP != nil {
		v := *c.SecondVRRP
		out.SecondVRRP = &v
	}
	return out
}

// RoutingHoldTimeout is how long a booting edge waits at most for its OSPF
// routes before VRRP may make it Master (TrackRouting): the router-LSA it
// sends at start and the one listing its adjacencies, MinLSInterval apart
// (RFC 2328 §12.4), a hello period to form the adjacency, a dead interval,
// and a second of slack. The hold normally releases long before, as soon
// as the routes are in.
func RoutingHoldTimeout(p Profile) time.Duration {
	tm := p.Timers()
	hello := tm.HelloInterval
	if tm.HelloMultiplier > 0 {
		hello = time.Second / time.Duration(tm.HelloMultiplier)
	}
	return 2*tm.MinLSInterval + hello + tm.DeadInterval + time.Second
}

// QuietTime is how long a ring of this profile must go without a change
// before a new fault meets every router in the same state: past
// MinLSInterval, so that no origination is still held back and the next
// router-LSA goes out at once (RFC 2328 §12.4), and past the SPF
// back-off's HOLDDOWN, so that every router is back in QUIET and computes
// after INITIAL_SPF_DELAY (RFC 8405 §5.1), plus a second. A fault sooner
// than that can find routers in LONG_WAIT: those whose calculation fires
// just before an LSA arrives and those just after then disagree for
// LONG_SPF_DELAY, and a transient loop can last that long (RFC 8405
// §6, where it is the accepted price of damping an unstable network).
func (p Profile) QuietTime() time.Duration {
	return max(p.Timers().MinLSInterval, p.SPF().HoldDown) + time.Second
}

// SPF returns the RFC 8405 SPF back-off of the profile.
//
// ProfileRFC takes RFC 8405's example delays (INITIAL 50 ms, SHORT 200 ms,
// LONG 5 s, TIME_TO_LEARN 500 ms) except HOLDDOWN: 7.5 s instead of 10 s.
// One incident makes events at fixed distances from its start: the
// adjacency over a restored link comes up one HelloInterval (10 s) later,
// an origination held back by MinLSInterval comes 5 s later, a
// retransmission RxmtInterval (5 s) later. A HOLDDOWN equal to one of
// them ends, on every router, within microseconds of the next event, so
// that some routers take it QUIET (SPF after 50 ms) and others still in
// LONG_WAIT (SPF after 5 s): for 5 s they disagree, and traffic loops
// between them (the simulation of the 8-node ring shows it). 7.5 s is
// 2.5 s away from every multiple of 5 s.
//
// ProfileFast calculates 10 ms after the first change of a quiet period
// (enough to batch the LSAs two neighbours of a dead node flood at the
// same moment), 40 ms after later ones, and stays in SHORT_WAIT for one
// dead interval (1 s): the neighbours of a frozen node time out up to one
// hello period apart, and a returning node's adjacencies take a hello
// period, an exchange and possibly one 250 ms retransmission to settle;
// all of it is one event and is acted on after SHORT_SPF_DELAY. LONG is
// 1 s and HOLDDOWN 2 s.
func (p Profile) SPF() ospf.SPFBackoff {
	if p == ProfileFast {
		return ospf.SPFBackoff{
			InitialDelay: 10 * time.Millisecond,
			ShortDelay:   40 * time.Millisecond,
			LongDelay:    time.Second,
			TimeToLearn:  time.Second,
			HoldDown:     2 * time.Second,
		}
	}
	return ospf.SPFBackoff{
		InitialDelay: ospf.DefaultSPFInitialDelay,
		ShortDelay:   ospf.DefaultSPFShortDelay,
		LongDelay:    ospf.DefaultSPFLongDelay,
		TimeToLearn:  ospf.DefaultSPFTimeToLearn,
		HoldDown:     7500 * time.Millisecond,
	}
}

// Build returns the configuration of the node called name. It validates
// the spec.
func (s Spec) Build(name string) (NodeConfig, error) {
	r, err := s.resolve()
	if err != nil {
		return NodeConfig{}, err
	}
	i, ok := r.byName[name]
	if !ok {
		return NodeConfig{}, fmt.Errorf("%w: no node called %q", ErrInvalidConfig, name)
	}
	return r.build(i, r.plan()), nil
}

// BuildAll returns the configuration of every node, in ring order.
func (s Spec) BuildAll() ([]NodeConfig, error) {
	r, err := s.resolve()
	if err != nil {
		return nil, err
	}
	p := r.plan()
	out := make([]NodeConfig, len(s.Nodes))
	for i := range out {
		out[i] = r.build(i, p)
	}
	return out, nil
}

func (r *resolved) build(i int, p Plan) NodeConfig {
	if r.chain() {
		return r.buildChain(i, p)
	}
	n := len(r.spec.Nodes)
	nd := r.spec.Nodes[i]
	np := p.Nodes[i]
	tm := r.spec.Profile.Timers()
	c := NodeConfig{Name: nd.Name, Index: i, Role: np.Role, Timers: tm, BFDAuth: r.spec.BFDAuth}

	next, prev := (i+1)%n, (i-1+n)%n
	beyond := func(j, link int) []netip.Prefix {
		var ps []netip.Prefix
		for _, lan := range r.spec.Nodes[j].LANs {
			ps = append(ps, lan.Masked())
		}
		return append(ps, r.links[link])
	}
	c.Interfaces = append(c.Interfaces,
		Interface{Name: IfEast, Kind: KindEast, Prefix: r.east[i], Peer: r.west[next].Addr(), PeerNode: r.spec.Nodes[next].Name,
			PeerPrefixes: beyond(next, next), Cost: np.EastCost},
		Interface{Name: IfWest, Kind: KindWest, Prefix: r.west[i], Peer: r.east[prev].Addr(), PeerNode: r.spec.Nodes[prev].Name,
			PeerPrefixes: beyond(prev, (prev-1+n)%n), Cost: np.WestCost},
	)
	edge := -1
	for k, e := range r.edges {
		if e.node == i {
			edge = k
			c.Interfaces = append(c.Interfaces, Interface{Name: IfUpstream, Kind: KindUpstream, Prefix: e.addr})
		}
	}
	for k, lan := range nd.LANs {
		c.Interfaces = append(c.Interfaces, Interface{Name: LANName(k), Kind: KindLAN, Prefix: lan})
	}

	c.OSPF = ospf.Config{RouterID: r.rid[i], MinLSInterval: tm.MinLSInterval, MinLSArrival: tm.MinLSArrival,
		// A node that boots (or reboots after a freeze) keeps the
		// ring's transit traffic off itself until its own routes are in
		// its FIB (RFC 6987 §3); the bound only matters if that never
		// happens.
		StubRouter: ospf.StubRouter{OnStartup: StubRouterOnStartup}}
	for _, ifc := range c.Interfaces {
		switch ifc.Kind {
		case KindEast, KindWest:
			ic := ospf.InterfaceConfig{
				Name:    ifc.Name,
				Prefix:  ifc.Prefix,
				Network: ospf.NetworkPointToPoint,
				Cost:    ifc.Cost,

				RetransmitInterval: tm.RetransmitInterval,
			}
			if a := r.spec.OSPFAuth; a != nil {
				ic.Auth = *a
			}
			if tm.HelloMultiplier > 0 {
				ic.HelloMultiplier = tm.HelloMultiplier
			} else {
				ic.HelloInterval, ic.RouterDeadInterval = tm.HelloInterval, tm.DeadInterval
			}
			c.OSPF.Interfaces = append(c.OSPF.Interfaces, ic)
		case KindLAN:
			// A passive interface: the LAN is a stub network of the
			// router-LSA (§12.4.1.4) and no hellos are sent to servers.
			nt := ospf.NetworkBroadcast
			if ifc.Prefix.Bits() > 30 {
				nt = ospf.NetworkPointToPoint
			}
			c.OSPF.Interfaces = append(c.OSPF.Interfaces, ospf.InterfaceConfig{
				Name: ifc.Name, Prefix: ifc.Prefix, Network: nt, Passive: true,
			})
		}
		// The upstream LAN stays out of OSPF: the ring reaches it, and
		// everything beyond it, through the default route, which is what
		// follows the VRRP master edge.
	}
	c.OSPF.SPF = r.spec.Profile.SPF()
	if edge >= 0 {
		e := r.edges[edge]
		c.DefaultMetric = MasterDefaultMetric
		if edge == 1 {
			c.DefaultMetric = BackupDefaultMetric
		}
		// default-information originate, not "always": the default is
		// advertised only while the edge's own default route exists
		// (Node reports it with SetDefaultRoute), type 2.
		c.OSPF.DefaultInformation = ospf.DefaultInformation{
			Originate:  true,
			Metric:     c.DefaultMetric,
			MetricType: ospf.MetricType2,
		}
		for j, other := range r.spec.Nodes {
			if j == i {
				continue
			}
			for _, lan := range other.LANs {
				c.Discard = append(c.Discard, fib.Route{
					Prefix: lan.Masked(), Type: fib.TypeUnreachable,
					Metric: DiscardMetric, Protocol: fib.ProtocolStatic,
				})
			}
		}
		c.Static = []fib.Route{{
			Prefix:   netip.PrefixFrom(netip.IPv4Unspecified(), 0),
			NextHops: []fib.NextHop{{Gateway: r.spec.Upstream.Gateway}},
			Metric:   StaticMetric,
			Protocol: fib.ProtocolStatic,
		}}
		c.VRRP = &vrrp.Config{
			Version:          packet.V3,
			VRID:             r.vrid,
			Priority:         e.priority,
			Interval:         tm.VRRPInterval,
			Interface:        IfUpstream,
			Address:          e.addr,
			VirtualAddresses: []netip.Addr{r.spec.Upstream.VIP},
			// Both tracks have weight 0: while one fails the edge stays
			// Backup. IfUpstream follows the upstream interface's carrier
			// (Node.LinkState): without it the edge cannot reach the
			// gateway. TrackRouting is the routing hold after a boot.
			Tracks: []vrrp.Track{{Name: IfUpstream}, {Name: TrackRouting}},
		}
		c.RoutingHold = RoutingHoldTimeout(r.spec.Profile)
		r.buildSecond(&c, edge)
	}
	return c
}

package ring

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/ospf"
)

// Defaults of a SimConfig.
const (
	// DefaultLatency is the one-way delay of every simulated link and
	// segment: a cable plus a virtual switch and a busy hypervisor.
	DefaultLatency = 100 * time.Microsecond
	// DefaultProbeInterval is the time between two probe rounds.
	DefaultProbeInterval = 10 * time.Millisecond
)

// GatewayName is the upstream gateway host of a simulation.
const GatewayName = "gw"

// ServerName returns the name of the server on a node's k-th LAN.
func ServerName(node string, k int) string { return fmt.Sprintf("%s-srv%d", node, k) }

// SimConfig configures a Sim.
type SimConfig struct {
	// Spec is the ring.
	Spec Spec
	// Seed fixes every random choice: netsim's draws and the phase at
	// which faults are injected within a probe interval.
	Seed int64
	// Latency is the one-way delay of every link and segment; zero means
	// DefaultLatency.
	Latency time.Duration
	// ProbeInterval is the time between probe rounds; zero means
	// DefaultProbeInterval.
	ProbeInterval time.Duration
	// Logger receives the protocols' and the network's logs; nil
	// discards them.
	Logger *slog.Logger
	// OnEvent, if set, receives the timeline as it happens: node events,
	// adjacency changes, route changes, faults, probe failures and
	// recoveries.
	OnEvent func(Event)
	// EastWest adds probes between every two servers on different nodes
	// (the storage traffic of a switchless cluster) to the gateway's;
	// Result reports their outage apart (Result.EastWest).
	EastWest bool
}

// Sim is a whole switchless ring on the in-memory network and a manual
// clock: the ring's nodes (Node on netsim transports, a Kernel each),
// one server per server LAN, and the upstream gateway, which routes every
// server LAN to the VIP. Probes run every ProbeInterval of virtual time
// from the gateway to every server and back, traced hop by hop over the
// nodes' forwarding tables.
//
// A Sim is driven by one goroutine; same spec and seed, same run.
type Sim struct {
	cfg   SimConfig
	r     *resolved
	plan  Plan
	clock *routing.ManualClock
	net   *netsim.Network
	epoch time.Time
	rng   *rand.Rand

	nodes  []*SimNode
	byName map[string]*SimNode
	hosts  map[*netsim.Node]*Host
	// hostByName finds a server or the gateway by name.
	hostByName map[string]*Host
	// serviceDown holds the anycast replica servers whose service is
	// failed (SetService).
	serviceDown map[string]bool
	gateway     *Host
	servers     []*Host
	upstream    *netsim.Link
	ring        []*netsim.Link
	// arp is the gateway's view of who answers for an address on the
	// upstream LAN, as the last gratuitous ARP taught it.
	arp map[netip.Addr]*netsim.Attachment

	tracer  *tracer
	probes  *prober
	started bool // probing starts with the cold start
	// lastChange is the last time a node's link-state database, VRRP
	// state or forwarding table changed: the ring is quiet since.
	lastChange time.Time
	// probeStep is set by the clock callback that moves a probe one hop:
	// nothing for observe to look at.
	probeStep bool
	// fwdGen counts changes of anything forwarding depends on: a
	// forwarding table, a carrier, a node's state, an address, the
	// gateway's ARP entry. A probe sent and completed within one
	// generation would come out the same again in that generation.
	fwdGen uint64
	// advancing is the time AdvanceTo is running the simulation to.
	advancing time.Time
	log       *slog.Logger
}

// Host is a server or the upstream gateway: one interface, a forwarding
// table of connected and static routes, and it does not forward.
type Host struct {
	Name string
	// Node is the ring node whose LAN the server is on (empty for the
	// gateway).
	Node string
	// Addr is the host's address.
	Addr   netip.Addr
	Kernel *Kernel
	nd     *netsim.Node
	att    *netsim.Attachment
}

// NewSim builds the network of cfg.Spec: ring links numbered from the
// spec, a segment per server LAN with its server, the upstream segment
// with the gateway and the two edges, the hosts' routes, and every node's
// connected routes. No protocol runs until Start.
func NewSim(cfg SimConfig) (*Sim, error) {
	r, err := cfg.Spec.resolve()
	if err != nil {
		return nil, err
	}
	if cfg.Latency == 0 {
		cfg.Latency = DefaultLatency
	}
	if cfg.ProbeInterval == 0 {
		cfg.ProbeInterval = DefaultProbeInterval
	}
	if cfg.Latency < 0 || cfg.ProbeInterval < 0 {
		return nil, fmt.Errorf("%w: SimConfig: negative Latency or ProbeInterval", ErrInvalidConfig)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	clock := routing.NewManualClock(time.Time{})
	s := &Sim{
		cfg:         cfg,
		r:           r,
		plan:        r.plan(),
		clock:       clock,
		net:         netsim.New(clock, cfg.Seed, log),
		epoch:       clock.Now(),
		rng:         rand.New(rand.NewPCG(uint64(cfg.Seed), 0x72696e6773696d21)), // "ringsim!"
		byName:      make(map[string]*SimNode),
		hosts:       make(map[*netsim.Node]*Host),
		hostByName:  make(map[string]*Host),
		serviceDown: make(map[string]bool),
		arp:         make(map[netip.Addr]*netsim.Attachment),
		log:         log,
	}
	if err := s.build(); err != nil {
		return nil, err
	}
	s.tracer = &tracer{net: s.net, fwd: s.forwarder, resolve: s.resolve}
	for _, nd := range s.net.Nodes() {
		s.watchCarrier(nd)
	}
	s.probes = newProber(s)
	return s, nil
}

func (s *Sim) build() error {
	cond := netsim.Conditions{Latency: s.cfg.Latency}
	n := len(s.r.spec.Nodes)
	for i := range n {
		cfg := s.r.build(i, s.plan)
		sn := &SimNode{sim: s, cfg: cfg, nd: s.net.Node(cfg.Name), atts: make(map[string]*netsim.Attachment)}
		s.nodes = append(s.nodes, sn)
		s.byName[cfg.Name] = sn
	}
	for i := range s.r.links { // N links, N-1 in a chain
		a, b := s.nodes[i], s.nodes[(i+1)%n]
		ea, eb, err := s.net.Link(a.nd, b.nd, netsim.LinkConfig{
			Name:  fmt.Sprintf("ring%d", i),
			AName: IfEast, BName: IfWest,
			AAddrs: []netip.Prefix{s.r.east[i]}, BAddrs: []netip.Prefix{s.r.west[(i+1)%n]},
			Conditions: cond,
		})
		if err != nil {
			return err
		}
		a.atts[IfEast], b.atts[IfWest] = ea, eb
		s.ring = append(s.ring, ea.Link())
	}
	if s.r.uplink() {
		if err := s.buildUpstream(cond); err != nil {
			return err
		}
	}
	for _, sn := range s.nodes {
		if err := s.buildLANs(sn, cond); err != nil {
			return err
		}
		sn.kernel = NewKernel()
		if err := sn.addConnected(); err != nil {
			return err
		}
	}
	if !s.r.uplink() {
		return nil
	}
	// The gateway routes every server LAN, and the anycast service the
	// ring announces, to the VIP (Spec.GatewayRoutes: with active-active
	// edges, to the VIP of the LAN's group; a chain's, to the edge).
	if err := s.gateway.addConnected(); err != nil {
		return err
	}
	return s.routeAtGateway(nil)
}

// watchCarrier counts every carrier change of nd's interfaces as a
// change forwarding depends on (fwdGen).
func (s *Sim) watchCarrier(nd *netsim.Node) {
	for _, a := range nd.Attachments() {
		a.OnLinkState(func(bool) { s.fwdGen++ })
	}
}

// routeAtGateway gives the gateway the static routes of Spec.GatewayRoutes
// to the prefixes of only (all of them when only is nil).
func (s *Sim) routeAtGateway(only []netip.Prefix) error {
	for _, gr := range s.r.gatewayRoutes(s.plan) {
		if only != nil && !slices.Contains(only, gr.Prefix) {
			continue
		}
		if err := s.gateway.Kernel.Static.Replace(context.Background(), fib.Route{
			Prefix:   gr.Prefix,
			NextHops: []fib.NextHop{{Gateway: gr.VIP, IfIndex: s.gateway.att.Index()}},
			Protocol: fib.ProtocolStatic,
		}); err != nil {
			return err
		}
	}
	return nil
}

// buildLANs builds the node's server LANs: a segment each, with its
// server, whose default route points at the node.
func (s *Sim) buildLANs(sn *SimNode, cond netsim.Conditions) error {
	for k, lan := range s.r.spec.Nodes[sn.cfg.Index].LANs {
		seg, err := s.net.Segment(sn.cfg.Name+"/"+LANName(k), netsim.SegmentConfig{Conditions: cond})
		if err != nil {
			return err
		}
		a, err := seg.Attach(sn.nd, LANName(k), lan)
		if err != nil {
			return err
		}
		sn.atts[LANName(k)] = a
		addr, ok := serverAddr(lan)
		if !ok {
			continue // a /32 LAN has no room for a server
		}
		name := ServerName(sn.cfg.Name, k)
		hn := s.net.Node(name)
		ha, err := seg.Attach(hn, "eth0", netip.PrefixFrom(addr, lan.Bits()))
		if err != nil {
			return err
		}
		h := &Host{Name: name, Node: sn.cfg.Name, Addr: addr, Kernel: NewKernel(), nd: hn, att: ha}
		s.hosts[hn] = h
		s.hostByName[name] = h
		s.servers = append(s.servers, h)
		// The server's default route points at its node (RFC 1812
		// style host configuration).
		if err := h.addConnected(); err != nil {
			return err
		}
		if err := h.Kernel.Static.Replace(context.Background(), fib.Route{
			Prefix:   netip.PrefixFrom(netip.IPv4Unspecified(), 0),
			NextHops: []fib.NextHop{{Gateway: lan.Addr(), IfIndex: ha.Index()}},
			Protocol: fib.ProtocolStatic,
		}); err != nil {
			return err
		}
	}
	return nil
}

// buildUpstream builds the upstream LAN: its segment, the gateway and
// the edges' attachments.
func (s *Sim) buildUpstream(cond netsim.Conditions) error {
	up, err := s.net.Segment("upstream", netsim.SegmentConfig{Conditions: cond})
	if err != nil {
		return err
	}
	s.upstream = up
	u := s.r.spec.Upstream
	gwPrefix := netip.PrefixFrom(u.Gateway, u.Prefix.Bits())
	gwNode := s.net.Node(GatewayName)
	gwAtt, err := up.Attach(gwNode, "eth0", gwPrefix)
	if err != nil {
		return err
	}
	s.gateway = &Host{Name: GatewayName, Addr: u.Gateway, Kernel: NewKernel(), nd: gwNode, att: gwAtt}
	s.hosts[gwNode] = s.gateway
	s.hostByName[GatewayName] = s.gateway
	for _, e := range s.r.edges {
		sn := s.nodes[e.node]
		a, err := up.Attach(sn.nd, IfUpstream, e.addr)
		if err != nil {
			return err
		}
		sn.atts[IfUpstream] = a
	}
	return nil
}

// serverAddr picks the server's address on a LAN: the first host address
// that is not the node's.
func serverAddr(lan netip.Prefix) (netip.Addr, bool) {
	if lan.Bits() >= 32 {
		return netip.Addr{}, false
	}
	a := lan.Masked().Addr()
	if lan.Bits() < 31 {
		a = a.Next() // skip the network address
	}
	if a == lan.Addr() {
		a = a.Next()
	}
	if !lan.Contains(a) {
		return netip.Addr{}, false
	}
	return a, true
}

func connectedRoute(a *netsim.Attachment, p netip.Prefix) fib.Route {
	return fib.Route{Prefix: p.Masked(), NextHops: []fib.NextHop{{IfIndex: a.Index()}}, Protocol: fib.ProtocolConnected}
}

func (h *Host) addConnected() error {
	return h.Kernel.Connected.Replace(context.Background(), connectedRoute(h.att, netip.PrefixFrom(h.Addr, h.att.Addrs()[0].Bits())))
}

// addConnected installs the routes of the node's interface networks in
// its kernel, as Linux does for interface addresses.
func (sn *SimNode) addConnected() error {
	for _, ifc := range sn.cfg.Interfaces {
		if err := sn.kernel.Connected.Replace(context.Background(), connectedRoute(sn.atts[ifc.Name], ifc.Prefix)); err != nil {
			return err
		}
	}
	return nil
}

// Clock returns the simulation's clock.
func (s *Sim) Clock() *routing.ManualClock { return s.clock }

// Network returns the simulated network.
func (s *Sim) Network() *netsim.Network { return s.net }

// Plan returns the cost plan of the ring.
func (s *Sim) Plan() Plan { return s.plan }

// Elapsed returns the virtual time since the simulation was made.
func (s *Sim) Elapsed() time.Duration { return s.clock.Now().Sub(s.epoch) }

// Nodes returns the ring's nodes in ring order.
func (s *Sim) Nodes() []*SimNode { return slices.Clone(s.nodes) }

// Node returns the node called name, or nil.
func (s *Sim) Node(name string) *SimNode { return s.byName[name] }

// Gateway returns the upstream gateway.
func (s *Sim) Gateway() *Host { return s.gateway }

// Servers returns the servers, in ring order.
func (s *Sim) Servers() []*Host { return slices.Clone(s.servers) }

// RingLink returns the netsim link of ring link i (node i east to node
// i+1 west).
func (s *Sim) RingLink(i int) *netsim.Link { return s.ring[i] }

// CapturePcapng records every packet the network delivers from now on,
// for Wireshark; Close the capture when done.
func (s *Sim) CapturePcapng(w io.Writer) (*netsim.Capture, error) { return s.net.CapturePcapng(w) }

func (s *Sim) emit(e Event) {
	if s.cfg.OnEvent == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = s.clock.Now()
	}
	s.cfg.OnEvent(e)
}

// Start starts every node at the current virtual time (a cold start).
func (s *Sim) Start() error {
	s.started = true
	var errs []error
	for _, sn := range s.nodes {
		errs = append(errs, sn.boot())
	}
	return errors.Join(errs...)
}

// Trace follows a packet from host h to dst over the current forwarding
// tables.
func (s *Sim) Trace(h *Host, dst netip.Addr) Trace {
	return s.tracer.trace(h.nd, h.Addr, dst)
}

func (s *Sim) forwarder(nd *netsim.Node) *forwarder {
	if h := s.hosts[nd]; h != nil {
		return &forwarder{name: h.Name, kernel: h.Kernel, host: true}
	}
	sn := s.byName[nd.Name()]
	if sn == nil {
		return nil
	}
	return &forwarder{name: sn.cfg.Name, kernel: sn.kernel, down: sn.downReason}
}

// resolve answers for next hop addr on out's link: on the upstream LAN the
// holder the last gratuitous ARP named, if it still holds the address
// (the gateway's ARP cache; VRRP's virtual MAC makes the switch follow
// the same way); otherwise the first attachment that holds it.
func (s *Sim) resolve(out *netsim.Attachment, addr netip.Addr) *netsim.Attachment {
	if out.Link() == s.upstream {
		if a := s.arp[addr]; a != nil && a != out && a.HasAddr(addr) {
			return a
		}
	}
	return out.Neighbor(addr)
}

// Advance runs the simulation for d of virtual time: protocol timers and
// packets, timeline observation, and a probe round every ProbeInterval.
func (s *Sim) Advance(d time.Duration) {
	s.AdvanceTo(s.clock.Now().Add(d))
}

// AdvanceTo runs the simulation until virtual time t.
func (s *Sim) AdvanceTo(t time.Time) {
	s.advancing = t
	for {
		next := s.probes.next
		if next.After(t) {
			s.runTo(t)
			return
		}
		s.runTo(next)
		s.probes.round()
	}
}

// runTo runs every clock callback due at or before t, one at a time,
// observing the nodes after each, then sets the clock to t.
func (s *Sim) runTo(t time.Time) {
	for {
		next, ok := s.clock.Next()
		if !ok || next.After(t) {
			break
		}
		s.clock.Step()
		if !s.probeStep {
			s.observe()
		}
		s.probeStep = false
	}
	s.clock.AdvanceTo(t)
}

// observe notes database changes (for Quiet) and turns OSPF neighbor
// changes into timeline events. (Instances report their neighbors as
// values; polling after every callback gives the exact virtual time.)
func (s *Sim) observe() {
	for _, sn := range s.nodes {
		inc := sn.inc
		if inc == nil || inc.frozen || sn.nd.Crashed() || inc.node.OSPF() == nil {
			continue
		}
		if inc.lsdbChanged.Swap(false) {
			s.lastChange = s.clock.Now()
		}
		if s.cfg.OnEvent == nil {
			continue
		}
		nbs := inc.node.OSPF().Neighbors()
		for _, nb := range nbs {
			key := nbrKey{nb.Interface, nb.RouterID}
			old, had := inc.nbrs[key]
			inc.nbrs[key] = nb.State
			if had && old == nb.State {
				continue
			}
			if wasFull, isFull := had && old == ospf.NbrFull, nb.State == ospf.NbrFull; wasFull != isFull {
				s.emit(Event{Kind: EventAdjacency, Node: sn.cfg.Name,
					Text: fmt.Sprintf("neighbor %s on %s %v", s.nameOfRouterID(nb.RouterID), nb.Interface, nb.State)})
			}
		}
		// Neighbors that disappeared (killed by InterfaceDown, §10.3
		// KillNbr).
		if len(inc.nbrs) > len(nbs) {
			for key, st := range inc.nbrs {
				if slices.ContainsFunc(nbs, func(nb ospf.NeighborStatus) bool { return nbrKey{nb.Interface, nb.RouterID} == key }) {
					continue
				}
				delete(inc.nbrs, key)
				if st == ospf.NbrFull {
					s.emit(Event{Kind: EventAdjacency, Node: sn.cfg.Name,
						Text: fmt.Sprintf("neighbor %s on %s Down", s.nameOfRouterID(key.rid), key.iface)})
				}
			}
		}
	}
}

// Quiet returns how long no node's link-state database, VRRP state or
// forwarding table has changed.
func (s *Sim) Quiet() time.Duration { return s.clock.Now().Sub(s.lastChange) }

func (s *Sim) nameOfRouterID(id netip.Addr) string {
	for i, rid := range s.r.rid {
		if rid == id {
			return s.r.spec.Nodes[i].Name
		}
	}
	return id.String()
}

// routeText describes a forwarding table change.
func (s *Sim) routeText(ch fib.Change) string {
	switch {
	case ch.New == nil:
		return fmt.Sprintf("- %s (%v)", ch.Old.Prefix, ch.Old.Protocol)
	case ch.Old == nil:
		return "+ " + s.describeRoute(*ch.New)
	}
	return "~ " + s.describeRoute(*ch.New)
}

func (s *Sim) describeRoute(r fib.Route) string {
	via := ""
	for _, nh := range r.NextHops {
		if nh.Gateway.IsValid() {
			via += " via " + nh.Gateway.String()
		}
		if a := s.net.Attachment(nh.IfIndex); a != nil {
			via += " dev " + a.Name()
		}
	}
	return fmt.Sprintf("%s%s (%v)", r.Prefix, via, r.Protocol)
}

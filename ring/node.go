package ring

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/vrrp"
)

// Errors of a Node's lifecycle.
var (
	// ErrStarted is returned by a second Start.
	ErrStarted = errors.New("ring: node already started")
	// ErrStopped is returned by Start after Stop: a Node runs once.
	ErrStopped = errors.New("ring: node stopped")
)

// staticTimeout bounds one write of the static default to its sink.
const staticTimeout = 5 * time.Second

// NodeEnv is what a Node runs on: the clock, the transports, the FIB
// sinks and the VIP's address manager. The simulation builds one from
// netsim; a daemon from raw sockets, netlink sinks and netlink addresses.
type NodeEnv struct {
	// Clock is the time source; nil means the system clock.
	Clock routing.Clock
	// Logger receives the protocols' logs; nil discards them.
	Logger *slog.Logger
	// IfIndex gives the kernel index of each interface by name, for the
	// next hops of installed routes (NodeConfig.WithIfIndex). Missing
	// names mean unknown.
	IfIndex map[string]int
	// OSPF holds one OSPF transport (IP protocol 89) per OSPF interface
	// of the NodeConfig: east, west and every server LAN.
	OSPF map[string]routing.Transport
	// BFD holds the IPv4 BFD transports (UDP port 3784, sent from a port
	// in 49152–65535 with TTL 255, RFC 5881 §4, §5) of the ring
	// interfaces, east and west, keyed by interface name: required when
	// the NodeConfig's Timers.BFDInterval is set, and then exactly those
	// two (the server LANs run no BFD). The node's BFD instance owns
	// them: its Stop closes them. Ignored when BFD is off.
	BFD map[string]routing.UDPTransport
	// VRRP is the VRRP transport (IP protocol 112, TTL 255) on the
	// upstream interface; required at edges.
	VRRP routing.Transport
	// Addresses owns the VIP on the upstream interface; required at
	// edges.
	Addresses vrrp.AddressManager
	// FIB receives the routes OSPF computes (ProtocolOSPF).
	FIB fib.Sink
	// StaticFIB receives the edge's static default (ProtocolStatic);
	// required at edges. It must be another sink than FIB: a sink holds
	// one route per prefix, and an edge holds two defaults, its own static
	// one and the one OSPF learns from the other edge.
	StaticFIB fib.Sink
	// OnEvent, if set, receives the node's events (VRRP transitions,
	// carrier changes, static default installed or withdrawn). It is
	// called synchronously from the goroutine that caused the event and
	// must not call the Node's methods.
	OnEvent func(Event)
	// SecondAddresses manages the VIP of the second VRRP group of an
	// active-active edge (NodeConfig.SecondVRRP); nil means Addresses.
	// On Linux each group needs its own (a macvlan with its virtual
	// MAC).
	SecondAddresses vrrp.AddressManager
	// OnOSPFEvent, if set, receives the OSPF instance's events
	// (ospf.Env.OnEvent).
	OnOSPFEvent func(ospf.Event)
}

// Node runs one ring node: its OSPF instance and, at an edge, the static
// default route and the VRRP virtual router, tied together. The static
// default is installed while the upstream interface has carrier, and the
// edge originates the default into OSPF exactly while it is installed;
// unreachable routes for the other nodes' server LANs keep the gateway's
// traffic for a LAN OSPF cannot reach from bouncing between edge and
// gateway; the VRRP router shares the upstream gateway's next hop with
// the other edge, held in Backup after a boot until OSPF's routes are in
// (TrackRouting). A router-LSA a previous incarnation left in the ring
// is superseded by OSPF itself the moment it comes back (RFC 2328 §13.4).
//
// A Node follows the suite's lifecycle: Start arms everything and
// returns, Stop shuts down gracefully (VRRP sends priority 0 and gives up
// the VIP, the static default is withdrawn, OSPF flushes its LSAs and
// withdraws its routes, the unreachable routes go), Run is Start, wait,
// Stop. A Node runs once.
type Node struct {
	name string // cfg.Name, which Reconfigure never changes
	// cfg is the running configuration: written under mu and cfgMu (by
	// Reconfigure), read under either.
	cfg   NodeConfig
	cfgMu sync.RWMutex
	env   NodeEnv
	log   *slog.Logger
	ospf  *ospf.Instance
	bfd   *bfd.Instance // nil when Timers.BFDInterval is zero
	vrrp  *vrrp.Router  // nil at inner nodes
	vrrp2 *vrrp.Router  // the second group of an active-active edge, else nil
	mux   *vrrp.Mux     // shares env.VRRP between vrrp and vrrp2, else nil
	hold  *routingHold  // nil at inner nodes
	fib   fib.Sink      // where OSPF writes: env.FIB, through the hold at edges

	mu        sync.Mutex
	started   bool
	stopped   bool
	upCarrier bool // the upstream interface has carrier
	staticOn  bool // the static default is installed
}

// nodeErr wraps a protocol's constructor error; a configuration or
// environment error of the protocol (invalid) is one of the node's too.
func nodeErr(node string, err, invalid error) error {
	if errors.Is(err, invalid) {
		return fmt.Errorf("%w: node %s: %w", ErrInvalidConfig, node, err)
	}
	return fmt.Errorf("ring: node %s: %w", node, err)
}

// NewNode returns a Node for cfg on env. It checks that env provides
// every transport and sink cfg needs; nothing runs until Start.
func NewNode(cfg NodeConfig, env NodeEnv) (*Node, error) {
	if env.Clock == nil {
		return nil, fmt.Errorf("%w: node %s: env.Clock: is nil (use routing.SystemClock() on real interfaces)", ErrInvalidConfig, cfg.Name)
	}
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	if env.FIB == nil {
		return nil, fmt.Errorf("%w: node %s: env.FIB: is nil", ErrInvalidConfig, cfg.Name)
	}
	cfg = cfg.WithIfIndex(env.IfIndex)
	n := &Node{name: cfg.Name, cfg: cfg, env: env, log: env.Logger.With("node", cfg.Name), upCarrier: true, fib: env.FIB}
	if cfg.VRRP != nil {
		n.hold = newRoutingHold(n, cfg.RoutingHold)
		n.fib = holdSink{Sink: env.FIB, h: n.hold}
	}

	if !cfg.runsOSPF() {
		// A chain node: static routes only, n.ospf and n.bfd stay nil.
		if env.StaticFIB == nil && (len(cfg.Routes) > 0 || len(cfg.Static) > 0) {
			return nil, fmt.Errorf("%w: node %s: env.StaticFIB: is nil (a chain node needs a static FIB sink)", ErrInvalidConfig, cfg.Name)
		}
		return n, nil
	}
	if err := n.newBFD(); err != nil {
		return nil, err
	}
	oc := n.ospfConfig()
	oenv := ospf.Env{Clock: env.Clock, Logger: n.log, Transports: env.OSPF, FIB: n.fib, OnEvent: env.OnOSPFEvent}
	if n.bfd != nil {
		oenv.Liveness = n.bfd
	}
	in, err := ospf.New(oc, oenv)
	if err != nil {
		return nil, nodeErr(cfg.Name, err, ospf.ErrInvalidConfig)
	}
	n.ospf = in

	if cfg.VRRP != nil {
		switch {
		case env.VRRP == nil:
			return nil, fmt.Errorf("%w: node %s: env.VRRP: is nil (an edge needs a VRRP transport)", ErrInvalidConfig, cfg.Name)
		case env.Addresses == nil:
			return nil, fmt.Errorf("%w: node %s: env.Addresses: is nil (an edge needs an address manager for the VIP)", ErrInvalidConfig, cfg.Name)
		case env.StaticFIB == nil:
			return nil, fmt.Errorf("%w: node %s: env.StaticFIB: is nil (an edge needs a static FIB sink)", ErrInvalidConfig, cfg.Name)
		}
		vc := *cfg.VRRP
		vtr, err := n.vrrpTransport()
		if err != nil {
			return nil, err
		}
		r, err := vrrp.New(vc, vrrp.Env{Clock: env.Clock, Logger: n.log, Transport: vtr, Addresses: env.Addresses,
			OnEvent: func(e vrrp.Event) {
				if e.Kind != vrrp.EventTransition {
					return
				}
				t := e.Transition
				n.emit(Event{Time: t.Time, Kind: EventVRRP,
					Text: fmt.Sprintf("%v -> %v (%v), priority %d", t.From, t.To, t.Reason, t.Priority)})
				if t.Reason == vrrp.ReasonPaused && n.hold != nil {
					// Not under the router's lock: SetTrack takes it.
					env.Clock.AfterFunc(0, n.hold.paused)
				}
			}})
		if err != nil {
			return nil, nodeErr(cfg.Name, err, vrrp.ErrInvalidConfig)
		}
		n.vrrp = r
		if err := n.newSecondVRRP(); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// Config returns the node's configuration, interface indexes applied (the
// last Reconfigure's once one succeeded); its Interfaces slices are
// copies.
func (n *Node) Config() NodeConfig {
	n.cfgMu.RLock()
	defer n.cfgMu.RUnlock()
	c := n.cfg
	// The slices a caller edits for Reconfigure are its own.
	c.Interfaces = slices.Clone(c.Interfaces)
	c.OSPF.Interfaces = slices.Clone(c.OSPF.Interfaces)
	return c
}

// OSPF returns the node's OSPF instance (for status), nil at a chain
// node (TopologyChain), which runs none.
func (n *Node) OSPF() *ospf.Instance { return n.ospf }

// BFD returns the node's BFD instance (for status), nil when the node's
// Timers.BFDInterval is zero.
func (n *Node) BFD() *bfd.Instance { return n.bfd }

// BFDSessions returns a snapshot of the node's BFD sessions, one per ring
// neighbour OSPF has at 2-Way or better (and, for a while, the ones it
// released, AdminDown); nil when BFD is off.
func (n *Node) BFDSessions() []bfd.SessionInfo {
	if n.bfd == nil {
		return nil
	}
	return n.bfd.Sessions()
}

// VRRP returns the node's VRRP router, nil at inner nodes.
func (n *Node) VRRP() *vrrp.Router { return n.vrrp }

func (n *Node) emit(e Event) {
	if n.env.OnEvent == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = n.env.Clock.Now()
	}
	e.Node = n.name
	n.env.OnEvent(e)
}

// Start starts BFD, then OSPF (which asks BFD for a session to each
// ring neighbour as it reaches 2-Way), installs the static default
// (edges, while the upstream interface has carrier) and starts VRRP. It
// does not block.
func (n *Node) Start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return ErrStopped
	}
	if n.started {
		return ErrStarted
	}
	n.started = true
	// The static default and the discard routes first, so that the
	// router-LSA and AS-external-LSA OSPF originates when it starts are
	// already complete: a change right after would be held back by
	// MinLSInterval (RFC 2328 §12.4).
	var errs []error
	if err := n.setDiscard(true); err != nil {
		errs = append(errs, err)
	}
	if err := n.setRoutes(true); err != nil {
		errs = append(errs, err)
	}
	if n.upCarrier {
		errs = append(errs, n.setStaticLocked(true))
	}
	if n.bfd != nil {
		if err := n.bfd.Start(); err != nil {
			return errors.Join(append(errs, fmt.Errorf("ring: node %s: %w", n.cfg.Name, err))...)
		}
	}
	if n.ospf == nil {
		return errors.Join(errs...) // a chain node: its static routes are all it runs
	}
	if err := n.ospf.Start(); err != nil {
		return errors.Join(append(errs, fmt.Errorf("ring: node %s: %w", n.cfg.Name, err))...)
	}
	if n.vrrp != nil {
		if err := n.setTrack(TrackRouting, false); err != nil {
			errs = append(errs, err)
		}
		n.hold.start()
		if err := n.startVRRP(); err != nil {
			errs = append(errs, fmt.Errorf("ring: node %s: %w", n.cfg.Name, err))
		}
	}
	return errors.Join(errs...)
}

// Stop shuts the node down gracefully: VRRP first (priority 0, so that
// the other edge takes the VIP after Skew_Time), then OSPF (its LSAs,
// the default's AS-external-LSA among them, flushed; its routes
// withdrawn; its BFD sessions released), then the static default, then
// BFD (every session AdminDown, RFC 5880 §6.8.16, so that the neighbours
// do not take the stop for a failure, RFC 5882 §3.2). ctx bounds the
// whole.
//
// OSPF stops before the static default goes: withdrawing it first made
// OSPF originate a new router-LSA (the E-bit) an instant before the
// flush, and the neighbours discard a flush that arrives within
// MinLSArrival of the instance it ages (RFC 2328 §13 step 5a); with the
// sockets closed nothing retransmits it, so the ring kept routing
// through the stopped node until its dead interval (TestExit_Ringd).
// Stopped, OSPF ignores the default's withdrawal.
func (n *Node) Stop(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.started || n.stopped {
		n.stopped = true
		return nil
	}
	n.stopped = true
	var errs []error
	if n.vrrp != nil {
		n.hold.stop()
		errs = append(errs, n.stopVRRP(ctx))
	}
	if n.ospf != nil {
		errs = append(errs, n.ospf.Stop(ctx))
	}
	if n.staticOn {
		errs = append(errs, n.setStaticLocked(false))
	}
	if n.bfd != nil {
		errs = append(errs, n.bfd.Stop(ctx))
	}
	errs = append(errs, n.setDiscard(false), n.setRoutes(false))
	return errors.Join(errs...)
}

// Drain is the first half of a graceful stop in real time (ringd's
// SIGTERM): an edge's virtual router gives its role up (priority 0, RFC
// 5798 §6.4.3), and OSPF flushes the node's LSAs and keeps its
// adjacencies up until the neighbours have acknowledged them
// (ospf.Instance.Drain: a flush dropped for MinLSArrival is sent
// again), or ctx is done. The node keeps forwarding with its table
// meanwhile. Stop follows. Drain polls in real time; the simulation's
// nodes stop without it.
func (n *Node) Drain(ctx context.Context) error {
	n.mu.Lock()
	if !n.started || n.stopped {
		n.mu.Unlock()
		return nil
	}
	var verr error
	if n.vrrp != nil {
		n.hold.stop()
		verr = n.stopVRRP(ctx)
	}
	in := n.ospf
	n.mu.Unlock()
	if in == nil {
		return verr // a chain node has nothing to flush: Stop deletes its routes
	}
	return errors.Join(verr, in.Drain(ctx))
}

// Run starts the node, waits for ctx to be done, drains it and stops it
// with a fresh five-second context.
func (n *Node) Run(ctx context.Context) error {
	if err := n.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	_ = n.Drain(dctx) // unacknowledged flushes age out at the neighbours
	dcancel()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return n.Stop(sctx)
}

// LinkState reports a carrier change of the interface called ifname, as
// the kernel tells it. On a ring interface OSPF acts at once (RFC 2328
// §9.3 InterfaceDown kills the neighbor, no dead interval). On the
// upstream interface the static default is withdrawn (and with it the
// default the edge originates) or installed again, and the VRRP router's
// "up" track forces it to Backup while the carrier is gone. Calls before
// Start set the initial state.
func (n *Node) LinkState(ifname string, up bool) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return nil
	}
	n.emit(Event{Kind: EventLink, Text: fmt.Sprintf("%s carrier %s", ifname, upDown(up))})
	if n.ospf == nil {
		return n.chainLinkState(ifname, up)
	}
	if ifname == IfUpstream && n.cfg.VRRP != nil {
		n.upCarrier = up
		var errs []error
		if n.started && n.staticOn != up {
			errs = append(errs, n.setStaticLocked(up))
		}
		if err := n.setTrack(IfUpstream, up); err != nil {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}
	ifc, ok := n.cfg.Interface(ifname)
	if !ok {
		return fmt.Errorf("ring: node %s: no interface %q", n.cfg.Name, ifname)
	}
	if n.hold != nil && (ifc.Kind == KindEast || ifc.Kind == KindWest) {
		defer n.hold.setCarrier(ifname, up)
	}
	if up {
		return n.ospf.InterfaceUp(ifname)
	}
	return n.ospf.InterfaceDown(ifname)
}

// setStaticLocked installs or withdraws the static default and tells
// OSPF whether the default exists, so that default-information originate
// follows it.
func (n *Node) setStaticLocked(on bool) error {
	if len(n.cfg.Static) == 0 {
		return nil
	}
	errs := n.writeStatic(n.cfg.Static, on, "static")
	if on && len(errs) > 0 {
		// Not installed: do not originate a default that goes nowhere.
		return errors.Join(errs...)
	}
	n.staticOn = on
	n.setDefaultPresent(on)
	verb := "withdrawn"
	if on {
		verb = "installed"
	}
	n.emit(Event{Kind: EventStatic, Text: fmt.Sprintf("static default via %v %s", n.cfg.Static[0].NextHops[0].Gateway, verb)})
	return errors.Join(errs...)
}

// setDiscard installs or withdraws the edge's unreachable routes.
func (n *Node) setDiscard(on bool) error {
	return errors.Join(n.writeStatic(n.cfg.Discard, on, "unreachable")...)
}

// writeStatic installs (on) or deletes routes in the static FIB sink, all
// of them whatever fails, and returns the failures, each naming what
// kind of route it was.
func (n *Node) writeStatic(routes []fib.Route, on bool, what string) []error {
	if len(routes) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), staticTimeout)
	defer cancel()
	var errs []error
	for _, r := range routes {
		var err error
		if on {
			err = n.env.StaticFIB.Replace(ctx, r)
		} else {
			err = n.env.StaticFIB.Delete(ctx, r.Prefix, r.Table)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("ring: node %s: %s %v: %w", n.cfg.Name, what, r.Prefix, err))
		}
	}
	return errs
}

func upDown(up bool) string {
	if up {
		return "up"
	}
	return "down"
}

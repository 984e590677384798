package rip

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/loop"
	"github.com/switchless/routing/rip/packet"
)

// AllRIPRouters is the RIP-2 multicast group (RFC 2453 §4.5).
var allRIPRouters = netip.AddrFrom4([4]byte{224, 0, 0, 9})

// Env is what an Instance runs on.
type Env struct {
	// Clock is required: routing.SystemClock() on real interfaces, a
	// routing.ManualClock in simulation.
	Clock routing.Clock
	// Logger receives protocol logs; nil discards.
	Logger *slog.Logger
	// Transports are the UDP port 520 transports, one per configured
	// interface and keyed by its name (Listen opens them; netsim gives
	// them in memory). The Instance starts and closes them.
	Transports map[string]routing.UDPTransport
	// FIB receives the learnt routes with fib.ProtocolRIP; nil installs
	// nothing.
	FIB fib.Sink
	// OnEvent, if set, is told of route and neighbour changes, after the
	// instance's lock is released, one at a time and in order.
	OnEvent func(Event)
	// Liveness, if set, is the BFD (RFC 5882) the interfaces with
	// InterfaceConfig.BFD ask for a session to each neighbour; a session
	// that goes Down expires the neighbour's routes at once instead of
	// after the 180 s timeout. Nil is no BFD, and then no interface may
	// set BFD.
	Liveness routing.Liveness
}

// Instance is one RIP-2 router (RFC 2453 §3). Every event (a packet, a
// timer, an API call) is handled to completion under one lock; events
// and FIB writes are made after it, in order.
type Instance struct {
	cfg    Config
	timers Timers
	env    Env
	log    *slog.Logger
	clock  routing.Clock
	rnd    *rand.Rand

	mu      loop.Mutex
	byName  map[string]*iface
	started bool
	stopped bool
	ifaces  []*iface
	own     map[netip.Addr]bool

	routes map[netip.Prefix]*route
	// perNeighbor counts the next hops each neighbour gives the table
	// (Config.MaxRoutesPerNeighbor).
	perNeighbor map[hopKey]int
	order       []*route // sorted by prefix when !orderDirty
	orderDirty  bool
	announced   map[netip.Prefix]origin
	// defaultPresent is what SetDefaultRoute reported.
	defaultPresent bool

	regular     loop.Slot
	triggerWait loop.Slot // §3.10.1 damping timer
	pending     bool      // a triggered update waits for triggerWait
	askAround   bool      // a learnt route was lost: ask the neighbours (§3.9.1)
	askedAt     time.Time // the last such round of requests

	stats Stats

	// Reused buffers of the send path (guarded by mu).
	msg packet.Message
	rx  packet.Message
	buf []byte

	effMu    sync.Mutex
	effects  []func()
	draining bool
}

type iface struct {
	idx   int
	cfg   InterfaceConfig
	tr    routing.UDPTransport
	net   netip.Prefix
	cost  int
	neigh map[netip.Addr]*neighbor
	seq   uint32
	pw    [16]byte
	keys  []KeyConfig
	dsts  []netip.AddrPort // where updates go: the group, the neighbours
	stats IfaceStats
	// down is set while the lower layers report the interface unusable
	// (InterfaceDown): nothing is sent or received on it.
	down   bool
	joined bool // member of 224.0.0.9
	// gone: a reconfiguration removed the interface (its transport is
	// closed; a delivery still queued is ignored).
	gone bool
	// bfd are the BFD sessions to neighbours on the interface (bfd.go).
	bfd map[netip.Addr]*bfdWatch
}

// New checks cfg and env and returns a stopped Instance; Start runs it.
func New(cfg Config, env Env) (*Instance, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if env.Clock == nil {
		return nil, cfgErr("env.Clock", "is required")
	}
	if env.Transports == nil {
		return nil, cfgErr("env.Transports", "is required (one per interface)")
	}
	for i, ic := range cfg.Interfaces {
		if tr, ok := env.Transports[ic.Name]; !ok || tr == nil {
			return nil, cfgErr(fmt.Sprintf("env.Transports[%q]", ic.Name), "missing for interfaces[%d]", i)
		}
		if ic.BFD && env.Liveness == nil {
			return nil, cfgErr("env.Liveness", "is nil but interface %q has bfd", ic.Name)
		}
	}
	if len(env.Transports) != len(cfg.Interfaces) {
		names := map[string]bool{}
		for _, ic := range cfg.Interfaces {
			names[ic.Name] = true
		}
		for n := range env.Transports {
			if !names[n] {
				return nil, cfgErr(fmt.Sprintf("env.Transports[%q]", n), "no such interface in the configuration")
			}
		}
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	i := &Instance{
		cfg:         cfg,
		timers:      cfg.Timers.withDefaults(),
		env:         env,
		log:         log,
		clock:       env.Clock,
		own:         map[netip.Addr]bool{},
		byName:      map[string]*iface{},
		routes:      map[netip.Prefix]*route{},
		perNeighbor: map[hopKey]int{},
		announced:   map[netip.Prefix]origin{},
	}
	if i.cfg.MaxPaths == 0 {
		i.cfg.MaxPaths = 1
	}
	seed := cfg.Seed
	if seed == 0 {
		h := fnv.New64a()
		for _, ic := range cfg.Interfaces {
			fmt.Fprintf(h, "%s %s;", ic.Name, ic.Prefix)
		}
		seed = h.Sum64()
	}
	i.rnd = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for k, ic := range cfg.Interfaces {
		f := &iface{idx: k, tr: env.Transports[ic.Name], neigh: map[netip.Addr]*neighbor{}}
		f.setConfig(ic)
		i.ifaces = append(i.ifaces, f)
		i.byName[ic.Name] = f
		i.own[ic.Prefix.Addr()] = true
	}
	return i, nil
}

// setConfig takes what f derives from its configuration.
func (f *iface) setConfig(ic InterfaceConfig) {
	f.cfg = ic
	f.net = ic.Prefix.Masked()
	f.cost = max(ic.MetricIn, 1)
	f.keys = ic.Auth.Keys
	f.pw, _ = packet.Password(ic.Auth.Password)
	f.dsts = nil
	if !ic.NoMulticast {
		f.dsts = append(f.dsts, netip.AddrPortFrom(allRIPRouters, ripPort))
	}
	for _, n := range ic.Neighbors {
		f.dsts = append(f.dsts, netip.AddrPortFrom(n, ripPort))
	}
}

// lock takes the instance lock for an API call or a timer.
func (i *Instance) lock() { i.mu.Lock() }

// unlock releases the lock (running deliveries queued meanwhile), then
// runs the effects queued so far, in order.
func (i *Instance) unlock() {
	i.mu.Unlock()
	i.drain()
}

// effect queues f to run after the lock is released. Called with mu held.
func (i *Instance) effect(f func()) {
	i.effMu.Lock()
	i.effects = append(i.effects, f)
	i.effMu.Unlock()
}

func (i *Instance) emit(e Event) {
	if i.env.OnEvent != nil {
		i.effect(func() { i.env.OnEvent(e) })
	}
}

// drain runs queued effects unless another call up some stack is
// already running them (it will run ours too, in order).
func (i *Instance) drain() {
	i.effMu.Lock()
	if i.draining {
		i.effMu.Unlock()
		return
	}
	i.draining = true
	for len(i.effects) > 0 {
		f := i.effects[0]
		i.effects[0] = nil
		i.effects = i.effects[1:]
		i.effMu.Unlock()
		f()
		i.effMu.Lock()
	}
	i.effects = nil
	i.draining = false
	i.effMu.Unlock()
}

// run is the loop.Slot runner of every timer: the body runs under the
// lock, while the instance runs.
func (i *Instance) run(body func()) {
	i.lock()
	if i.started && !i.stopped {
		body()
	}
	i.unlock()
}

func (i *Instance) arm(s *loop.Slot, d time.Duration, f func()) {
	s.Arm(i.clock, d, i.run, f)
}

// deliverer returns the transport callback of one interface. A packet
// that arrives while the lock is held (by another goroutine, or by this
// one further up the stack: a transport delivering from inside Send) is
// copied and queued, never blocked on.
func (i *Instance) deliverer(f *iface) func(routing.Packet) {
	// Made once: a handler built per packet would cost an allocation on
	// every receive.
	handle := func(p routing.Packet) {
		if i.started && !i.stopped && !f.gone {
			i.receiveOn(f, p)
		}
	}
	return func(p routing.Packet) { i.mu.Deliver(p, handle, i.unlock) }
}

// receiveOn receives p unless f is reported down.
func (i *Instance) receiveOn(f *iface, p routing.Packet) {
	if f.down {
		i.stats.Received++
		f.stats.Received++
		i.drop(f, nil, DropInterfaceDown)
		return
	}
	i.receive(f, p)
}

// Start starts the transports, originates the connected, static, default
// and announced routes, sends a whole-table request on every active
// interface (§3.9.1) and a first update, and arms the update timer.
// Interfaces reported down before Start (InterfaceDown) are opened but
// stay silent, without their connected route, until InterfaceUp.
func (i *Instance) Start() error {
	i.lock()
	defer i.unlock()
	if i.stopped {
		return ErrStopped
	}
	if i.started {
		return ErrStarted
	}
	for k, f := range i.ifaces {
		if err := f.tr.Start(i.deliverer(f)); err != nil {
			for _, g := range i.ifaces[:k] {
				_ = g.tr.Close()
			}
			return fmt.Errorf("rip: interface %s: start: %w", f.cfg.Name, err)
		}
		i.join(f)
		f.seq = uint32(i.clock.Now().Unix())
	}
	i.started = true
	if i.env.FIB != nil {
		// Routes a previous run left are ours to remove (§3.8: nothing
		// learnt survives a restart).
		sink, table := i.env.FIB, i.cfg.FIBTable
		i.effect(func() { i.fibSync(sink, table, nil) })
	}
	for _, f := range i.ifaces {
		if !f.down {
			i.originate(f.net, origin{source: SourceConnected, metric: 1, ifc: f})
		}
	}
	for k := range i.cfg.Static {
		if o, ok := i.staticOrigin(k); ok {
			i.originate(i.cfg.Static[k].Prefix, o)
		}
	}
	if o, ok := i.defaultOrigin(); ok {
		i.originate(defaultRoute, o)
	}
	for _, p := range sortedPrefixes(i.announced) {
		i.originate(p, i.announced[p])
	}
	for _, f := range i.ifaces {
		if !f.cfg.Passive && !f.down {
			i.sendRequest(f)
		}
		// The configured unicast neighbours are watched from the start
		// (bfd.go); the others once heard.
		for _, n := range f.cfg.Neighbors {
			i.bfdWatch(f, n, true)
		}
	}
	i.triggered()
	i.armRegular()
	return nil
}

// defaultRoute is 0.0.0.0/0.
var defaultRoute = netip.PrefixFrom(netip.IPv4Unspecified(), 0)

// defaultOrigin is the origin of Config.DefaultInformation's default
// route, if it is to be originated now: Always, or while SetDefaultRoute
// says this router has one.
func (i *Instance) defaultOrigin() (origin, bool) {
	d := i.cfg.DefaultInformation
	if !d.Originate || !(d.Always || i.defaultPresent) {
		return origin{}, false
	}
	return origin{source: SourceDefault, metric: max(d.Metric, 1), tag: d.Tag}, true
}

// join joins f to 224.0.0.9 unless it is unicast only; a failure (the
// link may be down) is retried by InterfaceUp.
func (i *Instance) join(f *iface) {
	if f.cfg.NoMulticast || f.joined {
		return
	}
	if err := f.tr.JoinGroup(allRIPRouters); err != nil {
		i.log.Warn("rip: join 224.0.0.9", "interface", f.cfg.Name, "err", err)
		return
	}
	f.joined = true
}

// staticOrigin is the origin of Config.Static[k], unless the interface it
// names is down.
func (i *Instance) staticOrigin(k int) (origin, bool) {
	s := i.cfg.Static[k]
	o := origin{source: SourceStatic, metric: max(s.Metric, 1), tag: s.Tag, nextHop: s.NextHop}
	if s.Interface != "" {
		o.ifc = i.byName[s.Interface]
		if o.ifc.down {
			return origin{}, false
		}
	}
	return o, true
}

// Stop stops gracefully: every route in the table goes out at metric 16
// in one last update (so neighbours switch at once, not after the
// timeout), the transports close, and the learnt routes leave the FIB.
// ctx bounds the FIB withdrawal. Stop of a stopped instance does nothing.
func (i *Instance) Stop(ctx context.Context) error {
	i.lock()
	if i.stopped {
		i.unlock()
		return nil
	}
	if !i.started {
		// Never started: the transports are ours to close all the same.
		i.stopped = true
		for _, f := range i.ifaces {
			_ = f.tr.Close()
		}
		i.unlock()
		return nil
	}
	for _, r := range i.sorted() {
		r.changed = true
	}
	i.update(true, true)
	i.stopped = true
	i.regular.Stop()
	i.triggerWait.Stop()
	i.bfdReleaseAll()
	var errs []error
	for _, f := range i.ifaces {
		for _, n := range f.neigh {
			n.timer.Stop()
		}
		if err := f.tr.Close(); err != nil {
			errs = append(errs, fmt.Errorf("rip: interface %s: close: %w", f.cfg.Name, err))
		}
	}
	for _, r := range i.routes {
		r.gc.Stop()
		for _, h := range r.hops {
			h.timeout.Stop()
		}
		if len(r.hops) > 0 && r.metric < packet.Infinity {
			i.emit(Event{Kind: RouteRemoved, Prefix: r.prefix, Metric: packet.Infinity})
		}
	}
	i.unlock()
	if i.env.FIB != nil {
		if _, err := fib.Sync(ctx, i.env.FIB, nil); err != nil {
			errs = append(errs, fmt.Errorf("rip: withdraw routes from the FIB: %w", err))
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// Run starts the instance, waits for ctx to end, and stops it.
func (i *Instance) Run(ctx context.Context) error {
	if err := i.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return i.Stop(sctx)
}

// Announce originates prefix with metric (1 to 15) and tag, as the
// anycast announcer does for a service address: it is advertised like a
// connected route and wins over anything learnt. Announcing it again
// changes its metric or tag. Before Start it is kept for Start and goes
// out in its first update; just after Start it waits for the §3.10.1
// damping timer Start's update armed (1 to 5 s).
func (i *Instance) Announce(prefix netip.Prefix, metric int, tag uint16) error {
	if !prefix.IsValid() || !prefix.Addr().Is4() || prefix.Masked() != prefix {
		return fmt.Errorf("%w: announce %v: not a masked IPv4 prefix", ErrInvalidConfig, prefix)
	}
	if metric < 1 || metric >= packet.Infinity {
		return fmt.Errorf("%w: announce %v: metric %d is not 1 to 15", ErrInvalidConfig, prefix, metric)
	}
	i.lock()
	defer i.unlock()
	if i.stopped {
		return ErrStopped
	}
	o := origin{source: SourceAPI, metric: metric, tag: tag}
	i.announced[prefix] = o
	if i.started {
		i.originate(prefix, o)
		i.triggered()
	}
	return nil
}

// Withdraw stops originating a prefix given to Announce: it is
// advertised at metric 16 in a triggered update, then deleted (§3.8).
// Withdrawing a prefix not announced does nothing.
func (i *Instance) Withdraw(prefix netip.Prefix) error {
	i.lock()
	defer i.unlock()
	if i.stopped {
		return ErrStopped
	}
	if _, ok := i.announced[prefix]; !ok {
		return nil
	}
	delete(i.announced, prefix)
	if i.started {
		i.unoriginate(prefix, SourceAPI)
		i.triggered()
	}
	return nil
}

// SetDefaultRoute reports whether this router has a default route of its
// own (one in the kernel not learnt from RIP): with
// DefaultInformation.Originate and not Always, 0.0.0.0/0 is advertised
// exactly while it does. A change goes out in a triggered update
// (§3.10.1); withdrawn, the route is advertised at metric 16, then
// deleted (§3.8). Before Start it is kept for Start; after Stop it does
// nothing.
func (i *Instance) SetDefaultRoute(present bool) {
	i.lock()
	defer i.unlock()
	if i.defaultPresent == present {
		return
	}
	i.defaultPresent = present
	if i.started && !i.stopped {
		i.reorigin(defaultRoute)
		i.triggered()
	}
}

func (i *Instance) jitter(d time.Duration) time.Duration {
	j := int64(d / 6)
	if j <= 0 {
		return d
	}
	return d - time.Duration(j) + time.Duration(i.rnd.Int64N(2*j+1))
}

func (i *Instance) armRegular() {
	i.arm(&i.regular, i.jitter(i.timers.Update), func() {
		i.update(false, false)
		i.armRegular()
	})
}

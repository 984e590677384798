package ospf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/loop"
	"github.com/switchless/routing/internal/ratelog"
	"github.com/switchless/routing/ospf/packet"
)

// Architectural constants of RFC 2328 Appendix B used by the runner.
const (
	MinLSInterval = 5 * time.Second // B: between originations of one LSA (Config.MinLSInterval)
	MinLSArrival  = 1 * time.Second // B: between accepted floodings of one LSA (Config.MinLSArrival)
	// lsRefresh is LSRefreshTime as a duration.
	lsRefresh = packet.LSRefreshTime * time.Second
	// maxAgeCheck is how often MaxAge LSAs are checked for removal (§14).
	maxAgeCheck = time.Second
	// ipHeaderLen is the IPv4 header an OSPF packet travels in (no
	// options), for fitting packets into the MTU.
	ipHeaderLen = 20
)

type lifecycle uint8

const (
	lifeNew lifecycle = iota
	lifeRunning
	lifeStopped
)

// Instance is an OSPFv2 router on the backbone area: its interfaces,
// neighbors and link-state database. It is event-driven and synchronous:
// every received packet, timer and API call is handled to completion under
// the instance's mutex on the goroutine that delivered it. All methods are
// safe for concurrent use.
type Instance struct {
	// mu is held for every input (packet, timer, API call). A packet
	// delivered while it is held is queued (loop.Mutex.Post) and handled
	// by the holder before it releases mu; see iface.deliver.
	mu    loop.Mutex
	cfg   Config
	rid   netip.Addr
	area  netip.Addr
	clock routing.Clock
	log   *slog.Logger
	// dropLog rate-limits the Warn lines of dropped packets.
	dropLog ratelog.Limiter[dropLogKey]

	ifaces []*iface
	byName map[string]*iface

	db        *lsdb
	life      lifecycle
	ageTimer  loop.Slot
	ageDue    time.Time
	orig      originState
	stub      stubState
	ovf       overflowState
	ddSeqNext uint32

	// liveness is Env.Liveness (nil: no BFD).
	liveness routing.Liveness

	// onEvent is Env.OnEvent. lsdbChanges are the database changes of
	// the input in progress (under the lock); evq the events waiting for
	// dispatch, evBusy whether a goroutine is dispatching (both under
	// evMu, which is only held briefly).
	onEvent     func(Event)
	lsdbChanges []LSDBChange
	evMu        sync.Mutex
	evq         []Event
	evBusy      bool
	// observers are in-package hooks (SPF scheduling) told of every
	// database change under the mutex; they must not block.
	observers []func(LSDBChange)
	// startHooks and stopHooks let other parts of the package (the
	// routing table) arm their timers when the instance starts and
	// release them when it stops; both run under the mutex, stopHooks
	// after the self-originated LSAs were flushed.
	startHooks, stopHooks []func()
	// rt is the routing table calculation and its FIB (routing.go).
	rt *routingState
	// retired are the counters of the interfaces Reconfigure removed, so
	// that Stats stays monotonic.
	retired counters

	rx    packet.Packet // decode target, reused
	txbuf []byte        // encode buffer, reused (transports do not retain it)
}

// Env is what an Instance runs on: its clock, logger, transports and
// FIB, and who is told of its events. Config is what an operator writes;
// Env is what the embedding program provides.
type Env struct {
	// Clock is required: routing.SystemClock() on real interfaces, a
	// routing.ManualClock in simulation.
	Clock routing.Clock
	// Logger receives the instance's logs; nil discards them.
	Logger *slog.Logger
	// Transports are the interfaces' transports, keyed by interface
	// name: one per configured interface, none extra (see Listen).
	Transports map[string]routing.Transport
	// FIB receives the routing table, only what changed being written;
	// nil calculates routes without installing them.
	FIB fib.Sink
	// OnEvent, if set, is told of the instance's events (see Event).
	OnEvent func(Event)
	// Liveness, if set, is the BFD (RFC 5882) the interfaces with
	// InterfaceConfig.BFD ask for a session to each neighbor of 2-Way or
	// more; a session that goes Down kills its neighbor at once (§10.3
	// KillNbr) instead of after RouterDeadInterval. Nil is no BFD, and
	// then no interface may set BFD.
	Liveness routing.Liveness
}

// validate checks env against cfg, naming the field and the reason.
func (env Env) validate(cfg Config) error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: env.%s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...))
	}
	if env.Clock == nil {
		return bad("Clock", "is nil (use routing.SystemClock() on real interfaces)")
	}
	if env.Transports == nil {
		return bad("Transports", "is nil")
	}
	names := make(map[string]bool, len(cfg.Interfaces))
	for _, ic := range cfg.Interfaces {
		names[ic.Name] = true
		if env.Transports[ic.Name] == nil {
			return bad("Transports", "no transport for interface %q", ic.Name)
		}
		if ic.BFD && env.Liveness == nil {
			return bad("Liveness", "is nil but interface %q has bfd", ic.Name)
		}
	}
	var extra []string
	for name := range env.Transports {
		if !names[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return bad("Transports", "%q is not a configured interface", extra[0])
	}
	return nil
}

// New returns an Instance for cfg running on env. It checks cfg
// (Config.Validate) and that env matches it: a nil clock, a missing or
// extra transport is an error wrapping ErrInvalidConfig naming the field
// and the reason. Nothing runs until Start.
func New(cfg Config, env Env) (*Instance, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := env.validate(cfg); err != nil {
		return nil, err
	}
	clock, logger := env.Clock, env.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	in := &Instance{
		cfg:     cfg,
		rid:     cfg.RouterID,
		area:    netip.IPv4Unspecified(),
		clock:   clock,
		log:     logger.With("ospf.router", cfg.RouterID.String()),
		byName:  make(map[string]*iface, len(cfg.Interfaces)),
		db:      newLSDB(),
		onEvent: env.OnEvent,

		liveness: env.Liveness,
	}
	in.orig.init()
	for i, ic := range cfg.Interfaces {
		ifc := newIface(in, i, ic, env.Transports[ic.Name])
		in.ifaces = append(in.ifaces, ifc)
		in.byName[ic.Name] = ifc
	}
	in.rt = newRoutingState(in, env.FIB)
	return in, nil
}

// RouterID returns the instance's Router ID.
func (in *Instance) RouterID() netip.Addr { return in.rid }

// Start starts the transports, brings every interface not marked down by
// InterfaceDown up (§9.3 InterfaceUp) and originates the router-LSA. It
// does not block.
func (in *Instance) Start() error {
	in.mu.Lock()
	switch in.life {
	case lifeRunning:
		in.unlock()
		return ErrStarted
	case lifeStopped:
		in.unlock()
		return ErrStopped
	}
	in.life = lifeRunning
	now := in.clock.Now()
	in.ddSeqNext = uint32(now.Unix())
	var errs []error
	for _, ifc := range in.ifaces {
		if err := ifc.tr.Start(ifc.deliver); err != nil {
			errs = append(errs, fmt.Errorf("ospf: interface %s: start transport: %w", ifc.cfg.Name, err))
			continue
		}
		ifc.started = true
		if ifc.llUp {
			ifc.up()
		}
	}
	in.orig.dirty = true
	in.stubStart()
	in.armAgeTimer()
	for _, f := range in.startHooks {
		f()
	}
	in.settleAndUnlock()
	return errors.Join(errs...)
}

// Stop shuts the instance down gracefully: every self-originated LSA is
// flushed by premature aging (§14.1) and flooded once, timers stop and the
// transports are closed. The flush is sent, not waited for: neighbors
// that miss it age the LSAs out, and routes through this router already
// fail the bidirectional check once its adjacencies go down. ctx bounds
// closing the transports.
func (in *Instance) Stop(ctx context.Context) error {
	in.mu.Lock()
	if in.life != lifeRunning {
		in.life = lifeStopped
		in.unlock()
		return nil
	}
	in.flushSelfOriginated()
	in.settle()
	for _, f := range in.stopHooks {
		f()
	}
	in.life = lifeStopped
	in.disarm(&in.ageTimer)
	in.disarm(&in.stub.timer)
	in.disarm(&in.ovf.exit)
	in.orig.stop(in)
	var trs []routing.Transport
	for _, ifc := range in.ifaces {
		ifc.shutdown()
		if ifc.started {
			trs = append(trs, ifc.tr)
		}
	}
	// Not in.unlock: the withdrawal is written under ctx, below. Posted
	// packets run by Unlock are ignored now that the instance stopped.
	in.mu.Unlock()
	// The routes were withdrawn by a stop hook; write that to the FIB.
	ferr := in.rt.flushFIB(ctx)
	in.dispatch()

	return errors.Join(ferr, loop.CloseAll(ctx, trs))
}

// Drain is the first half of a graceful stop: it flushes every
// self-originated LSA (premature aging, RFC 2328 §14.1) and keeps the
// instance running, its adjacencies up, until every neighbour has
// acknowledged what it was sent (§13.6: the flush is retransmitted every
// RxmtInterval until then) or ctx is done. A neighbour that drops the
// flush because it came within MinLSArrival of the previous instance
// (§13 step 5a, as FRR does when an LSA changed just before the stop) is
// sent it again; Stop alone sends it once and closes its sockets, which
// leaves the LSA in the neighbour's database. Nothing is originated
// after Drain: call Stop next. Drain polls in real time: on a manual
// clock, advance the clock from another goroutine, or call Stop alone.
// It returns ctx's error if the neighbours did not all acknowledge in
// time.
func (in *Instance) Drain(ctx context.Context) error {
	in.mu.Lock()
	if in.life != lifeRunning {
		in.unlock()
		return nil
	}
	// A flush within MinLSArrival of an instance just originated would
	// be dropped by neighbours configured as we are (and FRR's 1 s):
	// nothing is originated from here on, and the flush waits until the
	// newest instance is that old. The retransmissions below are the
	// fallback for neighbours slower still.
	in.orig.stopping = true
	now := in.clock.Now()
	var wait time.Duration
	for _, k := range in.selfKeys() {
		if e := in.db.get(k); e != nil && e.selfMade && !e.isMaxAge(now) {
			wait = max(wait, e.installedAt.Add(in.cfg.minLSArrival()).Sub(now))
		}
	}
	in.unlock()
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	in.mu.Lock()
	if in.life != lifeRunning {
		in.unlock()
		return nil
	}
	in.flushSelfOriginated()
	in.settle()
	in.unlock()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		pending := 0
		for _, n := range in.Neighbors() {
			if n.State >= NbrExchange {
				pending += n.RetransmitList
			}
		}
		if pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("ospf: drain: %d LSAs not acknowledged: %w", pending, ctx.Err())
		case <-tick.C:
		}
	}
}

// Run starts the instance, waits for ctx to be done, drains it (up to 3
// seconds) and stops it with a fresh 5-second context.
func (in *Instance) Run(ctx context.Context) error {
	if err := in.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	dctx, dcancel := context.WithTimeout(context.Background(), 3*time.Second)
	_ = in.Drain(dctx) // unacknowledged flushes age out at the neighbours
	dcancel()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return in.Stop(sctx)
}

// InterfaceDown reports that the lower layers consider the interface
// unusable (link down). It takes effect at once: §9.3 InterfaceDown, which
// kills every neighbor on it (§10.3 KillNbr) and re-originates the
// router-LSA.
func (in *Instance) InterfaceDown(name string) error {
	in.mu.Lock()
	ifc := in.byName[name]
	if ifc == nil {
		in.unlock()
		return fmt.Errorf("%w: %q", ErrNoInterface, name)
	}
	ifc.llUp = false
	if in.life == lifeRunning {
		ifc.event(ifEvInterfaceDown)
	}
	in.settleAndUnlock()
	return nil
}

// InterfaceUp reports that the interface is usable again (§9.3
// InterfaceUp). It takes effect at once.
func (in *Instance) InterfaceUp(name string) error {
	in.mu.Lock()
	ifc := in.byName[name]
	if ifc == nil {
		in.unlock()
		return fmt.Errorf("%w: %q", ErrNoInterface, name)
	}
	ifc.llUp = true
	if in.life == lifeRunning && ifc.started {
		ifc.up()
	}
	in.settleAndUnlock()
	return nil
}

// onLSDBChange registers an in-package observer of database changes (for
// SPF scheduling). It runs under the instance mutex and must not block.
func (in *Instance) onLSDBChange(f func(LSDBChange)) {
	in.mu.Lock()
	in.observers = append(in.observers, f)
	in.unlock()
}

// settleAndUnlock finishes the work an input caused and releases the
// lock (unlock).
func (in *Instance) settleAndUnlock() {
	in.settleAll()
	in.unlock()
}

// settleAll finishes the work an input caused, under the lock: the
// deferred protocol work (settle), the AS-external routes (§16.6) and
// the database event. Posted deliveries end with it too.
func (in *Instance) settleAll() {
	in.settle()
	in.rt.settle()
	in.emitLSDB()
}

// unlock releases the lock — running, before it is free, the deliveries
// posted meanwhile (loop.Mutex) — then does what is done outside it:
// routes to the FIB, events to OnEvent. Every release of in.mu goes
// through here, so that the effects of posted work are never left behind.
func (in *Instance) unlock() {
	in.mu.Unlock()
	in.rt.afterUnlock()
	in.dispatch()
}

// settle runs the work deferred while handling an input: scheduled
// interface events (§10.5 schedules NeighborChange and BackupSeen after
// the hello is processed), LSA origination, and the queued floods and
// acknowledgments, packed into as few packets as possible.
func (in *Instance) settle() {
	for round := 0; round < 64; round++ {
		progress := false
		for _, ifc := range in.ifaces {
			for len(ifc.pending) > 0 {
				e := ifc.pending[0]
				ifc.pending = ifc.pending[1:]
				ifc.event(e)
				progress = true
			}
		}
		if in.orig.dirty && in.life == lifeRunning {
			in.originateAll()
			progress = true
		}
		if !progress {
			break
		}
	}
	for _, ifc := range in.ifaces {
		ifc.flushQueues()
	}
	if in.stub.startup {
		in.stubProgress() // RFC 6987 §3 (stubrouter.go)
	}
}

// arm (re)starts s to run f after d, under the lock, followed by settle
// (runTimer). A callback of a stopped or re-armed slot does nothing.
func (in *Instance) arm(s *loop.Slot, d time.Duration, f func()) {
	s.Arm(in.clock, d, in.runTimer, f)
}

func (in *Instance) disarm(s *loop.Slot) { s.Stop() }

// runTimer runs a timer's body as one input: under the lock, only while
// the instance runs, settled afterwards.
func (in *Instance) runTimer(body func()) {
	in.mu.Lock()
	if in.life != lifeRunning {
		in.unlock()
		return
	}
	body()
	in.settleAndUnlock()
}

// nextDDSeq returns a fresh initial DD sequence number (§10.8: "a unique
// value, like the time of day").
func (in *Instance) nextDDSeq() uint32 {
	in.ddSeqNext++
	return in.ddSeqNext
}

// debugEnabled avoids building log attributes for a discarding logger.
func (in *Instance) debugEnabled() bool {
	return in.log.Enabled(context.Background(), slog.LevelDebug)
}

// anyNeighborExchanging reports whether any neighbor is in Exchange or
// Loading (§13 step 4, §14).
func (in *Instance) anyNeighborExchanging() bool {
	for _, ifc := range in.ifaces {
		for _, n := range ifc.nbrs {
			if n.state == NbrExchange || n.state == NbrLoading {
				return true
			}
		}
	}
	return false
}

// InterfaceStatus is a snapshot of one OSPF interface.
type InterfaceStatus struct {
	Name     string
	IfIndex  int
	Prefix   netip.Prefix
	Network  NetworkType
	State    InterfaceState
	Passive  bool
	Cost     uint16
	Priority uint8
	// DR and BDR are the interface addresses of the Designated and Backup
	// Designated Routers (zero when none); DRID and BDRID their Router
	// IDs.
	DR, BDR, DRID, BDRID netip.Addr
	HelloInterval        time.Duration
	RouterDeadInterval   time.Duration
	// Neighbors counts neighbors in any state, Adjacent those Full.
	Neighbors, Adjacent int
	Stats               Stats
}

// NeighborStatus is a snapshot of one neighbor.
type NeighborStatus struct {
	Interface string
	RouterID  netip.Addr
	Addr      netip.Addr
	State     NeighborState
	Priority  uint8
	// DR and BDR are what the neighbor declares in its hellos.
	DR, BDR netip.Addr
	Options packet.Options
	// Master reports that this router is master of the database exchange
	// with the neighbor (meaningful from ExStart on).
	Master bool
	// DeadIn is the time left before the Inactivity Timer fires.
	DeadIn time.Duration
	// Lengths of the neighbor's lists (§10).
	RequestList, RetransmitList, SummaryList int
	// BFD is whether a BFD session watches the neighbor and what it last
	// reported (Env.Liveness, InterfaceConfig.BFD).
	BFD BFDState
}

// Interfaces returns a snapshot of every interface, in configuration
// order.
func (in *Instance) Interfaces() []InterfaceStatus {
	in.mu.Lock()
	defer in.unlock()
	out := make([]InterfaceStatus, 0, len(in.ifaces))
	for _, ifc := range in.ifaces {
		s := InterfaceStatus{
			Name:               ifc.cfg.Name,
			IfIndex:            ifc.cfg.IfIndex,
			Prefix:             ifc.cfg.Prefix,
			Network:            ifc.cfg.Network,
			State:              ifc.state,
			Passive:            ifc.cfg.Passive,
			Cost:               ifc.cfg.cost(),
			Priority:           ifc.cfg.priority(),
			DR:                 ifc.dr,
			BDR:                ifc.bdr,
			DRID:               ifc.drID,
			BDRID:              ifc.bdrID,
			HelloInterval:      ifc.cfg.helloInterval(),
			RouterDeadInterval: ifc.cfg.deadInterval(),
			Neighbors:          len(ifc.nbrs),
			Stats:              ifc.ctr.stats(),
		}
		for _, n := range ifc.nbrs {
			if n.state == NbrFull {
				s.Adjacent++
			}
		}
		out = append(out, s)
	}
	return out
}

// Neighbors returns a snapshot of every neighbor, by interface in
// configuration order, then by Router ID.
func (in *Instance) Neighbors() []NeighborStatus {
	in.mu.Lock()
	defer in.unlock()
	now := in.clock.Now()
	var out []NeighborStatus
	for _, ifc := range in.ifaces {
		start := len(out)
		for _, n := range ifc.nbrs {
			s := NeighborStatus{
				Interface:      ifc.cfg.Name,
				RouterID:       n.rid,
				Addr:           n.addr,
				State:          n.state,
				Priority:       n.priority,
				DR:             n.dr,
				BDR:            n.bdr,
				Options:        n.options,
				Master:         n.master,
				RequestList:    n.req.len(),
				RetransmitList: n.rxmt.len(),
				SummaryList:    len(n.summary) - n.summaryPos,
				BFD:            n.bfdState,
			}
			if !n.deadAt.IsZero() {
				s.DeadIn = max(n.deadAt.Sub(now), 0)
			}
			out = append(out, s)
		}
		part := out[start:]
		sort.Slice(part, func(i, j int) bool { return part[i].RouterID.Less(part[j].RouterID) })
	}
	return out
}

// LSDB returns a deep copy of the LSAs matching f (the zero filter
// matches all), in (type, Link State ID, advertising router) order, with
// their current ages.
func (in *Instance) LSDB(f LSDBFilter) []LSAEntry {
	in.mu.Lock()
	defer in.unlock()
	now := in.clock.Now()
	var out []LSAEntry
	for e := range in.db.seqAll(f) {
		out = append(out, e.snapshot(now, in.rid))
	}
	return out
}

// LookupLSA returns a copy of the LSA with key k.
func (in *Instance) LookupLSA(k packet.LSAKey) (LSAEntry, bool) {
	in.mu.Lock()
	defer in.unlock()
	e := in.db.get(k)
	if e == nil {
		return LSAEntry{}, false
	}
	return e.snapshot(in.clock.Now(), in.rid), true
}

// Stats returns the packet counters summed over every interface.
func (in *Instance) Stats() Stats {
	in.mu.Lock()
	defer in.unlock()
	s := Stats{Received: map[packet.PacketType]uint64{}, Sent: map[packet.PacketType]uint64{}, Dropped: map[DropReason]uint64{}}
	in.retired.addTo(&s)
	s.SendErrors += in.retired.txErr
	for _, ifc := range in.ifaces {
		ifc.ctr.addTo(&s)
		s.SendErrors += ifc.ctr.txErr
	}
	return s
}

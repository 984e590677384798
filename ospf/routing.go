package ospf

import (
	"context"
	"fmt"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/loop"
	"github.com/switchless/routing/ospf/packet"
)

// This file joins the routing table calculation to the Instance: database
// changes feed the calculation, RFC 8405 schedules full runs, AS-external
// changes are recomputed at once (§16.6), the table goes to the FIB, and
// redistributed routes become self-originated AS-external-LSAs.

// fibRetryInterval is how long after a failed FIB write the FIB is
// reconciled again.
const fibRetryInterval = time.Second

// fibTimeout bounds one flush of routes to the FIB.
const fibTimeout = 10 * time.Second

// fibReconcileInterval is how often the FIB is compared with the sink's
// own list, to put back routes removed behind our back (an interface
// going administratively down takes the kernel's routes through it).
const fibReconcileInterval = time.Minute

// routingState is an Instance's routing: owned by the instance and only
// touched under its mutex, except fib, which has its own locks.
type routingState struct {
	in     *Instance
	calc   *routeCalc
	sched  *spfScheduler
	fib    *fibSync // nil without Env.FIB
	redist *redistState

	ifacesChanged bool // next full run must not trust the old table for the FIB diff
	lastRun       time.Time
	lastDur       time.Duration
	fibRetry      loop.Slot
	fibCheck      loop.Slot
	ifStates      []InterfaceState // at the last full run
	// ifaceWentDown: an interface entered Down since the last full run.
	// The kernel deletes the routes through an interface set down, and
	// one that comes back up before the next run leaves ifStates as they
	// were and the table unchanged: nothing would put them back until the
	// periodic reconciliation (found by TestCrashRestart_Ring, issue 16:
	// a ring link down for 100 ms inside the SPF back-off left a node
	// without its routes through it for up to a minute).
	ifaceWentDown bool
	stopped       bool
	// stubReady mirrors in.stub.ready for afterUnlock, which runs
	// outside the lock (stubrouter.go).
	stubReady atomic.Bool
}

func newRoutingState(in *Instance, sink fib.Sink) *routingState {
	rs := &routingState{in: in, redist: newRedistState(in.cfg.Redistribute, in.cfg.DefaultInformation)}
	rs.calc = newRouteCalc(spfInput{
		root:     u32Of(in.rid),
		area:     in.area,
		ifaces:   rs.spfIfaces(),
		maxPaths: in.cfg.MaxPaths,
	})
	rs.sched = newSPFScheduler(in.cfg.SPF, in.clock, in.runTimer, rs.runSPF)
	if sink != nil {
		rs.fib = newFIBSync(sink, in.cfg.FIBTable, in.cfg.FIBMetric, in.log)
	}
	in.observers = append(in.observers, rs.lsdbChanged)
	in.orig.sources = append(in.orig.sources, rs.externalLSAs)
	in.stopHooks = append(in.stopHooks, rs.stop)
	in.startHooks = append(in.startHooks, rs.start)
	rs.updateFlags()
	return rs
}

// start arms the periodic FIB reconciliation.
func (rs *routingState) start() {
	if rs.fib == nil {
		return
	}
	var tick func()
	tick = func() {
		rs.fib.requestResync()
		rs.in.arm(&rs.fibCheck, fibReconcileInterval, tick)
	}
	rs.in.arm(&rs.fibCheck, fibReconcileInterval, tick)
}

// validateRouting checks the routing fields of the configuration.
func (c Config) validateRouting() error {
	if c.MaxPaths < 0 || c.MaxPaths > 256 {
		return fmt.Errorf("%w: MaxPaths = %d: must be 0 (default %d) to 256", ErrInvalidConfig, c.MaxPaths, DefaultMaxPaths)
	}
	if c.FIBTable < 0 || int64(c.FIBTable) > fib.MaxTable {
		return fmt.Errorf("%w: FIBTable = %d: out of range 0..%d", ErrInvalidConfig, c.FIBTable, uint64(fib.MaxTable))
	}
	if err := c.SPF.Validate(); err != nil {
		return err
	}
	if err := c.Redistribute.Validate(); err != nil {
		return err
	}
	return c.DefaultInformation.Validate()
}

// spfIfaces describes the OSPF interfaces for next-hop calculation.
func (rs *routingState) spfIfaces() []spfIface {
	out := make([]spfIface, 0, len(rs.in.ifaces))
	for _, ifc := range rs.in.ifaces {
		p := ifc.cfg.Prefix
		out = append(out, spfIface{name: ifc.cfg.Name, ifIndex: ifc.cfg.IfIndex, addr: u32Of(p.Addr()), bits: p.Bits()})
	}
	return out
}

// lsdbChanged is the database observer (§13.2: only a change of contents
// matters to the routing table; a refresh does not).
func (rs *routingState) lsdbChanged(ch LSDBChange) {
	if !ch.Content || rs.stopped {
		return
	}
	var l *packet.LSA
	if e := rs.in.db.get(ch.Key); e != nil && !e.isMaxAge(rs.in.clock.Now()) {
		l = &e.lsa
	}
	if rs.calc.lsa(ch.Key, l) {
		rs.sched.event()
	}
}

// runSPF is the SPF_TIMER callback: a full calculation (§16), its result
// recorded for the FIB.
func (rs *routingState) runSPF() {
	if rs.stopped {
		return
	}
	start := rs.in.clock.Now()
	old, cur := rs.calc.full()
	rs.lastRun = start
	rs.lastDur = rs.in.clock.Now().Sub(start)
	if rs.ifacesChanged {
		old, rs.ifacesChanged = nil, false
	}
	if rs.fib != nil {
		rs.fib.updateFull(old, cur)
		// An interface that went down may have taken kernel routes with
		// it that the new table still wants unchanged: compare with the
		// sink's list when interface states changed, or one went down
		// and up again since the last run.
		if moved := rs.interfacesMoved(); moved || rs.ifaceWentDown {
			rs.fib.requestResync()
		}
		rs.ifaceWentDown = false
	}
	if rs.in.debugEnabled() {
		rs.in.log.Debug("ospf: SPF", "routes", len(cur.ents), "duration", rs.lastDur)
	}
	rs.in.emit(Event{Kind: EventRoutingTable, Routes: len(cur.ents)})
	rs.in.stubSPFRan()
}

// interfacesMoved reports whether an interface changed state since the
// last call.
func (rs *routingState) interfacesMoved() bool {
	moved := len(rs.ifStates) != len(rs.in.ifaces)
	if moved {
		rs.ifStates = make([]InterfaceState, len(rs.in.ifaces))
	}
	for i, ifc := range rs.in.ifaces {
		if rs.ifStates[i] != ifc.state {
			rs.ifStates[i], moved = ifc.state, true
		}
	}
	return moved
}

// settle runs at the end of every input, under the mutex: changed
// AS-external-LSAs are recomputed at once, without a new tree (§16.6).
func (rs *routingState) settle() {
	if rs.stopped || len(rs.calc.dirtyExt) == 0 {
		return
	}
	changed := rs.calc.externalsOnly()
	if len(changed) > 0 {
		if rs.fib != nil {
			rs.fib.updateKeys(rs.calc.cur, changed)
		}
		rs.in.emit(Event{Kind: EventRoutingTable, Routes: len(rs.calc.cur.ents)})
	}
}

// afterUnlock writes pending routes to the FIB, outside the mutex. A
// failure arms a retry.
func (rs *routingState) afterUnlock() {
	if rs.fib == nil {
		return
	}
	if !rs.fib.pending() {
		if rs.stubReady.Load() {
			rs.stubInstalled() // an SPF run that changed nothing
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), fibTimeout)
	err := rs.fib.flush(ctx)
	cancel()
	if err == nil {
		if rs.stubReady.Load() {
			rs.stubInstalled()
		}
		return
	}
	in := rs.in
	in.mu.Lock()
	if in.life == lifeRunning && !rs.fibRetry.Armed() {
		// The callback has nothing to do under the mutex: the flush after
		// it unlocks reconciles the FIB.
		in.arm(&rs.fibRetry, fibRetryInterval, func() {})
	}
	// Not in.unlock: that would flush again at once. What posted work
	// left for the FIB waits for the retry.
	in.mu.Unlock()
	in.dispatch()
}

// stop ends routing under the mutex: no more calculations, every route
// withdrawn by the next flush.
func (rs *routingState) stop() {
	rs.stopped = true
	rs.sched.stop()
	rs.in.disarm(&rs.fibRetry)
	rs.in.disarm(&rs.fibCheck)
	if rs.fib != nil {
		rs.fib.withdrawAll()
	}
}

// flushFIB writes what is pending, outside the mutex (Stop).
func (rs *routingState) flushFIB(ctx context.Context) error {
	if rs.fib == nil {
		return nil
	}
	return rs.fib.flush(ctx)
}

// ospfNets are the networks of the OSPF interfaces.
func (rs *routingState) ospfNets() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(rs.in.ifaces))
	for _, ifc := range rs.in.ifaces {
		out = append(out, ifc.cfg.Prefix.Masked())
	}
	return out
}

// externalLSAs are the AS-external-LSAs this router wants to originate
// (§12.4.4), for buildSelf.
func (rs *routingState) externalLSAs() []packet.LSA {
	if rs.stopped {
		return nil
	}
	lsas, skipped := externalLSAs(rs.in.rid, rs.in.options(), rs.redist.wanted(rs.ospfNets()))
	for _, r := range skipped {
		rs.in.log.Warn("ospf: external route not advertised: its Link State ID collides (RFC 2328 Appendix E)", "prefix", r.Prefix)
	}
	return lsas
}

// updateFlags sets the E bit of the router-LSA while this router
// originates AS-external-LSAs (§12.4.1: an AS boundary router), and asks
// for the self-originated LSAs to be rebuilt.
func (rs *routingState) updateFlags() {
	if len(rs.redist.wanted(rs.ospfNets())) > 0 {
		rs.in.orig.flags |= packet.RouterFlagE
	} else {
		rs.in.orig.flags &^= packet.RouterFlagE
	}
	rs.in.orig.dirty = true
}

// --- the Instance's routing API ---

// RoutingTable returns the routing table of the last calculation as plain
// values (empty before the first).
func (in *Instance) RoutingTable() RoutingTable {
	in.mu.Lock()
	defer in.unlock()
	if in.rt.calc.cur == nil {
		return RoutingTable{Routes: []Route{}, Routers: []RouterRoute{}}
	}
	return in.rt.calc.cur.table()
}

// SPFStatus returns the state of SPF scheduling and the last run.
func (in *Instance) SPFStatus() SPFStatus {
	in.mu.Lock()
	defer in.unlock()
	rs := in.rt
	return SPFStatus{
		State:        rs.sched.state,
		Pending:      rs.sched.spf.Armed(),
		Due:          rs.sched.due,
		Events:       rs.sched.events,
		Runs:         rs.calc.fullRuns,
		ExternalRuns: rs.calc.extRuns,
		LastRun:      rs.lastRun,
		LastDuration: rs.lastDur,
	}
}

// FIBStats returns the counters of route installation (zero without
// Env.FIB).
func (in *Instance) FIBStats() FIBStats {
	if in.rt.fib == nil {
		return FIBStats{}
	}
	return in.rt.fib.snapshot()
}

// ExternalRoutes returns the routes this router currently advertises as
// AS-external-LSAs, sorted by prefix.
func (in *Instance) ExternalRoutes() []ExternalRoute {
	in.mu.Lock()
	defer in.unlock()
	return in.rt.redist.wanted(in.rt.ospfNets())
}

// SetConnected replaces the connected networks this router reports for
// Redistribute.Connected (the networks of its non-OSPF interfaces; those
// of OSPF interfaces are ignored).
func (in *Instance) SetConnected(prefixes []netip.Prefix) error {
	if err := checkPrefixes("SetConnected", prefixes); err != nil {
		return err
	}
	in.mu.Lock()
	in.rt.redist.connected = append([]netip.Prefix(nil), prefixes...)
	in.rt.updateFlags()
	in.settleAndUnlock()
	return nil
}

// SetStatic replaces the static routes this router reports for
// Redistribute.Static, in addition to those configured. A 0.0.0.0/0 among
// them counts as a default route for DefaultInformation.
func (in *Instance) SetStatic(prefixes []netip.Prefix) error {
	if err := checkPrefixes("SetStatic", prefixes); err != nil {
		return err
	}
	in.mu.Lock()
	in.rt.redist.static = append([]netip.Prefix(nil), prefixes...)
	in.rt.updateFlags()
	in.settleAndUnlock()
	return nil
}

// SetDefaultRoute reports whether this router has a default route of its
// own (not one learnt from OSPF): with DefaultInformation.Originate (and
// not Always), 0.0.0.0/0 is advertised exactly while it does.
func (in *Instance) SetDefaultRoute(present bool) {
	in.mu.Lock()
	if in.rt.redist.defaultPresent != present {
		in.rt.redist.defaultPresent = present
		in.rt.updateFlags()
	}
	in.settleAndUnlock()
}

// AddExternal advertises r as an AS-external-LSA, replacing any route
// injected earlier for the same prefix. Injected routes take precedence
// over redistributed ones.
func (in *Instance) AddExternal(r ExternalRoute) error {
	if err := r.Validate(); err != nil {
		return err
	}
	in.mu.Lock()
	in.rt.redist.injected[r.Prefix] = r
	in.rt.updateFlags()
	in.settleAndUnlock()
	return nil
}

// RemoveExternal withdraws the route injected for p (its AS-external-LSA
// is flushed, §14.1) and reports whether there was one.
func (in *Instance) RemoveExternal(p netip.Prefix) bool {
	in.mu.Lock()
	_, ok := in.rt.redist.injected[p]
	delete(in.rt.redist.injected, p)
	if ok {
		in.rt.updateFlags()
	}
	in.settleAndUnlock()
	return ok
}

func checkPrefixes(op string, ps []netip.Prefix) error {
	for i, p := range ps {
		if !p.IsValid() || !p.Addr().Is4() {
			return fmt.Errorf("%w: %s: prefixes[%d] = %v: not an IPv4 prefix", ErrInvalidConfig, op, i, p)
		}
	}
	return nil
}

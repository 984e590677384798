package ospf

import (
	"context"
	"fmt"
	"reflect"
	"sort"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/loop"
)

// This file applies a new Config to a running Instance as a difference
// (Reconfigure): what did not change is not touched, and what changed has
// the effect RFC 2328 gives the corresponding event, and no other. See the
// "Reconfiguration" section of the package documentation for the table of
// changes and what each one does.

// reconfPlan is a validated Reconfigure, ready to apply.
type reconfPlan struct {
	cfg Config
	// next are the interfaces in the new configuration order: kept ones
	// (the running iface, with its new InterfaceConfig in cfgs) and added
	// ones (new, detached until applied).
	next  []*iface
	cfgs  map[*iface]InterfaceConfig
	isNew map[*iface]bool
	// removed are the running interfaces the new configuration lacks.
	removed []*iface
}

// Reconfigure replaces the instance's configuration with cfg, applying
// only the difference: interfaces, neighbors and LSAs that cfg leaves as
// they were are not touched, and nothing is sent for them.
//
// cfg is checked as New checks it (Config.Validate, and the transports
// and Env.Liveness against the interfaces): added must hold exactly the
// transports of the interfaces cfg adds, keyed by name; the interfaces
// that stay keep theirs. On any error nothing changes: a configuration
// error wraps ErrInvalidConfig (or ErrNotImplemented) naming the field
// and the reason, and a transport of added that fails to start returns
// its error. The transports in added are then still the caller's to
// close (those Reconfigure had started are closed already: a transport
// starts only once). A change that cannot be applied in place — router_id, or
// fib.table when Env.FIB is set (the routes would have to move between
// kernel tables) — returns an error wrapping
// ErrRestartRequired naming the field, and nothing changes either.
//
// Removed interfaces are brought down (§9.3 InterfaceDown, which kills
// their neighbors) and their transports closed, bounded by ctx (a close
// that fails is logged); the transports in added belong to the instance
// once Reconfigure succeeds.
// Before Start, Reconfigure only replaces the configuration and the
// transports; after Stop it returns ErrStopped.
func (in *Instance) Reconfigure(ctx context.Context, cfg Config, added map[string]routing.Transport) error {
	in.mu.Lock()
	if in.life == lifeStopped {
		in.unlock()
		return ErrStopped
	}
	plan, err := in.planReconfigure(cfg, added)
	if err != nil {
		in.unlock()
		return err
	}
	if in.life == lifeRunning {
		if started, err := plan.startAdded(); err != nil {
			in.unlock()
			cerr := loop.CloseAll(ctx, started)
			if cerr != nil {
				return fmt.Errorf("%w (closing the transports started: %w)", err, cerr)
			}
			return err
		}
	}
	closing := in.applyReconfigure(plan)
	in.settleAndUnlock()
	// The new configuration runs: a transport that fails to close is
	// logged, not returned, since an error would say it was rejected.
	if err := loop.CloseAll(ctx, closing); err != nil {
		in.log.Warn("ospf: reconfigure: closing the removed interfaces' transports", "err", err)
	}
	return nil
}

// planReconfigure checks cfg and added against the instance, under the
// lock, changing nothing.
func (in *Instance) planReconfigure(cfg Config, added map[string]routing.Transport) (*reconfPlan, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// The Router ID is in the header of every packet and names every LSA
	// this router originated (§12.1.4); the instance is built around it.
	if cfg.RouterID != in.rid {
		return nil, fmt.Errorf("%w: router_id: %v → %v: it names every LSA this router originated; restart the instance",
			ErrRestartRequired, in.rid, cfg.RouterID)
	}
	// Validate admits only the backbone, so AreaID cannot change.
	if in.rt.fib != nil && cfg.FIBTable != in.cfg.FIBTable {
		return nil, fmt.Errorf("%w: fib.table: %d → %d: the installed routes would have to move between tables; restart the instance",
			ErrRestartRequired, in.cfg.FIBTable, cfg.FIBTable)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: added: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
	}
	configured := make(map[string]bool, len(cfg.Interfaces))
	for _, ic := range cfg.Interfaces {
		configured[ic.Name] = true
	}
	names := make([]string, 0, len(added))
	for name := range added {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		switch {
		case !configured[name]:
			return nil, bad("%q is not a configured interface", name)
		case in.byName[name] != nil:
			return nil, bad("interface %q is already running and keeps its transport", name)
		case added[name] == nil:
			return nil, bad("the transport of interface %q is nil", name)
		}
	}
	trs := make(map[string]routing.Transport, len(cfg.Interfaces))
	for _, ic := range cfg.Interfaces {
		if ifc := in.byName[ic.Name]; ifc != nil {
			trs[ic.Name] = ifc.tr
		} else if tr := added[ic.Name]; tr != nil {
			trs[ic.Name] = tr
		} else {
			return nil, bad("no transport for the new interface %q", ic.Name)
		}
	}
	// As New does: the same checks, on the transports the instance would
	// run with.
	env := Env{Clock: in.clock, Transports: trs, Liveness: in.liveness}
	if err := env.validate(cfg); err != nil {
		return nil, err
	}

	p := &reconfPlan{cfg: cfg, cfgs: make(map[*iface]InterfaceConfig), isNew: make(map[*iface]bool)}
	for i, ic := range cfg.Interfaces {
		ifc := in.byName[ic.Name]
		if ifc == nil {
			ifc = newIface(in, i, ic, added[ic.Name])
			ifc.detached = true
			p.isNew[ifc] = true
		}
		p.cfgs[ifc] = ic
		p.next = append(p.next, ifc)
	}
	for _, ifc := range in.ifaces {
		if !configured[ifc.cfg.Name] {
			p.removed = append(p.removed, ifc)
		}
	}
	return p, nil
}

// startAdded starts the transports of the added interfaces, as Start
// does. On a failure it returns the error and the transports it had
// started, to be closed; nothing else has changed. Packets delivered
// meanwhile wait for the lock and are ignored unless the plan is applied
// (iface.detached).
func (p *reconfPlan) startAdded() ([]routing.Transport, error) {
	var started []routing.Transport
	for _, ifc := range p.next {
		if !p.isNew[ifc] {
			continue
		}
		if err := ifc.tr.Start(ifc.deliver); err != nil {
			return started, fmt.Errorf("ospf: interface %s: start transport: %w", ifc.cfg.Name, err)
		}
		ifc.started = true
		started = append(started, ifc.tr)
	}
	return started, nil
}

// applyReconfigure applies a checked plan under the lock and returns the
// transports to close once the lock is released.
func (in *Instance) applyReconfigure(p *reconfPlan) []routing.Transport {
	running := in.life == lifeRunning
	old := in.cfg
	var closing []routing.Transport
	ifacesChanged := len(p.removed) > 0 || len(p.next) != len(in.ifaces)

	// Removed interfaces: §9.3 InterfaceDown (KillNbr on each neighbor,
	// §10.3), which makes the router-LSA drop the interface (§12.4 (2))
	// and, where this router was DR, the network-LSA go (§12.4.2: no
	// longer DR, so it is flushed, §14.1). Then the interface leaves the
	// instance and its transport is closed.
	for _, ifc := range p.removed {
		if running && ifc.state != IfDown {
			ifc.event(ifEvInterfaceDown)
		}
		ifc.shutdown()
		ifc.detached = true
		in.retired.add(&ifc.ctr)
		closing = append(closing, ifc.tr)
	}

	// Kept interfaces: each change as the RFC's corresponding event.
	for i, ifc := range p.next {
		if i >= len(in.ifaces) || in.ifaces[i] != ifc {
			ifacesChanged = true // added, removed or reordered
		}
		if p.isNew[ifc] {
			continue
		}
		nc := p.cfgs[ifc]
		if in.reconfigureIface(ifc, nc, running) {
			ifacesChanged = true
		}
	}

	in.ifaces = p.next
	in.byName = make(map[string]*iface, len(p.next))
	for i, ifc := range in.ifaces {
		ifc.pos = i
		in.byName[ifc.cfg.Name] = ifc
	}
	in.cfg = p.cfg
	if old.ExternalLSDBLimit != p.cfg.ExternalLSDBLimit && running {
		// RFC 1765: a lower limit the database already reaches enters
		// OverflowState now; no limit leaves it.
		switch lim := p.cfg.ExternalLSDBLimit; {
		case lim == 0 && in.ovf.on:
			in.disarm(&in.ovf.exit)
			in.leaveOverflow()
		case lim > 0 && in.ovf.externals >= lim && !in.ovf.on:
			in.enterOverflow()
		}
	}
	if old.StubRouter.Administrative != p.cfg.StubRouter.Administrative {
		// RFC 6987: the router-LSA's links to routers take or drop
		// MaxLinkMetric; OnStartup applies from the next Start.
		in.orig.dirty = true
		in.emit(Event{Kind: EventStubRouter, Stub: in.stubActive()})
	}

	// Added interfaces: started as at Start, §9.3 InterfaceUp; their
	// network enters the router-LSA (§12.4 (2), the interface's state
	// changed).
	for _, ifc := range p.next {
		if !p.isNew[ifc] {
			continue
		}
		ifc.detached = false
		if running && ifc.started && ifc.llUp {
			ifc.up()
		}
	}

	in.rt.reconfigure(old, p.cfg, ifacesChanged, running)
	return closing
}

// reconfigureIface applies a kept interface's new configuration and
// reports whether what the routing table calculation knows of it (its
// address, prefix or index) changed.
func (in *Instance) reconfigureIface(ifc *iface, nc InterfaceConfig, running bool) (spfChanged bool) {
	oc := ifc.cfg
	if reflect.DeepEqual(oc, nc) {
		return false
	}
	spfChanged = oc.Prefix != nc.Prefix || oc.IfIndex != nc.IfIndex
	if redefines(oc, nc) {
		// The interface's address, network type, timers, passivity or MTU
		// are what its neighbors agreed to (§10.5 checks the hello
		// parameters, §10.6 the MTU, §10.4 adjacency needs the network
		// type): an adjacency formed under the old values is not one
		// under the new. So the interface is reset, alone: §9.3
		// InterfaceDown (KillNbr on its neighbors) under the old
		// configuration, then InterfaceUp under the new one.
		wasUp := running && ifc.state != IfDown
		if wasUp {
			ifc.event(ifEvInterfaceDown)
		}
		ifc.cfg = nc
		ifc.addr, ifc.prefix = nc.Prefix.Addr(), nc.Prefix.Masked()
		if running && ifc.started && ifc.llUp {
			ifc.up()
		}
		return spfChanged
	}
	ifc.cfg = nc
	if !running {
		return spfChanged
	}
	if oc.cost() != nc.cost() {
		// §12.4: the router-LSA's contents change, so a new instance is
		// originated; no neighbor event, no other LSA.
		in.orig.dirty = true
	}
	if oc.priority() != nc.priority() && !ifc.p2p() {
		// §9.4: the Router Priority is an input of the election; the
		// NeighborChange event (§9.2) recalculates DR and BDR, here as
		// when a neighbor's priority changes (§10.5). Neighbors learn it
		// from the next hello.
		ifc.schedule(ifEvNeighborChange)
	}
	if oc.BFD != nc.BFD {
		// RFC 5882: sessions asked for (or released) for the neighbors of
		// 2-Way or more, as bfdSync decides.
		for _, n := range ifc.nbrs {
			n.bfdSync()
		}
	}
	// Auth (keys and type), RetransmitInterval, TransmitDelay and
	// MTUIgnore are read where they are used: the next packet signed or
	// verified (D.3: a key rotation keeps the adjacencies), the next
	// retransmission timer armed, the next LS Update aged, the next DD
	// checked.
	return spfChanged
}

// redefines reports whether a change of an interface's configuration
// redefines the interface, so that it must be reset (InterfaceDown, then
// InterfaceUp): its address or index, network type, hello or dead
// interval, passivity or MTU. Effective values are compared: 0 and the
// default are the same.
func redefines(oc, nc InterfaceConfig) bool {
	return oc.Prefix != nc.Prefix || oc.IfIndex != nc.IfIndex || oc.Network != nc.Network ||
		oc.helloInterval() != nc.helloInterval() || oc.helloPeriod() != nc.helloPeriod() ||
		oc.deadInterval() != nc.deadInterval() || oc.Passive != nc.Passive || oc.mtu() != nc.mtu()
}

// reconfigure applies the routing part of a new configuration, under the
// lock: the interfaces the calculation knows, MaxPaths, the SPF back-off,
// the FIB metric and the redistributed routes.
func (rs *routingState) reconfigure(old, cfg Config, ifacesChanged, running bool) {
	needSPF := false
	if ifacesChanged {
		// Next hops name interfaces by position: the next full run must
		// not compare its table with the previous one entry by entry.
		rs.calc.in.ifaces = rs.spfIfaces()
		rs.ifacesChanged = true
		rs.ifStates = nil
		needSPF = true
	}
	if mp := effMaxPaths(cfg.MaxPaths); mp != rs.calc.in.maxPaths {
		rs.calc.in.maxPaths = mp
		needSPF = true
	}
	if cfg.SPF != old.SPF {
		// RFC 8405: the new delays apply from the next timer armed; a
		// calculation already scheduled keeps its time.
		rs.sched.cfg = cfg.SPF.effective()
	}
	if rs.fib != nil && cfg.FIBMetric != old.FIBMetric {
		rs.fib.setMetric(cfg.FIBMetric, rs.calc.cur)
	}
	if !reflect.DeepEqual(cfg.Redistribute, old.Redistribute) || cfg.DefaultInformation != old.DefaultInformation || ifacesChanged {
		// §12.4.4: originateAll compares what is wanted with what is
		// originated, so only the AS-external-LSAs whose contents
		// changed get a new instance, and those no longer wanted are
		// flushed (§14.1).
		rs.redist.cfg = cfg.Redistribute
		rs.redist.def = cfg.DefaultInformation
		rs.updateFlags()
	}
	if needSPF && running && !rs.stopped {
		rs.sched.event()
	}
}

func effMaxPaths(n int) int {
	if n <= 0 {
		return DefaultMaxPaths
	}
	return n
}

// setMetric changes the metric of installed routes; every route of cur
// (the current table, nil before the first calculation) is wanted again
// with it, and written by the next flush (fib.Sink.Replace replaces a
// route whatever its metric).
func (fs *fibSync) setMetric(metric uint32, cur *rib) {
	if metric == 0 {
		metric = DefaultFIBMetric
	}
	fs.mu.Lock()
	same := fs.metric == metric
	fs.metric = metric
	fs.mu.Unlock()
	if !same && cur != nil {
		fs.updateFull(nil, cur)
	}
}

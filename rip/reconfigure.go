package rip

import (
	"context"
	"fmt"
	"net/netip"
	"slices"

	"github.com/switchless/routing"
	"github.com/switchless/routing/rip/packet"
)

// Reconfigure applies cfg to the instance as a difference from the
// running configuration. added carries exactly the transports of the
// interfaces cfg adds (keyed by name, as Env.Transports); the instance
// owns them from then on, and closes the transports of the interfaces cfg
// removes.
//
// cfg is validated as New validates it, and added checked against it: on
// an error (wrapping ErrInvalidConfig, a *ConfigError naming the field)
// nothing changes and the added transports are not touched. On a running
// instance an interface's prefix, fib_table and fib_metric cannot change
// in place: the error wraps ErrRestartRequired and names the field. An
// added transport that fails to start closes the ones started and
// returns that error, with nothing changed. Before Start, Reconfigure
// replaces the configuration (closing removed interfaces' transports);
// after Stop it returns ErrStopped.
//
// Changes take effect so (RFC 2453):
//
//   - An added interface starts as at Start: it joins 224.0.0.9, its
//     network is originated, and unless passive it sends a whole-table
//     request (§3.9.1) and the whole table; the other interfaces hear of
//     its network in the triggered update.
//   - A removed interface first sends every route at metric 16 on it
//     (§3.10, as Stop does), then its transport closes; its neighbours
//     are forgotten, the routes learnt through it become unreachable and
//     go into garbage collection (§3.8), its network is withdrawn, and the
//     other interfaces hear of it in the triggered update; a lost route
//     is asked for on them (§3.9.1).
//   - metric_in (the cost of §3.9.2) changes the metric of the routes
//     learnt through the interface at once by the difference (a route
//     with next hops through other interfaces too keeps the better
//     ones); the changed routes go out in the triggered update.
//   - metric_out, split_horizon, neighbors, no_multicast and auth change
//     what the interface sends: it sends its whole table once at once
//     (a regular update, §3.8, made early), and nothing elsewhere.
//     Changed auth keys are used from the next message; the neighbours'
//     RFC 4822 sequence numbers are kept, so rotating keys drops none.
//   - passive set: the interface sends every route at metric 16 on it
//     first, then falls silent; passive cleared: it starts as an added
//     interface does (request and whole table).
//   - bfd and neighbors change the BFD sessions of the interface alone.
//   - timers apply from the next timer armed: the running update,
//     timeout, garbage-collection and damping timers run out as armed.
//   - static and default_information routes are originated or withdrawn
//     (metric 16, then garbage collection) by difference; max_paths
//     trims next hops beyond it.
//
// Everything that changed route state goes out in one triggered update
// (§3.10.1, damped as usual); neighbours on interfaces whose
// configuration did not change hear nothing but that.
func (i *Instance) Reconfigure(ctx context.Context, cfg Config, added map[string]routing.UDPTransport) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.MaxPaths == 0 {
		cfg.MaxPaths = 1
	}
	i.lock()
	defer i.unlock()
	if i.stopped {
		return ErrStopped
	}
	if err := i.checkReconfigure(&cfg, added); err != nil {
		return err
	}
	var fresh []*iface
	for _, ic := range cfg.Interfaces {
		if i.byName[ic.Name] == nil {
			f := &iface{tr: added[ic.Name], neigh: map[netip.Addr]*neighbor{}}
			f.setConfig(ic)
			fresh = append(fresh, f)
		}
	}
	if i.started {
		for k, f := range fresh {
			if err := f.tr.Start(i.deliverer(f)); err != nil {
				for _, g := range fresh[:k] {
					_ = g.tr.Close()
				}
				return fmt.Errorf("rip: interface %s: start: %w", f.cfg.Name, err)
			}
		}
	}
	i.applyConfig(cfg, fresh)
	return nil
}

// checkReconfigure checks cfg (valid) and added against the running
// instance. i.mu is held.
func (i *Instance) checkReconfigure(cfg *Config, added map[string]routing.UDPTransport) error {
	names := map[string]bool{}
	for k, ic := range cfg.Interfaces {
		names[ic.Name] = true
		f := i.byName[ic.Name]
		tr, give := added[ic.Name]
		switch {
		case f == nil && (!give || tr == nil):
			return cfgErr(fmt.Sprintf("added[%q]", ic.Name), "missing for the new interfaces[%d]", k)
		case f != nil && give:
			return cfgErr(fmt.Sprintf("added[%q]", ic.Name), "interfaces[%d] is already running with a transport", k)
		case f != nil && i.started && f.cfg.Prefix != ic.Prefix:
			return restartRequired(fmt.Sprintf("interfaces[%d].prefix", k))
		}
		if ic.BFD && i.env.Liveness == nil {
			return cfgErr("env.Liveness", "is nil but interface %q has bfd", ic.Name)
		}
	}
	for n := range added {
		if !names[n] {
			return cfgErr(fmt.Sprintf("added[%q]", n), "no such interface in the configuration")
		}
	}
	if i.started {
		switch {
		case cfg.FIBTable != i.cfg.FIBTable:
			return restartRequired("fib_table")
		case cfg.FIBMetric != i.cfg.FIBMetric:
			return restartRequired("fib_metric")
		}
	}
	return nil
}

func restartRequired(field string) error {
	return fmt.Errorf("%w: %s: cannot change on a running instance", ErrRestartRequired, field)
}

// applyConfig makes cfg the running configuration; fresh are the added
// interfaces, their transports started if the instance runs. i.mu is
// held.
func (i *Instance) applyConfig(cfg Config, fresh []*iface) {
	prev := i.cfg
	run := i.started
	i.cfg = cfg
	i.timers = cfg.Timers.withDefaults()

	keep := map[string]InterfaceConfig{}
	for _, ic := range cfg.Interfaces {
		keep[ic.Name] = ic
	}
	var removed []*iface
	for _, f := range i.ifaces {
		if _, ok := keep[f.cfg.Name]; !ok {
			removed = append(removed, f)
		}
	}
	// §3.10: a removed or newly passive interface says goodbye first,
	// with the table it had.
	for _, f := range i.ifaces {
		nc, ok := keep[f.cfg.Name]
		if run && (!ok || (nc.Passive && !f.cfg.Passive)) {
			i.goodbye(f)
		}
	}

	byName := map[string]*iface{}
	for _, f := range append(slices.Clone(i.ifaces), fresh...) {
		byName[f.cfg.Name] = f
	}
	i.ifaces = i.ifaces[:0]
	i.byName = map[string]*iface{}
	i.own = map[netip.Addr]bool{}
	for k, ic := range cfg.Interfaces {
		f := byName[ic.Name]
		f.idx = k
		i.ifaces = append(i.ifaces, f)
		i.byName[ic.Name] = f
		i.own[ic.Prefix.Addr()] = true
	}

	lost := false
	for _, f := range removed {
		f.gone = true
		if run {
			lost = i.forgetInterface(f) || lost
			i.reorigin(f.net)
			for _, a := range sortedAddrs(f.bfd) {
				f.bfd[a].release()
			}
			f.bfd = nil
		}
		if err := f.tr.Close(); err != nil {
			i.log.Warn("rip: close removed interface", "interface", f.cfg.Name, "err", err)
		}
	}
	for _, f := range i.ifaces {
		if slices.Contains(fresh, f) {
			continue
		}
		lost = i.reconfigureInterface(f, keep[f.cfg.Name], run) || lost
	}
	if !run {
		return
	}
	for _, f := range fresh {
		i.join(f)
		f.seq = uint32(i.clock.Now().Unix())
		i.reorigin(f.net)
		for _, n := range f.cfg.Neighbors {
			i.bfdWatch(f, n, true)
		}
		if !f.cfg.Passive {
			i.startTalking(f)
		}
	}
	// Static and default routes by difference: reorigin does nothing for
	// a prefix whose origin is unchanged.
	var ps []netip.Prefix
	for _, s := range prev.Static {
		ps = append(ps, s.Prefix)
	}
	for _, s := range cfg.Static {
		ps = append(ps, s.Prefix)
	}
	for _, p := range ps {
		i.reorigin(p)
	}
	if prev.DefaultInformation != cfg.DefaultInformation {
		i.reorigin(defaultRoute)
	}
	if cfg.MaxPaths < prev.MaxPaths {
		i.trimPaths()
	}
	i.triggered()
	if lost {
		i.requestElsewhere(nil)
	}
	i.log.Info("rip: reconfigured", "interfaces", len(i.ifaces), "added", len(fresh), "removed", len(removed))
}

// goodbye sends every route at metric 16 on f (§3.10), unless f is silent.
func (i *Instance) goodbye(f *iface) {
	if f.cfg.Passive || f.down || len(f.dsts) == 0 {
		return
	}
	f.stats.SentUpdates++
	i.sendTable(f, f.dsts, false, true, false)
}

// startTalking sends a whole-table request (§3.9.1) and the whole table
// on f, as Start and InterfaceUp do.
func (i *Instance) startTalking(f *iface) {
	if f.down {
		return
	}
	i.sendRequest(f)
	if len(f.dsts) > 0 {
		f.stats.SentUpdates++
		i.sendTable(f, f.dsts, false, false, false)
	}
}

// reconfigureInterface applies nc to the kept interface f. It reports
// whether a learnt route became unreachable. i.mu is held.
func (i *Instance) reconfigureInterface(f *iface, nc InterfaceConfig, run bool) bool {
	oc := f.cfg
	if !run {
		f.setConfig(nc)
		return false
	}
	oldCost := f.cost
	if oc.NoMulticast != nc.NoMulticast && nc.NoMulticast && f.joined {
		if err := f.tr.LeaveGroup(allRIPRouters); err != nil {
			i.log.Warn("rip: leave 224.0.0.9", "interface", f.cfg.Name, "err", err)
		}
		f.joined = false
	}
	f.setConfig(nc)
	i.join(f)
	lost := false
	if f.cost != oldCost {
		lost = i.recost(f, f.cost-oldCost)
	}
	if oc.IfIndex != nc.IfIndex {
		for _, r := range i.sorted() {
			if slices.ContainsFunc(r.hops, func(h *hop) bool { return h.ifc == f }) {
				i.writeFIB(r)
			}
		}
	}
	i.reconfigureBFD(f, oc)
	switch {
	case nc.Passive:
	case oc.Passive:
		i.startTalking(f)
	case oc.MetricOut != nc.MetricOut || oc.SplitHorizon != nc.SplitHorizon || oc.NoMulticast != nc.NoMulticast ||
		!slices.Equal(oc.Neighbors, nc.Neighbors) || !sameAuth(oc.Auth, nc.Auth):
		if !f.down && len(f.dsts) > 0 {
			f.stats.SentUpdates++
			i.sendTable(f, f.dsts, false, false, false)
		}
	}
	return lost
}

func sameAuth(a, b AuthConfig) bool {
	return a.Mode == b.Mode && a.Password == b.Password && slices.EqualFunc(a.Keys, b.Keys, func(x, y KeyConfig) bool {
		return x.ID == y.ID && x.Algorithm == y.Algorithm && x.Secret == y.Secret && x.SendStart.Equal(y.SendStart) &&
			x.SendEnd.Equal(y.SendEnd) && x.AcceptStart.Equal(y.AcceptStart) && x.AcceptEnd.Equal(y.AcceptEnd) &&
			x.PlainHMACKey == y.PlainHMACKey && x.ShortDataLen == y.ShortDataLen
	})
}

// reconfigureBFD brings f's BFD sessions in line with its new
// configuration (f.cfg), oc being the previous one.
func (i *Instance) reconfigureBFD(f *iface, oc InterfaceConfig) {
	if !f.cfg.BFD {
		for _, a := range sortedAddrs(f.bfd) {
			f.bfd[a].release()
		}
		f.bfd = nil
		return
	}
	for _, a := range oc.Neighbors {
		if w := f.bfd[a]; w != nil && !slices.Contains(f.cfg.Neighbors, a) {
			w.configured = false
			if f.neigh[a] == nil {
				i.bfdForget(f, a)
			}
		}
	}
	for _, a := range f.cfg.Neighbors {
		i.bfdWatch(f, a, true)
	}
	for _, a := range sortedAddrs(f.neigh) {
		i.bfdWatch(f, a, false)
	}
}

// recost changes by delta the metric of the routes learnt through f
// (§3.9.2 adds the interface cost on receipt). A route that reaches 16
// becomes unreachable; a route with next hops through other interfaces
// too keeps the better set. It reports whether a route was lost.
func (i *Instance) recost(f *iface, delta int) bool {
	lost := false
	on := func(h *hop) bool { return h.ifc == f }
	for _, r := range slices.Clone(i.sorted()) {
		if r.local != nil || !slices.ContainsFunc(r.hops, on) {
			continue
		}
		b := r.state()
		switch {
		case !slices.ContainsFunc(r.hops, func(h *hop) bool { return !on(h) }):
			r.metric = max(r.metric+delta, 1)
			if r.metric >= packet.Infinity {
				for k := len(r.hops) - 1; k >= 0; k-- {
					i.dropHop(r, k)
				}
				r.metric = packet.Infinity
				i.askAround = true
				lost = true
			}
		case delta > 0: // the other interfaces' hops are now better
			for k := len(r.hops) - 1; k >= 0; k-- {
				if on(r.hops[k]) {
					i.dropHop(r, k)
				}
			}
		default: // f's hops are now better
			for k := len(r.hops) - 1; k >= 0; k-- {
				if !on(r.hops[k]) {
					i.dropHop(r, k)
				}
			}
			r.metric = max(r.metric+delta, 1)
		}
		i.settle(r, b)
	}
	return lost
}

// trimPaths drops the next hops beyond MaxPaths of every learnt route.
func (i *Instance) trimPaths() {
	for _, r := range i.sorted() {
		if len(r.hops) <= i.cfg.MaxPaths {
			continue
		}
		b := r.state()
		for k := len(r.hops) - 1; k >= i.cfg.MaxPaths; k-- {
			i.dropHop(r, k)
		}
		i.settle(r, b)
	}
}

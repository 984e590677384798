package anycast

import (
	"context"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"time"

	"github.com/switchless/routing/health"
)

// Reconfigure applies cfg to the Instance as a difference from the
// running configuration: a service whose configuration did not change is
// not touched (no call to the announcer or the address manager, its
// rounds keep their cadence and its hysteresis its counts).
//
// cfg is validated as New validates it (including the check that no
// prefix is another address of the host); on an error, wrapping
// ErrInvalidConfig, nothing changes. No field needs a restart, so
// Reconfigure never returns ErrRestartRequired. Before Start it replaces
// the configuration; after Stop (or while Stop runs) it returns
// ErrStopped.
//
// Services are matched by name:
//
//   - An added service starts as at Start: its prefixes' aliases go on
//     at once and it is announced after Rise successful rounds.
//   - A removed service is stopped as Stop stops one. A healthy one is
//     drained: its prefixes stay announced at DrainMetric for DrainTime
//     (unless another service announces them better), so the network
//     moves to the other replicas while this one still answers, and are
//     then withdrawn with their aliases removed at once. Those of a
//     service that is not up are withdrawn at once (unless another
//     service still announces them), and their aliases are removed
//     DrainTime after the withdrawal.
//   - A changed metric, fail action, fail metric, policy or peer raise
//     re-announces the prefixes at the new metric (or withdraws them, if
//     the service is down and now withdraws) and does nothing else.
//   - Changed checks (Checks, Checkers, Timeout, Rise, Fall), or peer
//     checks: the new checks replace the old ones from the next round on
//     (a round in flight with the old checks is discarded), and the
//     service's state carries over, not its counts: an up service stays
//     announced until the new checks fail Fall consecutive rounds, a
//     down one needs Rise successes of the new checks. Results of the old
//     checks never count for the new ones.
//   - A changed Interval takes effect at the next round, which is due one
//     new Interval after the last round started.
//   - Prefixes added to a service get their alias at once and are
//     announced with the service's state; prefixes removed from it leave
//     it as from a removed service. The shared-prefix rule still holds: a
//     prefix is announced while any of its services is up, at the lowest
//     metric among them, and its alias goes only once no service holds
//     it.
//   - DrainTime and MaintenanceFile take effect from the next drain and
//     round; maintenance set by SetMaintenance is kept.
//
// ctx bounds the host address look-up; the effects are made before
// Reconfigure returns, as for SetMaintenance.
func (in *Instance) Reconfigure(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	type built struct {
		cfg           ServiceConfig
		checks, peers []namedChecker
	}
	next := make([]built, 0, len(cfg.Services))
	for _, sc := range cfg.Services {
		d := sc.withDefaults()
		b := built{cfg: d}
		var err error
		if b.checks, err = checkers(d.Checks, d.Checkers, d.Timeout); err != nil {
			return err
		}
		if b.peers, err = checkers(d.PeerChecks, d.PeerCheckers, d.Timeout); err != nil {
			return err
		}
		next = append(next, b)
	}
	if err := in.checkForeignServices(ctx, cfg.Services); err != nil {
		return err
	}

	in.mu.Lock()
	if in.stopped || in.stopping {
		in.mu.Unlock()
		return ErrStopped
	}
	// Covers are tied to the prefixes they cover when the Instance is
	// built; changing them needs a new Instance for now.
	for i, b := range next {
		old := in.byName[b.cfg.Name]
		var was []netip.Prefix
		if old != nil {
			was = old.cfg.CoverPrefixes
		}
		if !slices.Equal(was, b.cfg.CoverPrefixes) {
			in.mu.Unlock()
			return fmt.Errorf("%w: services[%d].cover_prefixes: changed; restart to apply", ErrRestartRequired, i)
		}
	}
	now := in.clock.Now()
	keep := map[string]bool{}
	for _, b := range next {
		keep[b.cfg.Name] = true
	}
	// Removed services: stopped, their prefixes detached.
	for _, s := range in.services {
		if keep[s.cfg.Name] {
			continue
		}
		in.stopService(s)
		wasUp := s.state == StateUp
		in.setState(s, StateStopped, now)
		if wasUp && in.started && s.cfg.DrainTime > 0 {
			in.drainRemoved(s, now)
			in.log.Info("anycast: service removed, draining", "service", s.cfg.Name, "drain_metric", s.cfg.DrainMetric, "drain_time", s.cfg.DrainTime)
			continue
		}
		for _, ps := range slices.Clone(s.prefixStates) {
			in.detach(ps, s)
		}
		in.log.Info("anycast: service removed", "service", s.cfg.Name)
	}
	services := make([]*service, 0, len(next))
	byName := map[string]*service{}
	for _, b := range next {
		s := in.byName[b.cfg.Name]
		if s == nil {
			s = &service{cfg: b.cfg, checks: b.checks, peers: b.peers,
				h: health.NewHysteresis(b.cfg.Rise, b.cfg.Fall, false), peer: health.NewHysteresis(b.cfg.Rise, b.cfg.Fall, true),
				since: now}
			for _, p := range b.cfg.Prefixes {
				in.attach(p, s)
			}
			if in.started {
				s.due = now
				in.armRound(s, 0)
			}
			in.log.Info("anycast: service added", "service", b.cfg.Name)
		} else {
			in.reconfigureService(s, b.cfg, b.checks, b.peers, now)
		}
		services = append(services, s)
		byName[b.cfg.Name] = s
	}
	in.services, in.byName = services, byName
	// Prefixes in configuration order, then those still draining.
	var order []netip.Prefix
	for _, s := range in.services {
		for _, p := range s.cfg.Prefixes {
			if !slices.Contains(order, p) {
				order = append(order, p)
			}
		}
	}
	for _, p := range in.order {
		if !slices.Contains(order, p) {
			order = append(order, p)
		}
	}
	in.order = order
	started := in.started
	if !started {
		in.purgeLocked() // nothing is on the host yet
	}
	all := slices.Clone(in.order)
	in.mu.Unlock()
	if started {
		in.sync(all)
	}
	in.drainEvents()
	return nil
}

// reconfigureService applies c to the kept service s. mu is held.
func (in *Instance) reconfigureService(s *service, c ServiceConfig, checks, peers []namedChecker, now time.Time) {
	old := s.cfg
	s.cfg = c
	checksChanged := !reflect.DeepEqual(old.Checks, c.Checks) || !sameCheckers(old.Checkers, c.Checkers) ||
		old.Timeout != c.Timeout || old.Rise != c.Rise || old.Fall != c.Fall
	peersChanged := !reflect.DeepEqual(old.PeerChecks, c.PeerChecks) || !sameCheckers(old.PeerCheckers, c.PeerCheckers) ||
		old.Timeout != c.Timeout || old.Rise != c.Rise || old.Fall != c.Fall || old.Policy != c.Policy
	if checksChanged {
		// The state carries over, the counts do not (see Reconfigure).
		s.checks = checks
		s.h = health.NewHysteresis(c.Rise, c.Fall, s.h.Up())
		s.results = nil
	}
	if peersChanged {
		s.peers = peers
		up := s.peer.Up()
		if old.Policy != PolicyPeer {
			up = true // as at New: peers are taken healthy until checked
		}
		s.peer = health.NewHysteresis(c.Rise, c.Fall, up)
		s.peerResults = nil
	}
	if checksChanged || peersChanged || old.Interval != c.Interval {
		// Discard a round in flight and re-arm on the new cadence: due
		// one Interval after the last round started.
		last := s.due.Add(-old.Interval)
		if s.rounds == 0 {
			last = s.due.Add(-c.Interval)
		}
		in.stopService(s)
		if in.started {
			s.due = last.Add(c.Interval)
			if s.due.Before(now) {
				s.due = now
			}
			in.armRound(s, s.due.Sub(now))
		}
	}
	if !slices.Equal(old.Prefixes, c.Prefixes) {
		for _, ps := range slices.Clone(s.prefixStates) {
			if !slices.Contains(c.Prefixes, ps.p) {
				in.detach(ps, s)
			}
		}
		for _, p := range c.Prefixes {
			if !slices.ContainsFunc(s.prefixStates, func(ps *prefixState) bool { return ps.p == p }) {
				in.attach(p, s)
			}
		}
		// Keep the service's prefixes in its configuration's order.
		slices.SortStableFunc(s.prefixStates, func(a, b *prefixState) int {
			return slices.Index(c.Prefixes, a.p) - slices.Index(c.Prefixes, b.p)
		})
	}
	if c.MaintenanceFile == "" && s.maintFile {
		s.maintFile = false
		in.updateMaintenance(s, now)
	}
}

// drainRemoved starts the DrainMetric phase of s, a healthy service
// Reconfigure removed (StateStopped, wantLocked announces its prefixes
// at DrainMetric until drainUntil). When the phase ends the prefixes are
// synced with s still attached, so that they are withdrawn and their
// aliases removed at once (the network has moved), and only then is s
// detached from them. mu is held.
func (in *Instance) drainRemoved(s *service, now time.Time) {
	in.endDrain(s)
	s.drainUntil = now.Add(s.cfg.DrainTime)
	in.leaving = append(in.leaving, s)
	s.drainTimer = in.clock.AfterFunc(s.cfg.DrainTime, func() {
		in.mu.Lock()
		if in.stopped || !slices.Contains(in.leaving, s) {
			in.mu.Unlock()
			return
		}
		list := make([]netip.Prefix, 0, len(s.prefixStates))
		for _, ps := range s.prefixStates {
			list = append(list, ps.p)
		}
		in.mu.Unlock()
		in.sync(list)
		in.effMu.Lock()
		in.mu.Lock()
		in.leaving = slices.DeleteFunc(in.leaving, func(o *service) bool { return o == s })
		for _, ps := range slices.Clone(s.prefixStates) {
			// Not detach: the drain is over, no DrainTime floor is left.
			ps.services = slices.DeleteFunc(ps.services, func(o *service) bool { return o == s })
			s.prefixStates = slices.DeleteFunc(s.prefixStates, func(o *prefixState) bool { return o == ps })
		}
		s.drainTimer, s.drainUntil = nil, time.Time{}
		in.mu.Unlock()
		in.effMu.Unlock()
		// A prefix still held by other services is theirs now.
		in.sync(list)
	})
}

// stopService stops s's rounds: a round in flight is discarded. mu is
// held.
func (in *Instance) stopService(s *service) {
	s.gen++
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
}

// attach adds prefix p to service s. mu is held.
func (in *Instance) attach(p netip.Prefix, s *service) {
	ps := in.prefixes[p]
	if ps == nil {
		ps = &prefixState{p: p}
		in.prefixes[p] = ps
		in.order = append(in.order, p)
	}
	ps.services = append(ps.services, s)
	s.prefixStates = append(s.prefixStates, ps)
}

// detach takes prefix state ps from service s. A prefix left with no
// service keeps s's DrainTime for its withdrawal and is forgotten once it
// is neither announced nor aliased (purgeLocked). mu is held.
func (in *Instance) detach(ps *prefixState, s *service) {
	ps.services = slices.DeleteFunc(ps.services, func(o *service) bool { return o == s })
	s.prefixStates = slices.DeleteFunc(s.prefixStates, func(o *prefixState) bool { return o == ps })
	ps.drainFloor = max(ps.drainFloor, s.cfg.DrainTime)
}

// purgeLocked forgets the prefixes no service holds that are neither
// announced nor aliased. mu is held.
func (in *Instance) purgeLocked() {
	in.order = slices.DeleteFunc(in.order, func(p netip.Prefix) bool {
		ps := in.prefixes[p]
		if len(ps.services) > 0 || ps.announced || ps.aliased || ps.removal != nil {
			return false
		}
		delete(in.prefixes, p)
		return true
	})
}

// sameCheckers reports whether two lists hold the same checkers: equal
// comparable values (pointers, mostly); a checker of a type that cannot
// be compared (a function) counts as changed.
func sameCheckers(a, b []health.Checker) bool {
	return slices.EqualFunc(a, b, func(x, y health.Checker) (same bool) {
		if x == nil || y == nil {
			return x == nil && y == nil
		}
		tx, ty := reflect.TypeOf(x), reflect.TypeOf(y)
		if tx != ty || !tx.Comparable() {
			return false
		}
		// A comparable struct may still hold an incomparable value in
		// an interface field: == panics then, and it counts as changed.
		defer func() {
			if recover() != nil {
				same = false
			}
		}()
		return x == y
	})
}

// checkForeignServices refuses a service prefix that is another address
// of the host, through the address manager's view.
func (in *Instance) checkForeignServices(ctx context.Context, services []ServiceConfig) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	host, err := in.addrs.HostAddresses(ctx)
	if err != nil {
		return fmt.Errorf("anycast: host addresses: %w", err)
	}
	for i, s := range services {
		for k, p := range s.Prefixes {
			for _, h := range host {
				if !h.Ours && h.Prefix.Addr() == p.Addr() {
					return cfgErr(fmt.Sprintf("services[%d].prefixes[%d]", i, k),
						"%v: already an address of the host on %s (not ours)", p, h.Interface)
				}
			}
		}
	}
	return nil
}

package vrrp

import (
	"context"
	"fmt"
	"net/netip"
	"reflect"
	"slices"

	"github.com/switchless/routing/health"
	"github.com/switchless/routing/vrrp/packet"
)

// Reconfigure applies cfg to the router as a difference from its running
// configuration, without restarting it: a field that did not change
// sends nothing and touches no timer, state or address.
//
// cfg is validated as New validates it; on an error (wrapping
// ErrInvalidConfig) nothing changes. VRID, Interface, Version and Address
// (which fixes the address family and the advertisements' source), and
// going from multicast to unicast Peers or back, cannot change in place:
// the error then wraps ErrRestartRequired, names the field, and nothing
// changes. Before Start, Reconfigure only replaces the configuration
// (any field may change then, but Env.Transport must suit the new one);
// after Stop it returns ErrStopped.
//
// What changes in place (RFC 5798 §6.4):
//
//   - Priority, tracks' weights, Interval: a Master advertises the new
//     priority and interval at once and restarts Adver_Timer with the new
//     interval (§6.4.3), so a Backup that now beats it preempts and v3
//     Backups learn the new Master_Adver_Interval. A Backup recomputes
//     Master_Down_Interval (§6.1: Skew_Time from the new priority, and
//     the configured interval for v2) and shortens a running
//     Master_Down_Timer to it, never lengthens it.
//   - A Backup that may now preempt (higher priority than the Master's,
//     or Preempt_Mode set) takes over after Skew_Time at the first
//     advertisement it hears from the lower-priority Master, instead of
//     waiting out Master_Down_Interval: that advertisement proves the
//     Master inferior (§6.4.2 discards it). The transition's reason is
//     ReasonPreempting. A PreemptDelay still holds it.
//   - Owner: a Backup given priority 255 (it owns a virtual address)
//     becomes Master at once, as the owner does at Startup (§6.4.1). An
//     owner Master given a lower priority stays Master and advertises the
//     lower priority, so a better Backup preempts.
//   - NoPreempt, PreemptDelay, AcceptMode, Subnets, AllowFrom, Peers
//     (within unicast), Checksum, authentication, Announce: taken into
//     use at once; changed authentication or checksum is advertised at
//     once by a Master.
//   - VirtualAddresses: a Master removes the dropped ones and adds the
//     new ones through the AddressManager, announces the new ones
//     (gratuitous ARP / unsolicited NA, as on becoming Master: RFC 5798 §6.4.2) in a
//     burst of Announce.Count, and advertises the new list at once;
//     nothing changes state. A Backup only takes the new list.
//   - Tracks, when the list changed, matched by Name (an unchanged list,
//     the same Checker values included, is not touched): a kept track
//     keeps its state (up or down)
//     and, when its Rise and Fall are the same, its consecutive counts;
//     its Checker, Interval and Timeout are replaced, and its next check
//     runs an Interval after the reconfiguration. A new track starts up
//     (as at Start); a removed one no longer counts. The effective
//     priority is then recomputed as above.
//
// ctx bounds the address changes, whose errors are returned (the new
// configuration stays in force).
func (r *Router) Reconfigure(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg = cfg.withDefaults()
	cfg.VirtualAddresses = slices.Clone(cfg.VirtualAddresses)
	r.mu.Lock()
	if r.stopped {
		r.unlock()
		return ErrStopped
	}
	old := r.cfg
	if r.running || r.starting {
		if err := restartRequired(old, cfg); err != nil {
			r.unlock()
			return err
		}
	} else {
		r.setIdentity(cfg)
	}
	r.cfg = cfg
	r.tx.Interval = cfg.Interval
	r.tx.Addresses = cfg.VirtualAddresses
	r.tx.AuthType = cfg.AuthType
	r.tx.AuthData = [8]byte{}
	copy(r.tx.AuthData[:], cfg.Password)
	tracksChanged := !sameTracks(old.Tracks, cfg.Tracks)
	if tracksChanged {
		r.replaceTracks()
	}
	prio, forced := r.effectivePriority()
	if !r.running {
		// Before Start (or while Start opens the transport): Start
		// takes it from here.
		r.m.advInterval, r.m.preempt, r.m.preemptDelay = cfg.Interval, !cfg.NoPreempt, cfg.PreemptDelay
		r.m.priority, r.m.forced = prio, forced
		r.unlock()
		return nil
	}
	added, removed := diffAddrs(old.VirtualAddresses, cfg.VirtualAddresses)
	if r.m.state == Master {
		if len(removed) > 0 {
			r.enqueue(effect{kind: fxRemove, addrs: removed})
		}
		if len(added) > 0 {
			r.enqueue(effect{kind: fxAdd, addrs: added})
			r.burstOf(added)
		}
		if old.Announce.Refresh != cfg.Announce.Refresh {
			r.announceRefresh.Stop()
			if cfg.Announce.Refresh > 0 {
				r.armRefresh()
			}
		}
	}
	advertise := len(added) > 0 || len(removed) > 0 || old.AuthType != cfg.AuthType ||
		old.Password != cfg.Password || old.Checksum != cfg.Checksum
	tr, acts := r.m.reconfigure(r.clock.Now(), reconf{advInterval: cfg.Interval, preempt: !cfg.NoPreempt,
		preemptDelay: cfg.PreemptDelay, priority: prio, forced: forced, advertise: advertise})
	r.apply(tr, acts)
	if tracksChanged {
		for _, t := range r.tracks {
			if t.Checker != nil {
				r.armCheck(t)
			}
		}
	}
	r.log.Info("vrrp reconfigured", "priority", prio, "interval", cfg.Interval, "vips", cfg.VirtualAddresses,
		"added", added, "removed", removed)
	r.mu.Unlock()
	return r.flushCtx(ctx, true)
}

// setIdentity takes what cannot change on a running router from cfg, for
// a Reconfigure before Start. r.mu is held.
func (r *Router) setIdentity(cfg Config) {
	r.local = cfg.Address.Addr()
	r.group = packet.GroupIPv4
	if !r.local.Is4() {
		r.group = packet.GroupIPv6
	}
	r.m.version, r.m.primary = cfg.Version, r.local
	r.tx.Version, r.tx.VRID = cfg.Version, cfg.VRID
	if cfg.VRID != r.cfg.VRID || cfg.Interface != r.cfg.Interface || cfg.Version != r.cfg.Version {
		r.log = r.baseLog.With("vrid", cfg.VRID, "iface", cfg.Interface, "version", int(cfg.Version))
	}
}

// restartRequired names the first field of next that cannot change in
// place on a router running prev.
func restartRequired(prev, next Config) error {
	field := ""
	switch {
	case prev.VRID != next.VRID:
		field = "VRID"
	case prev.Interface != next.Interface:
		field = "Interface"
	case prev.Version != next.Version:
		field = "Version"
	case prev.Address != next.Address:
		field = "Address"
	case (len(prev.Peers) == 0) != (len(next.Peers) == 0):
		field = "Peers"
	default:
		return nil
	}
	return fmt.Errorf("%w: %s: cannot change on a running virtual router", ErrRestartRequired, field)
}

// replaceTracks rebuilds r.tracks from r.cfg.Tracks, carrying the state of
// the tracks kept by name; every old track's pending check is stopped
// and its check in flight, if any, ignored. r.mu is held.
func (r *Router) replaceTracks() {
	prev := r.tracks
	r.tracks = make([]*trackState, 0, len(r.cfg.Tracks))
	for _, t := range r.cfg.Tracks {
		ts := newTrackState(t)
		i := slices.IndexFunc(prev, func(o *trackState) bool { return o.Name == t.Name })
		if i >= 0 {
			o := prev[i]
			ts.lastErr = o.lastErr
			if (o.Checker == nil) == (t.Checker == nil) && o.Rise == t.Rise && o.Fall == t.Fall {
				ts.h = o.h
			} else if t.Checker == nil {
				ts.h = health.NewHysteresis(1, 1, o.h.Up())
			} else {
				ts.h = health.NewHysteresis(t.Rise, t.Fall, o.h.Up())
			}
		}
		r.tracks = append(r.tracks, ts)
	}
	for _, o := range prev {
		o.slot.Stop()
		o.gone = true
	}
}

// sameTracks reports whether two track lists (with defaults) are the same,
// Checker values compared as sameChecker does.
func sameTracks(a, b []Track) bool {
	return slices.EqualFunc(a, b, func(x, y Track) bool {
		return x.Name == y.Name && x.Weight == y.Weight && x.Interval == y.Interval && x.Timeout == y.Timeout &&
			x.Rise == y.Rise && x.Fall == y.Fall && sameChecker(x.Checker, y.Checker)
	})
}

// sameChecker reports whether two checkers are equal comparable values
// (pointers, mostly); one of a type that cannot be compared (a function)
// counts as changed.
func sameChecker(x, y health.Checker) (same bool) {
	if x == nil || y == nil {
		return x == nil && y == nil
	}
	tx, ty := reflect.TypeOf(x), reflect.TypeOf(y)
	if tx != ty || !tx.Comparable() {
		return false
	}
	defer func() {
		if recover() != nil {
			same = false // a comparable struct holding an incomparable value
		}
	}()
	return x == y
}

// diffAddrs returns the addresses of next not in prev, and of prev not in
// next, in their lists' order.
func diffAddrs(prev, next []netip.Addr) (added, removed []netip.Addr) {
	for _, a := range next {
		if !slices.Contains(prev, a) {
			added = append(added, a)
		}
	}
	for _, a := range prev {
		if !slices.Contains(next, a) {
			removed = append(removed, a)
		}
	}
	return added, removed
}

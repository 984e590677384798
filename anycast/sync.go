package anycast

import (
	"context"
	"net/netip"
	"slices"
	"time"
)

// want is what a prefix should be: on the host, and announced at metric.
type want struct {
	alias    bool
	announce bool
	metric   uint32
	drain    time.Duration
	// drained: a service of the prefix has finished its DrainMetric
	// phase, so the network has had its time to move and the alias goes
	// with the withdrawal.
	drained bool
}

// wantLocked computes what ps should be from its services. mu is held.
//
// A prefix shared by services is announced while any of them is up, at
// the lowest metric among those; failing that at the lowest DrainMetric
// of the services in their drain phase or FailMetric of the down services
// with FailAction "metric"; otherwise withdrawn. Its alias stays while any
// service is not in maintenance, the Instance is not stopping, or a drain
// phase lasts.
func (in *Instance) wantLocked(ps *prefixState) want {
	w := want{drain: ps.drainFloor}
	var fail uint32
	now := in.clock.Now()
	for _, s := range ps.services {
		w.drain = max(w.drain, s.cfg.DrainTime)
		if in.stopping || s.state == StateMaintenance || s.state == StateStopped {
			switch {
			case s.drainUntil.IsZero():
			case now.Before(s.drainUntil):
				w.alias = true
				if fail == 0 || s.cfg.DrainMetric < fail {
					fail = s.cfg.DrainMetric
				}
			default:
				w.drained = true
			}
			continue
		}
		w.alias = true
		switch {
		case s.state == StateUp:
			m := s.metricUp()
			if !w.announce || m < w.metric {
				w.announce, w.metric = true, m
			}
		case s.cfg.FailAction == FailMetric:
			if fail == 0 || s.cfg.FailMetric < fail {
				fail = s.cfg.FailMetric
			}
		}
	}
	if !w.announce && fail != 0 {
		w.announce, w.metric = true, fail
	}
	return w
}

// metricUp is the metric of a healthy service. With PolicyPeer it is
// raised by PeerRaise while the peers are healthy and lowered to Metric
// while they fail; it is only asked of a service whose own checks pass
// (StateUp), which is the guard against the paper's warning: a broken
// replica never lowers its metric.
func (s *service) metricUp() uint32 {
	if s.cfg.Policy == PolicyPeer && s.peer.Up() {
		return s.cfg.Metric + s.cfg.PeerRaise
	}
	return s.cfg.Metric
}

// sync brings the given prefixes to what their services want, in order:
// the alias before the announcement, the withdrawal before the removal,
// and the removal only DrainTime after the withdrawal. Effects run outside
// mu under effMu. A failed call is recorded in the prefix's status and
// retried at the next sync (every round of its services).
func (in *Instance) sync(prefixes []netip.Prefix) {
	in.effMu.Lock()
	// Covers to withdraw go first (before an alias they cover may go),
	// covers to announce last: after the prefixes they cover, whose
	// announcement then goes out first (a RIP speaker sends the first
	// change at once and damps the next, RFC 2453 §3.10.1, and the
	// specific route is what moves the traffic).
	in.mu.Lock()
	var first []netip.Prefix
	for _, p := range prefixes {
		if ps := in.prefixes[p]; ps != nil && ps.cover && !in.wantLocked(ps).announce {
			first = append(first, p)
		}
	}
	in.mu.Unlock()
	for _, p := range first {
		in.syncOne(p)
	}
	for _, p := range in.coversLast(prefixes) {
		in.syncOne(p)
	}
	in.mu.Lock()
	in.purgeLocked()
	in.checkIdleLocked()
	in.mu.Unlock()
	in.effMu.Unlock()
	in.drainEvents()
}

// coversFirst orders prefixes covers first; coversLast covers last.
func (in *Instance) coversFirst(prefixes []netip.Prefix) []netip.Prefix {
	return in.byCover(prefixes, true)
}

func (in *Instance) coversLast(prefixes []netip.Prefix) []netip.Prefix {
	return in.byCover(prefixes, false)
}

// byCover reads the prefix states under mu: Reconfigure adds to them
// while a sync, which holds effMu only, runs.
func (in *Instance) byCover(prefixes []netip.Prefix, first bool) []netip.Prefix {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]netip.Prefix, 0, len(prefixes))
	for _, cover := range []bool{first, !first} {
		for _, p := range prefixes {
			if ps := in.prefixes[p]; ps != nil && ps.cover == cover {
				out = append(out, p)
			}
		}
	}
	return out
}

// syncOne does the effects for one prefix. effMu is held.
func (in *Instance) syncOne(p netip.Prefix) {
	in.mu.Lock()
	ps := in.prefixes[p]
	if ps == nil || in.stopped {
		in.mu.Unlock()
		return
	}
	w := in.wantLocked(ps)
	in.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// record runs under mu: the outcome of one call.
	record := func(ok func(now time.Time), ev Event, err error) {
		in.mu.Lock()
		now := in.clock.Now()
		if err != nil {
			ps.err = err.Error()
			in.queue(Event{Kind: EventError, At: now, Prefix: p, Err: err})
			in.log.Warn("anycast: effect failed, will retry", "prefix", p, "err", err)
		} else {
			ps.err = ""
			ok(now)
			ev.At, ev.Prefix = now, p
			in.queue(ev)
		}
		in.mu.Unlock()
	}
	addAlias := func() bool {
		if ps.cover {
			// A cover has no address: it needs one of the prefixes it
			// covers on the host.
			in.mu.Lock()
			defer in.mu.Unlock()
			return slices.ContainsFunc(ps.covered, func(c *prefixState) bool { return c.aliased })
		}
		if ps.aliased {
			return true
		}
		err := in.addrs.Add(ctx, p)
		record(func(time.Time) { ps.aliased = true }, Event{Kind: EventAliasAdd}, err)
		return err == nil
	}

	if w.announce {
		in.stopRemoval(ps)
		if !addAlias() {
			if ps.cover && ps.announced {
				// The covered aliases went: so does the cover.
				err := in.ann.WithdrawPrefix(p)
				record(func(now time.Time) { ps.announced, ps.metric, ps.withdrawnAt = false, 0, now },
					Event{Kind: EventWithdraw}, err)
			}
			return // never announce a host whose alias is missing
		}
		if ps.announced && ps.metric == w.metric {
			return
		}
		err := in.ann.AnnouncePrefix(p, w.metric)
		record(func(time.Time) { ps.announced, ps.metric = true, w.metric },
			Event{Kind: EventAnnounce, Metric: w.metric}, err)
		return
	}
	if ps.announced {
		err := in.ann.WithdrawPrefix(p)
		record(func(now time.Time) { ps.announced, ps.metric, ps.withdrawnAt = false, 0, now },
			Event{Kind: EventWithdraw}, err)
		if err != nil {
			in.retryIfStopping(p)
			return // the alias stays while the announcement may
		}
	}
	if w.alias || ps.cover {
		in.stopRemoval(ps)
		addAlias()
		return
	}
	if !ps.aliased {
		return
	}
	in.mu.Lock()
	var wait time.Duration
	if !ps.withdrawnAt.IsZero() && !w.drained {
		wait = ps.withdrawnAt.Add(w.drain).Sub(in.clock.Now())
	}
	if wait > 0 {
		if ps.removal == nil {
			// Give the network DrainTime to move before the address goes.
			ps.removal = in.clock.AfterFunc(wait, func() {
				in.mu.Lock()
				ps.removal = nil
				in.mu.Unlock()
				in.sync([]netip.Prefix{p})
			})
		}
		in.mu.Unlock()
		return
	}
	in.mu.Unlock()
	err := in.addrs.Remove(ctx, p)
	record(func(time.Time) { ps.aliased, ps.drainFloor = false, 0 }, Event{Kind: EventAliasRemove}, err)
	if err != nil {
		in.retryIfStopping(p)
	}
}

// stopRemoval cancels a pending alias removal. effMu is held.
func (in *Instance) stopRemoval(ps *prefixState) {
	in.mu.Lock()
	if ps.removal != nil {
		ps.removal.Stop()
		ps.removal = nil
	}
	in.mu.Unlock()
}

// retryIfStopping arms a retry of p once a second while Stop waits: the
// rounds, which retry otherwise, no longer run.
func (in *Instance) retryIfStopping(p netip.Prefix) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.stopping && !in.stopped {
		in.clock.AfterFunc(time.Second, func() { in.sync([]netip.Prefix{p}) })
	}
}

// checkIdleLocked closes idle once Stop waits and nothing is left. mu is
// held.
func (in *Instance) checkIdleLocked() {
	if !in.stopping || in.idle == nil {
		return
	}
	for _, ps := range in.prefixes {
		if ps.aliased || ps.announced {
			return
		}
	}
	select {
	case <-in.idle:
	default:
		close(in.idle)
	}
}

// queue adds an event for OnEvent. mu is held.
func (in *Instance) queue(e Event) {
	if in.onEvent == nil {
		return
	}
	in.evMu.Lock()
	in.evq = append(in.evq, e)
	in.evMu.Unlock()
}

// drainEvents delivers the queued events, one at a time and in order,
// unless another goroutine already does. No lock of the Instance is held.
func (in *Instance) drainEvents() {
	if in.onEvent == nil {
		return
	}
	in.evMu.Lock()
	if in.draining {
		in.evMu.Unlock()
		return
	}
	in.draining = true
	for len(in.evq) > 0 {
		e := in.evq[0]
		in.evq = in.evq[1:]
		in.evMu.Unlock()
		in.onEvent(e)
		in.evMu.Lock()
	}
	in.draining = false
	in.evMu.Unlock()
}

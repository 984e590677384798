package ospf

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/switchless/routing/internal/loop"
	"github.com/switchless/routing/ospf/packet"
)

// This file is RFC 1765, OSPF Database Overflow: a bound on the
// AS-external-LSAs a neighbour can make this router hold. OSPF leaves the
// database size open, and one misconfigured redistribution elsewhere in
// the domain (or a hostile neighbour) can flood tens of thousands of
// AS-external-LSAs. With Config.ExternalLSDBLimit set, the database never
// holds more non-default AS-external-LSAs than the limit: a new one that
// would exceed it is dropped and not acknowledged (RFC 1765 §1 (2),
// §2.3.1), counted as DropLSAOverflow. When the count reaches the limit
// the router enters OverflowState (§2.2): it flushes the non-default
// AS-external-LSAs it originated itself and originates none while in the
// state (§2.3.2); a self-originated one that comes back is flushed again
// (§2.3.3). It leaves the state ExitOverflowInterval later (§2.4), or
// never without a restart when that is zero, as the RFC's default.
// Default routes (Link State ID 0.0.0.0) are not counted and never
// dropped. The limit must be the same on every router of the domain
// (§2.1): routers with different limits would hold different databases.

// OverflowStatus is an instance's RFC 1765 state.
type OverflowStatus struct {
	// Limit is ExternalLSDBLimit (0: none); Externals the non-default
	// AS-external-LSAs in the database.
	Limit, Externals int
	// Overflow reports OverflowState, entered at Since; Exits is when it
	// will be left (zero: not before a restart, or not in the state).
	Overflow     bool
	Since, Exits time.Time
	// Entered counts the entries into OverflowState.
	Entered uint64
}

// overflowState is the instance's RFC 1765 bookkeeping, under its mutex.
type overflowState struct {
	externals int // non-default AS-external-LSAs in the database
	on        bool
	since     time.Time
	exits     time.Time
	entered   uint64
	exit      loop.Slot // ExitOverflowInterval
}

func (c Config) validateOverflow() error {
	if c.ExternalLSDBLimit < 0 {
		return fmt.Errorf("%w: ExternalLSDBLimit = %d: must be 0 (no limit) or positive", ErrInvalidConfig, c.ExternalLSDBLimit)
	}
	if c.ExitOverflowInterval < 0 || c.ExitOverflowInterval > 24*time.Hour {
		return fmt.Errorf("%w: ExitOverflowInterval = %v: must be 0 (stay until restarted) to 24h", ErrInvalidConfig, c.ExitOverflowInterval)
	}
	return nil
}

// nonDefaultExternal reports whether k is a non-default AS-external-LSA,
// the kind RFC 1765 counts.
func nonDefaultExternal(k packet.LSAKey) bool {
	return k.Type == packet.LSTypeASExternal && k.ID != netip.IPv4Unspecified()
}

// overflowRefuses reports whether a received instance of k, not in the
// database yet, must be dropped unacknowledged: it would take the count
// past the limit (RFC 1765 §2.3.1). A MaxAge instance only removes.
func (in *Instance) overflowRefuses(k packet.LSAKey, cur *dbEntry, hdr packet.LSAHeader) bool {
	lim := in.cfg.ExternalLSDBLimit
	return lim > 0 && cur == nil && nonDefaultExternal(k) && in.ovf.externals >= lim &&
		packet.LSAge(hdr.Age) != packet.MaxAge
}

// overflowCount follows installs (+1) and removals (-1) of keys; it
// enters OverflowState when the count reaches the limit (§2.2).
func (in *Instance) overflowCount(k packet.LSAKey, delta int) {
	if !nonDefaultExternal(k) {
		return
	}
	in.ovf.externals += delta
	if lim := in.cfg.ExternalLSDBLimit; lim > 0 && delta > 0 && in.ovf.externals >= lim && !in.ovf.on {
		in.enterOverflow()
	}
}

// enterOverflow is RFC 1765 §2.2: the router flushes its own non-default
// AS-external-LSAs (originateAll finds them no longer wanted) and starts
// the exit timer.
func (in *Instance) enterOverflow() {
	o := &in.ovf
	o.on, o.since, o.exits = true, in.clock.Now(), time.Time{}
	o.entered++
	in.orig.dirty = true
	in.log.Warn("ospf: database overflow (RFC 1765): AS-external-LSAs at the limit; new ones are dropped and our own are flushed",
		"limit", in.cfg.ExternalLSDBLimit, "exit_overflow_interval", in.cfg.ExitOverflowInterval)
	if d := in.cfg.ExitOverflowInterval; d > 0 {
		o.exits = o.since.Add(d)
		in.arm(&o.exit, d, in.leaveOverflow)
	}
}

// leaveOverflow is RFC 1765 §2.4: after ExitOverflowInterval the router
// originates its non-default AS-external-LSAs again. If the database is
// still at the limit, the next install enters the state again.
func (in *Instance) leaveOverflow() {
	o := &in.ovf
	if !o.on {
		return
	}
	o.on, o.exits = false, time.Time{}
	in.orig.dirty = true
	in.log.Info("ospf: database overflow over (RFC 1765 §2.4): originating AS-external-LSAs again",
		"externals", o.externals, "limit", in.cfg.ExternalLSDBLimit)
	if lim := in.cfg.ExternalLSDBLimit; lim > 0 && o.externals >= lim {
		in.enterOverflow()
	}
}

// suppressedInOverflow reports whether a self-originated LSA of key k is
// withheld in OverflowState (§2.3.2).
func (in *Instance) suppressedInOverflow(k packet.LSAKey) bool {
	return in.ovf.on && nonDefaultExternal(k)
}

// Overflow returns the RFC 1765 state.
func (in *Instance) Overflow() OverflowStatus {
	in.mu.Lock()
	defer in.unlock()
	o := in.ovf
	return OverflowStatus{Limit: in.cfg.ExternalLSDBLimit, Externals: o.externals, Overflow: o.on,
		Since: o.since, Exits: o.exits, Entered: o.entered}
}

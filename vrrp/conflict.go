package vrrp

import (
	"net/netip"
	"slices"
	"time"

	"github.com/switchless/routing/internal/ratelog"
	"github.com/switchless/routing/vrrp/packet"
)

// Conflict is another router heard on the LAN that disagrees with ours
// about the virtual router (issue 15's virtual-MAC hygiene: two virtual
// routers with one VRID share one virtual MAC, 00-00-5E-00-01-{VRID},
// RFC 5798 §7.3, and corrupt each other's neighbours' caches):
//   - "address-list": our VRID with another address list (RFC 5798 §7.1
//     asks to log it; the advertisement is dropped unless its priority is
//     255);
//   - "interval": VRRPv2 with another Adver Interval (RFC 3768 §7.1,
//     dropped);
//   - "owner-claim": priority 255, the address owner's, from a source
//     that is none of the virtual addresses, so not their owner (RFC 5798
//     §7.1 has the advertisement accepted: VRRP has no authentication, and
//     the only defence is AllowFrom or Peers; it is reported).
//
// Advertisements for VRIDs without a router are counted by the Mux.
type Conflict struct {
	Source    netip.Addr
	Reason    string
	Priority  uint8
	Interval  time.Duration
	Addresses []netip.Addr
	Count     uint64
	// First and Last are when it was first and last heard.
	First, Last time.Time
}

// maxConflicts bounds the conflict table; past it, new sources are
// counted in Counters.Misconfigured only, so that invented sources
// cannot grow the router's memory.
const maxConflicts = 64

type conflictKey struct {
	src    netip.Addr
	reason string
}

// conflicts is a router's record of conflicting routers.
type conflicts struct {
	byKey map[conflictKey]*Conflict
	log   ratelog.Limiter[conflictKey]
}

// conflict records a conflicting advertisement a from src and logs it,
// once per source and reason per minute. r.mu is held.
func (r *Router) conflict(reason string, src netip.Addr, a *packet.Advertisement) {
	r.stats.Misconfigured++
	now := r.clock.Now()
	k := conflictKey{src, reason}
	c := r.conf.byKey[k]
	if c == nil && len(r.conf.byKey) < maxConflicts {
		if r.conf.byKey == nil {
			r.conf.byKey = make(map[conflictKey]*Conflict)
		}
		c = &Conflict{Source: src, Reason: reason, First: now}
		r.conf.byKey[k] = c
	}
	if c != nil {
		c.Count++
		c.Last, c.Priority, c.Interval = now, a.Priority, a.Interval
		c.Addresses = append(c.Addresses[:0], a.Addresses...)
	}
	if suppressed, ok := r.conf.log.Allow(k, now); ok {
		r.log.Warn("vrrp: conflicting virtual router", "reason", reason, "src", src, "vrid", a.VRID,
			"priority", a.Priority, "interval", a.Interval, "addresses", a.Addresses,
			"ours", r.cfg.VirtualAddresses, "suppressed", suppressed)
	}
}

// conflictList is the table, sorted by source and reason. r.mu is held.
func (r *Router) conflictList() []Conflict {
	out := make([]Conflict, 0, len(r.conf.byKey))
	for _, c := range r.conf.byKey {
		cc := *c
		cc.Addresses = slices.Clone(c.Addresses)
		out = append(out, cc)
	}
	slices.SortFunc(out, func(a, b Conflict) int {
		if c := a.Source.Compare(b.Source); c != 0 {
			return c
		}
		if a.Reason < b.Reason {
			return -1
		}
		if a.Reason > b.Reason {
			return 1
		}
		return 0
	})
	return out
}

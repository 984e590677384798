package rip

import (
	"net/netip"

	"github.com/switchless/routing/rip/packet"
)

// AnnouncePrefix is the anycast announcer's form of Announce (the
// anycast.Announcer interface, which this package does not import): a
// metric of 1 to 15 originates p at that metric with tag 0; a metric of 16
// (RIP's infinity, RFC 2453 §3.6) or more means unreachable, so p is
// withdrawn — advertised at 16 in a triggered update and then deleted
// (§3.8), which is what the paper's "metric 16" does. Metric 0 is not a
// RIP metric and is refused.
func (i *Instance) AnnouncePrefix(p netip.Prefix, metric uint32) error {
	if metric >= packet.Infinity {
		return i.Withdraw(p)
	}
	return i.Announce(p, int(metric), 0)
}

// WithdrawPrefix is Withdraw, for the anycast announcer.
func (i *Instance) WithdrawPrefix(p netip.Prefix) error { return i.Withdraw(p) }

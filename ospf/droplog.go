package ospf

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/switchless/routing/ospf/packet"
)

// dropLogInterval is how often one (interface, reason, source) may log a
// dropped packet at Warn: a misconfigured neighbour (FRR's
// "RouterDeadInterval mismatch … expected 8, received 4") is reported
// once a minute, not once per hello, and a flood of bad packets costs
// one line per source and reason per interval (issue 16).
const dropLogInterval = time.Minute

// dropLogSources bounds the sources remembered per interval: an attacker
// inventing sources gets dropLogSources lines, and the rest are counted
// in the suppressed attribute of the next line that is logged.
const dropLogSources = 64

// operatorVisible reports whether a drop is one an operator must hear
// of: a mismatch in configuration or authentication, or a broken packet.
// The others (our own packets looped back, packets from a neighbour not
// yet in the state a packet needs, §10.6, §13) are normal in a working
// network and log at Debug.
func (r DropReason) operatorVisible() bool {
	switch r {
	case DropMalformed, DropChecksum, DropAuthType, DropAuth, DropReplay, DropWrongArea,
		DropHelloMask, DropHelloInterval, DropDeadInterval, DropHelloOptions, DropMTU,
		DropLSAChecksum, DropLSAMalformed, DropLSAType, DropLSAOverflow:
		return true
	}
	return false
}

type dropLogKey struct {
	iface  string
	reason DropReason
	src    netip.Addr
}

// dropLimiter decides which dropped packets are logged at Warn.
type dropLimiter struct {
	since      time.Time // start of the current interval
	seen       map[dropLogKey]bool
	suppressed int // drops not logged since the last line
}

// allow reports whether a drop may be logged now, and how many drops
// were suppressed since the last line that was.
func (l *dropLimiter) allow(iface string, r DropReason, src netip.Addr, now time.Time) (int, bool) {
	if l.seen == nil || now.Sub(l.since) >= dropLogInterval {
		l.since, l.seen = now, make(map[dropLogKey]bool)
	}
	k := dropLogKey{iface, r, src}
	if l.seen[k] || len(l.seen) >= dropLogSources {
		l.suppressed++
		return 0, false
	}
	l.seen[k] = true
	n := l.suppressed
	l.suppressed = 0
	return n, true
}

// maskString is a network mask as a prefix length, or as an address when
// it is not contiguous.
func maskString(m netip.Addr) string {
	if bits, ok := packet.MaskBits(m); ok {
		return "/" + strconv.Itoa(bits)
	}
	return m.String()
}

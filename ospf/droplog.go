package ospf

import (
	"net/netip"
	"strconv"

	"github.com/switchless/routing/internal/ratelog"
	"github.com/switchless/routing/ospf/packet"
)

// dropLogInterval is how often one (interface, reason, source) may log a
// dropped packet at Warn: a misconfigured neighbour (FRR's
// "RouterDeadInterval mismatch … expected 8, received 4") is reported
// once a minute, not once per hello, and a flood of bad packets costs
// one line per source and reason per interval, for at most
// dropLogSources sources, the rest counted in the suppressed attribute
// of the next line logged (issue 16).
const (
	dropLogInterval = ratelog.DefaultInterval
	dropLogSources  = ratelog.DefaultKeys
)

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

// maskString is a network mask as a prefix length, or as an address when
// it is not contiguous.
func maskString(m netip.Addr) string {
	if bits, ok := packet.MaskBits(m); ok {
		return "/" + strconv.Itoa(bits)
	}
	return m.String()
}

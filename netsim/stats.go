package netsim

import (
	"fmt"
	"strings"
)

// DropReason says why a packet was not delivered.
type DropReason int

const (
	// DropLoss: the link's random loss (Conditions.Loss) took it.
	DropLoss DropReason = iota
	// DropMTU: IP header plus payload exceeded the link MTU.
	DropMTU
	// DropCut: the sending or receiving attachment had no carrier because
	// it, its link, or (point-to-point) the far end was cut, at transmit
	// time or while the packet was in flight.
	DropCut
	// DropCrash: the sending or receiving node was crashed, at transmit
	// time or while the packet was in flight (on a point-to-point link a
	// crashed far end also counts here).
	DropCrash
	// DropNoListener: no attachment on the link owns the unicast
	// destination, or no open, started transport of that protocol and
	// family (joined to the group, for multicast) was there to take it.
	DropNoListener

	numDropReasons = iota
)

var dropReasonNames = [numDropReasons]string{"loss", "mtu", "cut", "crash", "no-listener"}

func (r DropReason) String() string {
	if r >= 0 && int(r) < numDropReasons {
		return dropReasonNames[r]
	}
	return fmt.Sprintf("DropReason(%d)", int(r))
}

// Stats counts packets on a link or an attachment.
//
// On a link every counter covers the whole link. On an attachment, Sent
// counts the packets it transmitted and Delivered the copies it received;
// a drop is counted on the attachment where it happened: on the sender for
// reasons found at transmit (MTU, its own carrier or crash, no listener
// anywhere), on the receiver for reasons found per receiver (loss, the
// receiver's carrier or crash, no open transport when the copy arrives).
type Stats struct {
	// Sent counts Send calls that reached the link (after the transport's
	// own argument checks).
	Sent uint64
	// Delivered counts copies handed to at least one transport's deliver
	// callback. One multicast on a segment gives one copy per receiving
	// attachment; a duplicated copy counts twice.
	Delivered uint64
	// Duplicated counts extra copies made by Conditions.Duplicate.
	Duplicated uint64
	// Reordered counts copies given the extra Conditions.ReorderDelay.
	Reordered uint64
	// Dropped counts copies or packets dropped, indexed by DropReason.
	Dropped [numDropReasons]uint64
}

// TotalDropped returns the sum of Dropped over all reasons.
func (s Stats) TotalDropped() uint64 {
	var n uint64
	for _, d := range s.Dropped {
		n += d
	}
	return n
}

// String formats the counters on one line, drop reasons in order.
func (s Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sent=%d delivered=%d duplicated=%d reordered=%d", s.Sent, s.Delivered, s.Duplicated, s.Reordered)
	for r, d := range s.Dropped {
		fmt.Fprintf(&b, " drop.%s=%d", DropReason(r), d)
	}
	return b.String()
}

package daemon

import (
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/switchless/routing/vrrp"
)

// ConflictView is one vrrp.Conflict in `show` output, shared by vrrpd and
// ringd: a router heard on the LAN that disagrees with ours about the
// virtual router (our VRID with another address list or interval, or a
// priority-255 claim from an address that owns nothing).
type ConflictView struct {
	Source    netip.Addr   `json:"source"`
	Reason    string       `json:"reason"`
	Priority  uint8        `json:"priority"`
	Interval  Duration     `json:"interval"`
	Addresses []netip.Addr `json:"addresses"`
	Count     uint64       `json:"count"`
	First     time.Time    `json:"first"`
	Last      time.Time    `json:"last"`
}

// ConflictViews converts a router's conflict table; nil when empty.
func ConflictViews(cs []vrrp.Conflict) []ConflictView {
	var out []ConflictView
	for _, c := range cs {
		out = append(out, ConflictView{Source: c.Source, Reason: c.Reason, Priority: c.Priority, Interval: Duration(c.Interval),
			Addresses: append([]netip.Addr{}, c.Addresses...), Count: c.Count, First: c.First, Last: c.Last})
	}
	return out
}

// PrintConflicts writes the conflict lines under a router's table row,
// one per source and reason, as "  conflict: SOURCE REASON ...".
func PrintConflicts(w io.Writer, name string, cs []ConflictView) {
	for _, c := range cs {
		fmt.Fprintf(w, "  %s: conflicting router %v (%s): priority %d, interval %v, addresses %v, heard %d times, last %s\n",
			name, c.Source, c.Reason, c.Priority, time.Duration(c.Interval), c.Addresses, c.Count, c.Last.Format(time.RFC3339))
	}
}

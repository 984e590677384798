package bfd

import (
	"fmt"
	"net/netip"

	"github.com/switchless/routing/bfd/packet"
)

// EventKind says what an Event reports.
type EventKind uint8

// Event kinds.
const (
	// SessionUp: the session reached Up (RFC 5880 §6.8.6).
	SessionUp EventKind = iota + 1
	// SessionDown: an Up or Init session went Down: its detection time
	// expired (diag control-detection-time-expired, §6.8.4) or the peer
	// reported Down (neighbor-signaled-session-down, §6.8.6). Clients of
	// an Up session are told it failed.
	SessionDown
	// SessionPeerAdminDown: the peer took the session AdminDown (§6.8.16):
	// not a failure, clients keep their state (RFC 5882 §3.2).
	SessionPeerAdminDown
	// SessionAdded and SessionDeleted: a session was created (by Watch or
	// a static peer) or deleted (its last client released it, after its
	// AdminDown linger).
	SessionAdded
	SessionDeleted
)

var eventNames = [...]string{"", "session-up", "session-down", "session-peer-admin-down", "session-added", "session-deleted"}

// String returns "session-up", "session-down"...
func (k EventKind) String() string {
	if k > 0 && int(k) < len(eventNames) {
		return eventNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is one change, given to Env.OnEvent.
type Event struct {
	Kind      EventKind
	Interface string
	Peer      netip.Addr
	// Diag is the local diagnostic after the change (why it went Down).
	Diag packet.Diag
}

func (e Event) String() string {
	if e.Kind == SessionDown {
		return fmt.Sprintf("%s %s on %s (%s)", e.Kind, e.Peer, e.Interface, e.Diag)
	}
	return fmt.Sprintf("%s %s on %s", e.Kind, e.Peer, e.Interface)
}

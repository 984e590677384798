package rip

import "fmt"

// DropReason says why a message or one of its entries was ignored (RFC
// 2453 §3.9, §4.1, RFC 4822).
type DropReason uint8

// Drop reasons: the message ones first, then the per-entry ones.
const (
	DropMalformed     DropReason = iota // the codec rejected it
	DropVersion                         // version 1 on a V2Only interface
	DropBadPort                         // a response not from port 520 (§3.9.2)
	DropOwnAddress                      // sent from one of our addresses (§3.9.2)
	DropNotConnected                    // source not on the interface's network (§3.9.2)
	DropPassive                         // a port-520 request on a passive interface
	DropAuthMissing                     // unauthenticated on an authenticating interface
	DropAuthType                        // authentication of the wrong type
	DropAuthKey                         // no key with that ID in its accept lifetime
	DropAuthMismatch                    // wrong password or digest
	DropReplay                          // crypto sequence number went backwards (RFC 4822)
	DropInterfaceDown                   // received on an interface reported down (InterfaceDown)
	DropV1MustBeZero                    // a v1 entry with must-be-zero fields set (RFC 1058)
	DropEntryFamily                     // entry of an address family other than IPv4
	DropEntryMetric                     // metric 0 or over 16 (§3.9.2)
	DropEntryAddress                    // bad destination: mask, host bits, class D/E, loopback
	DropRouteLimit                      // a new route past Config.MaxRoutesPerNeighbor
	NumDropReasons
)

var dropNames = [...]string{
	"malformed", "version", "bad-port", "own-address", "not-connected", "passive",
	"auth-missing", "auth-type", "auth-key", "auth-mismatch", "replay", "interface-down",
	"v1-must-be-zero", "entry-family", "entry-metric", "entry-address",
	"route-limit",
}

// String returns the reason's name, such as "not-connected".
func (r DropReason) String() string {
	if int(r) < len(dropNames) {
		return dropNames[r]
	}
	return fmt.Sprintf("DropReason(%d)", uint8(r))
}

// Stats are the instance's counters.
type Stats struct {
	Received          uint64 // messages received
	RequestsReceived  uint64
	ResponsesReceived uint64
	RequestsAnswered  uint64
	Sent              uint64 // messages sent (one per destination)
	SendErrors        uint64
	RegularUpdates    uint64 // regular update rounds (§3.8)
	TriggeredUpdates  uint64 // triggered update rounds (§3.10.1)
	RoutesTimedOut    uint64 // next hops that reached the 180 s timeout
	// LossRequests counts the rounds of whole-table requests sent because
	// a learnt route was lost with no other path (§3.9.1).
	LossRequests uint64
	// OriginReminders counts our own routes sent in a triggered update
	// because a neighbour advertised them at a worse finite metric than
	// it would have through us (see Instance.Announce).
	OriginReminders uint64
	NextHopIgnored  uint64 // §4.4 next hops not on the network, taken as the sender
	FIBWrites       uint64
	// BFDDown counts BFD sessions that went Down, each expiring the
	// routes of its neighbour (InterfaceConfig.BFD).
	BFDDown uint64
	// Dropped counts ignored messages and entries by reason.
	Dropped [NumDropReasons]uint64
}

// IfaceStats are the counters of one interface.
type IfaceStats struct {
	Received, Sent uint64
	// BadPackets and BadRoutes are RFC 1724's rip2IfStatRcvBadPackets
	// and rip2IfStatRcvBadRoutes.
	BadPackets, BadRoutes uint64
	SentUpdates           uint64
}

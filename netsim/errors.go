package netsim

import "errors"

// Sentinel errors. Functions wrap them with %w and name the offending field
// or value, so callers can test with errors.Is and still read why.
var (
	// ErrInvalidConfig reports a Conditions, LinkConfig, SegmentConfig or
	// TransportConfig field out of range.
	ErrInvalidConfig = errors.New("netsim: invalid configuration")
	// ErrDuplicate reports a name or address that already exists.
	ErrDuplicate = errors.New("netsim: already exists")
	// ErrNotFound reports an address or attachment that does not exist.
	ErrNotFound = errors.New("netsim: not found")
	// ErrForeign reports a node or link that belongs to another Network.
	ErrForeign = errors.New("netsim: belongs to another network")
	// ErrPointToPoint reports an Attach to a point-to-point link, which
	// always has exactly its two ends.
	ErrPointToPoint = errors.New("netsim: point-to-point link cannot take more attachments")
	// ErrNoAddress reports a Send from an attachment that has no address of
	// the transport's family and no configured source.
	ErrNoAddress = errors.New("netsim: no source address of that family")
	// ErrBadDestination reports a destination that is invalid, of the wrong
	// family, or not a multicast group where one is required.
	ErrBadDestination = errors.New("netsim: bad destination")
	// ErrTooLarge reports a payload that does not fit in one IP packet
	// (65535 bytes with headers). Payloads that merely exceed the link MTU
	// are accepted and dropped on the link, as counted by DropMTU.
	ErrTooLarge = errors.New("netsim: payload too large for an IP packet")
	// ErrStarted reports a second Start of a transport.
	ErrStarted = errors.New("netsim: transport already started")
)

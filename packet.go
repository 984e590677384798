package routing

import (
	"errors"
	"net/netip"
)

// Packet is one protocol PDU as received on an interface. It carries the
// fields of the IP header that protocols check (source, destination, TTL)
// and, over UDP, the source port, but never the IP or UDP header itself:
// raw sockets present the IP header in a host-specific format, so
// transports strip it and protocol codecs see only their own bytes.
type Packet struct {
	// IfIndex is the index of the interface the packet arrived on.
	IfIndex int
	// Src and Dst are the IP source and destination.
	Src, Dst netip.Addr
	// SrcPort is the UDP source port of a packet received by a
	// UDPTransport (RIP checks it, RFC 2453 3.9.2, and answers requests to
	// it, 3.9.1); zero on raw IP transports.
	SrcPort uint16
	// TTL is the TTL (IPv4) or hop limit (IPv6) as received. VRRP drops
	// anything but 255; OSPF and RIP ignore it.
	TTL uint8
	// Payload is the protocol PDU after the IP (and UDP) header. It is
	// only valid for the duration of the delivery call: copy it to keep
	// it.
	Payload []byte
}

// Transport sends and receives the packets of one protocol on one
// interface: raw IP protocol 89 for OSPF, 112 for VRRP, UDP port 520 for
// RIP. The interface, protocol, TTL and TOS are fixed when the transport is
// made; the source address is the interface's.
//
// Contract, for implementations:
//   - Start is called once; deliver is then called for every packet
//     received on the interface, one at a time, and must not block. Packets
//     the transport itself sent are not delivered back.
//   - Send transmits payload to dst, a unicast address or a multicast group.
//     It never blocks for long and does not retain payload.
//   - JoinGroup and LeaveGroup change which multicast groups are received.
//   - After Close, Send, JoinGroup and LeaveGroup return net.ErrClosed and
//     deliver is no longer called once Close has returned.
//
// Contract, for users (every instance in this module honours it):
// deliver may be called from any goroutine, including synchronously from
// within Start, Send, JoinGroup and LeaveGroup, as an in-process loopback
// transport would. Instances never block in deliver on their own lock:
// a packet that arrives while the instance is busy (on another goroutine,
// or further up the same call stack) is copied, queued and handled as soon
// as the event in progress completes, in arrival order.
//
// The transporttest package checks an implementation against this
// contract.
type Transport interface {
	Start(deliver func(Packet)) error
	Send(dst netip.Addr, payload []byte) error
	JoinGroup(group netip.Addr) error
	LeaveGroup(group netip.Addr) error
	Close() error
}

// UDPTransport is a Transport over UDP. Send sends to the transport's
// port (520 for RIP, 3784 for BFD), from that port or, for BFD, from a
// source port of its own in 49152–65535 (RFC 5881 §4); SendTo reaches
// any port, for answers to a requester's port (RFC 2453 3.9.1).
// Received packets carry their source port in Packet.SrcPort.
type UDPTransport interface {
	Transport
	// SendTo transmits payload to dst's address and port, from the
	// port Send sends from.
	SendTo(dst netip.AddrPort, payload []byte) error
}

// ErrUnsupported is returned by the real-interface constructors (raw IP
// and UDP transports, netlink sinks and address managers) on platforms
// other than Linux. Match it with errors.Is.
var ErrUnsupported = errors.New("routing: not supported on this platform")

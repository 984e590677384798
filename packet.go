package routing

import "net/netip"

// Packet is one protocol PDU as received on an interface. It carries the
// fields of the IP header that protocols check (source, destination, TTL)
// but never the IP header itself: raw sockets present that header in a
// host-specific format, so transports strip it and protocol codecs see only
// their own bytes.
type Packet struct {
	// IfIndex is the index of the interface the packet arrived on.
	IfIndex int
	// Src and Dst are the IP source and destination.
	Src, Dst netip.Addr
	// TTL is the TTL (IPv4) or hop limit (IPv6) as received. VRRP drops
	// anything but 255; OSPF and RIP ignore it.
	TTL uint8
	// Payload is the protocol PDU after the IP header. It is only valid
	// for the duration of the delivery call: copy it to keep it.
	Payload []byte
}

// Transport sends and receives the packets of one protocol on one
// interface: raw IP protocol 89 for OSPF, 112 for VRRP, UDP port 520 for
// RIP. The interface, protocol, TTL and TOS are fixed when the transport is
// made; the source address is the interface's.
//
// Contract:
//   - Start is called once; deliver is then called for every packet
//     received on the interface, one at a time, and must not block. Packets
//     the transport itself sent are not delivered back.
//   - Send transmits payload to dst, a unicast address or a multicast group.
//     It never blocks for long and does not retain payload.
//   - JoinGroup and LeaveGroup change which multicast groups are received.
//   - After Close, Send, JoinGroup and LeaveGroup return net.ErrClosed and
//     deliver is no longer called once Close has returned.
type Transport interface {
	Start(deliver func(Packet)) error
	Send(dst netip.Addr, payload []byte) error
	JoinGroup(group netip.Addr) error
	LeaveGroup(group netip.Addr) error
	Close() error
}

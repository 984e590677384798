// Package transport provides the real, Linux, implementations of
// routing.Transport: the sockets the protocol packages send and receive
// their PDUs through when they run on a kernel rather than on the
// in-memory network simulator.
//
//   - ListenIP: raw IPv4 for one IP protocol on one interface — OSPF
//     (protocol 89, TTL 1, TOS 0xc0, groups 224.0.0.5 and 224.0.0.6) and
//     VRRP (protocol 112, TTL 255, group 224.0.0.18).
//   - ListenIP6: the same for IPv6 — VRRPv3 over IPv6 (hop limit 255,
//     group ff02::12).
//   - ListenUDP: UDP on one interface — RIP-2 (port 520, group 224.0.0.9)
//     and BFD (port 3784, sent from a separate source port in
//     49152..65535 with TTL 255, UDPConfig.SrcPort; RFC 5881 4).
//     Received packets carry the source port, which RIP checks, and the
//     TTL, which BFD checks.
//   - ListenUDP6: the same over IPv6 — BFD for IPv6 peers, link-local or
//     global, with the received hop limit in Packet.TTL.
//
// Every transport is bound to its interface with SO_BINDTODEVICE, so it
// receives only what arrived on that interface and sends only through it,
// and several transports of the same protocol coexist, one per interface.
// It receives only the multicast groups joined through it
// (IP_MULTICAST_ALL off), never its own multicast (loopback off, and
// packets whose source is one of the interface's own addresses are
// dropped, the address list being kept current through netlink
// notifications). Received packets reach the protocol without their IP
// header: the header fields protocols check (interface, source,
// destination, TTL) come from the socket's control messages, so protocol
// codecs never parse the host's raw-socket header format.
//
// A transport may be opened in another network namespace
// (IPConfig.Namespace, UDPConfig.Namespace): its socket is created on an
// OS thread switched into that namespace and stays there. InNamespace
// exposes the same mechanism for other sockets and netlink handles.
//
// The lifecycle follows routing.Transport: Listen opens the socket, Start
// starts the one receive goroutine, Close closes the socket and waits for
// that goroutine, so that deliver is never called after Close returns and
// Send, JoinGroup and LeaveGroup then return net.ErrClosed. Stats counts
// what was received, delivered, dropped (by reason) and sent.
//
// Opening raw sockets and binding port 520 need CAP_NET_RAW and
// CAP_NET_BIND_SERVICE (root). On other platforms every constructor
// returns ErrUnsupported.
package transport

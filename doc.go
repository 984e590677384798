// Package routing is the root of switchless/routing, a suite of routing
// protocols written as importable Go libraries: OSPFv2 (RFC 2328), VRRP v2
// and v3 (RFC 3768, RFC 5798), RIPv2 (RFC 2453), a health-checked anycast
// announcer, and FIB sinks. Together they let a handful of servers be
// cabled to each other in a ring, each running a small virtual router, with
// no switch and no single point of failure.
//
// This root package holds only the small vocabulary the protocol packages
// share:
//
//   - [Clock] and [Timer]: protocol cores take time from an injected clock.
//     [SystemClock] is the real one; [ManualClock] is a virtual clock whose
//     timers due at the same instant fire in the order they were armed, so a
//     whole topology simulated on it is deterministic.
//   - [Packet] and [Transport]: a protocol PDU as received on one interface,
//     without its IP header, and the per-interface, per-protocol transport
//     that sends and receives them. Real transports live in internal
//     packages; the in-memory network simulator provides its own.
//
// # Status
//
// What is implemented today, package by package (kept true as work lands):
//
//	package              status
//	routing              Clock, ManualClock, Packet, Transport
//	internal/netsim      in-memory network on the virtual clock, pcapng capture
//	internal/transport   raw IPv4/IPv6 and UDP transports bound to one interface
//	internal/nstest      network namespaces and peer processes for tests
//	fib                  route model, Memory and Netlink sinks, declarative Sync
//	ospf                 OSPFv2, backbone area: wire format, authentication,
//	                     adjacencies, flooding, LSDB, SPF, externals, FIB
//	vrrp                 VRRP v2/v3 with tracking, unicast peers, VIP ownership
//	ring                 the switchless ring: spec, cost plan, nodes, simulation
//	examples             ospfd, vrrpd, ringd, ringsim, ringlab
//	rip, anycast         not yet
package routing

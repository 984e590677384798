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
//     whole topology simulated on it is deterministic; a [PausableClock] over
//     it stops and resumes one simulated process's timers, as SIGSTOP and
//     SIGCONT do.
//   - [Packet] and [Transport]: a protocol PDU as received on one interface,
//     without its IP header, and the per-interface, per-protocol transport
//     that sends and receives them. Real transports live in internal
//     packages; the in-memory network simulator provides its own.
//
// # The shape of a protocol package
//
// Every protocol package (ospf, vrrp, rip, bfd, and anycast for its
// services) has the same roles under the same names, so a reader who
// knows one finds their way in the others:
//
//   - Constructor and environment: New(cfg Config, env Env) returns the
//     instance (ospf.Instance, vrrp.Router, rip.Instance…). Config is
//     what an operator writes: its zero fields mean the RFC defaults and
//     Validate reports the first bad field by its YAML key and the
//     reason. Env is what the instance runs on: Clock (required:
//     [SystemClock] on real interfaces, a [ManualClock] in simulation),
//     Logger (nil discards), the transports (Transports, keyed by
//     interface name, or Transport for a single-interface protocol), the
//     sinks (FIB, an address manager) and OnEvent. New checks that Env
//     matches Config: a nil clock, a missing or extra transport, an
//     unknown interface name is an error wrapping ErrInvalidConfig with
//     the field and the reason, and nothing starts.
//   - Events: one notification style. Env.OnEvent, if set, receives the
//     package's Event values (a Kind and the details: a VRRP
//     transition, an OSPF neighbor or LSDB change, a RIP route change)
//     after the instance's lock is released, one at a time and in order,
//     on the goroutine that caused them. It must not block for long; it
//     may call the instance's methods.
//   - Errors: sentinels named alike in every package and wrapped with %w:
//     ErrInvalidConfig for configuration and environment, ErrStarted for a
//     second Start, ErrStopped for Start after Stop; codec errors in the
//     packet subpackage. Real-interface constructors wrap
//     [ErrUnsupported] on platforms without them.
//   - Lifecycle: Start() error does not block; Stop(ctx) error is
//     graceful (VRRP sends priority 0, OSPF flushes its LSAs, RIP
//     announces its routes at metric 16, routes are withdrawn from the
//     FIB); Run(ctx) is Start, wait for ctx, Stop.
//   - Concurrency: each instance handles every event (packet, timer, API
//     call) to completion under one lock, effects after. A delivery that
//     arrives while the lock is held is queued, never blocked on, so a
//     transport may deliver from inside Send (see [Transport]).
//   - Wire format: in the protocol's packet subpackage (ospf/packet,
//     vrrp/packet, rip/packet, bfd/packet), so the protocol's own
//     documentation leads with the instance. Codec verbs: ParseX(b)
//     (X, error) returns a decoded value; (*X).Decode(b) decodes into an
//     existing value, reusing its memory, for zero-allocation receive
//     paths; (X).AppendBinary(b) ([]byte, error) appends the encoding
//     (encoding.BinaryAppender). Decoders never panic and have fuzz
//     targets.
//   - Real interfaces: a Listen function in the protocol package opens
//     its transports on Linux interfaces (ospf.Listen, vrrp.Listen,
//     rip.Listen); the simulator (package netsim) gives the same transports in
//     memory.
//   - Health: the one rise/fall hysteresis and the Checker interface
//     live in package health; vrrp tracking and anycast services use it.
//
// # Status
//
// What is implemented today, package by package (kept true as work lands):
//
//	package              status
//	routing              Clock, ManualClock, PausableClock, Packet, Transport, UDPTransport
//	netsim               in-memory network on the virtual clock, pcapng capture
//	transporttest        the Transport contract as a reusable test
//	health               Checker, rise/fall Hysteresis, polling Monitor
//	fib                  route model, Memory and Netlink sinks, declarative Sync
//	ospf                 OSPFv2, backbone area: authentication, adjacencies,
//	                     flooding, LSDB, SPF, externals, FIB; ospf.Listen
//	ospf/packet          OSPFv2 wire format and authentication codec
//	vrrp                 VRRP v2/v3 with tracking, unicast peers, VIP ownership;
//	                     vrrp.Listen on Linux
//	vrrp/packet          VRRP advertisements, virtual MAC, gratuitous ARP/NA
//	rip                  RIPv2: routing table and timers, regular and
//	                     triggered updates, split horizon, requests, ECMP,
//	                     redistribution, FIB, rip.Listen
//	rip/packet           RIPv2 wire format with password and RFC 4822 auth
//	ring                 the switchless ring: spec, cost plan, nodes,
//	                     ring.OpenHost on Linux interfaces, simulation
//	internal/transport   the raw IP and UDP sockets behind the Listen functions
//	internal/loop        the event lock and timer slot every instance runs on
//	internal/nstest      network namespaces and peer processes for tests
//	examples             ospfd, vrrpd, ripd, anycastd, ringd, ringsim, ringlab,
//	                     anycastsim, anycastlab
//	bfd                  BFD (RFC 5880/5881): asynchronous single-hop sessions,
//	                     IPv4 and IPv6, Poll/Final, all auth types; the
//	                     routing.Liveness that ospf and rip take; bfd.Listen
//	bfd/packet           BFD Control packets, Sign and Verify
//	anycast              health-checked service VIPs: seven check types, self
//	                     and peer policies, withdraw-before-remove, netlink
//	                     aliases, rip/ospf/FIB announcers, metric planner
package routing

// Package bfd is Bidirectional Forwarding Detection (RFC 5880) for
// single-hop IPv4 and IPv6 sessions (RFC 5881), with the client
// interface of RFC 5882 that the routing protocols use: an [Instance]
// implements routing.Liveness, so ospf and rip (Env.Liveness and
// InterfaceConfig.BFD) learn within tens of milliseconds that a
// neighbour stopped forwarding, long before their own dead intervals or
// route timeouts would.
//
// # Shape
//
// As every protocol package of the module: [New] takes a [Config] (what
// an operator writes: per-interface timers and authentication, static
// peers; zero fields are the defaults, [Config.Validate] names the bad
// YAML key) and an [Env] (a clock, a logger, the transports, an OnEvent
// callback); [Instance.Start], [Instance.Stop] (graceful: every session
// goes AdminDown first) and [Instance.Run]; the sentinels
// [ErrInvalidConfig], [ErrStarted], [ErrStopped]. The wire format is in
// package bfd/packet. On Linux, [Listen] opens the real sockets (UDP
// 3784, a source port in 49152–65535, TTL 255); in simulation, package
// netsim gives the same transports in memory
// (netsim.TransportConfig{UDPPort: netsim.PortBFD, SrcPort:
// netsim.PortBFDSrcMin, TTL: 255}).
//
// # What is implemented
//
//   - The asynchronous mode (§6.1): the three-way handshake and state
//     machine of §6.2 and §6.8.6, discriminators (§6.3, random, unique,
//     non-zero), the active and the passive role (§6.1).
//   - Timer negotiation (§6.8.2–6.8.4): the transmit interval is the
//     larger of our Desired Min TX and the peer's Required Min RX, less a
//     random 0–25 % (75–90 % with a Detect Mult of 1, §6.8.7); the
//     detection time is the peer's Detect Mult times the larger of our
//     Required Min RX and its Desired Min TX. Until a session is Up we
//     send once a second (§6.8.3).
//   - The Poll Sequence (§6.5): every change of our intervals while Up —
//     the move from the slow second to the configured interval when the
//     session comes Up, and [Instance.UpdateInterface] — is polled; a
//     longer transmit interval or a shorter detection time waits for the
//     peer's Final (§6.8.3), so timers change without a flap. A Poll from
//     the peer is answered with a Final at once.
//   - Authentication (§6.7): simple password, keyed and meticulous keyed
//     MD5 and SHA1, with the sequence-number window of §6.7.3 (the
//     window forgets after twice the detection time of silence).
//   - AdminDown (§6.8.16): Stop, and the release of a session's last
//     client, take it AdminDown with diagnostic 7 so that the peer goes
//     Down without reporting a failure to its clients (RFC 5882 §3.2).
//     A released session keeps sending AdminDown for the peer's
//     detection time before it is deleted; Stop sends it Detect Mult
//     times back to back and closes the transports at once, rather than
//     hold the stop for the detection time.
//
// Not implemented: the Echo function (§6.4; Required Min Echo RX is sent
// as zero) and Demand mode (§6.6; the D bit is sent clear and a peer's D
// bit is not acted on), as FRR's and BIRD's software BFD do by default;
// multi-hop sessions (RFC 5883).
//
// # Bad input
//
// Every packet is checked in the order of §6.8.6, after the TTL check of
// RFC 5881 §5 (TTL or hop limit 255, or it came from off the link). A
// packet that fails is dropped and counted in [Stats] under its rule and
// changes nothing — not the session's state, not its detection timer.
//
// # Clients
//
// [Instance.Watch] (routing.Liveness) creates the session a client asks
// for, shared with every other client of the same (interface, peer); the
// client is told Up when it comes Up and Down only when an Up session
// fails — its detection time expires (diagnostic 1) or the peer reports
// Down (diagnostic 3) — never when the peer takes it AdminDown. Reports
// run outside the instance's lock, one at a time, in order, never from
// inside Watch or release.
//
// # Choosing timers
//
// The defaults are FRR bfdd's, 300 ms × 3 (900 ms detection). The
// switchless ring's fast profile runs 50 ms × 3: a neighbour that hangs
// is noticed in 150 ms. On a loaded host that is also the price of a
// false positive: a scheduling stall of 150 ms (a busy hypervisor, a
// long GC pause in an embedding program) takes the session, and the
// adjacency with it, down. Raise the interval where hosts are
// oversubscribed; intervals below 10 ms are refused.
package bfd

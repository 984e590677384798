// Package ospf implements OSPF version 2 (RFC 2328): the
// interface and neighbor state machines, flooding and the link-state
// database, the shortest-path calculation, and the routing table installed
// into a [fib.Sink]. Only the backbone area is implemented; the code leaves
// room for inter-area routing (§16.2–16.3).
//
// # Running an instance
//
// [New] takes a [Config], what an operator writes, and an [Env], what the
// instance runs on: a routing.Clock, a logger, one routing.Transport per
// interface (raw IP protocol 89 on Linux, see [Listen]; or the in-memory
// network of package netsim), the fib.Sink the routes go to and an
// OnEvent callback. Zero fields of the Config mean the RFC's defaults;
// [Config.Validate] names the first bad field, and New names the first
// field of Env that does not match the Config.
//
//	trs, err := ospf.Listen(ctx, &cfg, "", logger)
//	in, err := ospf.New(cfg, ospf.Env{Clock: routing.SystemClock(), Logger: logger, Transports: trs, FIB: sink})
//	err = in.Run(ctx) // Start, wait for ctx, Stop
//
// Every input — a packet, a timer, an API call — is handled to completion
// under the instance's lock on the goroutine that delivered it. A packet
// that arrives while the lock is held (from another goroutine, or from
// inside the instance's own Send through a synchronous transport) is not
// waited for: it is copied and queued, and the holder handles it before
// releasing the lock. On a
// routing.ManualClock with the in-memory network that is the one goroutine
// driving the clock, so a simulated topology replays the same packets for
// the same seed. [Instance.Stop] floods its self-originated LSAs at MaxAge
// (§14.1), withdraws its routes from the FIB and closes the transports.
// [Instance.InterfaceDown] and [Instance.InterfaceUp] report carrier
// changes and act at once (§9.3 InterfaceDown, §10.3 KillNbr).
//
// What the instance knows is read as plain values: [Instance.Interfaces],
// [Instance.Neighbors], [Instance.LSDB], [Instance.LookupLSA],
// [Instance.RoutingTable], [Instance.SPFStatus] and [Instance.Stats]
// (packets dropped, counted by [DropReason]). Env.OnEvent is told of
// changes as they happen ([Event]: the database, neighbor and interface
// states, the routing table), after the instance's lock is released.
//
// # BFD
//
// Env.Liveness (a routing.Liveness: package bfd, or any other failure
// detector) lets the interfaces with InterfaceConfig.BFD protect their
// adjacencies with BFD (RFC 5880, RFC 5882). A neighbor that
// reaches 2-Way gets a session from the interface address to its own, as
// FRR's ospfd does; the session is released when the neighbor falls below
// 2-Way or is deleted, when the interface goes down, and at Stop. A
// session that goes Down kills the neighbor at once (§10.3 KillNbr): the
// adjacency is gone, the router-LSA re-originated and the routes
// recalculated without waiting for RouterDeadInterval;
// [EventNeighborBFDDown] is told and Stats.BFDDown counted. A session
// that comes Up, or one never reported (AdminDown, never Up), changes
// nothing. Reports arrive on any goroutine and are queued like received
// packets; [NeighborStatus].BFD shows each neighbor's session.
//
// # Adjacencies, flooding and the database
//
// Interfaces are point-to-point or broadcast (NBMA and point-to-multipoint
// are rejected with [ErrNotImplemented]), or passive. The interface state machine
// (§9.1–9.3) and the DR/BDR election (§9.4, [ElectDR], a pure function)
// follow the RFC; so do the hello checks (§10.5, including FRR-style fast
// hellos through InterfaceConfig.HelloMultiplier), the neighbor state
// machine (§10.1–10.4), the database exchange with the MTU check and
// MTUIgnore (§10.6–10.8), LS requests and retransmissions, every step of
// flooding (§13, §13.3, §13.5, MinLSArrival), self-originated LSAs
// (§13.4), router- and network-LSA origination (§12.4.1–12.4.2) with
// MinLSInterval, LSRefreshTime and sequence-number wrap (§12.1.6), and
// aging (§14). Malformed, unauthenticated, wrong-area, wrong-mask and
// self-sourced packets are dropped, counted by reason and logged at debug
// level; they change nothing.
//
// # Routing
//
// SPF (§16.1, §16.1.1) runs over router- and network-LSAs with the
// two-way link check, computes next hops for directly connected routers and
// behind transit networks, keeps up to Config.MaxPaths equal-cost next hops,
// adds stub networks, and then AS-external routes (§16.4, types 1 and 2,
// forwarding addresses). It is scheduled by the RFC 8405 back-off
// ([SPFBackoff]); a change to AS-external LSAs alone recomputes only the
// affected destinations (§16.5–16.6) without a new tree. The routing table
// is written to Env.FIB as differences (ECMP as multipath routes), outside
// the instance's mutex, and reconciled with the sink's own list when
// interfaces change and every minute.
//
// [Redistribute] advertises connected and static networks as
// AS-external-LSAs; [Instance.AddExternal] and [Instance.RemoveExternal]
// inject routes from the embedding program; [DefaultInformation]
// originates a default route while this router has one of its own
// ([Instance.SetDefaultRoute]), or always — the two edge routers of a
// switchless ring do this with different metrics.
//
// An anycast service (package anycast, whose Announcer interface this
// package satisfies without importing it) is announced one of two ways.
// [ExternalAnnouncer] (and the Instance's own AnnouncePrefix and
// WithdrawPrefix, type 2) makes each prefix an AS-external-LSA of type 1
// or 2 with the metric as its cost; withdrawing flushes it (§14.1).
// [StubAnnouncer] makes it a stub link of this router's router-LSA
// ([Instance.AddStub], [Instance.RemoveStub]; §12.4.1, for a /32 a host
// route: Link ID the address, Link Data 0xffffffff), the metric its cost
// from 1 to [MaxLinkMetric]: an intra-area route, preferred by every
// router to any AS-external one, the nearest replica winning by the cost
// to it plus the metric; each change originates the router-LSA again
// (§12.4), and a withdrawal takes the link out of it.
//
// [StubRouter] is RFC 6987 stub router advertisement: the router-LSA's
// links to other routers carry [MaxLinkMetric], so that the others route
// transit traffic around this router while its links to its own stub
// networks keep their costs. OnStartup holds it from Start until the
// database is synchronised and a calculation on it has put the routes in
// Env.FIB (that calculation runs after INITIAL_SPF_DELAY, whatever the
// loading of the database did to the back-off), with OnStartup as the
// upper bound. With OnStartup set, an instance that finds a Hello Timer
// fired later than the interface's RouterDeadInterval (its process was
// stopped, a VM frozen: its neighbours have declared it dead) enters the
// same state again until its routes are back. Administrative holds it
// while set, and Reconfigure sets
// and clears it in place. [Instance.StubRouter] reports the state, and
// EventStubRouter each change.
//
// Config.ExternalLSDBLimit is RFC 1765 database overflow: the database
// never holds more non-default AS-external-LSAs than the limit (a new
// one past it is dropped unacknowledged, DropLSAOverflow); at the limit
// the router flushes its own and originates none until
// ExitOverflowInterval has passed ([Instance.Overflow]). It bounds what a
// misconfigured or hostile neighbour can make the router hold.
//
// # Reconfiguration
//
// [Instance.Reconfigure] applies a new Config to a running instance as a
// difference, for a daemon's reload: what did not change is not touched
// and nothing is sent for it. The new Config is checked as New checks it,
// with the transports of the added interfaces; on any error nothing
// changes. router_id, and fib.table when Env.FIB is set, cannot
// change in place: [ErrRestartRequired]. Each other change has the effect
// RFC 2328 gives it:
//
//   - an added interface comes up as at Start (§9.3 InterfaceUp) and its
//     network enters the router-LSA;
//   - a removed interface goes down (§9.3 InterfaceDown: KillNbr on its
//     neighbors, §10.3), the router-LSA is re-originated without it
//     (§12.4), a network-LSA it was DR for is flushed (§12.4.2, §14.1),
//     and its transport is closed;
//   - a new cost re-originates the router-LSA (§12.4), nothing else;
//   - a new address, network type, hello or dead interval, hello
//     multiplier, passive flag or MTU redefines what the neighbors agreed
//     to (§10.5, §10.6), so that interface alone is reset: InterfaceDown
//     under the old configuration, InterfaceUp under the new;
//   - a new priority re-runs the election through NeighborChange (§9.4),
//     without a reset; neighbors learn it from the next hello;
//   - keys added or removed (D.3, a key rotation: every router accepts
//     the new key, then signs with it, then drops the old one) and a new
//     AuType apply to the next packet, without a reset: until the
//     neighbors change too they drop our packets and we theirs, and the
//     adjacency survives if they do so within RouterDeadInterval — a
//     reset would not make it survive either;
//   - the retransmission interval, transmit delay and MTUIgnore apply
//     from the next timer armed, LS Update aged or DD checked;
//   - BFD turned on or off asks for or releases the sessions of the
//     interface's neighbors of 2-Way or more;
//   - redistributed routes and the default route originate, re-originate
//     or flush (§14.1) exactly the AS-external-LSAs whose contents
//     changed;
//   - MaxPaths (and any interface change) schedules an SPF run; a new
//     FIB metric rewrites the installed routes; the SPF back-off delays
//     apply from the next timer armed.
//
// Interfaces are kept in the new configuration's order; the counters of
// removed ones stay in [Instance.Stats].
//
// # Wire format
//
// The codec is in package [github.com/switchless/routing/ospf/packet]:
// packets, LSAs, checksums, and the authentication fields and digests.
// Which key signs and verifies when, and the per-neighbor sequence-number
// memory, are configuration and protocol state and live here:
// [AuthConfig] (Appendix D, RFC 5709) holds the interface's AuType,
// simple password or cryptographic [Key]s (keyed MD5,
// HMAC-SHA-1/256/384/512, key IDs and lifetimes); [AuthConfig.Sign]
// finishes an encoded packet for sending; [AuthConfig.Verify] checks a
// received one and returns the packet without its digest. The
// per-neighbor sequence-number memory is a small [ReplayState] value;
// [ReplayTolerant] (RFC 2328 D.5.3) accepts a repeated sequence number,
// [ReplayStrict] does not. Failures wrap packet.ErrAuth, through
// [ErrAuthKeyID] and [ErrReplay] here or the codec's own errors, so drops
// can be counted by reason.
//
// Receive path, in order:
//
//	body, err := iface.Auth.Verify(pkt.Payload, &nbr.Replay, now) // D.5
//	err = p.Decode(body)                                           // A.3
//	// for each LSA of an LS Update: packet.VerifyLSAChecksum, packet.CompareLSA (13)
package ospf

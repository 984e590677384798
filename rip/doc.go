// Package rip is RIP version 2 (RFC 2453) as a library: an [Instance]
// made by [New] from a [Config] (what an operator writes; zero fields are
// the RFC's) and an [Env] (what it runs on: a clock, UDP port 520
// transports keyed by interface name, a FIB sink, an event callback).
//
//	inst, err := rip.New(cfg, rip.Env{Clock: routing.SystemClock(), Transports: trs, FIB: sink})
//	err = inst.Start()            // does not block
//	inst.Announce(prefix, 1, 0)   // originate a route (the anycast announcer does)
//	inst.InterfaceDown("eth1")    // carrier lost: act at once, not after 180 s
//	err = inst.Stop(ctx)          // graceful: every route at metric 16, then close
//
// What it does, by section of RFC 2453:
//
//   - §3.4, §3.8: a routing table of destinations with metric, tag and
//     next hops; each learnt next hop times out after 180 s (Timers.Timeout),
//     an unreachable route is advertised at metric 16 for 120 s
//     (Timers.GarbageCollection) and deleted. Infinity is 16.
//   - §3.8: regular updates every 30 s, each offset by a random ±5 s from
//     a generator seeded by Config.Seed (or derived from the interfaces),
//     so routers do not synchronise and simulations replay.
//   - §3.10.1: triggered updates carry changed routes only; the first
//     goes out at once, then a random 1–5 s timer damps the next.
//   - §3.4.3: split horizon, simple or with poisoned reverse (the
//     default), per interface.
//   - §3.9.1: whole-table and specific requests are answered to the
//     requester's address and port; a whole-table request goes out on
//     every active interface at Start.
//   - §3.9.1, §3.9.2: a learnt route lost with no other path (its next
//     hop advertised 16, or it timed out) sends a whole-table request on
//     every active interface, at most once per Timers.TriggerMin: RIP
//     keeps one route per destination, so a neighbour with another path
//     answers at once instead of at its next regular update.
//   - §3.9.2: responses not from port 520, from an address not on the
//     interface's network or from one of ours are ignored; entries with a
//     metric outside 1–16, a bad destination or another address family
//     are ignored one by one; §4.4 next hops off the network are taken as
//     the sender. Every drop is counted by [DropReason] in [Stats] and
//     against the neighbour ([Instance.Neighbors]).
//   - §4.1: version 1 responses are accepted (masks inferred) unless
//     InterfaceConfig.V2Only; simple password and RFC 4822 cryptographic
//     authentication (keyed MD5, HMAC-SHA-1/256/384/512) with several keys
//     and send/accept lifetimes, and per-neighbour sequence numbers
//     against replay.
//   - §4.5: updates go to 224.0.0.9 and to configured unicast neighbours;
//     passive interfaces learn but do not advertise.
//   - §3.8, §3.10.1: [Instance.InterfaceDown] and [Instance.InterfaceUp]
//     report carrier changes (as in ospf) and act at once: down, the
//     interface falls silent, its neighbours are forgotten, the routes
//     learnt over it and its connected route go to metric 16 (out of the
//     FIB, into garbage collection, advertised at 16 in a triggered
//     update) and the other interfaces are asked for their tables
//     (§3.9.1) so another path is taken; up, the connected route is
//     originated again and the interface asks and is told the table.
//
// BFD: with Env.Liveness (a routing.Liveness: package bfd, or any other
// failure detector), the interfaces with InterfaceConfig.BFD watch each
// neighbour with a BFD session (RFC 5880, RFC 5882) from its first valid
// response (§3.9.2), and each configured unicast neighbour from Start,
// until it is forgotten (the peer-table timeout, InterfaceDown) or Stop.
// As BIRD's RIP does, a session that goes Down expires every route learnt
// from that neighbour on that interface at once, as if its 180 s timeout
// had passed (§3.8: metric 16, garbage collection, a triggered update,
// out of the FIB; [NeighborBFDDown], Stats.BFDDown); one that comes Up
// sends the neighbour a whole-table request (§3.9.1) so its routes come
// back without waiting for its next update. AdminDown and sessions never
// Up are not reported and change nothing. Reports arrive on any goroutine
// and are queued like received packets; [Neighbor].BFD shows each
// session.
//
// Routes come from the interfaces' networks (connected), Config.Static,
// Config.DefaultInformation (always, or while [Instance.SetDefaultRoute]
// reports a default route of the router's own, as in ospf) and
// [Instance.Announce]; ours win over learnt ones, and among ours that
// order is the precedence. ECMP is off unless Config.MaxPaths is above 1
// (FRR's allow-ecmp). Config.MaxRoutesPerNeighbor bounds the routes one
// neighbour can make the table hold (RFC 2453 leaves it open; a
// neighbour past it has its new destinations ignored and counted as
// DropRouteLimit).
//
// An Announce made before Start goes out in Start's first update. One
// made just after Start waits for the next triggered update: Start's own
// goes out at once and arms the §3.10.1 damping timer, so a neighbour
// hears the route 1 to 5 s later (the anycast announcer, or a daemon
// redistributing what it finds at start, should announce before Start).
//
// Learnt routes go to Env.FIB with fib.ProtocolRIP, each change written
// as it happens; Stop withdraws them.
//
// Reconfiguration: [Instance.Reconfigure] applies a new Config as a
// difference (a daemon's reload). An added interface starts as at Start
// (whole-table request, §3.9.1); a removed one sends our routes at metric
// 16 on it before its transport closes (§3.10), and the routes learnt
// through it go into garbage collection (§3.8); a cost change re-metrics
// the routes learnt through the interface at once; a change to what an
// interface sends (metric_out, split horizon, neighbours, auth) sends its
// whole table on it alone; auth key rotation keeps the neighbours; timers
// apply from the next timer armed; static and default routes change by
// difference. One triggered update (§3.10.1) carries what changed, so
// neighbours on untouched interfaces hear nothing else. An interface's
// prefix, fib_table and fib_metric need a restart (ErrRestartRequired).
//
// Concurrency follows the module: one lock per instance, a transport may
// deliver from inside Send, events are told after the lock is released.
// [Listen] opens the real transports on Linux; package netsim gives them
// in memory. The wire format is in package rip/packet.
package rip

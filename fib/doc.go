// Package fib is where routes go once a protocol has chosen them: the
// route model, the Sink interface through which protocols install routes,
// and two sinks, an in-memory forwarding table and the Linux kernel.
//
// # Routes
//
// A [Route] is a destination [netip.Prefix] in a routing table, with one
// or more next hops ([NextHop]: gateway, interface, weight; more than one
// is ECMP), a metric, the [Protocol] it was learnt from and a [Type]
// (unicast, or a reject type such as blackhole). [Route.Validate] rejects
// what no kernel could hold (host bits set, no next hop, an IPv6 gateway
// for an IPv4 prefix, a repeated next hop, ...) with a [*RouteError] that
// names the field and wraps [ErrInvalidRoute]. Routes written differently
// but meaning the same (next hops in another order, weight 0 or 1, table
// 0 or 254, IPv6 metric 0 or 1024) are [Route.Equal]; [Route.Canonical]
// is the single form sinks report.
//
// # Sinks
//
// A [Sink] holds one protocol's routes, at most one per table and prefix:
// Replace (idempotent, all-or-nothing), Delete (absent is fine) and List
// (only its own routes). [Sync] is the declarative way to drive one: give
// it the complete set of wanted routes and it writes only the differences,
// validating everything first and undoing its own writes if the sink
// fails midway.
//
// [Memory] keeps routes in memory with longest-prefix-match lookup
// (github.com/gaissmai/bart), prints them as `ip route`-style lines, and
// can report every change to a watcher; simulations use it as a router's
// forwarding table. [Netlink] (Linux) installs routes in the kernel,
// optionally in a named network namespace, tagged with an rtm_protocol
// number of its own so that it lists, replaces and deletes only its own
// routes and, when it opens, reclaims those a crashed predecessor left.
//
// The package fibtest holds the conformance suite every Sink passes and a
// Spy that counts and fails sink calls.
package fib

package routing

import "net/netip"

// Liveness is a forwarding-path failure detector as the routing protocols
// that use it see it: BFD (RFC 5880, RFC 5881) through its client
// interface (RFC 5882). A protocol asks for a session to a neighbour it
// has heard and is told when the path to that neighbour comes up and when
// it fails, long before its own hello or route timeouts would notice.
//
// Package bfd implements it; ospf and rip take one in their Env and use it
// on the interfaces their Config opts in. Protocol packages depend only on
// this interface, never on package bfd, so tests and simulations may
// supply their own.
//
// Contract, for implementations:
//   - Watch registers an interest in the session from local to peer on the
//     interface named ifName and creates the session if no other client
//     asked for it. It never calls notify itself.
//   - notify(true) is called when the session reaches Up, notify(false)
//     when an Up session fails (its detection time expires, or the peer
//     reports Down). A session that the peer takes AdminDown, or that
//     never came Up, is not a failure and is not reported as one (RFC 5882
//     §3.2, §4.1): clients keep their adjacency and their own timers.
//   - notify is called on any goroutine, one call at a time per Watch, and
//     never while the implementation holds a lock that Watch or release
//     take: a client may call Watch and release from inside notify, and
//     may hold its own lock while it calls them.
//   - release ends the interest (idempotent); the session is deleted, with
//     AdminDown sent to the peer, when no client wants it any more. No
//     notify call starts after release returns.
type Liveness interface {
	Watch(ifName string, local, peer netip.Addr, notify func(up bool)) (release func(), err error)
}

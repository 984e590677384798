// Package fibtest helps test code that writes routes to a fib.Sink, and
// sinks themselves.
//
// Conformance runs the Sink contract against any implementation; this
// package's own users run it against fib.Memory and, in a network
// namespace, against fib.Netlink. Spy wraps a Sink to count calls (an
// unchanged fib.Sync must write nothing) and to inject failures (a Sync
// failing midway must undo its writes).
package fibtest

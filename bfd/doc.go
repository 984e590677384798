// Package bfd is Bidirectional Forwarding Detection (RFC 5880) for
// single-hop IPv4 and IPv6 sessions (RFC 5881), with the client interface
// of RFC 5882 that the routing protocols use: an [Instance] implements
// routing.Liveness.
package bfd

// Package transporttest checks an implementation of routing.Transport
// (and routing.UDPTransport) against the contract documented on those
// interfaces, the way fib/fibtest checks a fib.Sink. The suite runs it
// against the in-memory simulator's transports and against the Linux raw
// IP and UDP transports in network namespaces; an importer writing their
// own transport (a TUN device, a userspace stack, a test double) runs
// the same checks:
//
//	func TestMyTransport(t *testing.T) {
//		transporttest.Run(t, func(t *testing.T) transporttest.Pair {
//			// two of my transports on one link, addresses, a group …
//		})
//	}
package transporttest

// Package netsim is a discrete-event, in-memory network for testing and
// simulating routing protocols without root, sockets or real time.
//
// A [Network] runs on a [routing.ManualClock]. It holds [Node]s, each with
// [Attachment]s (network interfaces) plugged into a [Link]: a
// point-to-point link made by [Network.Link], or a broadcast segment made
// by [Network.Segment] and [Link.Attach]. An attachment has an interface
// index unique across the network (from 2, as 1 is a loopback's on
// Linux), a name unique on its node ("eth0"...), a deterministic locally
// administered MAC (02:00:00 and the index), and IPv4/IPv6 addresses.
//
// Protocols talk through [Attachment.Transport], which returns a
// [routing.Transport] for one protocol on one attachment: a raw IP
// protocol (89 OSPF, 112 VRRP) or a UDP port (520 RIP, 3784 BFD), one
// address family, with the TTL the RFCs require by default. A UDP
// transport sends from its port, or from a separate
// [TransportConfig.SrcPort] as BFD does (RFC 5881 4).
//
// # Delivery
//
// Send copies the payload and schedules one clock timer per receiving
// copy; nothing is delivered synchronously. A unicast goes to the other
// attachments of the link that hold the destination address; a multicast
// to those with an open transport of that protocol that joined the group;
// an IPv4 broadcast to every open transport of that protocol. Nothing is
// ever delivered back to the sending attachment. The receiving
// routing.Packet carries the receiver's IfIndex and the IP source,
// destination and TTL as sent.
//
// Each copy meets the link's [Conditions]: loss, latency plus jitter,
// reordering, duplication, MTU, bandwidth. Every random draw comes from one
// PCG generator owned by the network and seeded by [New]; with the clock
// ordering timers by (due time, arming order), the same seed and the same
// calls give the same deliveries and byte-identical captures. That holds
// when one goroutine drives the clock and makes the calls, which is how
// simulations run.
//
// # Carrier, cuts and crashes
//
// An attachment is up (has carrier) when it is not cut, its link is not
// cut, its node is not crashed and, on a point-to-point link, the far end
// is neither cut nor crashed. [Link.Cut], [Attachment.Cut] and
// [Node.Crash] take carrier away; [Attachment.OnLinkState] callbacks are
// told at once, as a kernel tells a daemon about carrier loss. Sends
// without carrier are dropped; copies in flight are dropped if their
// receiver lost carrier at any time before they arrive, even if it came
// back since. A crashed node's transports stay open but mute and deaf
// until [Node.Restart]; the test stops and restarts protocol instances.
//
// # Observing
//
// [Stats] on every link and attachment count sent, delivered,
// duplicated and reordered packets and drops by [DropReason].
// [Network.CapturePcapng] writes every delivered copy as an Ethernet frame
// with real IP (and UDP) headers that Wireshark and tshark dissect, one
// pcapng interface per link. [Network.Links], [Link.Attachments],
// [Attachment.Up], [Attachment.Neighbor] and [Network.Attachment] expose
// the graph to a data-plane tracer that forwards probes hop by hop over
// FIBs.
package netsim

// Package vrrp implements the Virtual Router Redundancy Protocol, version 2
// (RFC 3768, IPv4) and version 3 (RFC 5798, IPv4 and IPv6), as a router you
// embed: several hosts on a LAN share virtual addresses, and exactly one of
// them, the Master, owns them at a time.
//
// # Using it
//
// [New] takes a [Config], what an operator writes (VRID, priority,
// addresses, tracks; zero fields are the RFC defaults, [Config.Validate]
// names the first bad field), and an [Env], what the router runs on: a
// routing.Clock, a logger, the transport of IP protocol 112 on the
// interface ([Listen] on Linux, netsim in simulation, a [Mux] to share one
// among several virtual routers), an [AddressManager]
// ([NewNetlinkAddresses] on Linux, [MemoryAddresses] in simulation) and
// OnEvent, which receives an [Event] for every transition and track
// change. [Router.Start] does not block; [Router.Stop] is the Shutdown
// event; [Router.Run] is Start, wait for the context, Stop. Errors wrap
// [ErrInvalidConfig], [ErrStarted], [ErrStopped] or [ErrNoTrack].
//
// # Layers
//
//   - Wire format: package [github.com/switchless/routing/vrrp/packet]
//     (the advertisement, checksum modes, the virtual MAC, gratuitous ARP
//     and unsolicited NA frames). VRRPv2 authentication types 0 and 1 are
//     supported; type 2 (IP AH) is rejected as obsolete (RFC 3768 §5.3.6).
//     The VRRPv3 checksum covers the IPv4 or IPv6 pseudo-header
//     (RFC 5798 §5.2.8); packet.ChecksumNoPseudoHeader computes an IPv4
//     one the VRRPv2 way for peers configured so (keepalived
//     v3_checksum_as_v2, FRR "no checksum-with-ipv4-pseudoheader").
//   - State machine: a sans-I/O core of RFC 5798 §6.4 (RFC 3768 §6.4 for v2)
//     with Initialize, Backup and Master, Master_Down_Interval and Skew_Time
//     (§6.1), Preempt_Mode and a preempt delay, the address owner at 255,
//     priority 0 on shutdown and the tie-break on the primary address.
//   - [Router]: the state machine driven by a routing.Transport (IP protocol
//     112, TTL 255) and a routing.Clock, with the receive checks of
//     RFC 5798 §7.1, unicast peers and an allow-list, tracking, and an
//     [AddressManager] that owns and announces the virtual addresses.
//
// # Concurrency
//
// Every input — a received packet, a timer, an API call — is handled to
// completion under the router's lock, on the goroutine that delivered it.
// On a routing.ManualClock with an in-memory network that is the goroutine
// driving the clock, so simulations are deterministic. A packet delivered
// while the lock is held, by another goroutine or from inside the router's
// own Send (a loopback transport), is copied and queued, never waited for,
// and handled before the lock is released. The AddressManager and
// Env.OnEvent run after the lock is released, one at a time, in the order
// decided; OnEvent may call the Router's methods.
//
// # Receiving
//
// An advertisement changes state only if it passes, in order: TTL 255,
// length, version and type, checksum, VRID (a mismatch counts as a
// misconfiguration), the allow-list (Config.Peers and Config.AllowFrom),
// VRRPv2 authentication and advertisement interval (a mismatch is a
// misconfiguration, RFC 3768 §7.1), "we are not the owner", and the
// address list (a mismatch is a misconfiguration and drops the packet
// unless the sender is the owner). Every drop is counted by [DropReason] in
// [Router.Status] and changes nothing.
//
// Before any of that, the Linux transport drops every packet whose source
// is an address of our own interface (our own packets, if the kernel loops
// them back), and that includes a virtual address we hold. A peer must
// therefore not send its advertisements from one of the virtual addresses:
// with IPv6, give FRR's macvlan a link-local address of its own rather than
// the virtual router's link-local address, or once we are Master its
// advertisements go unheard and it cannot preempt us.
//
// # Tracking
//
// A [Track] lowers the priority by its Weight while it fails; several
// failing tracks add up, and the result stays within 1..254 (so an owner
// with a failing track stops being the owner). Weight 0 forces Backup
// instead: a Master leaves at once sending priority 0, so that a Backup
// takes over after Skew_Time, and a Backup does not become Master while it
// is forced. A Track with a health.Checker is polled with rise/fall
// hysteresis (health.Hysteresis, package
// [github.com/switchless/routing/health]); one without is set by
// [Router.SetTrack], for example from an interface's link state. A Master whose priority drops advertises the new priority at
// once; Backups with Preempt_Mode then take over as RFC 5798 §6.4.2 says.
//
// # Announcements and split brain
//
// On becoming Master the router adds its addresses through the
// AddressManager and announces them (gratuitous ARP for IPv4, unsolicited
// Neighbor Advertisement for IPv6; RFC 5798 §6.4.1 and §6.4.2) in a burst
// of [AnnounceConfig].Count, optionally again after Delay and every
// Refresh. A Master that hears a lower Master (the LAN was split and has
// healed) answers with an advertisement at once and announces again, at
// most once per Master_Down_Interval. When the heal lets the higher
// Master's advertisement arrive first, the lower one steps down (§6.4.3)
// and would never be heard again: so a Master stepping down advertises
// once more as it goes, which is what makes the winner announce again
// for the hosts that believed the loser (TestSplitBrain_6_4_3 measures it
// in namespaces, both ways and one way, with an nftables filter on the
// switch; without it the gateway kept the loser's MAC in three runs of
// four).
//
// # Accept mode
//
// Config.AcceptMode is RFC 5798's Accept_Mode. It is used by
// Config.Validate (a virtual address outside every subnet of the interface
// is only useful when the Master accepts packets for it). Enforcing "a
// non-owner Master without Accept_Mode MUST NOT accept packets sent to the
// virtual addresses" is a data-plane filter that the Linux address manager
// does not install: the kernel, owning the address, accepts them.
//
// # Reconfiguration
//
// [Router.Reconfigure] applies a new Config to a running router as a
// difference: nothing is sent and no timer, state or address is touched
// for a field that did not change. VRID, Interface, Version and Address
// need a new Router (ErrRestartRequired). A Master advertises a new
// priority, interval or address list at once (RFC 5798 §6.4.3) and adds,
// removes and announces the changed virtual addresses without a
// transition; a Backup recomputes Master_Down_Interval, and one that may
// now preempt a lower-priority Master takes over after Skew_Time at the
// next advertisement it hears (ReasonPreempting) rather than after
// Master_Down_Interval. A Backup given priority 255 takes over at once as
// the owner does at Startup (§6.4.1); an owner lowered below 255 stays
// Master until a better Backup preempts. Tracks are matched by name and
// keep their up/down state.
//
// # Linux
//
// On Linux, [Listen] opens the raw IP protocol 112 socket of an interface
// (IPv4 or IPv6, TTL 255, in a network namespace if asked), and
// [NewNetlinkAddresses] adds and removes the virtual addresses
// on an interface, or on a macvlan carrying the virtual MAC
// 00-00-5E-00-01-{VRID} (IPv6: 00-00-5E-00-02-{VRID}, see packet.VirtualMAC),
// and sends the announcements through an AF_PACKET socket.
package vrrp

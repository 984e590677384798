// Package ring composes the suite into a switchless server ring: N virtual
// routers cabled to each other in a ring of routed point-to-point links,
// each serving its own server LANs, with OSPF inside the ring, and VRRP and
// the default route at the two edge nodes that touch the upstream LAN.
//
// The design follows "Switch-less server clustering using virtual routers"
// (SAKURA Internet Research Center): only the two edges hold a static
// default and originate it into OSPF; OSPF costs make one way round the
// ring preferred and the other the backup; the edges share the upstream
// gateway's next hop as a VRRP virtual address; every node advertises its
// server LANs.
//
// # Spec
//
// A [Spec] declares the ring: nodes in ring order (node i is cabled to node
// i+1, the last to the first), the ring-link subnets (/31 or /30, or a pool
// to carve /31s from), each node's server LANs, the upstream LAN with the
// gateway, VIP and VRID, the two edges and their VRRP priorities (by default
// the first and the last node), and a timer [Profile]. [Spec.Validate]
// rejects rings of fewer than 3 nodes, overlapping prefixes, duplicate
// addresses and router IDs, and edges that are not on the upstream LAN,
// naming the field. [Spec.Topology] picks a ring (the zero value) or a
// chain (see Chain below).
//
// # Cost plan
//
// [PlanCosts] gives every ring interface its OSPF output cost. The rule,
// argued in full on PlanCosts: each node prefers the shorter way round to
// the master edge (in an even ring, the opposite node takes the way that
// avoids the backup edge); its interface on that way costs Low (BaseCost,
// 10), the other High = Low × N; the master edge's interfaces cost Low, one
// of them Low + 1 in an even ring so that return traffic retraces the
// default path. Both edges originate a type-2 default, the master edge's
// with the lower metric. The tests check, for every ring size up to
// [MaxNodes] and random edge placements, that every pair of nodes is joined
// by exactly one cheapest path and that each node's traffic to the master
// edge and the master edge's traffic back take the same links.
//
// With active-active edges ([Upstream].Second, the load spreading of
// OpenStack's L3HA) the edges run two VRRP groups, the master edge the
// master of group 1 and the backup edge of group 2, both originate the
// default with one metric, and every node exits through its nearer edge
// (a node halfway between through group 1's); [NodePlan].Group says which,
// [Spec.GatewayRoutes] which VIP the gateway must route each LAN to, and
// PlanCosts argues that the return path retraces the default path and
// that no two paths in the ring cost the same. An edge that fails leaves
// both groups to the other ([Sim.OtherEdgeSteps]: S1b, S4b).
//
// For the rings of the source design:
//
//	N = 3                                     N = 4
//	node  role         east  west  default    node  role         east  west  default
//	vr1   master edge  10    10    upstream   vr1   master edge  10    11    upstream
//	vr2   inner        30    10    west       vr2   inner        40    10    west
//	vr3   backup edge  10    30    east       vr3   inner        40    10    west
//	                                          vr4   backup edge  10    40    east
//
//	N = 5
//	node  role         east  west  default
//	vr1   master edge  10    10    upstream
//	vr2   inner        50    10    west
//	vr3   inner        50    10    west
//	vr4   inner        10    50    east
//	vr5   backup edge  10    50    east
//
// # Nodes
//
// [Spec.Build] gives one node's [NodeConfig]: its interfaces (east to node
// i+1, west to node i-1, up on the upstream LAN at the edges, lan0, lan1…
// for the server LANs), its ospf.Config (ring links point-to-point with
// the planned costs and the profile's hellos, server LANs passive, the
// upstream LAN left out because the default route covers it, the
// profile's SPF back-off, and at the edges default-information originate
// of a type-2 default, metric [MasterDefaultMetric] at the master edge and
// [BackupDefaultMetric] at the backup edge), the edge's static default via
// the gateway, unreachable routes for the other nodes' LANs, and its
// vrrp.Config (VRRPv3, the spec's VRID, VIP and priority, the profile's
// advertisement interval, preemption on), and with active-active edges the
// second group's (NodeConfig.SecondVRRP: the other edge's priority), which
// Node runs on the same transport through a vrrp.Mux with the same tracks
// ([Node.VRRPRouters]).
//
// A [Node] runs one NodeConfig on the transports, FIB sinks and address
// manager of a [NodeEnv] (simulated or real) and ties the pieces together:
//
//   - the static default is installed while the upstream interface has
//     carrier, and OSPF originates the default exactly while it is
//     installed (ospf.Instance.SetDefaultRoute), so an edge that loses its
//     uplink stops attracting the ring's traffic;
//   - the upstream carrier is also a VRRP track: without it the edge
//     stays Backup;
//   - after a boot the edge stays Backup until OSPF has routes towards
//     its neighbours ([TrackRouting]): otherwise the returning master
//     edge would take the VIP and bounce the gateway's traffic back to it
//     until OSPF converges;
//   - unreachable routes ([DiscardMetric]) drop, at the edge, the
//     gateway's traffic for a LAN OSPF cannot reach, instead of sending it
//     back up the default;
//   - with a profile that runs BFD ([Timers].BFDInterval: the fast
//     profile's 50 ms × 3, none in the RFC profile), every ring link
//     carries a BFD session (RFC 5880, RFC 5881) that OSPF asks for once
//     the neighbour is 2-Way and that kills the adjacency when it times
//     out (RFC 5882 §4.1): a neighbour that hangs with its links up is
//     routed around after 150 ms, not after the 1 s dead interval. BFD
//     starts before OSPF and stops after it (every session AdminDown,
//     which the neighbours do not take for a failure). Server LANs and
//     the upstream LAN run none. The price of 150 ms is false positives
//     on a loaded host: a scheduling stall that long (a busy hypervisor,
//     a stolen CPU) on either end flaps the adjacency; raise the interval
//     there (ringd's timers.bfd_interval);
//   - a router-LSA a node's previous incarnation left in the ring is
//     superseded the moment the node speaks again: OSPF originates one
//     sequence number past it at once (RFC 2328 §13.4), not held back by
//     MinLSInterval, and an instance received in the database exchange
//     does not open a MinLSArrival window for the neighbor's next one.
//
// # Simulation
//
// [Sim] runs the whole ring on the in-memory network (package netsim) and
// a manual clock: every node is a Node on netsim transports with a
// [Kernel] (one fib.Memory per protocol, looked up as Linux does), one
// server per LAN, and the upstream gateway, which routes every server LAN
// to the VIP. Probes run every 10 ms of virtual time from the gateway to
// every server and back; they travel as packets, forwarded hop by hop by
// the tables of the moment and delayed by each link's latency, so a
// transient loop resolved while a probe bounces in it costs nothing and
// one that outlives the probe's TTL loses it. [Sim.Steps] are the
// scenarios of the design (S0 cold start, S1 the master edge dies, S2 an
// inner node dies, S3 a ring link is cut, S4 the old master returns, plus
// the variants where the master or the inner node freezes with its links
// up, and the healing steps; a frozen node stops its BFD packets too, so
// its neighbours notice it after the BFD detection time where the profile
// runs BFD; and, with a [Spec.Anycast] service, S5: the service fails on
// its first replica and the probes of its VIP must reach the other one,
// and S5r: it returns), each with the bound its timers imply, a
// fault [Profile.QuietTime] after the previous step has settled;
// [Sim.Run] measures them. The same spec and seed give
// the same run, packet for packet ([Sim.CapturePcapng]), and
// [Sim.WriteDot] draws the ring with its costs and current default paths.
//
// # Growth
//
// A running ring grows one node at a time (the source paper's Figure 14):
// [PlanGrowth] checks that a spec is the running one with one node cabled
// in between two neighbours, every other link keeping its subnet and
// addresses and every node its role, and [Growth.Procedure] spells out
// the operator's steps: unplug the cable between the two neighbours,
// reload every node with the new spec (the cost plan for N+1 takes
// effect; on the chain the ring has become every path is unique, so no
// traffic moves; a ring interface whose address the new numbering changes
// is re-addressed in place, which [Node.Reconfigure] and
// [HostNode.Reconfigure] allow only while its cable is out), then cable
// the new node in and start it (RFC 6987 stub router until its routes are
// in: it carries no traffic before it can forward). [Sim.GrowthSteps]
// simulates the three steps (S6u, S6h, S6) and reports, beside each
// step's outage, that of the traffic that crossed neither re-cabled
// interface ([Result.Bystanders]): 0 in every step for N = 3…8 in both
// profiles; the traffic that crossed the unplugged cable loses a link
// cut's worth (10 ms fast, 50 ms RFC). [PaperGrowth] is the paper's step
// from N to N+1 nodes.
//
// # Chain
//
// [TopologyChain] builds, from the same [Spec], the source paper's
// non-redundant pattern: the nodes cabled in a line (the ring's links but
// the last, numbered the same, so that closing the chain into a ring
// later only adds that link), static routes only. A chain [Node] runs no
// OSPF, BFD or VRRP: [Node.OSPF], [Node.BFD] and [Node.VRRP] are nil;
// Start writes its static routes ([NodeConfig.Routes], and at the single
// edge the default via the gateway, [NodeConfig.Static], while the
// upstream interface has carrier) to the static FIB sink; a ring link's
// carrier changes nothing; Drain has nothing to flush; Stop deletes every
// route it wrote, whatever else fails; Reconfigure rewrites the routes
// that differ and refuses, with [ErrRestartRequired], a change of name,
// place, role, topology or interfaces. The gateway routes every server
// LAN to the edge's own upstream address. The [Sim] runs S0, S2, S2r, S3
// and S3r on it (the steps that need VRRP or OSPF to move traffic do not
// apply) and [Result.CutOff] names the servers each fault strands,
// unreachable until the repair; for every other server the outage is 0.
package ring

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
// naming the field.
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
package ring

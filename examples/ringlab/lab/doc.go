// Package lab builds a switchless ring in Linux network namespaces and
// measures it with real packets: one namespace per ring node, one server
// namespace per node LAN, a gateway namespace on the upstream LAN (a
// bridge in its own namespace), veth pairs for every cable, each with its
// own interface index. It runs the ring's control plane in every node
// namespace, either ours (examples/ringd) or the reference (FRR's zebra,
// staticd and ospfd, and keepalived at the edges, configured with the same
// costs from ring.PlanCosts and the same default-route metrics), probes
// from the gateway to every server every 10 ms with fping and, east-west
// (the storage traffic of a cluster), from each server to the server two
// nodes further east with one fping per source server ([EastWestPairs]:
// every ring link that carries traffic on the planned costs carries a
// pair), and runs the scenarios of the design:
//
//	S0   cold start: every daemon starts at once
//	S1   the VRRP master edge dies: its daemons are SIGKILLed and its
//	     interfaces set down
//	S4   it returns (interfaces up, daemons started) and preempts
//	S2   the inner node most default paths cross dies, the same way
//	S2r  it returns
//	S3   the ring link between the master edge and that node is cut
//	     (ip link set down on one end)
//	S3r  the link is restored
//	S1f  the master edge freezes: every process in its namespace is
//	     stopped (SIGSTOP) and a blackhole qdisc on both ends of each of
//	     its cables drops everything it would send or receive, while the
//	     links stay up; only BFD (fast profile), dead intervals and
//	     Master_Down can tell
//	S4f  it reboots (daemons killed, cables clear, daemons started) and
//	     preempts
//	S2f  the same inner node freezes
//	S2fr it reboots
//	S5   ours only: the anycast service (ring.AnycastSpec, VIP 10.254.0.25
//	     on the loopbacks of the servers behind vr2 and vr4, a "220
//	     <name>" listener on port 25) stops on the first replica's
//	     server; its node's tcp_banner check fails and it withdraws the
//	     VIP. The gateway probes VIP:25 by TCP connect and banner every
//	     10 ms, counted in S5 and S5r only
//	S5r  the listener starts again
//
// With Options.NoUplink the ring is [MeshSpec]: no upstream LAN, gateway,
// VRRP or default, a host address (/32 on an interface of its own) on
// every node, probed with the server of its pair, the steps without edges
// (S0, S2, S2r, S3, S3r, S2f, S2fr, as ring.Sim runs them, the victim n2),
// and the reference without keepalived. Its probes are the east-west ones
// alone, which are then also the outage.
//
// The outage of a scenario is the longest gap in the replies of one
// server that answered before the fault (the victim's own servers
// excluded; for an east-west pair, either end's), counted in probes: a
// run of k lost probes is k × 10 ms, as the simulation counts it, so that a busy machine delaying fping or the
// replies does not pass for an outage (a reply later than 100 ms is
// lost). For S0 it is the time from the start until every server has
// answered. A step ends once every server of a running node has answered,
// losing no more than two probes in a row, for the settle time, so that
// the next fault meets a quiet ring: ring.Profile.QuietTime (past
// MinLSInterval and the SPF back-off's HOLDDOWN; 8.5 s with the RFC
// profile), at least 6 s (FRR holds an LSA origination up to 5 s). A
// fault sooner can meet routers in RFC 8405's LONG_WAIT and measure a
// transient loop of LONG_SPF_DELAY instead of the fault's own outage.
//
// With the fast profile both stacks run BFD at 50 ms × 3 on the ring
// links (ours through the profile; the reference through FRR's bfdd and
// `ip ospf bfd`), and the reference runs FRR's fastest throttles; see
// [Settings], which the lab prints next to its tables. FRR's ospfd still
// recomputes the ring's default (an AS-external route) one second after
// the SPF, so its freezes and link failures cost about a second anyway.
//
// Everything the lab creates is named with its prefix and a random run id
// and removed at the end: it deletes only its own namespaces and signals
// only the processes it started (and keepalived's VRRP worker, checked to
// be its child). It needs root, iproute2 and fping, and for the reference
// FRR and keepalived.
package lab

// Package ringconf is the YAML form of a switchless ring: a ring.Spec
// (nodes, ring links or a link pool, the upstream LAN with its gateway,
// VIP, VRID and edges, the timer profile and the base cost) plus, for the
// ringd daemon, which node this is and which Linux interface plays each of
// the node's ring interfaces (east, west, up, lan0, ...).
//
// The ringd daemon reads it (Load, Parse); the ringlab namespace lab writes
// one file per node (FromSpec, File.Marshal). Decoding is strict: unknown
// keys, values of the wrong type, malformed addresses and every problem
// ring.Spec.Validate finds are reported as "FILE:LINE: field: reason",
// the line being that of the offending key or value.
//
// A file looks like this (see examples/ringd/example.yaml):
//
//	node: vr1
//	interfaces: {east: eth1, west: eth2, up: eth0, lan0: eth3}
//	profile: fast
//	link_pool: 10.255.0.0/24
//	upstream:
//	  prefix: 192.0.2.0/24
//	  gateway: 192.0.2.1
//	  vip: 192.0.2.254
//	  vrid: 10
//	  edges:
//	    - {node: vr1, address: 192.0.2.2, priority: 200}
//	    - {node: vr5, address: 192.0.2.3, priority: 100}
//	nodes:
//	  - {name: vr1, lans: [10.1.0.1/24]}
//	  - ...
//
// Without `upstream` the ring has no uplink: every node is inner, the
// plan costs every link alike, and a /32 among a node's lans (on a dummy
// interface) is its host address, reachable either way round.
//
// `upstream.second: {vip: 192.0.2.253, vrid: 11}` makes the edges
// active-active (ring.Upstream.Second): a second VRRP group whose master
// is the backup edge; each half of the ring exits through its nearer edge,
// and the upstream gateway must route each server LAN to the VIP of its
// group (`ringd check` and `ringsim -config` print the routes: on Linux
// `ip route add 10.4.0.0/24 via 192.0.2.253`, and so on). vrid may be left
// out (upstream.vrid + 1); it must differ from upstream.vrid, and vip from
// upstream.vip, the gateway and the edges' addresses, on the upstream LAN.
// With `vrrp_macvlan` an active-active edge also needs
// `vrrp_macvlan_second`, the macvlan carrying the second group's virtual
// MAC. Turning it on or off, or changing its vrid, needs a restart; its
// vip and the edges' priorities reload with SIGHUP.
//
// `timers:` overrides the profile's BFD timers on this node:
// `bfd_interval` (a duration, 10ms to 1m, or 0 for no BFD; the fast
// profile's is 50ms, the RFC profile runs none) and `bfd_multiplier` (1
// to 255; the profile's is 3). An explicit `bfd_multiplier: 0` and an
// interval below 10 ms are rejected. BFD negotiates the slower of the two
// ends' intervals (RFC 5880 §6.8.7), so a node with a larger interval
// slows its own links only.
//
// `bfd_auth:` authenticates the BFD sessions of every ring link (RFC 5880
// §6.7), the same on every node: `{type: meticulous-keyed-sha1, key_id:
// 1, key: "..."}`, type one of simple, keyed-md5, meticulous-keyed-md5,
// keyed-sha1, meticulous-keyed-sha1.
package ringconf

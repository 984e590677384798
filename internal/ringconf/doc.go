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
package ringconf

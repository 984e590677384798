package ringconf

import (
	"errors"
	"strings"
	"testing"

	"github.com/switchless/routing/ring"
)

const goodChain = `# the paper's non-redundant pattern: 3 nodes chained, static routes
topology: chain
node: vr2
interfaces:
  east: e1
  west: w1
  lan0: l1
link_pool: 10.255.0.0/24
upstream:
  prefix: 192.0.2.0/24
  gateway: 192.0.2.1
  edges:
    - {node: vr1, address: 192.0.2.2}
nodes:
  - {name: vr1, lans: [10.1.0.1/24]}
  - {name: vr2, lans: [10.2.0.1/24]}
  - {name: vr3, lans: [10.3.0.1/24]}
`

// TestParseChain: topology: chain gives ring.TopologyChain with a single
// edge, the node's static routes and no OSPF, and round-trips.
func TestParseChain(t *testing.T) {
	c, err := Parse("chain.yaml", []byte(goodChain))
	if err != nil {
		t.Fatal(err)
	}
	if c.Ring.Topology != ring.TopologyChain || c.Node.Topology != ring.TopologyChain || len(c.Node.OSPF.Interfaces) != 0 || len(c.Node.Routes) == 0 {
		t.Fatalf("ring %+v node %+v", c.Ring, c.Node)
	}
	b, err := File{Spec: FromSpec(c.Ring)}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "topology: chain") || strings.Count(string(b), "node: vr") != 1 {
		t.Errorf("marshalled:\n%s", b)
	}
	back, err := FromSpec(c.Ring).Ring()
	if err != nil || back.Topology != ring.TopologyChain || back.Upstream.Edges != c.Ring.Upstream.Edges {
		t.Errorf("round trip: %+v, %v", back, err)
	}
}

// TestParseChainErrors: what a chain cannot have is refused at its line,
// naming the key and why.
func TestParseChainErrors(t *testing.T) {
	for _, tc := range []struct {
		name, from, to, want string
		spec                 bool
	}{
		{"topology", "topology: chain", "topology: mesh", `2: topology: "mesh" is neither ring nor chain`, false},
		{"two edges", "    - {node: vr1, address: 192.0.2.2}\n", "    - {node: vr1, address: 192.0.2.2}\n    - {node: vr3, address: 192.0.2.3}\n", "12: upstream.edges: 2 edges: a chain has one", false},
		{"vip", "gateway: 192.0.2.1\n", "gateway: 192.0.2.1\n  vip: 192.0.2.254\n", "12: upstream.vip: a chain runs static routes only, no VRRP", true},
		{"priority", "address: 192.0.2.2}", "address: 192.0.2.2, priority: 200}", "13: upstream.edges[0].priority: a chain runs static routes only, no VRRP", true},
		{"bfd auth", "topology: chain\n", "topology: chain\nbfd_auth: {type: keyed-sha1, key: k}\n", "3: bfd_auth: a chain runs static routes only, no BFD", true},
		{"ospf auth", "topology: chain\n", "topology: chain\nospf_auth: {type: crypto, keys: [{id: 1, algorithm: hmac-sha-256, secret: k}]}\n", "3: ospf_auth: a chain runs static routes only, no OSPF", true},
		{"base cost", "topology: chain\n", "topology: chain\nbase_cost: 20\n", "3: base_cost: a chain runs static routes only", true},
		{"anycast", "topology: chain\n", "topology: chain\nanycast: {vip: 10.254.0.25, replicas: [vr2]}\n", "3: anycast: a chain runs static routes only, no OSPF", true},
		{"timers", "topology: chain\n", "topology: chain\ntimers: {bfd_interval: 100ms}\n", "3: timers: a chain runs static routes only", false},
		{"costs", "topology: chain\n", "topology: chain\ncosts: {east: 5}\n", "3: costs: a chain runs static routes only", false},
		{"one node", "  - {name: vr2, lans: [10.2.0.1/24]}\n  - {name: vr3, lans: [10.3.0.1/24]}\n", "", "14: nodes: a chain needs at least 2 nodes, got 1", true},
		{"west at the end", "node: vr2", "node: vr3", `5: interfaces.east: node vr3 has no interface "east"`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := strings.Replace(goodChain, tc.from, tc.to, 1)
			if in == goodChain {
				t.Fatalf("replacement %q not in the file", tc.from)
			}
			_, err := Parse("bad.yaml", []byte(in))
			if err == nil || !strings.Contains(err.Error(), "bad.yaml:"+tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if got := errors.Is(err, ring.ErrInvalidConfig); got != tc.spec {
				t.Errorf("errors.Is(err, ring.ErrInvalidConfig) = %v, want %v", got, tc.spec)
			}
		})
	}
}

package ring

import "github.com/switchless/routing/ospf"

// ospfConfig is the node's OSPF configuration, with BFD on the ring links
// when the node runs it. (Where the routes go, n.fib, and the BFD
// instance are part of the instance's ospf.Env.)
func (n *Node) ospfConfig() ospf.Config {
	return n.withBFDOf(n.cfg)
}

// setDefaultPresent tells OSPF whether the edge's own default route
// exists, which default-information originate (without "always")
// follows.
func (n *Node) setDefaultPresent(present bool) {
	if n.ospf != nil { // none at a chain node
		n.ospf.SetDefaultRoute(present)
	}
}

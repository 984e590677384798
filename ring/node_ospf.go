package ring

import "github.com/switchless/routing/ospf"

// ospfConfig completes the node's OSPF configuration with what only the
// environment knows: where the routes go.
func (n *Node) ospfConfig() ospf.Config {
	c := n.cfg.OSPF
	c.FIB = n.fib
	return c
}

// setDefaultPresent tells OSPF whether the edge's own default route
// exists, which default-information originate (without "always")
// follows.
func (n *Node) setDefaultPresent(present bool) { n.ospf.SetDefaultRoute(present) }

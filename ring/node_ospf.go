package ring

import "github.com/switchless/routing/ospf"

// ospfConfig completes the node's OSPF configuration with what only the
// environment knows.
func (n *Node) ospfConfig() ospf.Config { return n.cfg.OSPF }

// setDefaultPresent tells OSPF whether the edge's own default exists.
func (n *Node) setDefaultPresent(bool) {}

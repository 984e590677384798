package ringconf_test

import (
	"fmt"

	"github.com/switchless/routing/internal/ringconf"
)

// Parse reads a node's file: the ring, which node this is, and the Linux
// interface behind each ring interface; the node's configuration comes
// out built, with the planned OSPF costs.
func ExampleParse() {
	const file = `node: vr2
interfaces: {east: eth1, west: eth2, lan0: eth3}
profile: fast
link_pool: 10.255.0.0/24
upstream: {prefix: 192.0.2.0/24, gateway: 192.0.2.1, vip: 192.0.2.254, vrid: 10}
nodes:
  - {name: vr1, lans: [10.1.0.1/24]}
  - {name: vr2, lans: [10.2.0.1/24]}
  - {name: vr3, lans: [10.3.0.1/24]}
`
	c, err := ringconf.Parse("vr2.yaml", []byte(file))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Node.Name, c.Node.Role)
	for _, ifc := range c.Node.Interfaces {
		fmt.Printf("%-5s %-5s %-15v cost %d\n", ifc.Name, c.Linux[ifc.Name], ifc.Prefix, ifc.Cost)
	}

	// A mistake is reported at its line.
	_, err = ringconf.Parse("vr2.yaml", []byte(file+"  - {name: vr4, lans: [10.2.0.9/24]}\n"))
	fmt.Println(err)
	// Output:
	// vr2 inner
	// east  eth1  10.255.0.2/31   cost 30
	// west  eth2  10.255.0.1/31   cost 10
	// lan0  eth3  10.2.0.1/24     cost 0
	// vr2.yaml:10: nodes[3].lans[0]: 10.2.0.0/24 overlaps nodes[1].lans[0] 10.2.0.0/24
}

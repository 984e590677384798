package ring_test

import (
	"fmt"
	"net/netip"

	"github.com/switchless/routing/ring"
)

func exampleSpec(n int) ring.Spec {
	s := ring.Spec{
		LinkPool: netip.MustParsePrefix("10.255.0.0/24"),
		Upstream: ring.Upstream{
			Prefix:  netip.MustParsePrefix("192.0.2.0/24"),
			Gateway: netip.MustParseAddr("192.0.2.1"),
			VIP:     netip.MustParseAddr("192.0.2.254"),
		},
		Profile: ring.ProfileFast,
	}
	for i := 1; i <= n; i++ {
		s.Nodes = append(s.Nodes, ring.NodeSpec{
			Name: fmt.Sprintf("vr%d", i),
			LANs: []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("10.%d.0.1/24", i))},
		})
	}
	return s
}

// Build gives one node's configuration: here the master edge of a 3-node
// ring, with its interfaces, OSPF costs, the default it originates, its
// static default and its VRRP virtual router.
func ExampleSpec_Build() {
	c, err := exampleSpec(3).Build("vr1")
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Name, c.Role, "router ID", c.OSPF.RouterID)
	for _, ifc := range c.Interfaces {
		if ifc.PeerNode != "" {
			fmt.Printf("  %-4s %-14v cost %d to %s\n", ifc.Name, ifc.Prefix, ifc.Cost, ifc.PeerNode)
		} else {
			fmt.Printf("  %-4s %v\n", ifc.Name, ifc.Prefix)
		}
	}
	fmt.Println("  originates 0.0.0.0/0, type 2 metric", c.OSPF.DefaultInformation.Metric)
	fmt.Println("  static", c.Static[0].Prefix, "via", c.Static[0].NextHops[0].Gateway)
	fmt.Println("  VRRP VRID", c.VRRP.VRID, "priority", c.VRRP.Priority, "every", c.VRRP.Interval, "VIP", c.VRRP.VirtualAddresses[0])
	// Output:
	// vr1 master edge router ID 10.1.0.1
	//   east 10.255.0.0/31  cost 10 to vr2
	//   west 10.255.0.5/31  cost 10 to vr3
	//   up   192.0.2.2/24
	//   lan0 10.1.0.1/24
	//   originates 0.0.0.0/0, type 2 metric 10
	//   static 0.0.0.0/0 via 192.0.2.1
	//   VRRP VRID 1 priority 200 every 20ms VIP 192.0.2.254
}

// A whole ring on the simulated network: cold start, then the VRRP master
// edge dies with its links. The probes (every 10 ms, gateway to every
// server and back) measure the outage.
func ExampleSim() {
	s, err := ring.NewSim(ring.SimConfig{Spec: exampleSpec(3), Seed: 1})
	if err != nil {
		panic(err)
	}
	steps := s.Steps()
	results, err := s.Run(steps[0], steps[1]) // S0, S1
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		fmt.Printf("%s %-22s outage %-6v within %v: %v, loops %d\n", r.ID, r.Name, r.Outage, r.Bound.Round(100e3), r.WithinBound(), r.Loops)
	}
	fmt.Println(s.Trace(s.Gateway(), netip.MustParseAddr("10.2.0.2")))
	// Output:
	// S0 cold start             outage 80ms   within 1.8835s: true, loops 0
	// S1 vr1 (VRRP master) dies outage 60ms   within 83.2ms: true, loops 0
	// gw -> vr3 -> vr2 -> vr2-srv0: delivered
}

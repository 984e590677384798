package ospf_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/ospf/packet"
)

// Two routers on a simulated point-to-point link reach Full and hold both
// router-LSAs. On real interfaces the transports would be raw IP sockets
// (protocol 89) and the clock routing.SystemClock().
func ExampleNew() {
	clock := routing.NewManualClock(time.Time{})
	net := netsim.New(clock, 1, nil)
	a, b, _ := net.Link(net.Node("r1"), net.Node("r2"), netsim.LinkConfig{
		AAddrs: []netip.Prefix{netip.MustParsePrefix("10.0.12.1/30")},
		BAddrs: []netip.Prefix{netip.MustParsePrefix("10.0.12.2/30")},
	})
	start := func(rid string, att *netsim.Attachment, addr string) *ospf.Instance {
		tr, _ := att.Transport(netsim.TransportConfig{IPProto: netsim.ProtoOSPF})
		in, err := ospf.New(ospf.Config{
			RouterID: netip.MustParseAddr(rid),
			Interfaces: []ospf.InterfaceConfig{{
				Name:    att.Name(),
				Prefix:  netip.MustParsePrefix(addr),
				Network: ospf.NetworkPointToPoint,
			}},
		}, ospf.Env{Clock: clock, Transports: map[string]routing.Transport{att.Name(): tr}})
		if err != nil {
			panic(err)
		}
		if err := in.Start(); err != nil {
			panic(err)
		}
		return in
	}
	r1 := start("1.1.1.1", a, "10.0.12.1/30")
	r2 := start("2.2.2.2", b, "10.0.12.2/30")
	defer r1.Stop(context.Background())
	defer r2.Stop(context.Background())

	clock.Advance(30 * time.Second)
	for _, n := range r1.Neighbors() {
		fmt.Println("r1 neighbor", n.RouterID, n.State)
	}
	for _, e := range r1.LSDB(ospf.LSDBFilter{Type: packet.LSTypeRouter}) {
		fmt.Println("r1 holds router-LSA of", e.LSA.Header.AdvRouter, "with", len(e.LSA.Router.Links), "links")
	}
	// Output:
	// r1 neighbor 2.2.2.2 Full
	// r1 holds router-LSA of 1.1.1.1 with 2 links
	// r1 holds router-LSA of 2.2.2.2 with 2 links
}

// The DR election of RFC 2328 §9.4 as a pure function: a router that just
// joined with the highest priority does not displace the DR and BDR
// already declared (non-preemption).
func ExampleElectDR() {
	c := func(addr, rid string, prio uint8, dr, bdr string) ospf.DRCandidate {
		p := func(s string) netip.Addr {
			if s == "" {
				return netip.Addr{}
			}
			return netip.MustParseAddr(s)
		}
		return ospf.DRCandidate{RouterID: p(rid), Addr: p(addr), Priority: prio, DR: p(dr), BDR: p(bdr)}
	}
	cands := []ospf.DRCandidate{
		c("10.0.0.1", "1.1.1.1", 1, "10.0.0.1", "10.0.0.2"),
		c("10.0.0.2", "2.2.2.2", 1, "10.0.0.1", "10.0.0.2"),
		c("10.0.0.9", "9.9.9.9", 255, "", ""), // the newcomer, calculating
	}
	e := ospf.ElectDR(netip.MustParseAddr("10.0.0.9"), cands)
	fmt.Println("DR", e.DRID, "BDR", e.BDRID)
	// Output: DR 1.1.1.1 BDR 2.2.2.2
}

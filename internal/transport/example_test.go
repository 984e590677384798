package transport_test

import (
	"context"
	"log"
	"net/netip"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/transport"
)

// An OSPF transport on eth0: protocol 89, TTL 1 and TOS 0xc0 by default,
// receiving AllSPFRouters (RFC 2328 A.1). Needs root, so it is not run.
func ExampleListenIP() {
	tr, err := transport.ListenIP(context.Background(), transport.IPConfig{
		Interface: "eth0",
		Protocol:  transport.ProtocolOSPF,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
	allSPFRouters := netip.MustParseAddr("224.0.0.5")
	if err := tr.JoinGroup(allSPFRouters); err != nil {
		log.Fatal(err)
	}
	err = tr.Start(func(p routing.Packet) {
		// p.Payload is the OSPF packet, without IP header; copy to keep.
		log.Printf("OSPF from %v on ifindex %d, TTL %d, %d bytes", p.Src, p.IfIndex, p.TTL, len(p.Payload))
	})
	if err != nil {
		log.Fatal(err)
	}
	hello := []byte{2, 1 /* ... */}
	if err := tr.Send(allSPFRouters, hello); err != nil {
		log.Print(err)
	}
}

// A RIP transport on eth1 inside the network namespace "vr1", reporting
// source ports so that requests from query tools can be answered
// (RFC 2453 3.9.1) and responses from other ports ignored (3.9.2).
func ExampleListenUDP() {
	tr, err := transport.ListenUDP(context.Background(), transport.UDPConfig{
		Namespace: "vr1",
		Interface: "eth1",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
	if err := tr.JoinGroup(netip.MustParseAddr("224.0.0.9")); err != nil {
		log.Fatal(err)
	}
	err = tr.Start(func(d routing.Packet) {
		if d.SrcPort != transport.PortRIP {
			// A request from a tool: answer it unicast, to its port.
			_ = tr.SendTo(netip.AddrPortFrom(d.Src, d.SrcPort), []byte{2, 2, 0, 0})
		}
	})
	if err != nil {
		log.Fatal(err)
	}
}

// A BFD transport for IPv6 peers on eth1: Control packets go to port
// 3784 from source port 49153 with hop limit 255 (RFC 5881 4), and
// anything received with another hop limit is dropped (5).
func ExampleListenUDP6() {
	tr, err := transport.ListenUDP6(context.Background(), transport.UDPConfig{
		Interface: "eth1",
		Port:      transport.PortBFD,
		SrcPort:   transport.PortBFDSrcMin + 1,
		TTL:       255,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer tr.Close()
	err = tr.Start(func(d routing.Packet) {
		if d.TTL != 255 {
			return // not from a neighbour on the link
		}
		// Hand d.Payload to the session of d.Src.
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := tr.Send(netip.MustParseAddr("fe80::2"), []byte{0x20, 0x40, 3, 24}); err != nil {
		log.Fatal(err)
	}
}

package packet

import (
	"fmt"
	"net/netip"
)

// Synthetic packets of every type, built in code, shared by the
// round-trip, gopacket, tshark, fuzz and benchmark tests.

func sampleHeader(t PacketType) Header {
	return Header{Type: t, RouterID: netip.MustParseAddr("192.0.2.1"), AreaID: netip.MustParseAddr("0.0.0.1")}
}

func sampleHello(neighbors int) Packet {
	p := Packet{Header: sampleHeader(TypeHello), Hello: Hello{
		NetworkMask: Mask(24), HelloInterval: 10, Options: OptE | OptDC, Priority: 7, RouterDeadInterval: 40,
		DesignatedRouter: netip.MustParseAddr("10.1.1.1"), BackupDesignatedRouter: netip.MustParseAddr("10.1.1.2"),
	}}
	for i := range neighbors {
		p.Hello.Neighbors = append(p.Hello.Neighbors, netip.AddrFrom4([4]byte{10, 255, 0, byte(i + 1)}))
	}
	return p
}

func sampleLSAHeader(i int) LSAHeader {
	return LSAHeader{Age: uint16(i), Options: OptE, Type: LSType(1 + i%5), ID: netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}),
		AdvRouter: netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), Seq: InitialSequenceNumber + int32(i), Checksum: uint16(0x1000 + i), Length: uint16(24 + 12*(i%4))}
}

func sampleDD(headers int) Packet {
	p := Packet{Header: sampleHeader(TypeDatabaseDescription), DD: DatabaseDescription{InterfaceMTU: 1500, Options: OptE | OptO, Flags: DDFlagM | DDFlagMS, Seq: 0x4d2}}
	for i := range headers {
		p.DD.LSAHeaders = append(p.DD.LSAHeaders, sampleLSAHeader(i))
	}
	return p
}

func sampleLSR() Packet {
	p := Packet{Header: sampleHeader(TypeLSRequest)}
	for i := range 3 {
		h := sampleLSAHeader(i)
		p.LSR.Requests = append(p.LSR.Requests, h.Key())
	}
	return p
}

func sampleLSAck() Packet {
	p := Packet{Header: sampleHeader(TypeLSAck)}
	for i := range 4 {
		p.LSAck.LSAHeaders = append(p.LSAck.LSAHeaders, sampleLSAHeader(i))
	}
	return p
}

func hdr(t LSType, id, adv string, opts Options) LSAHeader {
	return LSAHeader{Age: 1, Options: opts, Type: t, ID: netip.MustParseAddr(id), AdvRouter: netip.MustParseAddr(adv), Seq: InitialSequenceNumber}
}

// sampleLSAs returns one LSA of every type this package knows, with TOS
// entries, plus an unknown type.
func sampleLSAs() []LSA {
	a := netip.MustParseAddr
	return []LSA{
		{Header: hdr(LSTypeRouter, "192.0.2.1", "192.0.2.1", OptE), Router: RouterLSA{Flags: RouterFlagB | RouterFlagE, Links: []RouterLink{
			{ID: a("192.0.2.2"), Data: a("10.0.0.1"), Type: LinkPointToPoint, Metric: 10},
			{ID: a("10.0.0.0"), Data: Mask(30), Type: LinkStub, Metric: 10, TOS: []TOSMetric{{TOS: 2, Metric: 5}, {TOS: 4, Metric: 7}}},
			{ID: a("10.1.1.1"), Data: a("10.1.1.2"), Type: LinkTransit, Metric: 1},
			{ID: a("192.0.2.9"), Data: a("10.2.0.1"), Type: LinkVirtual, Metric: 20},
		}}},
		{Header: hdr(LSTypeNetwork, "10.1.1.1", "192.0.2.7", OptE), Network: NetworkLSA{NetworkMask: Mask(24),
			AttachedRouters: []netip.Addr{a("192.0.2.7"), a("192.0.2.1"), a("192.0.2.3")}}},
		{Header: hdr(LSTypeSummaryNetwork, "10.9.0.0", "192.0.2.1", OptE), Summary: SummaryLSA{NetworkMask: Mask(16), Metric: 74,
			TOS: []SummaryTOS{{TOS: 8, Metric: 100}}}},
		{Header: hdr(LSTypeSummaryASBR, "192.0.2.44", "192.0.2.1", OptE), Summary: SummaryLSA{NetworkMask: Mask(0), Metric: 0xfffffe}},
		{Header: hdr(LSTypeASExternal, "198.51.100.0", "192.0.2.1", OptE), External: ExternalLSA{NetworkMask: Mask(24), E: true, Metric: 20,
			ForwardingAddress: a("10.0.0.9"), RouteTag: 0xdeadbeef, TOS: []ExternalTOS{{E: false, TOS: 2, Metric: 3, ForwardingAddress: a("0.0.0.0"), RouteTag: 1}}}},
		{Header: hdr(LSTypeNSSA, "100.64.0.0", "192.0.2.1", OptNP), External: ExternalLSA{NetworkMask: Mask(10), Metric: 1, ForwardingAddress: a("10.0.0.1")}},
		{Header: hdr(LSTypeOpaqueLink, OpaqueLSID(3, 0).String(), "192.0.2.1", OptE|OptO), Opaque: OpaqueLSA{Data: []byte{0, 1, 0, 4, 0x80, 0, 0, 0}}},
		{Header: hdr(LSTypeOpaqueArea, OpaqueLSID(4, 0).String(), "192.0.2.1", OptE|OptO), Opaque: OpaqueLSA{Data: []byte{0, 1, 0, 4, 0x40, 0, 0, 0}}},
		{Header: hdr(LSTypeOpaqueAS, OpaqueLSID(7, 0x123).String(), "192.0.2.1", OptE|OptO), Opaque: OpaqueLSA{Data: []byte{0, 1, 0, 0}}},
		{Header: hdr(6, "224.1.2.3", "192.0.2.1", OptMC), Unknown: []byte{0, 0, 0, 1, 192, 0, 2, 99}},
	}
}

func sampleLSU(routers, externals int) Packet {
	p := Packet{Header: sampleHeader(TypeLSUpdate)}
	for i := range routers {
		l := LSA{Header: hdr(LSTypeRouter, fmt.Sprintf("192.0.2.%d", i+1), fmt.Sprintf("192.0.2.%d", i+1), OptE), Router: RouterLSA{Flags: RouterFlagE}}
		for j := range 4 {
			l.Router.Links = append(l.Router.Links, RouterLink{ID: netip.AddrFrom4([4]byte{10, byte(i), byte(j), 0}), Data: Mask(24), Type: LinkStub, Metric: uint16(10 + j)})
		}
		p.LSU.LSAs = append(p.LSU.LSAs, l)
	}
	for i := range externals {
		p.LSU.LSAs = append(p.LSU.LSAs, LSA{Header: hdr(LSTypeASExternal, fmt.Sprintf("172.16.%d.0", i), "192.0.2.1", OptE),
			External: ExternalLSA{NetworkMask: Mask(24), E: true, Metric: 20, ForwardingAddress: netip.IPv4Unspecified(), RouteTag: uint32(i)}})
	}
	return p
}

// samplePackets is one of each packet type, the LS Update carrying every
// sample LSA.
func samplePackets() []Packet {
	lsu := Packet{Header: sampleHeader(TypeLSUpdate), LSU: LSUpdate{LSAs: sampleLSAs()}}
	return []Packet{sampleHello(4), sampleHello(0), sampleDD(3), sampleDD(0), sampleLSR(), lsu, sampleLSAck()}
}

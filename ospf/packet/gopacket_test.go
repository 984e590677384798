package packet

import (
	"encoding/binary"
	"net"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// ipv4Frame wraps an OSPF payload in an IPv4 header (protocol 89, TTL 1,
// to AllSPFRouters) and, if eth is set, an Ethernet header.
func ipv4Frame(t testing.TB, payload []byte, eth bool) []byte {
	t.Helper()
	ip4 := &layers.IPv4{Version: 4, IHL: 5, TOS: 0xc0, TTL: 1, Protocol: layers.IPProtocol(89),
		SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{224, 0, 0, 5}}
	var ls []gopacket.SerializableLayer
	if eth {
		ls = append(ls, &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1},
			DstMAC: net.HardwareAddr{1, 0, 0x5e, 0, 0, 5}, EthernetType: layers.EthernetTypeIPv4})
	}
	ls = append(ls, ip4, gopacket.Payload(payload))
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func u32(a netip.Addr) uint32 {
	if !a.IsValid() {
		return 0
	}
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

func gpHeader(h LSAHeader) layers.LSAheader {
	return layers.LSAheader{LSAge: h.Age, LSType: uint16(h.Type), LinkStateID: u32(h.ID), AdvRouter: u32(h.AdvRouter),
		LSSeqNumber: uint32(h.Seq), LSChecksum: h.Checksum, Length: h.Length, LSOptions: uint8(h.Options)}
}

// gopacketView is what layers.OSPFv2 should decode from p, built from our
// own decoded fields.
func gopacketView(p Packet) layers.OSPFv2 {
	g := layers.OSPFv2{OSPF: layers.OSPF{Version: 2, Type: layers.OSPFType(p.Header.Type), PacketLength: p.Header.Length,
		RouterID: u32(p.Header.RouterID), AreaID: u32(p.Header.AreaID), Checksum: p.Header.Checksum},
		AuType: uint16(p.Header.AuType), Authentication: binary.BigEndian.Uint64(p.Header.Auth[:])}
	switch p.Header.Type {
	case TypeHello:
		h := p.Hello
		c := layers.HelloPkgV2{NetworkMask: u32(h.NetworkMask), HelloPkg: layers.HelloPkg{HelloInterval: h.HelloInterval,
			Options: uint32(h.Options), RtrPriority: h.Priority, RouterDeadInterval: h.RouterDeadInterval,
			DesignatedRouterID: u32(h.DesignatedRouter), BackupDesignatedRouterID: u32(h.BackupDesignatedRouter)}}
		for _, n := range h.Neighbors {
			c.NeighborID = append(c.NeighborID, u32(n))
		}
		g.Content = c
	case TypeDatabaseDescription:
		c := layers.DbDescPkg{InterfaceMTU: p.DD.InterfaceMTU, Options: uint32(p.DD.Options), Flags: uint16(p.DD.Flags), DDSeqNumber: p.DD.Seq}
		for _, h := range p.DD.LSAHeaders {
			c.LSAinfo = append(c.LSAinfo, gpHeader(h))
		}
		g.Content = c
	case TypeLSRequest:
		var c []layers.LSReq
		for _, r := range p.LSR.Requests {
			c = append(c, layers.LSReq{LSType: uint16(r.Type), LSID: u32(r.ID), AdvRouter: u32(r.AdvRouter)})
		}
		g.Content = c
	case TypeLSAck:
		var c []layers.LSAheader
		for _, h := range p.LSAck.LSAHeaders {
			c = append(c, gpHeader(h))
		}
		g.Content = c
	case TypeLSUpdate:
		c := layers.LSUpdate{NumOfLSAs: uint32(len(p.LSU.LSAs))}
		for _, l := range p.LSU.LSAs {
			gl := layers.LSA{LSAheader: gpHeader(l.Header)}
			switch l.Header.Type {
			case LSTypeRouter:
				r := layers.RouterLSAV2{Flags: uint8(l.Router.Flags), Links: uint16(len(l.Router.Links))}
				for _, lk := range l.Router.Links {
					r.Routers = append(r.Routers, layers.RouterV2{Type: uint8(lk.Type), LinkID: u32(lk.ID), LinkData: u32(lk.Data), Metric: lk.Metric})
				}
				gl.Content = r
			case LSTypeNetwork:
				n := layers.NetworkLSAV2{NetworkMask: u32(l.Network.NetworkMask)}
				for _, a := range l.Network.AttachedRouters {
					n.AttachedRouter = append(n.AttachedRouter, u32(a))
				}
				gl.Content = n
			case LSTypeASExternal, LSTypeNSSA:
				e := layers.ASExternalLSAV2{NetworkMask: u32(l.External.NetworkMask), Metric: l.External.Metric,
					ForwardingAddress: u32(l.External.ForwardingAddress), ExternalRouteTag: l.External.RouteTag}
				if l.External.E {
					e.ExternalBit = 0x80
				}
				gl.Content = e
			}
			c.LSAs = append(c.LSAs, gl)
		}
		g.Content = c
	}
	return g
}

// gopacketPackets are the samples gopacket can decode: its OSPFv2 layer
// knows LSA types 1, 2, 5 and 7 only (summary and opaque LSAs make it
// fail), so the LS Update here carries those; tshark checks the rest.
func gopacketPackets(t *testing.T) []Packet {
	var lsas []LSA
	for _, l := range sampleLSAs() {
		switch l.Header.Type {
		case LSTypeRouter, LSTypeNetwork, LSTypeASExternal, LSTypeNSSA:
			lsas = append(lsas, l)
		}
	}
	ps := []Packet{sampleHello(4), sampleHello(0), sampleDD(50), sampleDD(0), sampleLSR(), sampleLSAck(), sampleLSU(3, 5),
		{Header: sampleHeader(TypeLSUpdate), LSU: LSUpdate{LSAs: lsas}}}
	// The last one is marked for signing (HMAC-SHA-256) in the test, so
	// that the auth field is non-zero and a digest trails the packet.
	ps = append(ps, sampleHello(1))
	ps[len(ps)-1].Header.AuType = AuthSimple
	return ps
}

// TestGopacketDecodesOurPackets: gopacket's independent OSPFv2 decoder
// reads every packet type we encode (behind a real IPv4 header) to the
// same field values we put in.
func TestGopacketDecodesOurPackets(t *testing.T) {
	for i, p := range gopacketPackets(t) {
		b, err := p.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		if p.Header.AuType == AuthSimple {
			// Sign with a crypto key too: the digest trails the packet.
			s := AuthConfig{Type: AuthCrypto, Keys: []Key{{ID: 7, Algorithm: AlgHMACSHA256, Secret: []byte("k")}}}
			if b, err = s.Sign(b, 99, goldenTime); err != nil {
				t.Fatal(err)
			}
		}
		ours, err := ParsePacket(b)
		if err != nil {
			t.Fatal(err)
		}
		pkt := gopacket.NewPacket(ipv4Frame(t, b, false), layers.LayerTypeIPv4, gopacket.Default)
		if el := pkt.ErrorLayer(); el != nil {
			t.Fatalf("packet %d (%v): gopacket: %v", i, p.Header.Type, el.Error())
		}
		got, ok := pkt.Layer(layers.LayerTypeOSPF).(*layers.OSPFv2)
		if !ok {
			t.Fatalf("packet %d (%v): no OSPFv2 layer", i, p.Header.Type)
		}
		got.BaseLayer = layers.BaseLayer{}
		if d := cmp.Diff(gopacketView(ours), *got); d != "" {
			t.Errorf("packet %d (%v): gopacket view (-ours +gopacket):\n%s", i, p.Header.Type, d)
		}
	}
}

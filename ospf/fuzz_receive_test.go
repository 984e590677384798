package ospf

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing/ospf/packet"
)

// FuzzReceive feeds arbitrary packets from an adjacent (Full) neighbor to
// an instance. Whatever arrives must never panic or wedge the instance.
// With fix set, the packet checksum and every LS checksum are recomputed
// after mutation, so that inputs reach the state machines and the flooding
// procedure rather than stopping at the checksum checks.
func FuzzReceive(f *testing.F) {
	h := newHarness(f, NetworkBroadcast)
	seed := func(p packet.Packet) {
		p.Header.RouterID = h.prid
		p.Header.AreaID = netip.IPv4Unspecified()
		b, err := p.AppendBinary(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
		f.Add(b, true)
	}
	raw := peerRouterLSA(f, "9.9.9.9", packet.InitialSequenceNumber+3, 1)
	lsa, _ := packet.ParseLSA(raw)
	net := packet.LSA{Header: packet.LSAHeader{Options: packet.OptE, Type: packet.LSTypeNetwork, ID: h.peer, AdvRouter: h.prid, Seq: packet.InitialSequenceNumber}}
	net.Network.NetworkMask = packet.Mask(24)
	net.Network.AttachedRouters = []netip.Addr{h.prid, h.rid}
	seed(packet.Packet{Header: packet.Header{Type: packet.TypeHello}, Hello: packet.Hello{NetworkMask: packet.Mask(24), HelloInterval: 10, Options: packet.OptE, Priority: 1,
		RouterDeadInterval: 40, DesignatedRouter: h.peer, Neighbors: []netip.Addr{h.rid}}})
	seed(packet.Packet{Header: packet.Header{Type: packet.TypeDatabaseDescription}, DD: packet.DatabaseDescription{InterfaceMTU: 1500, Options: packet.OptE,
		Flags: packet.DDFlagI | packet.DDFlagM | packet.DDFlagMS, Seq: 77, LSAHeaders: []packet.LSAHeader{lsa.Header}}})
	seed(packet.Packet{Header: packet.Header{Type: packet.TypeLSRequest}, LSR: packet.LSRequest{Requests: []packet.LSAKey{{Type: packet.LSTypeRouter, ID: h.rid, AdvRouter: h.rid}}}})
	seed(packet.Packet{Header: packet.Header{Type: packet.TypeLSUpdate}, LSU: packet.LSUpdate{LSAs: []packet.LSA{lsa, net}}})
	seed(packet.Packet{Header: packet.Header{Type: packet.TypeLSAck}, LSAck: packet.LSAck{LSAHeaders: []packet.LSAHeader{lsa.Header}}})

	f.Fuzz(func(t *testing.T, b []byte, fix bool) {
		h := newHarness(t, NetworkBroadcast)
		h.full()
		b = append([]byte(nil), b...)
		if fix && len(b) >= packet.HeaderLen {
			if n := int(binary.BigEndian.Uint16(b[offLength:])); n >= packet.HeaderLen && n <= len(b) {
				if b[1] == byte(packet.TypeLSUpdate) {
					_ = packet.RawLSAs(b[packet.HeaderLen:n], func(_ int, l []byte) error {
						if len(l) >= packet.LSAHeaderLen {
							l[lsaChecksumOffset], l[lsaChecksumOffset+1] = 0, 0
							s := packet.LSAChecksum(l)
							binary.BigEndian.PutUint16(l[lsaChecksumOffset:], s)
						}
						return nil
					})
				}
				binary.BigEndian.PutUint16(b[offAuType:], 0)
				b[offChecksum], b[offChecksum+1] = 0, 0
				s := packet.PacketChecksum(b)
				binary.BigEndian.PutUint16(b[offChecksum:], s)
			}
		}
		h.deliverRaw(h.peer, h.me, b)
		h.deliverRaw(h.peer, packet.AllSPFRouters, b)
		h.clock.Advance(2 * time.Second)
		_ = h.in.Neighbors()
		_ = h.in.LSDB(LSDBFilter{})
		_ = h.in.Interfaces()
	})
}

package ospf

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"
)

// FuzzReceive feeds arbitrary packets from an adjacent (Full) neighbor to
// an instance. Whatever arrives must never panic or wedge the instance.
// With fix set, the packet checksum and every LS checksum are recomputed
// after mutation, so that inputs reach the state machines and the flooding
// procedure rather than stopping at the checksum checks.
func FuzzReceive(f *testing.F) {
	h := newHarness(f, NetworkBroadcast)
	seed := func(p Packet) {
		p.Header.RouterID = h.prid
		p.Header.AreaID = netip.IPv4Unspecified()
		b, err := p.AppendBinary(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
		f.Add(b, true)
	}
	raw := peerRouterLSA(f, "9.9.9.9", InitialSequenceNumber+3, 1)
	lsa, _ := ParseLSA(raw)
	net := LSA{Header: LSAHeader{Options: OptE, Type: LSTypeNetwork, ID: h.peer, AdvRouter: h.prid, Seq: InitialSequenceNumber}}
	net.Network.NetworkMask = Mask(24)
	net.Network.AttachedRouters = []netip.Addr{h.prid, h.rid}
	seed(Packet{Header: Header{Type: TypeHello}, Hello: Hello{NetworkMask: Mask(24), HelloInterval: 10, Options: OptE, Priority: 1,
		RouterDeadInterval: 40, DesignatedRouter: h.peer, Neighbors: []netip.Addr{h.rid}}})
	seed(Packet{Header: Header{Type: TypeDatabaseDescription}, DD: DatabaseDescription{InterfaceMTU: 1500, Options: OptE,
		Flags: DDFlagI | DDFlagM | DDFlagMS, Seq: 77, LSAHeaders: []LSAHeader{lsa.Header}}})
	seed(Packet{Header: Header{Type: TypeLSRequest}, LSR: LSRequest{Requests: []LSAKey{{Type: LSTypeRouter, ID: h.rid, AdvRouter: h.rid}}}})
	seed(Packet{Header: Header{Type: TypeLSUpdate}, LSU: LSUpdate{LSAs: []LSA{lsa, net}}})
	seed(Packet{Header: Header{Type: TypeLSAck}, LSAck: LSAck{LSAHeaders: []LSAHeader{lsa.Header}}})

	f.Fuzz(func(t *testing.T, b []byte, fix bool) {
		h := newHarness(t, NetworkBroadcast)
		h.full()
		b = append([]byte(nil), b...)
		if fix && len(b) >= HeaderLen {
			if n := int(binary.BigEndian.Uint16(b[offLength:])); n >= HeaderLen && n <= len(b) {
				if b[1] == byte(TypeLSUpdate) {
					_ = RawLSAs(b[HeaderLen:n], func(_ int, l []byte) error {
						if len(l) >= LSAHeaderLen {
							l[lsaChecksumOffset], l[lsaChecksumOffset+1] = 0, 0
							s := LSAChecksum(l)
							binary.BigEndian.PutUint16(l[lsaChecksumOffset:], s)
						}
						return nil
					})
				}
				binary.BigEndian.PutUint16(b[offAuType:], 0)
				b[offChecksum], b[offChecksum+1] = 0, 0
				s := PacketChecksum(b)
				binary.BigEndian.PutUint16(b[offChecksum:], s)
			}
		}
		h.deliverRaw(h.peer, h.me, b)
		h.deliverRaw(h.peer, AllSPFRouters, b)
		h.clock.Advance(2 * time.Second)
		_ = h.in.Neighbors()
		_ = h.in.LSDB(LSDBFilter{})
		_ = h.in.Interfaces()
	})
}

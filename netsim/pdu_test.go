package netsim

import (
	"encoding/binary"
	"net/netip"
)

// Minimal valid protocol PDUs, built by hand so that tshark has something
// real to dissect in the capture tests. They are test fixtures, not
// codecs: the protocol packages own those.

// checksum is the Internet checksum (RFC 1071) of b over an initial sum.
func checksum(acc uint32, b []byte) uint16 { return ^fold(sum(acc, b)) }

// ospfHello returns an OSPFv2 Hello (RFC 2328 A.3.1 header, A.3.2 body)
// from routerID on a /30 with null authentication, listing neighbors.
func ospfHello(routerID netip.Addr, neighbors ...netip.Addr) []byte {
	b := []byte{2, 1, 0, 0} // version 2, type 1 Hello, length below
	b = append(b, routerID.AsSlice()...)
	b = append(b, 0, 0, 0, 0)             // area 0.0.0.0
	b = append(b, 0, 0, 0, 0)             // checksum, AuType 0 (null)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0) // authentication
	b = append(b, 255, 255, 255, 252)     // network mask
	b = append(b, 0, 10, 0x02, 1)         // HelloInterval 10, options E, priority 1
	b = append(b, 0, 0, 0, 40)            // RouterDeadInterval 40
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0) // DR, BDR
	for _, n := range neighbors {
		b = append(b, n.AsSlice()...)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	// A.3.1: checksum of the whole packet, authentication excluded (it is
	// zero here, so summing it changes nothing).
	binary.BigEndian.PutUint16(b[12:], checksum(0, b))
	return b
}

// vrrp2Advert returns a VRRPv2 advertisement (RFC 3768 5.1) for vrid with
// the virtual addresses, priority and 1 s interval, no authentication.
func vrrp2Advert(vrid, prio uint8, vips ...netip.Addr) []byte {
	b := []byte{0x21, vrid, prio, uint8(len(vips)), 0, 1, 0, 0}
	for _, v := range vips {
		b = append(b, v.AsSlice()...)
	}
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)             // authentication data
	binary.BigEndian.PutUint16(b[6:], checksum(0, b)) // 5.3.8: over the VRRP message
	return b
}

// vrrp3Advert returns a VRRPv3 advertisement (RFC 5798 5.2) whose
// checksum covers the IPv6 pseudo-header (5.2.8).
func vrrp3Advert(src, dst netip.Addr, vrid, prio uint8, vips ...netip.Addr) []byte {
	b := []byte{0x31, vrid, prio, uint8(len(vips)), 0, 100, 0, 0} // max adver int 100 cs
	for _, v := range vips {
		b = append(b, v.AsSlice()...)
	}
	binary.BigEndian.PutUint16(b[6:], checksum(pseudoHeaderSum(src, dst, ProtoVRRP, len(b)), b))
	return b
}

// ripResponse returns a RIPv2 Response (RFC 2453 4) with one route entry
// per prefix, next hop 0.0.0.0, metric 1.
func ripResponse(prefixes ...netip.Prefix) []byte {
	b := []byte{2, 2, 0, 0} // command Response, version 2
	for _, p := range prefixes {
		b = append(b, 0, 2, 0, 0) // AFI IP, route tag 0
		b = append(b, p.Masked().Addr().AsSlice()...)
		mask := ^uint32(0) << (32 - p.Bits())
		b = binary.BigEndian.AppendUint32(b, mask)
		b = append(b, 0, 0, 0, 0, 0, 0, 0, 1) // next hop, metric 1
	}
	return b
}

// ripngResponse returns a RIPng Response (RFC 2080 2.1) with one route
// table entry per prefix, metric 1.
func ripngResponse(prefixes ...netip.Prefix) []byte {
	b := []byte{2, 1, 0, 0} // command Response, version 1
	for _, p := range prefixes {
		b = append(b, p.Masked().Addr().AsSlice()...)
		b = append(b, 0, 0, uint8(p.Bits()), 1) // route tag, prefix length, metric
	}
	return b
}

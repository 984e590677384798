package netsim

import (
	"encoding/binary"
	"net"
	"net/netip"
)

// Header lengths of the frames written to captures.
const (
	ethHeaderLen  = 14
	ethMinFrame   = 60 // without FCS; shorter frames are padded (IEEE 802.3)
	ipv4HeaderLen = 20 // no options
	ipv6HeaderLen = 40 // no extension headers
	udpHeaderLen  = 8

	etherTypeIPv4 = 0x0800
	etherTypeIPv6 = 0x86dd
)

func ipHeaderLen(v6 bool) int {
	if v6 {
		return ipv6HeaderLen
	}
	return ipv4HeaderLen
}

// dstMAC returns the Ethernet destination of a copy of f received by b:
// the group MAC of a multicast (RFC 1112 6.4: 01:00:5e and the low 23
// bits of the group; RFC 2464 7: 33:33 and the low 32 bits of the group),
// the broadcast MAC, or b's own MAC.
func dstMAC(f *frame, b *Attachment) net.HardwareAddr {
	switch f.kind {
	case dstMulticast:
		if f.dst.Is4() {
			g := f.dst.As4()
			return net.HardwareAddr{0x01, 0x00, 0x5e, g[1] & 0x7f, g[2], g[3]}
		}
		g := f.dst.As16()
		return net.HardwareAddr{0x33, 0x33, g[12], g[13], g[14], g[15]}
	case dstBroadcast:
		return net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	}
	return b.mac
}

// appendFrame appends the Ethernet frame of a copy of f received by b:
// Ethernet II header, a complete IPv4 (RFC 791) or IPv6 (RFC 8200) header,
// a UDP header (RFC 768) for UDP transports, then the payload, padded with
// zeros to the 60-byte Ethernet minimum as a receiver sees it. Checksums
// are correct; no FCS is appended.
func appendFrame(buf []byte, f *frame, b *Attachment) []byte {
	start := len(buf)
	buf = appendPacket(buf, f, b)
	for len(buf)-start < ethMinFrame {
		buf = append(buf, 0)
	}
	return buf
}

func appendPacket(buf []byte, f *frame, b *Attachment) []byte {
	buf = append(buf, dstMAC(f, b)...)
	buf = append(buf, f.from.mac...)
	v6 := f.cfg.IPv6
	if v6 {
		buf = binary.BigEndian.AppendUint16(buf, etherTypeIPv6)
	} else {
		buf = binary.BigEndian.AppendUint16(buf, etherTypeIPv4)
	}
	ip := len(buf)
	proto := f.cfg.wireProto()
	if v6 {
		buf = append(buf,
			0x60|f.tos>>4, f.tos<<4, 0, 0, // version 6, traffic class, flow label 0
		)
		buf = binary.BigEndian.AppendUint16(buf, uint16(f.size-ipv6HeaderLen))
		buf = append(buf, proto, f.ttl)
		buf = append(buf, f.src.AsSlice()...)
		buf = append(buf, f.dst.AsSlice()...)
	} else {
		buf = append(buf, 0x45, f.tos) // version 4, IHL 5 words
		buf = binary.BigEndian.AppendUint16(buf, uint16(f.size))
		buf = binary.BigEndian.AppendUint16(buf, f.id)
		buf = append(buf, 0, 0, f.ttl, proto, 0, 0) // no fragmentation, checksum later
		buf = append(buf, f.src.AsSlice()...)
		buf = append(buf, f.dst.AsSlice()...)
		binary.BigEndian.PutUint16(buf[ip+10:], ^fold(sum(0, buf[ip:ip+ipv4HeaderLen])))
	}
	if f.cfg.UDPPort != 0 {
		udp := len(buf)
		ulen := udpHeaderLen + len(f.payload)
		buf = binary.BigEndian.AppendUint16(buf, f.sport)
		buf = binary.BigEndian.AppendUint16(buf, f.cfg.UDPPort)
		buf = binary.BigEndian.AppendUint16(buf, uint16(ulen))
		buf = append(buf, 0, 0)
		buf = append(buf, f.payload...)
		c := ^fold(sum(pseudoHeaderSum(f.src, f.dst, protoUDP, ulen), buf[udp:]))
		if c == 0 {
			c = 0xffff // RFC 768: a computed zero is sent as all ones
		}
		binary.BigEndian.PutUint16(buf[udp+6:], c)
		return buf
	}
	return append(buf, f.payload...)
}

// sum adds b as big-endian 16-bit words to acc (RFC 1071).
func sum(acc uint32, b []byte) uint32 {
	for len(b) >= 2 {
		acc += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint32(b[0]) << 8
	}
	return acc
}

// fold folds the carries of a one's complement sum into 16 bits.
func fold(acc uint32) uint16 {
	for acc>>16 != 0 {
		acc = acc&0xffff + acc>>16
	}
	return uint16(acc)
}

// pseudoHeaderSum is the sum of the UDP pseudo-header: RFC 768 for IPv4,
// RFC 8200 8.1 for IPv6.
func pseudoHeaderSum(src, dst netip.Addr, proto uint8, length int) uint32 {
	acc := sum(0, src.AsSlice())
	acc = sum(acc, dst.AsSlice())
	return acc + uint32(proto) + uint32(length>>16) + uint32(length&0xffff)
}

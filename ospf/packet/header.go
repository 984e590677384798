package packet

// The common header of every OSPF packet (RFC 2328 A.3.1):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   Version #   |     Type      |         Packet length         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                          Router ID                            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                           Area ID                             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           Checksum            |             AuType            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                       Authentication                          |
//	+                                                               +
//	|                       Authentication                          |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// With AuType 2 (cryptographic, D.3) the Authentication field holds
// 0x0000, Key ID, Auth Data Len and the 32-bit sequence number, and the
// message digest follows the packet, outside Packet length.

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Well-known multicast groups (RFC 2328 A.1).
var (
	AllSPFRouters = netip.AddrFrom4([4]byte{224, 0, 0, 5})
	AllDRouters   = netip.AddrFrom4([4]byte{224, 0, 0, 6})
)

// Version is the OSPF version this package speaks (RFC 2328 A.3.1).
const Version = 2

// HeaderLen is the size of the common OSPF packet header (RFC 2328 A.3.1).
const HeaderLen = 24

// Offsets in the common header (RFC 2328 A.3.1).
const (
	offVersion  = 0  // Version #, 1 byte
	offType     = 1  // Type, 1 byte
	offLength   = 2  // Packet length, 2 bytes, header included, digest excluded
	offRouterID = 4  // Router ID, 4 bytes
	offAreaID   = 8  // Area ID, 4 bytes
	offChecksum = 12 // Checksum, 2 bytes (D.4)
	offAuType   = 14 // AuType, 2 bytes (D.1)
	offAuth     = 16 // Authentication, 8 bytes (D.4)
)

// PacketType is the OSPF packet type (RFC 2328 A.3.1).
type PacketType uint8

// Packet types (RFC 2328 A.3.1).
const (
	TypeHello               PacketType = 1
	TypeDatabaseDescription PacketType = 2
	TypeLSRequest           PacketType = 3
	TypeLSUpdate            PacketType = 4
	TypeLSAck               PacketType = 5
)

func (t PacketType) String() string {
	switch t {
	case TypeHello:
		return "Hello"
	case TypeDatabaseDescription:
		return "DatabaseDescription"
	case TypeLSRequest:
		return "LSRequest"
	case TypeLSUpdate:
		return "LSUpdate"
	case TypeLSAck:
		return "LSAck"
	}
	return fmt.Sprintf("PacketType(%d)", uint8(t))
}

// AuthType is the AuType field of the header (RFC 2328 D.1).
type AuthType uint16

// Authentication types (RFC 2328 D.1).
const (
	AuthNull   AuthType = 0 // no authentication (D.4.1)
	AuthSimple AuthType = 1 // simple cleartext password (D.4.2)
	AuthCrypto AuthType = 2 // cryptographic: keyed MD5 (D.4.3) or HMAC-SHA (RFC 5709)
)

func (a AuthType) String() string {
	switch a {
	case AuthNull:
		return "Null"
	case AuthSimple:
		return "Simple"
	case AuthCrypto:
		return "Crypto"
	}
	return fmt.Sprintf("AuthType(%d)", uint16(a))
}

// Header is the common OSPF packet header (RFC 2328 A.3.1).
type Header struct {
	Type PacketType
	// Length is the packet length as received: header plus body, without
	// a cryptographic digest (D.4.3). Encoding computes it.
	Length   uint16
	RouterID netip.Addr
	AreaID   netip.Addr
	// Checksum is the packet checksum as received. Encoding computes it
	// for AuType 0 and 1 and writes zero for AuType 2 (D.4).
	Checksum uint16
	AuType   AuthType
	// Auth is the 64-bit authentication field, unchanged: zero or anything
	// for AuthNull, the password for AuthSimple, and for AuthCrypto two
	// zero bytes, Key ID, Auth Data Len and the sequence number (see
	// Crypto).
	Auth [8]byte
}

// CryptoAuth is the authentication field of a cryptographic packet
// (RFC 2328 D.3, figure 18).
type CryptoAuth struct {
	KeyID   uint8
	DataLen uint8 // length of the digest appended after the packet
	Seq     uint32
}

// Crypto interprets h.Auth as the cryptographic authentication field.
func (h Header) Crypto() CryptoAuth {
	return CryptoAuth{KeyID: h.Auth[2], DataLen: h.Auth[3], Seq: binary.BigEndian.Uint32(h.Auth[4:])}
}

// SetCrypto sets AuType to AuthCrypto and fills Auth from c.
func (h *Header) SetCrypto(c CryptoAuth) {
	h.AuType = AuthCrypto
	h.Auth = [8]byte{0, 0, c.KeyID, c.DataLen}
	binary.BigEndian.PutUint32(h.Auth[4:], c.Seq)
}

// ParseHeader decodes the common header at the start of pkt and checks
// what the header alone can tell: the version, a known type, and a packet
// length that covers the header and fits in pkt. Bytes after Length (a
// cryptographic digest, an LLS block, link padding) are allowed.
func ParseHeader(pkt []byte) (Header, error) {
	var h Header
	err := h.Decode(pkt)
	return h, err
}

// Decode is ParseHeader into h.
func (h *Header) Decode(pkt []byte) error {
	if len(pkt) < HeaderLen {
		return fmt.Errorf("%w: header: %d bytes, need %d", ErrShort, len(pkt), HeaderLen)
	}
	if pkt[offVersion] != Version {
		return fmt.Errorf("%w: version %d", ErrVersion, pkt[offVersion])
	}
	t := PacketType(pkt[offType])
	if t < TypeHello || t > TypeLSAck {
		return fmt.Errorf("%w: %d", ErrType, pkt[offType])
	}
	n := binary.BigEndian.Uint16(pkt[offLength:])
	if n < HeaderLen {
		return fmt.Errorf("%w: packet length %d below header size %d", ErrLength, n, HeaderLen)
	}
	if int(n) > len(pkt) {
		return fmt.Errorf("%w: packet length %d, only %d bytes", ErrShort, n, len(pkt))
	}
	h.Type = t
	h.Length = n
	h.RouterID = addrAt(pkt, offRouterID)
	h.AreaID = addrAt(pkt, offAreaID)
	h.Checksum = binary.BigEndian.Uint16(pkt[offChecksum:])
	h.AuType = AuthType(binary.BigEndian.Uint16(pkt[offAuType:]))
	copy(h.Auth[:], pkt[offAuth:HeaderLen])
	return nil
}

// AppendBinary appends the 24-byte header as it stands: Length and
// Checksum are written as they are in h. Packet.AppendBinary, which knows
// the body, computes both.
func (h Header) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, Version, byte(h.Type))
	b = binary.BigEndian.AppendUint16(b, h.Length)
	var err error
	if b, err = appendAddr(b, h.RouterID, "router ID"); err != nil {
		return b, err
	}
	if b, err = appendAddr(b, h.AreaID, "area ID"); err != nil {
		return b, err
	}
	b = binary.BigEndian.AppendUint16(b, h.Checksum)
	b = binary.BigEndian.AppendUint16(b, uint16(h.AuType))
	return append(b, h.Auth[:]...), nil
}

// addrAt reads a 32-bit dotted-quad field. The caller has checked bounds.
func addrAt(b []byte, off int) netip.Addr {
	return netip.AddrFrom4([4]byte(b[off : off+4]))
}

// appendAddr writes a as a 32-bit field. The zero Addr is written as
// 0.0.0.0; an IPv4-mapped IPv6 address is unmapped; any other IPv6
// address is an ErrEncode naming field.
func appendAddr(b []byte, a netip.Addr, field string) ([]byte, error) {
	if !a.IsValid() {
		return append(b, 0, 0, 0, 0), nil
	}
	a = a.Unmap()
	if !a.Is4() {
		return b, fmt.Errorf("%w: %s %v is not IPv4", ErrEncode, field, a)
	}
	v := a.As4()
	return append(b, v[:]...), nil
}

// PutPacketLength writes len(pkt) into the Packet length field of the
// encoded packet pkt (A.3.1), for a caller that appended a body of its
// own after an encoded header.
func PutPacketLength(pkt []byte) {
	binary.BigEndian.PutUint16(pkt[offLength:], uint16(len(pkt)))
}

// MaskBits returns the prefix length of a contiguous network mask such as
// 255.255.255.0, and false for a mask that is not contiguous or not IPv4.
func MaskBits(mask netip.Addr) (int, bool) {
	if !mask.Is4() {
		return 0, false
	}
	m := mask.As4()
	v := binary.BigEndian.Uint32(m[:])
	ones := 0
	for v&0x80000000 != 0 {
		ones++
		v <<= 1
	}
	if v != 0 {
		return 0, false
	}
	return ones, true
}

// Mask returns the IPv4 network mask of a prefix length (0..32), for the
// mask fields of Hello packets and LSAs.
func Mask(bits int) netip.Addr {
	if bits <= 0 {
		return netip.AddrFrom4([4]byte{})
	}
	if bits > 32 {
		bits = 32
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], ^uint32(0)<<(32-bits))
	return netip.AddrFrom4(b)
}

// The VRRP advertisement (RFC 5798 §5.1, RFC 3768 §5.1):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|(rsvd) |     Max Adver Int     |          Checksum             |  v3
//	|   Auth Type   |   Adver Int   |          Checksum             |  v2
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                                                               |
//	+                                                               +
//	|                       IPvX Address(es)                        |
//	+                                                               +
//	|                                                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                     Authentication Data (1)                   |  v2 only
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                     Authentication Data (2)                   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The v3 Max Adver Int is 12 bits of centiseconds (RFC 5798 §5.2.7); the
// v2 Adver Int whole seconds (RFC 3768 §5.3.7). The checksum covers the
// message and, for VRRPv3, an IPv4 or IPv6 pseudo-header (RFC 5798
// §5.2.8), which is why the IP source and destination are arguments of
// Decode and AppendBinary.

package packet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"time"
)

// IPProtocol is the IP protocol number of VRRP (RFC 3768 §5.2.4,
// RFC 5798 §5.1.1.4).
const IPProtocol = 112

// TTL is the only TTL (IPv4) or hop limit (IPv6) a VRRP packet may carry
// (RFC 3768 §5.2.3, RFC 5798 §5.1.1.3 and §5.1.2.3).
const TTL = 255

// Multicast groups of VRRP (RFC 3768 §5.2.2, RFC 5798 §5.1.1.2 and
// §5.1.2.2).
var (
	GroupIPv4 = netip.AddrFrom4([4]byte{224, 0, 0, 18})
	GroupIPv6 = netip.MustParseAddr("ff02::12")
)

// Version is the VRRP protocol version.
type Version uint8

const (
	// V2 is VRRP version 2, RFC 3768: IPv4 only, intervals in seconds,
	// authentication field, no pseudo-header in the checksum.
	V2 Version = 2
	// V3 is VRRP version 3, RFC 5798: IPv4 and IPv6, intervals in
	// centiseconds, checksum over a pseudo-header.
	V3 Version = 3
)

func (v Version) String() string {
	switch v {
	case V2:
		return "VRRPv2"
	case V3:
		return "VRRPv3"
	}
	return fmt.Sprintf("VRRPv%d", uint8(v))
}

// AuthType is the VRRPv2 authentication type (RFC 3768 §5.3.6, which keeps
// the RFC 2338 field only for compatibility).
type AuthType uint8

const (
	// AuthNone carries no authentication data (RFC 2338 §5.3.6.1).
	AuthNone AuthType = 0
	// AuthSimple carries an 8-octet clear-text password (RFC 2338 §5.3.6.2,
	// reserved by RFC 3768 but still sent by keepalived's auth_type PASS).
	AuthSimple AuthType = 1
	// AuthIPAH is IP Authentication Header, removed by RFC 3768 §5.3.6 and
	// §9: packets carrying it are rejected.
	AuthIPAH AuthType = 2
)

func (a AuthType) String() string {
	switch a {
	case AuthNone:
		return "none"
	case AuthSimple:
		return "simple"
	case AuthIPAH:
		return "ip-ah"
	}
	return fmt.Sprintf("auth-%d", uint8(a))
}

// ChecksumMode selects how a VRRPv3 IPv4 checksum is computed.
type ChecksumMode uint8

const (
	// ChecksumPseudoHeader is RFC 5798 §5.2.8: the checksum covers an IPv4
	// or IPv6 pseudo-header followed by the VRRP message. It is the default.
	ChecksumPseudoHeader ChecksumMode = iota
	// ChecksumNoPseudoHeader computes a VRRPv3 IPv4 checksum the VRRPv2 way,
	// over the VRRP message only, for peers configured so (keepalived
	// v3_checksum_as_v2, FRR "no vrrp N checksum-with-ipv4-pseudoheader").
	// IPv6 always uses the pseudo-header; VRRPv2 never does.
	ChecksumNoPseudoHeader
)

// Sizes and offsets of the advertisement (RFC 3768 §5.1, RFC 5798 §5.1).
const (
	// HeaderLen is the length of the fixed header, before the addresses:
	// version/type, VRID, priority, count, auth/rsvd+interval, checksum.
	HeaderLen    = 8
	headerLen    = HeaderLen
	v2AuthLen    = 8 // RFC 3768 §5.3.10
	offVRID      = 1
	offPriority  = 2
	offCount     = 3
	offAuthType  = 4 // v2
	offAdverInt  = 5 // v2, seconds
	offMaxAdvInt = 4 // v3, 4 reserved bits + 12 bits of centiseconds
	offChecksum  = 6
	typeAdvert   = 1 // RFC 3768 §5.3.2, RFC 5798 §5.2.2

	// MaxV3Interval is the largest VRRPv3 Max Adver Int, 4095 centiseconds
	// (RFC 5798 §5.2.7).
	MaxV3Interval = 4095 * 10 * time.Millisecond
	// MinV3Interval is the smallest non-zero VRRPv3 interval, one
	// centisecond.
	MinV3Interval = 10 * time.Millisecond
	// MaxV2Interval is the largest VRRPv2 Adver Int, 255 s (RFC 3768 §5.3.7).
	MaxV2Interval = 255 * time.Second
)

// Sentinel errors of the codec. Decoding wraps one of them, so callers
// count drops by reason with errors.Is.
var (
	// ErrTruncated: the packet is shorter than its header and address
	// count require. It wraps io.ErrUnexpectedEOF.
	ErrTruncated = fmt.Errorf("vrrp/packet: truncated advertisement: %w", io.ErrUnexpectedEOF)
	// ErrVersion: the version is not the one expected (RFC 5798 §7.1,
	// RFC 3768 §7.1).
	ErrVersion = errors.New("vrrp/packet: unsupported version")
	// ErrType: the type is not ADVERTISEMENT (RFC 3768 §5.3.2).
	ErrType = errors.New("vrrp/packet: unknown packet type")
	// ErrChecksum: the checksum does not verify (RFC 5798 §7.1).
	ErrChecksum = errors.New("vrrp/packet: bad checksum")
	// ErrAuthType: a VRRPv2 authentication type other than 0 or 1; type 2
	// (IP AH) is obsolete (RFC 3768 §5.3.6).
	ErrAuthType = errors.New("vrrp/packet: unsupported authentication type")
	// ErrAddressCount: the address count is zero.
	ErrAddressCount = errors.New("vrrp/packet: no virtual addresses")
	// ErrFamily: the source and destination addresses are missing or of
	// different families, or VRRPv2 over IPv6.
	ErrFamily = errors.New("vrrp/packet: bad address family")
	// ErrInterval: the advertisement interval cannot be encoded.
	ErrInterval = errors.New("vrrp/packet: bad advertisement interval")
)

// Advertisement is a VRRP ADVERTISEMENT, the only VRRP packet type
// (RFC 3768 §5.1, RFC 5798 §5.1). It holds the VRRP message only; the IP
// header is the transport's, and the IP source and destination that the
// VRRPv3 checksum covers are passed to Decode and AppendBinary.
type Advertisement struct {
	Version  Version
	VRID     uint8
	Priority uint8
	// Interval is the advertisement interval: whole seconds for VRRPv2
	// (RFC 3768 §5.3.7), centiseconds for VRRPv3 (RFC 5798 §5.2.7).
	Interval time.Duration
	// Addresses are the virtual addresses: IPv4 for VRRPv2 and VRRPv3 over
	// IPv4, IPv6 for VRRPv3 over IPv6 (RFC 5798 §5.2.9).
	Addresses []netip.Addr
	// AuthType and AuthData are VRRPv2 only (RFC 3768 §5.3.6, §5.3.10).
	AuthType AuthType
	AuthData [8]byte
	// Checksum is the checksum as received. AppendBinary computes its own.
	Checksum uint16
}

// Len is the encoded length of a.
func (a Advertisement) Len() int {
	n := headerLen
	for _, ip := range a.Addresses {
		if ip.Is4() {
			n += 4
		} else {
			n += 16
		}
	}
	if a.Version == V2 {
		n += v2AuthLen
	}
	return n
}

// ParseAdvertisement decodes a VRRP advertisement received from src to dst
// (the IP header's addresses, as in routing.Packet), verifying its checksum.
// It returns an error wrapping one of the package's sentinel errors and
// never panics. The IP header's TTL check (RFC 5798 §7.1) is the caller's.
func ParseAdvertisement(b []byte, src, dst netip.Addr, mode ChecksumMode) (Advertisement, error) {
	var a Advertisement
	err := a.Decode(b, src, dst, mode)
	return a, err
}

// Decode is ParseAdvertisement into a, reusing a.Addresses' storage so that
// a steady stream of advertisements decodes without allocating. On error a
// holds partial data and must not be used.
func (a *Advertisement) Decode(b []byte, src, dst netip.Addr, mode ChecksumMode) error {
	if len(b) < headerLen {
		return fmt.Errorf("%w: %d bytes, header needs %d", ErrTruncated, len(b), headerLen)
	}
	if !src.IsValid() || !dst.IsValid() || src.Is4() != dst.Is4() {
		return fmt.Errorf("%w: src %v dst %v", ErrFamily, src, dst)
	}
	src, dst = src.Unmap(), dst.Unmap()
	v := Version(b[0] >> 4)
	if t := b[0] & 0x0f; t != typeAdvert {
		return fmt.Errorf("%w: %d", ErrType, t)
	}
	if v != V2 && v != V3 {
		return fmt.Errorf("%w: %d", ErrVersion, uint8(v))
	}
	a.Version = v
	a.VRID = b[offVRID]
	a.Priority = b[offPriority]
	count := int(b[offCount])
	a.Checksum = binary.BigEndian.Uint16(b[offChecksum:])
	if count == 0 {
		return ErrAddressCount
	}
	addrLen := 4
	if src.Is6() {
		if v == V2 {
			return fmt.Errorf("%w: VRRPv2 over IPv6", ErrFamily)
		}
		addrLen = 16
	}
	need := headerLen + count*addrLen
	if v == V2 {
		need += v2AuthLen
	}
	if len(b) < need {
		return fmt.Errorf("%w: %d bytes, %d addresses need %d", ErrTruncated, len(b), count, need)
	}
	// The checksum covers the whole VRRP message (RFC 3768 §5.3.8,
	// RFC 5798 §5.2.8), so verify it before trusting any other field.
	var sum uint64
	if v == V3 && (src.Is6() || mode == ChecksumPseudoHeader) {
		sum = pseudoHeaderSum(src, dst, len(b))
	}
	if c := fold(sumBytes(sum, b)); c != 0xffff {
		return fmt.Errorf("%w: 0x%04x", ErrChecksum, a.Checksum)
	}
	if v == V2 {
		a.AuthType = AuthType(b[offAuthType])
		a.Interval = time.Duration(b[offAdverInt]) * time.Second
		copy(a.AuthData[:], b[headerLen+count*4:])
		if a.AuthType != AuthNone && a.AuthType != AuthSimple {
			return fmt.Errorf("%w: %v", ErrAuthType, a.AuthType)
		}
	} else {
		a.AuthType = AuthNone
		a.AuthData = [8]byte{}
		// The top 4 bits are reserved and ignored on receipt
		// (RFC 5798 §5.2.6).
		a.Interval = time.Duration(binary.BigEndian.Uint16(b[offMaxAdvInt:])&0x0fff) * 10 * time.Millisecond
	}
	a.Addresses = a.Addresses[:0]
	for i := range count {
		off := headerLen + i*addrLen
		if addrLen == 4 {
			a.Addresses = append(a.Addresses, netip.AddrFrom4([4]byte(b[off:off+4])))
		} else {
			a.Addresses = append(a.Addresses, netip.AddrFrom16([16]byte(b[off:off+16])))
		}
	}
	return nil
}

// AppendBinary encodes a after b as sent from src to dst, computing the
// checksum, and returns the extended slice. src and dst matter only to the
// VRRPv3 pseudo-header, but must be of the family of the addresses.
func (a Advertisement) AppendBinary(b []byte, src, dst netip.Addr, mode ChecksumMode) ([]byte, error) {
	if a.Version != V2 && a.Version != V3 {
		return b, fmt.Errorf("%w: %d", ErrVersion, uint8(a.Version))
	}
	if len(a.Addresses) == 0 || len(a.Addresses) > 255 {
		return b, fmt.Errorf("%w: %d addresses", ErrAddressCount, len(a.Addresses))
	}
	src, dst = src.Unmap(), dst.Unmap()
	if !src.IsValid() || !dst.IsValid() || src.Is4() != dst.Is4() {
		return b, fmt.Errorf("%w: src %v dst %v", ErrFamily, src, dst)
	}
	v4 := src.Is4()
	if a.Version == V2 && !v4 {
		return b, fmt.Errorf("%w: VRRPv2 over IPv6", ErrFamily)
	}
	for _, ip := range a.Addresses {
		if ip.Unmap().Is4() != v4 {
			return b, fmt.Errorf("%w: address %v in a list sent from %v", ErrFamily, ip, src)
		}
	}
	var word4 uint16 // auth type + adver int (v2), rsvd + max adver int (v3)
	if a.Version == V2 {
		sec := a.Interval / time.Second
		if a.Interval%time.Second != 0 || sec < 1 || sec > 255 {
			return b, fmt.Errorf("%w: %v is not 1..255 whole seconds (RFC 3768 §5.3.7)", ErrInterval, a.Interval)
		}
		if a.AuthType != AuthNone && a.AuthType != AuthSimple {
			return b, fmt.Errorf("%w: %v", ErrAuthType, a.AuthType)
		}
		word4 = uint16(a.AuthType)<<8 | uint16(sec)
	} else {
		cs := a.Interval / (10 * time.Millisecond)
		if a.Interval%(10*time.Millisecond) != 0 || cs < 1 || cs > 4095 {
			return b, fmt.Errorf("%w: %v is not 1..4095 centiseconds (RFC 5798 §5.2.7)", ErrInterval, a.Interval)
		}
		word4 = uint16(cs)
	}
	start := len(b)
	b = append(b, byte(a.Version)<<4|typeAdvert, a.VRID, a.Priority, byte(len(a.Addresses)))
	b = binary.BigEndian.AppendUint16(b, word4)
	b = append(b, 0, 0) // checksum, filled below
	for _, ip := range a.Addresses {
		b = append(b, ip.Unmap().AsSlice()...)
	}
	if a.Version == V2 {
		if a.AuthType == AuthSimple {
			b = append(b, a.AuthData[:]...)
		} else {
			b = append(b, make([]byte, v2AuthLen)...)
		}
	}
	msg := b[start:]
	var sum uint64
	if a.Version == V3 && (!v4 || mode == ChecksumPseudoHeader) {
		sum = pseudoHeaderSum(src, dst, len(msg))
	}
	binary.BigEndian.PutUint16(msg[offChecksum:], ^fold(sumBytes(sum, msg)))
	return b, nil
}

// pseudoHeaderSum is the partial one's complement sum of the IPv4
// (RFC 768 style) or IPv6 (RFC 8200 §8.1) pseudo-header, as RFC 5798 §5.2.8
// requires for VRRPv3.
func pseudoHeaderSum(src, dst netip.Addr, length int) uint64 {
	var sum uint64
	if src.Is4() {
		s, d := src.As4(), dst.As4()
		sum = sumBytes(sum, s[:])
		sum = sumBytes(sum, d[:])
		sum += IPProtocol
		sum += uint64(length)
		return sum
	}
	s, d := src.As16(), dst.As16()
	sum = sumBytes(sum, s[:])
	sum = sumBytes(sum, d[:])
	sum += uint64(length) >> 16
	sum += uint64(length) & 0xffff
	sum += IPProtocol
	return sum
}

// sumBytes adds b as big-endian 16-bit words to sum.
func sumBytes(sum uint64, b []byte) uint64 {
	n := len(b) &^ 1
	for i := 0; i < n; i += 2 {
		sum += uint64(b[i])<<8 | uint64(b[i+1])
	}
	if len(b)&1 == 1 {
		sum += uint64(b[len(b)-1]) << 8
	}
	return sum
}

func fold(sum uint64) uint16 {
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return uint16(sum)
}

// PeekVRID returns the Virtual Rtr ID of the message b (RFC 5798 §5.2.3)
// without decoding or verifying it, for demultiplexing the virtual routers
// of one interface; ok is false when b is shorter than the header.
func PeekVRID(b []byte) (vrid uint8, ok bool) {
	if len(b) < headerLen {
		return 0, false
	}
	return b[offVRID], true
}

// MarshalText implements encoding.TextMarshaler, so the version prints by
// name in JSON and YAML.
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// MarshalText implements encoding.TextMarshaler.
func (a AuthType) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

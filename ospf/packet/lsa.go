package packet

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// LSAHeaderLen is the size of the LSA header (RFC 2328 A.4.1).
const LSAHeaderLen = 20

// Offsets in the LSA header (RFC 2328 A.4.1).
const (
	offLSAAge       = 0  // LS age, 2 bytes, seconds (top bit: DoNotAge, RFC 1793)
	offLSAOptions   = 2  // Options, 1 byte
	offLSAType      = 3  // LS type, 1 byte
	offLSAID        = 4  // Link State ID, 4 bytes
	offLSAAdvRouter = 8  // Advertising Router, 4 bytes
	offLSASeq       = 12 // LS sequence number, 4 bytes, signed
	offLSAChecksum  = 16 // LS checksum, 2 bytes (12.1.7)
	offLSALength    = 18 // length, 2 bytes, header included
)

// Architectural constants used by LSA comparison and aging (RFC 2328
// Appendix B and 12.1.6).
const (
	MaxAge                = 3600        // seconds
	MaxAgeDiff            = 900         // seconds
	LSRefreshTime         = 1800        // seconds
	InitialSequenceNumber = -0x7fffffff // 0x80000001
	MaxSequenceNumber     = 0x7fffffff
	// DoNotAge is the top bit of LS age on demand circuits (RFC 1793 2.2).
	DoNotAge = 0x8000
)

// LSType is the LS type of an LSA (RFC 2328 A.4.1, RFC 3101, RFC 5250).
type LSType uint8

// LS types.
const (
	LSTypeRouter         LSType = 1  // A.4.2
	LSTypeNetwork        LSType = 2  // A.4.3
	LSTypeSummaryNetwork LSType = 3  // A.4.4, type 3
	LSTypeSummaryASBR    LSType = 4  // A.4.4, type 4
	LSTypeASExternal     LSType = 5  // A.4.5
	LSTypeNSSA           LSType = 7  // RFC 3101 2.3
	LSTypeOpaqueLink     LSType = 9  // RFC 5250, link-local scope
	LSTypeOpaqueArea     LSType = 10 // RFC 5250, area scope
	LSTypeOpaqueAS       LSType = 11 // RFC 5250, AS scope
)

func (t LSType) String() string {
	switch t {
	case LSTypeRouter:
		return "Router"
	case LSTypeNetwork:
		return "Network"
	case LSTypeSummaryNetwork:
		return "SummaryNetwork"
	case LSTypeSummaryASBR:
		return "SummaryASBR"
	case LSTypeASExternal:
		return "ASExternal"
	case LSTypeNSSA:
		return "NSSA"
	case LSTypeOpaqueLink:
		return "OpaqueLink"
	case LSTypeOpaqueArea:
		return "OpaqueArea"
	case LSTypeOpaqueAS:
		return "OpaqueAS"
	}
	return fmt.Sprintf("LSType(%d)", uint8(t))
}

// IsOpaque reports whether t is one of the opaque types 9, 10, 11.
func (t LSType) IsOpaque() bool {
	return t == LSTypeOpaqueLink || t == LSTypeOpaqueArea || t == LSTypeOpaqueAS
}

// LSAHeader is the 20-byte header of every LSA (RFC 2328 A.4.1), also
// carried alone in Database Description and Link State Acknowledgment
// packets.
type LSAHeader struct {
	// Age is LS age in seconds as on the wire, DoNotAge bit included.
	Age       uint16
	Options   Options
	Type      LSType
	ID        netip.Addr // Link State ID
	AdvRouter netip.Addr
	// Seq is the LS sequence number, a signed 32-bit integer (12.1.6).
	Seq      int32
	Checksum uint16
	// Length is the LSA length, header included. LSA.AppendBinary
	// computes it; in DD and LSAck headers it is written as it stands.
	Length uint16
}

// Key returns the LSA's identity (type, Link State ID, advertising router).
func (h LSAHeader) Key() LSAKey {
	return LSAKey{Type: h.Type, ID: h.ID, AdvRouter: h.AdvRouter}
}

// OpaqueType returns the Opaque Type, the top byte of the Link State ID of
// an opaque LSA (RFC 5250 3).
func (h LSAHeader) OpaqueType() uint8 {
	if !h.ID.Is4() {
		return 0
	}
	return h.ID.As4()[0]
}

// OpaqueID returns the 24-bit Opaque ID, the rest of the Link State ID of
// an opaque LSA (RFC 5250 3).
func (h LSAHeader) OpaqueID() uint32 {
	if !h.ID.Is4() {
		return 0
	}
	a := h.ID.As4()
	return uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
}

// OpaqueLSID builds the Link State ID of an opaque LSA from its Opaque Type
// and 24-bit Opaque ID (RFC 5250 3).
func OpaqueLSID(opaqueType uint8, opaqueID uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{opaqueType, byte(opaqueID >> 16), byte(opaqueID >> 8), byte(opaqueID)})
}

// ParseLSAHeader decodes the 20-byte LSA header at the start of b.
func ParseLSAHeader(b []byte) (LSAHeader, error) {
	var h LSAHeader
	err := h.Decode(b)
	return h, err
}

// Decode is ParseLSAHeader into h.
func (h *LSAHeader) Decode(b []byte) error {
	if len(b) < LSAHeaderLen {
		return fmt.Errorf("%w: LSA header: %d bytes, need %d", ErrShort, len(b), LSAHeaderLen)
	}
	h.decode(b)
	return nil
}

// PutLSAge writes age into the LS age field of the encoded LSA lsa
// (A.4.1), as flooding does when it ages an LSA on the wire (§13.3) or
// flushes it (§14.1). The LS checksum does not cover the age (12.1.7).
func PutLSAge(lsa []byte, age uint16) {
	binary.BigEndian.PutUint16(lsa[offLSAAge:], age)
}

// decode reads an LSA header from b, which holds at least LSAHeaderLen
// bytes.
func (h *LSAHeader) decode(b []byte) {
	_ = b[LSAHeaderLen-1]
	h.Age = binary.BigEndian.Uint16(b[offLSAAge:])
	h.Options = Options(b[offLSAOptions])
	h.Type = LSType(b[offLSAType])
	h.ID = addrAt(b, offLSAID)
	h.AdvRouter = addrAt(b, offLSAAdvRouter)
	h.Seq = int32(binary.BigEndian.Uint32(b[offLSASeq:]))
	h.Checksum = binary.BigEndian.Uint16(b[offLSAChecksum:])
	h.Length = binary.BigEndian.Uint16(b[offLSALength:])
}

// AppendBinary appends the header with every field as it stands.
func (h LSAHeader) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = binary.BigEndian.AppendUint16(b, h.Age)
	b = append(b, byte(h.Options), byte(h.Type))
	var err error
	if b, err = appendAddr(b, h.ID, "link state ID"); err != nil {
		return b[:start], err
	}
	if b, err = appendAddr(b, h.AdvRouter, "advertising router"); err != nil {
		return b[:start], err
	}
	b = binary.BigEndian.AppendUint32(b, uint32(h.Seq))
	b = binary.BigEndian.AppendUint16(b, h.Checksum)
	return binary.BigEndian.AppendUint16(b, h.Length), nil
}

// CompareLSA decides which of two instances of the same LSA is more
// recent, following RFC 2328 13.1. It returns +1 when a is more recent, -1
// when b is, and 0 when they are the same instance. The DoNotAge bit is
// ignored (RFC 1793 2.2) and an age above MaxAge counts as MaxAge.
func CompareLSA(a, b LSAHeader) int {
	// 13.1: the LSA with the larger (signed) sequence number is newer.
	if a.Seq != b.Seq {
		if a.Seq > b.Seq {
			return 1
		}
		return -1
	}
	// 13.1: equal sequence numbers: the larger checksum, compared as
	// unsigned 16-bit integers, is newer.
	if a.Checksum != b.Checksum {
		if a.Checksum > b.Checksum {
			return 1
		}
		return -1
	}
	aa, ba := LSAge(a.Age), LSAge(b.Age)
	// 13.1: if exactly one instance has age MaxAge, it is newer.
	if (aa == MaxAge) != (ba == MaxAge) {
		if aa == MaxAge {
			return 1
		}
		return -1
	}
	// 13.1: ages differing by more than MaxAgeDiff: the smaller is newer.
	if d := int(aa) - int(ba); d > MaxAgeDiff || d < -MaxAgeDiff {
		if aa < ba {
			return 1
		}
		return -1
	}
	// 13.1: otherwise the two are the same instance.
	return 0
}

// LSAge returns the LS age in seconds without DoNotAge, capped at MaxAge.
func LSAge(age uint16) uint16 {
	age &^= DoNotAge
	if age > MaxAge {
		return MaxAge
	}
	return age
}

// LSA is a whole link-state advertisement (RFC 2328 A.4): its header and
// its body decoded according to Header.Type. Exactly one body field is
// meaningful:
//
//	Header.Type              body
//	LSTypeRouter             Router
//	LSTypeNetwork            Network
//	LSTypeSummaryNetwork/ASBR Summary
//	LSTypeASExternal, NSSA   External
//	LSTypeOpaque*            Opaque
//	anything else            Unknown (the raw body, kept for flooding)
//
// The others are empty but keep their capacity, so an LSA reused as a
// decode target stops allocating.
type LSA struct {
	Header   LSAHeader
	Router   RouterLSA
	Network  NetworkLSA
	Summary  SummaryLSA
	External ExternalLSA
	Opaque   OpaqueLSA
	Unknown  []byte
}

// ParseLSA decodes the LSA at the start of b; b may continue after it
// (the LSA's length field says where it ends). It checks structure only;
// VerifyLSAChecksum checks the LS checksum of the raw bytes.
func ParseLSA(b []byte) (LSA, error) {
	var l LSA
	err := l.Decode(b)
	return l, err
}

// Decode is ParseLSA into l, reusing l's slices.
func (l *LSA) Decode(b []byte) error {
	if len(b) < LSAHeaderLen {
		return fmt.Errorf("%w: LSA header: %d bytes, need %d", ErrShort, len(b), LSAHeaderLen)
	}
	l.Header.decode(b)
	n := int(l.Header.Length)
	if n < LSAHeaderLen {
		return fmt.Errorf("%w: %v LSA length %d below header size", ErrLength, l.Header.Type, n)
	}
	if n > len(b) {
		return fmt.Errorf("%w: %v LSA length %d, only %d bytes", ErrShort, l.Header.Type, n, len(b))
	}
	l.resetBodies()
	body := b[LSAHeaderLen:n]
	var err error
	switch l.Header.Type {
	case LSTypeRouter:
		err = l.Router.Decode(body)
	case LSTypeNetwork:
		err = l.Network.Decode(body)
	case LSTypeSummaryNetwork, LSTypeSummaryASBR:
		err = l.Summary.Decode(body)
	case LSTypeASExternal, LSTypeNSSA:
		err = l.External.Decode(body)
	case LSTypeOpaqueLink, LSTypeOpaqueArea, LSTypeOpaqueAS:
		err = l.Opaque.Decode(body)
	default:
		l.Unknown = append(l.Unknown, body...)
	}
	if err != nil {
		return fmt.Errorf("%v LSA %v from %v: %w", l.Header.Type, l.Header.ID, l.Header.AdvRouter, err)
	}
	return nil
}

func (l *LSA) resetBodies() {
	l.Router = RouterLSA{Links: l.Router.Links[:0]}
	l.Network = NetworkLSA{AttachedRouters: l.Network.AttachedRouters[:0]}
	l.Summary = SummaryLSA{TOS: l.Summary.TOS[:0]}
	l.External = ExternalLSA{TOS: l.External.TOS[:0]}
	l.Opaque = OpaqueLSA{Data: l.Opaque.Data[:0]}
	l.Unknown = l.Unknown[:0]
}

// AppendBinary appends the encoded LSA. The length field is computed. The
// LS checksum is computed too, except that a Header.Checksum that already
// verifies for the encoded content is kept as it is (the Fletcher sum has
// two spellings of some values), so a received LSA re-encodes to exactly
// the bytes that arrived and can be flooded unchanged.
func (l *LSA) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b, err := l.Header.AppendBinary(b)
	if err != nil {
		return b[:start], err
	}
	switch l.Header.Type {
	case LSTypeRouter:
		b, err = l.Router.AppendBinary(b)
	case LSTypeNetwork:
		b, err = l.Network.AppendBinary(b)
	case LSTypeSummaryNetwork, LSTypeSummaryASBR:
		b, err = l.Summary.AppendBinary(b)
	case LSTypeASExternal, LSTypeNSSA:
		b, err = l.External.AppendBinary(b)
	case LSTypeOpaqueLink, LSTypeOpaqueArea, LSTypeOpaqueAS:
		b, err = l.Opaque.AppendBinary(b)
	default:
		b = append(b, l.Unknown...)
	}
	if err != nil {
		return b[:start], fmt.Errorf("%v LSA %v: %w", l.Header.Type, l.Header.ID, err)
	}
	n := len(b) - start
	if n > 0xffff {
		return b[:start], fmt.Errorf("%w: %v LSA of %d bytes exceeds 65535", ErrEncode, l.Header.Type, n)
	}
	lsa := b[start:]
	binary.BigEndian.PutUint16(lsa[offLSALength:], uint16(n))
	if sum := LSAChecksum(lsa); l.Header.Checksum == 0 || !checksumEquivalent(l.Header.Checksum, sum) {
		binary.BigEndian.PutUint16(lsa[offLSAChecksum:], sum)
	}
	return b, nil
}

// Prefix returns the destination an LSA of type 2, 3, 5 or 7 describes:
// its Link State ID masked with the body's network mask. It returns false
// for other types and for non-contiguous masks.
func (l *LSA) Prefix() (netip.Prefix, bool) {
	var mask netip.Addr
	switch l.Header.Type {
	case LSTypeNetwork:
		mask = l.Network.NetworkMask
	case LSTypeSummaryNetwork:
		mask = l.Summary.NetworkMask
	case LSTypeASExternal, LSTypeNSSA:
		mask = l.External.NetworkMask
	default:
		return netip.Prefix{}, false
	}
	bits, ok := MaskBits(mask)
	if !ok || !l.Header.ID.Is4() {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(l.Header.ID, bits).Masked(), true
}

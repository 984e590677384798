package packet

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
	"slices"
)

// Sizes and limits of RFC 2453 §4.
const (
	HeaderLen  = 4   // command, version, must-be-zero
	EntryLen   = 20  // one route entry or the authentication entry
	MaxEntries = 25  // entries per message, an authentication entry included
	MaxLen     = 512 // largest message without a cryptographic trailer (§4)
	// Infinity is the metric of an unreachable destination (§3.6).
	Infinity = 16
	// FamilyInet is the Address Family Identifier of IPv4 (§4).
	FamilyInet = 2
	// FamilyAuth marks the authentication entry and trailer (§4.1).
	FamilyAuth = 0xFFFF
	// trailerType is the type field of the RFC 4822 trailer.
	trailerType = 0x0001
)

// Command is the command field (RFC 2453 §4).
type Command uint8

// Commands.
const (
	Request  Command = 1
	Response Command = 2
)

// String returns "request", "response" or "command(N)".
func (c Command) String() string {
	switch c {
	case Request:
		return "request"
	case Response:
		return "response"
	}
	return fmt.Sprintf("command(%d)", uint8(c))
}

// AuthType is the Authentication Type of the authentication entry.
type AuthType uint16

// Authentication types (RFC 2453 §4.1, RFC 4822 §2.2). AuthNone means no
// authentication entry.
const (
	AuthNone     AuthType = 0
	AuthPassword AuthType = 2
	AuthCrypto   AuthType = 3
)

// String returns "none", "password", "crypto" or "auth(N)".
func (a AuthType) String() string {
	switch a {
	case AuthNone:
		return "none"
	case AuthPassword:
		return "password"
	case AuthCrypto:
		return "crypto"
	}
	return fmt.Sprintf("auth(%d)", uint16(a))
}

// Auth is the authentication entry of a message (and, for AuthCrypto,
// its trailer). The zero value is no authentication.
type Auth struct {
	// Type is the authentication type; AuthNone encodes no entry.
	Type AuthType
	// Password is the simple password of AuthPassword, zero-padded
	// (RFC 2453 §4.1).
	Password [16]byte
	// KeyID, DataLen and Seq are the RFC 4822 §2.2 header fields of
	// AuthCrypto: the key used, the Auth Data Len field as sent and the
	// sequence number.
	KeyID   uint8
	DataLen uint8
	Seq     uint32
	// Data is the authentication data of the trailer (the digest) of
	// AuthCrypto; it is encoded as is, so a message to be signed carries
	// as many zero bytes as the algorithm's digest (see Key.Auth).
	Data []byte
}

// Entry is one route entry (RFC 2453 §4). Entries of any address family
// are kept; Family 0 with Metric 16 in a request asks for the whole table
// (§3.9.1).
type Entry struct {
	Family uint16
	Tag    uint16
	// Addr, Mask and NextHop are IPv4 addresses; version 1 messages have
	// a zero Mask and NextHop (must be zero, RFC 1058 §3.1).
	Addr, Mask, NextHop netip.Addr
	Metric              uint32
}

// RouteEntry returns the IPv4 entry for prefix p with the next hop
// (the zero Addr meaning 0.0.0.0: through the sender, §4.4), metric and
// route tag.
func RouteEntry(p netip.Prefix, nextHop netip.Addr, metric uint32, tag uint16) Entry {
	return Entry{
		Family:  FamilyInet,
		Tag:     tag,
		Addr:    p.Addr(),
		Mask:    maskAddr(p.Bits()),
		NextHop: nextHop,
		Metric:  metric,
	}
}

func maskAddr(n int) netip.Addr {
	if n <= 0 {
		return netip.AddrFrom4([4]byte{})
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], ^uint32(0)<<(32-n))
	return netip.AddrFrom4(b)
}

// MaskBits returns the prefix length of a contiguous subnet mask, or
// false for a mask that is not IPv4 or not contiguous.
func MaskBits(mask netip.Addr) (int, bool) {
	if !mask.Is4() {
		return 0, false
	}
	b := mask.As4()
	m := binary.BigEndian.Uint32(b[:])
	n := bits.LeadingZeros32(^m)
	if n < 32 && m<<n != 0 {
		return 0, false
	}
	return n, true
}

// Prefix returns the entry's destination as a prefix, using the subnet
// mask, or false when the mask is not contiguous or the address has bits
// set beyond it (RFC 2453 §3.9.2: such entries are ignored).
func (e Entry) Prefix() (netip.Prefix, bool) {
	n, ok := MaskBits(e.Mask)
	if !ok || !e.Addr.Is4() {
		return netip.Prefix{}, false
	}
	p := netip.PrefixFrom(e.Addr, n)
	if p.Masked() != p {
		return netip.Prefix{}, false
	}
	return p, true
}

// Message is one RIP message.
type Message struct {
	Command Command
	// Version is 2 for RIP-2 and 1 for RIP-1 (RFC 2453 §4.1).
	Version uint8
	// Auth is the authentication entry; Type AuthNone for none.
	Auth Auth
	// Entries are the route entries, the authentication entry excluded.
	Entries []Entry
}

// WholeTable reports whether m is a request for the whole routing table:
// exactly one entry, with address family 0 and metric 16 (§3.9.1).
func (m *Message) WholeTable() bool {
	return m.Command == Request && len(m.Entries) == 1 &&
		m.Entries[0].Family == 0 && m.Entries[0].Metric == Infinity
}

// Parse decodes one message.
func Parse(b []byte) (Message, error) {
	var m Message
	err := m.Decode(b)
	return m, err
}

// Decode decodes b into m, reusing m's entry slice and authentication
// data buffer. On error m holds no valid message. b is not retained.
func (m *Message) Decode(b []byte) error {
	m.Entries = m.Entries[:0]
	data := m.Auth.Data[:0]
	m.Auth = Auth{}
	if len(b) < HeaderLen {
		return fmt.Errorf("%w: %d-byte message, header is %d", ErrShort, len(b), HeaderLen)
	}
	m.Command = Command(b[0])
	m.Version = b[1]
	if m.Command != Request && m.Command != Response {
		return fmt.Errorf("%w: %d", ErrCommand, b[0])
	}
	if m.Version == 0 {
		return ErrVersion
	}
	rest := b[HeaderLen:]
	n := 0
	if len(rest) >= EntryLen && binary.BigEndian.Uint16(rest) == FamilyAuth {
		n = 1
		m.Auth.Type = AuthType(binary.BigEndian.Uint16(rest[2:]))
		switch m.Auth.Type {
		case AuthPassword:
			copy(m.Auth.Password[:], rest[4:EntryLen])
			rest = rest[EntryLen:]
		case AuthCrypto:
			plen := int(binary.BigEndian.Uint16(rest[4:]))
			m.Auth.KeyID = rest[6]
			m.Auth.DataLen = rest[7]
			m.Auth.Seq = binary.BigEndian.Uint32(rest[8:])
			if plen < HeaderLen+EntryLen || (plen-HeaderLen)%EntryLen != 0 {
				return fmt.Errorf("%w: cryptographic packet length %d", ErrLength, plen)
			}
			if plen+4 > len(b) {
				return fmt.Errorf("%w: packet length %d leaves no trailer in %d bytes", ErrShort, plen, len(b))
			}
			tr := b[plen:]
			if binary.BigEndian.Uint16(tr) != FamilyAuth || binary.BigEndian.Uint16(tr[2:]) != trailerType {
				return fmt.Errorf("%w: authentication trailer header %x", ErrMalformed, tr[:4])
			}
			m.Auth.Data = append(data, tr[4:]...)
			rest = b[HeaderLen+EntryLen : plen]
		default:
			return fmt.Errorf("%w: %d", ErrAuthType, m.Auth.Type)
		}
	}
	if len(rest)%EntryLen != 0 {
		return fmt.Errorf("%w: %d bytes of entries", ErrLength, len(rest))
	}
	k := len(rest) / EntryLen
	if n+k > MaxEntries {
		return fmt.Errorf("%w: %d", ErrTooManyEntries, n+k)
	}
	es := slices.Grow(m.Entries, k)[:k]
	for i := range es {
		e := rest[:EntryLen:EntryLen]
		rest = rest[EntryLen:]
		d := &es[i]
		d.Family = uint16(e[0])<<8 | uint16(e[1])
		d.Tag = uint16(e[2])<<8 | uint16(e[3])
		d.Addr = netip.AddrFrom4([4]byte(e[4:8]))
		d.Mask = netip.AddrFrom4([4]byte(e[8:12]))
		d.NextHop = netip.AddrFrom4([4]byte(e[12:16]))
		d.Metric = binary.BigEndian.Uint32(e[16:20])
	}
	m.Entries = es
	return nil
}

func put4(b []byte, a netip.Addr, field string, i int) ([]byte, error) {
	switch {
	case !a.IsValid():
		return append(b, 0, 0, 0, 0), nil
	case a.Is4():
		v := a.As4()
		return append(b, v[:]...), nil
	}
	return b, fmt.Errorf("%w: entries[%d].%s %s is not IPv4", ErrEncode, i, field, a)
}

// Len returns the length of m's encoding.
func (m Message) Len() int {
	n := HeaderLen + len(m.Entries)*EntryLen
	switch m.Auth.Type {
	case AuthPassword:
		n += EntryLen
	case AuthCrypto:
		n += EntryLen + 4 + len(m.Auth.Data)
	}
	return n
}

// AppendBinary appends m's encoding to b (encoding.BinaryAppender). It
// does not allocate when b has room. A message for [Sign] needs
// Auth.Data of the digest's length (zeros will do).
func (m Message) AppendBinary(b []byte) ([]byte, error) {
	if m.Command != Request && m.Command != Response {
		return b, fmt.Errorf("%w: command %d", ErrEncode, m.Command)
	}
	if m.Version == 0 {
		return b, fmt.Errorf("%w: version 0", ErrEncode)
	}
	n := len(m.Entries)
	if m.Auth.Type != AuthNone {
		n++
	}
	if n > MaxEntries {
		return b, fmt.Errorf("%w: %d", ErrTooManyEntries, n)
	}
	b = slices.Grow(b, m.Len())
	start := len(b)
	b = append(b, byte(m.Command), m.Version, 0, 0)
	switch m.Auth.Type {
	case AuthNone:
	case AuthPassword:
		b = append(b, 0xff, 0xff, 0, byte(AuthPassword))
		b = append(b, m.Auth.Password[:]...)
	case AuthCrypto:
		plen := HeaderLen + EntryLen*(1+len(m.Entries))
		b = append(b, 0xff, 0xff, 0, byte(AuthCrypto), byte(plen>>8), byte(plen), m.Auth.KeyID, m.Auth.DataLen)
		b = binary.BigEndian.AppendUint32(b, m.Auth.Seq)
		b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)
	default:
		return b[:start], fmt.Errorf("%w: authentication type %d", ErrEncode, m.Auth.Type)
	}
	var err error
	for i, e := range m.Entries {
		b = binary.BigEndian.AppendUint16(b, e.Family)
		b = binary.BigEndian.AppendUint16(b, e.Tag)
		if b, err = put4(b, e.Addr, "Addr", i); err != nil {
			return b[:start], err
		}
		if b, err = put4(b, e.Mask, "Mask", i); err != nil {
			return b[:start], err
		}
		if b, err = put4(b, e.NextHop, "NextHop", i); err != nil {
			return b[:start], err
		}
		b = binary.BigEndian.AppendUint32(b, e.Metric)
	}
	if m.Auth.Type == AuthCrypto {
		b = append(b, 0xff, 0xff, 0, trailerType)
		b = append(b, m.Auth.Data...)
	}
	return b, nil
}

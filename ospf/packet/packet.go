package packet

import (
	"encoding/binary"
	"fmt"
)

// Packet is one OSPF packet: the common header and the body that
// Header.Type selects. Only that body is meaningful; the others keep their
// slices' capacity so that a Packet reused as a decode target does not
// allocate once it has seen packets of each size.
type Packet struct {
	Header Header
	Hello  Hello               // TypeHello
	DD     DatabaseDescription // TypeDatabaseDescription
	LSR    LSRequest           // TypeLSRequest
	LSU    LSUpdate            // TypeLSUpdate
	LSAck  LSAck               // TypeLSAck
}

// ParsePacket decodes an OSPF packet: the header (ParseHeader) and the
// body up to the header's packet length. It checks structure only; the
// checksum and authentication are Auth.Verify's job and come first on a
// receive path.
func ParsePacket(pkt []byte) (Packet, error) {
	var p Packet
	err := p.Decode(pkt)
	return p, err
}

// Decode is ParsePacket into p, reusing p's slices.
func (p *Packet) Decode(pkt []byte) error {
	if err := p.Header.Decode(pkt); err != nil {
		return err
	}
	body := pkt[HeaderLen:p.Header.Length]
	var err error
	switch p.Header.Type {
	case TypeHello:
		err = p.Hello.Decode(body)
	case TypeDatabaseDescription:
		err = p.DD.Decode(body)
	case TypeLSRequest:
		err = p.LSR.Decode(body)
	case TypeLSUpdate:
		err = p.LSU.Decode(body)
	case TypeLSAck:
		err = p.LSAck.Decode(body)
	}
	if err != nil {
		return fmt.Errorf("%v from %v: %w", p.Header.Type, p.Header.RouterID, err)
	}
	return nil
}

// AppendBinary appends the encoded packet: the header with the packet
// length computed, then the body selected by Header.Type. For AuType 0 and
// 1 the checksum is computed over the result (D.4.1, D.4.2); for AuType 2
// it is zero (D.4.3). Auth is written as it stands; Auth.Sign rewrites the
// authentication fields and appends a digest.
func (p *Packet) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b, err := p.Header.AppendBinary(b)
	if err != nil {
		return b[:start], err
	}
	switch p.Header.Type {
	case TypeHello:
		b, err = p.Hello.AppendBinary(b)
	case TypeDatabaseDescription:
		b, err = p.DD.AppendBinary(b)
	case TypeLSRequest:
		b, err = p.LSR.AppendBinary(b)
	case TypeLSUpdate:
		b, err = p.LSU.AppendBinary(b)
	case TypeLSAck:
		b, err = p.LSAck.AppendBinary(b)
	default:
		err = fmt.Errorf("%w: packet type %d", ErrEncode, p.Header.Type)
	}
	if err != nil {
		return b[:start], err
	}
	n := len(b) - start
	if n > 0xffff {
		return b[:start], fmt.Errorf("%w: %v packet of %d bytes exceeds 65535", ErrEncode, p.Header.Type, n)
	}
	pkt := b[start:]
	binary.BigEndian.PutUint16(pkt[offLength:], uint16(n))
	var sum uint16
	if p.Header.AuType != AuthCrypto {
		sum = PacketChecksum(pkt)
	}
	binary.BigEndian.PutUint16(pkt[offChecksum:], sum)
	return b, nil
}

// listLen checks that body, after a fixed part of fixed bytes, holds whole
// entries of size bytes, and returns how many.
func listLen(what string, body []byte, fixed, size int) (int, error) {
	if len(body) < fixed {
		return 0, fmt.Errorf("%w: %s body of %d bytes, fixed part needs %d", ErrShort, what, len(body), fixed)
	}
	rest := len(body) - fixed
	if rest%size != 0 {
		return 0, fmt.Errorf("%w: %s list of %d bytes is not whole %d-byte entries", ErrLength, what, rest, size)
	}
	return rest / size, nil
}

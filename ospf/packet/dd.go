package packet

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// DDFixedLen is the Database Description body before the LSA headers
// (RFC 2328 A.3.3).
const DDFixedLen = 8

// Offsets in the Database Description body (RFC 2328 A.3.3).
const (
	offDDMTU     = 0 // Interface MTU, 2 bytes
	offDDOptions = 2 // Options, 1 byte
	offDDFlags   = 3 // 0|0|0|0|0|I|M|MS, 1 byte
	offDDSeq     = 4 // DD sequence number, 4 bytes
	offDDHeaders = 8 // LSA headers, 20 bytes each
)

// DDFlags is the flags byte of a Database Description packet. All eight
// bits are kept as received.
type DDFlags uint8

// Database Description flag bits (RFC 2328 A.3.3).
const (
	DDFlagMS DDFlags = 0x01 // sender is the master
	DDFlagM  DDFlags = 0x02 // more packets follow
	DDFlagI  DDFlags = 0x04 // first packet of the sequence
)

func (f DDFlags) String() string {
	var s []string
	for _, x := range []struct {
		bit  DDFlags
		name string
	}{{DDFlagI, "I"}, {DDFlagM, "M"}, {DDFlagMS, "MS"}} {
		if f&x.bit != 0 {
			s = append(s, x.name)
		}
	}
	if rest := f &^ (DDFlagI | DDFlagM | DDFlagMS); rest != 0 {
		s = append(s, fmt.Sprintf("%#02x", uint8(rest)))
	}
	if len(s) == 0 {
		return "0"
	}
	return strings.Join(s, "|")
}

// DatabaseDescription is the body of a Database Description packet
// (RFC 2328 A.3.3).
type DatabaseDescription struct {
	InterfaceMTU uint16
	Options      Options
	Flags        DDFlags
	Seq          uint32
	LSAHeaders   []LSAHeader
}

// Decode decodes a Database Description body into d, reusing
// d.LSAHeaders.
func (d *DatabaseDescription) Decode(body []byte) error {
	n, err := listLen("database description", body, DDFixedLen, LSAHeaderLen)
	if err != nil {
		return err
	}
	d.InterfaceMTU = binary.BigEndian.Uint16(body[offDDMTU:])
	d.Options = Options(body[offDDOptions])
	d.Flags = DDFlags(body[offDDFlags])
	d.Seq = binary.BigEndian.Uint32(body[offDDSeq:])
	d.LSAHeaders = decodeHeaders(d.LSAHeaders[:0], body[offDDHeaders:], n)
	return nil
}

// AppendBinary appends the Database Description body.
func (d DatabaseDescription) AppendBinary(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint16(b, d.InterfaceMTU)
	b = append(b, byte(d.Options), byte(d.Flags))
	b = binary.BigEndian.AppendUint32(b, d.Seq)
	return appendHeaders(b, d.LSAHeaders)
}

// decodeHeaders appends n LSA headers read from b, whose length the
// caller has checked.
func decodeHeaders(dst []LSAHeader, b []byte, n int) []LSAHeader {
	for i := range n {
		var h LSAHeader
		h.decode(b[i*LSAHeaderLen:])
		dst = append(dst, h)
	}
	return dst
}

func appendHeaders(b []byte, hs []LSAHeader) ([]byte, error) {
	start := len(b)
	for i := range hs {
		var err error
		if b, err = hs[i].AppendBinary(b); err != nil {
			return b[:start], fmt.Errorf("LSA header %d: %w", i, err)
		}
	}
	return b, nil
}

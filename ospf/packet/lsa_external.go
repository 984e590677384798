package packet

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Offsets in an AS-external-LSA body (RFC 2328 A.4.5); NSSA-LSAs share
// the format (RFC 3101 2.3).
const (
	offExtMask     = 0  // Network Mask, 4 bytes
	offExtEntries  = 4  // entries of extEntryLen bytes, TOS 0 first
	offEntryMetric = 0  // E|TOS (7 bits), 1 byte; metric, 3 bytes
	offEntryFwd    = 4  // Forwarding address, 4 bytes
	offEntryTag    = 8  // External Route Tag, 4 bytes
	extEntryLen    = 12 //
	extFixedLen    = offExtEntries + extEntryLen

	extBitE = 0x80 // E bit: type 2 external metric
)

// ExternalTOS is an extra TOS entry of an AS-external-LSA (RFC 2328 A.4.5).
type ExternalTOS struct {
	E                 bool
	TOS               uint8 // 7 bits
	Metric            uint32
	ForwardingAddress netip.Addr
	RouteTag          uint32
}

// ExternalLSA is the body of an AS-external-LSA, LS type 5 (RFC 2328
// A.4.5), and of an NSSA-LSA, LS type 7 (RFC 3101 2.3; its P bit is
// OptNP in the LSA header's Options).
type ExternalLSA struct {
	NetworkMask netip.Addr
	// E set means a type 2 external metric (larger than any internal
	// path); clear means type 1.
	E                 bool
	Metric            uint32 // 24 bits; 0xffffff is LSInfinity
	ForwardingAddress netip.Addr
	RouteTag          uint32
	TOS               []ExternalTOS
}

// Decode decodes an AS-external-LSA or NSSA-LSA body into e, reusing
// its slice.
func (e *ExternalLSA) Decode(body []byte) error {
	n, err := listLen("AS-external-LSA", body, extFixedLen, extEntryLen)
	if err != nil {
		return err
	}
	first := body[offExtEntries:]
	if tos := first[offEntryMetric] &^ extBitE; tos != 0 {
		return fmt.Errorf("%w: AS-external-LSA first entry has TOS %d, want 0", ErrMalformed, tos)
	}
	e.NetworkMask = addrAt(body, offExtMask)
	e.E, e.Metric, e.ForwardingAddress, e.RouteTag = decodeExtEntry(first)
	tos := e.TOS[:0]
	for i := range n {
		ent := first[extEntryLen*(i+1):]
		var t ExternalTOS
		t.E, t.Metric, t.ForwardingAddress, t.RouteTag = decodeExtEntry(ent)
		t.TOS = ent[offEntryMetric] &^ extBitE
		tos = append(tos, t)
	}
	e.TOS = tos
	return nil
}

func decodeExtEntry(b []byte) (ebit bool, metric uint32, fwd netip.Addr, tag uint32) {
	v := binary.BigEndian.Uint32(b[offEntryMetric:])
	return v>>24&extBitE != 0, v & maxMetric24, addrAt(b, offEntryFwd), binary.BigEndian.Uint32(b[offEntryTag:])
}

// AppendBinary appends the AS-external-LSA or NSSA-LSA body.
func (e ExternalLSA) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b, err := appendAddr(b, e.NetworkMask, "network mask")
	if err != nil {
		return b, err
	}
	if b, err = appendExtEntry(b, e.E, 0, e.Metric, e.ForwardingAddress, e.RouteTag); err != nil {
		return b[:start], fmt.Errorf("AS-external-LSA: %w", err)
	}
	for i, t := range e.TOS {
		if t.TOS > 0x7f {
			return b[:start], fmt.Errorf("%w: AS-external-LSA TOS entry %d: TOS %d exceeds 7 bits", ErrEncode, i, t.TOS)
		}
		if b, err = appendExtEntry(b, t.E, t.TOS, t.Metric, t.ForwardingAddress, t.RouteTag); err != nil {
			return b[:start], fmt.Errorf("AS-external-LSA TOS entry %d: %w", i, err)
		}
	}
	return b, nil
}

func appendExtEntry(b []byte, ebit bool, tos uint8, metric uint32, fwd netip.Addr, tag uint32) ([]byte, error) {
	if metric > maxMetric24 {
		return b, fmt.Errorf("%w: metric %d exceeds 24 bits", ErrEncode, metric)
	}
	v := uint32(tos)<<24 | metric
	if ebit {
		v |= extBitE << 24
	}
	b = binary.BigEndian.AppendUint32(b, v)
	b, err := appendAddr(b, fwd, "forwarding address")
	if err != nil {
		return b, err
	}
	return binary.BigEndian.AppendUint32(b, tag), nil
}

package packet

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Offsets in a summary-LSA body (RFC 2328 A.4.4).
const (
	offSummaryMask   = 0 // Network Mask, 4 bytes (0 in type 4)
	offSummaryMetric = 4 // 0 (TOS 0), 1 byte; metric, 3 bytes
	offSummaryTOS    = 8 // TOS, 1 byte; TOS metric, 3 bytes; repeated
	summaryFixedLen  = 8

	maxMetric24 = 0xffffff // LSInfinity for 24-bit metrics (Appendix B)
)

// SummaryTOS is an extra TOS entry of a summary-LSA (RFC 2328 A.4.4).
type SummaryTOS struct {
	TOS    uint8
	Metric uint32 // 24 bits
}

// SummaryLSA is the body of a summary-LSA, LS type 3 (network) or 4 (AS
// boundary router) (RFC 2328 A.4.4).
type SummaryLSA struct {
	NetworkMask netip.Addr // 0.0.0.0 in type 4
	Metric      uint32     // TOS 0 metric, 24 bits; 0xffffff is LSInfinity
	TOS         []SummaryTOS
}

// Decode decodes a summary-LSA body into s, reusing its slice.
func (s *SummaryLSA) Decode(body []byte) error {
	n, err := listLen("summary-LSA", body, summaryFixedLen, 4)
	if err != nil {
		return err
	}
	if body[offSummaryMetric] != 0 {
		return fmt.Errorf("%w: summary-LSA TOS 0 byte %#02x", ErrMalformed, body[offSummaryMetric])
	}
	s.NetworkMask = addrAt(body, offSummaryMask)
	s.Metric = binary.BigEndian.Uint32(body[offSummaryMetric:]) & maxMetric24
	tos := s.TOS[:0]
	for i := range n {
		v := binary.BigEndian.Uint32(body[offSummaryTOS+4*i:])
		tos = append(tos, SummaryTOS{TOS: uint8(v >> 24), Metric: v & maxMetric24})
	}
	s.TOS = tos
	return nil
}

// AppendBinary appends the summary-LSA body.
func (s SummaryLSA) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b, err := appendAddr(b, s.NetworkMask, "network mask")
	if err != nil {
		return b, err
	}
	if s.Metric > maxMetric24 {
		return b[:start], fmt.Errorf("%w: summary-LSA metric %d exceeds 24 bits", ErrEncode, s.Metric)
	}
	b = binary.BigEndian.AppendUint32(b, s.Metric)
	for i, t := range s.TOS {
		if t.Metric > maxMetric24 {
			return b[:start], fmt.Errorf("%w: summary-LSA TOS entry %d metric %d exceeds 24 bits", ErrEncode, i, t.Metric)
		}
		b = binary.BigEndian.AppendUint32(b, uint32(t.TOS)<<24|t.Metric)
	}
	return b, nil
}

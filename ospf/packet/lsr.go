package packet

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// LSREntryLen is the size of one Link State Request entry (RFC 2328 A.3.4).
const LSREntryLen = 12

// Offsets in a Link State Request entry (RFC 2328 A.3.4).
const (
	offLSRType      = 0 // LS type, 4 bytes (only the low byte may be set)
	offLSRID        = 4 // Link State ID, 4 bytes
	offLSRAdvRouter = 8 // Advertising Router, 4 bytes
)

// LSAKey identifies an LSA: LS type, Link State ID and Advertising Router
// (RFC 2328 12.1). It is comparable and can key a map.
type LSAKey struct {
	Type      LSType
	ID        netip.Addr
	AdvRouter netip.Addr
}

// LSRequest is the body of a Link State Request packet (RFC 2328 A.3.4).
type LSRequest struct {
	Requests []LSAKey
}

// Decode decodes a Link State Request body into r, reusing r.Requests.
// The LS type is a 32-bit field on the wire; values above 255 cannot name
// an LSA and are ErrMalformed.
func (r *LSRequest) Decode(body []byte) error {
	n, err := listLen("link state request", body, 0, LSREntryLen)
	if err != nil {
		return err
	}
	reqs := r.Requests[:0]
	for i := range n {
		e := body[i*LSREntryLen:]
		t := binary.BigEndian.Uint32(e[offLSRType:])
		if t > 0xff {
			r.Requests = reqs
			return fmt.Errorf("%w: link state request %d: LS type %#x", ErrMalformed, i, t)
		}
		reqs = append(reqs, LSAKey{Type: LSType(t), ID: addrAt(e, offLSRID), AdvRouter: addrAt(e, offLSRAdvRouter)})
	}
	r.Requests = reqs
	return nil
}

// AppendBinary appends the Link State Request body.
func (r LSRequest) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	for i, k := range r.Requests {
		b = binary.BigEndian.AppendUint32(b, uint32(k.Type))
		var err error
		if b, err = appendAddr(b, k.ID, "link state ID"); err == nil {
			b, err = appendAddr(b, k.AdvRouter, "advertising router")
		}
		if err != nil {
			return b[:start], fmt.Errorf("link state request %d: %w", i, err)
		}
	}
	return b, nil
}

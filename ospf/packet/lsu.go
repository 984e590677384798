package packet

import (
	"encoding/binary"
	"fmt"
)

// Offsets in the Link State Update body (RFC 2328 A.3.5).
const (
	offLSUCount = 0 // # LSAs, 4 bytes
	offLSULSAs  = 4 // LSAs
	lsuFixedLen = 4
)

// LSUpdate is the body of a Link State Update packet (RFC 2328 A.3.5).
type LSUpdate struct {
	LSAs []LSA
}

// Decode decodes a Link State Update body into u, reusing u.LSAs and
// the slices inside each LSA. The LSA count must match the LSAs that fill
// the body exactly. LS checksums are not verified here: RFC 2328 13 (1)
// drops a bad LSA alone, so the flooding code calls VerifyLSAChecksum on
// each (see RawLSAs for the raw bytes).
func (u *LSUpdate) Decode(body []byte) error {
	if len(body) < lsuFixedLen {
		return fmt.Errorf("%w: link state update body of %d bytes, need %d", ErrShort, len(body), lsuFixedLen)
	}
	n := binary.BigEndian.Uint32(body[offLSUCount:])
	// Each LSA takes at least a header: a larger count cannot be honest,
	// and checking first bounds the work a hostile count can cause.
	if uint64(n)*LSAHeaderLen > uint64(len(body)-offLSULSAs) {
		return fmt.Errorf("%w: link state update claims %d LSAs in %d bytes", ErrLength, n, len(body)-offLSULSAs)
	}
	lsas := u.LSAs[:0]
	off := offLSULSAs
	for i := range int(n) {
		if i < cap(lsas) {
			lsas = lsas[:i+1]
		} else {
			lsas = append(lsas, LSA{})
		}
		if err := lsas[i].Decode(body[off:]); err != nil {
			u.LSAs = lsas[:i]
			return fmt.Errorf("link state update LSA %d of %d: %w", i, n, err)
		}
		off += int(lsas[i].Header.Length)
	}
	u.LSAs = lsas
	if off != len(body) {
		return fmt.Errorf("%w: link state update has %d bytes after its %d LSAs", ErrLength, len(body)-off, n)
	}
	return nil
}

// AppendBinary appends the Link State Update body.
func (u LSUpdate) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = binary.BigEndian.AppendUint32(b, uint32(len(u.LSAs)))
	for i := range u.LSAs {
		var err error
		if b, err = u.LSAs[i].AppendBinary(b); err != nil {
			return b[:start], fmt.Errorf("link state update LSA %d: %w", i, err)
		}
	}
	return b, nil
}

// RawLSAs calls f with the raw bytes of each LSA of a Link State Update
// body, in order, without decoding them, and stops at the first error f
// returns. It is the cheap path for checksum verification and for
// storing received LSAs byte for byte.
func RawLSAs(body []byte, f func(i int, lsa []byte) error) error {
	if len(body) < lsuFixedLen {
		return fmt.Errorf("%w: link state update body of %d bytes, need %d", ErrShort, len(body), lsuFixedLen)
	}
	n := binary.BigEndian.Uint32(body[offLSUCount:])
	if uint64(n)*LSAHeaderLen > uint64(len(body)-offLSULSAs) {
		return fmt.Errorf("%w: link state update claims %d LSAs in %d bytes", ErrLength, n, len(body)-offLSULSAs)
	}
	off := offLSULSAs
	for i := range int(n) {
		rest := body[off:]
		if len(rest) < LSAHeaderLen {
			return fmt.Errorf("%w: link state update LSA %d header", ErrShort, i)
		}
		l := int(binary.BigEndian.Uint16(rest[offLSALength:]))
		if l < LSAHeaderLen || l > len(rest) {
			return fmt.Errorf("%w: link state update LSA %d length %d with %d bytes left", ErrLength, i, l, len(rest))
		}
		if err := f(i, rest[:l]); err != nil {
			return err
		}
		off += l
	}
	if off != len(body) {
		return fmt.Errorf("%w: link state update has %d bytes after its %d LSAs", ErrLength, len(body)-off, n)
	}
	return nil
}

package packet

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/subtle"
	"fmt"
)

// keyedLayout finds the digest field of an encoded keyed packet: the
// packet up to its Length and the digest's offset and length.
func keyedLayout(b []byte) (pkt []byte, typ AuthType, off, n int, err error) {
	if len(b) < HeaderLen+authHeaderLen || b[1]&0x04 == 0 {
		return nil, 0, 0, 0, fmt.Errorf("%w: no auth section", ErrAuth)
	}
	length := int(b[3])
	if length > len(b) || length < HeaderLen+authHeaderLen {
		return nil, 0, 0, 0, fmt.Errorf("%w: Length %d of %d bytes", ErrLength, length, len(b))
	}
	pkt = b[:length]
	typ = AuthType(pkt[HeaderLen])
	if typ == AuthSimplePassword {
		return pkt, typ, HeaderLen + authHeaderLen, length - HeaderLen - authHeaderLen, nil
	}
	if !typ.Keyed() {
		return nil, 0, 0, 0, fmt.Errorf("%w: auth type %d", ErrAuth, uint8(typ))
	}
	n = typ.digestLen()
	off = HeaderLen + authHeaderLen + 1 + 4
	if off+n != length || int(pkt[HeaderLen+1]) != length-HeaderLen {
		return nil, 0, 0, 0, fmt.Errorf("%w: %v section of %d bytes", ErrLength, typ, length-HeaderLen)
	}
	return pkt, typ, off, n, nil
}

// digest computes the MD5 (§6.7.3) or SHA1 (§6.7.4) of pkt with its
// digest field holding the key, zero-padded to the field's length. pkt is
// restored to its own digest field before returning.
func digest(pkt []byte, typ AuthType, off, n int, key []byte, out []byte) []byte {
	var saved [SHA1KeyLen]byte
	field := pkt[off : off+n]
	copy(saved[:], field)
	clear(field)
	copy(field, key)
	if n == MD5KeyLen {
		s := md5.Sum(pkt)
		out = append(out, s[:]...)
	} else {
		s := sha1.Sum(pkt)
		out = append(out, s[:]...)
	}
	copy(field, saved[:n])
	return out
}

func checkKey(typ AuthType, key []byte) error {
	switch {
	case len(key) == 0:
		return fmt.Errorf("%w: empty key", ErrInvalid)
	case typ == AuthSimplePassword && len(key) > MaxPasswordLen,
		typ.Keyed() && len(key) > typ.digestLen():
		return fmt.Errorf("%w: %v key of %d bytes is too long", ErrInvalid, typ, len(key))
	}
	return nil
}

// Sign fills in the digest of an encoded packet of a keyed type (RFC 5880
// §6.7.3, §6.7.4): the MD5 or SHA1 over the whole packet with the key,
// zero-padded, in the digest field. A simple-password packet needs no
// signing and is left as is.
func Sign(b []byte, key []byte) error {
	pkt, typ, off, n, err := keyedLayout(b)
	if err != nil {
		return err
	}
	if err := checkKey(typ, key); err != nil {
		return err
	}
	if typ == AuthSimplePassword {
		return nil
	}
	var buf [SHA1KeyLen]byte
	copy(pkt[off:off+n], digest(pkt, typ, off, n, key, buf[:0]))
	return nil
}

// Verify checks a received packet's authentication against the key: its
// type must be typ, its Auth Key ID keyID, and its password equal to key
// (simple) or its digest the one Sign would compute (keyed). Sequence
// numbers are the session's to check (§6.7.3). The comparison takes the
// same time whatever the bytes. b is not modified.
func Verify(b []byte, typ AuthType, keyID uint8, key []byte) error {
	pkt, got, off, n, err := keyedLayout(b)
	if err != nil {
		return err
	}
	if got != typ {
		return fmt.Errorf("%w: auth type %v, want %v", ErrAuth, got, typ)
	}
	if id := pkt[HeaderLen+2]; id != keyID {
		return fmt.Errorf("%w: key ID %d, want %d", ErrAuth, id, keyID)
	}
	if err := checkKey(typ, key); err != nil {
		return err
	}
	if typ == AuthSimplePassword {
		if subtle.ConstantTimeCompare(pkt[off:off+n], key) != 1 {
			return fmt.Errorf("%w: wrong password", ErrAuth)
		}
		return nil
	}
	// digest writes the key into the field and restores it: work on a
	// copy so that b stays untouched for concurrent readers.
	var cp [MaxLen]byte
	c := cp[:copy(cp[:], pkt)]
	var buf [SHA1KeyLen]byte
	want := digest(c, typ, off, n, key, buf[:0])
	if subtle.ConstantTimeCompare(pkt[off:off+n], want) != 1 {
		return fmt.Errorf("%w: wrong digest", ErrAuth)
	}
	return nil
}

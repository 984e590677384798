package packet

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"hash"
)

// This file is the authentication codec of RFC 2328 Appendix D and
// RFC 5709: what writes and checks the authentication fields and message
// digests of encoded packets. Which key is valid when, and the
// per-neighbor sequence-number memory, are configuration and protocol
// state: they live in package ospf (ospf.AuthConfig, ospf.ReplayState).

// Algorithm is the digest algorithm of a cryptographic authentication key.
type Algorithm uint8

// Algorithms: keyed MD5 (RFC 2328 D.4.3) and HMAC-SHA (RFC 5709). The zero
// value is MD5, RFC 2328's own algorithm.
const (
	AlgMD5 Algorithm = iota
	AlgHMACSHA1
	AlgHMACSHA256
	AlgHMACSHA384
	AlgHMACSHA512
)

func (a Algorithm) String() string {
	switch a {
	case AlgMD5:
		return "MD5"
	case AlgHMACSHA1:
		return "HMAC-SHA-1"
	case AlgHMACSHA256:
		return "HMAC-SHA-256"
	case AlgHMACSHA384:
		return "HMAC-SHA-384"
	case AlgHMACSHA512:
		return "HMAC-SHA-512"
	}
	return fmt.Sprintf("Algorithm(%d)", uint8(a))
}

// Size returns the digest length L that Auth Data Len carries: 16, 20,
// 32, 48 or 64 bytes; 0 for an unknown algorithm.
func (a Algorithm) Size() int {
	switch a {
	case AlgMD5:
		return md5.Size
	case AlgHMACSHA1:
		return sha1.Size
	case AlgHMACSHA256:
		return sha256.Size
	case AlgHMACSHA384:
		return sha512.Size384
	case AlgHMACSHA512:
		return sha512.Size
	}
	return 0
}

func (a Algorithm) hash() func() hash.Hash {
	switch a {
	case AlgMD5:
		return md5.New
	case AlgHMACSHA1:
		return sha1.New
	case AlgHMACSHA256:
		return sha256.New
	case AlgHMACSHA384:
		return sha512.New384
	case AlgHMACSHA512:
		return sha512.New
	}
	return nil
}

// CryptoKey is a cryptographic authentication key as the digest sees it
// (RFC 2328 D.3): its Key ID, algorithm and secret. Lifetimes are the
// caller's business.
type CryptoKey struct {
	ID        uint8
	Algorithm Algorithm
	// Secret is the key. For MD5 at most 16 bytes, zero-padded to 16
	// (D.3). For HMAC-SHA any length; longer than the digest it is hashed
	// first (RFC 5709 3.3) unless PlainHMACKey is set.
	Secret []byte
	// PlainHMACKey uses an HMAC-SHA Secret longer than the digest as the
	// HMAC key unchanged (plain RFC 2104 HMAC), as BIRD 2 does.
	PlainHMACKey bool
}

// apad is RFC 5709's Apad constant, 0x878FE1F3 repeated, long enough for
// SHA-512.
var apad = func() (p [sha512.Size]byte) {
	for i := 0; i < len(p); i += 4 {
		binary.BigEndian.PutUint32(p[i:], 0x878FE1F3)
	}
	return p
}()

// Digest computes the message digest of pkt (the packet up to its length
// field, with the authentication fields already set) under k: keyed MD5
// (RFC 2328 D.4.3 step 6) or HMAC-SHA with Apad (RFC 5709 3.3).
func (k CryptoKey) Digest(pkt []byte) []byte {
	if k.Algorithm == AlgMD5 {
		// D.4.3 step 6: MD5 over the packet followed by the key,
		// zero-padded to 16 bytes.
		var key [md5.Size]byte
		copy(key[:], k.Secret)
		h := md5.New()
		h.Write(pkt)
		h.Write(key[:])
		return h.Sum(nil)
	}
	// RFC 5709 3.3: a key longer than the digest length L is first hashed
	// to L bytes; a shorter one is zero-padded, which HMAC does itself.
	// The text authenticated is the packet followed by Apad, L bytes.
	newHash := k.Algorithm.hash()
	l := k.Algorithm.Size()
	key := k.Secret
	if len(key) > l && !k.PlainHMACKey {
		h := newHash()
		h.Write(key)
		key = h.Sum(nil)
	}
	m := hmac.New(newHash, key)
	m.Write(pkt)
	m.Write(apad[:l])
	return m.Sum(nil)
}

// Sign finishes an encoded packet (as Packet.AppendBinary produced it,
// pkt[:Length] is the packet) for sending under AuType t: it sets AuType
// and the authentication field, then either computes the checksum (AuType
// 0 and 1, D.4.1, D.4.2; password is the simple password, at most 8 bytes)
// or zeroes it and appends the message digest under k with sequence
// number seq (AuType 2, D.4.3, RFC 5709). Bytes after Length are dropped
// first.
func Sign(pkt []byte, t AuthType, password string, k CryptoKey, seq uint32) ([]byte, error) {
	if len(pkt) < HeaderLen {
		return pkt, fmt.Errorf("%w: sign: %d bytes, header needs %d", ErrShort, len(pkt), HeaderLen)
	}
	n := int(binary.BigEndian.Uint16(pkt[offLength:]))
	if n < HeaderLen || n > len(pkt) {
		return pkt, fmt.Errorf("%w: sign: packet length %d with %d bytes", ErrLength, n, len(pkt))
	}
	pkt = pkt[:n]
	binary.BigEndian.PutUint16(pkt[offAuType:], uint16(t))
	auth := pkt[offAuth:HeaderLen]
	switch t {
	case AuthNull:
		clear(auth)
	case AuthSimple:
		clear(auth)
		copy(auth, password)
	case AuthCrypto:
		l := k.Algorithm.Size()
		if l == 0 {
			return pkt, fmt.Errorf("%w: key %d: unknown algorithm %d", ErrEncode, k.ID, k.Algorithm)
		}
		binary.BigEndian.PutUint16(pkt[offChecksum:], 0)
		auth[0], auth[1], auth[2], auth[3] = 0, 0, k.ID, byte(l)
		binary.BigEndian.PutUint32(auth[4:], seq)
		return append(pkt, k.Digest(pkt)...), nil
	default:
		return pkt, fmt.Errorf("%w: AuType %d", ErrEncode, t)
	}
	binary.BigEndian.PutUint16(pkt[offChecksum:], PacketChecksum(pkt))
	return pkt, nil
}

// VerifyPassword checks a received AuType 1 packet whose header h was
// decoded from pkt: the checksum over pkt[:h.Length] and the simple
// password (D.5.2).
func VerifyPassword(pkt []byte, h Header, password string) error {
	if err := VerifyPacketChecksum(pkt[:h.Length]); err != nil {
		return err
	}
	var want [8]byte
	copy(want[:], password)
	if subtle.ConstantTimeCompare(want[:], h.Auth[:]) != 1 {
		return fmt.Errorf("%w: simple password", ErrAuthMismatch)
	}
	return nil
}

// CheckDigestLength checks that a received AuType 2 packet whose header
// h was decoded from pkt declares k's digest length in Auth Data Len and
// carries that many bytes of digest after the packet (D.5.3).
func CheckDigestLength(pkt []byte, h Header, k CryptoKey) error {
	c := h.Crypto()
	l := k.Algorithm.Size()
	if int(c.DataLen) != l {
		return fmt.Errorf("%w: Auth Data Len %d, key %d (%v) has %d", ErrAuthLength, c.DataLen, k.ID, k.Algorithm, l)
	}
	if len(pkt) < int(h.Length)+l {
		return fmt.Errorf("%w: digest truncated: %d of %d bytes after the packet", ErrAuthLength, len(pkt)-int(h.Length), l)
	}
	return nil
}

// VerifyDigest checks the message digest of a received AuType 2 packet
// under k (D.5.3, RFC 5709 3.4): the length checks of CheckDigestLength,
// then the digest. The sequence number is the caller's to check.
func VerifyDigest(pkt []byte, h Header, k CryptoKey) error {
	if err := CheckDigestLength(pkt, h, k); err != nil {
		return err
	}
	l := k.Algorithm.Size()
	if subtle.ConstantTimeCompare(k.Digest(pkt[:h.Length]), pkt[h.Length:int(h.Length)+l]) != 1 {
		return fmt.Errorf("%w: key %d (%v) digest", ErrAuthMismatch, k.ID, k.Algorithm)
	}
	return nil
}

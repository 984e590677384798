package ospf

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
	"time"
)

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

// Key is one cryptographic authentication key (RFC 2328 D.3). Zero times
// mean no bound: a key with no lifetimes is always valid.
type Key struct {
	ID        uint8
	Algorithm Algorithm
	// Secret is the key. For MD5 at most 16 bytes, zero-padded to 16
	// (D.3). For HMAC-SHA any length; longer than the digest it is hashed
	// first (RFC 5709 3.3).
	Secret []byte
	// SendStart and SendStop bound when the key signs ("KeyStartGenerate",
	// "KeyStopGenerate"); AcceptStart and AcceptStop when it verifies
	// ("KeyStartAccept", "KeyStopAccept"). Stop times are exclusive.
	SendStart, SendStop     time.Time
	AcceptStart, AcceptStop time.Time
	// PlainHMACKey uses an HMAC-SHA Secret longer than the digest as the
	// HMAC key unchanged (plain RFC 2104 HMAC, which hashes only keys
	// longer than the hash block), where RFC 5709 3.3 first hashes every
	// key longer than the digest length L. BIRD 2 does the former (see
	// testdata/golden/bird-hmac-sha1.txt, a 30-byte SHA-1 key); set this
	// to interoperate with it using such keys. Keys of at most L bytes
	// give the same digest either way.
	PlainHMACKey bool
}

func within(now, start, stop time.Time) bool {
	return (start.IsZero() || !now.Before(start)) && (stop.IsZero() || now.Before(stop))
}

// ReplayMode selects how the cryptographic sequence number of a
// neighbor's packets is checked (RFC 2328 D.5.3).
type ReplayMode uint8

const (
	// ReplayTolerant drops a packet whose sequence number is less than the
	// last one accepted from the neighbor and accepts an equal one. This
	// is what RFC 2328 D.5.3 says and the default: the sender's number is
	// only required to be non-decreasing (D.4.3 step 5), and senders such
	// as those deriving it from the clock in seconds repeat it.
	ReplayTolerant ReplayMode = iota
	// ReplayStrict also drops an equal sequence number: every packet must
	// carry a larger number than the last one accepted, which closes the
	// replay window that non-decreasing numbers leave open (the stricter
	// reading several implementations apply).
	ReplayStrict
)

func (m ReplayMode) String() string {
	switch m {
	case ReplayTolerant:
		return "tolerant"
	case ReplayStrict:
		return "strict"
	}
	return fmt.Sprintf("ReplayMode(%d)", uint8(m))
}

// ReplayState is what a receiver remembers of one neighbor's
// cryptographic sequence numbers (the per-neighbor field of RFC 2328
// D.5.3). It is a small value the caller keeps in its neighbor record and
// passes to AuthConfig.Verify; the zero value has seen nothing. Reset it
// (to the zero value) when the neighbor is deleted.
type ReplayState struct {
	Seq  uint32 // last sequence number accepted
	Seen bool   // whether Seq is meaningful
}

// AuthConfig is the authentication of an OSPF interface (RFC 2328
// Appendix D, RFC 5709). The zero value is null authentication.
type AuthConfig struct {
	// Type is the AuType sent and required on received packets.
	Type AuthType
	// Password is the simple password (AuthSimple), at most 8 bytes,
	// zero-padded (D.4.2).
	Password string
	// Keys are the cryptographic keys (AuthCrypto). Received packets are
	// verified with the key named by their Key ID; packets are signed
	// with the valid key whose send lifetime started last (the first
	// listed among equals).
	Keys []Key
	// Replay is the sequence-number check; the zero value is RFC 2328's.
	Replay ReplayMode
}

// Validate reports the first field that makes the configuration unusable.
func (a AuthConfig) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...))
	}
	switch a.Type {
	case AuthNull:
	case AuthSimple:
		if len(a.Password) > 8 {
			return bad("Password", "%d bytes, simple authentication carries at most 8", len(a.Password))
		}
	case AuthCrypto:
		if len(a.Keys) == 0 {
			return bad("Keys", "cryptographic authentication needs at least one key")
		}
	default:
		return bad("Type", "unknown AuType %d", uint16(a.Type))
	}
	if a.Replay > ReplayStrict {
		return bad("Replay", "unknown mode %d", uint8(a.Replay))
	}
	seen := map[uint8]bool{}
	for i, k := range a.Keys {
		f := fmt.Sprintf("Keys[%d]", i)
		if seen[k.ID] {
			return bad(f+".ID", "key ID %d listed twice", k.ID)
		}
		seen[k.ID] = true
		if k.Algorithm.Size() == 0 {
			return bad(f+".Algorithm", "unknown algorithm %d", uint8(k.Algorithm))
		}
		if len(k.Secret) == 0 {
			return bad(f+".Secret", "empty")
		}
		if k.Algorithm == AlgMD5 && len(k.Secret) > md5.Size {
			return bad(f+".Secret", "%d bytes, an MD5 key has at most 16", len(k.Secret))
		}
		if !k.SendStop.IsZero() && k.SendStop.Before(k.SendStart) {
			return bad(f+".SendStop", "before SendStart")
		}
		if !k.AcceptStop.IsZero() && k.AcceptStop.Before(k.AcceptStart) {
			return bad(f+".AcceptStop", "before AcceptStart")
		}
	}
	return nil
}

// SendKey returns the key that signs at time now: among the keys inside
// their send lifetime, the one that started last (the first listed among
// equals). When every key's send lifetime is over, the one that ended last
// keeps signing, as RFC 2328 D.3 asks rather than falling back to no
// authentication. It returns false when no key can sign.
func (a AuthConfig) SendKey(now time.Time) (Key, bool) {
	best := -1
	for i, k := range a.Keys {
		if within(now, k.SendStart, k.SendStop) && (best < 0 || k.SendStart.After(a.Keys[best].SendStart)) {
			best = i
		}
	}
	if best < 0 {
		for i, k := range a.Keys {
			if !k.SendStop.IsZero() && !now.Before(k.SendStop) && (best < 0 || k.SendStop.After(a.Keys[best].SendStop)) {
				best = i
			}
		}
	}
	if best < 0 {
		return Key{}, false
	}
	return a.Keys[best], true
}

// acceptKey returns the key with the given ID if it may verify at now.
// As for sending (D.3), when no key at all is inside its accept lifetime
// the one whose lifetime ended last is still accepted.
func (a AuthConfig) acceptKey(id uint8, now time.Time) (Key, bool) {
	last := -1
	anyValid := false
	for i, k := range a.Keys {
		if within(now, k.AcceptStart, k.AcceptStop) {
			anyValid = true
		} else if !k.AcceptStop.IsZero() && !now.Before(k.AcceptStop) && (last < 0 || k.AcceptStop.After(a.Keys[last].AcceptStop)) {
			last = i
		}
	}
	for i, k := range a.Keys {
		if k.ID != id {
			continue
		}
		if within(now, k.AcceptStart, k.AcceptStop) || (!anyValid && i == last) {
			return k, true
		}
	}
	return Key{}, false
}

// apad is RFC 5709's Apad constant, 0x878FE1F3 repeated, long enough for
// SHA-512.
var apad = func() (p [sha512.Size]byte) {
	for i := 0; i < len(p); i += 4 {
		binary.BigEndian.PutUint32(p[i:], 0x878FE1F3)
	}
	return p
}()

// digest computes the message digest of pkt (the packet up to its length
// field, with the authentication fields already set) under key k.
func digest(k Key, pkt []byte) []byte {
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

// Sign prepares an encoded packet (as Packet.AppendBinary produced it,
// pkt[:Length] is the packet) for sending under a: it sets AuType and the
// authentication field, then either computes the checksum (AuType 0 and 1,
// D.4.1, D.4.2) or zeroes it and appends the message digest (AuType 2,
// D.4.3, RFC 5709). seq is the cryptographic sequence number; the caller
// keeps it non-decreasing per interface (D.4.3 step 5). now selects the
// key by its lifetimes. Bytes after Length are dropped first.
func (a AuthConfig) Sign(pkt []byte, seq uint32, now time.Time) ([]byte, error) {
	if len(pkt) < HeaderLen {
		return pkt, fmt.Errorf("%w: sign: %d bytes, header needs %d", ErrShort, len(pkt), HeaderLen)
	}
	n := int(binary.BigEndian.Uint16(pkt[offLength:]))
	if n < HeaderLen || n > len(pkt) {
		return pkt, fmt.Errorf("%w: sign: packet length %d with %d bytes", ErrLength, n, len(pkt))
	}
	pkt = pkt[:n]
	binary.BigEndian.PutUint16(pkt[offAuType:], uint16(a.Type))
	auth := pkt[offAuth:HeaderLen]
	switch a.Type {
	case AuthNull:
		clear(auth)
	case AuthSimple:
		clear(auth)
		copy(auth, a.Password)
	case AuthCrypto:
		k, ok := a.SendKey(now)
		if !ok {
			return pkt, fmt.Errorf("%w: no key valid for sending at %v", ErrAuthKeyID, now)
		}
		l := k.Algorithm.Size()
		if l == 0 {
			return pkt, fmt.Errorf("%w: key %d: unknown algorithm %d", ErrEncode, k.ID, k.Algorithm)
		}
		binary.BigEndian.PutUint16(pkt[offChecksum:], 0)
		auth[0], auth[1], auth[2], auth[3] = 0, 0, k.ID, byte(l)
		binary.BigEndian.PutUint32(auth[4:], seq)
		return append(pkt, digest(k, pkt)...), nil
	default:
		return pkt, fmt.Errorf("%w: AuType %d", ErrEncode, a.Type)
	}
	binary.BigEndian.PutUint16(pkt[offChecksum:], PacketChecksum(pkt))
	return pkt, nil
}

// Verify authenticates a received packet under a (RFC 2328 D.5): the
// AuType must match; for AuType 0 and 1 the checksum must verify and, for
// 1, the password match; for AuType 2 the Key ID must name a key valid at
// now, Auth Data Len must be that key's digest length, the digest must be
// present after the packet, the sequence number must pass rs under
// a.Replay, and the digest must match. Only then is rs advanced. A nil rs
// skips the sequence check (a Hello from a router not yet a neighbor).
//
// It returns pkt[:Length], the packet without digest or trailing bytes,
// ready for Packet.DecodeFrom. Errors wrap ErrChecksum or the ErrAuth
// family, or the header errors of ParseHeader.
func (a AuthConfig) Verify(pkt []byte, rs *ReplayState, now time.Time) ([]byte, error) {
	var h Header
	if err := h.DecodeFrom(pkt); err != nil {
		return nil, err
	}
	if h.AuType != a.Type {
		return nil, fmt.Errorf("%w: packet has %v, interface expects %v", ErrAuthType, h.AuType, a.Type)
	}
	body := pkt[:h.Length]
	switch a.Type {
	case AuthNull:
		if err := VerifyPacketChecksum(body); err != nil {
			return nil, err
		}
		return body, nil
	case AuthSimple:
		if err := VerifyPacketChecksum(body); err != nil {
			return nil, err
		}
		var want [8]byte
		copy(want[:], a.Password)
		if subtle.ConstantTimeCompare(want[:], h.Auth[:]) != 1 {
			return nil, fmt.Errorf("%w: simple password", ErrAuthMismatch)
		}
		return body, nil
	}
	c := h.Crypto()
	k, ok := a.acceptKey(c.KeyID, now)
	if !ok {
		return nil, fmt.Errorf("%w: key ID %d", ErrAuthKeyID, c.KeyID)
	}
	l := k.Algorithm.Size()
	if int(c.DataLen) != l {
		return nil, fmt.Errorf("%w: Auth Data Len %d, key %d (%v) has %d", ErrAuthLength, c.DataLen, k.ID, k.Algorithm, l)
	}
	if len(pkt) < int(h.Length)+l {
		return nil, fmt.Errorf("%w: digest truncated: %d of %d bytes after the packet", ErrAuthLength, len(pkt)-int(h.Length), l)
	}
	if rs != nil && rs.Seen {
		if c.Seq < rs.Seq || (a.Replay == ReplayStrict && c.Seq == rs.Seq) {
			return nil, fmt.Errorf("%w: sequence %d after %d (%v)", ErrReplay, c.Seq, rs.Seq, a.Replay)
		}
	}
	if subtle.ConstantTimeCompare(digest(k, body), pkt[h.Length:int(h.Length)+l]) != 1 {
		return nil, fmt.Errorf("%w: key %d (%v) digest", ErrAuthMismatch, k.ID, k.Algorithm)
	}
	if rs != nil {
		rs.Seq, rs.Seen = c.Seq, true
	}
	return body, nil
}

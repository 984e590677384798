package ospf

import (
	"crypto/md5"
	"fmt"
	"time"

	"github.com/switchless/routing/ospf/packet"
)

// Key is one cryptographic authentication key (RFC 2328 D.3). Zero times
// mean no bound: a key with no lifetimes is always valid.
type Key struct {
	ID        uint8
	Algorithm packet.Algorithm
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
	Type packet.AuthType
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
	case packet.AuthNull:
	case packet.AuthSimple:
		if len(a.Password) > 8 {
			return bad("Password", "%d bytes, simple authentication carries at most 8", len(a.Password))
		}
	case packet.AuthCrypto:
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
		if k.Algorithm == packet.AlgMD5 && len(k.Secret) > md5.Size {
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

// cryptoKey is k as the digest codec sees it.
func (k Key) cryptoKey() packet.CryptoKey {
	return packet.CryptoKey{ID: k.ID, Algorithm: k.Algorithm, Secret: k.Secret, PlainHMACKey: k.PlainHMACKey}
}

// Sign prepares an encoded packet (as Packet.AppendBinary produced it,
// pkt[:Length] is the packet) for sending under a: it sets AuType and the
// authentication field, then either computes the checksum (AuType 0 and 1,
// D.4.1, D.4.2) or zeroes it and appends the message digest (AuType 2,
// D.4.3, RFC 5709). seq is the cryptographic sequence number; the caller
// keeps it non-decreasing per interface (D.4.3 step 5). now selects the
// key by its lifetimes. Bytes after Length are dropped first.
func (a AuthConfig) Sign(pkt []byte, seq uint32, now time.Time) ([]byte, error) {
	var k Key
	if a.Type == packet.AuthCrypto {
		var ok bool
		if k, ok = a.SendKey(now); !ok {
			return pkt, fmt.Errorf("%w: no key valid for sending at %v", ErrAuthKeyID, now)
		}
	}
	return packet.Sign(pkt, a.Type, a.Password, k.cryptoKey(), seq)
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
// ready for Packet.Decode. Errors wrap ErrChecksum or the ErrAuth
// family, or the header errors of ParseHeader.
func (a AuthConfig) Verify(pkt []byte, rs *ReplayState, now time.Time) ([]byte, error) {
	var h packet.Header
	if err := h.Decode(pkt); err != nil {
		return nil, err
	}
	if h.AuType != a.Type {
		return nil, fmt.Errorf("%w: packet has %v, interface expects %v", packet.ErrAuthType, h.AuType, a.Type)
	}
	body := pkt[:h.Length]
	switch a.Type {
	case packet.AuthNull:
		if err := packet.VerifyPacketChecksum(body); err != nil {
			return nil, err
		}
		return body, nil
	case packet.AuthSimple:
		if err := packet.VerifyPassword(pkt, h, a.Password); err != nil {
			return nil, err
		}
		return body, nil
	}
	c := h.Crypto()
	k, ok := a.acceptKey(c.KeyID, now)
	if !ok {
		return nil, fmt.Errorf("%w: key ID %d", ErrAuthKeyID, c.KeyID)
	}
	ck := k.cryptoKey()
	if err := packet.CheckDigestLength(pkt, h, ck); err != nil {
		return nil, err
	}
	if rs != nil && rs.Seen {
		if c.Seq < rs.Seq || (a.Replay == ReplayStrict && c.Seq == rs.Seq) {
			return nil, fmt.Errorf("%w: sequence %d after %d (%v)", ErrReplay, c.Seq, rs.Seq, a.Replay)
		}
	}
	if err := packet.VerifyDigest(pkt, h, ck); err != nil {
		return nil, err
	}
	if rs != nil {
		rs.Seq, rs.Seen = c.Seq, true
	}
	return body, nil
}

package ospf

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"hash"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/ospf/packet"
)

func goldenOf(t *testing.T, link string, typ packet.PacketType) []byte {
	t.Helper()
	for _, g := range loadGoldens(t) {
		if g.link == link && g.data[1] == byte(typ) {
			return g.data
		}
	}
	t.Fatalf("no %v golden on %s", typ, link)
	return nil
}

// TestVerify_D_5_3 is the table of authentication failures on real
// packets: FRR's keyed MD5 and BIRD's HMAC-SHA-256.
func TestVerify_D_5_3(t *testing.T) {
	md5Pkt := goldenOf(t, "frr-area1-md5", packet.TypeLSUpdate)
	shaPkt := goldenOf(t, "bird-hmac-sha256", packet.TypeLSUpdate)
	seqOf := func(p []byte) uint32 { return binary.BigEndian.Uint32(p[20:]) }
	withKey := func(a AuthConfig, f func(*Key)) AuthConfig {
		a.Keys = append([]Key(nil), a.Keys...)
		f(&a.Keys[0])
		return a
	}
	tamper := func(p []byte, i int) []byte { c := bytes.Clone(p); c[i] ^= 1; return c }
	for _, pk := range []struct {
		name string
		pkt  []byte
		auth AuthConfig
	}{{"md5", md5Pkt, goldenAuth("frr-area1-md5")}, {"hmac-sha256", shaPkt, goldenAuth("bird-hmac-sha256")}} {
		seq := seqOf(pk.pkt)
		n := int(binary.BigEndian.Uint16(pk.pkt[2:]))
		for _, c := range []struct {
			name string
			auth AuthConfig
			pkt  []byte
			rs   ReplayState
			want error
		}{
			{"good, first packet from the neighbor", pk.auth, pk.pkt, ReplayState{}, nil},
			{"good, sequence increased", pk.auth, pk.pkt, ReplayState{Seq: seq - 1, Seen: true}, nil},
			{"tolerant accepts an equal sequence number", pk.auth, pk.pkt, ReplayState{Seq: seq, Seen: true}, nil},
			{"strict drops an equal sequence number", func() AuthConfig { a := pk.auth; a.Replay = ReplayStrict; return a }(), pk.pkt, ReplayState{Seq: seq, Seen: true}, ErrReplay},
			{"replayed: sequence went backwards", pk.auth, pk.pkt, ReplayState{Seq: seq + 1, Seen: true}, ErrReplay},
			{"wrong key", withKey(pk.auth, func(k *Key) { k.Secret = []byte("not-the-key") }), pk.pkt, ReplayState{}, packet.ErrAuthMismatch},
			{"wrong key ID", withKey(pk.auth, func(k *Key) { k.ID++ }), pk.pkt, ReplayState{}, ErrAuthKeyID},
			{"key outside its accept lifetime", withKey(pk.auth, func(k *Key) { k.AcceptStart = goldenTime.Add(time.Hour) }), pk.pkt, ReplayState{}, ErrAuthKeyID},
			{"auth data length of another algorithm", withKey(pk.auth, func(k *Key) { k.Algorithm = packet.AlgHMACSHA512 }), pk.pkt, ReplayState{}, packet.ErrAuthLength},
			{"truncated digest", pk.auth, pk.pkt[:len(pk.pkt)-1], ReplayState{}, packet.ErrAuthLength},
			{"digest missing", pk.auth, pk.pkt[:n], ReplayState{}, packet.ErrAuthLength},
			{"body tampered", pk.auth, tamper(pk.pkt, n-1), ReplayState{}, packet.ErrAuthMismatch},
			{"sequence number tampered", pk.auth, tamper(pk.pkt, 23), ReplayState{}, packet.ErrAuthMismatch},
			{"digest tampered", pk.auth, tamper(pk.pkt, len(pk.pkt)-1), ReplayState{}, packet.ErrAuthMismatch},
			{"interface expects null", AuthConfig{}, pk.pkt, ReplayState{}, packet.ErrAuthType},
			{"interface expects simple", AuthConfig{Type: packet.AuthSimple, Password: "x"}, pk.pkt, ReplayState{}, packet.ErrAuthType},
			{"not OSPF", pk.auth, tamper(pk.pkt, 0), ReplayState{}, packet.ErrVersion},
		} {
			t.Run(pk.name+"/"+c.name, func(t *testing.T) {
				rs := c.rs
				body, err := c.auth.Verify(c.pkt, &rs, goldenTime)
				if !errors.Is(err, c.want) {
					t.Fatalf("error %v, want %v", err, c.want)
				}
				if c.want != nil {
					if c.want != packet.ErrVersion && !errors.Is(err, packet.ErrAuth) {
						t.Errorf("%v does not wrap ErrAuth", err)
					}
					if rs != c.rs {
						t.Errorf("failed verification changed the replay state: %+v -> %+v", c.rs, rs)
					}
					return
				}
				if len(body) != n || (rs != ReplayState{Seq: seq, Seen: true}) {
					t.Errorf("body %d bytes (want %d), replay state %+v", len(body), n, rs)
				}
			})
		}
	}
}

func TestVerifySimpleAndNull_D_5(t *testing.T) {
	p := sampleHello(1)
	b, _ := p.AppendBinary(nil)
	simple := AuthConfig{Type: packet.AuthSimple, Password: "12345678"}
	signed, err := simple.Sign(bytes.Clone(b), 0, goldenTime)
	if err != nil {
		t.Fatal(err)
	}
	if string(signed[16:24]) != "12345678" || binary.BigEndian.Uint16(signed[14:]) != uint16(packet.AuthSimple) {
		t.Fatalf("simple auth field %q AuType %d", signed[16:24], binary.BigEndian.Uint16(signed[14:]))
	}
	if _, err := simple.Verify(signed, nil, goldenTime); err != nil {
		t.Errorf("good password: %v", err)
	}
	if _, err := (AuthConfig{Type: packet.AuthSimple, Password: "1234567"}).Verify(signed, nil, goldenTime); !errors.Is(err, packet.ErrAuthMismatch) {
		t.Errorf("wrong password: %v", err)
	}
	bad := bytes.Clone(signed)
	bad[30] ^= 1
	if _, err := simple.Verify(bad, nil, goldenTime); !errors.Is(err, packet.ErrChecksum) {
		t.Errorf("simple, corrupted: %v", err)
	}
	null, err := AuthConfig{}.Sign(bytes.Clone(signed), 0, goldenTime)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(null[16:24], make([]byte, 8)) || !bytes.Equal(null, b) {
		t.Errorf("null signing did not restore the plain packet")
	}
	if _, err := (AuthConfig{}).Verify(null, nil, goldenTime); err != nil {
		t.Errorf("null: %v", err)
	}
	null[30] ^= 1
	if _, err := (AuthConfig{}).Verify(null, nil, goldenTime); !errors.Is(err, packet.ErrChecksum) {
		t.Errorf("null, corrupted: %v", err)
	}
	if _, err := simple.Verify(b, nil, goldenTime); !errors.Is(err, packet.ErrAuthType) {
		t.Errorf("null packet on a simple interface: %v", err)
	}
}

// refHMAC is HMAC written out from RFC 2104 with the key preparation of
// RFC 5709 3.3, independent of crypto/hmac and of digest().
func refHMAC(newHash func() hash.Hash, key, text []byte) []byte {
	h := newHash()
	l, blk := h.Size(), h.BlockSize()
	if len(key) > l {
		h.Write(key)
		key = h.Sum(nil)
	}
	ko := make([]byte, blk)
	copy(ko, key)
	inner, outer := newHash(), newHash()
	for i := range ko {
		inner.Write([]byte{ko[i] ^ 0x36})
		outer.Write([]byte{ko[i] ^ 0x5c})
	}
	inner.Write(text)
	for i := 0; i < l; i += 4 {
		inner.Write([]byte{0x87, 0x8f, 0xe1, 0xf3}) // Apad
	}
	outer.Write(inner.Sum(nil))
	return outer.Sum(nil)
}

// TestSign_RFC5709 checks the digests Sign appends against an independent
// rendering of RFC 2328 D.4.3 (MD5) and RFC 5709 3.3 (HMAC-SHA), with keys
// shorter than, equal to and longer than the digest and the hash block.
func TestSign_RFC5709(t *testing.T) {
	p := sampleDD(2)
	plain, _ := p.AppendBinary(nil)
	n := len(plain)
	for _, c := range []struct {
		alg packet.Algorithm
		h   func() hash.Hash
	}{{packet.AlgHMACSHA1, sha1.New}, {packet.AlgHMACSHA256, sha256.New}, {packet.AlgHMACSHA384, sha512.New384}, {packet.AlgHMACSHA512, sha512.New}, {packet.AlgMD5, nil}} {
		lens := []int{1, c.alg.Size() - 1, c.alg.Size(), c.alg.Size() + 1, 200}
		if c.alg == packet.AlgMD5 {
			lens = []int{1, 15, 16}
		}
		for _, kl := range lens {
			key := bytes.Repeat([]byte{0xa5}, kl)
			a := AuthConfig{Type: packet.AuthCrypto, Keys: []Key{{ID: 42, Algorithm: c.alg, Secret: key}}}
			out, err := a.Sign(bytes.Clone(plain), 0x01020304, goldenTime)
			if err != nil {
				t.Fatal(err)
			}
			l := c.alg.Size()
			if len(out) != n+l || out[18] != 42 || int(out[19]) != l || binary.BigEndian.Uint32(out[20:]) != 0x01020304 ||
				binary.BigEndian.Uint16(out[12:]) != 0 || binary.BigEndian.Uint16(out[14:]) != uint16(packet.AuthCrypto) {
				t.Fatalf("%v: header or length wrong: %x", c.alg, out[:24])
			}
			var want []byte
			if c.alg == packet.AlgMD5 {
				k16 := make([]byte, 16)
				copy(k16, key)
				s := md5.Sum(append(bytes.Clone(out[:n]), k16...))
				want = s[:]
			} else {
				want = refHMAC(c.h, key, out[:n])
			}
			if !bytes.Equal(out[n:], want) {
				t.Errorf("%v key of %d bytes: digest %x, reference %x", c.alg, kl, out[n:], want)
			}
			if _, err := a.Verify(out, nil, goldenTime); err != nil {
				t.Errorf("%v key of %d bytes: own packet does not verify: %v", c.alg, kl, err)
			}
		}
	}
}

// TestKeyLifetimes_D_3: the sending key is the valid one that started
// last; after every key expired the last to expire keeps signing; accept
// lifetimes gate verification.
func TestKeyLifetimes_D_3(t *testing.T) {
	t0 := goldenTime
	a := AuthConfig{Type: packet.AuthCrypto, Keys: []Key{
		{ID: 1, Secret: []byte("one"), SendStop: t0.Add(2 * time.Hour), AcceptStop: t0.Add(3 * time.Hour)},
		{ID: 2, Secret: []byte("two"), SendStart: t0.Add(time.Hour), SendStop: t0.Add(4 * time.Hour), AcceptStart: t0.Add(30 * time.Minute), AcceptStop: t0.Add(5 * time.Hour)},
		{ID: 3, Secret: []byte("three"), SendStart: t0.Add(10 * time.Hour)},
	}}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Duration
		want uint8
	}{{0, 1}, {90 * time.Minute, 2}, {3 * time.Hour, 2}, {5 * time.Hour, 2}, {11 * time.Hour, 3}} {
		k, ok := a.SendKey(t0.Add(c.at))
		if !ok || k.ID != c.want {
			t.Errorf("at +%v: send key %d (%v), want %d", c.at, k.ID, ok, c.want)
		}
	}
	if _, ok := (AuthConfig{Keys: []Key{{ID: 1, Secret: []byte("x"), SendStart: t0.Add(time.Hour)}}}).SendKey(t0); ok {
		t.Error("a key not yet valid signed")
	}
	plain, _ := (&packet.Packet{Header: sampleHeader(packet.TypeLSAck)}).AppendBinary(nil)
	signed2, err := a.Sign(bytes.Clone(plain), 1, t0.Add(90*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		at   time.Duration
		want error
	}{{0, ErrAuthKeyID}, {time.Hour, nil}, {6 * time.Hour, ErrAuthKeyID /* key 3 is valid, key 2 is not */}} {
		if _, err := a.Verify(signed2, nil, t0.Add(c.at)); !errors.Is(err, c.want) {
			t.Errorf("key 2 packet at +%v: %v, want %v", c.at, err, c.want)
		}
	}
	// Without key 3 nothing is valid at +6h: the last key to expire (2)
	// is still accepted, as it is still used for sending.
	a.Keys = a.Keys[:2]
	if _, err := a.Verify(signed2, nil, t0.Add(6*time.Hour)); err != nil {
		t.Errorf("last expired key rejected: %v", err)
	}
	if k, _ := a.SendKey(t0.Add(6 * time.Hour)); k.ID != 2 {
		t.Errorf("last expired key does not sign: key %d", k.ID)
	}
	if _, err := (AuthConfig{Type: packet.AuthCrypto, Keys: []Key{{ID: 1, Secret: []byte("x"), SendStart: t0.Add(time.Hour)}}}).Sign(bytes.Clone(plain), 1, t0); !errors.Is(err, ErrAuthKeyID) {
		t.Errorf("sign without a usable key: %v", err)
	}
}

func TestAuthValidate(t *testing.T) {
	k := func(f func(*Key)) []Key {
		k := Key{ID: 1, Algorithm: packet.AlgHMACSHA256, Secret: []byte("s")}
		f(&k)
		return []Key{k}
	}
	for _, c := range []struct {
		a     AuthConfig
		field string
	}{
		{AuthConfig{}, ""},
		{AuthConfig{Type: packet.AuthSimple, Password: "12345678"}, ""},
		{AuthConfig{Type: packet.AuthCrypto, Keys: k(func(*Key) {})}, ""},
		{AuthConfig{Type: 3}, "Type"},
		{AuthConfig{Type: packet.AuthSimple, Password: "123456789"}, "Password"},
		{AuthConfig{Type: packet.AuthCrypto}, "Keys"},
		{AuthConfig{Type: packet.AuthCrypto, Keys: append(k(func(*Key) {}), k(func(*Key) {})...)}, "Keys[1].ID"},
		{AuthConfig{Type: packet.AuthCrypto, Keys: k(func(k *Key) { k.Algorithm = 9 })}, "Keys[0].Algorithm"},
		{AuthConfig{Type: packet.AuthCrypto, Keys: k(func(k *Key) { k.Secret = nil })}, "Keys[0].Secret"},
		{AuthConfig{Type: packet.AuthCrypto, Keys: k(func(k *Key) { k.Algorithm = packet.AlgMD5; k.Secret = make([]byte, 17) })}, "Keys[0].Secret"},
		{AuthConfig{Type: packet.AuthCrypto, Keys: k(func(k *Key) { k.SendStart = goldenTime; k.SendStop = goldenTime.Add(-1) })}, "Keys[0].SendStop"},
		{AuthConfig{Type: packet.AuthCrypto, Keys: k(func(k *Key) { k.AcceptStart = goldenTime; k.AcceptStop = goldenTime.Add(-1) })}, "Keys[0].AcceptStop"},
		{AuthConfig{Replay: 7}, "Replay"},
	} {
		err := c.a.Validate()
		if c.field == "" {
			if err != nil {
				t.Errorf("%+v: %v", c.a, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), c.field+":") {
			t.Errorf("%+v: error %v, want one naming %s", c.a, err, c.field)
		}
	}
}

func TestSignErrors(t *testing.T) {
	a := AuthConfig{}
	if _, err := a.Sign(make([]byte, 10), 0, goldenTime); !errors.Is(err, packet.ErrShort) {
		t.Errorf("short: %v", err)
	}
	b := make([]byte, 30)
	binary.BigEndian.PutUint16(b[2:], 40)
	if _, err := a.Sign(b, 0, goldenTime); !errors.Is(err, packet.ErrLength) {
		t.Errorf("length beyond buffer: %v", err)
	}
	// Bytes after the packet (an old digest) are replaced, not kept.
	hp := sampleHello(0)
	p, _ := hp.AppendBinary(nil)
	md := AuthConfig{Type: packet.AuthCrypto, Keys: []Key{{ID: 1, Secret: []byte("k")}}}
	once, _ := md.Sign(bytes.Clone(p), 5, goldenTime)
	twice, _ := md.Sign(bytes.Clone(once), 5, goldenTime)
	if !bytes.Equal(once, twice) {
		t.Error("signing a signed packet appended a second digest")
	}
}

func TestReplayModeString(t *testing.T) {
	if got := ReplayStrict.String(); got != "strict" {
		t.Errorf("got %q, want %q", got, "strict")
	}
}

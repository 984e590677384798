package packet

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var (
	md5Key  = []byte("sixteen-byte-key")
	sha1Key = []byte("twenty-bytes-secret!")
)

// samples are Control packets of every state, bit and auth type.
func samples() []Control {
	base := Control{Diag: DiagControlDetectExpired, State: StateUp, DetectMult: 3,
		MyDiscriminator: 0x01020304, YourDiscriminator: 0xa0b0c0d0,
		DesiredMinTx: 50 * time.Millisecond, RequiredMinRx: 10 * time.Millisecond}
	var out []Control
	for _, st := range []State{StateAdminDown, StateDown, StateInit, StateUp} {
		c := base
		c.State = st
		out = append(out, c)
	}
	poll := base
	poll.Poll = true
	final := base
	final.Final, final.ControlPlaneIndependent, final.Demand = true, true, true
	final.Diag = DiagReverseConcatPathDown
	final.RequiredMinEchoRx = time.Second
	out = append(out, poll, final)
	simple := base
	simple.Auth = Auth{Type: AuthSimplePassword, KeyID: 7, Password: []byte("secret")}
	out = append(out, simple)
	for _, typ := range []AuthType{AuthKeyedMD5, AuthMeticulousKeyedMD5, AuthKeyedSHA1, AuthMeticulousKeyedSHA1} {
		c := base
		c.Auth = Auth{Type: typ, KeyID: 2, Sequence: 0xfffffffe}
		out = append(out, c)
	}
	return out
}

func keyFor(t AuthType) []byte {
	switch t {
	case AuthSimplePassword:
		return []byte("secret")
	case AuthKeyedMD5, AuthMeticulousKeyedMD5:
		return md5Key
	case AuthKeyedSHA1, AuthMeticulousKeyedSHA1:
		return sha1Key
	}
	return nil
}

func encode(t testing.TB, c Control) []byte {
	t.Helper()
	b, err := c.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Auth.Type.Keyed() {
		if err := Sign(b, keyFor(c.Auth.Type)); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// §4.1: what AppendBinary writes, Parse reads back, field for field, and
// the Length field is the packet's size.
func Test4_1_RoundTrip(t *testing.T) {
	for i, c := range samples() {
		b := encode(t, c)
		if int(b[3]) != len(b) || len(b) != c.Len() {
			t.Fatalf("sample %d: Length %d, %d bytes, Len %d", i, b[3], len(b), c.Len())
		}
		got, err := Parse(b)
		if err != nil {
			t.Fatalf("sample %d: %v", i, err)
		}
		c.Version = Version
		if c.Auth.Type.Keyed() {
			c.Auth.Digest = got.Auth.Digest
		}
		if c.Auth.Type == AuthNone {
			got.Auth.Password, got.Auth.Digest = nil, nil
		} else if c.Auth.Type == AuthSimplePassword {
			got.Auth.Digest = nil
		} else {
			got.Auth.Password = nil
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("sample %d:\n got %+v\nwant %+v", i, got, c)
		}
	}
}

// gopacket's BFD layer, an independent decoder, reads every field of
// what we send as we meant it.
func TestGopacketOracle(t *testing.T) {
	for i, c := range samples() {
		b := encode(t, c)
		var l layers.BFD
		if err := l.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
			t.Fatalf("sample %d: gopacket: %v", i, err)
		}
		if l.Version != 1 || uint8(l.Diagnostic) != uint8(c.Diag) || uint8(l.State) != uint8(c.State) ||
			l.Poll != c.Poll || l.Final != c.Final || l.ControlPlaneIndependent != c.ControlPlaneIndependent ||
			l.Demand != c.Demand || l.Multipoint != c.Multipoint || l.AuthPresent != (c.Auth.Type != AuthNone) ||
			uint8(l.DetectMultiplier) != c.DetectMult || uint32(l.MyDiscriminator) != c.MyDiscriminator ||
			uint32(l.YourDiscriminator) != c.YourDiscriminator ||
			time.Duration(l.DesiredMinTxInterval)*time.Microsecond != c.DesiredMinTx ||
			time.Duration(l.RequiredMinRxInterval)*time.Microsecond != c.RequiredMinRx ||
			time.Duration(l.RequiredMinEchoRxInterval)*time.Microsecond != c.RequiredMinEchoRx {
			t.Errorf("sample %d: gopacket reads %+v, we sent %+v", i, l, c)
		}
		if c.Auth.Type != AuthNone {
			h := l.AuthHeader
			if h == nil || uint8(h.AuthType) != uint8(c.Auth.Type) || uint8(h.KeyID) != c.Auth.KeyID ||
				(c.Auth.Type.Keyed() && uint32(h.SequenceNumber) != c.Auth.Sequence) ||
				(c.Auth.Type == AuthSimplePassword && !bytes.Equal(h.Data, c.Auth.Password)) {
				t.Errorf("sample %d: gopacket auth %+v, we sent %+v", i, h, c.Auth)
			}
		}
	}
}

// §6.8.6 and §4: the structural discards.
func Test6_8_6_DecodeErrors(t *testing.T) {
	good := encode(t, samples()[3])
	auth := encode(t, samples()[6])
	sha := encode(t, samples()[len(samples())-1])
	mod := func(b []byte, f func(b []byte) []byte) []byte { return f(bytes.Clone(b)) }
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"23 bytes", good[:23], ErrTruncated},
		{"version 0", mod(good, func(b []byte) []byte { b[0] &^= 0xe0; return b }), ErrVersion},
		{"version 2", mod(good, func(b []byte) []byte { b[0] = 2<<5 | b[0]&0x1f; return b }), ErrVersion},
		{"Length 23", mod(good, func(b []byte) []byte { b[3] = 23; return b }), ErrLength},
		{"Length beyond payload", mod(good, func(b []byte) []byte { b[3] = 30; return b }), ErrTruncated},
		{"Length 25 with A", mod(auth, func(b []byte) []byte { b[3] = 25; return b[:25] }), ErrLength},
		{"Length 28 without A", mod(good, func(b []byte) []byte { b[3] = 28; return append(b, 0, 0, 0, 0) }), ErrLength},
		{"Auth Len too long", mod(auth, func(b []byte) []byte { b[25]++; return b }), ErrLength},
		{"password empty", mod(auth, func(b []byte) []byte { b[25], b[3] = 3, 27; return b[:27] }), ErrLength},
		{"SHA1 Auth Len 24", mod(sha, func(b []byte) []byte { b[25], b[3] = 24, 48; return b[:48] }), ErrLength},
		{"auth type 6", mod(auth, func(b []byte) []byte { b[24] = 6; return b }), ErrInvalid},
		{"auth type 0", mod(auth, func(b []byte) []byte { b[24] = 0; return b }), ErrInvalid},
	} {
		if _, err := Parse(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// Bytes after Length are padding, not an error (§6.8.6 only checks
	// that Length fits the payload).
	if _, err := Parse(append(bytes.Clone(good), 0, 0)); err != nil {
		t.Errorf("padding: %v", err)
	}
}

// §6.8.6: the field rules Check applies.
func Test6_8_6_Check(t *testing.T) {
	ok := samples()[3]
	if err := ok.Check(); err != nil {
		t.Fatal(err)
	}
	down := ok
	down.State, down.YourDiscriminator = StateDown, 0
	if err := down.Check(); err != nil {
		t.Errorf("Down with Your Discriminator 0: %v", err)
	}
	for name, f := range map[string]func(c *Control){
		"Detect Mult 0":            func(c *Control) { c.DetectMult = 0 },
		"Multipoint":               func(c *Control) { c.Multipoint = true },
		"My Discriminator 0":       func(c *Control) { c.MyDiscriminator = 0 },
		"Your Discriminator 0, Up": func(c *Control) { c.YourDiscriminator = 0 },
		"Your Discriminator 0, Init": func(c *Control) {
			c.YourDiscriminator, c.State = 0, StateInit
		},
	} {
		c := ok
		f(&c)
		if err := c.Check(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// §6.7.2–6.7.4: the right key verifies; a wrong key, a wrong key ID, a
// wrong type or a single changed bit anywhere fails.
func Test6_7_SignVerify(t *testing.T) {
	for _, c := range samples()[6:] {
		typ := c.Auth.Type
		b := encode(t, c)
		key := keyFor(typ)
		if err := Verify(b, typ, c.Auth.KeyID, key); err != nil {
			t.Fatalf("%v: %v", typ, err)
		}
		orig := bytes.Clone(b)
		if err := Verify(b, typ, c.Auth.KeyID, []byte("wrong")); !errors.Is(err, ErrAuth) {
			t.Errorf("%v wrong key: %v", typ, err)
		}
		if !bytes.Equal(b, orig) {
			t.Errorf("%v: Verify changed the packet", typ)
		}
		if err := Verify(b, typ, c.Auth.KeyID+1, key); !errors.Is(err, ErrAuth) {
			t.Errorf("%v wrong key ID: %v", typ, err)
		}
		other := AuthKeyedSHA1
		if typ == other {
			other = AuthKeyedMD5
		}
		if err := Verify(b, other, c.Auth.KeyID, key); !errors.Is(err, ErrAuth) {
			t.Errorf("%v as %v: %v", typ, other, err)
		}
		if !typ.Keyed() {
			continue
		}
		for i := range len(b) * 8 {
			x := bytes.Clone(b)
			x[i/8] ^= 1 << (i % 8)
			if i/8 == 3 || i/8 == 1 && i%8 == 2 || i/8 == 25 || i/8 == 24 || i/8 == 26 {
				continue // Length, the A bit, Auth Len, Type, Key ID: layout errors, tested above
			}
			if err := Verify(x, typ, c.Auth.KeyID, key); err == nil {
				t.Fatalf("%v: bit %d flipped and still verified", typ, i)
			}
		}
	}
	// An unsigned packet does not verify.
	if err := Verify(encode(t, samples()[0]), AuthKeyedSHA1, 1, sha1Key); !errors.Is(err, ErrAuth) {
		t.Errorf("no auth section: %v", err)
	}
}

// The digest is the RFC's construction (§6.7.3, §6.7.4): the hash of
// the packet with the zero-padded key in the digest field, computed here
// independently.
func Test6_7_3_DigestConstruction(t *testing.T) {
	c := samples()[7] // keyed MD5
	b, _ := c.AppendBinary(nil)
	short := []byte("short")
	if err := Sign(b, short); err != nil {
		t.Fatal(err)
	}
	x := bytes.Clone(b)
	field := x[32:48]
	clear(field)
	copy(field, short)
	want := md5sum(x)
	if !bytes.Equal(b[32:48], want[:]) {
		t.Errorf("digest %x, want %x", b[32:48], want)
	}
}

func TestAppendBinaryErrors(t *testing.T) {
	for name, c := range map[string]Control{
		"diag 32":       {Diag: 32, DetectMult: 3},
		"state 4":       {State: 4},
		"long password": {Auth: Auth{Type: AuthSimplePassword, Password: make([]byte, 17)}},
		"no password":   {Auth: Auth{Type: AuthSimplePassword}},
		"short digest":  {Auth: Auth{Type: AuthKeyedSHA1, Digest: make([]byte, 16)}},
		"auth type 9":   {Auth: Auth{Type: 9}},
		"huge interval": {DesiredMinTx: 2 * time.Hour},
	} {
		if _, err := c.AppendBinary(nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestNames(t *testing.T) {
	if StateUp.String() != "Up" || DiagAdminDown.String() != "administratively-down" || State(9).String() != "State(9)" {
		t.Error("names")
	}
	for a := AuthNone; a <= AuthMeticulousKeyedSHA1; a++ {
		var b AuthType
		if err := b.UnmarshalText([]byte(a.String())); err != nil || b != a {
			t.Errorf("%v: %v %v", a, b, err)
		}
	}
	if _, err := ParseAuthType("sha256"); err == nil {
		t.Error("sha256 parsed")
	}
}

// Decode into a reused value allocates nothing.
func TestDecodeAllocs(t *testing.T) {
	b := encode(t, samples()[len(samples())-1])
	var c Control
	if n := testing.AllocsPerRun(100, func() { _ = c.Decode(b) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

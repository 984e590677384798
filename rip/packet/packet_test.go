package packet

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ip(s string) netip.Addr    { return netip.MustParseAddr(s) }

// cmpOpts compares netip values by their value.
var cmpOpts = cmp.Options{cmp.Comparer(func(a, b netip.Addr) bool { return a == b })}

func response(n int) Message {
	m := Message{Command: Response, Version: 2}
	for i := range n {
		m.Entries = append(m.Entries, RouteEntry(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i), 0, 0}), 16), ip("192.0.2.1"), uint32(1+i%15), uint16(i)))
	}
	return m
}

// samples are the messages the tests, the fuzz corpus and tshark use.
func samples() []Message {
	pw, _ := Password("secret")
	return []Message{
		{Command: Request, Version: 2, Entries: []Entry{{Family: 0, Metric: Infinity, Addr: ip("0.0.0.0"), Mask: ip("0.0.0.0"), NextHop: ip("0.0.0.0")}}},
		{Command: Request, Version: 2, Entries: []Entry{RouteEntry(pfx("10.1.0.0/16"), netip.Addr{}, 0, 0)}},
		response(1),
		response(25),
		{Command: Response, Version: 1, Entries: []Entry{{Family: FamilyInet, Addr: ip("10.0.0.0"), Mask: ip("0.0.0.0"), NextHop: ip("0.0.0.0"), Metric: 3}}},
		{Command: Response, Version: 2, Auth: Auth{Type: AuthPassword, Password: pw}, Entries: response(24).Entries},
	}
}

// §4: a message survives encode and decode unchanged.
func Test4_RoundTrip(t *testing.T) {
	for i, m := range samples() {
		b, err := m.AppendBinary(nil)
		if err != nil {
			t.Fatalf("sample %d: %v", i, err)
		}
		if len(b) != m.Len() || len(b) > MaxLen {
			t.Fatalf("sample %d: %d bytes, Len %d", i, len(b), m.Len())
		}
		got, err := Parse(b)
		if err != nil {
			t.Fatalf("sample %d: %v", i, err)
		}
		want := m
		for j := range want.Entries { // the zero Addr encodes as 0.0.0.0
			e := &want.Entries[j]
			for _, a := range []*netip.Addr{&e.Addr, &e.Mask, &e.NextHop} {
				if !a.IsValid() {
					*a = netip.AddrFrom4([4]byte{})
				}
			}
		}
		if d := cmp.Diff(want, got, cmpOpts); d != "" {
			t.Errorf("sample %d (-want +got):\n%s", i, d)
		}
	}
}

func Test4_EntryPrefix(t *testing.T) {
	e := RouteEntry(pfx("10.1.2.0/24"), netip.Addr{}, 1, 0)
	if p, ok := e.Prefix(); !ok || p != pfx("10.1.2.0/24") {
		t.Fatalf("Prefix = %v %v", p, ok)
	}
	e.Mask = ip("255.0.255.0")
	if _, ok := e.Prefix(); ok {
		t.Fatal("non-contiguous mask accepted")
	}
	e.Mask = ip("255.255.0.0")
	if _, ok := e.Prefix(); ok {
		t.Fatal("host bits beyond the mask accepted")
	}
	for _, n := range []int{0, 1, 8, 31, 32} {
		if got, ok := MaskBits(maskAddr(n)); !ok || got != n {
			t.Errorf("MaskBits(/%d) = %d %v", n, got, ok)
		}
	}
}

// Bad input is rejected with the sentinel that says why, never a panic.
func Test4_BadInput(t *testing.T) {
	good, _ := response(2).AppendBinary(nil)
	big := response(25)
	big.Entries = append(big.Entries, big.Entries[0])
	tooMany := func() []byte {
		b := []byte{2, 2, 0, 0}
		for range 26 {
			b = append(b, make([]byte, 20)...)
		}
		return b
	}()
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrShort},
		{"header only short", good[:3], ErrShort},
		{"partial entry", good[:len(good)-1], ErrLength},
		{"command 0", append([]byte{0}, good[1:]...), ErrCommand},
		{"command 5", append([]byte{5}, good[1:]...), ErrCommand},
		{"version 0", append([]byte{2, 0}, good[2:]...), ErrVersion},
		{"26 entries", tooMany, ErrTooManyEntries},
		{"unknown auth type", append([]byte{2, 2, 0, 0, 0xff, 0xff, 0, 9}, make([]byte, 16)...), ErrAuthType},
		{"crypto without trailer", append([]byte{2, 2, 0, 0, 0xff, 0xff, 0, 3, 0, 24, 1, 20}, make([]byte, 12)...), ErrShort},
		{"crypto bad length", append([]byte{2, 2, 0, 0, 0xff, 0xff, 0, 3, 0, 25, 1, 20}, make([]byte, 40)...), ErrLength},
		{"crypto bad trailer", append([]byte{2, 2, 0, 0, 0xff, 0xff, 0, 3, 0, 24, 1, 20}, make([]byte, 32)...), ErrMalformed},
	} {
		if _, err := Parse(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := big.AppendBinary(nil); !errors.Is(err, ErrTooManyEntries) {
		t.Errorf("encode 26 entries: %v", err)
	}
	bad := response(1)
	bad.Entries[0].NextHop = ip("2001:db8::1")
	if _, err := bad.AppendBinary(nil); !errors.Is(err, ErrEncode) {
		t.Errorf("encode IPv6 next hop: %v", err)
	}
	if _, err := Password("seventeen bytes!!"); !errors.Is(err, ErrEncode) {
		t.Errorf("17-byte password: %v", err)
	}
}

func Test3_9_1_WholeTableRequest(t *testing.T) {
	s := samples()
	if !s[0].WholeTable() || s[1].WholeTable() || s[2].WholeTable() {
		t.Fatal("WholeTable misclassifies")
	}
}

func signed(t testing.TB, m Message, k Key, seq uint32) []byte {
	m.Auth = k.Auth(seq)
	b, err := m.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Sign(b, k); err != nil {
		t.Fatal(err)
	}
	return b
}

func keys() []Key {
	return []Key{
		{ID: 1, Algorithm: AlgMD5, Secret: []byte("md5key")},
		{ID: 2, Algorithm: AlgHMACSHA1, Secret: []byte("k")},
		{ID: 3, Algorithm: AlgHMACSHA256, Secret: []byte("sha256key")},
		{ID: 4, Algorithm: AlgHMACSHA384, Secret: []byte("k")},
		{ID: 5, Algorithm: AlgHMACSHA512, Secret: bytes.Repeat([]byte("long"), 40)},
	}
}

// RFC 4822: every algorithm signs and verifies; a changed byte, another
// key, another key ID is rejected.
func TestRFC4822_SignVerify(t *testing.T) {
	for _, k := range keys() {
		b := signed(t, response(3), k, 7)
		m, err := Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", k.Algorithm, err)
		}
		if m.Auth.Type != AuthCrypto || m.Auth.KeyID != k.ID || m.Auth.Seq != 7 || len(m.Auth.Data) != k.Algorithm.Size() || int(m.Auth.DataLen) != k.Algorithm.Size()+4 || len(m.Entries) != 3 {
			t.Fatalf("%s: decoded %+v", k.Algorithm, m.Auth)
		}
		orig := bytes.Clone(b)
		if err := Verify(b, k); err != nil {
			t.Fatalf("%s: Verify: %v", k.Algorithm, err)
		}
		if !bytes.Equal(b, orig) {
			t.Fatalf("%s: Verify did not restore the message", k.Algorithm)
		}
		b[30] ^= 1
		if err := Verify(b, k); !errors.Is(err, ErrAuthMismatch) {
			t.Errorf("%s: tampered: %v", k.Algorithm, err)
		}
		b[30] ^= 1
		other := k
		other.Secret = []byte("wrong")
		if err := Verify(b, other); !errors.Is(err, ErrAuthMismatch) {
			t.Errorf("%s: wrong secret: %v", k.Algorithm, err)
		}
		other = k
		other.ID++
		if err := Verify(b, other); !errors.Is(err, ErrAuthKeyID) {
			t.Errorf("%s: wrong key ID: %v", k.Algorithm, err)
		}
		other = k
		other.Algorithm = k.Algorithm%5 + 1
		if err := Verify(b, other); !errors.Is(err, ErrAuthLength) {
			t.Errorf("%s: wrong algorithm: %v", k.Algorithm, err)
		}
	}
}

// RFC 2082 keyed MD5 and RFC 4822 §2.5 HMAC, computed here independently.
func TestRFC4822_DigestDefinition(t *testing.T) {
	k := Key{ID: 1, Algorithm: AlgMD5, Secret: []byte("md5key")}
	b := signed(t, response(2), k, 1)
	n := len(b) - 16
	in := append(bytes.Clone(b[:n]), make([]byte, 16)...)
	copy(in[n:], "md5key")
	if s := md5.Sum(in); !bytes.Equal(s[:], b[n:]) {
		t.Fatal("keyed MD5 is not MD5(packet, trailer header, padded key)")
	}
	k = Key{ID: 3, Algorithm: AlgHMACSHA256, Secret: []byte("sha256key")}
	b = signed(t, response(2), k, 1)
	n = len(b) - 32
	in = bytes.Clone(b)
	for i := n; i < len(in); i += 4 {
		copy(in[i:], []byte{0x87, 0x8f, 0xe1, 0xf3})
	}
	h := hmac.New(sha256.New, []byte("sha256key"))
	h.Write(in)
	if !bytes.Equal(h.Sum(nil), b[n:]) {
		t.Fatal("HMAC-SHA-256 is not HMAC over the packet with Apad")
	}
	// The header's packet length points at the trailer (RFC 4822 §2.2).
	if got := int(b[8])<<8 | int(b[9]); got != n-4 {
		t.Fatalf("packet length %d, trailer at %d", got, n-4)
	}
}

// FRR's RFC-style MD5 length (16) is accepted as well as its default 20.
func TestRFC4822_ShortDataLen(t *testing.T) {
	k := Key{ID: 1, Algorithm: AlgMD5, Secret: []byte("x"), ShortDataLen: true}
	b := signed(t, response(1), k, 1)
	if b[11] != 16 {
		t.Fatalf("Auth Data Len %d", b[11])
	}
	k.ShortDataLen = false
	if err := Verify(b, k); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeReuseNoAlloc(t *testing.T) {
	b, _ := response(25).AppendBinary(nil)
	var m Message
	if err := m.Decode(b); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = m.Decode(b) }); n != 0 {
		t.Fatalf("Decode allocates %v", n)
	}
	msg := response(25)
	buf := make([]byte, 0, MaxLen)
	if n := testing.AllocsPerRun(100, func() { buf, _ = msg.AppendBinary(buf[:0]) }); n != 0 {
		t.Fatalf("AppendBinary allocates %v", n)
	}
}

func BenchmarkDecode25(b *testing.B) {
	p, _ := response(25).AppendBinary(nil)
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if err := m.Decode(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode25(b *testing.B) {
	m := response(25)
	buf := make([]byte, 0, MaxLen)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = m.AppendBinary(buf[:0])
	}
}

func BenchmarkSignHMACSHA256(b *testing.B) {
	k := keys()[2]
	p := signed(b, response(24), k, 1)
	b.ReportAllocs()
	for b.Loop() {
		_ = Sign(p, k)
	}
}

func TestAlgorithmText(t *testing.T) {
	for a := AlgMD5; a <= AlgHMACSHA512; a++ {
		b, err := a.MarshalText()
		var got Algorithm
		if err != nil || got.UnmarshalText(b) != nil || got != a {
			t.Fatalf("%v: %q %v", a, b, err)
		}
	}
	var a Algorithm
	if err := a.UnmarshalText([]byte("sha3")); !errors.Is(err, ErrAuthType) {
		t.Fatal(err)
	}
}

package packet

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Seeds: testdata/fuzz/FuzzPacket and FuzzLSA hold every golden packet and
// LSA (written by TestCaptureGoldens); crashers that go test -fuzz finds
// are added there and replayed by every go test run.

// fuzzAuths exercise the verification paths on arbitrary input.
var fuzzAuths = []AuthConfig{
	{},
	{Type: AuthSimple, Password: "pw"},
	{Type: AuthCrypto, Keys: []Key{{ID: 1, Algorithm: AlgMD5, Secret: []byte(goldenMD5Secret)}}},
	{Type: AuthCrypto, Replay: ReplayStrict, Keys: []Key{{ID: 2, Algorithm: AlgHMACSHA256, Secret: []byte(goldenSHAKey256)}}},
}

// FuzzPacket: decoding never panics; anything that decodes encodes, and
// the encoding decodes to the same value (the checksums aside, which
// encoding recomputes) and is a fixed point of decode-encode.
func FuzzPacket(f *testing.F) {
	for _, p := range samplePackets() {
		b, err := p.AppendBinary(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, a := range fuzzAuths {
			var rs ReplayState
			_, _ = a.Verify(b, &rs, goldenTime)
		}
		_ = RawLSAs(b, func(int, []byte) error { return nil })
		var p Packet
		if err := p.Decode(b); err != nil {
			return
		}
		y, err := p.AppendBinary(nil)
		if err != nil {
			t.Fatalf("decoded packet does not encode: %v", err)
		}
		if len(y) != int(p.Header.Length) {
			t.Fatalf("encoded %d bytes, decoded packet length %d", len(y), p.Header.Length)
		}
		var q Packet
		if err := q.Decode(y); err != nil {
			t.Fatalf("encoding does not decode: %v\n%x", err, y)
		}
		p.Header.Checksum = q.Header.Checksum
		for i := range p.LSU.LSAs {
			p.LSU.LSAs[i].Header.Checksum = q.LSU.LSAs[i].Header.Checksum
		}
		if d := cmp.Diff(p, q, cmpPacket); d != "" {
			t.Fatalf("decode(encode(p)) != p (-p +q):\n%s", d)
		}
		z, err := q.AppendBinary(nil)
		if err != nil || !bytes.Equal(y, z) {
			t.Fatalf("encoding is not a fixed point (%v):\n%x\n%x", err, y, z)
		}
	})
}

// FuzzLSA: the same property for single LSAs, plus checksum consistency:
// an encoded LSA always verifies.
func FuzzLSA(f *testing.F) {
	for _, l := range sampleLSAs() {
		b, err := l.AppendBinary(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = VerifyLSAChecksum(b)
		_ = LSAChecksum(b)
		var l LSA
		if err := l.Decode(b); err != nil {
			return
		}
		valid := VerifyLSAChecksum(b[:l.Header.Length]) == nil
		y, err := l.AppendBinary(nil)
		if err != nil {
			t.Fatalf("decoded LSA does not encode: %v", err)
		}
		if err := VerifyLSAChecksum(y); err != nil {
			t.Fatalf("encoded LSA fails its checksum: %v", err)
		}
		if valid && !bytes.Equal(y, b[:l.Header.Length]) {
			t.Fatalf("valid LSA re-encoded differently:\n%x\n%x", b[:l.Header.Length], y)
		}
		var m LSA
		if err := m.Decode(y); err != nil {
			t.Fatalf("encoding does not decode: %v", err)
		}
		l.Header.Checksum = m.Header.Checksum
		if d := cmp.Diff(l, m, cmpPacket); d != "" {
			t.Fatalf("decode(encode(l)) != l (-l +m):\n%s", d)
		}
		z, _ := m.AppendBinary(nil)
		if !bytes.Equal(y, z) {
			t.Fatalf("encoding is not a fixed point:\n%x\n%x", y, z)
		}
	})
}

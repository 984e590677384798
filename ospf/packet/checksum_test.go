package packet

import (
	"encoding/binary"
	"errors"
	"testing"
)

// TestLSAChecksum_12_1_7 checks the Fletcher checksum against LSAs FRR
// and BIRD computed (the goldens), and its properties: LS age is outside
// the sum, every other byte is inside, and verification accepts both
// spellings of a residue.
func TestLSAChecksum_12_1_7(t *testing.T) {
	var lsas [][]byte
	for _, g := range loadGoldens(t) {
		body, err := goldenAuth(g.link).Verify(g.data, nil, goldenTime)
		if err != nil || body[1] != byte(TypeLSUpdate) {
			continue
		}
		_ = RawLSAs(body[HeaderLen:], func(_ int, l []byte) error { lsas = append(lsas, l); return nil })
	}
	if len(lsas) < 50 {
		t.Fatalf("only %d golden LSAs", len(lsas))
	}
	for _, l := range lsas {
		if got, want := LSAChecksum(l), binary.BigEndian.Uint16(l[16:]); got != want {
			t.Errorf("LSAChecksum = %#04x, router sent %#04x", got, want)
		}
		c := append([]byte(nil), l...)
		c[0], c[1] = 0x0e, 0x10 // LS age 3600: not covered (12.1.7)
		if err := VerifyLSAChecksum(c); err != nil {
			t.Errorf("age change broke the checksum: %v", err)
		}
		for i := 2; i < len(c); i++ {
			if i == 16 || i == 17 {
				continue
			}
			c := append([]byte(nil), l...)
			c[i] ^= 0x01
			if err := VerifyLSAChecksum(c); !errors.Is(err, ErrChecksum) {
				t.Fatalf("flipping byte %d went unnoticed", i)
			}
		}
	}
	zero := append([]byte(nil), lsas[0]...)
	zero[16], zero[17] = 0, 0
	if err := VerifyLSAChecksum(zero); !errors.Is(err, ErrChecksum) {
		t.Errorf("zero checksum accepted: %v", err)
	}
	if err := VerifyLSAChecksum(zero[:19]); !errors.Is(err, ErrShort) {
		t.Errorf("short LSA: %v", err)
	}
}

// TestLSAChecksumSpelling: 0x00 and 0xff are the same residue mod 255;
// an LSA whose sender chose the other spelling verifies, and re-encoding
// keeps the sender's bytes (flooding must not change an LSA).
func TestLSAChecksumSpelling(t *testing.T) {
	for _, l := range sampleLSAs() {
		for seq := int32(0); seq < 3000; seq++ {
			l.Header.Seq = InitialSequenceNumber + seq
			l.Header.Checksum = 0
			b, err := l.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			sum := binary.BigEndian.Uint16(b[16:])
			if sum>>8 != 0xff && sum&0xff != 0xff {
				continue
			}
			alt := sum
			if alt>>8 == 0xff {
				alt &= 0x00ff
			} else {
				alt &= 0xff00
			}
			binary.BigEndian.PutUint16(b[16:], alt)
			if err := VerifyLSAChecksum(b); err != nil {
				t.Fatalf("alternative spelling %#04x of %#04x rejected: %v", alt, sum, err)
			}
			p, err := ParseLSA(b)
			if err != nil {
				t.Fatal(err)
			}
			re, _ := p.AppendBinary(nil)
			if binary.BigEndian.Uint16(re[16:]) != alt {
				t.Fatalf("re-encoding changed checksum %#04x to %#04x", alt, binary.BigEndian.Uint16(re[16:]))
			}
			return
		}
	}
	t.Fatal("no sample LSA produced a checksum byte of 0xff")
}

// TestPacketChecksum_D_4: the checksum skips the 64-bit authentication
// field (D.4.1, D.4.2) and covers everything else.
func TestPacketChecksum_D_4(t *testing.T) {
	p := sampleHello(2)
	b, _ := p.AppendBinary(nil)
	if err := VerifyPacketChecksum(b); err != nil {
		t.Fatal(err)
	}
	c := append([]byte(nil), b...)
	copy(c[16:24], "password")
	if err := VerifyPacketChecksum(c); err != nil {
		t.Errorf("the auth field is covered by the checksum: %v", err)
	}
	for i := range len(b) {
		if i >= 12 && i < 24 && i != 14 && i != 15 {
			continue // checksum and authentication fields
		}
		c := append([]byte(nil), b...)
		c[i] ^= 0x80
		if err := VerifyPacketChecksum(c); !errors.Is(err, ErrChecksum) {
			t.Errorf("flipping byte %d went unnoticed", i)
		}
	}
}

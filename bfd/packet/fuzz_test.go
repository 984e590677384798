package packet

import (
	"bytes"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// FuzzParse: Parse never panics; what it accepts, gopacket's decoder
// accepts too with the same header fields, and re-encoding gives the
// same bytes up to Length (but the keyed types' Reserved byte, sent as zero). Verify
// never panics on it either.
//
//	go test -fuzz FuzzParse ./bfd/packet/
func FuzzParse(f *testing.F) {
	for _, c := range samples() {
		b, _ := c.AppendBinary(nil)
		f.Add(b)
	}
	f.Add([]byte{0x20, 0xc4, 3, 26, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, typ := range []AuthType{AuthSimplePassword, AuthKeyedMD5, AuthMeticulousKeyedSHA1} {
			_ = Verify(b, typ, 1, []byte("k"))
		}
		c, err := Parse(b)
		if err != nil {
			return
		}
		_ = c.Check()
		var l layers.BFD
		if err := l.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
			t.Fatalf("we accept what gopacket rejects: %v", err)
		}
		if uint32(l.MyDiscriminator) != c.MyDiscriminator || uint8(l.State) != uint8(c.State) || uint8(l.DetectMultiplier) != c.DetectMult {
			t.Fatalf("gopacket reads other fields: %+v vs %+v", l, c)
		}
		out, err := c.AppendBinary(nil)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		want := bytes.Clone(b[:b[3]])
		if c.Auth.Type.Keyed() {
			want[HeaderLen+3] = 0 // Reserved: zero on transmit, ignored on receipt (§4.3, §4.4)
		}
		if !bytes.Equal(out, want) {
			t.Fatalf("re-encoded\n%x\nwant\n%x", out, want)
		}
	})
}

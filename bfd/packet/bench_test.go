package packet

import "testing"

// go test -bench . -benchmem ./bfd/packet/
func BenchmarkDecode(b *testing.B) {
	for _, s := range []struct {
		name string
		c    Control
	}{{"plain", samples()[3]}, {"sha1", samples()[len(samples())-1]}} {
		raw := encode(b, s.c)
		b.Run(s.name, func(b *testing.B) {
			var c Control
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Decode(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAppendBinary(b *testing.B) {
	c := samples()[3]
	buf := make([]byte, 0, MaxLen)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = c.AppendBinary(buf[:0])
	}
}

func BenchmarkSignVerify(b *testing.B) {
	for _, typ := range []AuthType{AuthMeticulousKeyedMD5, AuthMeticulousKeyedSHA1} {
		c := samples()[3]
		c.Auth = Auth{Type: typ, KeyID: 1, Sequence: 1}
		key := keyFor(typ)
		raw := encode(b, c)
		b.Run(typ.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Sign(raw, key); err != nil {
					b.Fatal(err)
				}
				if err := Verify(raw, typ, 1, key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

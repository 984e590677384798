package packet

import (
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// The benchmark set: Hello with 4 neighbors, DD with 50 LSA
// headers, LS Update with 20 router-LSAs and 100 AS-external-LSAs; decode
// into a reused Packet (ours) next to gopacket's DecodingLayerParser on
// the same bytes, and encode into a reused buffer.
//
//	go test -run '^$' -bench . -benchmem -count 5 ./ospf/

var benchCases = []struct {
	name string
	pkt  func() Packet
}{
	{"Hello4", func() Packet { return sampleHello(4) }},
	{"DD50", func() Packet { return sampleDD(50) }},
	{"LSU20r100e", func() Packet { return sampleLSU(20, 100) }},
}

func BenchmarkDecode(b *testing.B) {
	for _, c := range benchCases {
		p := c.pkt()
		buf, err := p.AppendBinary(nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name+"/ospf", func(b *testing.B) {
			var dst Packet
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				if err := dst.Decode(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/gopacket", func(b *testing.B) {
			var layer layers.OSPFv2
			parser := gopacket.NewDecodingLayerParser(layers.LayerTypeOSPF, &layer)
			decoded := make([]gopacket.LayerType, 0, 1)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				if err := parser.DecodeLayers(buf, &decoded); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, c := range benchCases {
		p := c.pkt()
		out, err := p.AppendBinary(nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(out)))
			b.ReportAllocs()
			for b.Loop() {
				out, _ = p.AppendBinary(out[:0])
			}
		})
	}
}

// BenchmarkVerify is the receive-path authentication cost per packet
// (the Hello of the set).
func BenchmarkVerify(b *testing.B) {
	p := sampleHello(4)
	plain, _ := p.AppendBinary(nil)
	for _, a := range []AuthConfig{
		{},
		{Type: AuthCrypto, Keys: []Key{{ID: 1, Algorithm: AlgMD5, Secret: []byte("k")}}},
		{Type: AuthCrypto, Keys: []Key{{ID: 1, Algorithm: AlgHMACSHA256, Secret: []byte("k")}}},
	} {
		signed, err := a.Sign(append([]byte(nil), plain...), 1, goldenTime)
		if err != nil {
			b.Fatal(err)
		}
		name := a.Type.String()
		if a.Type == AuthCrypto {
			name = a.Keys[0].Algorithm.String()
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Verify(signed, nil, goldenTime); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

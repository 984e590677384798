package packet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var cmpPacket = cmp.Options{cmpopts.EquateEmpty(), cmpopts.EquateComparable(netip.Addr{})}

// TestRoundTrip: every sample encodes, decodes to the same value (with
// the computed length and checksums filled in) and re-encodes to the same
// bytes; the checksums verify.
func TestRoundTrip(t *testing.T) {
	for _, want := range samplePackets() {
		t.Run(want.Header.Type.String(), func(t *testing.T) {
			b, err := want.AppendBinary([]byte("prefix"))
			if err != nil {
				t.Fatal(err)
			}
			if string(b[:6]) != "prefix" {
				t.Fatalf("AppendBinary overwrote the buffer's prefix")
			}
			b = b[6:]
			if err := VerifyPacketChecksum(b); err != nil {
				t.Error(err)
			}
			got, err := ParsePacket(b)
			if err != nil {
				t.Fatal(err)
			}
			if int(got.Header.Length) != len(b) {
				t.Errorf("length field %d, encoded %d bytes", got.Header.Length, len(b))
			}
			want.Header.Length, want.Header.Checksum = got.Header.Length, got.Header.Checksum
			for i := range want.LSU.LSAs {
				want.LSU.LSAs[i].Header.Length = got.LSU.LSAs[i].Header.Length
				want.LSU.LSAs[i].Header.Checksum = got.LSU.LSAs[i].Header.Checksum
			}
			if d := cmp.Diff(want, got, cmpPacket); d != "" {
				t.Errorf("decoded (-want +got):\n%s", d)
			}
			if err := RawLSAs(b[HeaderLen:], func(i int, raw []byte) error { return VerifyLSAChecksum(raw) }); err != nil && got.Header.Type == TypeLSUpdate {
				t.Error(err)
			}
			again, err := got.AppendBinary(nil)
			if err != nil || !bytes.Equal(again, b) {
				t.Errorf("re-encoding differs (%v):\n%x\n%x", err, again, b)
			}
		})
	}
}

// TestDecodeErrors: malformed input of every kind gets the right typed
// error, never a panic.
func TestDecodeErrors(t *testing.T) {
	enc := func(p Packet) []byte {
		b, err := p.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	hello := enc(sampleHello(2))
	lsu := enc(sampleLSU(1, 1))
	mod := func(b []byte, f func(b []byte) []byte) []byte { return f(bytes.Clone(b)) }
	setLen := func(n int) func([]byte) []byte {
		return func(b []byte) []byte { binary.BigEndian.PutUint16(b[2:], uint16(n)); return b }
	}
	// The router-LSA starts after header (24) and LSU count (4).
	const rl = HeaderLen + 4
	for _, c := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrShort},
		{"short header", hello[:23], ErrShort},
		{"version 3", mod(hello, func(b []byte) []byte { b[0] = 3; return b }), ErrVersion},
		{"type 0", mod(hello, func(b []byte) []byte { b[1] = 0; return b }), ErrType},
		{"type 6", mod(hello, func(b []byte) []byte { b[1] = 6; return b }), ErrType},
		{"length below header", mod(hello, setLen(23)), ErrLength},
		{"length beyond data", mod(hello, setLen(len(hello)+4)), ErrShort},
		{"hello without fixed part", mod(hello, setLen(40))[:40], ErrShort},
		{"hello neighbor list ragged", mod(hello, setLen(len(hello)-2)), ErrLength},
		{"dd header list ragged", mod(enc(sampleDD(2)), setLen(HeaderLen+8+30)), ErrLength},
		{"lsr entry ragged", mod(enc(sampleLSR()), setLen(HeaderLen+12+4)), ErrLength},
		{"lsr type above 255", mod(enc(sampleLSR()), func(b []byte) []byte { b[HeaderLen+2] = 1; return b }), ErrMalformed},
		{"lsack ragged", mod(enc(sampleLSAck()), setLen(HeaderLen+19)), ErrLength},
		{"lsu without count", mod(lsu, setLen(HeaderLen+3)), ErrShort},
		{"lsu count too large", mod(lsu, func(b []byte) []byte { binary.BigEndian.PutUint32(b[HeaderLen:], 1<<30); return b }), ErrLength},
		{"lsu count short of data", mod(lsu, func(b []byte) []byte { binary.BigEndian.PutUint32(b[HeaderLen:], 1); return b }), ErrLength},
		{"lsa length below header", mod(lsu, func(b []byte) []byte { binary.BigEndian.PutUint16(b[rl+18:], 19); return b }), ErrLength},
		{"lsa length beyond packet", mod(lsu, func(b []byte) []byte { binary.BigEndian.PutUint16(b[rl+18:], 4000); return b }), ErrShort},
		{"router-lsa reserved byte", mod(lsu, func(b []byte) []byte { b[rl+21] = 1; return b }), ErrMalformed},
		{"router-lsa link count too high", mod(lsu, func(b []byte) []byte { b[rl+23]++; return b }), ErrLength},
		{"router-lsa link count too low", mod(lsu, func(b []byte) []byte { b[rl+23]--; return b }), ErrLength},
		{"router-lsa TOS count overruns", mod(lsu, func(b []byte) []byte { b[rl+24+9] = 200; return b }), ErrLength},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePacket(c.in)
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
		})
	}
	if _, err := ParsePacket(hello[:10]); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("ErrShort does not wrap io.ErrUnexpectedEOF: %v", err)
	}
}

func TestLSABodyErrors(t *testing.T) {
	var s SummaryLSA
	if err := s.Decode([]byte{255, 255, 255, 0, 1, 0, 0, 10}); !errors.Is(err, ErrMalformed) {
		t.Errorf("summary with non-zero TOS 0 byte: %v", err)
	}
	if err := s.Decode([]byte{255, 255, 255, 0, 0, 0, 0}); !errors.Is(err, ErrShort) {
		t.Errorf("short summary: %v", err)
	}
	var e ExternalLSA
	ext := make([]byte, 16)
	ext[4] = 0x85
	if err := e.Decode(ext); !errors.Is(err, ErrMalformed) {
		t.Errorf("external first entry TOS 5: %v", err)
	}
	if err := e.Decode(ext[:15]); !errors.Is(err, ErrShort) {
		t.Errorf("short external: %v", err)
	}
	if err := e.Decode(append(ext, 1, 2)); !errors.Is(err, ErrLength) {
		t.Errorf("ragged external: %v", err)
	}
	var n NetworkLSA
	if err := n.Decode([]byte{255, 255, 255, 0, 1, 2}); !errors.Is(err, ErrLength) {
		t.Errorf("ragged network-LSA: %v", err)
	}
	if _, err := ParseLSAHeader(make([]byte, 19)); !errors.Is(err, ErrShort) {
		t.Errorf("short LSA header: %v", err)
	}
}

func TestEncodeErrors(t *testing.T) {
	v6 := netip.MustParseAddr("2001:db8::1")
	for name, p := range map[string]Packet{
		"ipv6 router ID": {Header: Header{Type: TypeHello, RouterID: v6}},
		"ipv6 neighbor":  {Header: Header{Type: TypeHello}, Hello: Hello{Neighbors: []netip.Addr{v6}}},
		"unknown type":   {Header: Header{Type: 9}},
		"summary metric": {Header: Header{Type: TypeLSUpdate}, LSU: LSUpdate{LSAs: []LSA{{Header: LSAHeader{Type: LSTypeSummaryNetwork}, Summary: SummaryLSA{Metric: 1 << 24}}}}},
		"external TOS":   {Header: Header{Type: TypeLSUpdate}, LSU: LSUpdate{LSAs: []LSA{{Header: LSAHeader{Type: LSTypeASExternal}, External: ExternalLSA{TOS: []ExternalTOS{{TOS: 200}}}}}}},
		"too long":       {Header: Header{Type: TypeLSUpdate}, LSU: LSUpdate{LSAs: []LSA{{Header: LSAHeader{Type: LSTypeOpaqueAS}, Opaque: OpaqueLSA{Data: make([]byte, 70000)}}}}},
	} {
		b, err := p.AppendBinary([]byte{1, 2, 3})
		if !errors.Is(err, ErrEncode) {
			t.Errorf("%s: error %v, want ErrEncode", name, err)
		}
		if !bytes.Equal(b, []byte{1, 2, 3}) {
			t.Errorf("%s: failed encode left %d bytes appended", name, len(b)-3)
		}
	}
	// Zero addresses encode as 0.0.0.0, IPv4-mapped ones are unmapped.
	p := Packet{Header: Header{Type: TypeHello, RouterID: netip.MustParseAddr("::ffff:192.0.2.1")}}
	b, err := p.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := ParsePacket(b)
	if got.Header.RouterID != netip.MustParseAddr("192.0.2.1") || got.Header.AreaID != netip.IPv4Unspecified() || got.Hello.NetworkMask != netip.IPv4Unspecified() {
		t.Errorf("addresses decoded as %v %v %v", got.Header.RouterID, got.Header.AreaID, got.Hello.NetworkMask)
	}
}

// TestDecodeReuse: a reused target holds exactly the last packet, with
// no stale entries from a longer earlier one.
func TestDecodeReuse(t *testing.T) {
	var p Packet
	long, _ := (&Packet{Header: sampleHeader(TypeLSUpdate), LSU: LSUpdate{LSAs: sampleLSAs()}}).AppendBinary(nil)
	short := sampleLSU(1, 0)
	sb, _ := short.AppendBinary(nil)
	for _, b := range [][]byte{long, sb} {
		if err := p.Decode(b); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := ParsePacket(sb)
	if d := cmp.Diff(want, p, cmpPacket, cmpopts.IgnoreFields(Packet{}, "Hello", "DD", "LSR", "LSAck")); d != "" {
		t.Errorf("reused target (-fresh +reused):\n%s", d)
	}
}

// TestDecodeAllocs: steady-state decoding into a reused target does not
// allocate (the requirement; Hello is benchmarked as well).
func TestDecodeAllocs(t *testing.T) {
	for name, p := range map[string]Packet{"hello": sampleHello(4), "dd": sampleDD(50), "lsu": sampleLSU(20, 100), "lsr": sampleLSR(), "lsack": sampleLSAck(),
		"lsu-all-types": {Header: sampleHeader(TypeLSUpdate), LSU: LSUpdate{LSAs: sampleLSAs()}}} {
		b, err := p.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		var dst Packet
		if err := dst.Decode(b); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { _ = dst.Decode(b) }); n != 0 {
			t.Errorf("%s: %v allocations per decode", name, n)
		}
		out := make([]byte, 0, 2*len(b))
		if n := testing.AllocsPerRun(100, func() { out, _ = dst.AppendBinary(out[:0]) }); n != 0 {
			t.Errorf("%s: %v allocations per encode", name, n)
		}
	}
}

func TestMask(t *testing.T) {
	for bits := 0; bits <= 32; bits++ {
		if got, ok := MaskBits(Mask(bits)); !ok || got != bits {
			t.Errorf("MaskBits(Mask(%d)) = %d, %v", bits, got, ok)
		}
	}
	if _, ok := MaskBits(netip.MustParseAddr("255.0.255.0")); ok {
		t.Error("non-contiguous mask accepted")
	}
	if _, ok := MaskBits(netip.MustParseAddr("::")); ok {
		t.Error("IPv6 mask accepted")
	}
}

func TestStrings(t *testing.T) {
	for got, want := range map[string]string{
		(OptE | OptO | OptDN).String():          "E|O|DN",
		Options(0).String():                     "0",
		(DDFlagI | DDFlagM | DDFlagMS).String(): "I|M|MS",
		(DDFlagMS | 0x10).String():              "MS|0x10",
		(RouterFlagB | RouterFlagNt).String():   "B|Nt",
		TypeLSAck.String():                      "LSAck",
		PacketType(9).String():                  "PacketType(9)",
		LSTypeNSSA.String():                     "NSSA",
		LinkVirtual.String():                    "Virtual",
		AuthCrypto.String():                     "Crypto",
		AlgHMACSHA384.String():                  "HMAC-SHA-384",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

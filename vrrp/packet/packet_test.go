package packet

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var (
	srcV4 = netip.MustParseAddr("10.0.0.1")
	srcV6 = netip.MustParseAddr("fe80::2")
)

// Golden encodings computed independently (RFC 1071 sums by hand, see
// the commit that added them), not by this package.
var goldens = []struct {
	name     string
	hex      string
	src, dst netip.Addr
	mode     ChecksumMode
	adv      Advertisement
}{
	{
		name: "RFC3768_5_1_v2_noauth",
		hex:  "210164010001b952c0a801010000000000000000",
		src:  netip.MustParseAddr("192.168.1.2"), dst: GroupIPv4,
		adv: Advertisement{Version: V2, VRID: 1, Priority: 100, Interval: time.Second,
			Addresses: []netip.Addr{netip.MustParseAddr("192.168.1.1")}, Checksum: 0xb952},
	},
	{
		name: "RFC5798_5_1_v3_ipv4_pseudoheader",
		hex:  "3107c8010064119f0a000064",
		src:  srcV4, dst: GroupIPv4,
		adv: Advertisement{Version: V3, VRID: 7, Priority: 200, Interval: time.Second,
			Addresses: []netip.Addr{netip.MustParseAddr("10.0.0.100")}, Checksum: 0x119f},
	},
	{
		name: "RFC5798_5_2_8_v3_ipv4_checksum_as_v2",
		hex:  "3107c8010064fc2e0a000064",
		src:  srcV4, dst: GroupIPv4, mode: ChecksumNoPseudoHeader,
		adv: Advertisement{Version: V3, VRID: 7, Priority: 200, Interval: time.Second,
			Addresses: []netip.Addr{netip.MustParseAddr("10.0.0.100")}, Checksum: 0xfc2e},
	},
	{
		name: "RFC5798_5_1_v3_ipv6",
		hex:  "3109640200014087fe80000000000000000000000000000120010db8000000000000000000000001",
		src:  srcV6, dst: GroupIPv6,
		adv: Advertisement{Version: V3, VRID: 9, Priority: 100, Interval: 10 * time.Millisecond,
			Addresses: []netip.Addr{netip.MustParseAddr("fe80::1"), netip.MustParseAddr("2001:db8::1")}, Checksum: 0x4087},
	},
}

func TestAdvertisementGolden(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			want, _ := hex.DecodeString(g.hex)
			got, err := g.adv.AppendBinary(nil, g.src, g.dst, g.mode)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Append = %x, want %x", got, want)
			}
			dec, err := ParseAdvertisement(want, g.src, g.dst, g.mode)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(g.adv, dec, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAdvertisement_v2SimpleAuth(t *testing.T) {
	a := Advertisement{Version: V2, VRID: 51, Priority: 150, Interval: 3 * time.Second, AuthType: AuthSimple,
		Addresses: []netip.Addr{netip.MustParseAddr("10.1.1.1"), netip.MustParseAddr("10.1.1.2")}}
	copy(a.AuthData[:], "secret")
	b, err := a.AppendBinary(nil, srcV4, GroupIPv4, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 8+8+8 || a.Len() != len(b) {
		t.Fatalf("len %d, Len() %d", len(b), a.Len())
	}
	got, err := ParseAdvertisement(b, srcV4, GroupIPv4, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got.AuthType != AuthSimple || string(bytes.TrimRight(got.AuthData[:], "\x00")) != "secret" || got.Interval != 3*time.Second {
		t.Fatalf("got %+v", got)
	}
}

// TestAdvertisement_gopacketV2 checks that gopacket's independent VRRPv2
// decoder reads our v2 encoding as the same fields.
func TestAdvertisement_gopacketV2(t *testing.T) {
	a := Advertisement{Version: V2, VRID: 42, Priority: 254, Interval: 7 * time.Second, AuthType: AuthSimple,
		Addresses: []netip.Addr{netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("198.51.100.2"), netip.MustParseAddr("203.0.113.9")}}
	b, err := a.AppendBinary(nil, srcV4, GroupIPv4, 0)
	if err != nil {
		t.Fatal(err)
	}
	var l layers.VRRPv2
	if err := l.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
		t.Fatal(err)
	}
	if l.Version != 2 || l.Type != layers.VRRPv2Advertisement || l.VirtualRtrID != a.VRID || l.Priority != a.Priority ||
		int(l.CountIPAddr) != len(a.Addresses) || l.AuthType != layers.VRRPv2AuthType(a.AuthType) || l.AdverInt != 7 {
		t.Fatalf("gopacket decoded %+v", l)
	}
	dec, _ := ParseAdvertisement(b, srcV4, GroupIPv4, 0)
	if l.Checksum != dec.Checksum {
		t.Errorf("checksum gopacket %#x ours %#x", l.Checksum, dec.Checksum)
	}
	for i, ip := range l.IPAddress {
		if !ip.Equal(net.IP(a.Addresses[i].AsSlice())) {
			t.Errorf("address %d: gopacket %v ours %v", i, ip, a.Addresses[i])
		}
	}
}

func TestAdvertisement_badInput(t *testing.T) {
	good := func() []byte { b, _ := hex.DecodeString(goldens[1].hex); return b }
	v2 := func() []byte { b, _ := hex.DecodeString(goldens[0].hex); return b }
	v2src := goldens[0].src
	tests := []struct {
		name     string
		b        []byte
		src, dst netip.Addr
		mode     ChecksumMode
		want     error
	}{
		{"empty", nil, srcV4, GroupIPv4, 0, ErrTruncated},
		{"short_header", good()[:7], srcV4, GroupIPv4, 0, ErrTruncated},
		{"short_addresses", good()[:10], srcV4, GroupIPv4, 0, ErrTruncated},
		{"v2_without_auth_data", v2()[:12], v2src, GroupIPv4, 0, ErrTruncated},
		{"bad_checksum", func() []byte { b := good(); b[7] ^= 1; return b }(), srcV4, GroupIPv4, 0, ErrChecksum},
		{"pseudo_header_src_differs", good(), netip.MustParseAddr("10.0.0.9"), GroupIPv4, 0, ErrChecksum},
		{"v3_checksum_as_v2_not_enabled", mustHex(goldens[2].hex), srcV4, GroupIPv4, ChecksumPseudoHeader, ErrChecksum},
		{"v3_pseudo_header_when_v2_style_expected", good(), srcV4, GroupIPv4, ChecksumNoPseudoHeader, ErrChecksum},
		{"type_2", func() []byte { b := good(); b[0] = 0x32; return b }(), srcV4, GroupIPv4, 0, ErrType},
		{"version_4", func() []byte { b := good(); b[0] = 0x41; return b }(), srcV4, GroupIPv4, 0, ErrVersion},
		{"count_0", func() []byte { b := good(); b[3] = 0; return b }(), srcV4, GroupIPv4, 0, ErrAddressCount},
		{"no_src", good(), netip.Addr{}, GroupIPv4, 0, ErrFamily},
		{"mixed_family", good(), srcV6, GroupIPv4, 0, ErrFamily},
		{"v2_over_ipv6", v2(), srcV6, GroupIPv6, 0, ErrFamily},
		{"v2_auth_ip_ah_obsolete", resum(func() []byte { b := v2(); b[4] = 2; return b }()), v2src, GroupIPv4, 0, ErrAuthType},
		{"v2_auth_unknown", resum(func() []byte { b := v2(); b[4] = 9; return b }()), v2src, GroupIPv4, 0, ErrAuthType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAdvertisement(tt.b, tt.src, tt.dst, tt.mode)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if !errors.Is(ErrTruncated, io.ErrUnexpectedEOF) {
		t.Error("ErrTruncated does not wrap io.ErrUnexpectedEOF")
	}
}

func TestAdvertisement_appendRejects(t *testing.T) {
	one := []netip.Addr{netip.MustParseAddr("10.0.0.100")}
	tests := []struct {
		name string
		a    Advertisement
		src  netip.Addr
		want error
	}{
		{"v2_fraction_of_second", Advertisement{Version: V2, Interval: 1500 * time.Millisecond, Addresses: one}, srcV4, ErrInterval},
		{"v2_zero_interval", Advertisement{Version: V2, Addresses: one}, srcV4, ErrInterval},
		{"v3_5ms", Advertisement{Version: V3, Interval: 5 * time.Millisecond, Addresses: one}, srcV4, ErrInterval},
		{"v3_over_40.95s", Advertisement{Version: V3, Interval: 41 * time.Second, Addresses: one}, srcV4, ErrInterval},
		{"no_addresses", Advertisement{Version: V3, Interval: time.Second}, srcV4, ErrAddressCount},
		{"v6_address_from_v4", Advertisement{Version: V3, Interval: time.Second, Addresses: []netip.Addr{srcV6}}, srcV4, ErrFamily},
		{"v2_ip_ah", Advertisement{Version: V2, Interval: time.Second, Addresses: one, AuthType: AuthIPAH}, srcV4, ErrAuthType},
		{"version_1", Advertisement{Version: 1, Interval: time.Second, Addresses: one}, srcV4, ErrVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.a.AppendBinary(nil, tt.src, GroupIPv4, 0); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestAdvertisement_decodeReuses(t *testing.T) {
	b := mustHex(goldens[3].hex)
	var a Advertisement
	if err := a.Decode(b, srcV6, GroupIPv6, 0); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := a.Decode(b, srcV6, GroupIPv6, 0); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("steady-state Decode allocates %v times", allocs)
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// resum recomputes a VRRPv2 checksum after a test mutated the message.
func resum(b []byte) []byte {
	b[6], b[7] = 0, 0
	c := ^fold(sumBytes(0, b))
	b[6], b[7] = byte(c>>8), byte(c)
	return b
}

func FuzzParseAdvertisement(f *testing.F) {
	for _, g := range goldens {
		f.Add(mustHex(g.hex), g.src.Is6(), uint8(g.mode))
	}
	f.Fuzz(func(t *testing.T, b []byte, v6 bool, mode uint8) {
		src, dst := srcV4, GroupIPv4
		if v6 {
			src, dst = srcV6, GroupIPv6
		}
		m := ChecksumMode(mode & 1)
		a, err := ParseAdvertisement(b, src, dst, m)
		if err != nil {
			return
		}
		out, err := a.AppendBinary(nil, src, dst, m)
		if err != nil {
			return // e.g. a VRRPv2 interval of 0 decodes but is not sent
		}
		again, err := ParseAdvertisement(out, src, dst, m)
		if err != nil {
			t.Fatalf("re-encoded %x does not parse: %v", out, err)
		}
		a.Checksum, again.Checksum = 0, 0
		if a.AuthType == AuthNone {
			a.AuthData = [8]byte{} // not sent without authentication
		}
		if diff := cmp.Diff(a, again, cmp.Comparer(func(x, y netip.Addr) bool { return x == y })); diff != "" {
			t.Fatalf("round trip differs:\n%s", diff)
		}
	})
}

func BenchmarkParseAdvertisement(b *testing.B) {
	for _, g := range goldens[:2] {
		p := mustHex(g.hex)
		b.Run(g.name, func(b *testing.B) {
			var a Advertisement
			b.ReportAllocs()
			b.SetBytes(int64(len(p)))
			for b.Loop() {
				if err := a.Decode(p, g.src, g.dst, g.mode); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAppendAdvertisement(b *testing.B) {
	for _, g := range goldens[:2] {
		b.Run(g.name, func(b *testing.B) {
			buf := make([]byte, 0, 64)
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if buf, err = g.adv.AppendBinary(buf[:0], g.src, g.dst, g.mode); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestPeekVRID(t *testing.T) {
	b := mustHex(goldens[1].hex)
	if vrid, ok := PeekVRID(b); !ok || vrid != goldens[1].adv.VRID {
		t.Errorf("PeekVRID = %d, %v; want %d, true", vrid, ok, goldens[1].adv.VRID)
	}
	if _, ok := PeekVRID(b[:HeaderLen-1]); ok {
		t.Error("PeekVRID of a short header reported ok")
	}
}

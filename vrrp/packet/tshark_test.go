package packet

import (
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/switchless/routing/internal/tsharktest"
)

// frame wraps a VRRP message in Ethernet and IPv4/IPv6 headers as a
// sender would put it on the wire: TTL/hop limit 255, virtual MAC source,
// multicast destination MAC, correct IPv4 header checksum.
func frame(t testing.TB, vrid uint8, src, dst netip.Addr, payload []byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: VirtualMAC(vrid, src.Is6())}
	var l3 gopacket.SerializableLayer
	if src.Is4() {
		d := dst.As4()
		eth.EthernetType = layers.EthernetTypeIPv4
		eth.DstMAC = net.HardwareAddr{0x01, 0x00, 0x5e, d[1] & 0x7f, d[2], d[3]}
		l3 = &layers.IPv4{Version: 4, IHL: 5, TTL: TTL, TOS: 0xc0, Protocol: IPProtocol,
			SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
	} else {
		d := dst.As16()
		eth.EthernetType = layers.EthernetTypeIPv6
		eth.DstMAC = net.HardwareAddr{0x33, 0x33, d[12], d[13], d[14], d[15]}
		l3 = &layers.IPv6{Version: 6, HopLimit: TTL, NextHeader: IPProtocol,
			SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, eth, l3, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestAdvertisement_tshark writes v2 and v3 (IPv4 and IPv6) advertisements
// to a pcapng file and has Wireshark's dissector read them back: every
// field must match and nothing may be malformed or carry a bad checksum.
func TestAdvertisement_tshark(t *testing.T) {
	tshark := tsharktest.Require(t)
	type pkt struct {
		adv      Advertisement
		src, dst netip.Addr
		want     string // version, vrid, prio, count, interval field, checksum status
	}
	pkts := []pkt{
		{Advertisement{Version: V2, VRID: 1, Priority: 100, Interval: time.Second, Addresses: []netip.Addr{netip.MustParseAddr("192.0.2.100")}},
			netip.MustParseAddr("192.0.2.1"), GroupIPv4, "2|1|100|1|1||1|192.0.2.100"},
		{Advertisement{Version: V2, VRID: 200, Priority: 255, Interval: 5 * time.Second, AuthType: AuthSimple, AuthData: [8]byte{'p', 'w'},
			Addresses: []netip.Addr{netip.MustParseAddr("192.0.2.100"), netip.MustParseAddr("192.0.2.101")}},
			netip.MustParseAddr("192.0.2.2"), GroupIPv4, "2|200|255|2|5||1|192.0.2.100,192.0.2.101"},
		{Advertisement{Version: V3, VRID: 7, Priority: 150, Interval: 10 * time.Millisecond, Addresses: []netip.Addr{netip.MustParseAddr("198.51.100.7")}},
			netip.MustParseAddr("198.51.100.1"), GroupIPv4, "3|7|150|1||1|1|198.51.100.7"},
		{Advertisement{Version: V3, VRID: 9, Priority: 100, Interval: 40950 * time.Millisecond,
			Addresses: []netip.Addr{netip.MustParseAddr("fe80::9"), netip.MustParseAddr("2001:db8::9")}},
			netip.MustParseAddr("fe80::1"), GroupIPv6, "3|9|100|2||4095|1|fe80::9,2001:db8::9"},
	}
	var frames [][]byte
	for _, p := range pkts {
		b, err := p.adv.AppendBinary(nil, p.src, p.dst, ChecksumPseudoHeader)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, frame(t, p.adv.VRID, p.src, p.dst, b))
	}
	lines := runTshark(t, tshark, frames)
	for i, line := range lines {
		fs := strings.Split(line, "|")
		addrs := fs[7]
		if addrs == "" {
			addrs = fs[8]
		}
		got := strings.Join(append(fs[:7:7], addrs), "|")
		if got != pkts[i].want {
			t.Errorf("packet %d: tshark %q, want %q", i, got, pkts[i].want)
		}
		ipOK := fs[9] == "1" || (fs[9] == "" && pkts[i].src.Is6())
		if !ipOK || fs[10] != "" || fs[11] != "" {
			t.Errorf("packet %d: ip checksum status %q, malformed %q, expert %q", i, fs[9], fs[10], fs[11])
		}
	}

	// A VRRPv3 IPv4 checksum computed the v2 way (no pseudo-header) must be
	// reported bad by a dissector expecting RFC 5798: the status column is
	// live, not a constant.
	p := pkts[2]
	b, err := p.adv.AppendBinary(nil, p.src, p.dst, ChecksumNoPseudoHeader)
	if err != nil {
		t.Fatal(err)
	}
	lines = runTshark(t, tshark, [][]byte{frame(t, p.adv.VRID, p.src, p.dst, b)})
	if fs := strings.Split(lines[0], "|"); fs[6] != "0" {
		t.Errorf("v2-style v3 checksum: tshark checksum status %q, want 0 (bad)", fs[6])
	}
	// ... and good for a dissector told that the peer computes it the v2
	// way: the ChecksumNoPseudoHeader knob matches Wireshark's
	// v3_checksum_as_in_v2.
	lines = runTsharkFields(t, tshark, [][]byte{frame(t, p.adv.VRID, p.src, p.dst, b)},
		[]string{"vrrp.v3_checksum_as_in_v2:TRUE"}, "vrrp.checksum.status", "_ws.malformed")
	if lines[0] != "1|" {
		t.Errorf("v2-style v3 checksum with v3_checksum_as_in_v2: tshark %q, want good", lines[0])
	}
}

// runTshark returns tshark's VRRP fields, one line per frame.
func runTshark(t *testing.T, tshark string, frames [][]byte) []string {
	return runTsharkFields(t, tshark, frames, nil, "vrrp.version", "vrrp.virt_rtr_id", "vrrp.prio", "vrrp.addr_count",
		"vrrp.adver_int", "vrrp.short_adver_int", "vrrp.checksum.status", "vrrp.ip_addr", "vrrp.ipv6_addr",
		"ip.checksum.status", "_ws.malformed", "_ws.expert")
}

// runTsharkFields writes frames to a pcapng file and returns tshark's
// field lines ("|"-separated), one per frame.
func runTsharkFields(t *testing.T, tshark string, frames [][]byte, prefs []string, fields ...string) []string {
	t.Helper()
	path := tsharktest.WritePcapng(t, "vrrp.pcapng", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Second, frames)
	if prefs == nil {
		prefs = []string{"vrrp.v3_checksum_as_in_v2:FALSE"}
	}
	args := []string{"-n", "-r", path, "-o", "ip.check_checksum:TRUE", "-T", "fields", "-E", "separator=|"}
	for _, p := range prefs {
		args = append(args, "-o", p)
	}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	out := tsharktest.Run(t, tshark, args...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(frames) {
		t.Fatalf("tshark printed %d lines for %d frames:\n%s", len(lines), len(frames), out)
	}
	for i, l := range lines {
		if n := strings.Count(l, "|"); n != len(fields)-1 {
			t.Fatalf("line %d has %d separators: %q", i, n, l)
		}
	}
	return lines
}

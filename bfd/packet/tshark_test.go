package packet

import (
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/switchless/routing/internal/tsharktest"
)

// bfdFrame wraps a Control packet as RFC 5881 §4 sends it: UDP from a
// port in 49152–65535 to 3784, TTL 255.
func bfdFrame(t testing.TB, payload []byte) []byte {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip4 := &layers.IPv4{Version: 4, TTL: 255, TOS: 0xc0, Protocol: layers.IPProtocolUDP,
		SrcIP: net.IP{10, 9, 0, 1}, DstIP: net.IP{10, 9, 0, 2}}
	udp := &layers.UDP{SrcPort: 49152, DstPort: 3784}
	if err := udp.SetNetworkLayerForChecksum(ip4); err != nil {
		t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, eth, ip4, udp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestTsharkDissectsOurPackets: every sample, with every auth type,
// dissects as a BFD Control message without a complaint. Skips without
// tshark (fails under CI=true).
func TestTsharkDissectsOurPackets(t *testing.T) {
	tshark := tsharktest.Require(t)
	var frames [][]byte
	for _, c := range samples() {
		frames = append(frames, bfdFrame(t, encode(t, c)))
	}
	first := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	path := tsharktest.WritePcapng(t, "bfd.pcapng", first, time.Millisecond, frames)
	out := tsharktest.Run(t, tshark, "-r", path, "-V", "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE")
	got := tsharktest.SplitFrames(out)
	if len(got) != len(frames) {
		t.Fatalf("tshark printed %d frames, wrote %d", len(got), len(frames))
	}
	tsharktest.CheckFrames(t, got, "BFD", nil, "BFD Control message", "Detect Time Multiplier: 3")
}

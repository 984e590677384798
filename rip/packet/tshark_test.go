package packet

import (
	"net"
	"os"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/switchless/routing/internal/tsharktest"
)

// udpFrame wraps a RIP message in Ethernet, IPv4 and UDP 520 → 520 to
// 224.0.0.9 (RFC 2453 §4.5), with correct checksums.
func udpFrame(t testing.TB, payload []byte) []byte {
	eth := &layers.Ethernet{
		SrcMAC:       net.HardwareAddr{2, 0, 0, 0, 0, 2},
		DstMAC:       net.HardwareAddr{1, 0, 0x5e, 0, 0, 9},
		EthernetType: layers.EthernetTypeIPv4,
	}
	ip4 := &layers.IPv4{Version: 4, TTL: 1, TOS: 0xc0, Protocol: layers.IPProtocolUDP,
		SrcIP: net.IP{192, 0, 2, 1}, DstIP: net.IP{224, 0, 0, 9}}
	udp := &layers.UDP{SrcPort: 520, DstPort: 520}
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

// TestTsharkDissectsOurMessages writes every sample, plain and signed
// with each algorithm, to a pcapng and requires tshark to dissect each
// frame as RIPv2/RIPv1 without a complaint. It skips without tshark
// (fails under CI=true).
func TestTsharkDissectsOurMessages(t *testing.T) {
	tshark := tsharktest.Require(t)
	var pkts [][]byte
	for _, m := range samples() {
		b, err := m.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, b)
	}
	for _, k := range keys() {
		pkts = append(pkts, signed(t, response(24), k, 42))
	}
	var frames [][]byte
	for _, p := range pkts {
		frames = append(frames, udpFrame(t, p))
	}
	first := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Millisecond)
	path := tsharktest.WritePcapng(t, "rip.pcapng", first, time.Millisecond, frames)
	out := tsharktest.Run(t, tshark, "-r", path, "-V", "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE")
	if os.Getenv("RIP_TSHARK_DUMP") != "" {
		t.Log(out)
	}
	dissected := tsharktest.SplitFrames(out)
	if len(dissected) != len(pkts) {
		t.Fatalf("tshark printed %d frames, wrote %d", len(dissected), len(pkts))
	}
	tsharktest.CheckFrames(t, dissected, "RIP", nil, "Routing Information Protocol")
}

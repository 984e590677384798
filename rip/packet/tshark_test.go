package packet

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/switchless/routing/internal/nstest"
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

var tsharkComplaint = regexp.MustCompile(`(?i)malformed|bad checksum|incorrect|\[expert info \((warning|error)`)

// TestTsharkDissectsOurMessages writes every sample, plain and signed
// with each algorithm, to a pcapng and requires tshark to dissect each
// frame as RIPv2/RIPv1 without a complaint. It skips without tshark
// (fails under CI=true).
func TestTsharkDissectsOurMessages(t *testing.T) {
	tshark := nstest.RequireBinary(t, "tshark")
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
	path := filepath.Join(t.TempDir(), "rip.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pcapgo.NewNgWriter(f, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range pkts {
		fr := udpFrame(t, p)
		ts = ts.Add(time.Millisecond)
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(fr), Length: len(fr)}, fr); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cmd := exec.Command(tshark, "-r", path, "-V", "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v: %s", err, stderr.String())
	}
	if os.Getenv("RIP_TSHARK_DUMP") != "" {
		t.Log(string(out))
	}
	frames := strings.Split(string(out), "\nFrame ")
	if len(frames) != len(pkts) {
		t.Fatalf("tshark printed %d frames, wrote %d", len(frames), len(pkts))
	}
	for i, fr := range frames {
		if !strings.Contains(fr, "Routing Information Protocol") {
			t.Errorf("frame %d not dissected as RIP:\n%s", i+1, fr)
		}
		if m := tsharkComplaint.FindString(fr); m != "" {
			t.Errorf("frame %d: tshark complains (%q):\n%s", i+1, m, fr)
		}
	}
}

package packet

import (
	"bytes"
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

// encodedForTshark is every packet type we encode: the samples (all LSA
// types, TOS entries, opaque and unknown LSAs), the samples signed with
// simple, MD5 and HMAC-SHA authentication, and every golden packet as we
// re-encode and re-sign it.
func encodedForTshark(t *testing.T) [][]byte {
	var out [][]byte
	auths := []AuthConfig{
		{},
		{Type: AuthSimple, Password: "pw"},
		{Type: AuthCrypto, Keys: []Key{{ID: 1, Algorithm: AlgMD5, Secret: []byte("k")}}},
		{Type: AuthCrypto, Keys: []Key{{ID: 2, Algorithm: AlgHMACSHA256, Secret: []byte("k")}}},
		{Type: AuthCrypto, Keys: []Key{{ID: 3, Algorithm: AlgHMACSHA512, Secret: []byte("k")}}},
	}
	for _, a := range auths {
		for _, p := range samplePackets() {
			b, err := p.AppendBinary(nil)
			if err == nil {
				b, err = a.Sign(b, 1000, goldenTime)
			}
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	for _, g := range loadGoldens(t) {
		a := goldenAuth(g.link)
		body, err := a.Verify(g.data, nil, goldenTime)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ParsePacket(body)
		if err != nil {
			t.Fatal(err)
		}
		b, err := p.AppendBinary(nil)
		if err == nil {
			b, err = a.Sign(b, p.Header.Crypto().Seq, goldenTime)
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// tsharkComplaint matches what Wireshark prints for a packet it finds
// wrong: malformed packets, bad checksums (IP, OSPF, LSA), and expert
// warnings and errors.
var tsharkComplaint = regexp.MustCompile(`(?i)malformed|bad checksum|incorrect|\[expert info \((warning|error)`)

var unknownLSAType = regexp.MustCompile(`\[Expert Info \(Warning/Protocol\): Unknown LSA Type\]`)

// TestTsharkDissectsOurPackets writes a pcapng of everything we encode,
// in Ethernet and IPv4, and requires tshark to dissect each frame as OSPF
// without a complaint. It skips without tshark (fails under CI=true).
func TestTsharkDissectsOurPackets(t *testing.T) {
	tshark := nstest.RequireBinary(t, "tshark")
	pkts := encodedForTshark(t)
	path := filepath.Join(t.TempDir(), "ospf.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pcapgo.NewNgWriter(f, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	ts := goldenTime
	for _, p := range pkts {
		frame := ipv4Frame(t, p, true)
		ts = ts.Add(time.Millisecond)
		ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(frame), Length: len(frame)}
		if err := w.WritePacket(ci, frame); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cmd := exec.Command(tshark, "-r", path, "-V", "-o", "ip.check_checksum:TRUE")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v: %s", err, stderr.String())
	}
	frames := strings.Split(string(out), "\nFrame ")
	if len(frames) != len(pkts) {
		t.Fatalf("tshark printed %d frames, wrote %d", len(frames), len(pkts))
	}
	for i, fr := range frames {
		if !strings.Contains(fr, "Open Shortest Path First") {
			t.Errorf("frame %d not dissected as OSPF:\n%s", i+1, fr)
		}
		// The samples carry a type-6 (MOSPF) LSA on purpose, to test that
		// unknown types are kept; Wireshark warns that it does not know it.
		fr = unknownLSAType.ReplaceAllString(fr, "")
		if m := tsharkComplaint.FindString(fr); m != "" {
			t.Errorf("frame %d: tshark says %q:\n%s", i+1, m, fr)
		}
	}
	if t.Failed() {
		t.Logf("pcapng kept at %s", path)
	}
	t.Logf("tshark dissected %d frames cleanly", len(frames))
	if os.Getenv("O3_DUMP") != "" {
		t.Log(string(out))
	}
}

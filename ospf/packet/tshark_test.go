package packet

import (
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/switchless/routing/internal/tsharktest"
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

var unknownLSAType = regexp.MustCompile(`\[Expert Info \(Warning/Protocol\): Unknown LSA Type\]`)

// TestTsharkDissectsOurPackets writes a pcapng of everything we encode,
// in Ethernet and IPv4, and requires tshark to dissect each frame as OSPF
// without a complaint. It skips without tshark (fails under CI=true).
func TestTsharkDissectsOurPackets(t *testing.T) {
	tshark := tsharktest.Require(t)
	pkts := encodedForTshark(t)
	var frames [][]byte
	for _, p := range pkts {
		frames = append(frames, ipv4Frame(t, p, true))
	}
	path := tsharktest.WritePcapng(t, "ospf.pcapng", goldenTime.Add(time.Millisecond), time.Millisecond, frames)
	out := tsharktest.Run(t, tshark, "-r", path, "-V", "-o", "ip.check_checksum:TRUE")
	dissected := tsharktest.SplitFrames(out)
	if len(dissected) != len(pkts) {
		t.Fatalf("tshark printed %d frames, wrote %d", len(dissected), len(pkts))
	}
	// The samples carry a type-6 (MOSPF) LSA on purpose, to test that
	// unknown types are kept; Wireshark warns that it does not know it.
	tsharktest.CheckFrames(t, dissected, "OSPF", unknownLSAType, "Open Shortest Path First")
	if t.Failed() {
		t.Logf("pcapng kept at %s", path)
	}
	t.Logf("tshark dissected %d frames cleanly", len(dissected))
	if os.Getenv("O3_DUMP") != "" {
		t.Log(out)
	}
}

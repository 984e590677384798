package packet

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/golden"
)

type goldenPacket struct {
	link string // file name without .txt
	line int
	note string // the comment line above: "src -> dst Type"
	data []byte
}

// goldenAuth is the authentication configured on each captured link.
func goldenAuth(link string) AuthConfig {
	sha := func(id uint8, alg Algorithm, key string) AuthConfig {
		return AuthConfig{Type: AuthCrypto, Keys: []Key{{ID: id, Algorithm: alg, Secret: []byte(key)}}}
	}
	switch link {
	case "frr-area1-md5":
		return AuthConfig{Type: AuthCrypto, Keys: []Key{{ID: 1, Algorithm: AlgMD5, Secret: []byte(goldenMD5Secret)}}}
	case "bird-hmac-sha1":
		a := sha(1, AlgHMACSHA1, goldenSHAKey1)
		a.Keys[0].PlainHMACKey = true // BIRD does not pre-hash keys longer than L
		return a
	case "bird-hmac-sha256":
		return sha(2, AlgHMACSHA256, goldenSHAKey256)
	case "bird-hmac-sha384":
		return sha(3, AlgHMACSHA384, goldenSHAKey384)
	case "bird-hmac-sha512":
		return sha(4, AlgHMACSHA512, goldenSHAKey512)
	}
	return AuthConfig{}
}

func loadGoldens(t testing.TB) []goldenPacket {
	t.Helper()
	var out []goldenPacket
	for _, g := range golden.Dir(t, filepath.Join("testdata", "golden"), "golden_capture_test.go") {
		out = append(out, goldenPacket{link: g.Name, line: g.Line, note: g.Note, data: g.Data})
	}
	return out
}

// goldenTime is any instant: the golden keys have no lifetimes.
var goldenTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// TestGolden_VerifyDecodeReencode: every captured packet authenticates
// with its link's configuration, decodes, and re-encodes to the very bytes
// the router sent, digest included; every LSA inside verifies its LS
// checksum and re-encodes byte for byte.
func TestGolden_VerifyDecodeReencode(t *testing.T) {
	pktTypes := map[string]map[PacketType]bool{}
	lsTypes := map[LSType]bool{}
	replay := map[string]*ReplayState{}
	var p Packet
	for _, g := range loadGoldens(t) {
		where := g.link + ":" + itoa(g.line) + " " + g.note
		auth := goldenAuth(g.link)
		auth.Replay = ReplayTolerant
		src := g.link + " " + strings.Fields(g.note)[0]
		if replay[src] == nil {
			replay[src] = &ReplayState{}
		}
		body, err := auth.Verify(g.data, replay[src], goldenTime)
		if err != nil {
			t.Errorf("%s: verify: %v", where, err)
			continue
		}
		if err := p.Decode(body); err != nil {
			t.Errorf("%s: decode: %v", where, err)
			continue
		}
		if pktTypes[g.link] == nil {
			pktTypes[g.link] = map[PacketType]bool{}
		}
		pktTypes[g.link][p.Header.Type] = true
		out, err := p.AppendBinary(nil)
		if err != nil {
			t.Errorf("%s: encode: %v", where, err)
			continue
		}
		if !bytes.Equal(out, body) {
			t.Errorf("%s: re-encoded\n%x\nwant\n%x", where, out, body)
			continue
		}
		signed, err := auth.Sign(out, p.Header.Crypto().Seq, goldenTime)
		if err != nil {
			t.Errorf("%s: sign: %v", where, err)
			continue
		}
		if !bytes.Equal(signed, g.data) {
			t.Errorf("%s: signed\n%x\nwant\n%x", where, signed, g.data)
		}
		if p.Header.Type != TypeLSUpdate {
			continue
		}
		err = RawLSAs(body[HeaderLen:], func(i int, raw []byte) error {
			if err := VerifyLSAChecksum(raw); err != nil {
				return err
			}
			if got := LSAChecksum(raw); got != p.LSU.LSAs[i].Header.Checksum {
				t.Errorf("%s: LSA %d: computed checksum %#04x, carried %#04x", where, i, got, p.LSU.LSAs[i].Header.Checksum)
			}
			l, err := ParseLSA(raw)
			if err != nil {
				return err
			}
			lsTypes[l.Header.Type] = true
			re, err := l.AppendBinary(nil)
			if err != nil {
				return err
			}
			if !bytes.Equal(re, raw) {
				t.Errorf("%s: LSA %d re-encoded\n%x\nwant\n%x", where, i, re, raw)
			}
			return nil
		})
		if err != nil {
			t.Errorf("%s: %v", where, err)
		}
	}
	for _, link := range []string{"frr-area0-broadcast", "frr-area1-md5", "bird-hmac-sha256"} {
		for typ := TypeHello; typ <= TypeLSAck; typ++ {
			if !pktTypes[link][typ] {
				t.Errorf("%s: no %v packet among the goldens", link, typ)
			}
		}
	}
	for _, typ := range []LSType{LSTypeRouter, LSTypeNetwork, LSTypeSummaryNetwork, LSTypeSummaryASBR, LSTypeASExternal, LSTypeNSSA, LSTypeOpaqueArea} {
		if !lsTypes[typ] {
			t.Errorf("no %v LSA among the goldens", typ)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

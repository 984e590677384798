package ospf

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files under testdata/golden (%v); see golden_capture_test.go", err)
	}
	var out []goldenPacket
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		link := strings.TrimSuffix(filepath.Base(f), ".txt")
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(nil, 1<<20)
		note := ""
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			if strings.HasPrefix(line, "#") {
				note = strings.TrimSpace(strings.TrimPrefix(line, "#"))
				continue
			}
			b, err := hex.DecodeString(line)
			if err != nil {
				t.Fatalf("%s:%d: %v", f, n, err)
			}
			out = append(out, goldenPacket{link: link, line: n, note: note, data: b})
		}
	}
	return out
}

// goldenTime is any instant: the golden keys have no lifetimes.
var goldenTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

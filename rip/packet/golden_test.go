package packet

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	goldenfile "github.com/switchless/routing/internal/golden"
)

// The goldens under testdata/golden are payloads FRR ripd 8.4 and BIRD
// 2.0 sent, captured in network namespaces by rip's TestCaptureGoldens
// (RIP_UPDATE_GOLDEN=1); README.md there has the versions, configurations
// and keys. These tests are portable and only read the files.

// Keys of the captured links (README.md).
var (
	goldenFRRMD5  = Key{ID: 1, Algorithm: AlgMD5, Secret: []byte("rip-md5-key")}
	goldenBIRDSHA = Key{ID: 1, Algorithm: AlgHMACSHA256, Secret: []byte("rip-hmac-sha256-key-longer-than-32-bytes"), PlainHMACKey: true}
)

type golden struct {
	line    int
	comment string
	b       []byte
	m       Message
}

func loadGolden(t *testing.T, name string) []golden {
	t.Helper()
	var out []golden
	for _, g := range goldenfile.File(t, filepath.Join("testdata", "golden", name)) {
		comment := "# " + g.Note
		m, err := Parse(g.Data)
		if err != nil {
			t.Fatalf("%s:%d (%s): Parse: %v", name, g.Line, comment, err)
		}
		out = append(out, golden{line: g.Line, comment: comment, b: g.Data, m: m})
	}
	return out
}

// want is an expected entry, written "10.0.1.0/24 1" (prefix, metric)
// for RIP-2 and "10.0.1.0 1" (address, no mask) for RIP-1.
func entryString(e Entry) string {
	if p, ok := e.Prefix(); ok && e.Mask.IsValid() && !e.Mask.IsUnspecified() {
		return fmt.Sprintf("%s %d", p, e.Metric)
	}
	return fmt.Sprintf("%s %d", e.Addr, e.Metric)
}

func checkGolden(t *testing.T, name string, version uint8, auth AuthType, key *Key, wantReq bool, wantEntries ...string) {
	t.Helper()
	gs := loadGolden(t, name)
	reqs, resps := 0, 0
	var lastSeq uint32
	for _, g := range gs {
		at := fmt.Sprintf("%s:%d", name, g.line)
		if g.m.Version != version {
			t.Errorf("%s: version %d, want %d", at, g.m.Version, version)
		}
		// Re-encoding what we parsed gives the bytes back.
		if b, err := g.m.AppendBinary(nil); err != nil || !bytes.Equal(b, g.b) {
			t.Errorf("%s: re-encoded %x (%v), captured %x", at, b, err, g.b)
		}
		switch g.m.Command {
		case Request:
			reqs++
			if !g.m.WholeTable() {
				t.Errorf("%s: request is not for the whole table: %+v", at, g.m.Entries)
			}
			continue
		case Response:
			resps++
		}
		if g.m.Auth.Type != auth {
			t.Errorf("%s: auth %v, want %v", at, g.m.Auth.Type, auth)
		}
		var got []string
		for _, e := range g.m.Entries {
			got = append(got, entryString(e))
		}
		if strings.Join(got, ", ") != strings.Join(wantEntries, ", ") {
			t.Errorf("%s: entries\n  %s\nwant\n  %s", at, strings.Join(got, ", "), strings.Join(wantEntries, ", "))
		}
		if key == nil {
			continue
		}
		if g.m.Auth.KeyID != key.ID || len(g.m.Auth.Data) != key.Algorithm.Size() {
			t.Errorf("%s: key ID %d with %d bytes of data, want %d and %d", at, g.m.Auth.KeyID, len(g.m.Auth.Data), key.ID, key.Algorithm.Size())
		}
		if g.m.Auth.Seq < lastSeq {
			t.Errorf("%s: sequence number %d after %d", at, g.m.Auth.Seq, lastSeq)
		}
		lastSeq = g.m.Auth.Seq
		if err := Verify(g.b, *key); err != nil {
			t.Errorf("%s: Verify with the noted key: %v", at, err)
		}
		wrong := *key
		wrong.Secret = append([]byte("x"), key.Secret...)
		if err := Verify(g.b, wrong); !errors.Is(err, ErrAuthMismatch) {
			t.Errorf("%s: Verify with a wrong key = %v, want ErrAuthMismatch", at, err)
		}
	}
	if wantReq && reqs == 0 {
		t.Errorf("%s: no request", name)
	}
	if resps == 0 {
		t.Errorf("%s: no response", name)
	}
}

// FRR on its unauthenticated veth0: the start request, then its table
// (the other two links' networks and its `route`), split horizon leaving
// out veth0's own network.
func TestGolden_FRRv2(t *testing.T) {
	checkGolden(t, "frr-v2.txt", 2, AuthNone, nil, true, "10.0.1.0/24 1", "10.0.2.0/24 1", "203.0.113.0/24 1")
}

// FRR's keyed MD5 responses verify with the key chain's key; Auth Data
// Len is 20 (FRR's default auth-length old-ripd). Its start request on
// the same interface carries no authentication at all: FRR does not sign
// requests, which is the one message an authenticating peer drops as
// auth-missing.
func TestGolden_FRRMD5(t *testing.T) {
	checkGolden(t, "frr-md5.txt", 2, AuthCrypto, &goldenFRRMD5, true, "10.0.0.0/24 1", "10.0.2.0/24 1", "203.0.113.0/24 1")
	for _, g := range loadGolden(t, "frr-md5.txt") {
		switch {
		case g.m.Command == Request && g.m.Auth.Type != AuthNone:
			t.Errorf("line %d: FRR signed its request (auth %v): the auth-missing explanation no longer holds", g.line, g.m.Auth.Type)
		case g.m.Command == Response && g.m.Auth.DataLen != 20:
			t.Errorf("line %d: Auth Data Len %d, want FRR's 20", g.line, g.m.Auth.DataLen)
		}
	}
}

// FRR with `ip rip send version 1`: RIP-1 with no masks, the 10.x
// subnets sent as addresses for the receiver to infer.
func TestGolden_FRRv1(t *testing.T) {
	checkGolden(t, "frr-v1.txt", 1, AuthNone, nil, true, "10.0.0.0 1", "10.0.1.0 1", "203.0.113.0 1")
}

// BIRD without authentication: its static route only (no `protocol
// direct`, so no connected networks).
func TestGolden_BIRDv2(t *testing.T) {
	checkGolden(t, "bird-v2.txt", 2, AuthNone, nil, true, "192.0.2.0/24 1")
}

// BIRD's HMAC-SHA-256: it signs requests as well as responses, sends Auth
// Data Len 32 (the digest alone) and uses its 40-byte key unchanged, so
// the digest verifies only with PlainHMACKey; with the key hashed first
// (RFC 4822 §2.5) it does not.
func TestGolden_BIRDHMACSHA256(t *testing.T) {
	checkGolden(t, "bird-hmac-sha256.txt", 2, AuthCrypto, &goldenBIRDSHA, false, "192.0.2.0/24 1")
	hashed := goldenBIRDSHA
	hashed.PlainHMACKey = false
	for _, g := range loadGolden(t, "bird-hmac-sha256.txt") {
		if g.m.Auth.Type != AuthCrypto || g.m.Auth.DataLen != 32 {
			t.Errorf("line %d: %s auth %v, Auth Data Len %d, want crypto and 32", g.line, g.m.Command, g.m.Auth.Type, g.m.Auth.DataLen)
		}
		if err := Verify(g.b, goldenBIRDSHA); err != nil {
			t.Errorf("line %d: %s does not verify: %v", g.line, g.m.Command, err)
		}
		if err := Verify(g.b, hashed); !errors.Is(err, ErrAuthMismatch) {
			t.Errorf("line %d: verifies with the key hashed first (%v): BIRD's key handling changed", g.line, err)
		}
	}
}

// Package golden reads the captured packets the codec tests compare
// against (ospf/packet, rip/packet testdata/golden): text files with one
// payload per line in hex, each under a "# …" comment that says where it
// came from. The capture tests write them; this reads them.
package golden

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Packet is one captured payload.
type Packet struct {
	// Name is the file name without ".txt" (the captured link or peer).
	Name string
	// Line is the payload's line in the file.
	Line int
	// Note is the nearest comment above it, without the "#".
	Note string
	// Data is the payload.
	Data []byte
}

// File reads one golden file; a line that is not hex fails t.
func File(t testing.TB, path string) []Packet {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimSuffix(filepath.Base(path), ".txt")
	var out []Packet
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 1<<20)
	note := ""
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "#"):
			note = strings.TrimSpace(strings.TrimPrefix(line, "#"))
			continue
		}
		b, err := hex.DecodeString(line)
		if err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
		out = append(out, Packet{Name: name, Line: n, Note: note, Data: b})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// Dir reads every *.txt file of dir, in name order; no file fails t with
// hint (where the capture test lives).
func Dir(t testing.TB, dir, hint string) []Packet {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files under %s (%v); see %s", dir, err, hint)
	}
	var out []Packet
	for _, f := range files {
		out = append(out, File(t, f)...)
	}
	return out
}

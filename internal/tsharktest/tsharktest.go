// Package tsharktest holds what the packet tests share to have Wireshark's
// dissectors check the packets we encode: finding tshark (skipping, or
// failing under CI=true, without it, as package nstest does), writing
// frames to a pcapng file, running tshark on it without the user's
// profile, and looking for what tshark prints about a packet it finds
// wrong. It is for tests only.
package tsharktest

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

// Complaint matches what Wireshark prints for a packet it finds wrong:
// malformed packets, bad checksums, and expert warnings and errors.
var Complaint = regexp.MustCompile(`(?i)malformed|bad checksum|incorrect|\[expert info \((warning|error)`)

// frameHeader is the line tshark -V starts each frame with.
var frameHeader = regexp.MustCompile(`(?m)^Frame \d+: `)

// Require returns the path of tshark; it skips the test (fails it under
// CI=true) when tshark is not installed.
func Require(t testing.TB) string {
	t.Helper()
	return nstest.RequireBinary(t, "tshark")
}

// WritePcapng writes Ethernet frames to a new pcapng file name in a
// per-test directory, the first stamped first and each next one step
// later, and returns the file's path.
func WritePcapng(t testing.TB, name string, first time.Time, step time.Duration, frames [][]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pcapgo.NewNgWriter(f, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	for i, fr := range frames {
		ci := gopacket.CaptureInfo{Timestamp: first.Add(time.Duration(i) * step), CaptureLength: len(fr), Length: len(fr)}
		if err := w.WritePacket(ci, fr); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// Command returns tshark run with args and a fresh HOME, so that no user
// profile changes what the dissectors say.
func Command(t testing.TB, tshark string, args ...string) *exec.Cmd {
	cmd := exec.Command(tshark, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	return cmd
}

// Run runs tshark with args (see Command) and returns what it printed on
// stdout; it fails the test with tshark's stderr when tshark fails.
func Run(t testing.TB, tshark string, args ...string) string {
	t.Helper()
	cmd := Command(t, tshark, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v: %s", err, stderr.String())
	}
	return string(out)
}

// SplitFrames splits tshark -V output into its frames. What comes before
// the first frame's header (netsim's packet comments, for one) is
// dropped.
func SplitFrames(out string) []string {
	fs := frameHeader.Split(out, -1)
	if len(fs) == 0 {
		return nil
	}
	return fs[1:]
}

// CheckFrames requires every frame of tshark -V output to contain all of
// must, dissected as proto, and no Complaint once what allow matches (when
// not nil) is taken out.
func CheckFrames(t testing.TB, frames []string, proto string, allow *regexp.Regexp, must ...string) {
	t.Helper()
	for i, fr := range frames {
		for _, m := range must {
			if !strings.Contains(fr, m) {
				t.Errorf("frame %d not dissected as %s:\n%s", i+1, proto, fr)
				break
			}
		}
		if allow != nil {
			fr = allow.ReplaceAllString(fr, "")
		}
		if m := Complaint.FindString(fr); m != "" {
			t.Errorf("frame %d: tshark complains (%q):\n%s", i+1, m, fr)
		}
	}
}

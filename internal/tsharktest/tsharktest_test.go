package tsharktest

import (
	"regexp"
	"testing"
)

func TestSplitFrames(t *testing.T) {
	out := "comment\nFrame 1: 60 bytes\nOSPF\n\nFrame 2: 62 bytes\nOSPF [Malformed Packet]\n"
	fs := SplitFrames(out)
	if len(fs) != 2 || fs[0] != "60 bytes\nOSPF\n\n" || fs[1] != "62 bytes\nOSPF [Malformed Packet]\n" {
		t.Fatalf("got %q", fs)
	}
	if fs := SplitFrames(""); len(fs) != 0 {
		t.Errorf("no output: got %q", fs)
	}
}

func TestComplaint(t *testing.T) {
	for s, bad := range map[string]bool{
		"[Malformed Packet: OSPF]": true, "[Checksum Status: Bad checksum]": true, "Length: 9 (incorrect)": true,
		"[Expert Info (Warning/Protocol): x]": true, "[Expert Info (Error/Malformed): x]": true,
		"[Expert Info (Note/Sequence): x]": false, "Open Shortest Path First": false,
	} {
		if Complaint.MatchString(s) != bad {
			t.Errorf("%q: complaint %v, want %v", s, !bad, bad)
		}
	}
	allow := regexp.MustCompile(`\[Expert Info \(Warning/Protocol\): Unknown LSA Type\]`)
	if Complaint.MatchString(allow.ReplaceAllString("[Expert Info (Warning/Protocol): Unknown LSA Type]", "")) {
		t.Error("allowed warning still a complaint")
	}
}

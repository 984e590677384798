package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestRun_FiveNodes runs main's logic on the paper's 5-node ring and
// checks the result table: every scenario, in order, reached every server
// again without a loop, each outage within its bound; the pcap and dot
// files are written.
func TestRun_FiveNodes(t *testing.T) {
	dir := t.TempDir()
	pcap, dot := filepath.Join(dir, "ring.pcapng"), filepath.Join(dir, "ring.dot")
	var out, errb bytes.Buffer
	if rc := run([]string{"-n", "5", "-profile", "fast", "-seed", "3", "-pcap", pcap, "-dot", dot}, &out, &errb); rc != 0 {
		t.Fatalf("exit %d: %s\n%s", rc, errb.String(), out.String())
	}
	text := out.String()
	_, table, ok := strings.Cut(text, "\nresults (probes every 10ms")
	if !ok {
		t.Fatalf("no result table:\n%s", text)
	}
	row := regexp.MustCompile(`(?m)^(S[0-4](?:fr|[fr])?) +(.+?) {2,}(\S+) +(\S+) +\S+ +\S+ +(\d+) +(\d+) +(yes|NO)$`)
	var ids []string
	for _, m := range row.FindAllStringSubmatch(table, -1) {
		ids = append(ids, m[1])
		outage, err1 := time.ParseDuration(m[3])
		bound, err2 := time.ParseDuration(m[4])
		if err1 != nil || err2 != nil {
			t.Fatalf("row %q: %v %v", m[0], err1, err2)
		}
		if outage > bound {
			t.Errorf("%s: outage %v over its bound %v", m[1], outage, bound)
		}
		if m[5] != "0" || m[7] != "yes" {
			t.Errorf("%s: loops %s, reachable %s", m[1], m[5], m[7])
		}
		switch m[1] {
		case "S1", "S2", "S3":
			// Links go down: the fast profile's target.
			if outage > 100*time.Millisecond {
				t.Errorf("%s: outage %v, the fast profile aims at 100ms", m[1], outage)
			}
		case "S1f", "S2f":
			// Frozen with links up: the fast profile's BFD, 50 ms × 3,
			// kills the adjacencies long before the 1 s dead interval.
			if outage > 200*time.Millisecond {
				t.Errorf("%s: outage %v with BFD at 50ms × 3", m[1], outage)
			}
		}
	}
	if got := strings.Join(ids, " "); got != "S0 S1 S4 S2 S2r S3 S3r S1f S4f S2f S2fr" {
		t.Fatalf("scenarios %q in the table:\n%s", got, table)
	}
	for _, want := range []string{"OSPF cost plan:", "vr2   inner        50         10         west", "Backup -> Master", "neighbor vr1 on west Full", "==== S1: vr1 (VRRP master) dies",
		"BFD on ring links 50ms × 3 (detect 150ms)", "session-down 10.255.0.", "(control-detection-time-expired)"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, f := range []string{pcap, dot} {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// The same flags give the same output.
	var again bytes.Buffer
	if rc := run([]string{"-n", "5", "-profile", "fast", "-seed", "3"}, &again, &errb); rc != 0 || again.String() != text {
		t.Error("a second run with the same seed printed something else")
	}
}

func TestRun_BadFlags(t *testing.T) {
	for _, args := range [][]string{{"-n", "2"}, {"-profile", "slow"}, {"extra"}, {"-nope"}} {
		var out, errb bytes.Buffer
		if rc := run(args, &out, &errb); rc != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, rc, errb.String())
		}
	}
}

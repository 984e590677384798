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
	var ids []string
	for _, m := range rows(t, table) {
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
		case "S5":
			// The anycast service fails on vr2-srv0: its health check
			// (100 ms × fall 3) notices within 300 ms, the replica's
			// flushed LSA takes SPF 10 + 40 ms, probe 10 ms: the issue's
			// 0.5 s (measured 200–270 ms). The third failed check is at
			// least two intervals after the failure.
			if outage > 500*time.Millisecond || outage < 200*time.Millisecond {
				t.Errorf("S5: outage %v, want 200ms..500ms (check 100ms × 3 + SPF)", outage)
			}
		case "S5r":
			if outage != 0 {
				t.Errorf("S5r: outage %v when the service returns", outage)
			}
		}
	}
	if got := strings.Join(ids, " "); got != "S0 S1 S4 S2 S2r S3 S3r S1f S4f S2f S2fr S5 S5r" {
		t.Fatalf("scenarios %q in the table:\n%s", got, table)
	}
	for _, want := range []string{"OSPF cost plan:", "vr2   inner        50         10         west", "Backup -> Master", "neighbor vr1 on west Full", "==== S1: vr1 (VRRP master) dies",
		"BFD on ring links 50ms × 3 (detect 150ms)", "session-down 10.255.0.", "(control-detection-time-expired)",
		"anycast service on vr2-srv0 fails", "service s5 on vr2-srv0 up -> down", "anycast check 100ms, rise 2, fall 3"} {
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

// rows parses the result table, checking each row's bound, loops and
// reachability.
func rows(t *testing.T, table string) [][]string {
	t.Helper()
	row := regexp.MustCompile(`(?m)^(S[0-5](?:fr|[fr])?) +(.+?) {2,}(\S+) +(\S+) +\S+ +\S+ +(\d+) +(\d+) +(yes|NO)$`)
	return row.FindAllStringSubmatch(table, -1)
}

// TestRun_RFC_S5 runs the RFC profile: the anycast check every 1 s with
// fall 3 moves the VIP within 3 s plus SPF 50 + 200 ms (measured 2.5–2.9
// s), at least two check intervals after the failure; its return costs
// nothing.
func TestRun_RFC_S5(t *testing.T) {
	var out, errb bytes.Buffer
	if rc := run([]string{"-n", "5", "-profile", "rfc", "-seed", "1"}, &out, &errb); rc != 0 {
		t.Fatalf("exit %d: %s\n%s", rc, errb.String(), out.String())
	}
	_, table, _ := strings.Cut(out.String(), "\nresults (")
	seen := 0
	for _, m := range rows(t, table) {
		outage, err := time.ParseDuration(m[3])
		if err != nil {
			t.Fatal(err)
		}
		switch m[1] {
		case "S5":
			seen++
			if outage > 3500*time.Millisecond || outage < 2*time.Second {
				t.Errorf("S5: outage %v, want 2s..3.5s (check 1s × 3 + SPF)", outage)
			}
		case "S5r":
			seen++
			if outage != 0 {
				t.Errorf("S5r: outage %v", outage)
			}
		}
	}
	if seen != 2 {
		t.Fatalf("S5/S5r rows missing:\n%s", table)
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

// ringYAML is a 4-node ring of an operator's own making, as ringd reads
// it (node sw3's file): names, addresses, edges and profile are not the
// paper's.
const ringYAML = `node: sw3
interfaces: {east: enp1s0, west: enp2s0, lan0: enp3s0}
profile: fast
link_pool: 172.31.0.0/24
upstream:
  prefix: 198.51.100.0/24
  gateway: 198.51.100.1
  vip: 198.51.100.254
  vrid: 42
  edges:
    - {node: sw1, address: 198.51.100.11, priority: 150}
    - {node: sw2, address: 198.51.100.12, priority: 120}
nodes:
  - {name: sw1, lans: [10.10.1.1/24]}
  - {name: sw2, lans: [10.10.2.1/24]}
  - {name: sw3, lans: [10.10.3.1/24]}
  - {name: sw4, lans: [10.10.4.1/24]}
`

// -config simulates the ring of a ringd file: its nodes and edges name
// the cost plan and the scenarios, and every scenario ends reachable and
// loop-free within its bound.
func TestRun_Config(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ring.yaml")
	if err := os.WriteFile(cfg, []byte(ringYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	dot := filepath.Join(dir, "ring.dot")
	var out, errb bytes.Buffer
	if rc := run([]string{"-config", cfg, "-dot", dot}, &out, &errb); rc != 0 {
		t.Fatalf("exit %d: %s\n%s", rc, errb.String(), out.String())
	}
	text := out.String()
	if !strings.Contains(text, "ring of "+cfg+": 4 nodes, profile fast") {
		t.Errorf("header:\n%s", text)
	}
	if !regexp.MustCompile(`(?m)^sw1 +master edge`).MatchString(text) || !regexp.MustCompile(`(?m)^sw2 +backup edge`).MatchString(text) {
		t.Errorf("the cost plan does not follow the file's edges:\n%s", text)
	}
	if !strings.Contains(text, "sw1 (VRRP master) dies") {
		t.Errorf("S1 does not kill the file's master edge:\n%s", text)
	}
	_, table, _ := strings.Cut(text, "\nresults (probes every 10ms")
	rs := rows(t, table)
	if len(rs) < 5 {
		t.Fatalf("%d result rows:\n%s", len(rs), table)
	}
	for _, m := range rs {
		outage, _ := time.ParseDuration(m[3])
		bound, _ := time.ParseDuration(m[4])
		if outage > bound || m[5] != "0" || m[7] != "yes" {
			t.Errorf("%s: outage %v bound %v loops %s reachable %s", m[1], outage, bound, m[5], m[7])
		}
	}
	if b, err := os.ReadFile(dot); err != nil || !strings.Contains(string(b), "sw4") {
		t.Errorf("dot: %v %q", err, b)
	}
}

// A bad file is reported as ringd reports it (file:line, the YAML key),
// and -config excludes -n and -profile.
func TestRun_ConfigErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ring.yaml")
	bad := strings.Replace(ringYAML, "vrid: 42", "vrid: 0", 1)
	if err := os.WriteFile(cfg, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if rc := run([]string{"-config", cfg}, &out, &errb); rc != 1 || !strings.Contains(errb.String(), cfg+":9: upstream.vrid") {
		t.Errorf("bad file: exit %d, %q", rc, errb.String())
	}
	errb.Reset()
	if rc := run([]string{"-config", cfg, "-n", "6"}, &out, &errb); rc != 2 || !strings.Contains(errb.String(), "-n") {
		t.Errorf("-config with -n: exit %d, %q", rc, errb.String())
	}
}

// -grow-from runs the growth scenario on the operator's ring: sw5 cabled
// in between sw4 and sw1 (the last and the first node), the procedure
// printed, the steps S6u, S6h, S6 with 0 outage for the bystanders, then
// the grown ring's scenarios, all reachable and loop-free; and -grow on
// the paper's ring does the same. A file that is no growth step of the
// running one is refused.
func TestRun_Grow(t *testing.T) {
	dir := t.TempDir()
	running, grown := filepath.Join(dir, "ring.yaml"), filepath.Join(dir, "ring5.yaml")
	five := strings.Replace(ringYAML, "  - {name: sw4, lans: [10.10.4.1/24]}\n", "  - {name: sw4, lans: [10.10.4.1/24]}\n  - {name: sw5, lans: [10.10.5.1/24]}\n", 1)
	for f, b := range map[string]string{running: ringYAML, grown: five} {
		if err := os.WriteFile(f, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	growth := regexp.MustCompile(`(?m)^(S6[uh]?) +(.+?) {2,}(\S+) +(\S+) +(\S+) +\S+ +\S+ +(\d+) +(\d+) +(yes|NO)$`)
	for _, args := range [][]string{{"-config", grown, "-grow-from", running}, {"-grow", "-n", "4", "-seed", "2"}} {
		var out, errb bytes.Buffer
		if rc := run(args, &out, &errb); rc != 0 {
			t.Fatalf("%v: exit %d: %s\n%s", args, rc, errb.String(), out.String())
		}
		text := out.String()
		for _, want := range []string{"growth step:", "Unplug the cable", "OSPF cost plan after the growth"} {
			if !strings.Contains(text, want) {
				t.Errorf("%v: no %q in\n%s", args, want, text)
			}
		}
		ms := growth.FindAllStringSubmatch(text, -1)
		if len(ms) != 3 {
			t.Fatalf("%v: %d growth rows, want S6u S6h S6:\n%s", args, len(ms), text)
		}
		for _, m := range ms {
			if m[4] != "0s" || m[6] != "0" || m[8] != "yes" {
				t.Errorf("%v %s: bystanders %s, loops %s, reachable %s", args, m[1], m[4], m[6], m[8])
			}
		}
		if !strings.Contains(text, "S2fr") {
			t.Errorf("%v: the grown ring's scenarios did not run:\n%s", args, text)
		}
	}
	var out, errb bytes.Buffer
	if rc := run([]string{"-config", running, "-grow-from", grown}, &out, &errb); rc != 1 || !strings.Contains(errb.String(), "growth") {
		t.Errorf("shrinking: exit %d, %q", rc, errb.String())
	}
	errb.Reset()
	if rc := run([]string{"-grow-from", running}, &out, &errb); rc != 2 {
		t.Errorf("-grow-from without -config: exit %d, %q", rc, errb.String())
	}
}

package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestRun_Chain: -topology chain runs the paper's non-redundant pattern
// through S0, S2, S2r, S3, S3r and lists the servers each fault cut off:
// those beyond it from the edge vr1, and nobody after the repairs.
func TestRun_Chain(t *testing.T) {
	var out, errb bytes.Buffer
	if rc := run([]string{"-n", "4", "-topology", "chain", "-east-west"}, &out, &errb); rc != 0 {
		t.Fatalf("exit %d: %s\n%s", rc, errb.String(), out.String())
	}
	text := out.String()
	for _, want := range []string{
		"static routes only (no OSPF, BFD or VRRP)",
		"vr4   inner  west                                3\n",
		"S2   vr1-srv0 <-> vr3-srv0, vr1-srv0 <-> vr4-srv0, vr3-srv0, vr4-srv0\n",
		"S3   vr1-srv0 <-> vr2-srv0, vr1-srv0 <-> vr3-srv0, vr1-srv0 <-> vr4-srv0, vr2-srv0, vr3-srv0, vr4-srv0\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
	_, table, _ := strings.Cut(text, "\nresults (")
	table, _, _ = strings.Cut(table, "\nbounds:")
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(table), "\n")[2:] {
		f := strings.Fields(line)
		ids = append(ids, f[0])
		// From the end: cut off, reachable, bounced, loops, converged,
		// lost, bound, east-west, outage.
		if outage, ew := f[len(f)-9], f[len(f)-8]; f[0] != "S0" && (outage != "0s" || ew != "0s") {
			t.Errorf("%s: outage %s, east-west %s for the servers not cut off, want 0s: %q", f[0], outage, ew, line)
		}
		if f[len(f)-2] != "yes" {
			t.Errorf("%s: not every server reachable: %q", f[0], line)
		}
	}
	if got := strings.Join(ids, " "); got != "S0 S2 S2r S3 S3r" {
		t.Errorf("scenarios %s", got)
	}
	for _, args := range [][]string{{"-topology", "chain", "-n", "1"}, {"-topology", "mesh"}, {"-config", "x.yaml", "-topology", "chain"}} {
		var out, errb bytes.Buffer
		if rc := run(args, &out, &errb); rc != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, rc, errb.String())
		}
	}
}

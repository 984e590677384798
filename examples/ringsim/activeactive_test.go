package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestRun_ActiveActive: -active-active prints which edge each node exits
// through and the gateway's route for each LAN (vr1–vr3 to group 1's
// VIP, vr4 and vr5 to group 2's), and runs S1b and S4b, every step
// within its bound, loop-free and reachable at its end. -other-edge runs
// S1b and S4b in the single-group ring; without it there are none.
func TestRun_ActiveActive(t *testing.T) {
	row := regexp.MustCompile(`(?m)^(S[0-5](?:fr|[frb])?) +(.+?) {2,}(\S+) +(\S+) +\S+ +\S+ +(\d+) +(\d+) +(yes|NO)$`)
	for _, tc := range []struct {
		args      []string
		aa, other bool
	}{
		{[]string{"-n", "5", "-profile", "fast", "-active-active"}, true, true},
		{[]string{"-n", "5", "-profile", "fast", "-other-edge"}, false, true},
		{[]string{"-n", "4", "-profile", "fast"}, false, false},
	} {
		var out, errb bytes.Buffer
		if rc := run(tc.args, &out, &errb); rc != 0 {
			t.Fatalf("%v: exit %d: %s\n%s", tc.args, rc, errb.String(), out.String())
		}
		text := out.String()
		if got := strings.Contains(text, "the upstream gateway's routes"); got != tc.aa {
			t.Errorf("%v: gateway routes printed: %v", tc.args, got)
		}
		if tc.aa {
			for _, want := range []string{
				"ip route 10.3.0.0/24        192.0.2.254   # group 1, vr3",
				"ip route 10.4.0.0/24        192.0.2.253   # group 2, vr4",
				"vr5   edge, master of group 2",
				"group 2 (VRID 11): Backup -> Master",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("%v: no %q in\n%s", tc.args, want, text)
				}
			}
		}
		_, table, _ := strings.Cut(text, "\nresults (")
		seen := map[string]bool{}
		for _, m := range row.FindAllStringSubmatch(table, -1) {
			seen[m[1]] = true
			outage, err1 := time.ParseDuration(m[3])
			bound, err2 := time.ParseDuration(m[4])
			if err1 != nil || err2 != nil || outage > bound || m[5] != "0" || m[7] != "yes" {
				t.Errorf("%v: %s", tc.args, m[0])
			}
		}
		if seen["S1b"] != tc.other || seen["S4b"] != tc.other || !seen["S1"] || !seen["S4"] {
			t.Errorf("%v: scenarios %v", tc.args, seen)
		}
	}
	var out, errb bytes.Buffer
	if rc := run([]string{"-config", "x.yaml", "-active-active"}, &out, &errb); rc != 2 {
		t.Errorf("-config with -active-active: exit %d, want 2", rc)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/anycast"
)

// RFC 2453's timers as the matrix runs them by default.
const (
	update     = 30 * time.Second
	maxUpdate  = update + update/6 // §3.8: the next regular update, with its jitter
	ripTimeout = 180 * time.Second
	damping    = 5 * time.Second // §3.10.1: the longest damping of a triggered update
	detect     = 500 * time.Millisecond
)

func matrix(t *testing.T, args ...string) []Row {
	t.Helper()
	var out, errb bytes.Buffer
	if rc := run(append([]string{"-json"}, args...), &out, &errb); rc != 0 {
		t.Fatalf("exit %d: %s", rc, errb.String())
	}
	var rs []Row
	if err := json.Unmarshal(out.Bytes(), &rs); err != nil {
		t.Fatal(err)
	}
	if len(rs) != 22 {
		t.Fatalf("%d rows, want 2 modes × (5 + 6) scenarios", len(rs))
	}
	return rs
}

func d(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }

// after is what each campus should reach at the end of a row.
func after(r Row) [2]string {
	switch {
	case r.Scenario == ScenarioReturn && r.Mode == ModeFailover:
		return [2]string{"A", "A"}
	case r.Scenario == ScenarioReturn:
		return [2]string{"A", "B"}
	}
	return [2]string{"B", "B"}
}

// TestMatrix_RFCTimers runs the default matrix (RFC 2453 timers, no BFD)
// and checks issue 12's targets where RIP can meet them, and the bounds
// RIP's timers set where it cannot (see the package doc).
func TestMatrix_RFCTimers(t *testing.T) {
	for _, r := range matrix(t) {
		id := string(r.Mode) + " " + string(r.Policy) + " " + string(r.Scenario)
		for _, res := range []Result{r.Ours, r.Ref} {
			for c, cs := range res.Campus {
				if want := after(r)[c]; cs.After != want {
					t.Errorf("%s (%s): campus %d ends on %q, want %q", id, res.Method, c+1, cs.After, want)
				}
			}
			// The peer method with its guard never lowers a broken
			// replica's metric (paper §4.2's warning).
			if !res.GuardOK {
				t.Errorf("%s (%s): A announced while its service was down", id, res.Method)
			}
		}
		for c, cs := range r.Ours.Campus {
			out, dead := d(cs.OutageMs), d(cs.DeadMs)
			t.Logf("%-26s campus %d: ours %v (%v to a dead server), ref %v", id, c+1, out, dead, d(r.Ref.Campus[c].OutageMs))
			// The far campus of a failover plan (campus 1 learns B
			// through r2) waits for r2's second triggered update, the
			// good news after the bad: damped 1–5 s (§3.10.1).
			far := time.Duration(0)
			if r.Mode == ModeFailover && c == 0 {
				far = damping
			}
			switch r.Scenario {
			case ScenarioStop, ScenarioGuard:
				// 100 ms × fall 3: the routers stop forwarding to the
				// broken A within 0.5 s (the first triggered update goes
				// at once, §3.10.1) and ask for another path (§3.9.1).
				if dead > detect {
					t.Errorf("%s: campus %d reached the broken A for %v, want <= %v", id, c+1, dead, detect)
				}
				limit := detect + far
				if r.Policy == anycast.PolicyPeer {
					// B's lowered metric is B's own first triggered update.
					limit = detect
				}
				if out > limit {
					t.Errorf("%s: campus %d outage %v, want <= %v", id, c+1, out, limit)
				}
				// The reference: up to a minute of the cron, then the same.
				if ref := d(r.Ref.Campus[c].OutageMs); ref > time.Minute+detect+far {
					t.Errorf("%s: reference campus %d outage %v, over 60s + the update", id, c+1, ref)
				}
			case ScenarioReturn:
				if out != 0 || r.Ref.Campus[c].OutageMs != 0 {
					t.Errorf("%s: campus %d lost %v (ref %v) when A came back", id, c+1, out, d(r.Ref.Campus[c].OutageMs))
				}
			case ScenarioDrain:
				// Withdraw before remove: no probe reaches A after its
				// alias is gone, and the near campus loses nothing.
				if dead != 0 {
					t.Errorf("%s: campus %d reached A without its alias for %v", id, c+1, dead)
				}
				if out > far {
					t.Errorf("%s: campus %d drain outage %v, want <= %v", id, c+1, out, far)
				}
			case ScenarioPowerOff:
				// Without BFD a silent A is forgotten at RIP's timeout,
				// counted from its last update (so at least the timeout
				// less an update); the peer policy's B takes over first.
				limit := detect
				if r.Policy == anycast.PolicySelf && (r.Mode == ModeFailover || c == 0) {
					limit = ripTimeout + time.Second + far
					if out < ripTimeout-maxUpdate {
						t.Errorf("%s: campus %d outage %v, want RIP's timeout %v less at most an update", id, c+1, out, ripTimeout)
					}
				}
				if out > limit {
					t.Errorf("%s: campus %d outage %v, want <= %v", id, c+1, out, limit)
				}
			case ScenarioKill:
				// A's service answers on the stale route until the
				// timeout: the outage is only the wait after it.
				if out > far+time.Second {
					t.Errorf("%s: campus %d outage %v after the daemon was killed", id, c+1, out)
				}
				if c == 0 && d(cs.SettledMs) < ripTimeout-maxUpdate {
					t.Errorf("%s: campus 1 moved after %v, before RIP's timeout could pass", id, d(cs.SettledMs))
				}
			}
			if r.Mode == ModeBalance && c == 1 && cs.OutageMs != 0 {
				t.Errorf("%s: campus 2 (on B) lost %v", id, out)
			}
		}
	}
}

// TestMatrix_BFD: with BFD between each server and its router, a silent
// power-off or a killed daemon takes A's route away within 300 ms and
// the routers ask for another (§3.9.1): every campus moves within 300 ms,
// but the far campus of the failover plan, which waits for r2's damped
// second triggered update.
func TestMatrix_BFD(t *testing.T) {
	for _, r := range matrix(t, "-bfd") {
		if r.Scenario != ScenarioPowerOff && r.Scenario != ScenarioKill {
			continue
		}
		id := string(r.Mode) + " " + string(r.Policy) + " " + string(r.Scenario)
		for c, cs := range r.Ours.Campus {
			out, dead := d(cs.OutageMs), d(cs.DeadMs)
			t.Logf("%-26s campus %d: %v (%v to a dead server), settled %v", id, c+1, out, dead, d(cs.SettledMs))
			if cs.After != "B" {
				t.Errorf("%s: campus %d ends on %q", id, c+1, cs.After)
			}
			if dead > 300*time.Millisecond {
				t.Errorf("%s: campus %d reached the dead A for %v with BFD", id, c+1, dead)
			}
			limit := 300 * time.Millisecond
			if r.Mode == ModeFailover && c == 0 {
				limit += damping // r2's second triggered update (§3.10.1)
			}
			if out > limit {
				t.Errorf("%s: campus %d outage %v with BFD, want <= %v", id, c+1, out, limit)
			}
		}
	}
}

var stamp = regexp.MustCompile(`^ *([+-][0-9.]+)s  (\S+) +(\S+) +(.*)$`)

// TestRun_Deterministic: the same flags print the same bytes; another
// seed moves the events within the timers' phases. The timeline shows
// the first triggered update going at once.
func TestRun_Deterministic(t *testing.T) {
	runOut := func(args ...string) string {
		var out, errb bytes.Buffer
		if rc := run(args, &out, &errb); rc != 0 {
			t.Fatalf("%v: exit %d: %s", args, rc, errb.String())
		}
		return out.String()
	}
	a, b := runOut("-rip", "fast", "-seed", "7", "-v"), runOut("-rip", "fast", "-seed", "7", "-v")
	if a != b {
		t.Fatal("two runs with the same seed differ")
	}
	checkFirstTriggeredAtOnce(t, a)
	if c := runOut("-rip", "fast", "-seed", "8"); strings.Contains(a, c[strings.Index(c, "\nmatrix"):]) {
		t.Error("seeds 7 and 8 printed the same")
	}
	for _, want := range []string{"matrix (probes every 10ms", "failover  self    stop", "balance   peer    guard", "smtp service stops", "probes answered by B"} {
		if !strings.Contains(a, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestRun_BadFlags(t *testing.T) {
	for _, args := range [][]string{{"-rip", "slow"}, {"-interval", "1ms"}, {"-fall", "0"}, {"-drain", "-1s"}, {"extra"}, {"-nope"}} {
		var out, errb bytes.Buffer
		if rc := run(args, &out, &errb); rc != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, rc, errb.String())
		}
	}
}

// checkFirstTriggeredAtOnce: RFC 2453 §3.10.1 damps the
// triggered updates after the first; A's withdrawal is the first in a
// while, so both routers hear it within milliseconds.
func checkFirstTriggeredAtOnce(t *testing.T, out string) {
	t.Helper()
	i := strings.Index(out, "==== failover self stop, 100ms")
	if i < 0 {
		t.Fatal("no timeline of failover self stop")
	}
	block, _, _ := strings.Cut(out[i:], "==== failover self stop, cron")
	at := map[string]float64{}
	for _, line := range strings.Split(block, "\n") {
		m := stamp.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		if v < 0 {
			continue
		}
		key := m[2] + " " + strings.Fields(m[4])[0]
		if _, seen := at[key]; !seen {
			at[key] = v
		}
	}
	w, ok1 := at["A withdraw"]
	r1, ok2 := at["r1 route-removed"]
	r2, ok3 := at["r2 route-removed"]
	if !ok1 || !ok2 || !ok3 {
		t.Fatalf("timeline lacks the withdrawal: %v\n%s", at, block)
	}
	if w > 0.5 || r1-w > 0.01 || r2-w > 0.01 {
		t.Errorf("withdraw at %.3fs, r1 at %.3fs, r2 at %.3fs: the first triggered update must go at once", w, r1, r2)
	}
}

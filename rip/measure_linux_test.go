//go:build linux

package rip

// TestMeasureWithdrawal measures, in namespaces, how long a withdrawal
// takes to cross a line of three routers a–b–c: from the originator a's
// Withdraw (or graceful Stop) to the route leaving c's kernel, c's main
// table polled through netlink every 10 ms. a and c are ours; b is ours
// or FRR ripd, every router on the fast timers (FastTimers, FRR `timers
// basic 5 15 10`). It logs figures and never asserts on speed. It runs
// only with RIP_MEASURE=1 (RIP_MEASURE_RUNS, default 5, runs per case):
//
//	sudo RIP_MEASURE=1 go test -run TestMeasureWithdrawal -v ./rip/
//
// Before each withdrawal the route has been in c's kernel for
// RIP_MEASURE_SETTLE (default 5.5 s), past the 1–5 s triggered-update
// damping (§3.10.1) of every router, so the withdrawal goes out in a
// first, undamped triggered update wherever the implementation allows;
// RIP_MEASURE_SETTLE=0 withdraws as soon as the route reaches c, while
// the damping timers armed by the announcement still run. With the 10 ms
// poll, figures under about 12 ms only say "first or second poll".

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

func TestMeasureWithdrawal(t *testing.T) {
	if os.Getenv("RIP_MEASURE") != "1" {
		t.Skip("set RIP_MEASURE=1 to measure withdrawal times across a line of three routers")
	}
	runs := 5
	if s := os.Getenv("RIP_MEASURE_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("RIP_MEASURE_RUNS=%q", s)
		}
		runs = n
	}
	settle := 5500 * time.Millisecond
	if s := os.Getenv("RIP_MEASURE_SETTLE"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			t.Fatalf("RIP_MEASURE_SETTLE=%q", s)
		}
		settle = d
	}
	t.Logf("%d runs per case, settle %v", runs, settle)
	var table []string
	for _, middle := range []string{"ours", "frr"} {
		for _, event := range []string{"withdraw", "stop"} {
			t.Run(middle+"-"+event, func(t *testing.T) {
				ds := measureLine(t, middle, event, runs, settle)
				sorted := slices.Clone(ds)
				slices.Sort(sorted)
				var all []string
				for _, d := range ds {
					all = append(all, d.Round(time.Millisecond).String())
				}
				line := fmt.Sprintf("| %-4s | %-8s | %d | %v | %v | %v | %s |", middle, event, len(ds),
					sorted[len(sorted)/2].Round(time.Millisecond), sorted[0].Round(time.Millisecond), sorted[len(sorted)-1].Round(time.Millisecond), strings.Join(all, " "))
				t.Log(line)
				table = append(table, line)
			})
		}
	}
	t.Logf("\n| b in the middle | event | runs | median | min | max | all |\n|---|---|---|---|---|---|---|\n%s", strings.Join(table, "\n"))
}

// measureLine builds a–b–c and returns the time from each of runs
// withdrawals at a to the route leaving c's kernel.
func measureLine(t *testing.T, middle, event string, runs int, settle time.Duration) []time.Duration {
	na, nb, nc := nstest.New(t, "rxa"), nstest.New(t, "rxb"), nstest.New(t, "rxc")
	nstest.Veth(t, na, "ab", nb, "ba")
	nstest.Veth(t, nb, "bc", nc, "cb")
	na.Exec(t, "ip", "addr", "add", "10.1.0.1/24", "dev", "ab")
	nb.Exec(t, "ip", "addr", "add", "10.1.0.2/24", "dev", "ba")
	nb.Exec(t, "ip", "addr", "add", "10.2.0.2/24", "dev", "bc")
	nc.Exec(t, "ip", "addr", "add", "10.2.0.3/24", "dev", "cb")
	aCfg := Config{Interfaces: []InterfaceConfig{{Name: "ab", Prefix: pfx("10.1.0.1/24")}}}
	switch middle {
	case "ours":
		startOurRIP(t, nb, Config{Interfaces: []InterfaceConfig{{Name: "ba", Prefix: pfx("10.1.0.2/24")}, {Name: "bc", Prefix: pfx("10.2.0.2/24")}}})
	case "frr":
		startFRRRIP(t, nb, frrRIPConf("", []string{"ba", "bc"}, ""))
	}
	startOurRIP(t, nc, Config{Interfaces: []InterfaceConfig{{Name: "cb", Prefix: pfx("10.2.0.3/24")}}})
	kc := openKernel(t, nc)
	inC := func(p string) bool {
		_, ok, err := kc.route(pfx(p))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	var a *ourRIP
	if event == "withdraw" {
		a = startOurRIP(t, na, aCfg)
	}
	var ds []time.Duration
	for run := range runs {
		p := fmt.Sprintf("198.51.100.%d/32", run+1)
		if event == "stop" {
			a = startOurRIP(t, na, aCfg)
		}
		if err := a.Announce(pfx(p), 1, 0); err != nil {
			t.Fatal(err)
		}
		waitOurKernel(t, kc, p, 20*time.Second, "10.2.0.2")
		time.Sleep(settle)
		start := time.Now()
		var err error
		if event == "withdraw" {
			err = a.Withdraw(pfx(p))
		} else {
			err = a.Stop(t.Context())
		}
		if err != nil {
			t.Fatal(err)
		}
		for inC(p) {
			if time.Since(start) > 30*time.Second {
				t.Fatalf("run %d: %s still in c's kernel after 30 s", run, p)
			}
			time.Sleep(10 * time.Millisecond)
		}
		d := time.Since(start)
		t.Logf("run %d: %s left c's kernel %v after %s at a (b = %s)", run, p, d.Round(time.Millisecond), event, middle)
		ds = append(ds, d)
	}
	return ds
}

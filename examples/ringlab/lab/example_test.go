package lab_test

import (
	"fmt"
	"time"

	"github.com/switchless/routing/examples/ringlab/lab"
)

// FormatComparison puts the stacks side by side: the median outage of
// each scenario over the runs, with the range.
func ExampleFormatComparison() {
	run := func(s1, s3 time.Duration) []lab.Result {
		return []lab.Result{
			{ID: "S1", Name: "vr1 (VRRP master) dies", Outage: s1, Reachable: true},
			{ID: "S3", Name: "ring link vr1-vr2 cut", Outage: s3, Reachable: true},
		}
	}
	ours := lab.Column{Title: "ours", Runs: [][]lab.Result{
		run(70*time.Millisecond, 10*time.Millisecond),
		run(60*time.Millisecond, 20*time.Millisecond),
		run(90*time.Millisecond, 10*time.Millisecond),
	}}
	frr := lab.Column{Title: "FRR + keepalived", Runs: [][]lab.Result{
		run(1020*time.Millisecond, 1010*time.Millisecond),
	}}
	fmt.Print(lab.FormatComparison([]lab.Column{ours, frr}))
	// Output:
	// scenario                   ours                       FRR + keepalived
	// S1 vr1 (VRRP master) dies  0.070 s (0.060 s–0.090 s)  1.020 s
	// S3 ring link vr1-vr2 cut   0.010 s (0.010 s–0.020 s)  1.010 s
}

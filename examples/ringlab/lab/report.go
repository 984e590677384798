package lab

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Column is one stack's results over several runs of the same scenarios.
type Column struct {
	// Title heads the column.
	Title string
	// Runs are the results of each run, in step order.
	Runs [][]Result
}

// Median returns the median outage of scenario id over the runs, the
// smallest and largest, and how many runs ended with a server
// unreachable.
func (c Column) Median(id string) (med, lo, hi time.Duration, n, unreachable int) {
	return c.median(id, func(r Result) time.Duration { return r.Outage })
}

// MedianEastWest is Median of the east-west outage.
func (c Column) MedianEastWest(id string) (med, lo, hi time.Duration, n, unreachable int) {
	return c.median(id, func(r Result) time.Duration { return r.EastWest })
}

// eastWestApart reports whether the column's runs probed east-west beside
// the gateway, so that the east-west outage is a figure of its own.
func (c Column) eastWestApart() bool {
	for _, run := range c.Runs {
		for _, r := range run {
			if r.EastWestProbed && r.GatewayProbed {
				return true
			}
		}
	}
	return false
}

func (c Column) median(id string, f func(Result) time.Duration) (med, lo, hi time.Duration, n, unreachable int) {
	var ds []time.Duration
	for _, run := range c.Runs {
		for _, r := range run {
			if r.ID == id {
				ds = append(ds, f(r))
				if !r.Reachable {
					unreachable++
				}
			}
		}
	}
	if len(ds) == 0 {
		return 0, 0, 0, 0, 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2], ds[0], ds[len(ds)-1], len(ds), unreachable
}

// FormatComparison renders the columns side by side: the median outage of
// every scenario (with the range when there are several runs) and, for a
// column whose runs probed east-west beside the gateway, the median
// east-west outage in a column of its own.
func FormatComparison(cols []Column) string {
	var ids []string
	names := map[string]string{}
	for _, c := range cols {
		for _, run := range c.Runs {
			for _, r := range run {
				if !slices.Contains(ids, r.ID) {
					ids = append(ids, r.ID)
					names[r.ID] = r.Name
				}
			}
		}
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	row := []string{"scenario"}
	for _, c := range cols {
		row = append(row, c.Title)
		if c.eastWestApart() {
			row = append(row, c.Title+" east-west")
		}
	}
	fmt.Fprintln(tw, strings.Join(row, "\t"))
	cell := func(med, lo, hi time.Duration, n, bad int) string {
		var cell string
		switch {
		case n == 0:
			cell = "n/a"
		case n == 1:
			cell = seconds(med)
		default:
			cell = fmt.Sprintf("%s (%s–%s)", seconds(med), seconds(lo), seconds(hi))
		}
		if bad > 0 {
			cell += fmt.Sprintf(" UNREACHABLE in %d", bad)
		}
		return cell
	}
	for _, id := range ids {
		row = []string{id + " " + names[id]}
		for _, c := range cols {
			row = append(row, cell(c.Median(id)))
			if c.eastWestApart() {
				med, lo, hi, n, _ := c.MedianEastWest(id)
				row = append(row, cell(med, lo, hi, n, 0))
			}
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	for _, id := range ids {
		if id == "S5" || id == "S5r" {
			b.WriteString(AnycastNote + "\n")
			break
		}
	}
	return b.String()
}

// AnycastNote explains the S5 rows of a comparison: what the VIP probe
// is, and why the reference has none.
const AnycastNote = "S5/S5r: the anycast VIP probed by TCP connect + \"220\" banner to port 25 every 10 ms; " +
	"n/a for the reference: FRR's ospfd has no health-checked announcement, and the paper's method " +
	"(a check script adding and removing the redistributed route through vtysh) is not wired into the lab"

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }

// FormatResults renders one run's results with their limits: with
// east-west probes beside the gateway's, their outage and worst pair in
// columns of their own (without uplink they are the outage).
func FormatResults(rs []Result) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	apart := Column{Runs: [][]Result{rs}}.eastWestApart()
	head := "scenario\toutage\tworst\tconverged\thealed\treachable\tlimit"
	if apart {
		head = "scenario\toutage\tworst\teast-west\tworst pair\tconverged\thealed\treachable\tlimit"
	}
	fmt.Fprintln(tw, head)
	for _, r := range rs {
		ok := "yes"
		if !r.Reachable {
			ok = "NO: " + strings.Join(r.Unreachable, ",")
		}
		limit := "-"
		if r.Limit > 0 {
			limit = seconds(r.Limit)
			if !r.WithinLimit() {
				limit += " (over)"
			}
		}
		healed := "-"
		if r.Healed > 0 {
			healed = seconds(r.Healed)
		}
		ew := ""
		if apart {
			ew = seconds(r.EastWest) + "\t" + r.EastWestWorst + "\t"
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s%s\t%s\t%s\t%s\n", r.ID, r.Name, seconds(r.Outage), r.Worst, ew, seconds(r.Converged), healed, ok, limit)
	}
	tw.Flush()
	return b.String()
}

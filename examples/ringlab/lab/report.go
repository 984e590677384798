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
	var ds []time.Duration
	for _, run := range c.Runs {
		for _, r := range run {
			if r.ID == id {
				ds = append(ds, r.Outage)
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
// every scenario (with the range when there are several runs).
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
	}
	fmt.Fprintln(tw, strings.Join(row, "\t"))
	for _, id := range ids {
		row = []string{id + " " + names[id]}
		for _, c := range cols {
			med, lo, hi, n, bad := c.Median(id)
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
			row = append(row, cell)
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

// FormatResults renders one run's results with their limits.
func FormatResults(rs []Result) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\toutage\tworst\tconverged\thealed\treachable\tlimit")
	for _, r := range rs {
		ok := "yes"
		if !r.Reachable {
			ok = "NO: " + strings.Join(r.Unreachable, ",")
		}
		limit := "-"
		if r.Limit > 0 {
			limit = seconds(r.Limit)
			if r.Outage > r.Limit {
				limit += " (over)"
			}
		}
		healed := "-"
		if r.Healed > 0 {
			healed = seconds(r.Healed)
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name, seconds(r.Outage), r.Worst, seconds(r.Converged), healed, ok, limit)
	}
	tw.Flush()
	return b.String()
}

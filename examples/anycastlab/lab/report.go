package lab

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// cell renders one campus of one step: the outage (the longest run of
// failed probes), the failed probes in all, the server reached at the end
// and after how long, and "NOT SETTLED" when the step timed out.
func cell(c CampusResult) string {
	got := c.Got
	if got == "" {
		got = "none"
	}
	s := fmt.Sprintf("%s (%d lost) → %s", seconds(c.Outage), c.Lost, got)
	if c.Moved > 0 {
		s += " at " + seconds(c.Moved)
	}
	return s
}

func formatCampuses(r Result) string {
	s := fmt.Sprintf("c1 %s; c2 %s; %s", cell(r.Campus[0]), cell(r.Campus[1]), seconds(r.Took))
	if !r.Settled {
		s += fmt.Sprintf(" NOT SETTLED (want c1→%s, c2→%s)", r.Campus[0].Want, r.Campus[1].Want)
	}
	return s
}

// FormatResults renders one run's steps.
func FormatResults(rs []Result) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "step\tcampus 1 (c1)\tcampus 2 (c2)\tstep took")
	for _, r := range rs {
		took := seconds(r.Took)
		if !r.Settled {
			took += " NOT SETTLED"
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\n", r.ID, r.Name, cell(r.Campus[0]), cell(r.Campus[1]), took)
	}
	tw.Flush()
	return b.String()
}

// FormatComparison renders every run side by side: one row per mode and
// step, per stack the outage of each campus (longest run of failed
// probes × ProbeInterval) and the server it reached.
func FormatComparison(rs []Result) string {
	var stacks []Stack
	type key struct {
		m  Mode
		id string
	}
	var rows []key
	names := map[string]string{}
	byKey := map[key]map[Stack]Result{}
	for _, r := range rs {
		if !slices.Contains(stacks, r.Stack) {
			stacks = append(stacks, r.Stack)
		}
		k := key{r.Mode, r.ID}
		if byKey[k] == nil {
			byKey[k] = map[Stack]Result{}
			rows = append(rows, k)
		}
		byKey[k][r.Stack] = r
		names[r.ID] = r.Name
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	head := []string{"mode", "step"}
	for _, s := range stacks {
		head = append(head, s.String()+" c1", s.String()+" c2")
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, k := range rows {
		row := []string{k.m.String(), k.id + " " + names[k.id]}
		for _, s := range stacks {
			r, ok := byKey[k][s]
			if !ok {
				row = append(row, "-", "-")
				continue
			}
			c1, c2 := short(r.Campus[0]), short(r.Campus[1])
			if !r.Settled {
				c1 += " !"
				c2 += " !"
			}
			row = append(row, c1, c2)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	return b.String()
}

func short(c CampusResult) string {
	got := c.Got
	if got == "" {
		got = "none"
	}
	return fmt.Sprintf("%s →%s", seconds(c.Outage), got)
}

// Command ringlab builds the switchless ring in Linux network namespaces
// and measures it with real packets, ours against the reference, in one
// invocation: the same topology (N nodes, a server behind each, a gateway
// on the upstream LAN) and the same scenarios (S0 cold start, S1 the VRRP
// master edge dies, S4 it returns and preempts, S2 an inner node dies, S2r
// it returns, S3 a ring link is cut, S3r it is restored, S1f the master
// edge freezes with its links up, S4f it reboots, S2f the inner node
// freezes, S2fr it reboots; for ours, S5 the anycast service on a
// replica stops and S5r it returns), first with
// examples/ringd on every node, then with FRR (zebra, staticd, ospfd with
// the same costs and default metrics) and keepalived. The gateway probes
// every server every 10 ms with fping; the outage of a scenario is the
// longest run of lost probes times the interval. See package lab.
//
// Usage (as root; needs iproute2, fping, and for the reference frr and
// keepalived):
//
//	go run ./examples/ringlab [-n 5] [-profile fast|rfc] [-runs 3] [-stack both|ours|frr] [-steps S1,S2] [-east-west=false] [-no-uplink] [-v] [-keep] [-debug]
//
// Beside the gateway's probes, each server probes the server two nodes
// further east (lab.EastWestPairs: every ring link is crossed by some
// pair), the storage traffic of a cluster; the tables report that outage
// apart. -no-uplink builds a ring without uplink (lab.MeshSpec; with -n 3
// the full mesh of a three-node storage cluster): no gateway, VRRP or
// default, a host address on every node, the scenarios without edges (S0,
// S2, S2r, S3, S3r, S2f, S2fr) measured by the east-west probes alone, and
// the reference without keepalived.
//
// -profile fast compares our fast profile (OSPF dead 1 s with 4 hellos a
// second, BFD 50 ms × 3 on the ring links, VRRPv3 every 20 ms) with FRR
// at its best: `ip ospf dead-interval minimal hello-multiplier 4`, bfdd at
// 50 ms × 3 with `ip ospf bfd`, `timers throttle spf 0 50 500`, `timers
// throttle lsa all 0`, `timers lsa min-arrival 0`, and keepalived VRRPv3
// at 0.1 s; -profile rfc
// compares our RFC profile with FRR at hello 1 s, dead 3 s and keepalived
// VRRPv2 at 1 s. With -runs, the table shows the median of the runs and
// their range. ringd is built once with `go build` into a temporary
// directory (or given with -ringd).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/switchless/routing/examples/ringlab/lab"
	"github.com/switchless/routing/ring"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ringlab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 5, "number of ring nodes")
	profile := fs.String("profile", "fast", "timer profile: fast or rfc")
	runs := fs.Int("runs", 1, "runs of each stack (the table shows medians)")
	stacks := fs.String("stack", "both", "both, ours or frr")
	steps := fs.String("steps", "", "comma-separated scenarios to run besides S0 (default: all)")
	ringd := fs.String("ringd", "", "ringd binary (default: go build ./examples/ringd)")
	verbose := fs.Bool("v", false, "print the timeline of every run")
	keep := fs.Bool("keep", false, "keep the configuration and log files")
	debug := fs.Bool("debug", false, "run ringd with log_level debug (implies -keep)")
	eastWest := fs.Bool("east-west", true, "probe between servers on different nodes too (each to the one two nodes east), and report that outage apart")
	noUplink := fs.Bool("no-uplink", false, "a ring without uplink (lab.MeshSpec: no gateway, VRRP or default; host addresses; east-west probes only; no keepalived for the reference)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	prof, err := ring.ParseProfile(*profile)
	if err != nil {
		fmt.Fprintf(stderr, "ringlab: -profile: %v\n", err)
		return 2
	}
	var which []lab.Stack
	switch *stacks {
	case "both":
		which = []lab.Stack{lab.Ours, lab.FRR}
	case "ours":
		which = []lab.Stack{lab.Ours}
	case "frr":
		which = []lab.Stack{lab.FRR}
	default:
		fmt.Fprintf(stderr, "ringlab: -stack %q: want both, ours or frr\n", *stacks)
		return 2
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(stderr, "ringlab: needs root (network namespaces)")
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	if *ringd == "" && contains(which, lab.Ours) {
		dir, err := os.MkdirTemp("", "ringlab-bin-")
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		*ringd = filepath.Join(dir, "ringd")
		fmt.Fprintf(stdout, "building ringd into %s\n", *ringd)
		if err := Build(ctx, *ringd); err != nil {
			fmt.Fprintf(stderr, "ringlab: %v\n", err)
			return 1
		}
	}

	var cols []lab.Column
	for _, s := range which {
		cols = append(cols, lab.Column{Title: title(s, prof, *noUplink)})
	}
	var sel []string
	if *steps != "" {
		sel = strings.Split(*steps, ",")
	}
	failed := false
	for r := range *runs {
		for k, s := range which {
			fmt.Fprintf(stdout, "\n== run %d/%d: %s\n", r+1, *runs, cols[k].Title)
			var tl io.Writer = io.Discard
			if *verbose {
				tl = stdout
			}
			res, err := lab.Run(ctx, lab.Options{N: *n, Profile: prof, Stack: s, Ringd: *ringd, Out: tl, Keep: *keep || *debug, Debug: *debug, Steps: sel,
				NoEastWest: !*eastWest, NoUplink: *noUplink})
			if len(res) > 0 {
				fmt.Fprint(stdout, lab.FormatResults(res))
				cols[k].Runs = append(cols[k].Runs, res)
			}
			if err != nil {
				fmt.Fprintf(stderr, "ringlab: %s: %v\n", cols[k].Title, err)
				failed = true
			}
			if ctx.Err() != nil {
				return 1
			}
		}
	}
	switch {
	case *noUplink:
		fmt.Fprintf(stdout, "\noutage between servers on different nodes (no uplink: fping every %v from each server to the server two nodes east and to that node's host address; longest run of lost probes × interval; S0: time until every pair answered)", lab.ProbeInterval)
	default:
		fmt.Fprintf(stdout, "\noutage seen from the gateway (fping every %v to every server, and a TCP banner probe of the anycast VIP in S5/S5r; longest run of lost probes × interval; S0: time until every server answered)", lab.ProbeInterval)
		if *eastWest {
			fmt.Fprintf(stdout, " and east-west (fping every %v from each server to the server two nodes east)", lab.ProbeInterval)
		}
	}
	if *runs > 1 {
		fmt.Fprintf(stdout, ", median of %d runs (min–max)", *runs)
	}
	fmt.Fprintf(stdout, ":\n%s", lab.FormatComparison(cols))
	fmt.Fprintln(stdout, "\nsettings:")
	for k, s := range which {
		set := lab.Settings(s, prof)
		if *noUplink {
			set = lab.SettingsNoUplink(s, prof)
		}
		fmt.Fprintf(stdout, "  %s: %s\n", cols[k].Title, set)
	}
	if failed {
		return 1
	}
	return 0
}

func contains(ss []lab.Stack, s lab.Stack) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func title(s lab.Stack, p ring.Profile, noUplink bool) string {
	switch {
	case noUplink && s == lab.FRR && p == ring.ProfileFast:
		return "FRR (dead minimal, 4 hellos/s, BFD 50 ms × 3)"
	case noUplink && s == lab.FRR:
		return "FRR (hello 1 s, dead 3 s)"
	case s == lab.Ours && p == ring.ProfileFast:
		return "ours (ringd, fast profile)"
	case s == lab.Ours:
		return "ours (ringd, RFC profile)"
	case p == ring.ProfileFast:
		return "FRR (dead minimal, 4 hellos/s, BFD 50 ms × 3) + keepalived v3 0.1 s"
	}
	return "FRR (hello 1 s, dead 3 s) + keepalived v2 1 s"
}

// Build compiles examples/ringd into path.
func Build(ctx context.Context, path string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", path, "github.com/switchless/routing/examples/ringd")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build ringd: %w: %s", err, out)
	}
	return nil
}

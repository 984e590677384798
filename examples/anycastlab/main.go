// Command anycastlab builds the second source paper's system in Linux
// network namespaces and measures it with real TCP connections, ours
// beside the paper's own method, in one invocation: two campus routers r1
// and r2 (FRR zebra + ripd) joined by a link, SMTP server a on r1's LAN
// and b on r2's, both with the VIP 198.18.0.25/32 on lo, and a client on
// each campus (c1 on r1, c2 on r2) connecting to VIP:25 every 10 ms and
// reading the banner ("220 a ESMTP" or "220 b ESMTP") to tell which
// server answered. See package lab for the scenarios and what is
// measured.
//
// Usage (as root; needs iproute2, tc, bash and frr):
//
//	flock /tmp/lab.lock go run ./examples/anycastlab [-stacks ours,reference] [-modes failover,lb] [-scenarios stop,kill,poweroff,drain] [-timers fast|rfc] [-anycastd BIN] [-v] [-keep]
//
// The stacks:
//
//   - ours: examples/anycastd on each server (built with go build into a
//     temporary directory unless -anycastd), its RIP speaker toward the
//     campus router, a tcp_banner check of the server's own address:25
//     every 100 ms, fall 3, rise 3; metrics MA=1 MB=3 (failover) or 1/1
//     (lb).
//   - reference: the paper's method, FRR ripd on each server with
//     `redistribute connected metric M` (a route-map lets only the VIP
//     through) and a shell loop that checks the service every 60 s and
//     sets metric 16 through vtysh when it fails, M when it passes.
//
// `anycastlab serve -name NAME -listen ADDR` is the lab's SMTP stand-in,
// which the lab runs in each server's namespace.
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
	"time"

	"github.com/switchless/routing/examples/anycastlab/lab"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		os.Exit(serve(os.Args[2:], os.Stderr))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// serve runs lab.Serve until SIGTERM.
func serve(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("anycastlab serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "server name in the banner")
	listen := fs.String("listen", ":25", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *name == "" {
		fmt.Fprintln(stderr, "anycastlab serve: -name is required")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := lab.Serve(ctx, *name, *listen); err != nil && ctx.Err() == nil {
		fmt.Fprintf(stderr, "anycastlab serve: %v\n", err)
		return 1
	}
	return 0
}

type config struct {
	stacks   []lab.Stack
	modes    []lab.Mode
	faults   []lab.Fault
	timers   lab.RIPTimers
	anycastd string
	update   time.Duration
	trigger  time.Duration
	cover    bool
	verbose  bool
	keep     bool
}

func parse(args []string, stderr io.Writer) (config, bool) {
	var c config
	fs := flag.NewFlagSet("anycastlab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stacks := fs.String("stacks", "ours,reference", "comma-separated stacks: ours, reference")
	modes := fs.String("modes", "failover,lb", "comma-separated modes: failover (MA=1 MB=3), lb (MA=MB=1)")
	scen := fs.String("scenarios", "", "comma-separated faults: stop, kill, poweroff, drain (default: all); each is followed by its undoing")
	timers := fs.String("timers", "fast", "RIP timers of routers and servers: fast (5/15/10 s) or rfc (30/180/120 s)")
	fs.DurationVar(&c.update, "ours-update", time.Second, "regular update interval of anycastd's RIP speaker on the servers (0: the -timers update)")
	fs.DurationVar(&c.trigger, "ours-trigger", 0, "damping of triggered updates of anycastd's RIP speaker: trigger_min (trigger_max twice it); 0: RFC 2453's 1-5 s")
	fs.BoolVar(&c.cover, "cover", false, "ours: b also announces the VIP's covering /31 (cover_prefixes), which the routers fall back to the moment a's /32 is withdrawn")
	fs.StringVar(&c.anycastd, "anycastd", "", "anycastd binary (default: go build ./examples/anycastd)")
	fs.BoolVar(&c.verbose, "v", false, "print the timeline of every run")
	fs.BoolVar(&c.keep, "keep", false, "keep the configuration and log files")
	if err := fs.Parse(args); err != nil {
		return c, false
	}
	fail := func(f string, err error) (config, bool) {
		fmt.Fprintf(stderr, "anycastlab: -%s: %v\n", f, err)
		return c, false
	}
	for _, s := range strings.Split(*stacks, ",") {
		st, err := lab.ParseStack(s)
		if err != nil {
			return fail("stacks", err)
		}
		c.stacks = append(c.stacks, st)
	}
	for _, s := range strings.Split(*modes, ",") {
		m, err := lab.ParseMode(s)
		if err != nil {
			return fail("modes", err)
		}
		c.modes = append(c.modes, m)
	}
	var err error
	if c.faults, err = lab.ParseFaults(*scen); err != nil {
		return fail("scenarios", err)
	}
	switch *timers {
	case "fast":
		c.timers = lab.Fast
	case "rfc":
		c.timers = lab.RFC
	default:
		return fail("timers", fmt.Errorf("%q: want fast or rfc", *timers))
	}
	return c, true
}

func run(args []string, stdout, stderr io.Writer) int {
	c, ok := parse(args, stderr)
	if !ok {
		return 2
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(stderr, "anycastlab: needs root (network namespaces)")
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if c.anycastd == "" && contains(c.stacks, lab.Ours) {
		dir, err := os.MkdirTemp("", "anycastlab-bin-")
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		c.anycastd = filepath.Join(dir, "anycastd")
		fmt.Fprintf(stdout, "building anycastd into %s\n", c.anycastd)
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", c.anycastd, "github.com/switchless/routing/examples/anycastd").CombinedOutput(); err != nil {
			fmt.Fprintf(stderr, "anycastlab: go build anycastd: %v: %s\n", err, out)
			return 1
		}
	}
	start := time.Now()
	var all []lab.Result
	failed := false
	for _, m := range c.modes {
		for _, s := range c.stacks {
			fmt.Fprintf(stdout, "\n== %s, %s\n", s, m)
			var tl io.Writer = io.Discard
			if c.verbose {
				tl = stdout
			}
			t0 := time.Now()
			res, err := lab.Run(ctx, lab.Options{Stack: s, Mode: m, Faults: c.faults, Timers: c.timers, OursUpdate: c.update, OursTrigger: c.trigger, Cover: c.cover, Anycastd: c.anycastd, Helper: self, Out: tl, Keep: c.keep})
			if len(res) > 0 {
				fmt.Fprint(stdout, lab.FormatResults(res))
				all = append(all, res...)
			}
			fmt.Fprintf(stdout, "(%s, %s: %v)\n", s, m, time.Since(t0).Round(time.Second))
			if err != nil {
				fmt.Fprintf(stderr, "anycastlab: %s %s: %v\n", s, m, err)
				failed = true
			}
			if ctx.Err() != nil {
				return 1
			}
		}
	}
	fmt.Fprintf(stdout, "\noutage per campus (TCP connect + banner to %v:%d every %v from c1 and c2; longest run of failed probes × interval) → the server answering at the end; wall time %v:\n%s",
		lab.VIP.Addr(), lab.Port, lab.ProbeInterval, time.Since(start).Round(time.Second), lab.FormatComparison(all))
	fmt.Fprintln(stdout, "\nsettings:")
	for _, s := range c.stacks {
		fmt.Fprintf(stdout, "  %s: %s\n", s, lab.Settings(s, c.timers, c.update, c.trigger, c.cover))
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

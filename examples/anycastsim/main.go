// Command anycastsim runs the system of the suite's second source paper
// (Osumi et al., IPSJ SIG Technical Report 2012-IOT-18: replicated SMTP
// servers sharing a /32 VIP on a loopback alias, each announcing it with
// RIP) in one process, on the simulated network and a virtual clock, and
// prints the measured matrix of issue 12.
//
// The topology is the paper's: two campuses, each an L3 router (package
// rip), joined by a link; SMTP server A on campus 1's LAN and B on
// campus 2's, each running rip toward its router and package anycast with
// the VIP on a memory address manager. Clients on both campuses probe the
// VIP every 10 ms of virtual time: a probe follows the routers' FIBs hop
// by hop and succeeds if it reaches a server that is on, holds the VIP on
// its alias and runs its SMTP service.
//
// The matrix: the paper's failover (MA=1, MB=3) and load-balancing
// (MA=MB=1) plans (anycast.Plan), × the self and peer policies (§3.4,
// §4.2), × five things that happen to A: its service stops, its service
// returns, its routing daemon is killed (no goodbye), it powers off
// silently, it is drained gracefully; the peer policy adds the guard's
// case (A's service stops while A also sees B fail). Each row runs twice:
// with our checks (-interval, -fall, -rise) and with the paper's own
// method, a cron job once a minute that sets metric 16 at the first
// failure (a check every 60 s, fall 1, rise 1).
//
// Usage:
//
//	anycastsim [-rip rfc|fast] [-bfd] [-interval 100ms] [-fall 3] [-rise 3] [-drain 0] [-seed 1] [-v] [-json]
//
// -rip fast uses rip.FastTimers (5 s updates, 15 s timeout) instead of
// RFC 2453's (30 s, 180 s); -bfd runs BFD (50 ms × 3) between each server
// and its router; -v prints the timeline of every run; -json prints the
// matrix as JSON. The same flags give the same output, byte for byte.
//
// In the table a campus's "A→B" says which server its probes reached at
// the event and at the end of the run ("A!" is a server reached that does
// not answer, "-" no route); "out" is the time of failed probes after the
// event (10 ms each) and "settle" when the last change happened. The
// paper has no drain of its own: the reference's drain is the same
// SetMaintenance, and its kill and power-off rows differ from ours only
// through the timers' phases, as no check is involved.
//
// A default run (anycastsim) prints:
//
//	anycastsim: the paper's two campuses, RIP rfc (update 30s, timeout 3m0s), no BFD, checks 100ms × fall 3 / rise 3, drain 36s, seed 1
//
//	matrix (probes every 10ms from both campuses; ours = 100ms × fall 3, ref = the paper's cron: 60s × fall 1):
//	mode      policy  scenario  ours c1  out       settle    ours c2  out       settle    |  ref c1  out       settle    ref c2  out       settle    guard
//	failover  self    stop      A→B      4.19s     4.19s     A→B      310ms     310ms     |  A→B     17.37s    17.37s    A→B     12.71s    12.71s    -
//	failover  self    return    B→A      0s        240ms     B→A      0s        240ms     |  B→A     0s        22.24s    B→A     0s        22.24s    -
//	failover  self    kill      A→B      2.67s     2m43.92s  A→B      0s        2m41.25s  |  A→B     2.67s     2m43.92s  A→B     0s        2m41.25s  -
//	failover  self    poweroff  A→B      2m44.49s  2m44.49s  A→B      2m41.82s  2m41.82s  |  A→B     2m44.49s  2m44.49s  A→B     2m41.82s  2m41.82s  -
//	failover  self    drain     A→B      2.99s     3s        A→B      0s        10ms      |  A→B     2.99s     3s        A→B     0s        10ms      -
//	failover  peer    stop      A→B      310ms     310ms     A→B      310ms     310ms     |  A→B     9.21s     9.21s     A→B     9.21s     9.21s     ok
//	failover  peer    return    B→A      0s        32.77s    B→A      0s        32.77s    |  B→A     0s        35.89s    B→A     0s        35.89s    ok
//	failover  peer    kill      A→B      2.67s     2m56.23s  A→B      0s        2m53.56s  |  A→B     2.67s     2m56.23s  A→B     0s        2m53.56s  ok
//	failover  peer    poweroff  A→B      260ms     260ms     A→B      260ms     260ms     |  A→B     33.86s    33.86s    A→B     33.86s    33.86s    ok
//	failover  peer    drain     A→B      4.66s     4.67s     A→B      0s        10ms      |  A→B     4.66s     4.67s     A→B     0s        10ms      ok
//	failover  peer    guard     A→B      270ms     270ms     A→B      270ms     270ms     |  A→B     48.77s    48.77s    A→B     48.77s    48.77s    ok
//	balance   self    stop      A→B      310ms     310ms     B→B      0s        0s        |  A→B     20.01s    20.01s    B→B     0s        0s        -
//	balance   self    return    B→A      0s        230ms     B→B      0s        0s        |  B→A     0s        6.43s     B→B     0s        0s        -
//	balance   self    kill      A→B      0s        2m51.89s  B→B      0s        0s        |  A→B     0s        2m51.89s  B→B     0s        0s        -
//	balance   self    poweroff  A→B      2m33.69s  2m33.69s  B→B      0s        0s        |  A→B     2m33.69s  2m33.69s  B→B     0s        0s        -
//	balance   self    drain     A→B      0s        10ms      B→B      0s        0s        |  A→B     0s        10ms      B→B     0s        0s        -
//	balance   peer    stop      A→B      270ms     270ms     B→B      0s        0s        |  A→B     39.87s    39.87s    B→B     0s        0s        ok
//	balance   peer    return    B→A      0s        28.02s    B→B      0s        0s        |  B→A     0s        1m0.81s   B→B     0s        0s        ok
//	balance   peer    kill      A→B      0s        2m56.27s  B→B      0s        0s        |  A→B     0s        2m56.27s  B→B     0s        0s        ok
//	balance   peer    poweroff  A→B      230ms     230ms     B→B      0s        0s        |  A→B     24.83s    24.83s    B→B     0s        0s        ok
//	balance   peer    drain     A→B      0s        10ms      B→B      0s        0s        |  A→B     0s        10ms      B→B     0s        0s        ok
//	balance   peer    guard     A→B      250ms     250ms     B→B      0s        0s        |  A→B     26.45s    26.45s    B→B     0s        0s        ok
//
// Why the numbers are what they are. RIP keeps one route per destination
// (RFC 2453 §3.9.2): while both campuses use A, nobody holds B's route.
// A withdrawal goes out at once (the first triggered update, §3.10.1)
// and a router left without the route asks its neighbours for their
// tables (§3.9.1), so r2 hears B within milliseconds; r1, the far campus
// of the failover plan, hears B through r2's next triggered update,
// which the 1–5 s damping of §3.10.1 holds back because r2 has just sent
// the bad news. So: the self check moves the near campus in the check
// time (300 ms) and the far one in that plus the damping; the peer
// policy moves both in the check time (B's lowered metric is B's own
// first triggered update); a drain loses nothing on the near campus and
// the damping on the far one, and no probe ever reaches A without its
// alias. Without BFD a silent power-off costs RIP's 180 s timeout,
// counted from A's last update (so 145–180 s), unless the peer policy's
// B takes over; a killed daemon costs nothing until that timeout, as A's
// service still answers on the stale route. With -bfd both cost about
// the 150 ms detection (plus the damping on the far failover campus).
// The reference, the paper's cron, adds up to a minute to every check.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/switchless/routing/anycast"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Options are anycastsim's flags.
type Options struct {
	FastRIP   bool
	BFD       bool
	Interval  time.Duration
	Rise      int
	Fall      int
	DrainTime time.Duration
	// Cover: B, the failover backup, also announces the VIP's covering
	// /31 (anycast.ServiceConfig.CoverPrefixes), ours only.
	Cover   bool
	Seed    int64
	Verbose bool
	JSON    bool
	// keep, when set, selects the rows to run (tests).
	keep func(rowKey) bool
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("anycastsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ripProfile := fs.String("rip", "rfc", "RIP timers: rfc (RFC 2453: 30 s update, 180 s timeout) or fast (rip.FastTimers)")
	bfdOn := fs.Bool("bfd", false, "run BFD (50ms × 3) between each server and its router")
	interval := fs.Duration("interval", 100*time.Millisecond, "health check interval")
	fall := fs.Int("fall", 3, "failed checks that take a service down")
	rise := fs.Int("rise", 3, "successful checks that bring a service up")
	drain := fs.Duration("drain", 0, "drain time of a graceful drain (0: one RIP update interval plus the 5 s damping and 1 s)")
	cover := fs.Bool("cover", false, "ours: B also announces the VIP's covering /31, which the routers fall back to the moment A's /32 is withdrawn")
	seed := fs.Int64("seed", 1, "random seed")
	verbose := fs.Bool("v", false, "print the timeline of every run")
	asJSON := fs.Bool("json", false, "print the matrix as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "anycastsim: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	o := Options{BFD: *bfdOn, Interval: *interval, Rise: *rise, Fall: *fall, DrainTime: *drain, Cover: *cover, Seed: *seed, Verbose: *verbose, JSON: *asJSON}
	switch *ripProfile {
	case "rfc":
	case "fast":
		o.FastRIP = true
	default:
		fmt.Fprintf(stderr, "anycastsim: -rip %q: want rfc or fast\n", *ripProfile)
		return 2
	}
	if o.Interval < 10*time.Millisecond || o.Interval > time.Minute {
		fmt.Fprintf(stderr, "anycastsim: -interval %v: want 10ms to 1m\n", o.Interval)
		return 2
	}
	if o.Rise < 1 || o.Fall < 1 || o.Rise > 100 || o.Fall > 100 {
		fmt.Fprintf(stderr, "anycastsim: -rise %d -fall %d: want 1 to 100\n", o.Rise, o.Fall)
		return 2
	}
	if o.DrainTime < 0 {
		fmt.Fprintf(stderr, "anycastsim: -drain %v: must not be negative\n", o.DrainTime)
		return 2
	}
	if err := simulate(o, stdout); err != nil {
		fmt.Fprintf(stderr, "anycastsim: %v\n", err)
		return 1
	}
	return 0
}

func simulate(o Options, out io.Writer) error {
	update, timeout := o.ripTimers()
	if o.DrainTime == 0 {
		o.DrainTime = update + 6*time.Second
	}
	tl := &timeline{out: out, on: o.Verbose && !o.JSON}
	if !o.JSON {
		fmt.Fprintf(out, "anycastsim: the paper's two campuses, RIP %s (update %v, timeout %v), %s, checks %v × fall %d / rise %d, drain %v, seed %d\n",
			map[bool]string{false: "rfc", true: "fast"}[o.FastRIP], update, timeout,
			map[bool]string{false: "no BFD", true: fmt.Sprintf("BFD %v × %d server–router", bfdInterval, bfdMult)}[o.BFD],
			o.Interval, o.Fall, o.Rise, o.DrainTime, o.Seed)
		if o.Verbose {
			fmt.Fprintf(out, "\ntimelines (virtual time since each event):\n")
		}
	}
	rs, err := runMatrix(o, tl)
	if err != nil {
		return err
	}
	if o.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rs)
	}
	fmt.Fprintf(out, "\nmatrix (probes every %v from both campuses; ours = %v × fall %d, ref = the paper's cron: 60s × fall 1):\n", probeEvery, o.Interval, o.Fall)
	fmt.Fprint(out, formatRows(rs))
	return nil
}

// formatRows prints the matrix, ours and the reference side by side.
func formatRows(rs []Row) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "mode\tpolicy\tscenario\tours c1\tout\tsettle\tours c2\tout\tsettle\t|\tref c1\tout\tsettle\tref c2\tout\tsettle\tguard")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t", r.Mode, r.Policy, r.Scenario)
		for _, res := range []Result{r.Ours, r.Ref} {
			for _, c := range res.Campus {
				fmt.Fprintf(tw, "%s→%s\t%s\t%s\t", c.Before, c.After, ms(c.OutageMs), ms(c.SettledMs))
			}
			if res.Method == r.Ours.Method {
				fmt.Fprint(tw, "|\t")
			}
		}
		guard := "-"
		if r.Policy == anycast.PolicyPeer {
			guard = map[bool]string{true: "ok", false: "BROKEN"}[r.Ours.GuardOK && r.Ref.GuardOK]
		}
		fmt.Fprintf(tw, "%s\n", guard)
	}
	tw.Flush()
	return b.String()
}

func ms(v int64) string {
	return (time.Duration(v) * time.Millisecond).String()
}

// timeline prints the events of each run, in virtual time since its event.
type timeline struct {
	out   io.Writer
	on    bool
	epoch time.Time
}

func (t *timeline) header(s string) {
	if t.on {
		fmt.Fprintf(t.out, "==== %s\n", s)
	}
}

func (t *timeline) add(at time.Time, node, kind, text string) {
	if !t.on {
		return
	}
	fmt.Fprintf(t.out, "%11s  %-7s %-7s %s\n", fmt.Sprintf("%+.3fs", at.Sub(t.epoch).Seconds()), node, kind, text)
}

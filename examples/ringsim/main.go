// Command ringsim runs a whole switchless ring in one process, on the
// simulated network and a virtual clock, through the scenarios of the
// design: cold start (S0), the VRRP master edge dying (S1, and frozen with
// its links up, S1f), a non-edge node dying (S2, and frozen, S2f), a ring
// link cut (S3), and
// the old master returning and preempting (S4). It prints a timeline in
// virtual time and a table of the outages the gateway's probes (every
// 10 ms, to every server and back) saw, next to the bound the configured
// timers imply.
//
// Usage:
//
//	ringsim [-n 5] [-profile rfc|fast] [-topology ring|chain] [-active-active] [-other-edge] [-seed 1] [-east-west] [-pcap ring.pcapng] [-dot ring.dot] [-v]
//	ringsim -config ring.yaml [-other-edge] [-seed 1] [-east-west] [-pcap ...] [-dot ...] [-v]
//	ringsim -grow [-n 5] [-profile ...] | -config new.yaml -grow-from running.yaml
//
// With -config, ringsim simulates the operator's own ring instead of the
// paper's: the file is the one every ringd reads (any node's: they differ
// only in `node` and `interfaces`), validated as ringd validates it, and
// its nodes, links, edges, LANs, profile, timers, costs and anycast
// service give the scenarios, which pick the master edge, the busiest
// inner node and the links from it. The cost plan, the outage table and
// the -dot picture are printed before anything is cabled.
//
// -grow (the paper's ring, vrN+1 cabled in between vrN and vr1) and
// -grow-from (the operator's running ring, grown into -config's) run the
// growth scenario S6 after the cold start, following the operator's
// procedure (ring.Growth): S6u unplugs the cable the new node goes into,
// S6h reloads every node with the grown spec, S6 cables the new node in
// and starts it; the table's bystanders column is the outage of the
// traffic that crossed neither re-cabled interface. Then the grown ring
// runs its own scenarios.
//
// -active-active gives the paper's ring a second VRRP group (VIP
// 192.0.2.253, VRID 11) whose master is the backup edge (ring.Upstream.Second;
// in a file, upstream.second): each half of the ring exits through its
// nearer edge, the plan says which, and ringsim prints the routes the
// upstream gateway must have (each LAN to its group's VIP). Its scenarios
// add S1b and S4b: the other edge dies and returns. -other-edge runs
// those in a single-group ring too, to compare the two modes.
//
// -east-west also probes between every two servers on different nodes
// (the storage traffic of a switchless cluster) and adds their longest
// outage per scenario as a column of its own.
//
// -topology chain simulates the source paper's non-redundant pattern
// instead (ring.TopologyChain): the same nodes cabled in a line from vr1,
// the single edge, with static routes only, through S0, S2, S2r, S3 and
// S3r; the table's "cut off" column counts the servers a fault strands
// (unreachable until the repair, listed below it), whose outage is not
// the others': theirs is 0. It is why the ring exists.
//
// The same flags give the same run, byte for byte. -pcap writes every
// OSPF and VRRP packet of every link (Wireshark shows one interface per
// link); -dot writes the ring at the end of the run (Graphviz: dot -Kcirco
// -Tsvg ring.dot > ring.svg); -v prints every route change, not only the
// default route's.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/switchless/routing/internal/ringconf"
	"github.com/switchless/routing/ring"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ringsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 5, "number of nodes in the ring (3 to 64)")
	profile := fs.String("profile", "fast", "timer profile: rfc or fast")
	seed := fs.Int64("seed", 1, "random seed")
	pcap := fs.String("pcap", "", "write every packet to this pcapng file")
	dot := fs.String("dot", "", "write the ring at the end of the run to this Graphviz file")
	verbose := fs.Bool("v", false, "print every route change")
	config := fs.String("config", "", "simulate the ring of this ringd configuration file instead of the paper's")
	eastWest := fs.Bool("east-west", false, "probe between every two servers on different nodes too (storage traffic), and report that outage apart")
	grow := fs.Bool("grow", false, "grow the paper's ring from -n to -n+1 nodes (S6: vrN+1 cabled in between vrN and vr1), then run the grown ring's scenarios")
	growFrom := fs.String("grow-from", "", "with -config: start from the ring of this (running) configuration file and grow it into -config's (S6)")
	topology := fs.String("topology", "ring", "ring, or chain: the paper's non-redundant pattern, static routes only")
	activeActive := fs.Bool("active-active", false, "two VRRP groups, one master at each edge; each half of the ring exits through its nearer edge")
	otherEdge := fs.Bool("other-edge", false, "also run S1b/S4b (the backup edge dies and returns) in a single-group ring")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ringsim: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *growFrom != "" && *config == "" {
		fmt.Fprintf(stderr, "ringsim: -grow-from needs -config, the grown ring\n")
		return 2
	}
	if *config != "" {
		var clash []string
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "n" || f.Name == "profile" || f.Name == "topology" || f.Name == "grow" || f.Name == "active-active" {
				clash = append(clash, "-"+f.Name)
			}
		})
		if len(clash) > 0 {
			fmt.Fprintf(stderr, "ringsim: %s: the ring's size, profile, topology and groups come from -config\n", strings.Join(clash, ", "))
			return 2
		}
		c, err := ringconf.Load(*config)
		if err != nil {
			fmt.Fprintf(stderr, "ringsim: %v\n", err)
			return 1
		}
		o := Options{Spec: &c.Ring, From: *config, Seed: *seed, Pcap: *pcap, Dot: *dot, Verbose: *verbose, EastWest: *eastWest, OtherEdge: *otherEdge}
		if *growFrom != "" {
			old, err := ringconf.Load(*growFrom)
			if err != nil {
				fmt.Fprintf(stderr, "ringsim: -grow-from: %v\n", err)
				return 1
			}
			if _, err := c.GrowthFrom(old); err != nil {
				fmt.Fprintf(stderr, "ringsim: -grow-from %s: %v\n", *growFrom, err)
				return 1
			}
			o.Spec, o.GrowInto, o.From = &old.Ring, &c.Ring, *growFrom
		}
		if err := simulate(o, stdout); err != nil {
			fmt.Fprintf(stderr, "ringsim: %v\n", err)
			return 1
		}
		return 0
	}
	prof, err := ring.ParseProfile(*profile)
	if err != nil {
		fmt.Fprintf(stderr, "ringsim: -profile: %v\n", err)
		return 2
	}
	topo, err := ring.ParseTopology(*topology)
	if err != nil {
		fmt.Fprintf(stderr, "ringsim: -topology: %v\n", err)
		return 2
	}
	if least := map[ring.Topology]int{ring.TopologyRing: 3, ring.TopologyChain: 2}[topo]; *n < least || *n > ring.MaxNodes {
		fmt.Fprintf(stderr, "ringsim: -n %d: a %v has %d to %d nodes\n", *n, topo, least, ring.MaxNodes)
		return 2
	}
	o := Options{N: *n, Profile: prof, Topology: topo, Seed: *seed, Pcap: *pcap, Dot: *dot, Verbose: *verbose, EastWest: *eastWest,
		ActiveActive: *activeActive, OtherEdge: *otherEdge}
	if *grow {
		if *activeActive || topo != ring.TopologyRing || *n+1 > ring.MaxNodes {
			fmt.Fprintf(stderr, "ringsim: -grow: grows a ring of at most %d nodes\n", ring.MaxNodes-1)
			return 2
		}
		old, next := ring.PaperGrowth(*n, prof)
		o.Spec, o.GrowInto, o.From = &old, &next, "the paper"
	}
	if err := simulate(o, stdout); err != nil {
		fmt.Fprintf(stderr, "ringsim: %v\n", err)
		return 1
	}
	return 0
}

// Options are ringsim's flags.
type Options struct {
	N         int
	Profile   ring.Profile
	Topology  ring.Topology
	Seed      int64
	Pcap, Dot string
	Verbose   bool
	// EastWest adds the probes between servers (ring.SimConfig.EastWest).
	EastWest bool
	// ActiveActive gives the paper's ring its second VRRP group
	// (PaperSecond); OtherEdge runs S1b and S4b in a single-group ring.
	ActiveActive, OtherEdge bool
	// Spec, when set, is the ring to simulate (N and Profile are
	// ignored); From names the file it came from.
	Spec *ring.Spec
	From string
	// GrowInto, when set, is the ring Spec grows into (ring.PlanGrowth):
	// after the cold start the growth steps S6u, S6h, S6 run, then the
	// grown ring's own scenarios.
	GrowInto *ring.Spec
}

func simulate(o Options, out io.Writer) (err error) {
	spec := ring.PaperSpec(o.N, o.Profile)
	what := "switchless ring"
	if o.Topology == ring.TopologyChain {
		spec = ring.PaperChain(o.N, o.Profile)
		what = "switchless chain (the paper's non-redundant pattern)"
	}
	if o.ActiveActive {
		spec.Upstream.Second = &PaperSecond
		what = "switchless ring with active-active edges"
	}
	if o.Spec != nil {
		spec = *o.Spec
		what = spec.Topology.String() + " of " + o.From
	}
	plan, err := ring.PlanCosts(spec)
	if err != nil {
		return err
	}
	if spec.Topology == ring.TopologyChain {
		fmt.Fprintf(out, "%s: %d nodes, static routes only (no OSPF, BFD or VRRP), seed %d\n\n", what, len(spec.Nodes), o.Seed)
		fmt.Fprintf(out, "static plan:\n%s\n", chainPlan(plan))
	} else {
		fmt.Fprintf(out, "%s: %d nodes, profile %v (%s), seed %d\n\n", what, len(spec.Nodes), spec.Profile, describeTimers(spec.Profile), o.Seed)
		fmt.Fprintf(out, "OSPF cost plan:\n%s\n", plan)
	}
	if spec.Upstream.Second != nil {
		routes, err := spec.GatewayRoutes()
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "the upstream gateway's routes (each LAN to the VIP of the group its traffic leaves by):\n")
		for _, r := range routes {
			fmt.Fprintf(out, "  ip route %-18v %v   # group %d%s\n", r.Prefix, r.VIP, r.Group, map[bool]string{true: ", " + r.Node, false: ", anycast"}[r.Node != ""])
		}
		fmt.Fprintln(out)
	}

	var sim *ring.Sim
	tl := &timeline{out: out, verbose: o.Verbose}
	sim, err = ring.NewSim(ring.SimConfig{Spec: spec, Seed: o.Seed, OnEvent: tl.event, EastWest: o.EastWest})
	if err != nil {
		return err
	}
	tl.epoch = sim.Clock().Now()
	if o.Pcap != "" {
		f, err := os.Create(o.Pcap)
		if err != nil {
			return err
		}
		c, err := sim.CapturePcapng(f)
		if err != nil {
			f.Close()
			return err
		}
		defer func() {
			err = errors.Join(err, c.Close(), f.Close())
		}()
	}
	var steps []ring.Step
	if o.GrowInto != nil {
		g, grow, err := sim.GrowthSteps(*o.GrowInto)
		if err != nil {
			return fmt.Errorf("growth: %w", err)
		}
		fmt.Fprintf(out, "growth step:\n%s\n", g.Procedure())
		steps = append(sim.Steps()[:1], grow...)
	}
	fmt.Fprintf(out, "timeline (virtual time):\n")
	if o.GrowInto == nil {
		steps = sim.Steps()
		if o.OtherEdge && spec.Upstream.Second == nil {
			at := slices.IndexFunc(steps, func(st ring.Step) bool { return st.ID == "S4" }) + 1
			steps = slices.Insert(steps, at, sim.OtherEdgeSteps()...)
		}
	}
	results, err := sim.Run(steps...)
	if err != nil {
		return err
	}
	if o.GrowInto != nil {
		// The grown ring's own scenarios, but its cold start.
		more, err := sim.Run(sim.Steps()[1:]...)
		results = append(results, more...)
		if err != nil {
			return err
		}
		grown, err := ring.PlanCosts(*o.GrowInto)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\nOSPF cost plan after the growth:\n%s", grown)
	}
	probes := "from the gateway to every server and to the anycast VIP, and back"
	switch {
	case spec.Anycast == nil && sim.Gateway() != nil && spec.Topology == ring.TopologyChain:
		probes = "from the gateway to every server, and back"
		if o.EastWest {
			probes += "; east-west: between every two servers on different nodes"
		}
	case sim.Gateway() == nil:
		probes = "between every two servers on different nodes, and back: a ring without uplink"
	case o.EastWest:
		probes += "; east-west: between every two servers on different nodes"
	}
	fmt.Fprintf(out, "\nresults (probes every %v %s):\n%s", sim.ProbeInterval(), probes, ring.FormatResults(results))
	fmt.Fprintf(out, "\nbounds:\n")
	for _, r := range results {
		fmt.Fprintf(out, "  %-4s %s\n", r.ID, r.Why)
	}
	if spec.Topology == ring.TopologyChain {
		fmt.Fprintf(out, "\ncut off (unreachable until the repair; every other server lost no probe):\n")
		for _, r := range results {
			if len(r.CutOff) > 0 {
				fmt.Fprintf(out, "  %-4s %s\n", r.ID, strings.Join(r.CutOff, ", "))
			}
		}
	}
	if o.Dot != "" {
		f, err := os.Create(o.Dot)
		if err != nil {
			return err
		}
		if err := errors.Join(sim.WriteDot(f), f.Close()); err != nil {
			return err
		}
	}
	var bad []string
	for _, r := range results {
		if !r.Reachable || r.Loops > 0 {
			bad = append(bad, r.ID)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("scenarios %s did not end with every server reachable and loop-free", strings.Join(bad, ", "))
	}
	return nil
}

func describeTimers(p ring.Profile) string {
	t := p.Timers()
	hello := fmt.Sprintf("OSPF hello %v, dead %v", t.HelloInterval, t.DeadInterval)
	if t.HelloMultiplier > 0 {
		hello = fmt.Sprintf("OSPF %d hellos/s, dead %v", t.HelloMultiplier, t.DeadInterval)
	}
	bfd := "no BFD"
	if t.BFDInterval > 0 {
		bfd = fmt.Sprintf("BFD on ring links %v × %d (detect %v)", t.BFDInterval, int(t.BFDDetectTime()/t.BFDInterval), t.BFDDetectTime())
	}
	ac := ""
	if iv, rise, fall := ring.AnycastTiming(p); iv > 0 {
		ac = fmt.Sprintf(", anycast check %v, rise %d, fall %d", iv, rise, fall)
	}
	return fmt.Sprintf("%s, %s, VRRPv3 advert %v%s", hello, bfd, t.VRRPInterval, ac)
}

// timeline prints events as they happen, in virtual time since the start.
type timeline struct {
	out     io.Writer
	epoch   time.Time
	verbose bool
}

func (t *timeline) event(e ring.Event) {
	if e.Kind == ring.EventRoute && !t.verbose && !strings.Contains(e.Text, "0.0.0.0/0") {
		return
	}
	if e.Kind == ring.EventScenario {
		fmt.Fprintf(t.out, "%10s  ==== %s\n", stamp(e.Time.Sub(t.epoch)), e.Text)
		return
	}
	fmt.Fprintf(t.out, "%10s  %-10s %-7s %s\n", stamp(e.Time.Sub(t.epoch)), e.Node, e.Kind, e.Text)
}

func stamp(d time.Duration) string {
	return fmt.Sprintf("%.4fs", d.Seconds())
}

// chainPlan renders a chain's plan: where each node sends its default.
func chainPlan(p ring.Plan) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "node\trole\tdefault via\thops to the edge")
	for _, np := range p.Nodes {
		role, via := "inner", np.Toward.String()
		switch {
		case np.Role != ring.Inner:
			role, via = "edge", "upstream (static, via the gateway)"
		case p.Master < 0:
			via = "- (no uplink)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", np.Name, role, via, np.Hops)
	}
	tw.Flush()
	return b.String()
}

// PaperSecond is the second VRRP group -active-active gives the paper's
// ring: VIP 192.0.2.253 next to the first's .254, VRID 11 next to its 10.
var PaperSecond = ring.Group{VIP: netip.MustParseAddr("192.0.2.253"), VRID: 11}

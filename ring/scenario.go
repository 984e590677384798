package ring

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// A Step is one scenario of a run: a fault injected into a settled ring
// (or its healing), measured by the probes until the ring is settled
// again.
type Step struct {
	// ID is the scenario's short name: "S0" … "S4" as in DESIGN.md, with
	// "f" for the variants where a node freezes with its links up and "r"
	// for the healing of S2 and S3.
	ID string
	// Name says what happens, naming the node or link.
	Name string
	// Victim is the node the step takes down or brings back (its servers
	// are not counted in the outage), or "".
	Victim string
	// Bound is the longest outage the configured timers allow, with Why
	// spelling out the sum.
	Bound time.Duration
	Why   string

	fault func(*Sim) error
	// recabled, for the growth steps, are the two interfaces whose cable
	// moves: the probes whose path crosses neither are the bystanders.
	recabled *[2]TraceHop
}

// Result is the measurement of one Step.
type Result struct {
	ID, Name string
	// At is the virtual time of the fault, since the simulation started.
	At time.Duration
	// Outage is the longest stretch of failed probes to one server that
	// was reachable before the fault (for S0: the time until every server
	// was reached, both ways, for the first time), in probe intervals.
	Outage time.Duration
	// Worst names the server of the longest stretch and why its first
	// probe failed.
	Worst string
	// Lost is every failed probe of those servers times the probe
	// interval.
	Lost time.Duration
	// Converged is the time from the fault until the probes reached every
	// server of a running node both ways and kept reaching them (for a
	// node coming back, its own servers included).
	Converged time.Duration
	// Reachable reports that every server of a running node was
	// reachable at the end of the step.
	Reachable bool
	// Loops counts probes lost in a forwarding loop during the step (their
	// TTL ran out).
	Loops int
	// Bounced counts probes that came back to a node they had crossed
	// and still got through: a transient loop, shorter than the time
	// the probe spent bouncing in it.
	Bounced int
	// Bound and Why are the Step's.
	Bound time.Duration
	Why   string
	// EastWest is, with SimConfig.EastWest, the longest stretch of failed
	// probes between two servers on different nodes that reached each
	// other before the fault, and EastWestWorst names the pair and why
	// its first probe failed. Outage, Worst and Lost are the gateway's
	// (in a ring without uplink, the east-west probes').
	EastWest      time.Duration
	EastWestWorst string
	// EastWestProbed reports that east-west probes ran.
	EastWestProbed bool
	// Bystanders is, for the growth steps (GrowthSteps), the longest
	// stretch of failed probes whose path crossed neither re-cabled
	// interface when the step began (gateway and east-west alike), and
	// BystandersWorst names it; Recabled reports that it was measured.
	Bystanders      time.Duration
	BystandersWorst string
	Recabled        bool
	// CutOff lists, in a chain (TopologyChain), the probe targets the
	// fault strands (a server beyond it, seen from the edge, or an
	// east-west pair it separates): unreachable until the repair, they
	// are not counted in Outage, Lost or Converged, and Reachable
	// ignores them. Empty in a ring, where a single fault strands
	// nothing.
	CutOff []string
}

// WithinBound reports whether the outage, and the east-west outage, are
// within the bound.
func (r Result) WithinBound() bool { return r.Outage <= r.Bound && r.EastWest <= r.Bound }

// bounds are the timer-derived terms the scenario bounds add up.
type bounds struct {
	probe time.Duration // one probe interval, the resolution of any measure, plus the longest round trip
	flood time.Duration // an LSA crossing the whole ring
	// RFC 8405 back-off: the first calculation of a quiet period waits
	// INITIAL, later ones SHORT, and once changes have kept coming for
	// TIME_TO_LEARN, LONG.
	initial, short, long, ttl time.Duration
	mdi                       time.Duration // the backup edge's Master_Down_Interval (RFC 5798 §6.1)
	// silent is how long a neighbour that hangs with its links up goes
	// unnoticed: the BFD detection time (RFC 5880 §6.8.4) when the
	// profile runs BFD, else the dead interval; silentName says which,
	// and silentSpread is how far apart its two neighbours can notice
	// (one BFD transmit interval, or one hello period).
	silent, silentSpread time.Duration
	silentName           string
	hello                time.Duration // how often hellos go out
	minLS                time.Duration // MinLSInterval (RFC 2328 §12.4, Appendix B)
	rxmt                 time.Duration // RxmtInterval
}

func (s *Sim) bounds() bounds {
	p := s.r.spec.Profile
	tm := p.Timers()
	spf := p.SPF()
	hello := tm.HelloInterval
	if tm.HelloMultiplier > 0 {
		hello = time.Second / time.Duration(tm.HelloMultiplier)
	}
	backupPrio := uint8(100)
	if s.r.uplink() {
		backupPrio = s.r.edges[1].priority
	}
	silent, spread, silentName := tm.DeadInterval, hello, "dead"
	if d := tm.BFDDetectTime(); d > 0 {
		silent, spread, silentName = d, tm.BFDInterval, "BFD detection"
	}
	return bounds{
		silent: silent, silentSpread: spread, silentName: silentName,
		probe:   s.cfg.ProbeInterval + 2*time.Duration(len(s.nodes)+2)*s.cfg.Latency,
		flood:   time.Duration(len(s.nodes)) * s.cfg.Latency,
		initial: spf.InitialDelay, short: spf.ShortDelay, long: spf.LongDelay, ttl: spf.TimeToLearn,
		// RFC 5798 §6.1: 3 × Master_Adver_Interval + Skew_Time, Skew_Time =
		// (256 − Priority) × Master_Adver_Interval / 256.
		mdi:   3*tm.VRRPInterval + time.Duration(256-int(backupPrio))*tm.VRRPInterval/256,
		hello: hello,
		minLS: tm.MinLSInterval,
		rxmt:  tm.RetransmitInterval,
	}
}

// settle is how long the ring must stay quiet (no database, VRRP or
// forwarding change anywhere, and every server reachable) after a step
// before the next fault: the profile's QuietTime.
func (s *Sim) settle() time.Duration { return s.r.spec.Profile.QuietTime() }

// Steps returns the scenarios of a standard run, in the order they run:
//
//	S0   cold start
//	S1   the master edge dies (crash: its links go down)
//	S4   the master edge returns and preempts
//	S1b  with active-active edges: the backup edge, master of group 2, dies
//	S4b  it returns and preempts (both: OtherEdgeSteps)
//	S2   a non-edge node dies (the one most traffic crosses)
//	S2r  it returns
//	S3   the ring link between the master edge and that node is cut
//	S3r  the link is restored
//	S1f  the master edge freezes (links stay up)
//	S4f  it reboots and preempts
//	S2f  the non-edge node of S2 freezes (links stay up)
//	S2fr it reboots
//	S5   the anycast service fails on its first replica (Spec.Anycast)
//	S5r  it returns
//
// A ring without uplink has no edges: S1, S4, S1f and S4f are left out,
// and its probes are the east-west ones between servers.
func (s *Sim) Steps() []Step {
	if s.r.chain() {
		return s.chainSteps()
	}
	b := s.bounds()
	m := ""
	if s.r.uplink() {
		m = s.nodes[s.r.edges[0].node].Name()
	}
	inner, link := s.busiestInner()
	// Links down: both ends see it at once, their LSAs reach every node
	// within the flooding time; the first calculation waits INITIAL, one
	// more (an LSA from the other side arriving after it) SHORT.
	cut := b.initial + b.short + b.flood + b.probe
	cutWhy := fmt.Sprintf("SPF %v + %v + flooding %v + probe %v", b.initial, b.short, b.flood, b.probe)
	// A return or a restored link changes nothing that works: traffic
	// keeps its paths until the new ones are computed, and the returning
	// edge takes the VIP only once its routes are in (TrackRouting). What
	// can hurt is routers disagreeing while their calculations of the
	// same change are apart: at most LONG − INITIAL plus the flooding.
	heal := b.initial + b.long + b.flood + b.probe
	healWhy := fmt.Sprintf("SPF %v + %v + flooding %v + probe %v", b.initial, b.long, b.flood, b.probe)
	// A frozen node's neighbours give up on it when their BFD sessions
	// time out (RFC 5880 §6.8.4; OSPF then kills the adjacency, RFC 5882
	// §4.1), up to one BFD interval apart, or, without BFD, when their
	// dead intervals run out, up to one hello period apart: the second is
	// acted on after SHORT if that is within TIME_TO_LEARN of the first,
	// else LONG.
	second := b.short
	if b.silentSpread >= b.ttl {
		second = b.long
	}
	steps := []Step{
		{
			ID: "S0", Name: "cold start",
			// 2-Way needs the neighbour's second hello; the router-LSA
			// listing the adjacency is held back up to MinLSInterval
			// after the one sent at boot; an instance that arrives
			// within MinLSArrival of the previous one is dropped and
			// comes again after RxmtInterval, which can happen twice
			// (the first instance after the database exchange, then
			// the held-back one); calculations may be in LONG_WAIT;
			// then the master edge's hold releases and its
			// Master_Down_Interval runs out.
			Bound: b.hello + b.minLS + 2*b.rxmt + b.long + b.flood + b.mdi + b.probe,
			Why: fmt.Sprintf("hello %v + MinLSInterval %v + 2 × RxmtInterval %v + SPF %v + flooding %v + Master_Down %v + probe %v",
				b.hello, b.minLS, b.rxmt, b.long, b.flood, b.mdi, b.probe),
			fault: func(s *Sim) error { return s.Start() },
		},
		{
			ID: "S1", Name: m + " (VRRP master) dies", Victim: m,
			Bound: max(b.mdi, b.initial+b.short+b.flood) + b.probe,
			Why:   fmt.Sprintf("max(Master_Down %v, SPF %v + %v + flooding %v) + probe %v", b.mdi, b.initial, b.short, b.flood, b.probe),
			fault: func(s *Sim) error { return s.Crash(m) },
		},
		{
			ID: "S4", Name: m + " returns and preempts", Victim: m,
			Bound: heal, Why: healWhy,
			fault: func(s *Sim) error { return s.Reboot(m) },
		},
		{
			ID: "S2", Name: inner + " (not an edge) dies", Victim: inner,
			Bound: cut, Why: cutWhy,
			fault: func(s *Sim) error { return s.Crash(inner) },
		},
		{
			ID: "S2r", Name: inner + " returns", Victim: inner,
			Bound: heal, Why: healWhy,
			fault: func(s *Sim) error { return s.Reboot(inner) },
		},
		{
			ID: "S3", Name: "ring link " + s.linkName(link) + " cut",
			Bound: cut, Why: cutWhy,
			fault: func(s *Sim) error { s.CutLink(link); return nil },
		},
		{
			ID: "S3r", Name: "ring link " + s.linkName(link) + " restored",
			Bound: heal, Why: healWhy,
			fault: func(s *Sim) error { s.RestoreLink(link); return nil },
		},
		{
			ID: "S1f", Name: m + " (VRRP master) freezes, links up", Victim: m,
			// Nothing tells the ring: the backup edge takes the VIP after
			// Master_Down_Interval, but routes through the frozen node
			// stay until its neighbours' BFD sessions time out (or their
			// dead intervals run out).
			Bound: max(b.mdi, b.silent+b.initial+second+b.flood) + b.probe,
			Why: fmt.Sprintf("max(Master_Down %v, %s %v + SPF %v + %v + flooding %v) + probe %v",
				b.mdi, b.silentName, b.silent, b.initial, second, b.flood, b.probe),
			fault: func(s *Sim) error { return s.Freeze(m) },
		},
		{
			ID: "S4f", Name: m + " reboots and preempts", Victim: m,
			Bound: heal, Why: healWhy,
			fault: func(s *Sim) error { return s.Reboot(m) },
		},
		{
			ID: "S2f", Name: inner + " (not an edge) freezes, links up", Victim: inner,
			// Its neighbours give up on it when their BFD sessions time
			// out (or their dead intervals run out); nothing else can
			// tell.
			Bound: b.silent + b.initial + second + b.flood + b.probe,
			Why: fmt.Sprintf("%s %v + SPF %v + %v + flooding %v + probe %v",
				b.silentName, b.silent, b.initial, second, b.flood, b.probe),
			fault: func(s *Sim) error { return s.Freeze(inner) },
		},
		{
			ID: "S2fr", Name: inner + " reboots", Victim: inner,
			Bound: heal, Why: healWhy,
			fault: func(s *Sim) error { return s.Reboot(inner) },
		},
	}
	if s.r.activeActive() {
		// Each edge is master of a group: S1 and S4 for the other one too.
		at := slices.IndexFunc(steps, func(st Step) bool { return st.ID == "S4" }) + 1
		steps = slices.Insert(steps, at, s.OtherEdgeSteps()...)
	}
	if !s.r.uplink() {
		// No edges, no VRRP: S1, S4 and their frozen variants do not
		// apply, and the cold start has no Master_Down_Interval.
		steps = slices.DeleteFunc(steps, func(st Step) bool { return slices.Contains([]string{"S1", "S4", "S1f", "S4f"}, st.ID) })
		steps[0].Bound -= b.mdi
		steps[0].Why = fmt.Sprintf("hello %v + MinLSInterval %v + 2 × RxmtInterval %v + SPF %v + flooding %v + probe %v",
			b.hello, b.minLS, b.rxmt, b.long, b.flood, b.probe)
	}
	if a := s.r.spec.Anycast; a != nil {
		srv := ServerName(a.Replicas[0], 0)
		iv, rise, fall := s.r.spec.Profile.anycastTiming()
		// The service dies at any point of a check interval: its Fall-th
		// failed check is at most Fall intervals later. Then the replica
		// withdraws its static route (it forwards along its OSPF route to
		// the other replica at once) and flushes its AS-external-LSA
		// (RFC 2328 §14.1), which crosses the ring; the routers'
		// calculations of it wait INITIAL, one more SHORT.
		detect := time.Duration(fall) * iv
		steps = append(steps,
			Step{
				ID: "S5", Name: "anycast service " + a.VIP.String() + " fails on " + srv,
				Bound: detect + b.initial + b.short + b.flood + b.probe,
				Why: fmt.Sprintf("fall %d × check %v + SPF %v + %v + flooding %v + probe %v",
					fall, iv, b.initial, b.short, b.flood, b.probe),
				fault: func(s *Sim) error { return s.SetService(srv, false) },
			},
			// Back after Rise passed checks, the replica installs its
			// static route before it announces: nothing that works
			// breaks, as for any return.
			Step{
				ID: "S5r", Name: "anycast service " + a.VIP.String() + " returns on " + srv,
				Bound: heal, Why: healWhy + fmt.Sprintf(" (announced after rise %d × check %v)", rise, iv),
				fault: func(s *Sim) error { return s.SetService(srv, true) },
			})
	}
	return steps
}

// busiestInner returns the inner node that the most nodes' default paths
// cross (the first in ring order on a tie) and the ring link between it
// and the master edge's side of its path.
func (s *Sim) busiestInner() (string, int) {
	n := len(s.nodes)
	if !s.r.uplink() {
		// Every node is inner and the ring is symmetric: the second
		// node and its east link.
		return s.nodes[1].Name(), 1
	}
	best, bestCount := -1, -1
	for c := range n {
		if s.plan.Nodes[c].Role != Inner {
			continue
		}
		count := 0
		for i := range n {
			for k, hops := i, 0; k != s.plan.Master && hops < n; hops++ {
				if k == c {
					count++
					break
				}
				if s.plan.Nodes[k].Toward == East {
					k = (k + 1) % n
				} else {
					k = (k - 1 + n) % n
				}
			}
		}
		if count > bestCount {
			best, bestCount = c, count
		}
	}
	// The link it sends its default over.
	link := best // its east link is link best
	if s.plan.Nodes[best].Toward == West {
		link = (best - 1 + n) % n
	}
	return s.nodes[best].Name(), link
}

func (s *Sim) linkName(i int) string {
	return fmt.Sprintf("%s-%s", s.nodes[i].Name(), s.nodes[(i+1)%len(s.nodes)].Name())
}

// Run runs the steps in order (all of Steps when none are given) and
// returns their results. Each step injects its fault at a random point of
// a probe interval (from the seed), then runs until every server of a
// running node has been reachable, and the ring quiet, for the settle
// time, and at least the step's bound plus the settle time has passed, or
// until the bound plus two minutes of virtual time.
func (s *Sim) Run(steps ...Step) ([]Result, error) {
	if len(steps) == 0 {
		steps = s.Steps()
	}
	var out []Result
	for _, st := range steps {
		r, err := s.RunStep(st)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// RunStep runs one step; see Run.
func (s *Sim) RunStep(st Step) (Result, error) {
	P := s.cfg.ProbeInterval
	// Faults happen at any time, not on the probes' grid.
	s.Advance(time.Duration(s.rng.Int64N(int64(P))))
	baseline := s.probes.reachable()
	t0 := s.clock.Now()
	s.emit(Event{Kind: EventScenario, Text: fmt.Sprintf("%s: %s", st.ID, st.Name)})
	if err := st.fault(s); err != nil {
		return Result{}, fmt.Errorf("ring: %s: %w", st.ID, err)
	}
	var crossing map[string]bool
	if st.recabled != nil {
		crossing = s.crossing(st.recabled)
	}
	loops0, bounced0 := len(s.probes.loops), len(s.probes.bounced)
	runs0 := len(s.probes.runs)
	settle := s.settle()
	minWindow := st.Bound + settle
	maxWindow := st.Bound + settle + 2*time.Minute
	var okSince time.Time // start of the current stretch of rounds reaching everyone
	var firstOK time.Time
	for {
		s.Advance(P)
		now := s.clock.Now()
		if s.probes.allOK() {
			if okSince.IsZero() {
				okSince = now
			}
			if firstOK.IsZero() {
				firstOK = now
			}
		} else {
			okSince = time.Time{}
		}
		el := now.Sub(t0)
		if el >= minWindow && !okSince.IsZero() && now.Sub(okSince) >= settle && s.Quiet() >= settle {
			break
		}
		if el >= maxWindow {
			break
		}
	}
	cutOff := s.probes.cutOff()
	res := Result{ID: st.ID, Name: st.Name, At: t0.Sub(s.epoch), Bound: st.Bound, Why: st.Why, CutOff: slices.Sorted(maps.Keys(cutOff)),
		Reachable: s.probes.allOK(), Loops: len(s.probes.loops) - loops0, Bounced: len(s.probes.bounced) - bounced0,
		EastWestProbed: s.cfg.EastWest || s.gateway == nil, Recabled: st.recabled != nil}
	if !okSince.IsZero() {
		res.Converged = okSince.Sub(t0)
	} else {
		res.Converged = s.clock.Now().Sub(t0)
	}
	if st.ID == "S0" {
		res.Outage = res.Converged
		if !firstOK.IsZero() {
			res.Outage = firstOK.Sub(t0)
		}
	}
	for _, run := range s.probes.runs[runs0:] {
		if st.ID != "S0" && !baseline[run.Server] || cutOff[run.Server] || s.victimTarget(st.Victim, run.Server) {
			continue
		}
		d := run.Duration(P)
		if st.recabled != nil && !crossing[run.Server] && d > res.Bystanders {
			res.Bystanders, res.BystandersWorst = d, run.Server+": "+run.Reason
		}
		if run.EastWest {
			if d > res.EastWest {
				res.EastWest, res.EastWestWorst = d, run.Server+": "+run.Reason
			}
			if s.gateway != nil {
				continue
			}
			// Without uplink the east-west probes are the only ones:
			// they are the outage.
		}
		res.Lost += d
		if st.ID != "S0" && d > res.Outage {
			res.Outage = d
			res.Worst = run.Server + ": " + run.Reason
		}
	}
	s.emit(Event{Kind: EventScenario, Text: fmt.Sprintf("%s done: outage %v (bound %v), converged after %v, %d loops",
		st.ID, res.Outage, res.Bound, res.Converged, res.Loops)})
	return res, nil
}

// FormatResults renders results as a table.
func FormatResults(rs []Result) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	eastWest := slices.ContainsFunc(rs, func(r Result) bool { return r.EastWestProbed })
	growth := slices.ContainsFunc(rs, func(r Result) bool { return r.Recabled })
	head := "scenario\twhat\toutage\t"
	if eastWest {
		head += "east-west\t"
	}
	if growth {
		head += "bystanders\t"
	}
	head += "bound\tlost\tconverged\tloops\tbounced\treachable"
	// A chain's results say how many targets each fault cut off.
	cutOff := slices.ContainsFunc(rs, func(r Result) bool { return len(r.CutOff) > 0 })
	if cutOff {
		head += "\tcut off"
	}
	fmt.Fprintln(tw, head)
	for _, r := range rs {
		ok := "yes"
		if !r.Reachable {
			ok = "NO"
		}
		mark := ""
		if !r.WithinBound() {
			mark = " (over)"
		}
		ew := ""
		if eastWest {
			ew = r.EastWest.String() + "\t"
			if r.EastWest > r.Bound {
				ew = r.EastWest.String() + " (over)\t"
			}
		}
		if growth {
			if r.Recabled {
				ew += r.Bystanders.String() + "\t"
			} else {
				ew += "-\t"
			}
		}
		if cutOff {
			ok += fmt.Sprintf("\t%d", len(r.CutOff))
		}
		fmt.Fprintf(tw, "%s\t%s\t%v%s\t%s%v\t%v\t%v\t%d\t%d\t%s\n", r.ID, r.Name, r.Outage, mark, ew, r.Bound.Round(100*time.Microsecond), r.Lost, r.Converged, r.Loops, r.Bounced, ok)
	}
	tw.Flush()
	return b.String()
}

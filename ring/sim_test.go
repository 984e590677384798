package ring

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/vrrp"
)

// testBounds derives, from the configured timers alone, the longest outage
// each scenario may cause. It restates the argument of Steps on its own
// so that a wrong bound there does not hide a slow ring here.
func testBounds(t *testing.T, s Spec, latency, probe time.Duration) map[string]time.Duration {
	t.Helper()
	tm := s.Profile.Timers()
	spf := s.Profile.SPF()
	n := len(s.Nodes)
	// A probe is counted lost if any part of its round trip fails: the
	// resolution of the measure is one interval plus a round trip across
	// the ring (hosts included).
	res := probe + 2*time.Duration(n+2)*latency
	flood := time.Duration(n) * latency
	// RFC 5798 §6.1: Master_Down_Interval = 3 × Master_Adver_Interval +
	// (256 − Priority) × Master_Adver_Interval / 256; the backup edge has
	// priority 100 in paperSpec.
	mdi := 3*tm.VRRPInterval + (256-100)*tm.VRRPInterval/256
	hello := tm.HelloInterval
	if tm.HelloMultiplier > 0 {
		hello = time.Second / time.Duration(tm.HelloMultiplier)
	}
	// A frozen node goes unnoticed for the BFD detection time (RFC 5880
	// §6.8.4: Detect Mult × the agreed interval, the same on both ends
	// here) when the profile runs BFD, else for the dead interval; its
	// neighbours notice up to one BFD interval (or one hello period)
	// apart, and RFC 8405 handles the second after SHORT_SPF_DELAY only
	// within TIME_TO_LEARN of the first.
	silent, spread := tm.DeadInterval, hello
	if tm.BFDInterval > 0 {
		mult := tm.BFDMultiplier
		if mult == 0 {
			mult = 3
		}
		silent, spread = time.Duration(mult)*tm.BFDInterval, tm.BFDInterval
	}
	second := spf.ShortDelay
	if spread >= spf.TimeToLearn {
		second = spf.LongDelay
	}
	return map[string]time.Duration{
		// RFC 2328: 2-Way at the second hello, the router-LSA held back
		// up to MinLSInterval, up to two MinLSArrival drops repaired by
		// retransmission, a calculation possibly in LONG_WAIT, then the
		// master edge's VRRP election.
		"S0": hello + ospf.MinLSInterval + 2*5*time.Second + spf.LongDelay + flood + mdi + res,
		// Links down: VRRP takeover and the SPF of both LSAs.
		"S1": max(mdi, spf.InitialDelay+spf.ShortDelay+flood) + res,
		"S2": spf.InitialDelay + spf.ShortDelay + flood + res,
		"S3": spf.InitialDelay + spf.ShortDelay + flood + res,
		// Frozen with links up: BFD's detection time, or the dead
		// interval.
		"S1f": max(mdi, silent+spf.InitialDelay+second+flood) + res,
		"S2f": silent + spf.InitialDelay + second + flood + res,
		// Returns: nothing that works breaks; at most routers disagree
		// for the spread of their back-off delays.
		"S4": spf.InitialDelay + spf.LongDelay + flood + res, "S4f": spf.InitialDelay + spf.LongDelay + flood + res,
		"S2r": spf.InitialDelay + spf.LongDelay + flood + res, "S2fr": spf.InitialDelay + spf.LongDelay + flood + res,
		"S3r": spf.InitialDelay + spf.LongDelay + flood + res,
		// The anycast service fails: Fall (3) failed checks at most three
		// check intervals after it dies (100 ms fast, 1 s rfc), then the
		// replica's flushed AS-external-LSA through the SPF back-off.
		// Its return breaks nothing, as any return.
		"S5":  3*checkInterval(s.Profile) + spf.InitialDelay + spf.ShortDelay + flood + res,
		"S5r": spf.InitialDelay + spf.LongDelay + flood + res,
	}
}

// checkInterval is the anycast check interval the task sets per profile.
func checkInterval(p Profile) time.Duration {
	if p == ProfileFast {
		return 100 * time.Millisecond
	}
	return time.Second
}

// TestSim_Scenarios runs S0–S4 (and the freeze and healing variants) on
// rings of 3, 4, 5 and 8 nodes with both timer profiles: every scenario
// ends with every server of a running node reachable both ways, no probe
// is ever lost in a forwarding loop, and every outage is within the bound
// the timers imply; with the fast profile, BFD routes around a frozen
// node within 200 ms (checkFreezeBFD).
func TestSim_Scenarios(t *testing.T) {
	for _, prof := range []Profile{ProfileFast, ProfileRFC} {
		for _, n := range []int{3, 4, 5, 6, 7, 8} {
			t.Run(fmt.Sprintf("%v/N=%d", prof, n), func(t *testing.T) {
				t.Parallel()
				spec := paperSpec(n)
				spec.Profile = prof
				var events []Event
				var downs bfdDowns
				s, err := NewSim(SimConfig{Spec: spec, Seed: int64(n), OnEvent: func(e Event) {
					if e.Kind == EventVRRP || e.Kind == EventScenario {
						events = append(events, e)
					}
					downs.event(e)
				}})
				if err != nil {
					t.Fatal(err)
				}
				bounds := testBounds(t, spec, DefaultLatency, DefaultProbeInterval)
				steps := s.Steps()
				ids := make([]string, len(steps))
				for i, st := range steps {
					ids[i] = st.ID
				}
				want := "S0 S1 S4 S2 S2r S3 S3r S1f S4f S2f S2fr"
				if n >= 4 {
					want += " S5 S5r" // PaperSpec's anycast service
				}
				if got := strings.Join(ids, " "); got != want {
					t.Fatalf("steps %s", got)
				}
				for _, st := range steps {
					r, err := s.RunStep(st)
					if err != nil {
						t.Fatal(err)
					}
					t.Logf("%s %-36s outage %-8v bound %-10v converged %v", r.ID, r.Name, r.Outage, bounds[r.ID], r.Converged)
					if !r.Reachable {
						t.Errorf("%s: servers unreachable at the end: %v", r.ID, s.Unreachable())
					}
					checkLoops(t, s, spec, r)
					if r.Outage > bounds[r.ID] {
						t.Errorf("%s: outage %v exceeds the bound %v the timers imply (%s)", r.ID, r.Outage, bounds[r.ID], r.Worst)
					}
					if r.Outage > r.Bound {
						t.Errorf("%s: outage %v exceeds the step's own bound %v", r.ID, r.Outage, r.Bound)
					}
					checkStep(t, s, r)
					if prof == ProfileFast {
						checkFreezeBFD(t, s, r, &downs)
					}
				}
				checkHoldBeforeMaster(t, events)
			})
		}
	}
}

// checkLoops: no probe is ever lost in a forwarding loop, with one
// exception. When a node freezes, its two neighbours give up on it when
// their own dead intervals run out, up to one hello period apart. If the
// second LSA arrives at some routers before their first calculation
// (INITIAL_SPF_DELAY after the first LSA) and at others after it, the
// latter compute once without it and again SHORT_SPF_DELAY later (RFC
// 8405 §5.1): meanwhile the ring disagrees, and a loop can outlive a
// probe's TTL. Such a micro-loop is transient: the probes it loses fit in
// one SHORT_SPF_DELAY (plus flooding and the probe resolution) per
// server.
func checkLoops(t *testing.T, s *Sim, spec Spec, r Result) {
	t.Helper()
	if r.Loops == 0 {
		return
	}
	first := s.Loops()[len(s.Loops())-r.Loops].Trace
	if r.ID != "S1f" && r.ID != "S2f" {
		t.Errorf("%s: %d probes lost in forwarding loops, the first: %v", r.ID, r.Loops, first)
		return
	}
	spf := spec.Profile.SPF()
	window := spf.ShortDelay + time.Duration(len(spec.Nodes))*DefaultLatency + DefaultProbeInterval
	perServer := int(window/DefaultProbeInterval) + 1
	if max := perServer * len(s.Servers()); r.Loops > max {
		t.Errorf("%s: %d probes lost in loops, more than a transient micro-loop of %v can take (%d): %v", r.ID, r.Loops, window, max, first)
	}
	t.Logf("%s: %d probes lost in a transient micro-loop: %v", r.ID, r.Loops, first)
}

// checkStep checks the state a step leaves behind.
func checkStep(t *testing.T, s *Sim, r Result) {
	t.Helper()
	master := s.Node("vr1")
	backup := s.nodes[len(s.nodes)-1]
	vrrpState := func(sn *SimNode) vrrp.State { return sn.Node().VRRP().State() }
	switch r.ID {
	case "S0", "S4", "S4f", "S2r", "S2fr", "S3r":
		if st := vrrpState(master); st != vrrp.Master {
			t.Errorf("%s: master edge is %v", r.ID, st)
		}
		if st := vrrpState(backup); st != vrrp.Backup {
			t.Errorf("%s: backup edge is %v", r.ID, st)
		}
		checkPlanInFIB(t, s, r.ID)
	case "S1", "S1f":
		if st := vrrpState(backup); st != vrrp.Master {
			t.Errorf("%s: backup edge is %v after the master edge failed", r.ID, st)
		}
	}
	if a := s.r.spec.Anycast; a != nil {
		// The gateway reaches the VIP at the first replica (next to the
		// master edge) except while its service is down (S5) or a node
		// or link on the way is (S1, S2, their frozen forms, S3: the
		// other replica is nearer then, RFC 2328 §16.4 type-2 ties).
		want := ServerName(a.Replicas[0], 0)
		if r.ID == "S5" {
			want = ServerName(a.Replicas[1], 0)
		}
		tr := s.Trace(s.Gateway(), a.VIP)
		if got := tr.Path()[len(tr.Path())-1]; !tr.OK() || (got != want && !slices.Contains([]string{"S1", "S1f", "S2", "S2f", "S3"}, r.ID)) {
			t.Errorf("%s: the gateway's way to the anycast VIP: %v, want it delivered to %s", r.ID, tr, want)
		}
	}
	if r.ID == "S0" && r.Outage == 0 {
		t.Error("S0: a cold start took no time")
	}
}

// checkPlanInFIB checks that, in the intact ring, every node forwards its
// default the way PlanCosts planned: the master edge and the backup edge
// by their static default, every other node out of the planned interface.
func checkPlanInFIB(t *testing.T, s *Sim, id string) {
	t.Helper()
	p := s.Plan()
	for i, sn := range s.nodes {
		r, ok := sn.Kernel().Lookup(netip.MustParseAddr("198.51.100.1"))
		if !ok {
			t.Errorf("%s: %s has no default route", id, sn.Name())
			continue
		}
		np := p.Nodes[i]
		if np.Role != Inner {
			if r.Protocol != fib.ProtocolStatic {
				t.Errorf("%s: edge %s forwards its default by %v", id, sn.Name(), r)
			}
			continue
		}
		want := sn.Attachment(IfEast).Index()
		if np.Toward == West {
			want = sn.Attachment(IfWest).Index()
		}
		if r.Protocol != fib.ProtocolOSPF || len(r.NextHops) != 1 || r.NextHops[0].IfIndex != want {
			t.Errorf("%s: %s default %v, plan says %v", id, sn.Name(), r, np.Toward)
		}
	}
}

// checkHoldBeforeMaster: an edge becomes VRRP Master only after its
// routing hold released (TrackRouting), in every boot.
func checkHoldBeforeMaster(t *testing.T, events []Event) {
	t.Helper()
	held := map[string]bool{}
	for _, e := range events {
		switch {
		case e.Kind == EventVRRP && strings.HasPrefix(e.Text, "Initialize -> Backup"):
			held[e.Node] = true
		case e.Kind == EventVRRP && strings.HasPrefix(e.Text, "routing hold released"):
			held[e.Node] = false
		case e.Kind == EventVRRP && strings.Contains(e.Text, "-> Master") && held[e.Node]:
			t.Errorf("%s became Master at %v while its routing hold was on", e.Node, e.Time)
		}
	}
}

func TestSim_Deterministic(t *testing.T) {
	run := func(seed int64) string {
		spec := paperSpec(4)
		spec.Profile = ProfileFast
		var log bytes.Buffer
		s, err := NewSim(SimConfig{Spec: spec, Seed: seed, OnEvent: func(e Event) {
			fmt.Fprintf(&log, "%v %v %s %s\n", e.Time.UnixNano(), e.Kind, e.Node, e.Text)
		}})
		if err != nil {
			t.Fatal(err)
		}
		rs, err := s.Run(s.Steps()[:3]...)
		if err != nil {
			t.Fatal(err)
		}
		return FormatResults(rs) + log.String()
	}
	a, b := run(7), run(7)
	if a != b {
		t.Fatal("two runs with the same seed differ")
	}
	if c := run(8); c == a {
		t.Error("runs with different seeds are identical: the seed does not reach the fault phase")
	}
}

// coldStartedSim is the paper's ring of n nodes with the fast profile,
// through S0 (cold start).
func coldStartedSim(tb testing.TB, n int) *Sim {
	tb.Helper()
	spec := paperSpec(n)
	spec.Profile = ProfileFast
	s, err := NewSim(SimConfig{Spec: spec})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := s.RunStep(s.Steps()[0]); err != nil {
		tb.Fatal(err)
	}
	return s
}

// With a node down, the gateway's traffic for its LAN is dropped at the
// edge by the unreachable route instead of bouncing between gateway and
// edge until the TTL runs out.
func TestSim_DiscardRoutesStopGatewayLoops(t *testing.T) {
	s := coldStartedSim(t, 4)
	if err := s.Crash("vr2"); err != nil {
		t.Fatal(err)
	}
	s.Advance(time.Second)
	tr := s.Trace(s.Gateway(), netip.MustParseAddr("10.2.0.2"))
	if tr.Outcome != Blackhole || !strings.Contains(tr.Reason, "unreachable route 10.2.0.0/24 at vr1") {
		t.Fatalf("gateway to the dead node's server: %v", tr)
	}
	// Without them the same packet loops.
	for _, r := range s.Node("vr1").Config().Discard {
		if err := s.Node("vr1").Kernel().Static.Delete(ctx, r.Prefix, 0); err != nil {
			t.Fatal(err)
		}
	}
	if tr := s.Trace(s.Gateway(), netip.MustParseAddr("10.2.0.2")); tr.Outcome != Loop {
		t.Fatalf("without discard routes: %v", tr)
	}
}

func TestSim_PcapAndDot(t *testing.T) {
	spec := paperSpec(3)
	spec.Profile = ProfileFast
	s, err := NewSim(SimConfig{Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	var pcap bytes.Buffer
	c, err := s.CapturePcapng(&pcap)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunStep(s.Steps()[0]); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	counts := countPcap(t, pcap.Bytes())
	if counts[89] == 0 || counts[112] == 0 {
		t.Fatalf("capture holds %v packets by IP protocol, want OSPF (89) and VRRP (112)", counts)
	}
	var dot bytes.Buffer
	if err := s.WriteDot(&dot); err != nil {
		t.Fatal(err)
	}
	g := dot.String()
	for _, want := range []string{
		"graph ring {",
		`"vr1" -- "vr2" [taillabel="10" headlabel="10" label="ring0" dir=back penwidth=2 color=blue]`,
		`"vr3" -- "vr1" [taillabel="10" headlabel="10" label="ring2" style=dashed color=grey]`,
		`"upstream" -- "vr1" [label="192.0.2.2 + VIP" penwidth=2 color=blue]`,
		`"upstream" -- "vr3" [label="192.0.2.3"]`,
		"VRRP Master", "VRRP Backup", `"vr2-srv0"`,
	} {
		if !strings.Contains(g, want) {
			t.Errorf("dot output lacks %q:\n%s", want, g)
		}
	}
	if strings.Count(g, "{") != strings.Count(g, "}") {
		t.Errorf("unbalanced braces:\n%s", g)
	}
}

// Edges anywhere in the ring (here vr2 master, vr4 backup, with
// priorities 150 and 50), a node with two LANs and one with none: the
// same guarantees hold.
func TestSim_EdgesAnywhere(t *testing.T) {
	spec := withEdges(paperSpec(6), 1, 3)
	spec.Profile = ProfileFast
	spec.Nodes[2].LANs = append(spec.Nodes[2].LANs, netip.MustParsePrefix("10.33.0.1/24"))
	spec.Nodes[4].LANs = nil
	s, err := NewSim(SimConfig{Spec: spec, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(s.Servers()); got != 6 {
		t.Fatalf("%d servers, want 6 (vr3 has two LANs, vr5 none)", got)
	}
	rs, err := s.Run()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if !r.Reachable || !r.WithinBound() {
			t.Errorf("%s %s: outage %v (bound %v), reachable %v", r.ID, r.Name, r.Outage, r.Bound, r.Reachable)
		}
		checkLoops(t, s, spec, r)
	}
	if rs[1].Name != "vr2 (VRRP master) dies" || rs[3].Name != "vr1 (not an edge) dies" {
		t.Errorf("victims: %q, %q", rs[1].Name, rs[3].Name)
	}
}

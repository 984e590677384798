package ring

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/netsim"
)

// soakHours is the virtual duration of TestSoak_RingLossJitterFlaps: 24
// hours (5 s here), or SWITCHLESS_SOAK_HOURS. Under the race detector
// (CI's go test -race) the default is 6 hours, some 20 s: the same code
// paths, a quarter of the flaps.
func soakHours(t *testing.T) int {
	if v := os.Getenv("SWITCHLESS_SOAK_HOURS"); v != "" {
		h, err := strconv.Atoi(v)
		if err != nil || h < 2 {
			t.Fatalf("SWITCHLESS_SOAK_HOURS=%q: want a whole number of hours, at least 2", v)
		}
		return h
	}
	if raceDetector {
		return 6
	}
	return 24
}

// TestSoak_RingLossJitterFlaps runs the paper's 5-node ring (RFC profile)
// for 24 hours of virtual time with 20 % loss and 0–2 ms jitter on every
// ring link, and a random ring link cut every 2 to 6 minutes, restored
// 10 to 60 s later (issue 16). Every cut and every restoration is a
// measured step, and every server of the ring must be reachable at its
// end. A step that is the only fault must keep its outage within the
// step's bound plus four RxmtIntervals, the loss allowance (RFC 2328
// §13.6: a lost Link State Update is sent again after RxmtInterval; two
// held with this seed until the refresh jitter moved the day's timing,
// and a cut then met three losses in a row, 15 s against 10.35). A
// step that meets an adjacency lost to the loss itself (the dead
// interval expiring on four lost hellos) is a double fault: it is counted
// and reported, not held to one fault's bound. Probes may die in a
// microloop while a node misses a lost update, never for longer than the
// retransmissions take (see loopAllow). Heap and goroutines are measured
// after the first hour and at the end and must stay flat: a leak of state
// per flap, per retransmission or per probe would show over some 270
// flaps.
func TestSoak_RingLossJitterFlaps(t *testing.T) {
	if testing.Short() {
		t.Skip("a day of virtual time")
	}
	hours := soakHours(t)
	spec := PaperSpec(5, ProfileRFC)
	// Adjacencies that leave Full during a step: those of the cut link
	// are the fault; any other was lost to the loss itself (four hellos
	// in a row lost, 0.2⁴, about once an hour somewhere in the ring at
	// the RFC's 10 s hellos), a second fault the ring is not built for
	// when it comes with a cut: with two links down, the nodes between
	// them are cut off until the lost adjacency forms again.
	var lost []Event
	// down: the adjacencies not Full now, by "node neighbor on iface".
	down := map[string]bool{}
	sim, err := NewSim(SimConfig{Spec: spec, Seed: 24, ProbeInterval: 100 * time.Millisecond,
		OnEvent: func(e Event) {
			if e.Kind != EventAdjacency {
				return
			}
			key := e.Node + " " + e.Text[:strings.LastIndexByte(e.Text, ' ')]
			if strings.HasSuffix(e.Text, " Full") {
				delete(down, key)
				return
			}
			down[key] = true
			lost = append(lost, e)
		}})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := sim.RunStep(sim.Steps()[0]); err != nil || !r.Reachable {
		t.Fatalf("cold start: %+v %v", r, err)
	}
	b := sim.bounds()
	allow := 4 * b.rxmt
	loopAllow := 12 * b.rxmt
	cut := b.initial + b.short + b.flood + b.probe + allow
	heal := b.initial + b.long + b.flood + b.probe + allow
	for i := range len(sim.nodes) {
		if err := sim.RingLink(i).SetConditions(netsim.Conditions{Latency: DefaultLatency, Jitter: 2 * time.Millisecond, Loss: 0.2}); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(24, 5))
	var mem0, mem1 runtime.MemStats
	var g0 int
	measured := false
	flaps, worstCut, worstHeal := 0, time.Duration(0), time.Duration(0)
	var doubles []string
	loopSteps, worstLoop := 0, time.Duration(0)
	lossDrops := 0
	end := sim.Elapsed() + time.Duration(hours)*time.Hour
	for sim.Elapsed() < end {
		if !measured && sim.Elapsed() >= time.Hour {
			runtime.GC()
			runtime.ReadMemStats(&mem0)
			g0 = runtime.NumGoroutine()
			measured = true
		}
		sim.Advance(2*time.Minute + time.Duration(rng.Int64N(int64(4*time.Minute))))
		link := rng.IntN(len(sim.nodes))
		downFor := 10*time.Second + time.Duration(rng.Int64N(int64(50*time.Second)))
		a, b := sim.nodes[link].Name(), sim.nodes[(link+1)%len(sim.nodes)].Name()
		for _, st := range []Step{
			{ID: "cut", Name: "ring link " + sim.linkName(link) + " cut", Bound: cut,
				fault: func(s *Sim) error { s.CutLink(link); return nil }},
			{ID: "restore", Name: "ring link " + sim.linkName(link) + " restored", Bound: heal,
				fault: func(s *Sim) error { s.Advance(downFor); s.RestoreLink(link); return nil }},
		} {
			// An adjacency lost to the loss between the steps and not
			// formed again yet is a second fault too.
			lost = lost[:0]
			for k := range down {
				if st.ID == "cut" || !cutLinkAdjacency(k, a, b) {
					lost = append(lost, Event{Node: k[:strings.IndexByte(k, ' ')], Text: k[strings.IndexByte(k, ' ')+1:] + " (before the step)"})
				}
			}
			loops0 := len(sim.Loops())
			r, err := sim.RunStep(st)
			if err != nil {
				t.Fatal(err)
			}
			at := fmt.Sprintf("%v: %s", r.At.Round(time.Second), r.Name)
			if ls := sim.Loops()[loops0:]; len(ls) > 0 {
				// A lost Link State Update leaves one node on the old
				// topology until it is retransmitted (RFC 2328 §13.6,
				// RxmtInterval): a microloop between it and a node that
				// has the news. OSPF has no loop-free convergence (that
				// is RFC 8333's or an ordered FIB's); what the soak holds
				// it to is that every loop is over once the update has
				// come through, whatever the loss made of its flooding.
				// At 20 % loss each transmission of an update fails with
				// odds 0.2 and is retransmitted RxmtInterval later
				// (§13.6); a restored link also runs a database exchange
				// whose packets, each answered, retransmit the same way
				// (§10.8). A chain of such losses can hold a loop for
				// several RxmtIntervals: this seed meets 26.9 s at a cut
				// and 39.8 s at a restore once the refresh jitter moved
				// the day's timing (before it, nothing over 20 s). The
				// soak holds every loop to twelve RxmtIntervals (60 s),
				// which only a retransmission that never comes, or one
				// that never gets through, would pass: the step's window
				// is two minutes past its bound.
				span := ls[len(ls)-1].Time.Sub(ls[0].Time)
				loopSteps++
				worstLoop = max(worstLoop, span)
				if span > loopAllow {
					t.Errorf("%s: probes died in a loop for %v, over %v (%d probes; first %s)", at, span, loopAllow, len(ls), ls[0].Trace)
				}
				if loopSteps == 1 {
					t.Logf("%s: first microloop: %s", at, ls[0].Trace)
				}
			}
			if !r.Reachable {
				t.Errorf("%s: not every server reachable at the end: %v", at, sim.Unreachable())
			}
			var other []string
			for _, e := range lost {
				if st.ID == "cut" && cutLinkAdjacency(e.Node+" "+e.Text, a, b) {
					continue
				}
				other = append(other, e.Node+": "+e.Text)
			}
			if len(other) > 0 {
				// A double fault: reported, and held to no loop and
				// everyone reachable at its end, not to one fault's
				// bound.
				lossDrops += len(other)
				doubles = append(doubles, fmt.Sprintf("%s: outage %v (%s) with %s", at, r.Outage, r.Worst, strings.Join(other, ", ")))
				continue
			}
			if r.Outage > r.Bound {
				t.Errorf("%s: outage %v over its bound %v (%s)", at, r.Outage, r.Bound, r.Worst)
			}
			if st.ID == "cut" {
				worstCut = max(worstCut, r.Outage)
			} else {
				worstHeal = max(worstHeal, r.Outage)
			}
		}
		flaps++
		sim.ForgetProbeHistory()
		if t.Failed() {
			return
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&mem1)
	g1 := runtime.NumGoroutine()
	st := sim.Network().Stats()
	t.Logf("%d h virtual, %d flaps; worst outage: cut %v (bound %v), restore %v (bound %v); %d packets lost to the 20 %% loss",
		hours, flaps, worstCut, cut, worstHeal, heal, st.Dropped[netsim.DropLoss])
	t.Logf("%d steps with a microloop, the longest %v (allowed %v)", loopSteps, worstLoop, loopAllow)
	t.Logf("%d adjacencies lost to the loss during a step, in %d steps (double faults, not held to one fault's bound):", lossDrops, len(doubles))
	for _, d := range doubles {
		t.Logf("  %s", d)
	}
	// At 20 % loss the RFC's 40 s RouterDeadInterval expires on four
	// hellos lost in a row (0.2⁴ per hello on each of the ring's ten
	// one-way hello streams: some 4–5 adjacencies an hour, each down for
	// the dead interval and a database exchange). A ring link is then
	// down a few per cent of the time, and a quarter of the flaps meet
	// one. More than half would mean adjacencies die of something else.
	if len(doubles) > flaps/2 {
		t.Errorf("%d of %d flaps came with an adjacency lost elsewhere", len(doubles), flaps)
	}
	t.Logf("heap after hour 1: %d KiB in %d objects, at the end: %d KiB in %d objects; goroutines %d → %d",
		mem0.HeapAlloc>>10, mem0.HeapObjects, mem1.HeapAlloc>>10, mem1.HeapObjects, g0, g1)
	// Flat: the end may differ from hour 1 by what is in flight
	// (timers, queued packets, the probes' open runs) and by tables that
	// fill up to their working size, not by anything proportional to the
	// flaps. Measured with this seed: 540 KiB after hour 1, 577 KiB
	// after 24 hours (before the LSDB dropped the aging events of
	// replaced LSAs, which kept them alive for an hour: 1.09 and 1.37
	// MiB; ForgetProbeHistory keeps the probes' own record out of it:
	// with it, 19 MiB after 24).
	if mem1.HeapAlloc > 2*mem0.HeapAlloc {
		t.Errorf("heap grew from %d KiB to %d KiB over the soak", mem0.HeapAlloc>>10, mem1.HeapAlloc>>10)
	}
	if g1 > g0 {
		t.Errorf("goroutines grew from %d to %d", g0, g1)
	}
}

// cutLinkAdjacency reports whether an adjacency line ("vr1 neighbor vr2
// on east …") is one of the two ends of the link between a and b.
func cutLinkAdjacency(line, a, b string) bool {
	return strings.HasPrefix(line, a+" neighbor "+b+" ") || strings.HasPrefix(line, b+" neighbor "+a+" ")
}

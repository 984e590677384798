package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/switchless/routing/anycast"
	"github.com/switchless/routing/rip"
)

// Scenario is what happens to server A at the event (issue 12).
type Scenario string

// The scenarios of the matrix.
const (
	// ScenarioStop: A's SMTP service stops; its host and daemons run on.
	ScenarioStop Scenario = "stop"
	// ScenarioReturn: A's service, stopped long enough for every client
	// to move to B, comes back.
	ScenarioReturn Scenario = "return"
	// ScenarioKill: A's routing daemon (rip, and BFD with -bfd) is
	// killed: its packets stop without a goodbye; the service runs on.
	ScenarioKill Scenario = "kill"
	// ScenarioPowerOff: A's host goes off silently.
	ScenarioPowerOff Scenario = "poweroff"
	// ScenarioDrain: A is drained gracefully (SetMaintenance): withdraw,
	// wait the drain time, remove the alias.
	ScenarioDrain Scenario = "drain"
	// ScenarioGuard (peer policy only): A's service stops and A's own
	// peer check of B fails too (A's side is the broken one): the bare
	// peer method would have A lower its metric and attract the traffic.
	ScenarioGuard Scenario = "guard"
)

// Mode is the metric plan of the paper's §4.1.
type Mode string

// The modes of the matrix.
const (
	ModeFailover Mode = "failover" // MA=1, MB=3
	ModeBalance  Mode = "balance"  // MA=MB=1
)

type rowKey struct {
	Mode     Mode
	Policy   anycast.Policy
	Scenario Scenario
}

// Campus is what one campus's clients saw in one run.
type Campus struct {
	// Before and After are the servers the campus's probes reached at
	// the event and at the end of the run ("-" for none).
	Before, After string
	// OutageMs is the time of failed probes after the event: probes
	// every 10 ms, each failed one counts 10 ms. DeadMs is the part of it
	// spent reaching a server that does not answer (the rest found no
	// route).
	OutageMs, DeadMs int64
	// SettledMs is when, after the event, the campus's last change of
	// server or of success happened (0: none).
	SettledMs int64
}

// Result is one method's run of one row.
type Result struct {
	Method  string
	Campus  [2]Campus
	Metrics map[string]uint32 `json:",omitempty"`
	// GuardOK reports that A never announced a metric while its own
	// service was down (the peer policy's guard; always true for self).
	GuardOK bool
}

// Row is one line of the matrix: ours and the paper's reference.
type Row struct {
	Mode     Mode
	Policy   anycast.Policy
	Scenario Scenario
	// EventAtMs is when, in virtual time since the start, the event
	// happened (a seeded offset spreads it over the timers' phases).
	EventAtMs int64
	Ours, Ref Result
}

func plan(mode Mode) (map[string]uint32, error) {
	pm := anycast.PlanFailover
	if mode == ModeBalance {
		pm = anycast.PlanLoadBalance
	}
	// The paper's campuses: one hop between the L3 switches, each server
	// one hop from its own.
	res, err := anycast.Plan([]anycast.Replica{{Name: "A", Site: "r1"}, {Name: "B", Site: "r2"}},
		[]string{"r1", "r2"}, [][]uint32{{0, 1}, {1, 0}}, pm)
	if err != nil {
		return nil, err
	}
	return res.Metrics, nil
}

func rows(o Options) []rowKey {
	var out []rowKey
	for _, m := range []Mode{ModeFailover, ModeBalance} {
		for _, p := range []anycast.Policy{anycast.PolicySelf, anycast.PolicyPeer} {
			scs := []Scenario{ScenarioStop, ScenarioReturn, ScenarioKill, ScenarioPowerOff, ScenarioDrain}
			if p == anycast.PolicyPeer {
				scs = append(scs, ScenarioGuard)
			}
			for _, s := range scs {
				k := rowKey{m, p, s}
				if o.keep == nil || o.keep(k) {
					out = append(out, k)
				}
			}
		}
	}
	return out
}

// ripTimers are the timers the run's rip uses.
func (o Options) ripTimers() (update, timeout time.Duration) {
	if o.FastRIP {
		t := rip.FastTimers()
		return t.Update, t.Timeout
	}
	return rip.DefaultUpdate, rip.DefaultTimeout
}

// runMatrix runs every row with both methods.
func runMatrix(o Options, tl *timeline) ([]Row, error) {
	update, timeout := o.ripTimers()
	ref := method{Name: "cron 60s", Interval: 60 * time.Second, Rise: 1, Fall: 1}
	ours := method{Name: fmt.Sprintf("%v×%d", o.Interval, o.Fall), Interval: o.Interval, Rise: o.Rise, Fall: o.Fall, Cover: o.Cover}
	// Long enough for the reference's check, RIP's timeout and the next
	// regular update after it.
	window := max(timeout, ref.Interval) + 4*update
	rnd := rand.New(rand.NewPCG(uint64(o.Seed), 0x616e79636173))
	var out []Row
	for _, k := range rows(o) {
		metrics, err := plan(k.Mode)
		if err != nil {
			return nil, err
		}
		// Converged (two updates and the damping of the first
		// announcement), then a seeded phase within a minute so that the
		// event falls anywhere in the cron's and RIP's periods.
		warm := 2*update + 10*time.Second + time.Duration(rnd.Int64N(int64(time.Minute/probeEvery)))*probeEvery
		row := Row{Mode: k.Mode, Policy: k.Policy, Scenario: k.Scenario}
		for _, m := range []method{ours, ref} {
			tl.header(fmt.Sprintf("%s %s %s, %s (MA=%d MB=%d)", k.Mode, k.Policy, k.Scenario, m.Name, metrics["A"], metrics["B"]))
			res, at, err := runOne(o, k, metrics, m, warm, window, tl)
			if err != nil {
				return nil, fmt.Errorf("%s %s %s (%s): %w", k.Mode, k.Policy, k.Scenario, m.Name, err)
			}
			res.Metrics = metrics
			row.EventAtMs = at.Milliseconds()
			if m.Name == ref.Name {
				row.Ref = res
			} else {
				row.Ours = res
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// runOne runs one row with one method: warm up, the event (after a
// pre-phase for ScenarioReturn), then window of probes.
func runOne(o Options, k rowKey, metrics map[string]uint32, m method, warm, window time.Duration, tl *timeline) (Result, time.Duration, error) {
	// The timeline counts from the event.
	tl.epoch = epoch.Add(warm)
	if k.Scenario == ScenarioReturn {
		tl.epoch = tl.epoch.Add(window)
	}
	w, err := newWorld(o, k, metrics, m, tl)
	if err != nil {
		return Result{}, 0, err
	}
	defer w.stop()
	a := w.srv["A"]
	w.advance(warm)
	if k.Scenario == ScenarioReturn {
		tl.add(w.clock.Now(), "A", "event", "smtp service stops (before the return)")
		a.service.Store(false)
		w.advance(window)
	}
	t0 := w.clock.Now()
	res := Result{Method: m.Name, GuardOK: true}
	var last [2]string
	var lastOK [2]bool
	for c, r := range campus {
		last[c], lastOK[c] = w.reach(r)
		res.Campus[c].Before = name(last[c], lastOK[c])
	}
	switch k.Scenario {
	case ScenarioStop:
		a.service.Store(false)
	case ScenarioReturn:
		a.service.Store(true)
	case ScenarioKill:
		a.killed.Store(true)
	case ScenarioPowerOff:
		a.node.Crash()
	case ScenarioDrain:
		if err := a.any.SetMaintenance("smtp", true); err != nil {
			return Result{}, 0, err
		}
	case ScenarioGuard:
		a.blind.Store(true)
		a.service.Store(false)
	}
	tl.add(t0, "A", "event", describeScenario(k.Scenario))
	for elapsed := time.Duration(0); elapsed < window; elapsed += probeEvery {
		for c, r := range campus {
			srv, ok := w.reach(r)
			if !ok {
				res.Campus[c].OutageMs += probeEvery.Milliseconds()
				if srv != "" {
					res.Campus[c].DeadMs += probeEvery.Milliseconds()
				}
			}
			if srv != last[c] || ok != lastOK[c] {
				res.Campus[c].SettledMs = elapsed.Milliseconds()
				tl.add(w.clock.Now(), "clients", r, probeText(srv, ok, w))
				last[c], lastOK[c] = srv, ok
			}
		}
		w.clock.Advance(probeEvery)
	}
	for c := range campus {
		res.Campus[c].After = name(last[c], lastOK[c])
	}
	if a.minMetricWhileDown != 0 {
		res.GuardOK = false
	}
	return res, t0.Sub(epoch), nil
}

func (w *world) advance(d time.Duration) {
	for end := w.clock.Now().Add(d); w.clock.Now().Before(end); {
		w.clock.Advance(probeEvery)
	}
}

func name(srv string, ok bool) string {
	switch {
	case srv == "":
		return "-"
	case !ok:
		return srv + "!"
	}
	return srv
}

func probeText(srv string, ok bool, w *world) string {
	switch {
	case srv == "":
		return "probes fail: no route to the VIP"
	case !ok:
		return fmt.Sprintf("probes reach %s, which does not answer", srv)
	}
	return "probes answered by " + srv
}

func describeScenario(s Scenario) string {
	switch s {
	case ScenarioStop:
		return "smtp service stops"
	case ScenarioReturn:
		return "smtp service returns"
	case ScenarioKill:
		return "routing daemon killed (no goodbye)"
	case ScenarioPowerOff:
		return "power off (silent)"
	case ScenarioDrain:
		return "drained (SetMaintenance)"
	case ScenarioGuard:
		return "smtp service stops and A's peer check of B fails too"
	}
	return string(s)
}

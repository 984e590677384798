package ring

import (
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// AnycastTarget is the name of the probe target of an anycast VIP in
// FailureRuns, events and results.
func AnycastTarget(vip netip.Addr) string { return "anycast " + vip.String() }

// FailureRun is a stretch of consecutive failed probes to one server.
type FailureRun struct {
	// Server names the server.
	Server string
	// From is the time of the first failed probe; To that of the first
	// probe that succeeded again (zero while the run is open, or when the
	// server's node went down during the run).
	From, To time.Time
	// Probes is the number of failed probes.
	Probes int
	// Reason is why the first failed probe failed.
	Reason string
	// EastWest marks a run of probes between two servers on different
	// nodes (SimConfig.EastWest); Server then names the pair.
	EastWest bool
}

// Duration is the outage the run stands for: its failed probes times the
// probe interval, the resolution of any probing.
func (f FailureRun) Duration(interval time.Duration) time.Duration {
	return time.Duration(f.Probes) * interval
}

// LoopSeen is a probe that met a forwarding loop; Time is when it was
// sent.
type LoopSeen struct {
	Time  time.Time
	Trace Trace
}

// prober runs the probe rounds of a Sim: from the gateway to every server
// and back, every interval of virtual time. A probe travels as a packet
// would: it is forwarded at each node by the forwarding table of that
// moment and crosses each link in the link's latency, as clock events. A
// transient loop that the routers resolve while the probe bounces in it
// does not lose it (the Trace counts the bounces); one that outlives its
// TTL does.
type prober struct {
	s        *Sim
	interval time.Duration
	next     time.Time
	targets  []*target
	rounds   int
	runs     []*FailureRun // every run, in the order they started
	loops    []LoopSeen
	bounced  []LoopSeen // probes that got through a transient loop
	inFlight int
}

type target struct {
	// name names the target in runs and events: the server, or
	// AnycastTarget(VIP).
	name string
	// host is the server probed, nil for the anycast VIP (delivered to
	// whichever replica the ring routes it to).
	host *Host
	// from is the server that sends the probe, for east-west probes; nil
	// means the gateway.
	from     *Host
	dst      netip.Addr
	run      *FailureRun // the open run, nil while the probes succeed
	excluded bool        // the server's node is down: not probed
	looping  bool        // the last probe was lost in a loop
	okRounds int         // consecutive successful probes
	// Probes complete out of order when their paths differ: results are
	// applied in the order the probes were sent.
	sent, applied uint64
	done          map[uint64]probeResult
	// cache is the last result of a probe that travelled while nothing
	// forwarding depends on changed (Sim.fwdGen stayed cacheGen): the
	// same generation gives the same result, so it stands for the probes
	// of later rounds until something changes.
	cache    *probeResult
	cacheGen uint64
}

type probeResult struct {
	at     time.Time     // when it was sent
	flight time.Duration // from sending it until the reply arrived or it was lost
	why    string        // "" when it came back
	traces []Trace
}

func newProber(s *Sim) *prober {
	p := &prober{s: s, interval: s.cfg.ProbeInterval, next: s.clock.Now().Add(s.cfg.ProbeInterval)}
	p.addGateway(s.servers)
	if a := s.r.spec.Anycast; a != nil {
		p.targets = append(p.targets, &target{name: AnycastTarget(a.VIP), dst: a.VIP, done: make(map[uint64]probeResult)})
	}
	p.addEastWest(0)
	return p
}

// addServers adds the probes of the servers fresh, the last of s.servers
// (a new node's, when the ring grows).
func (p *prober) addServers(fresh []*Host) {
	p.addGateway(fresh)
	p.addEastWest(len(p.s.servers) - len(fresh))
}

// addGateway adds the probes from the gateway to each of hs (none
// without uplink: east-west probes only).
func (p *prober) addGateway(hs []*Host) {
	if p.s.gateway == nil {
		return
	}
	for _, h := range hs {
		p.targets = append(p.targets, &target{name: h.Name, host: h, dst: h.Addr, done: make(map[uint64]probeResult)})
	}
}

// addEastWest adds, with SimConfig.EastWest or without uplink, the
// probes between every pair of servers on different nodes, once, whose
// second server is s.servers[first:]: the probe goes one way and its
// reply the other.
func (p *prober) addEastWest(first int) {
	s := p.s
	if !s.cfg.EastWest && s.gateway != nil {
		return
	}
	for i, a := range s.servers {
		for j := max(i+1, first); j < len(s.servers); j++ {
			if b := s.servers[j]; a.Node != b.Node {
				p.targets = append(p.targets, &target{name: EastWestTarget(a.Name, b.Name), from: a, host: b, dst: b.Addr,
					done: make(map[uint64]probeResult)})
			}
		}
	}
}

// EastWestTarget is the name of the probe target between servers a and b
// (SimConfig.EastWest) in FailureRuns, events and results.
func EastWestTarget(a, b string) string { return a + " <-> " + b }

// label is how events name the probes of tg.
func (tg *target) label() string {
	if tg.from != nil {
		return tg.name
	}
	return "gw <-> " + tg.name
}

// round sends one probe to every server whose node is up.
func (p *prober) round() {
	now := p.s.clock.Now()
	p.next = now.Add(p.interval)
	if !p.s.started {
		return
	}
	p.rounds++
	for _, tg := range p.targets {
		if tg.host != nil && p.s.byName[tg.host.Node].downReason() != "" || tg.from != nil && p.s.byName[tg.from.Node].downReason() != "" {
			// The node is down: its server is not probed, and a run of
			// failures ends without a recovery.
			tg.run, tg.excluded, tg.looping, tg.okRounds = nil, true, false, 0
			continue
		}
		tg.excluded = false
		tg.sent++
		if c := tg.cache; c != nil && tg.cacheGen == p.s.fwdGen && p.s.quietThrough(now.Add(c.flight)) {
			// Nothing forwarding depends on changed since this result was
			// measured, and nothing can change before a probe sent now
			// would be back: it would travel the same way.
			r := *c
			r.at = now
			p.inFlight++
			p.complete(tg, tg.sent, r)
			continue
		}
		p.send(tg, tg.sent, now)
	}
}

// send launches probe seq to tg: to the server, then the reply back.
func (p *prober) send(tg *target, seq uint64, at time.Time) {
	s := p.s
	gw := s.gateway
	if tg.from != nil {
		gw = tg.from
	}
	gen := s.fwdGen
	p.inFlight++
	complete := func(r probeResult, end time.Time) {
		r.flight = end.Sub(at)
		if s.fwdGen == gen {
			tg.cache, tg.cacheGen = &r, gen
		}
		p.complete(tg, seq, r)
	}
	s.travel(newWalk(gw.nd, gw.Addr, tg.dst), at, func(there Trace, end time.Time) {
		if !there.OK() {
			complete(probeResult{at: at, why: "there: " + there.String(), traces: []Trace{there}}, end)
			return
		}
		h := tg.host
		if h == nil {
			// The anycast VIP: answered by the replica it reached, if
			// its service runs.
			h = s.hostByName[there.Hops[len(there.Hops)-1].Node]
			if h == nil || s.serviceDown[h.Name] {
				complete(probeResult{at: at, why: "there: " + there.String() + ", whose service is down", traces: []Trace{there}}, end)
				return
			}
		}
		s.travel(newWalk(h.nd, tg.dst, gw.Addr), end, func(back Trace, end time.Time) {
			r := probeResult{at: at, traces: []Trace{there, back}}
			if !back.OK() {
				r.why = "back: " + back.String()
			}
			complete(r, end)
		})
	})
}

// travel moves a packet that is at w's node at time at hop by hop, each
// link taking its latency, and calls done with its trace and the time it
// ended when it is delivered or lost. Hops that come before anything can
// change (quietThrough) are taken at once; a hop after that waits for its
// arrival time on the clock, and is forwarded by the tables of that time.
func (s *Sim) travel(w *walk, at time.Time, done func(Trace, time.Time)) {
	for {
		next := s.tracer.step(w, false)
		if next == nil {
			done(w.t, at)
			return
		}
		arrival := at.Add(next.Link().Conditions().Latency)
		if s.quietThrough(arrival) {
			w.cur, w.in, at = next.Node(), next.Name(), arrival
			continue
		}
		s.clock.AfterFunc(arrival.Sub(s.clock.Now()), func() {
			s.probeStep = true
			if !next.Up() {
				w.t.Outcome, w.t.Reason = Blackhole, fmt.Sprintf("lost on the wire: %s lost carrier", next)
				done(w.t, arrival)
				return
			}
			w.cur, w.in = next.Node(), next.Name()
			s.travel(w, arrival, done)
		})
		return
	}
}

// quietThrough reports whether nothing can change in the network before
// time t: no clock callback is due before or at t (one due at t would run
// before a hop armed now for t), and t does not pass the time the
// simulation is being advanced to (the caller may inject a fault there).
func (s *Sim) quietThrough(t time.Time) bool {
	if t.After(s.advancing) {
		return false
	}
	next, ok := s.clock.Next()
	return !ok || t.Before(next)
}

// complete records the result of probe seq and applies, in order, every
// result that is now known.
func (p *prober) complete(tg *target, seq uint64, r probeResult) {
	p.inFlight--
	tg.done[seq] = r
	for {
		r, ok := tg.done[tg.applied+1]
		if !ok {
			return
		}
		delete(tg.done, tg.applied+1)
		tg.applied++
		p.apply(tg, r)
	}
}

func (p *prober) apply(tg *target, r probeResult) {
	loop := false
	for _, t := range r.traces {
		switch {
		case t.Outcome == Loop:
			loop = true
			p.loops = append(p.loops, LoopSeen{Time: r.at, Trace: t})
			if !tg.looping {
				p.s.emit(Event{Time: r.at, Kind: EventLoop, Node: tg.name, Text: t.String()})
			}
		case t.Bounces > 0:
			p.bounced = append(p.bounced, LoopSeen{Time: r.at, Trace: t})
		}
	}
	tg.looping = loop
	if r.why == "" {
		tg.okRounds++
		if tg.run != nil {
			tg.run.To = r.at
			p.s.emit(Event{Time: r.at, Kind: EventProbe, Node: tg.name,
				Text: fmt.Sprintf("%s recovered after %v (%d probes lost)", tg.label(), tg.run.Duration(p.interval), tg.run.Probes)})
			tg.run = nil
		}
		return
	}
	tg.okRounds = 0
	if tg.run == nil {
		tg.run = &FailureRun{Server: tg.name, From: r.at, Reason: r.why, EastWest: tg.from != nil}
		p.runs = append(p.runs, tg.run)
		p.s.emit(Event{Time: r.at, Kind: EventProbe, Node: tg.name, Text: fmt.Sprintf("%s failing: %s", tg.label(), r.why)})
	}
	tg.run.Probes++
}

// allOK reports whether the last round reached every server whose node is
// up, both ways.
func (p *prober) allOK() bool {
	for _, tg := range p.targets {
		if !tg.excluded && tg.run != nil && !p.s.strands(tg) {
			return false
		}
	}
	return p.rounds > 0
}

// reachable returns the servers the last round reached both ways.
func (p *prober) reachable() map[string]bool {
	out := make(map[string]bool)
	for _, tg := range p.targets {
		if !tg.excluded && tg.run == nil && tg.okRounds > 0 {
			out[tg.name] = true
		}
	}
	return out
}

// failing returns the servers whose node is up that the last round did not
// reach, with the reason of their current failure.
func (p *prober) failing() map[string]string {
	out := make(map[string]string)
	for _, tg := range p.targets {
		if !tg.excluded && tg.run != nil {
			out[tg.name] = tg.run.Reason
		}
	}
	return out
}

// Probes returns the probe interval.
func (s *Sim) ProbeInterval() time.Duration { return s.cfg.ProbeInterval }

// FailureRuns returns every run of failed probes so far, in the order they
// started (open runs have a zero To).
func (s *Sim) FailureRuns() []FailureRun {
	out := make([]FailureRun, len(s.probes.runs))
	for i, r := range s.probes.runs {
		out[i] = *r
	}
	return out
}

// Loops returns every probe lost in a forwarding loop (its TTL ran out).
func (s *Sim) Loops() []LoopSeen { return append([]LoopSeen(nil), s.probes.loops...) }

// Bounced returns every probe that came back to a node it had crossed and
// still got through: it met a transient loop that the routers resolved
// while it bounced.
func (s *Sim) Bounced() []LoopSeen { return append([]LoopSeen(nil), s.probes.bounced...) }

// ForgetProbeHistory drops the closed failure runs, the loops and the
// bounced probes recorded so far (FailureRuns, Loops, Bounced), keeping
// the runs still open. A Sim records every one of them for the run's
// report; a soak of days of virtual time reads them step by step and
// calls this between steps, so that memory measures the routers and not
// the record. Not to be called while a step runs.
func (s *Sim) ForgetProbeHistory() {
	p := s.probes
	var open []*FailureRun
	for _, t := range p.targets {
		if t.run != nil {
			open = append(open, t.run)
		}
	}
	var kept []*FailureRun // a new array: the old one's length goes too
	for _, r := range p.runs {
		if slices.Contains(open, r) {
			kept = append(kept, r)
		}
	}
	p.runs = kept
	p.loops, p.bounced = nil, nil
}

// ProbeRounds returns the number of probe rounds run.
func (s *Sim) ProbeRounds() int { return s.probes.rounds }

// AllReachable reports whether the last probe round reached every server
// whose node is up, and the anycast VIP (Spec.Anycast) at a replica whose
// service runs, both ways.
func (s *Sim) AllReachable() bool { return s.probes.allOK() }

// Unreachable returns the servers (of running nodes) the last probe round
// did not reach, with the reason; the anycast VIP is AnycastTarget(VIP).
func (s *Sim) Unreachable() map[string]string { return s.probes.failing() }

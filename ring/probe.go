package ring

import (
	"fmt"
	"time"
)

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
}

// Duration is the outage the run stands for: its failed probes times the
// probe interval, the resolution of any probing.
func (f FailureRun) Duration(interval time.Duration) time.Duration {
	return time.Duration(f.Probes) * interval
}

// LoopSeen is a probe that found a forwarding loop.
type LoopSeen struct {
	Time  time.Time
	Trace Trace
}

// prober runs the probe rounds of a Sim: from the gateway to every server
// and back, every interval of virtual time.
type prober struct {
	s        *Sim
	interval time.Duration
	next     time.Time
	targets  []*target
	rounds   int
	runs     []*FailureRun // every run, in the order they started
	loops    []LoopSeen
}

type target struct {
	host     *Host
	run      *FailureRun // the open run, nil while the probes succeed
	excluded bool        // the server's node is down: not probed
	looping  bool        // the last probe found a loop
	okRounds int         // consecutive successful probes
}

func newProber(s *Sim) *prober {
	p := &prober{s: s, interval: s.cfg.ProbeInterval, next: s.clock.Now().Add(s.cfg.ProbeInterval)}
	for _, h := range s.servers {
		p.targets = append(p.targets, &target{host: h})
	}
	return p
}

// probe sends one probe to h and its reply back, and says why it failed
// ("" when both arrived).
func (p *prober) probe(h *Host) (string, []Trace) {
	gw := p.s.gateway
	there := p.s.Trace(gw, h.Addr)
	if !there.OK() {
		return "there: " + there.String(), []Trace{there}
	}
	back := p.s.Trace(h, gw.Addr)
	if !back.OK() {
		return "back: " + back.String(), []Trace{there, back}
	}
	return "", nil
}

// round runs one probe to every server whose node is up.
func (p *prober) round() {
	now := p.s.clock.Now()
	p.next = now.Add(p.interval)
	if !p.s.started {
		return
	}
	p.rounds++
	for _, tg := range p.targets {
		if p.s.byName[tg.host.Node].downReason() != "" {
			if tg.run != nil {
				// The node went down while its server was failing: the
				// run ends without a recovery.
				tg.run = nil
			}
			tg.excluded, tg.looping, tg.okRounds = true, false, 0
			continue
		}
		tg.excluded = false
		why, traces := p.probe(tg.host)
		loop := false
		for _, t := range traces {
			if t.Outcome == Loop {
				loop = true
				p.loops = append(p.loops, LoopSeen{Time: now, Trace: t})
				if !tg.looping {
					p.s.emit(Event{Kind: EventLoop, Node: tg.host.Name, Text: t.String()})
				}
			}
		}
		tg.looping = loop
		if why == "" {
			tg.okRounds++
			if tg.run != nil {
				tg.run.To = now
				p.s.emit(Event{Kind: EventProbe, Node: tg.host.Name,
					Text: fmt.Sprintf("gw <-> %s recovered after %v (%d probes lost)", tg.host.Name, tg.run.Duration(p.interval), tg.run.Probes)})
				tg.run = nil
			}
			continue
		}
		tg.okRounds = 0
		if tg.run == nil {
			tg.run = &FailureRun{Server: tg.host.Name, From: now, Reason: why}
			p.runs = append(p.runs, tg.run)
			p.s.emit(Event{Kind: EventProbe, Node: tg.host.Name, Text: fmt.Sprintf("gw <-> %s failing: %s", tg.host.Name, why)})
		}
		tg.run.Probes++
	}
}

// allOK reports whether the last round reached every server whose node is
// up, both ways.
func (p *prober) allOK() bool {
	for _, tg := range p.targets {
		if !tg.excluded && tg.run != nil {
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
			out[tg.host.Name] = true
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
			out[tg.host.Name] = tg.run.Reason
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

// Loops returns every probe that found a forwarding loop.
func (s *Sim) Loops() []LoopSeen { return append([]LoopSeen(nil), s.probes.loops...) }

// ProbeRounds returns the number of probe rounds run.
func (s *Sim) ProbeRounds() int { return s.probes.rounds }

// AllReachable reports whether the last probe round reached every server
// whose node is up, both ways.
func (s *Sim) AllReachable() bool { return s.probes.allOK() }

// Unreachable returns the servers (of running nodes) the last probe round
// did not reach, with the reason.
func (s *Sim) Unreachable() map[string]string { return s.probes.failing() }

package ring

import (
	"fmt"
	"strings"
	"time"
)

// This file holds what a Sim does for a chain (TopologyChain): its
// steps and which probe targets a fault strands.

// chainSteps are the scenarios of a chain:
//
//	S0   cold start
//	S2   the edge's neighbour on the longer arm dies (every node beyond
//	     it is cut off)
//	S2r  it returns
//	S3   the link between the edge and that node is cut (the node and
//	     every one beyond it are cut off)
//	S3r  the link is restored
//
// S1, S4 and the frozen variants need an edge that fails over through
// VRRP and routes that move through OSPF; a chain has neither, so they do
// not apply (a dead edge strands the whole chain; a frozen node strands
// the nodes beyond it just as a dead one does). Nothing converges in a
// chain: the static routes are in from the start and never change, so
// the bound of every step but the cold start is zero for the targets the
// fault does not strand, and the stranded ones are Result.CutOff.
func (s *Sim) chainSteps() []Step {
	P := s.cfg.ProbeInterval
	rtt := 2 * time.Duration(len(s.nodes)+2) * s.cfg.Latency
	victim, link := s.chainVictim()
	vn := s.nodes[victim].Name()
	e := s.chainEdge()
	// The nodes the fault strands: past the victim, and with self the
	// victim too (a link cut strands it; its death leaves it down).
	strands := func(self bool) string {
		var names []string
		for i := range s.nodes {
			if victim > e && (i > victim || self && i == victim) || victim < e && (i < victim || self && i == victim) {
				names = append(names, s.nodes[i].Name())
			}
		}
		if len(names) == 0 {
			return "strands no other node"
		}
		return "strands " + strings.Join(names, ", ")
	}
	const static = "static routes: nothing to converge"
	return []Step{
		{
			ID: "S0", Name: "cold start",
			// The static routes are written before the first probe
			// round after the start; that round's probes come back
			// within a round trip, and the run looks every interval.
			Bound: 2*P + rtt,
			Why:   fmt.Sprintf("%s: first probe round %v + its round trip %v + probe %v", static, P, rtt, P),
			fault: func(s *Sim) error { return s.Start() },
		},
		{
			ID: "S2", Name: vn + " (not an edge) dies: " + strands(false), Victim: vn,
			Why:   static + " for the nodes on the edge's side; the others are cut off until S2r",
			fault: func(s *Sim) error { return s.Crash(vn) },
		},
		{
			ID: "S2r", Name: vn + " returns", Victim: vn,
			Why:   static + ": its routes are written at its boot",
			fault: func(s *Sim) error { return s.Reboot(vn) },
		},
		{
			ID: "S3", Name: "chain link " + s.linkName(link) + " cut: " + strands(true),
			Why:   static + " for the nodes on the edge's side; the others are cut off until S3r",
			fault: func(s *Sim) error { s.CutLink(link); return nil },
		},
		{
			ID: "S3r", Name: "chain link " + s.linkName(link) + " restored",
			Why:   static,
			fault: func(s *Sim) error { s.RestoreLink(link); return nil },
		},
	}
}

// chainEdge is the index of the chain's edge: the first node of a chain
// without uplink.
func (s *Sim) chainEdge() int {
	if s.r.uplink() {
		return s.r.edges[0].node
	}
	return 0
}

// chainVictim picks the node of S2 and the link of S3: the edge's
// neighbour on the arm with more nodes (east on a tie), the one whose
// loss strands the most, and the link between it and the edge.
func (s *Sim) chainVictim() (node, link int) {
	e, n := s.chainEdge(), len(s.nodes)
	if n-1-e >= e {
		return e + 1, e
	}
	return e - 1, e - 1
}

// strands reports whether, in a chain, the current faults separate the
// two ends of tg's probes: a node between them (the edge, for the
// gateway's probes) that cannot forward, or a link between them that is
// cut. Always false in a ring.
func (s *Sim) strands(tg *target) bool {
	if !s.r.chain() || tg.host == nil {
		return false
	}
	a := s.byName[tg.host.Node].cfg.Index
	b := s.chainEdge()
	if tg.from != nil {
		b = s.byName[tg.from.Node].cfg.Index
	}
	lo, hi := min(a, b), max(a, b)
	for i := lo; i <= hi; i++ {
		if s.nodes[i].downReason() != "" {
			return true
		}
		if i < hi && s.ring[i].IsCut() {
			return true
		}
	}
	return false
}

// cutOff returns the targets probed in the last round that the current
// faults strand and that failed: Result.CutOff.
func (p *prober) cutOff() map[string]bool {
	out := make(map[string]bool)
	for _, tg := range p.targets {
		if !tg.excluded && tg.run != nil && p.s.strands(tg) {
			out[tg.name] = true
		}
	}
	return out
}

// victimTarget reports whether, in a chain, the probe target called name
// has an end on the step's victim node: the probes in flight when it
// died are lost with it, and its servers are not counted in the outage
// (Step.Victim). Always false in a ring, whose results count them as
// they always have.
func (s *Sim) victimTarget(victim, name string) bool {
	if !s.r.chain() || victim == "" {
		return false
	}
	for _, tg := range s.probes.targets {
		if tg.name == name {
			return tg.host != nil && tg.host.Node == victim || tg.from != nil && tg.from.Node == victim
		}
	}
	return false
}

package ring

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/switchless/routing/netsim"
)

// This file grows a simulated ring by one node, as an operator does
// (Growth): scenario S6.

// GrowthSteps returns the steps that grow the simulated ring into next
// (PlanGrowth of the running spec and next), following Growth's
// procedure:
//
//	S6u  the cable West–East is unplugged
//	S6h  every running node is reloaded with next (Node.Reconfigure)
//	S6   the new node is cabled in between West and East and started
//
// Each step's Result reports, beside the outage of every probe, the
// outage of the probes whose path crossed neither re-cabled interface
// when the step began (Result.Bystanders): that traffic must not notice
// the growth. Run the steps after the cold start, in order; the Sim is
// the grown ring afterwards (Steps, faults and probes apply to N+1
// nodes).
func (s *Sim) GrowthSteps(next Spec) (Growth, []Step, error) {
	g, err := PlanGrowth(s.r.spec, next)
	if err != nil {
		return Growth{}, nil, err
	}
	b := s.bounds()
	cut := b.initial + b.short + b.flood + b.probe
	cutWhy := fmt.Sprintf("SPF %v + %v + flooding %v + probe %v", b.initial, b.short, b.flood, b.probe)
	heal := b.initial + b.long + b.flood + b.probe
	healWhy := fmt.Sprintf("SPF %v + %v + flooding %v + probe %v", b.initial, b.long, b.flood, b.probe)
	link := g.West + "-" + g.East
	rc := [2]TraceHop{{Node: g.West, Out: IfEast}, {Node: g.East, Out: IfWest}}
	steps := []Step{
		{
			ID: "S6u", Name: "cable " + link + " unplugged to insert " + g.Node,
			// A link going down: S3's bound.
			Bound: cut, Why: cutWhy, recabled: &rc,
			fault: func(s *Sim) error { s.CutLink(g.Unplugged); return nil },
		},
		{
			ID: "S6h", Name: fmt.Sprintf("every node reloaded with the %d-node spec", len(next.Nodes)),
			// Costs change on a chain, where every path is unique: no
			// traffic moves; the bound is a return's.
			Bound: heal, Why: healWhy, recabled: &rc,
			fault: func(s *Sim) error { return s.growReload(g) },
		},
		{
			ID: "S6", Name: g.Node + " cabled in between " + g.West + " and " + g.East + " and started", Victim: g.Node,
			Bound: heal, Why: healWhy, recabled: &rc,
			fault: func(s *Sim) error { return s.growCable(g) },
		},
	}
	return g, steps, nil
}

// crossesRecabled reports whether the trace leaves West by its east
// interface or East by its west one.
func crossesRecabled(t Trace, rc *[2]TraceHop) bool {
	for _, h := range t.Hops {
		for _, x := range rc {
			if h.Node == x.Node && h.Out == x.Out {
				return true
			}
		}
	}
	return false
}

// crossing returns the probe targets whose current path, there or back,
// crosses a re-cabled interface.
func (s *Sim) crossing(rc *[2]TraceHop) map[string]bool {
	out := make(map[string]bool)
	for _, tg := range s.probes.targets {
		src := s.gateway
		if tg.from != nil {
			src = tg.from
		}
		if src == nil {
			continue
		}
		there := s.tracer.trace(src.nd, src.Addr, tg.dst)
		back := Trace{}
		if n := len(there.Hops); there.OK() && n > 0 {
			h := tg.host
			if h == nil {
				h = s.hostByName[there.Hops[n-1].Node]
			}
			if h != nil {
				back = s.tracer.trace(h.nd, tg.dst, src.Addr)
			}
		}
		if crossesRecabled(there, rc) || crossesRecabled(back, rc) {
			out[tg.name] = true
		}
	}
	return out
}

// growReload is S6h: the new node's place is made (its netsim node with
// its two interfaces on a spare cable, unplugged, its LANs and servers;
// not started), the Sim takes the new spec and plan, the unplugged
// interfaces of running nodes are re-addressed as the host does before
// its reload (HostNode.Reconfigure), and every running node is reloaded.
func (s *Sim) growReload(g Growth) error {
	rn, err := g.New.resolve()
	if err != nil {
		return err
	}
	pn := rn.plan()
	cond := netsim.Conditions{Latency: s.cfg.Latency}
	k := g.Index
	cfg := rn.build(k, pn)
	nd := s.net.Node(g.Node)
	w, e, err := s.net.Link(nd, nd, netsim.LinkConfig{Name: "spare-" + g.Node, AName: IfWest, BName: IfEast,
		AAddrs: []netip.Prefix{rn.west[k]}, BAddrs: []netip.Prefix{rn.east[k]}, Conditions: cond})
	if err != nil {
		return err
	}
	w.Cut() // the cables are not in yet
	sn := &SimNode{sim: s, cfg: cfg, nd: nd, atts: map[string]*netsim.Attachment{IfWest: w, IfEast: e}}
	old := s.r
	s.r, s.plan = rn, pn
	nServers := len(s.servers)
	if err := s.buildLANs(sn, cond); err != nil {
		return err
	}
	sn.kernel = NewKernel()
	if err := sn.addConnected(); err != nil {
		return err
	}
	s.watchCarrier(nd)
	for _, h := range s.servers[nServers:] {
		s.watchCarrier(h.nd)
	}
	s.emit(Event{Kind: EventFault, Text: fmt.Sprintf("reload every node with the %d-node spec", len(g.New.Nodes))})
	s.fwdGen++
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for _, on := range s.nodes {
		j := rn.byName[on.cfg.Name]
		nc := rn.build(j, pn)
		for _, ifc := range []string{IfEast, IfWest} {
			was, _ := on.cfg.Interface(ifc)
			now, _ := nc.Interface(ifc)
			if was.Prefix == now.Prefix {
				continue
			}
			a := on.atts[ifc]
			if err := a.RemoveAddr(was.Prefix.Addr()); err != nil {
				return err
			}
			if err := a.AddAddr(now.Prefix); err != nil {
				return err
			}
			if err := on.kernel.Connected.Delete(ctx, was.Prefix.Masked(), 0); err != nil {
				return err
			}
			if err := on.kernel.Connected.Replace(ctx, connectedRoute(a, now.Prefix)); err != nil {
				return err
			}
		}
		if on.inc != nil {
			if err := on.inc.node.Reconfigure(ctx, nc, nil); err != nil {
				return fmt.Errorf("reload %s: %w", on.cfg.Name, err)
			}
		}
		on.cfg = nc
	}
	// The ring's order and links now: the links around the new node are
	// its spare cable until S6 cables them.
	nodes := slices.Insert(slices.Clone(s.nodes), k, sn)
	ring := make([]*netsim.Link, len(nodes))
	for j := range nodes {
		a := nodes[j].cfg.Name
		if a == g.West || a == g.Node {
			ring[j] = w.Link()
			continue
		}
		ring[j] = s.ring[old.byName[a]]
	}
	s.nodes, s.ring = nodes, ring
	s.byName[g.Node] = sn
	s.probes.addServers(s.servers[nServers:])
	return nil
}

// growCable is S6: the two cables go in (West's east to the new node's
// west, the new node's east to East's west), the gateway routes the new
// LANs to the VIP, and the new node starts.
func (s *Sim) growCable(g Growth) error {
	sn := s.byName[g.Node]
	west, east := s.byName[g.West], s.byName[g.East]
	cond := netsim.Conditions{Latency: s.cfg.Latency}
	s.emit(Event{Kind: EventFault, Node: g.Node, Text: fmt.Sprintf("cabled in between %s and %s, boots", g.West, g.East)})
	s.fwdGen++
	l1, err := s.net.Recable(west.atts[IfEast], sn.atts[IfWest], g.West+"-"+g.Node, cond)
	if err != nil {
		return err
	}
	l2, err := s.net.Recable(sn.atts[IfEast], east.atts[IfWest], g.Node+"-"+g.East, cond)
	if err != nil {
		return err
	}
	sn.atts[IfWest].Restore() // cut while it lay on the spare cable
	s.ring[(g.Index-1+len(s.nodes))%len(s.nodes)] = l1
	s.ring[g.Index] = l2
	if s.gateway != nil {
		var lans []netip.Prefix
		for _, l := range g.New.Nodes[g.Index].LANs {
			lans = append(lans, l.Masked())
		}
		if err := s.routeAtGateway(lans); err != nil {
			return err
		}
	}
	if !s.started {
		return nil
	}
	return sn.boot()
}

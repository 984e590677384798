package ring

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/switchless/routing/vrrp"
)

// WriteDot writes the ring as it is now as a Graphviz graph (render with
// `dot -Kcirco -Tsvg`): the nodes with their role, VRRP state and router
// ID; the ring links with the OSPF cost of each end, solid and with arrows
// in the direction default traffic flows over them now, dashed grey when
// idle, dotted red when down; the servers; the upstream LAN with the
// gateway and the edge the gateway's traffic for the VIP goes to.
func (s *Sim) WriteDot(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	n := len(s.nodes)
	title := fmt.Sprintf("switchless ring, %d nodes, profile %v, t=%v", n, s.r.spec.Profile, s.Elapsed().Round(time.Millisecond))
	if s.r.chain() {
		title = fmt.Sprintf("switchless chain, %d nodes, static routes only, t=%v", n, s.Elapsed().Round(time.Millisecond))
	}
	p("graph ring {\n")
	p("\tlabel=%q;\n\tfontname=\"Helvetica\";\n\tnode [fontname=\"Helvetica\" fontsize=10];\n\tedge [fontname=\"Helvetica\" fontsize=9];\n",
		title)

	// Which way default traffic crosses each ring link: from each node's
	// first server (or the node itself) to the gateway.
	fwd := make([]bool, n) // link i carries traffic from node i to node i+1
	bwd := make([]bool, n) // … from node i+1 to node i
	for _, sn := range s.nodes {
		if s.gateway == nil {
			break // no uplink: no default traffic
		}
		src := s.r.rid[sn.cfg.Index]
		t := s.tracer.trace(sn.nd, src, s.gateway.Addr)
		for k := 1; k < len(t.Hops); k++ {
			a, b := s.byName[t.Hops[k-1].Node], s.byName[t.Hops[k].Node]
			if a == nil || b == nil {
				continue
			}
			switch {
			case (a.cfg.Index+1)%n == b.cfg.Index && t.Hops[k-1].Out == IfEast:
				fwd[a.cfg.Index] = true
			case (b.cfg.Index+1)%n == a.cfg.Index && t.Hops[k-1].Out == IfWest:
				bwd[b.cfg.Index] = true
			}
		}
	}

	for _, sn := range s.nodes {
		np := s.plan.Nodes[sn.cfg.Index]
		label := fmt.Sprintf("%s\\n%s\\n%v", sn.Name(), np.Role, s.r.rid[sn.cfg.Index])
		style := "solid"
		color := "black"
		switch {
		case sn.Crashed():
			label += "\\nDOWN"
			style, color = "dashed", "red"
		case sn.Frozen():
			label += "\\nFROZEN"
			style, color = "dashed", "red"
		}
		if nd := sn.Node(); nd != nil && nd.VRRP() != nil && !sn.Crashed() && !sn.Frozen() {
			st := nd.VRRP().State()
			label += "\\nVRRP " + st.String()
			if st == vrrp.Master {
				color = "blue"
			}
			if rs := nd.VRRPRouters(); len(rs) > 1 {
				st2 := rs[1].State()
				label += ", group 2 " + st2.String()
				if st2 == vrrp.Master {
					color = "blue"
				}
			}
		}
		shape := "ellipse"
		if np.Role != Inner {
			shape = "doublecircle"
		}
		p("\t%q [label=\"%s\" shape=%s style=%s color=%s];\n", sn.Name(), label, shape, style, color)
	}
	for i, l := range s.ring {
		a, b := s.nodes[i], s.nodes[(i+1)%n]
		attrs := fmt.Sprintf("taillabel=\"%d\" headlabel=\"%d\" label=%q",
			s.plan.Nodes[i].EastCost, s.plan.Nodes[(i+1)%n].WestCost, l.Name())
		if s.r.chain() { // no costs: static routes
			attrs = fmt.Sprintf("label=%q", l.Name())
		}
		up := a.atts[IfEast].Up()
		switch {
		case !up:
			attrs += " style=dotted color=red"
		case fwd[i] && bwd[i]:
			attrs += " dir=both penwidth=2 color=blue"
		case fwd[i]:
			attrs += " dir=forward penwidth=2 color=blue"
		case bwd[i]:
			attrs += " dir=back penwidth=2 color=blue"
		default:
			attrs += " style=dashed color=grey"
		}
		p("\t%q -- %q [%s];\n", a.Name(), b.Name(), attrs)
	}
	for _, h := range s.servers {
		p("\t%q [label=\"%s\\n%v\" shape=box fontsize=8];\n", h.Name, h.Name, h.Addr)
		p("\t%q -- %q [len=0.5];\n", h.Node, h.Name)
	}
	u := s.r.spec.Upstream
	if s.gateway == nil {
		p("}\n")
		return bw.Flush()
	}
	if u.VIP.IsValid() {
		vips := u.VIP.String()
		if u.Second != nil {
			vips += ", group 2 " + u.Second.VIP.String()
		}
		p("\t\"upstream\" [label=\"upstream LAN\\n%v\\nVIP %s\" shape=hexagon];\n", u.Prefix, vips)
	} else { // a chain: the gateway routes to the edge
		p("\t\"upstream\" [label=\"upstream LAN\\n%v\" shape=hexagon];\n", u.Prefix)
	}
	p("\t%q [label=\"gateway\\n%v\" shape=box3d];\n", GatewayName, u.Gateway)
	p("\t%q -- \"upstream\";\n", GatewayName)
	for _, e := range s.r.edges {
		sn := s.nodes[e.node]
		attrs := fmt.Sprintf("label=\"%v\"", e.addr.Addr())
		if !sn.atts[IfUpstream].Up() {
			attrs += " style=dotted color=red"
		} else if held := s.vipsAt(sn); held != "" {
			attrs = fmt.Sprintf("label=\"%v + %s\" penwidth=2 color=blue", e.addr.Addr(), held)
		}
		p("\t\"upstream\" -- %q [%s];\n", sn.Name(), attrs)
	}
	p("}\n")
	return bw.Flush()
}

// vipsAt says which VIPs the gateway sends to edge sn: "VIP", and with
// active-active edges "VIP 2" or "VIP + VIP 2"; empty for none.
func (s *Sim) vipsAt(sn *SimNode) string {
	u := s.r.spec.Upstream
	var held []string
	if s.resolve(s.gateway.att, u.VIP) == sn.atts[IfUpstream] {
		held = append(held, "VIP")
	}
	if u.Second != nil && s.resolve(s.gateway.att, u.Second.VIP) == sn.atts[IfUpstream] {
		held = append(held, "VIP 2")
	}
	return strings.Join(held, " + ")
}

package ring

import (
	"fmt"
	"hash/fnv"
	"net/netip"
	"strings"

	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/netsim"
)

// MaxTTL is the TTL a traced packet starts with (Linux's default).
const MaxTTL = 64

// Outcome is how a traced packet ended.
type Outcome uint8

const (
	// Delivered: the packet reached a node that holds the destination.
	Delivered Outcome = iota + 1
	// Blackhole: a node could not forward it (no route, interface or
	// neighbor down, node dead, no ARP answer) and dropped it.
	Blackhole
	// Loop: the packet came back to a node it had already crossed, or its
	// TTL ran out.
	Loop
)

func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Blackhole:
		return "blackhole"
	case Loop:
		return "loop"
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// TraceHop is one node a traced packet crossed.
type TraceHop struct {
	// Node is the node's name.
	Node string
	// In is the interface it arrived on (empty at the source).
	In string
	// Out is the interface it left by, and Via the next hop (the
	// destination itself when on-link); both empty at the last hop.
	Out string
	Via netip.Addr
	// Route is the route that forwarded it.
	Route fib.Route
}

// Trace is the path of one packet, hop by hop, over the forwarding tables
// of the simulated nodes.
type Trace struct {
	From    string
	Src     netip.Addr
	Dst     netip.Addr
	Hops    []TraceHop
	Outcome Outcome
	// Reason explains a Blackhole or Loop in words.
	Reason string
	// Bounces counts the times a probe travelling in virtual time came
	// back to a node it had crossed: a transient (micro)loop that the
	// forwarding tables resolved while it bounced, or, when it ends in
	// Loop, one that outlived its TTL.
	Bounces int
}

// OK reports whether the packet was delivered.
func (t Trace) OK() bool { return t.Outcome == Delivered }

// Path returns the names of the nodes crossed, in order.
func (t Trace) Path() []string {
	out := make([]string, len(t.Hops))
	for i, h := range t.Hops {
		out[i] = h.Node
	}
	return out
}

// String renders the trace on one line: "gw -> vr1 -> vr2 -> srv2:
// delivered".
func (t Trace) String() string {
	var b strings.Builder
	b.WriteString(strings.Join(t.Path(), " -> "))
	b.WriteString(": ")
	b.WriteString(t.Outcome.String())
	if t.Reason != "" {
		b.WriteString(" (")
		b.WriteString(t.Reason)
		b.WriteString(")")
	}
	return b.String()
}

// forwarder is what the tracer needs to know of a simulated node.
type forwarder struct {
	name   string
	kernel *Kernel
	// host nodes deliver what is theirs and never forward.
	host bool
	// down, if set, says why the node cannot handle packets at all
	// ("crashed", "frozen"), or "" while it runs.
	down func() string
}

// tracer walks packets over the forwarding tables of a netsim network.
type tracer struct {
	net *netsim.Network
	fwd func(*netsim.Node) *forwarder
	// resolve returns the attachment that answers for next hop addr on
	// out's link (ARP), or nil.
	resolve func(out *netsim.Attachment, addr netip.Addr) *netsim.Attachment
}

// walk is one packet on its way: its trace so far and where it is.
type walk struct {
	t    Trace
	cur  *netsim.Node
	in   string // the interface it arrived on, "" at the source
	ttl  int
	seen map[*netsim.Node]bool
}

func newWalk(from *netsim.Node, src, dst netip.Addr) *walk {
	return &walk{t: Trace{From: from.Name(), Src: src, Dst: dst}, cur: from, ttl: MaxTTL, seen: make(map[*netsim.Node]bool)}
}

// trace follows a packet from src (an address of node from) to dst over
// the forwarding tables as they are now, all hops at the same instant. It
// stops when the packet reaches a node holding dst, is dropped, comes back
// to a node it crossed (a loop: nothing changes while it travels), or has
// crossed MaxTTL routers. Probes travel in virtual time instead; see
// prober.
func (tr *tracer) trace(from *netsim.Node, src, dst netip.Addr) Trace {
	w := newWalk(from, src, dst)
	for {
		next := tr.step(w, true)
		if next == nil {
			return w.t
		}
		w.cur, w.in = next.Node(), next.Name()
	}
}

// step forwards the packet at its current node as the kernel does: the
// longest-prefix route (Kernel.Lookup), among ECMP next hops the one a
// hash of source and destination picks, out the route's interface (or the
// one on the next hop's subnet) if it has carrier, to the attachment on
// that link that owns the next hop (the destination itself for an on-link
// route). It returns that attachment, or nil when the walk ended: the
// packet was delivered to a node holding the destination, dropped, or
// looped (back at a node it crossed, with loopOnRevisit; or out of TTL).
func (tr *tracer) step(w *walk, loopOnRevisit bool) *netsim.Attachment {
	t := &w.t
	cur, dst := w.cur, t.Dst
	f := tr.fwd(cur)
	name := cur.Name()
	if f != nil {
		name = f.name
	}
	hop := TraceHop{Node: name, In: w.in}
	end := func(o Outcome, format string, args ...any) *netsim.Attachment {
		t.Hops = append(t.Hops, hop)
		t.Outcome, t.Reason = o, fmt.Sprintf(format, args...)
		return nil
	}
	if w.seen[cur] {
		if loopOnRevisit {
			return end(Loop, "back at %s", name)
		}
		t.Bounces++
	}
	w.seen[cur] = true
	if f == nil {
		return end(Blackhole, "%s is not simulated", name)
	}
	if f.down != nil {
		if why := f.down(); why != "" {
			return end(Blackhole, "%s %s", name, why)
		}
	}
	if cur.Owner(dst) != nil {
		return end(Delivered, "")
	}
	if f.host && len(t.Hops) > 0 {
		return end(Blackhole, "%s is a host and does not forward", name)
	}
	if w.ttl == 0 {
		return end(Loop, "TTL exceeded at %s", name)
	}
	w.ttl--
	r, ok := f.kernel.Lookup(dst)
	if !ok {
		return end(Blackhole, "no route to %v at %s", dst, name)
	}
	hop.Route = r
	if r.Type != fib.TypeUnicast || len(r.NextHops) == 0 {
		return end(Blackhole, "%s route %v at %s", r.Type, r.Prefix, name)
	}
	nh := r.NextHops[0]
	if len(r.NextHops) > 1 {
		nh = r.NextHops[flowHash(t.Src, dst)%uint32(len(r.NextHops))]
	}
	target := nh.Gateway
	if !target.IsValid() {
		target = dst
	}
	out := tr.outIface(cur, nh, target)
	if out == nil {
		return end(Blackhole, "%s has no interface for next hop %v", name, target)
	}
	hop.Out, hop.Via = out.Name(), target
	if !out.Up() {
		return end(Blackhole, "%s/%s has no carrier", name, out.Name())
	}
	next := tr.resolve(out, target)
	if next == nil {
		return end(Blackhole, "nobody answers for %v on %s/%s", target, name, out.Name())
	}
	if !next.Up() {
		return end(Blackhole, "%s has no carrier", next)
	}
	t.Hops = append(t.Hops, hop)
	return next
}

// outIface is the attachment a next hop leaves by: the route's interface
// when it names one of cur's, else the one whose subnet holds target.
func (tr *tracer) outIface(cur *netsim.Node, nh fib.NextHop, target netip.Addr) *netsim.Attachment {
	if nh.IfIndex != 0 {
		if a := tr.net.Attachment(nh.IfIndex); a != nil && a.Node() == cur {
			return a
		}
		return nil
	}
	for _, a := range cur.Attachments() {
		for _, p := range a.Addrs() {
			if p.Masked().Contains(target) {
				return a
			}
		}
	}
	return nil
}

// flowHash picks among ECMP next hops as a kernel's L3 hash would: the
// same flow always takes the same hop.
func flowHash(src, dst netip.Addr) uint32 {
	h := fnv.New32a()
	b := src.As16()
	h.Write(b[:])
	b = dst.As16()
	h.Write(b[:])
	return h.Sum32()
}

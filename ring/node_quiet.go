package ring

import (
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/ospf"
)

// A node that restarts left a router-LSA behind in the ring: its
// neighbours keep its previous incarnation's instance, with a higher
// sequence number than anything the new one has sent. When the new
// instance forms its adjacencies, that stale LSA comes back to it in the
// database exchange and, with the neighbours' fresh LSAs listing the new
// adjacencies, makes the ring route through the restarted node the way it
// was configured before, while the node itself does not (yet). RFC 2328
// §13.4 has the node supersede the stale LSA with a new instance, but
// §12.4 holds that origination back until MinLSInterval after the
// router-LSA it sent when it started: for up to 5 s the ring disagrees
// with the node, and traffic through it loops or is dropped (the
// simulation shows both, server to server and from the gateway).
//
// restartQuiet avoids the disagreement from the outside of OSPF: after a
// restart the node's ring interfaces stay silent (nothing sent, nothing
// received) until none of its self-originated LSAs was originated within
// MinLSInterval (the one sent at start, and any held back behind it).
// When they speak, the instance it originates in answer to the stale LSA
// (one sequence number past it) goes out at once, before any adjacency is
// Full; the one listing the adjacencies follows MinLSInterval later, and
// until then nobody routes through the node. The cost is a slower return
// (two to three MinLSIntervals); there is no loop.
type restartQuiet struct {
	muted atomic.Bool
}

// quietTransport is a ring interface's OSPF transport while the node may
// still be within its restart quiet period.
type quietTransport struct {
	routing.Transport
	q *restartQuiet
}

func (t quietTransport) Start(deliver func(routing.Packet)) error {
	return t.Transport.Start(func(p routing.Packet) {
		if !t.q.muted.Load() {
			deliver(p)
		}
	})
}

func (t quietTransport) Send(dst netip.Addr, payload []byte) error {
	if t.q.muted.Load() {
		return nil
	}
	return t.Transport.Send(dst, payload)
}

// armQuiet checks after d whether the restart quiet period may end: when
// the node's latest self-originated LSA is MinLSInterval old, a new
// instance would go out at once. The check runs after whatever else is due
// at the same instant (an origination held back until then, say).
func (n *Node) armQuiet(d time.Duration) {
	n.env.Clock.AfterFunc(d, func() { n.env.Clock.AfterFunc(0, n.checkQuiet) })
}

func (n *Node) checkQuiet() {
	{
		n.mu.Lock()
		stopped := n.stopped
		n.mu.Unlock()
		if stopped {
			return
		}
		now := n.env.Clock.Now()
		var latest time.Time
		for _, e := range n.ospf.LSDB(ospf.LSDBFilter{AdvRouter: n.ospf.RouterID()}) {
			if e.SelfOriginated && e.Installed.After(latest) {
				latest = e.Installed
			}
		}
		if wait := latest.Add(n.cfg.Timers.MinLSInterval).Sub(now); wait > 0 {
			n.armQuiet(wait)
			return
		}
		n.quiet.muted.Store(false)
		n.emit(Event{Kind: EventAdjacency, Text: "ring interfaces speak"})
	}
}

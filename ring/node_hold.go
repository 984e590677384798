package ring

import (
	"context"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
)

// TrackRouting is the VRRP track of an edge that holds it in Backup after
// a boot until OSPF can carry the traffic the VIP attracts (see Node).
const TrackRouting = "ospf"

// routingHold keeps a booting edge from taking the VIP before its OSPF
// routes are installed. Without it, an edge that wins the election (the
// master edge coming back, and preempting) attracts the gateway's traffic
// for every server LAN while its own table still knows only the static
// default: the traffic goes straight back to the gateway, a loop, until
// OSPF converges, which after a boot takes at least the hello exchange
// and, for the router-LSA that lists the new adjacencies, up to
// MinLSInterval (RFC 2328 §12.4).
//
// The hold is released, once per boot, when for every ring interface with
// carrier an OSPF route to a network of the neighbour beyond it is
// installed (Interface.PeerPrefixes: the adjacency is Full, the node's own
// router-LSA lists it, and SPF has run over the database the neighbour
// gave), or when the timeout passes (a neighbour with carrier that never
// answers). It is a Track of weight 0: while it holds, the edge stays
// Backup and still watches the Master.
//
// It is armed again when the node loses its last OSPF route: an edge
// whose adjacencies all died (a freeze, or every ring link lost) but
// whose VRRP kept running would otherwise keep, or at its return take
// back by preemption, the VIP and the gateway's traffic for LANs it no
// longer reaches. Found with the RFC profile: a master edge thawed after
// its neighbours had declared it dead took the traffic back at once and
// lost it for 5 s until its new router-LSA was answered (0.07–1.1 s in
// the fast profile). Re-armed, the hold releases as at a boot, once
// routes to the neighbours are back.
type routingHold struct {
	n *Node

	mu      sync.Mutex
	timeout time.Duration
	rings   []Interface // the node's east and west interfaces
	armed   bool
	done    bool
	stopped bool            // the node stops: never re-armed
	rearmed bool            // armed again after a release, not at the boot
	carrier map[string]bool // ring interface -> carrier
	routes  map[netip.Prefix]bool
	// fresh, after a pause (paused), are the routes installed since:
	// the routes from before may lead through adjacencies that died
	// while the node was stopped.
	fresh map[netip.Prefix]bool
	timer routing.Timer
}

func newRoutingHold(n *Node, timeout time.Duration) *routingHold {
	h := &routingHold{n: n, timeout: timeout, carrier: make(map[string]bool), routes: make(map[netip.Prefix]bool)}
	h.rings = n.cfg.bfdInterfaces()
	for _, ifc := range h.rings {
		h.carrier[ifc.Name] = true
	}
	return h
}

// reconfigure takes a new configuration's timeout (used by the next
// start) and ring interfaces (what lies beyond each neighbour).
func (h *routingHold) reconfigure(cfg NodeConfig) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.timeout = cfg.RoutingHold
	h.rings = cfg.bfdInterfaces()
}

// start arms the hold (before VRRP starts).
func (h *routingHold) start() {
	h.mu.Lock()
	h.armed = true
	h.timer = h.n.env.Clock.AfterFunc(h.timeout, func() { h.release("timeout") })
	h.mu.Unlock()
	h.check()
}

func (h *routingHold) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.done, h.stopped = true, true
	if h.timer != nil {
		h.timer.Stop()
	}
}

func (h *routingHold) setCarrier(ifname string, up bool) {
	h.mu.Lock()
	if _, ok := h.carrier[ifname]; ok {
		h.carrier[ifname] = up
	}
	h.mu.Unlock()
	h.check()
}

// installed records an OSPF route installed (r) or withdrawn (nil).
func (h *routingHold) installed(p netip.Prefix, r *fib.Route) {
	h.mu.Lock()
	if r == nil {
		delete(h.routes, p)
		delete(h.fresh, p)
	} else {
		h.routes[p] = true
		if h.fresh != nil {
			h.fresh[p] = true
		}
	}
	rearm := r == nil && len(h.routes) == 0 && h.armed && h.done && !h.stopped
	if rearm {
		h.done, h.rearmed = false, true
		h.timer = h.n.env.Clock.AfterFunc(h.timeout, func() { h.release("timeout") })
	}
	h.mu.Unlock()
	if rearm {
		h.n.emit(Event{Kind: EventVRRP, Text: "routing hold armed again: no OSPF route left"})
		if err := h.n.setTrack(TrackRouting, false); err != nil {
			h.n.log.Warn("ring: re-arm routing hold", "err", err)
		}
		return
	}
	h.check()
}

// paused arms the hold again after the edge's VRRP found it was stopped
// past any Backup's Master_Down_Interval (vrrp.ReasonPaused: a frozen VM,
// SIGSTOP): a Backup has the VIP, and this edge, preempting with the
// routes it had before the pause, would take the gateway's traffic while
// the adjacencies those routes lead through may have died meanwhile, to
// give it back once its calculation has caught up (found in the
// simulation: 610 ms lost in the RFC profile, 10–30 ms in the fast one).
// Armed again, it releases as at a boot, but only on routes installed
// after the pause; the check runs once the other timers the pause made
// overdue (the dead intervals) have run.
func (h *routingHold) paused() {
	h.mu.Lock()
	if !h.armed || h.stopped {
		h.mu.Unlock()
		return
	}
	if h.done {
		h.timer = h.n.env.Clock.AfterFunc(h.timeout, func() { h.release("timeout") })
	}
	h.done, h.rearmed = false, true
	h.fresh = make(map[netip.Prefix]bool)
	h.mu.Unlock()
	h.n.emit(Event{Kind: EventVRRP, Text: "routing hold armed again: paused"})
	if err := h.n.setTrack(TrackRouting, false); err != nil {
		h.n.log.Warn("ring: re-arm routing hold", "err", err)
	}
	h.n.env.Clock.AfterFunc(0, h.check)
}

// check releases the hold once OSPF routes to the neighbours beyond every
// ring interface with carrier are installed.
func (h *routingHold) check() {
	h.mu.Lock()
	if !h.armed || h.done || h.rearmed && len(h.routes) == 0 || h.fresh != nil && len(h.fresh) == 0 {
		// Armed again, it waits for a route at least: without carrier on
		// any ring interface the loop below would release it at once.
		h.mu.Unlock()
		return
	}
	have := h.routes
	if h.fresh != nil {
		have = h.fresh
	}
	for _, ifc := range h.rings {
		if !h.carrier[ifc.Name] {
			continue
		}
		if !slices.ContainsFunc(ifc.PeerPrefixes, func(p netip.Prefix) bool { return have[p] }) {
			h.mu.Unlock()
			return
		}
	}
	h.mu.Unlock()
	h.release("OSPF routes to the neighbours on every ring interface with carrier")
}

func (h *routingHold) release(why string) {
	h.mu.Lock()
	if h.done {
		h.mu.Unlock()
		return
	}
	h.done = true
	h.fresh = nil
	if h.timer != nil {
		h.timer.Stop()
	}
	h.mu.Unlock()
	h.n.emit(Event{Kind: EventVRRP, Text: "routing hold released: " + why})
	if err := h.n.setTrack(TrackRouting, true); err != nil {
		h.n.log.Warn("ring: release routing hold", "err", err)
	}
}

// holdSink passes OSPF's routes on to the node's FIB and tells the hold
// what is installed.
type holdSink struct {
	fib.Sink
	h *routingHold
}

func (s holdSink) Replace(ctx context.Context, r fib.Route) error {
	if err := s.Sink.Replace(ctx, r); err != nil {
		return err
	}
	if r.Table == 0 || r.Table == fib.TableMain {
		s.h.installed(r.Prefix, &r)
	}
	return nil
}

func (s holdSink) Delete(ctx context.Context, p netip.Prefix, table int) error {
	if err := s.Sink.Delete(ctx, p, table); err != nil {
		return err
	}
	if table == 0 || table == fib.TableMain {
		s.h.installed(p, nil)
	}
	return nil
}

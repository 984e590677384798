package ring

import (
	"context"
	"net/netip"
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
// The hold is released, once per boot, when every ring interface with
// carrier carries at least one OSPF route (the adjacency on it is Full,
// the node's own router-LSA lists it and SPF has run over the database
// the neighbor gave us), or when the timeout passes (a neighbor with
// carrier that never answers). It is a Track of weight 0: while it
// holds, the edge stays Backup and still watches the Master.
type routingHold struct {
	n       *Node
	timeout time.Duration

	mu      sync.Mutex
	armed   bool
	done    bool
	carrier map[string]bool           // ring interface -> carrier
	via     map[netip.Prefix][]string // installed OSPF route -> ring interfaces of its next hops
	timer   routing.Timer
}

func newRoutingHold(n *Node, timeout time.Duration) *routingHold {
	h := &routingHold{n: n, timeout: timeout, carrier: make(map[string]bool), via: make(map[netip.Prefix][]string)}
	for _, ifc := range n.cfg.Interfaces {
		if ifc.Kind == KindEast || ifc.Kind == KindWest {
			h.carrier[ifc.Name] = true
		}
	}
	return h
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
	h.done = true
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

// installed records the ring interfaces an OSPF route leaves by (nil:
// the route is gone).
func (h *routingHold) installed(p netip.Prefix, r *fib.Route) {
	h.mu.Lock()
	if r == nil {
		delete(h.via, p)
	} else {
		var ifs []string
		for _, nh := range r.NextHops {
			for _, ifc := range h.n.cfg.Interfaces {
				if ifc.Kind != KindEast && ifc.Kind != KindWest {
					continue
				}
				if (nh.IfIndex != 0 && nh.IfIndex == h.n.env.IfIndex[ifc.Name]) || (nh.Gateway.IsValid() && nh.Gateway == ifc.Peer) {
					ifs = append(ifs, ifc.Name)
				}
			}
		}
		h.via[p] = ifs
	}
	h.mu.Unlock()
	h.check()
}

// check releases the hold once every ring interface with carrier carries
// an OSPF route.
func (h *routingHold) check() {
	h.mu.Lock()
	if !h.armed || h.done {
		h.mu.Unlock()
		return
	}
	for name, up := range h.carrier {
		if !up {
			continue
		}
		used := false
		for _, ifs := range h.via {
			for _, i := range ifs {
				if i == name {
					used = true
				}
			}
		}
		if !used {
			h.mu.Unlock()
			return
		}
	}
	h.mu.Unlock()
	h.release("OSPF routes installed on every ring interface with carrier")
}

func (h *routingHold) release(why string) {
	h.mu.Lock()
	if h.done {
		h.mu.Unlock()
		return
	}
	h.done = true
	if h.timer != nil {
		h.timer.Stop()
	}
	h.mu.Unlock()
	h.n.emit(Event{Kind: EventVRRP, Text: "routing hold released: " + why})
	if err := h.n.vrrp.SetTrack(TrackRouting, true); err != nil {
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

package ring

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/switchless/routing/anycast"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/health"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/ospf"
)

// This file holds scenario S5 (DESIGN.md): an anycast service replicated
// on the servers behind two ring nodes (the system of seed 002 inside the
// ring), its spec, and its simulation.

// ErrNoAnycast is returned by Sim.SetService when the spec has no
// anycast service or the server is not one of its replicas.
var ErrNoAnycast = errors.New("ring: no anycast replica")

// AnycastSpec is a health-checked anycast service of the ring: the
// first server (LANs[0]) behind each replica node puts VIP on a loopback
// alias, and the replica node, the router of that server LAN, announces
// VIP into OSPF as an AS-external route (type 2, package anycast's
// metric) while the service's health check passes, with a static route
// VIP → server beside it. The node announces rather than the server
// because the servers run no routing protocol in the ring design
// (DESIGN.md: the ring nodes are the only routers, the servers point
// their default at their node), and the node is where OSPF already is.
//
// Sim runs it with an anycast.Instance per replica node incarnation, a
// programmatic check the scenario flips and in-memory aliases; on a host,
// HostConfig.Anycast (Spec.HostAnycast, what ringd passes from the
// `anycast:` block of its YAML) runs it with a tcp_banner check of the
// server's port 25 and leaves the VIP to the server.
type AnycastSpec struct {
	// VIP is the service address, an IPv4 host address on no ring
	// network.
	VIP netip.Addr
	// Replicas name the nodes whose first server runs a replica; at least
	// one, distinct, each with a server LAN that has room for a server.
	Replicas []string
}

// AnycastTiming is the health check of an anycast replica under profile
// p (package anycast): a check every interval, fall failed ones take the
// service down, rise passed ones bring it back. ProfileFast: 100 ms, rise
// 2, fall 3 (a failure noticed within 300 ms); ProfileRFC: 1 s, 2, 3.
func AnycastTiming(p Profile) (interval time.Duration, rise, fall int) { return p.anycastTiming() }

func (p Profile) anycastTiming() (interval time.Duration, rise, fall int) {
	if p == ProfileFast {
		return 100 * time.Millisecond, 2, 3
	}
	return time.Second, 2, 3
}

// resolveAnycast validates Spec.Anycast.
func (r *resolved) resolveAnycast() error {
	a := r.spec.Anycast
	if a == nil {
		return nil
	}
	vip := a.VIP
	if !vip.IsValid() || !vip.Is4() || vip.IsUnspecified() || vip.IsMulticast() {
		return specErr("Anycast.VIP", "%v is not a unicast IPv4 address", vip)
	}
	in := func(p netip.Prefix) bool { return p.Masked().Contains(vip) }
	if in(r.spec.Upstream.Prefix) {
		return specErr("Anycast.VIP", "%v is on the upstream LAN %v", vip, r.spec.Upstream.Prefix)
	}
	for i, l := range r.links {
		if in(l) {
			return specErr("Anycast.VIP", "%v is on ring link %d (%v)", vip, i, l)
		}
	}
	for _, nd := range r.spec.Nodes {
		for _, lan := range nd.LANs {
			if in(lan) {
				return specErr("Anycast.VIP", "%v is on %s's server LAN %v", vip, nd.Name, lan)
			}
		}
	}
	for i, id := range r.rid {
		if id == vip {
			return specErr("Anycast.VIP", "%v is %s's router ID", vip, r.spec.Nodes[i].Name)
		}
	}
	if len(a.Replicas) == 0 {
		return specErr("Anycast.Replicas", "empty: name the nodes whose servers run the service")
	}
	for k, name := range a.Replicas {
		f := fmt.Sprintf("Anycast.Replicas[%d]", k)
		i, ok := r.byName[name]
		if !ok {
			return specErr(f, "%q is not a node of the ring", name)
		}
		if j := slices.Index(a.Replicas, name); j < k {
			return specErr(f, "%q is also Replicas[%d]", name, j)
		}
		lans := r.spec.Nodes[i].LANs
		if len(lans) == 0 {
			return specErr(f, "%s has no server LAN", name)
		}
		if _, ok := serverAddr(lans[0]); !ok {
			return specErr(f, "%s's first LAN %v has no room for a server", name, lans[0])
		}
	}
	return nil
}

// replicaOf returns the anycast replica server behind node i, if any.
func (s *Sim) replicaOf(name string) *Host {
	if s.r.spec.Anycast == nil || !slices.Contains(s.r.spec.Anycast.Replicas, name) {
		return nil
	}
	return s.hostByName[ServerName(name, 0)]
}

// SetService makes the anycast service on server fail (up false: its
// health check fails from now on) or return.
func (s *Sim) SetService(server string, up bool) error {
	h := s.hostByName[server]
	if h == nil || s.replicaOf(h.Node) != h {
		return fmt.Errorf("%w: %q", ErrNoAnycast, server)
	}
	what := "returns"
	if !up {
		what = "fails (its health check fails from now on)"
	}
	s.emit(Event{Kind: EventFault, Node: h.Node, Text: fmt.Sprintf("anycast service on %s %s", server, what)})
	s.serviceDown[server] = !up
	s.fwdGen++ // a probe's result depends on it
	return nil
}

// ServiceUp reports whether the anycast service on server runs.
func (s *Sim) ServiceUp(server string) bool { return !s.serviceDown[server] }

// newAnycast makes the anycast instance of a replica node's incarnation:
// a programmatic check of the server's service, the alias on the
// server (MemoryAddresses mirrored onto its netsim interface), and the
// node's OSPF instance plus a static route to the server as announcer.
func (sn *SimNode) newAnycast(inc *incarnation, srv *Host) (*anycast.Instance, error) {
	s := sn.sim
	a := s.r.spec.Anycast
	vip := netip.PrefixFrom(a.VIP, 32)
	interval, rise, fall := s.r.spec.Profile.anycastTiming()
	lan := sn.atts[LANName(0)]
	addrs := anycast.NewMemoryAddresses(s.clock, func(ch anycast.AddressChange) {
		if inc.retired || inc.frozen {
			return // the instance runs on the node: hung or dead with it
		}
		s.fwdGen++
		if ch.Added {
			if err := srv.att.AddAddr(ch.Prefix); err != nil && !errors.Is(err, netsim.ErrDuplicate) {
				s.log.Warn("ring: anycast alias", "server", srv.Name, "err", err)
			}
			return
		}
		_ = srv.att.RemoveAddr(ch.Prefix.Addr())
	})
	name := srv.Name
	cfg := anycast.Config{Services: []anycast.ServiceConfig{{
		Name:     "s5",
		Prefixes: []netip.Prefix{vip},
		Checkers: []health.Checker{health.CheckFunc(func(context.Context) error {
			if s.serviceDown[name] {
				return errors.New("service down")
			}
			return nil
		})},
		Interval: interval, Rise: rise, Fall: fall,
		DrainTime: interval,
	}}}
	ann := &simAnycastAnnouncer{inc: inc, ospf: inc.node.OSPF(), static: sn.kernel.Static,
		route: fib.Route{NextHops: []fib.NextHop{{Gateway: srv.Addr, IfIndex: lan.Index()}}, Protocol: fib.ProtocolStatic}}
	return anycast.New(cfg, anycast.Env{Clock: s.clock, Logger: s.log, Announcer: ann, Addresses: addrs,
		OnEvent: func(e anycast.Event) {
			if !inc.retired && !inc.frozen {
				text := fmt.Sprintf("%v %v", e.Kind, e.Prefix)
				if e.Kind == anycast.EventState {
					text = fmt.Sprintf("service %s on %s %v -> %v", e.Service, name, e.From, e.To)
				}
				s.emit(Event{Kind: EventAnycast, Node: sn.cfg.Name, Text: text})
			}
		}})
}

// simAnycastAnnouncer is a replica node's announcer: the static route
// VIP → server, so that the node delivers what the ring sends it, and the
// AS-external-LSA that makes the ring send it. It announces the route
// first and withdraws it first: withdrawn, the node forwards VIP traffic
// along its OSPF route to the other replica at once.
type simAnycastAnnouncer struct {
	inc    *incarnation
	ospf   *ospf.Instance
	static fib.Sink
	route  fib.Route
}

var _ anycast.Announcer = (*simAnycastAnnouncer)(nil)

func (a *simAnycastAnnouncer) AnnouncePrefix(p netip.Prefix, metric uint32) error {
	if a.inc.frozen {
		return nil
	}
	r := a.route
	r.Prefix = p
	if err := a.static.Replace(context.Background(), r); err != nil {
		return err
	}
	return a.ospf.AnnouncePrefix(p, metric)
}

func (a *simAnycastAnnouncer) WithdrawPrefix(p netip.Prefix) error {
	if a.inc.frozen {
		return nil
	}
	if err := a.static.Delete(context.Background(), p, 0); err != nil {
		return err
	}
	return a.ospf.WithdrawPrefix(p)
}

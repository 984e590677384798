package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/anycast"
	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/health"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/rip"
)

// The paper's addresses, renumbered into documentation and private space:
// the VIP (150.46.E.F/32 in the paper), the inter-campus link and the two
// campus LANs.
var (
	vip = netip.MustParsePrefix("203.0.113.25/32")
	// coverPrefix is the VIP's covering /31 (-cover).
	coverPrefix = netip.MustParsePrefix("203.0.113.24/31")
	epoch       = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	campus      = [2]string{"r1", "r2"}
	servers     = [2]string{"A", "B"}
)

// probeEvery is the clients' probe interval (issue 12: every 10 ms).
const probeEvery = 10 * time.Millisecond

// BFD between each server and its router: 50 ms × 3 (detection 150 ms).
const (
	bfdInterval = 50 * time.Millisecond
	bfdMult     = 3
)

// method is how a server's health moves its announcement: ours (the
// anycast package's checks, default 100 ms × fall 3) or the paper's
// reference (a cron job once a minute that sets metric 16 on the first
// failure: interval 60 s, fall 1, rise 1).
type method struct {
	Name     string
	Interval time.Duration
	Rise     int
	Fall     int
	// Cover: B announces the VIP's covering /31 with its /32 (Options.Cover).
	Cover bool
}

// world is one run of the paper's topology: routers r1 and r2 (the
// campuses' L3 switches) joined by a link, server A on r1's LAN and B on
// r2's, each server running rip toward its router and anycast driving it.
type world struct {
	o       Options
	clock   *routing.ManualClock
	net     *netsim.Network
	routers map[string]*router
	srv     map[string]*server
	owner   map[netip.Addr]string // interface address -> node
	tl      *timeline
}

type router struct {
	rip *rip.Instance
	fib *fib.Memory
	bfd *bfd.Instance
}

type server struct {
	name  string
	node  *netsim.Node
	rip   *rip.Instance
	bfd   *bfd.Instance
	any   *anycast.Instance
	addrs *anycast.MemoryAddresses
	// service is the SMTP service: its check and the probes read it.
	service atomic.Bool
	// blind makes this server's peer check fail whatever the peer's
	// state (its own network is the broken part): the guard's case.
	blind atomic.Bool
	// killed drops every packet of the routing daemon (rip and BFD):
	// the daemon is gone without a word.
	killed atomic.Bool
	// minMetricWhileDown is the lowest metric announced while the
	// service was down (0: none), for the guard's check.
	minMetricWhileDown uint32
}

// serves reports whether a probe that reaches s is answered: the host is
// on, the alias holds the VIP and the service runs.
func (s *server) serves() bool {
	return !s.node.Crashed() && s.addrs.Has(vip) && s.service.Load()
}

// smtpCheck is the server's own check: the service flag.
type smtpCheck struct{ s *server }

func (c smtpCheck) Check(context.Context) error {
	if !c.s.service.Load() {
		return errors.New("smtp: connection refused")
	}
	return nil
}

// peerCheck is the peer policy's check of the other server's real
// address: it fails when the peer is off or its service down (or, in the
// guard's case, when this server's network is broken).
type peerCheck struct{ self, peer *server }

func (c peerCheck) Check(context.Context) error {
	switch {
	case c.self.blind.Load():
		return errors.New("smtp: peer unreachable")
	case c.peer.node.Crashed():
		return errors.New("smtp: peer timed out")
	case !c.peer.service.Load():
		return errors.New("smtp: peer refused")
	}
	return nil
}

// killable is a transport that drops everything, both ways, once its
// daemon is killed.
type killable struct {
	routing.UDPTransport
	dead *atomic.Bool
}

func (k killable) Start(deliver func(routing.Packet)) error {
	return k.UDPTransport.Start(func(p routing.Packet) {
		if !k.dead.Load() {
			deliver(p)
		}
	})
}

func (k killable) Send(dst netip.Addr, b []byte) error {
	if k.dead.Load() {
		return nil
	}
	return k.UDPTransport.Send(dst, b)
}

func (k killable) SendTo(dst netip.AddrPort, b []byte) error {
	if k.dead.Load() {
		return nil
	}
	return k.UDPTransport.SendTo(dst, b)
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// newWorld builds and starts the topology for one row: metrics are the
// plan's MA and MB, policy and m the servers' health method.
func newWorld(o Options, row rowKey, metrics map[string]uint32, m method, tl *timeline) (*world, error) {
	clock := routing.NewManualClock(epoch)
	w := &world{o: o, clock: clock, net: netsim.New(clock, o.Seed, nil), routers: map[string]*router{},
		srv: map[string]*server{}, owner: map[netip.Addr]string{}, tl: tl}
	cond := netsim.Conditions{Latency: time.Millisecond}
	timers := rip.Timers{}
	if o.FastRIP {
		timers = rip.FastTimers()
	}
	seed := uint64(o.Seed)*1_000_003 + 1
	type ifc struct {
		att *netsim.Attachment
		p   netip.Prefix
		bfd bool
	}
	rifs := map[string][]ifc{}
	l1, l2, err := w.net.Link(w.net.Node("r1"), w.net.Node("r2"), netsim.LinkConfig{
		AAddrs: []netip.Prefix{pfx("10.0.0.1/30")}, BAddrs: []netip.Prefix{pfx("10.0.0.2/30")}, Conditions: cond})
	if err != nil {
		return nil, err
	}
	rifs["r1"] = append(rifs["r1"], ifc{l1, pfx("10.0.0.1/30"), false})
	rifs["r2"] = append(rifs["r2"], ifc{l2, pfx("10.0.0.2/30"), false})
	w.owner[pfx("10.0.0.1/30").Addr()], w.owner[pfx("10.0.0.2/30").Addr()] = "r1", "r2"
	sifs := map[string]ifc{}
	for _, lan := range []struct{ router, server, rp, sp string }{
		{"r1", "A", "10.1.0.1/24", "10.1.0.10/24"}, {"r2", "B", "10.2.0.1/24", "10.2.0.10/24"},
	} {
		seg, err := w.net.Segment("lan-"+lan.router, netsim.SegmentConfig{Conditions: cond})
		if err != nil {
			return nil, err
		}
		ra, err := seg.Attach(w.net.Node(lan.router), "lan", pfx(lan.rp))
		if err != nil {
			return nil, err
		}
		sa, err := seg.Attach(w.net.Node(lan.server), "eth0", pfx(lan.sp))
		if err != nil {
			return nil, err
		}
		rifs[lan.router] = append(rifs[lan.router], ifc{ra, pfx(lan.rp), o.BFD})
		sifs[lan.server] = ifc{sa, pfx(lan.sp), o.BFD}
		w.owner[pfx(lan.rp).Addr()], w.owner[pfx(lan.sp).Addr()] = lan.router, lan.server
	}
	// newBFD makes a BFD instance on the interfaces that want one.
	newBFD := func(name string, ifs []ifc, dead *atomic.Bool) (*bfd.Instance, error) {
		var cfg bfd.Config
		trs := map[string]routing.UDPTransport{}
		for _, f := range ifs {
			if !f.bfd {
				continue
			}
			tr, err := f.att.Transport(netsim.TransportConfig{UDPPort: netsim.PortBFD, SrcPort: netsim.PortBFDSrcMin, TTL: 255})
			if err != nil {
				return nil, err
			}
			cfg.Interfaces = append(cfg.Interfaces, bfd.InterfaceConfig{Name: f.att.Name(), IfIndex: f.att.Index(),
				MinTx: bfdInterval, MinRx: bfdInterval, DetectMult: bfdMult})
			trs[f.att.Name()] = killable{tr, dead}
		}
		if len(cfg.Interfaces) == 0 {
			return nil, nil
		}
		seed++
		cfg.Seed = seed
		b, err := bfd.New(cfg, bfd.Env{Clock: clock, Transports: trs, OnEvent: func(e bfd.Event) { w.tl.add(clock.Now(), name, "bfd", e.String()) }})
		if err != nil {
			return nil, err
		}
		return b, b.Start()
	}
	// newRIP makes a rip instance on ifs.
	newRIP := func(name string, ifs []ifc, sink fib.Sink, liveness *bfd.Instance, dead *atomic.Bool) (*rip.Instance, error) {
		cfg := rip.Config{Timers: timers}
		seed++
		cfg.Seed = seed
		trs := map[string]routing.UDPTransport{}
		for _, f := range ifs {
			tr, err := f.att.Transport(netsim.TransportConfig{UDPPort: netsim.PortRIP})
			if err != nil {
				return nil, err
			}
			trs[f.att.Name()] = killable{tr, dead}
			cfg.Interfaces = append(cfg.Interfaces, rip.InterfaceConfig{Name: f.att.Name(), IfIndex: f.att.Index(), Prefix: f.p, BFD: f.bfd})
		}
		env := rip.Env{Clock: clock, Transports: trs, FIB: sink, OnEvent: func(e rip.Event) {
			if e.Prefix == vip || e.Kind >= rip.NeighborSeen {
				w.tl.add(clock.Now(), name, "rip", w.describe(e))
			}
		}}
		if liveness != nil {
			env.Liveness = liveness
		}
		in, err := rip.New(cfg, env)
		if err != nil {
			return nil, err
		}
		return in, in.Start()
	}
	never := &atomic.Bool{}
	for _, name := range campus {
		r := &router{fib: fib.NewMemory()}
		if r.bfd, err = newBFD(name, rifs[name], never); err != nil {
			return nil, fmt.Errorf("%s: bfd: %w", name, err)
		}
		if r.rip, err = newRIP(name, rifs[name], r.fib, r.bfd, never); err != nil {
			return nil, fmt.Errorf("%s: rip: %w", name, err)
		}
		w.routers[name] = r
	}
	for _, name := range servers {
		s := &server{name: name, node: w.net.Node(name)}
		s.service.Store(true)
		if s.bfd, err = newBFD(name, []ifc{sifs[name]}, &s.killed); err != nil {
			return nil, fmt.Errorf("%s: bfd: %w", name, err)
		}
		if s.rip, err = newRIP(name, []ifc{sifs[name]}, fib.NewMemory(), s.bfd, &s.killed); err != nil {
			return nil, fmt.Errorf("%s: rip: %w", name, err)
		}
		w.srv[name] = s
	}
	for _, name := range servers {
		s := w.srv[name]
		peer := w.srv["B"]
		if name == "B" {
			peer = w.srv["A"]
		}
		s.addrs = anycast.NewMemoryAddresses(clock, nil)
		svc := anycast.ServiceConfig{Name: "smtp", Prefixes: []netip.Prefix{vip}, Checkers: []health.Checker{smtpCheck{s}},
			Interval: m.Interval, Rise: m.Rise, Fall: m.Fall, Metric: metrics[name], Policy: row.Policy,
			DrainTime: o.DrainTime}
		if m.Cover && name == "B" {
			svc.CoverPrefixes = []netip.Prefix{coverPrefix}
		}
		if row.Policy == anycast.PolicyPeer {
			// Paper §4.2: every replica announces its plan's metric
			// raised by 2, and lowers itself to 1 when its peer fails.
			svc.PeerCheckers = []health.Checker{peerCheck{s, peer}}
			svc.Metric, svc.PeerRaise = 1, metrics[name]+1
		}
		s.any, err = anycast.New(anycast.Config{Services: []anycast.ServiceConfig{svc}}, anycast.Env{Clock: clock, Announcer: s.rip, Addresses: s.addrs,
			OnEvent: func(e anycast.Event) { w.anycastEvent(s, e) }})
		if err != nil {
			return nil, fmt.Errorf("%s: anycast: %w", name, err)
		}
		if err := s.any.Start(); err != nil {
			return nil, fmt.Errorf("%s: anycast: %w", name, err)
		}
	}
	return w, nil
}

func (w *world) anycastEvent(s *server, e anycast.Event) {
	if e.Kind == anycast.EventAnnounce && !s.service.Load() && (s.minMetricWhileDown == 0 || e.Metric < s.minMetricWhileDown) {
		s.minMetricWhileDown = e.Metric
	}
	var text string
	switch e.Kind {
	case anycast.EventState:
		text = fmt.Sprintf("smtp %v -> %v", e.From, e.To)
	case anycast.EventAnnounce:
		text = fmt.Sprintf("announce %v metric %d", e.Prefix, e.Metric)
	case anycast.EventError:
		text = fmt.Sprintf("error %v", e.Err)
	default:
		text = fmt.Sprintf("%v %v", e.Kind, e.Prefix)
	}
	w.tl.add(e.At, s.name, "anycast", text)
}

// describe names the next hops of a rip event by node.
func (w *world) describe(e rip.Event) string {
	switch e.Kind {
	case rip.RouteAdded, rip.RouteChanged, rip.RouteRemoved:
		via := "local"
		if e.Kind == rip.RouteRemoved {
			via = "-"
		}
		if len(e.NextHops) > 0 {
			via = ""
			for k, h := range e.NextHops {
				if k > 0 {
					via += ","
				}
				via += w.owner[h]
			}
		}
		if e.Kind == rip.RouteRemoved {
			return fmt.Sprintf("%s %v metric %d", e.Kind, e.Prefix, e.Metric)
		}
		return fmt.Sprintf("%s %v metric %d via %s", e.Kind, e.Prefix, e.Metric, via)
	}
	return fmt.Sprintf("%s %s (%s) on %s", e.Kind, e.Neighbor, w.owner[e.Neighbor], e.Interface)
}

// reach walks the routers' FIBs hop by hop from a campus router, as a
// probe to the VIP would be forwarded, and returns the server it reaches
// and whether it is answered there ("" when there is no route or the
// path loops).
func (w *world) reach(from string) (string, bool) {
	at := from
	for range 4 {
		r := w.routers[at]
		rt, ok := r.fib.Lookup(0, vip.Addr())
		if !ok || len(rt.NextHops) == 0 {
			return "", false
		}
		next := w.owner[rt.NextHops[0].Gateway]
		if s, ok := w.srv[next]; ok {
			return next, s.serves()
		}
		if _, ok := w.routers[next]; !ok {
			return "", false
		}
		at = next
	}
	return "", false
}

// stop ends every instance (the run is over; nothing is measured).
func (w *world) stop() {
	w.tl = &timeline{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for _, s := range w.srv {
		s.killed.Store(true)
		_ = s.rip.Stop(ctx)
		if s.bfd != nil {
			_ = s.bfd.Stop(ctx)
		}
	}
	for _, r := range w.routers {
		_ = r.rip.Stop(ctx)
		if r.bfd != nil {
			_ = r.bfd.Stop(ctx)
		}
	}
}

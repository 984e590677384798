package ring

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/anycast"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/ospf"
)

// This file holds the ring nodes of a Sim: their incarnations (one per
// boot), the faults that take them down and bring them back, and the
// simulated glue their Node runs on.

// SimNode is one ring node of a Sim: its netsim node, its interfaces, its
// forwarding table and the Node currently running on it (a fresh one after
// each reboot).
type SimNode struct {
	sim    *Sim
	cfg    NodeConfig
	nd     *netsim.Node
	atts   map[string]*netsim.Attachment
	kernel *Kernel
	inc    *incarnation
}

// incarnation is one boot of a node: the Node and everything tied to its
// lifetime.
type incarnation struct {
	node    *Node
	anycast *anycast.Instance      // at a replica node of Spec.Anycast
	frozen  bool                   // the process hangs: no packet in or out, no forwarding, no timer
	clock   *routing.PausableClock // the protocols' clock, which stops with the process
	retired bool                   // replaced by a reboot; its late effects are ignored
	cancels []func()
	nbrs    map[nbrKey]ospf.NeighborState // for the timeline
	// lsdbChanged is set by an ospf.EventLSDBChanged and cleared by
	// Sim.observe (for Quiet).
	lsdbChanged atomic.Bool
}

type nbrKey struct {
	iface string
	rid   netip.Addr
}

// Name returns the node's name.
func (sn *SimNode) Name() string { return sn.cfg.Name }

// Config returns the node's configuration.
func (sn *SimNode) Config() NodeConfig { return sn.cfg }

// Kernel returns the node's current forwarding table.
func (sn *SimNode) Kernel() *Kernel { return sn.kernel }

// Node returns the Node currently running on the simulated node (nil
// before Start).
func (sn *SimNode) Node() *Node {
	if sn.inc == nil {
		return nil
	}
	return sn.inc.node
}

// Crashed reports whether the node is powered off.
func (sn *SimNode) Crashed() bool { return sn.nd.Crashed() }

// Frozen reports whether the node's processes hang.
func (sn *SimNode) Frozen() bool { return sn.inc != nil && sn.inc.frozen }

// Attachment returns the node's netsim interface called name, or nil.
func (sn *SimNode) Attachment(name string) *netsim.Attachment { return sn.atts[name] }

// downReason says why the node cannot forward, or "".
func (sn *SimNode) downReason() string {
	switch {
	case sn.nd.Crashed():
		return "is down"
	case sn.inc != nil && sn.inc.frozen:
		return "is frozen"
	case sn.inc == nil:
		return "is not started"
	}
	return ""
}

// boot makes a fresh incarnation of the node's protocols and starts it.
func (sn *SimNode) boot() error {
	s := sn.sim
	inc := &incarnation{nbrs: make(map[nbrKey]ospf.NeighborState)}
	inc.clock = routing.NewPausableClock(s.clock)
	idx := make(map[string]int, len(sn.atts))
	for name, a := range sn.atts {
		idx[name] = a.Index()
	}
	env := NodeEnv{
		Clock:     inc.clock,
		Logger:    s.log,
		IfIndex:   idx,
		OSPF:      make(map[string]routing.Transport),
		FIB:       sn.kernel.OSPF,
		StaticFIB: sn.kernel.Static,
		OnEvent: func(e Event) {
			if !inc.retired && !inc.frozen {
				s.lastChange = s.clock.Now()
				s.emit(e)
			}
		},
		OnOSPFEvent: func(e ospf.Event) {
			if e.Kind == ospf.EventLSDBChanged {
				inc.lsdbChanged.Store(true)
			}
		},
	}
	for _, ic := range sn.cfg.OSPF.Interfaces {
		tr, err := sn.atts[ic.Name].Transport(netsim.TransportConfig{IPProto: netsim.ProtoOSPF})
		if err != nil {
			return err
		}
		env.OSPF[ic.Name] = &gatedTransport{Transport: tr, inc: inc}
	}
	if sn.cfg.Timers.BFDInterval > 0 {
		env.BFD = make(map[string]routing.UDPTransport)
		for _, ifc := range sn.cfg.bfdInterfaces() {
			a := sn.atts[ifc.Name]
			// RFC 5881 §4: to port 3784 from one port of 49152–65535 per
			// interface, as bfd.Listen picks it; §5: TTL 255.
			tr, err := a.Transport(netsim.TransportConfig{UDPPort: netsim.PortBFD,
				SrcPort: netsim.PortBFDSrcMin + uint16(a.Index()), TTL: 255})
			if err != nil {
				return err
			}
			env.BFD[ifc.Name] = &gatedUDPTransport{gatedTransport: gatedTransport{Transport: tr, inc: inc}, udp: tr}
		}
	}
	if sn.cfg.VRRP != nil {
		up := sn.atts[IfUpstream]
		tr, err := up.Transport(netsim.TransportConfig{IPProto: netsim.ProtoVRRP})
		if err != nil {
			return err
		}
		env.VRRP = &gatedTransport{Transport: tr, inc: inc}
		env.Addresses = &simAddresses{sim: s, inc: inc, att: up, bits: s.r.spec.Upstream.Prefix.Bits()}
	}
	node, err := NewNode(sn.cfg, env)
	if err != nil {
		return err
	}
	inc.node = node
	sn.inc = inc
	for name, a := range sn.atts {
		inc.cancels = append(inc.cancels, a.OnLinkState(func(up bool) {
			if inc.retired || inc.frozen {
				return
			}
			if err := node.LinkState(name, up); err != nil {
				s.log.Warn("ring: link state", "node", sn.cfg.Name, "iface", name, "err", err)
			}
		}))
		if !a.Up() {
			_ = node.LinkState(name, false)
		}
	}
	inc.cancels = append(inc.cancels, sn.kernel.Watch(func(ch fib.Change) {
		s.fwdGen++
		if !inc.retired && !inc.frozen {
			s.lastChange = s.clock.Now()
			s.emit(Event{Kind: EventRoute, Node: sn.cfg.Name, Text: s.routeText(ch)})
		}
	}))
	if err := node.Start(); err != nil {
		return err
	}
	if srv := s.replicaOf(sn.cfg.Name); srv != nil {
		ac, err := sn.newAnycast(inc, srv)
		if err != nil {
			return err
		}
		inc.anycast = ac
		return ac.Start()
	}
	return nil
}

// retire stops the node's current incarnation without letting it say
// anything: the network drops what it sends (the node is crashed or
// frozen), and its address changes are ignored.
func (sn *SimNode) retire() {
	inc := sn.inc
	if inc == nil {
		return
	}
	inc.frozen = true
	inc.clock.Pause() // for good: its timers never run again
	inc.retired = true
	for _, c := range inc.cancels {
		c()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if inc.anycast != nil {
		// Dead with the node: withdrawn and removed at once, in silence
		// (the announcer is gated like the node).
		dead, kill := context.WithCancel(context.Background())
		kill()
		_ = inc.anycast.Stop(dead)
	}
	_ = inc.node.Stop(ctx)
	sn.inc = nil
}

// Crash powers the node off: its links lose carrier at once (its
// neighbours' OSPF sees InterfaceDown, the upstream LAN loses the edge),
// its processes stop without a word and it forwards nothing until Reboot.
func (s *Sim) Crash(name string) error {
	sn := s.byName[name]
	if sn == nil {
		return fmt.Errorf("ring: no node %q", name)
	}
	s.emit(Event{Kind: EventFault, Node: name, Text: "crash (links go down)"})
	s.fwdGen++
	sn.nd.Crash()
	// Its processes die with it: stopped while it is crashed, they say
	// nothing on the way out.
	sn.retire()
	return nil
}

// Freeze hangs the node's processes with its links up: it stops sending,
// receiving and forwarding, and its neighbours notice only when their
// timers run out (BFD's detection time where the profile runs BFD, else
// OSPF's dead interval; VRRP's Master_Down_Interval).
func (s *Sim) Freeze(name string) error {
	sn := s.byName[name]
	if sn == nil || sn.inc == nil {
		return fmt.Errorf("ring: no running node %q", name)
	}
	s.emit(Event{Kind: EventFault, Node: name, Text: "freeze (links stay up)"})
	s.fwdGen++
	sn.inc.frozen = true
	sn.inc.clock.Pause()
	return nil
}

// Thaw resumes a frozen node's processes (SIGCONT after SIGSTOP): the
// same protocol instances carry on, their sockets deliver and send again,
// and the node forwards. Their timers stopped with them: every timer that
// came due during the freeze runs at once, late by the freeze, as a
// stopped process runs its overdue ones on SIGCONT (so a VRRP Master sees
// that it was paused past any Backup's Master_Down_Interval and steps
// down, vrrp.ReasonPaused), and the node times its neighbours out as they
// timed it out, and finds them again through their hellos.
func (s *Sim) Thaw(name string) error {
	sn := s.byName[name]
	if sn == nil || sn.inc == nil || !sn.inc.frozen || sn.inc.retired {
		return fmt.Errorf("ring: no frozen node %q", name)
	}
	s.emit(Event{Kind: EventFault, Node: name, Text: "thaw"})
	s.fwdGen++
	sn.inc.frozen = false
	sn.inc.clock.Resume()
	return nil
}

// Reboot brings a crashed or frozen node back: the old processes are
// gone (nothing they would say on the way out is sent), the kernel starts
// with its connected routes only, the virtual address it may have held is
// gone, and fresh protocol instances start.
func (s *Sim) Reboot(name string) error {
	sn := s.byName[name]
	if sn == nil {
		return fmt.Errorf("ring: no node %q", name)
	}
	s.emit(Event{Kind: EventFault, Node: name, Text: "boots"})
	s.fwdGen++
	sn.retire()
	sn.kernel = NewKernel()
	s.fwdGen++
	if err := sn.addConnected(); err != nil {
		return err
	}
	if up := sn.atts[IfUpstream]; up != nil {
		_ = up.RemoveAddr(s.r.spec.Upstream.VIP)
		if g := s.r.spec.Upstream.Second; g != nil {
			_ = up.RemoveAddr(g.VIP)
		}
	}
	sn.nd.Restart()
	return sn.boot()
}

// CutLink cuts ring link i (node i's east to node i+1's west); both ends
// lose carrier.
func (s *Sim) CutLink(i int) {
	s.emit(Event{Kind: EventFault, Text: fmt.Sprintf("cut %s (%s east - %s west)", s.ring[i].Name(), s.nodes[i].Name(), s.nodes[(i+1)%len(s.nodes)].Name())})
	s.fwdGen++
	s.ring[i].Cut()
}

// RestoreLink plugs ring link i back in.
func (s *Sim) RestoreLink(i int) {
	s.emit(Event{Kind: EventFault, Text: fmt.Sprintf("restore %s", s.ring[i].Name())})
	s.fwdGen++
	s.ring[i].Restore()
}

// gatedTransport is a netsim transport that a frozen node can no longer
// use: what it sends is dropped and nothing is delivered to it.
type gatedTransport struct {
	routing.Transport
	inc *incarnation
}

func (g *gatedTransport) Start(deliver func(routing.Packet)) error {
	return g.Transport.Start(func(p routing.Packet) {
		if !g.inc.frozen {
			deliver(p)
		}
	})
}

func (g *gatedTransport) Send(dst netip.Addr, payload []byte) error {
	if g.inc.frozen {
		return nil
	}
	return g.Transport.Send(dst, payload)
}

// gatedUDPTransport is a gatedTransport over UDP (BFD's): SendTo is
// silenced too.
type gatedUDPTransport struct {
	gatedTransport
	udp routing.UDPTransport
}

func (g *gatedUDPTransport) SendTo(dst netip.AddrPort, payload []byte) error {
	if g.inc.frozen {
		return nil
	}
	return g.udp.SendTo(dst, payload)
}

// simAddresses is the VRRP address manager of an edge: it adds and
// removes the VIP on the edge's upstream attachment, and a gratuitous ARP
// teaches the gateway who holds it.
type simAddresses struct {
	sim  *Sim
	inc  *incarnation
	att  *netsim.Attachment
	bits int
}

func (m *simAddresses) Add(_ context.Context, addrs []netip.Addr) error {
	if m.inc.frozen {
		return nil
	}
	m.sim.fwdGen++
	var errs []error
	for _, a := range addrs {
		if err := m.att.AddAddr(netip.PrefixFrom(a, m.bits)); err != nil && !errors.Is(err, netsim.ErrDuplicate) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (m *simAddresses) Remove(_ context.Context, addrs []netip.Addr) error {
	if m.inc.frozen {
		return nil
	}
	m.sim.fwdGen++
	var errs []error
	for _, a := range addrs {
		if err := m.att.RemoveAddr(a); err != nil && !errors.Is(err, netsim.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (m *simAddresses) Announce(_ context.Context, addrs []netip.Addr) error {
	if m.inc.frozen || !m.att.Up() {
		return nil
	}
	for _, a := range addrs {
		if m.sim.arp[a] != m.att {
			m.sim.arp[a] = m.att
			m.sim.fwdGen++
			m.sim.emit(Event{Kind: EventVRRP, Node: m.att.Node().Name(), Text: fmt.Sprintf("gratuitous ARP for %v: the gateway now sends to %s", a, m.att)})
		}
	}
	return nil
}

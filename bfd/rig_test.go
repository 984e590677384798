package bfd

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd/packet"
	"github.com/switchless/routing/netsim"
)

var (
	addrA = netip.MustParseAddr("10.9.0.1")
	addrB = netip.MustParseAddr("10.9.0.2")
)

// gate wraps a transport: frozen, it drops what is sent and delivers
// nothing, as a hung host with its link up. It records every packet
// sent, with its time.
type gate struct {
	routing.UDPTransport
	clock  routing.Clock
	frozen atomic.Bool
	mu     sync.Mutex
	sent   []sent
}

type sent struct {
	at time.Time
	c  packet.Control
}

func (g *gate) Start(deliver func(routing.Packet)) error {
	return g.UDPTransport.Start(func(p routing.Packet) {
		if !g.frozen.Load() {
			deliver(p)
		}
	})
}

func (g *gate) Send(dst netip.Addr, b []byte) error {
	c, err := packet.Parse(b)
	if err != nil {
		panic("instance sent an undecodable packet: " + err.Error())
	}
	g.mu.Lock()
	g.sent = append(g.sent, sent{g.clock.Now(), c})
	g.mu.Unlock()
	if g.frozen.Load() {
		return nil
	}
	return g.UDPTransport.Send(dst, b)
}

func (g *gate) take() []sent {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.sent
	g.sent = nil
	return s
}

// side is one end of a pair.
type side struct {
	in     *Instance
	tr     *gate
	mu     sync.Mutex
	events []Event
	ups    []bool // what a Watch was told
	// release ends the Watch pair.start made.
	release func()
}

func (s *side) evs() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

func (s *side) told() []bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bool(nil), s.ups...)
}

func (s *side) session(t *testing.T) SessionInfo {
	t.Helper()
	ss := s.in.Sessions()
	if len(ss) != 1 {
		t.Fatalf("%d sessions, want 1: %+v", len(ss), ss)
	}
	return ss[0]
}

// pair is two instances on a point-to-point link of the in-memory
// network, on the virtual clock.
type pair struct {
	t     *testing.T
	clock *routing.ManualClock
	net   *netsim.Network
	a, b  *side
}

func newPair(t *testing.T, ca, cb InterfaceConfig) *pair {
	t.Helper()
	clock := routing.NewManualClock(time.Time{})
	n := netsim.New(clock, 1, nil)
	x, y, err := n.Link(n.Node("a"), n.Node("b"), netsim.LinkConfig{
		AAddrs: []netip.Prefix{netip.PrefixFrom(addrA, 30)},
		BAddrs: []netip.Prefix{netip.PrefixFrom(addrB, 30)},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := &pair{t: t, clock: clock, net: n}
	mk := func(att *netsim.Attachment, ic InterfaceConfig, seed uint64) *side {
		tr, err := att.Transport(netsim.TransportConfig{UDPPort: netsim.PortBFD, SrcPort: netsim.PortBFDSrcMin, TTL: 255})
		if err != nil {
			t.Fatal(err)
		}
		ic.Name = att.Name()
		s := &side{tr: &gate{UDPTransport: tr, clock: clock}}
		s.in, err = New(Config{Interfaces: []InterfaceConfig{ic}, Seed: seed}, Env{
			Clock:      clock,
			Transports: map[string]routing.UDPTransport{att.Name(): s.tr},
			OnEvent: func(e Event) {
				s.mu.Lock()
				s.events = append(s.events, e)
				s.mu.Unlock()
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	p.a, p.b = mk(x, ca, 1), mk(y, cb, 2)
	return p
}

// watch starts both and has each watch the other.
func (p *pair) start() {
	p.t.Helper()
	for _, s := range []*side{p.a, p.b} {
		if err := s.in.Start(); err != nil {
			p.t.Fatal(err)
		}
	}
	p.a.release = p.watch(p.a, addrA, addrB)
	p.b.release = p.watch(p.b, addrB, addrA)
}

func (p *pair) watch(s *side, local, peer netip.Addr) func() {
	p.t.Helper()
	name := s.in.order[0]
	rel, err := s.in.Watch(name, local, peer, func(up bool) {
		s.mu.Lock()
		s.ups = append(s.ups, up)
		s.mu.Unlock()
	})
	if err != nil {
		p.t.Fatal(err)
	}
	return rel
}

// until advances the clock in steps of 1 ms until cond holds or limit
// passes, and returns the virtual time it took.
func (p *pair) until(limit time.Duration, cond func() bool) time.Duration {
	p.t.Helper()
	start := p.clock.Now()
	for !cond() {
		if p.clock.Now().Sub(start) > limit {
			p.t.Fatalf("condition not met after %v", limit)
		}
		p.clock.Advance(time.Millisecond)
	}
	return p.clock.Now().Sub(start)
}

func (p *pair) bothUp() bool {
	sa, sb := p.a.in.Sessions(), p.b.in.Sessions()
	return len(sa) == 1 && len(sb) == 1 && sa[0].State == packet.StateUp && sb[0].State == packet.StateUp
}

// settled: Up on both sides with the Poll Sequences that leave the slow
// interval done.
func (p *pair) settled() bool {
	if !p.bothUp() {
		return false
	}
	sa, sb := p.a.in.Sessions()[0], p.b.in.Sessions()[0]
	return !sa.Polling && !sb.Polling && sa.RemoteDesiredMinTx < SlowTx && sb.RemoteDesiredMinTx < SlowTx
}

func fast(ms int) InterfaceConfig {
	d := time.Duration(ms) * time.Millisecond
	return InterfaceConfig{MinTx: d, MinRx: d, DetectMult: 3}
}

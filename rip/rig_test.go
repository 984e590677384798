package rip

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/rip/packet"
)

// fakeTr is a UDPTransport that records what is sent and lets a test
// deliver packets; onSend, if set, runs inside Send (a synchronous
// transport).
type fakeTr struct {
	deliver func(routing.Packet)
	sent    []sentMsg
	groups  []netip.Addr
	closed  bool
	onSend  func(dst netip.AddrPort, b []byte)
}

type sentMsg struct {
	dst netip.AddrPort
	raw []byte
	msg packet.Message
}

func (t *fakeTr) Start(d func(routing.Packet)) error { t.deliver = d; return nil }
func (t *fakeTr) Send(dst netip.Addr, b []byte) error {
	return t.SendTo(netip.AddrPortFrom(dst, 520), b)
}
func (t *fakeTr) SendTo(dst netip.AddrPort, b []byte) error {
	if t.closed {
		return net.ErrClosed
	}
	raw := append([]byte(nil), b...)
	m, err := packet.Parse(raw)
	if err != nil {
		panic("instance sent an undecodable message: " + err.Error())
	}
	t.sent = append(t.sent, sentMsg{dst: dst, raw: raw, msg: m})
	if t.onSend != nil {
		t.onSend(dst, raw)
	}
	return nil
}
func (t *fakeTr) JoinGroup(g netip.Addr) error  { t.groups = append(t.groups, g); return nil }
func (t *fakeTr) LeaveGroup(g netip.Addr) error { return nil }
func (t *fakeTr) Close() error                  { t.closed = true; return nil }

// take returns and forgets what was sent.
func (t *fakeTr) take() []sentMsg { s := t.sent; t.sent = nil; return s }

// rig is one instance under test with two interfaces: eth0 10.0.0.1/24
// (neighbours .2 and .3 talk on it) and eth1 10.0.1.1/24.
type rig struct {
	t      *testing.T
	clock  *routing.ManualClock
	inst   *Instance
	tr     map[string]*fakeTr
	fib    *fib.Memory
	events []Event
}

func rigConfig() Config {
	return Config{Interfaces: []InterfaceConfig{
		{Name: "eth0", IfIndex: 2, Prefix: pfx("10.0.0.1/24")},
		{Name: "eth1", IfIndex: 3, Prefix: pfx("10.0.1.1/24")},
	}}
}

func newRig(t *testing.T, mod func(*Config)) *rig {
	cfg := rigConfig()
	if mod != nil {
		mod(&cfg)
	}
	r := &rig{t: t, clock: routing.NewManualClock(epoch), tr: map[string]*fakeTr{}, fib: fib.NewMemory()}
	trs := map[string]routing.UDPTransport{}
	for _, ic := range cfg.Interfaces {
		r.tr[ic.Name] = &fakeTr{}
		trs[ic.Name] = r.tr[ic.Name]
	}
	inst, err := New(cfg, Env{Clock: r.clock, Transports: trs, FIB: r.fib, OnEvent: func(e Event) { r.events = append(r.events, e) }})
	if err != nil {
		t.Fatal(err)
	}
	r.inst = inst
	if err := inst.Start(); err != nil {
		t.Fatal(err)
	}
	for _, f := range r.tr {
		f.take()
	}
	r.events = nil
	return r
}

func (r *rig) deliverRaw(ifname string, src netip.Addr, port uint16, b []byte) {
	r.tr[ifname].deliver(routing.Packet{IfIndex: 2, Src: src, Dst: allRIPRouters, SrcPort: port, TTL: 1, Payload: b})
}

func (r *rig) deliver(ifname string, src netip.Addr, port uint16, m packet.Message) {
	r.t.Helper()
	b, err := m.AppendBinary(nil)
	if err != nil {
		r.t.Fatal(err)
	}
	r.deliverRaw(ifname, src, port, b)
}

func resp(es ...packet.Entry) packet.Message {
	return packet.Message{Command: packet.Response, Version: 2, Entries: es}
}

func rte(p string, metric uint32) packet.Entry {
	return packet.RouteEntry(pfx(p), netip.Addr{}, metric, 0)
}

func (r *rig) metric(p string) int {
	rt, ok := r.inst.Route(pfx(p))
	if !ok {
		return 16
	}
	return rt.Metric
}

func (r *rig) dropped(d DropReason) uint64 { return r.inst.Stats().Dropped[d] }

// entriesTo returns the route entries sent on ifname, by prefix.
func entriesSent(ms []sentMsg) map[netip.Prefix]packet.Entry {
	out := map[netip.Prefix]packet.Entry{}
	for _, m := range ms {
		if m.msg.Command != packet.Response {
			continue
		}
		for _, e := range m.msg.Entries {
			p, _ := e.Prefix()
			out[p] = e
		}
	}
	return out
}

func (r *rig) advance(d time.Duration) { r.clock.Advance(d) }

func newRigClock() *routing.ManualClock { return routing.NewManualClock(epoch) }

func trMap(kv ...any) map[string]routing.UDPTransport {
	m := map[string]routing.UDPTransport{}
	for k := 0; k < len(kv); k += 2 {
		m[kv[k].(string)] = kv[k+1].(routing.UDPTransport)
	}
	return m
}

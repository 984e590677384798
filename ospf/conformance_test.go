package ospf

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/ospf/packet"
)

// Conformance harness: one Instance with one interface on a fake
// transport, and a scripted peer whose packets the test writes by hand,
// in the spirit of holo's RFC-section step tests. Time is a ManualClock.

// fakeTransport records what the instance sends and lets the test deliver
// packets to it.
type fakeTransport struct {
	mu      sync.Mutex
	deliver func(routing.Packet)
	sent    []sentPacket
	groups  map[netip.Addr]bool
	closed  bool
}

type sentPacket struct {
	dst netip.Addr
	raw []byte
}

func (f *fakeTransport) Start(d func(routing.Packet)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deliver = d
	return nil
}

func (f *fakeTransport) Send(dst netip.Addr, payload []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return net.ErrClosed
	}
	f.sent = append(f.sent, sentPacket{dst: dst, raw: bytes.Clone(payload)})
	return nil
}

func (f *fakeTransport) JoinGroup(g netip.Addr) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.groups == nil {
		f.groups = map[netip.Addr]bool{}
	}
	f.groups[g] = true
	return nil
}

func (f *fakeTransport) LeaveGroup(g netip.Addr) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.groups, g)
	return nil
}

func (f *fakeTransport) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

// take returns and forgets the packets sent so far, decoded.
func (f *fakeTransport) take(t testing.TB) []sentDecoded {
	t.Helper()
	f.mu.Lock()
	sent := f.sent
	f.sent = nil
	f.mu.Unlock()
	var out []sentDecoded
	for _, s := range sent {
		p, err := packet.ParsePacket(s.raw)
		if err != nil {
			t.Fatalf("instance sent an undecodable packet: %v: % x", err, s.raw)
		}
		out = append(out, sentDecoded{dst: s.dst, p: p, raw: s.raw})
	}
	return out
}

type sentDecoded struct {
	dst netip.Addr
	p   packet.Packet
	raw []byte
}

func ofType(ps []sentDecoded, t packet.PacketType) []sentDecoded {
	var out []sentDecoded
	for _, p := range ps {
		if p.p.Header.Type == t {
			out = append(out, p)
		}
	}
	return out
}

// harness is one instance (Router ID 1.1.1.1, address 10.0.0.1) and one
// scripted peer (Router ID 9.9.9.9, address 10.0.0.9) on a /24.
type harness struct {
	t      testing.TB
	events []Event // every Env.OnEvent, in order
	clock  *routing.ManualClock
	tr     *fakeTransport
	in     *Instance
	ic     InterfaceConfig
	peer   netip.Addr
	prid   netip.Addr
	me     netip.Addr
	rid    netip.Addr
}

func newHarness(t testing.TB, nt NetworkType, tweak ...func(*InterfaceConfig)) *harness {
	t.Helper()
	return newHarnessConfig(t, nt, nil, tweak...)
}

// newHarnessConfig is newHarness with a change to the instance's Config.
func newHarnessConfig(t testing.TB, nt NetworkType, cfgTweak func(*Config), tweak ...func(*InterfaceConfig)) *harness {
	t.Helper()
	h := &harness{
		t:     t,
		clock: routing.NewManualClock(time.Time{}),
		tr:    &fakeTransport{},
		peer:  netip.MustParseAddr("10.0.0.9"),
		prid:  netip.MustParseAddr("9.9.9.9"),
		me:    netip.MustParseAddr("10.0.0.1"),
		rid:   netip.MustParseAddr("1.1.1.1"),
	}
	h.ic = InterfaceConfig{Name: "eth0", IfIndex: 2, Prefix: netip.MustParsePrefix("10.0.0.1/24"), Network: nt}
	for _, f := range tweak {
		f(&h.ic)
	}
	cfg := Config{RouterID: h.rid, Interfaces: []InterfaceConfig{h.ic}}
	if cfgTweak != nil {
		cfgTweak(&cfg)
	}
	in, err := New(cfg, Env{Clock: h.clock, Transports: map[string]routing.Transport{"eth0": h.tr},
		OnEvent: func(e Event) { h.events = append(h.events, e) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Start(); err != nil {
		t.Fatal(err)
	}
	h.in = in
	t.Cleanup(func() { _ = in.Stop(context.Background()) })
	return h
}

// send delivers a packet from the peer (its header's Router ID, area and
// type are filled in) to dst.
func (h *harness) send(dst netip.Addr, p packet.Packet) {
	h.t.Helper()
	if !p.Header.RouterID.IsValid() {
		p.Header.RouterID = h.prid
	}
	p.Header.AreaID = netip.IPv4Unspecified()
	b, err := p.AppendBinary(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	h.deliverRaw(h.peer, dst, b)
}

func (h *harness) deliverRaw(src, dst netip.Addr, b []byte) {
	h.tr.mu.Lock()
	d := h.tr.deliver
	h.tr.mu.Unlock()
	d(routing.Packet{IfIndex: 2, Src: src, Dst: dst, TTL: 1, Payload: b})
}

// hello sends a hello from the peer; listUs puts our Router ID in it.
func (h *harness) hello(listUs bool, mods ...func(*packet.Hello)) {
	h.t.Helper()
	hl := packet.Hello{
		NetworkMask:        packet.Mask(24),
		HelloInterval:      uint16(h.ic.helloInterval() / time.Second),
		Options:            packet.OptE,
		Priority:           1,
		RouterDeadInterval: uint32(h.ic.deadInterval() / time.Second),
	}
	if listUs {
		hl.Neighbors = []netip.Addr{h.rid}
	}
	for _, f := range mods {
		f(&hl)
	}
	h.send(packet.AllSPFRouters, packet.Packet{Header: packet.Header{Type: packet.TypeHello}, Hello: hl})
}

func (h *harness) nbr() (NeighborStatus, bool) {
	for _, n := range h.in.Neighbors() {
		if n.RouterID == h.prid {
			return n, true
		}
	}
	return NeighborStatus{}, false
}

func (h *harness) nbrState() NeighborState {
	n, ok := h.nbr()
	if !ok {
		return NbrDown
	}
	return n.State
}

func (h *harness) wantNbr(want NeighborState) {
	h.t.Helper()
	if got := h.nbrState(); got != want {
		h.t.Fatalf("neighbor state %v, want %v", got, want)
	}
}

// dd sends a DD from the peer.
func (h *harness) dd(flags packet.DDFlags, seq uint32, hdrs ...packet.LSAHeader) {
	h.t.Helper()
	h.send(h.dst(), packet.Packet{Header: packet.Header{Type: packet.TypeDatabaseDescription},
		DD: packet.DatabaseDescription{InterfaceMTU: 1500, Options: packet.OptE, Flags: flags, Seq: seq, LSAHeaders: hdrs}})
}

// dst is where the peer sends packets to us alone.
func (h *harness) dst() netip.Addr {
	if h.ic.Network == NetworkPointToPoint {
		return packet.AllSPFRouters
	}
	return h.me
}

// lsu sends an LS Update from the peer carrying raw LSAs.
func (h *harness) lsu(raws ...[]byte) {
	h.t.Helper()
	var u packet.LSUpdate
	for _, r := range raws {
		l, err := packet.ParseLSA(r)
		if err != nil {
			h.t.Fatal(err)
		}
		u.LSAs = append(u.LSAs, l)
	}
	h.send(h.dst(), packet.Packet{Header: packet.Header{Type: packet.TypeLSUpdate}, LSU: u})
}

func (h *harness) ack(hdrs ...packet.LSAHeader) {
	h.t.Helper()
	h.send(h.dst(), packet.Packet{Header: packet.Header{Type: packet.TypeLSAck}, LSAck: packet.LSAck{LSAHeaders: hdrs}})
}

// full brings the peer (Router ID 9.9.9.9, higher than ours, so master)
// to Full with an empty database description of its own (§10.6, §10.8),
// and clears what was sent.
func (h *harness) full() {
	h.t.Helper()
	h.hello(true)
	if h.ic.Network == NetworkBroadcast {
		// Leave Waiting at once: the peer declares itself DR (§10.5
		// BackupSeen would need a BDR), so let the wait timer run.
		h.clock.Advance(h.ic.deadInterval())
		h.hello(true, func(hl *packet.Hello) { hl.DesignatedRouter = h.peer })
	}
	h.wantNbr(NbrExStart)
	const seq = 5000
	h.dd(packet.DDFlagI|packet.DDFlagM|packet.DDFlagMS, seq)
	h.wantNbr(NbrExchange)
	h.dd(packet.DDFlagMS, seq+1)
	h.wantNbr(NbrFull)
	// Our router-LSA now lists the adjacency; MinLSInterval (§12.4)
	// holds its origination until 5 s after the first one.
	h.clock.Advance(MinLSInterval + 10*time.Millisecond)
	h.tr.take(h.t)
	if n, _ := h.nbr(); n.RetransmitList != 1 {
		h.t.Fatalf("after Full, %d LSAs await acknowledgment, want our router-LSA", n.RetransmitList)
	}
}

// ackOurs acknowledges our current router-LSA from the peer.
func (h *harness) ackOurs() {
	h.t.Helper()
	e, ok := h.in.LookupLSA(packet.LSAKey{Type: packet.LSTypeRouter, ID: h.rid, AdvRouter: h.rid})
	if !ok {
		h.t.Fatal("no router-LSA of ours")
	}
	h.ack(e.LSA.Header)
	if n, _ := h.nbr(); n.RetransmitList != 0 {
		h.t.Fatalf("retransmission list not empty after acking our router-LSA: %d", n.RetransmitList)
	}
}

// mkLSA encodes an LSA with a valid checksum.
func mkLSA(t testing.TB, l packet.LSA) []byte {
	t.Helper()
	b, err := l.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// peerRouterLSA is a router-LSA from adv with one stub link.
func peerRouterLSA(t testing.TB, adv string, seq int32, age uint16) []byte {
	a := netip.MustParseAddr(adv)
	l := packet.LSA{Header: packet.LSAHeader{Age: age, Options: packet.OptE, Type: packet.LSTypeRouter, ID: a, AdvRouter: a, Seq: seq}}
	l.Router.Links = []packet.RouterLink{{ID: netip.MustParseAddr("192.168.9.0"), Data: packet.Mask(24), Type: packet.LinkStub, Metric: 1}}
	return mkLSA(t, l)
}

func hdrOf(t testing.TB, raw []byte) packet.LSAHeader {
	h, err := packet.ParseLSAHeader(raw)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

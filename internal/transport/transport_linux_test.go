package transport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/nstest"
	"golang.org/x/net/ipv4"
)

var (
	allSPFRouters = netip.MustParseAddr("224.0.0.5") // RFC 2328 A.1
	ripGroup      = netip.MustParseAddr("224.0.0.9") // RFC 2453 4.5
	vrrp6Group    = netip.MustParseAddr("ff02::12")  // RFC 5798 5.1.2.2

	addrA0 = netip.MustParseAddr("10.0.0.1")
	addrB0 = netip.MustParseAddr("10.0.0.2")
	addrA1 = netip.MustParseAddr("10.0.1.1")
	addrB1 = netip.MustParseAddr("10.0.1.2")
)

// pair is two namespaces joined by a veth pair, a/veth0 10.0.0.1/24 and
// b/veth0 10.0.0.2/24; with second, also by a/veth1 10.0.1.1/24 and
// b/veth1 10.0.1.2/24.
type pair struct {
	a, b         *nstest.NS
	bIdx0, bIdx1 int
	aIdx0, aIdx1 int
}

func newPair(t *testing.T, second bool) *pair {
	t.Helper()
	p := &pair{a: nstest.New(t, "tra"), b: nstest.New(t, "trb")}
	nstest.Veth(t, p.a, "veth0", p.b, "veth0")
	p.a.Exec(t, "ip", "addr", "add", "10.0.0.1/24", "dev", "veth0")
	p.b.Exec(t, "ip", "addr", "add", "10.0.0.2/24", "dev", "veth0")
	p.aIdx0, p.bIdx0 = p.a.LinkIndex(t, "veth0"), p.b.LinkIndex(t, "veth0")
	if second {
		nstest.Veth(t, p.a, "veth1", p.b, "veth1")
		p.a.Exec(t, "ip", "addr", "add", "10.0.1.1/24", "dev", "veth1")
		p.b.Exec(t, "ip", "addr", "add", "10.0.1.2/24", "dev", "veth1")
		p.aIdx1, p.bIdx1 = p.a.LinkIndex(t, "veth1"), p.b.LinkIndex(t, "veth1")
	}
	return p
}

// inbox collects delivered packets (payload copied).
type inbox[P any] struct {
	ch chan P
	n  atomic.Int64
}

func newInbox[P any]() *inbox[P] { return &inbox[P]{ch: make(chan P, 256)} }

func (in *inbox[P]) put(p P) {
	in.n.Add(1)
	select {
	case in.ch <- p:
	default:
	}
}

func (in *inbox[P]) packet(p routing.Packet) {
	p.Payload = bytes.Clone(p.Payload)
	any(in).(*inbox[routing.Packet]).put(p)
}

// await sends with send every 50 ms until a packet whose payload is want
// arrives, and returns it; it fails after 5 s. Resending covers the first
// moments of a fresh veth link.
func await[P any](t *testing.T, in *inbox[P], payload func(P) []byte, want []byte, send func() error) P {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if err := send(); err != nil {
			t.Fatalf("send: %v", err)
		}
		tick := time.After(50 * time.Millisecond)
	wait:
		for {
			select {
			case p := <-in.ch:
				if bytes.Equal(payload(p), want) {
					return p
				}
			case <-tick:
				break wait
			}
		}
	}
	t.Fatalf("no packet with payload %q within 5 s", want)
	var zero P
	return zero
}

func pktPayload(p routing.Packet) []byte { return p.Payload }

// quiet waits a little for stragglers, then fails if in got anything.
func quiet[P any](t *testing.T, name string, in *inbox[P]) {
	t.Helper()
	time.Sleep(200 * time.Millisecond)
	if n := in.n.Load(); n != 0 {
		t.Errorf("%s received %d packets, want none", name, n)
		select {
		case p := <-in.ch:
			t.Errorf("first one: %+v", p)
		default:
		}
	}
}

func listenIP(t *testing.T, cfg IPConfig) *IP {
	t.Helper()
	tr, err := ListenIP(context.Background(), cfg)
	if err != nil {
		t.Fatalf("ListenIP(%+v): %v", cfg, err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

func listenUDP(t *testing.T, cfg UDPConfig) *UDP {
	t.Helper()
	tr, err := ListenUDP(context.Background(), cfg)
	if err != nil {
		t.Fatalf("ListenUDP(%+v): %v", cfg, err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// checkNoLeak fails the test if goroutines started after it was called
// are still running when the test ends.
func checkNoLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("goroutines leaked: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
}

// OSPF over raw IP: a multicast to AllSPFRouters reaches the other side
// with the receiving interface's index, TTL 1 (RFC 2328 A.1), the
// payload intact and no IP header; the sender does not get it back.
func TestIP_OSPFMulticastAcrossVeth(t *testing.T) {
	p := newPair(t, false)
	sender := listenIP(t, IPConfig{Namespace: p.a.Name(), Interface: "veth0", Protocol: ProtocolOSPF})
	recv := listenIP(t, IPConfig{Namespace: p.b.Name(), Interface: "veth0", Protocol: ProtocolOSPF})
	own, in := newInbox[routing.Packet](), newInbox[routing.Packet]()
	must(t, sender.JoinGroup(allSPFRouters))
	must(t, sender.Start(own.packet))
	must(t, recv.JoinGroup(allSPFRouters))
	must(t, recv.Start(in.packet))

	// A wire-level observer in b: a raw socket that keeps the IP header,
	// to check what the kernel put on the wire (TOS, TTL, protocol).
	var wire *ipv4.RawConn
	must(t, InNamespace(p.b.Name(), func() error {
		c, err := net.ListenPacket("ip4:89", "0.0.0.0")
		if err != nil {
			return err
		}
		wire, err = ipv4.NewRawConn(c)
		return err
	}))
	defer wire.Close()

	payload := []byte("\x02\x01\x00\x2c OSPF hello from tr test")
	got := await(t, in, pktPayload, payload, func() error { return sender.Send(allSPFRouters, payload) })
	want := routing.Packet{IfIndex: p.bIdx0, Src: addrA0, Dst: allSPFRouters, TTL: 1, Payload: payload}
	if got.IfIndex != want.IfIndex || got.Src != want.Src || got.Dst != want.Dst || got.TTL != want.TTL {
		t.Errorf("received %+v, want %+v", got, want)
	}
	if recv.IfIndex() != p.bIdx0 || recv.Interface() != "veth0" {
		t.Errorf("receiver bound to %s/%d, want veth0/%d", recv.Interface(), recv.IfIndex(), p.bIdx0)
	}

	must(t, wire.SetReadDeadline(time.Now().Add(5*time.Second)))
	buf := make([]byte, 1500)
	for {
		h, body, _, err := wire.ReadFrom(buf)
		if err != nil {
			t.Fatalf("wire observer: %v", err)
		}
		if !bytes.Equal(body, payload) {
			continue
		}
		if h.TOS != TOSInternetworkControl || h.TTL != 1 || h.Protocol != ProtocolOSPF ||
			!h.Dst.Equal(net.IP(allSPFRouters.AsSlice())) || !h.Src.Equal(net.IP(addrA0.AsSlice())) {
			t.Errorf("wire header %v, want TOS 0xc0 TTL 1 proto 89 %v -> %v", h, addrA0, allSPFRouters)
		}
		break
	}

	// Unicast works both ways, with the configured TTL.
	back := []byte("unicast reply")
	got = await(t, own, pktPayload, back, func() error { return recv.Send(addrA0, back) })
	if got.Src != addrB0 || got.Dst != addrA0 || got.IfIndex != p.aIdx0 || got.TTL != 1 {
		t.Errorf("unicast received %+v, want %v -> %v on %d TTL 1", got, addrB0, addrA0, p.aIdx0)
	}
	for len(own.ch) > 0 {
		if q := <-own.ch; q.Src == addrA0 {
			t.Errorf("sender got its own packet back: %+v", q)
		}
	}
	if s := sender.Stats(); s.Sent == 0 || s.DroppedOwn != 0 {
		t.Errorf("sender stats %+v", s)
	}
	if s := recv.Stats(); s.Delivered == 0 || s.Delivered != s.Received {
		t.Errorf("receiver stats %+v: every packet should be delivered", s)
	}
}

// SO_BINDTODEVICE: of two transports in b, bound to veth0 and veth1, each
// receives only what arrived on its own interface — even a unicast to the
// other interface's address that arrived on its own (Linux accepts any
// local address on any interface), and even a group the other joined.
func TestIP_UnboundInterfaceReceivesNothing(t *testing.T) {
	p := newPair(t, true)
	s0 := listenIP(t, IPConfig{Namespace: p.a.Name(), Interface: "veth0", Protocol: ProtocolOSPF})
	s1 := listenIP(t, IPConfig{Namespace: p.a.Name(), Interface: "veth1", Protocol: ProtocolOSPF})
	r0 := listenIP(t, IPConfig{Namespace: p.b.Name(), Interface: "veth0", Protocol: ProtocolOSPF})
	r1 := listenIP(t, IPConfig{Namespace: p.b.Name(), IfIndex: p.bIdx1, Protocol: ProtocolOSPF})
	in0, in1 := newInbox[routing.Packet](), newInbox[routing.Packet]()
	must(t, r0.JoinGroup(allSPFRouters))
	must(t, r0.Start(in0.packet))
	must(t, r1.JoinGroup(allSPFRouters))
	must(t, r1.Start(in1.packet))

	// Through veth1 only: r1 gets both, r0 nothing.
	m := []byte("multicast via veth1")
	got := await(t, in1, pktPayload, m, func() error { return s1.Send(allSPFRouters, m) })
	if got.IfIndex != p.bIdx1 || got.Src != addrA1 || got.Dst != allSPFRouters {
		t.Errorf("r1 got %+v", got)
	}
	u := []byte("unicast to veth1's address via veth1")
	got = await(t, in1, pktPayload, u, func() error { return s1.Send(addrB1, u) })
	if got.IfIndex != p.bIdx1 || got.Dst != addrB1 {
		t.Errorf("r1 got %+v", got)
	}
	quiet(t, "transport bound to veth0", in0)

	// s0 is bound to a/veth0 and has no route to 10.0.1.0/24 there; the
	// kernel assumes the destination is on that link, so the packet for
	// b/veth1's address arrives on b/veth0. Only r0 may see it.
	in1.n.Store(0)
	x := []byte("unicast to veth1's address via veth0")
	got = await(t, in0, pktPayload, x, func() error { return s0.Send(addrB1, x) })
	if got.IfIndex != p.bIdx0 || got.Dst != addrB1 || got.Src != addrA0 {
		t.Errorf("r0 got %+v, want %v -> %v on ifindex %d", got, addrA0, addrB1, p.bIdx0)
	}
	quiet(t, "transport bound to veth1", in1)
	if s := r1.Stats(); s.DroppedInterface != 0 {
		t.Errorf("r1 saw packets of another interface at all: %+v", s)
	}
}

// IP_MULTICAST_ALL off and LeaveGroup: a transport receives only the
// groups it joined itself, even when another socket joined on the same
// interface, and stops receiving a group it left.
func TestIP_JoinLeaveGroup(t *testing.T) {
	p := newPair(t, false)
	s := listenIP(t, IPConfig{Namespace: p.a.Name(), Interface: "veth0", Protocol: ProtocolOSPF})
	keep := listenIP(t, IPConfig{Namespace: p.b.Name(), Interface: "veth0", Protocol: ProtocolOSPF})
	left := listenIP(t, IPConfig{Namespace: p.b.Name(), Interface: "veth0", Protocol: ProtocolOSPF})
	inKeep, inLeft := newInbox[routing.Packet](), newInbox[routing.Packet]()
	must(t, keep.JoinGroup(allSPFRouters))
	must(t, keep.Start(inKeep.packet))
	must(t, left.JoinGroup(allSPFRouters))
	must(t, left.JoinGroup(allSPFRouters)) // idempotent
	must(t, left.Start(inLeft.packet))

	first := []byte("before leave")
	await(t, inLeft, pktPayload, first, func() error { return s.Send(allSPFRouters, first) })
	must(t, left.LeaveGroup(allSPFRouters))
	must(t, left.LeaveGroup(allSPFRouters)) // idempotent
	time.Sleep(50 * time.Millisecond)       // let in-flight copies of "first" land
	for len(inLeft.ch) > 0 {
		<-inLeft.ch
	}
	inLeft.n.Store(0)
	second := []byte("after leave")
	await(t, inKeep, pktPayload, second, func() error { return s.Send(allSPFRouters, second) })
	quiet(t, "transport that left the group", inLeft)

	if err := left.JoinGroup(netip.MustParseAddr("10.0.0.9")); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("JoinGroup(unicast) = %v, want ErrInvalidAddress", err)
	}
	if err := left.JoinGroup(vrrp6Group); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("JoinGroup(IPv6 group) = %v, want ErrInvalidAddress", err)
	}
	if err := s.Send(netip.MustParseAddr("::1"), first); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("Send(IPv6) = %v, want ErrInvalidAddress", err)
	}
}

// Own packets are dropped by source address even when the kernel hands
// them back (multicast loopback forced on), and an address added to the
// interface after the transport opened counts as its own at once.
func TestIP_OwnPacketsDropped(t *testing.T) {
	p := newPair(t, false)
	tr := listenIP(t, IPConfig{Namespace: p.a.Name(), Interface: "veth0", Protocol: ProtocolVRRP})
	in := newInbox[routing.Packet]()
	must(t, tr.JoinGroup(netip.MustParseAddr("224.0.0.18")))
	must(t, tr.Start(in.packet))
	must(t, tr.multicastLoopback(true))
	vrrpGroup := netip.MustParseAddr("224.0.0.18") // RFC 3768 5.2.2
	nstest.Eventually(t, 5*time.Second, func() error {
		if err := tr.Send(vrrpGroup, []byte("looped")); err != nil {
			return err
		}
		if s := tr.Stats(); s.DroppedOwn == 0 {
			return fmt.Errorf("no own packet dropped yet: %+v", s)
		}
		return nil
	})

	// A second address appears; a second transport sends from it with
	// loopback on: the first must recognise it as its own.
	p.a.Exec(t, "ip", "addr", "add", "10.0.0.11/24", "dev", "veth0")
	other := listenIP(t, IPConfig{Namespace: p.a.Name(), Interface: "veth0", Protocol: ProtocolVRRP,
		Source: netip.MustParseAddr("10.0.0.11")})
	must(t, other.multicastLoopback(true))
	before := tr.Stats().DroppedOwn
	nstest.Eventually(t, 5*time.Second, func() error {
		if err := other.Send(vrrpGroup, []byte("from new address")); err != nil {
			return err
		}
		if s := tr.Stats(); s.DroppedOwn == before {
			return fmt.Errorf("packet from the new address not dropped yet: %+v", s)
		}
		return nil
	})
	if n := in.n.Load(); n != 0 {
		t.Errorf("%d own packets delivered: %+v", n, <-in.ch)
	}
	found := false
	for _, a := range tr.Addrs() {
		found = found || a == netip.MustParsePrefix("10.0.0.11/24")
	}
	if !found {
		t.Errorf("Addrs() = %v, want 10.0.0.11/24 among them", tr.Addrs())
	}
}

// VRRP defaults: TTL 255 on the wire (RFC 3768 5.2.3), checked by the
// receiver's control message, and the configured source address used.
func TestIP_VRRPTTLAndSource(t *testing.T) {
	p := newPair(t, false)
	p.a.Exec(t, "ip", "addr", "add", "10.0.0.21/24", "dev", "veth0")
	src := netip.MustParseAddr("10.0.0.21")
	s := listenIP(t, IPConfig{Namespace: p.a.Name(), Interface: "veth0", Protocol: ProtocolVRRP, Source: src})
	r := listenIP(t, IPConfig{Namespace: p.b.Name(), Interface: "veth0", Protocol: ProtocolVRRP})
	in := newInbox[routing.Packet]()
	group := netip.MustParseAddr("224.0.0.18")
	must(t, r.JoinGroup(group))
	must(t, r.Start(in.packet))
	adv := []byte{0x21, 1, 100, 1, 0, 1, 0, 0, 10, 0, 0, 100}
	got := await(t, in, pktPayload, adv, func() error { return s.Send(group, adv) })
	if got.TTL != 255 || got.Src != src || got.Dst != group || got.IfIndex != p.bIdx0 {
		t.Errorf("got %+v, want TTL 255 from %v to %v on %d", got, src, group, p.bIdx0)
	}
	if s.Source() != src {
		t.Errorf("Source() = %v", s.Source())
	}
	// Protocol 89 is not delivered to a protocol-112 transport.
	ospf := listenIP(t, IPConfig{Namespace: p.a.Name(), Interface: "veth0", Protocol: ProtocolOSPF})
	in.n.Store(0)
	must(t, r.JoinGroup(allSPFRouters))
	for range 3 {
		must(t, ospf.Send(allSPFRouters, []byte("ospf")))
	}
	quiet(t, "VRRP transport", in)
}

// SetSource after the interface was re-addressed (issue 15's growth: a
// ring link renumbered while unplugged): the next packet leaves from the
// new address; an address the interface lacks is refused and the source
// stays.
func TestIP_SetSourceAfterReaddress(t *testing.T) {
	p := newPair(t, false)
	p.a.Exec(t, "ip", "addr", "add", "10.0.0.31/24", "dev", "veth0")
	old, next := netip.MustParseAddr("10.0.0.31"), netip.MustParseAddr("10.0.0.32")
	s := listenIP(t, IPConfig{Namespace: p.a.Name(), Interface: "veth0", Protocol: ProtocolOSPF, Source: old})
	r := listenIP(t, IPConfig{Namespace: p.b.Name(), Interface: "veth0", Protocol: ProtocolOSPF})
	in := newInbox[routing.Packet]()
	must(t, r.JoinGroup(allSPFRouters))
	must(t, r.Start(in.packet))
	if err := s.SetSource(next); !errors.Is(err, ErrInvalidConfig) || s.Source() != old {
		t.Fatalf("SetSource(%v) before the address exists = %v, source %v; want ErrInvalidConfig, %v", next, err, s.Source(), old)
	}
	p.a.Exec(t, "ip", "addr", "add", "10.0.0.32/24", "dev", "veth0")
	p.a.Exec(t, "ip", "addr", "del", "10.0.0.31/24", "dev", "veth0")
	must(t, s.SetSource(next))
	got := await(t, in, pktPayload, []byte("hello"), func() error { return s.Send(allSPFRouters, []byte("hello")) })
	if got.Src != next || s.Source() != next {
		t.Errorf("after SetSource: sent from %v, Source() %v; want %v", got.Src, s.Source(), next)
	}
}

// Close: net.ErrClosed afterwards, deliver never called after Close
// returns (even while packets keep arriving), a deliver in progress
// finishes before Close returns, and no goroutine is left.
func TestIP_CloseSemantics(t *testing.T) {
	p := newPair(t, false)
	checkNoLeak(t)
	s := listenIP(t, IPConfig{Namespace: p.a.Name(), Interface: "veth0", Protocol: ProtocolOSPF})
	r, err := ListenIP(context.Background(), IPConfig{Namespace: p.b.Name(), Interface: "veth0", Protocol: ProtocolOSPF})
	must(t, err)
	must(t, r.JoinGroup(allSPFRouters))
	var delivered, inDeliver atomic.Int64
	var afterClose atomic.Bool
	var lateDelivery atomic.Int64
	first := make(chan struct{}, 1)
	must(t, r.Start(func(routing.Packet) {
		inDeliver.Add(1)
		defer inDeliver.Add(-1)
		if afterClose.Load() {
			lateDelivery.Add(1)
		}
		if delivered.Add(1) == 1 {
			first <- struct{}{}
			// Hold the first delivery while Close is called.
			time.Sleep(100 * time.Millisecond)
		}
	}))
	if err := r.Start(func(routing.Packet) {}); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start = %v, want ErrStarted", err)
	}

	stop := make(chan struct{})
	flooding := make(chan struct{})
	go func() {
		defer close(flooding)
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = s.Send(allSPFRouters, []byte("flood"))
			time.Sleep(time.Millisecond)
		}
	}()
	select {
	case <-first:
	case <-time.After(5 * time.Second):
		t.Fatal("nothing delivered")
	}
	must(t, r.Close())
	afterClose.Store(true)
	if n := inDeliver.Load(); n != 0 {
		t.Errorf("Close returned while deliver was running")
	}
	time.Sleep(100 * time.Millisecond) // keep flooding after Close
	close(stop)
	<-flooding
	if n := lateDelivery.Load(); n != 0 {
		t.Errorf("deliver called %d times after Close returned", n)
	}
	for name, err := range map[string]error{
		"Send":       r.Send(allSPFRouters, []byte("x")),
		"JoinGroup":  r.JoinGroup(netip.MustParseAddr("224.0.0.6")),
		"LeaveGroup": r.LeaveGroup(allSPFRouters),
		"Start":      r.Start(func(routing.Packet) {}),
	} {
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s after Close = %v, want net.ErrClosed", name, err)
		}
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	// Closing a transport that never started is fine too.
	idle, err := ListenIP(context.Background(), IPConfig{Namespace: p.b.Name(), Interface: "veth0", Protocol: ProtocolOSPF})
	must(t, err)
	must(t, idle.Close())
	must(t, s.Close())
}

// Listen errors name what is wrong and leave nothing open.
func TestListenErrors(t *testing.T) {
	p := newPair(t, false)
	checkNoLeak(t)
	ctx := context.Background()
	_, err := ListenIP(ctx, IPConfig{Namespace: p.b.Name(), Interface: "nosuch0", Protocol: ProtocolOSPF})
	if !errors.Is(err, ErrNoInterface) {
		t.Errorf("missing interface: %v, want ErrNoInterface", err)
	}
	_, err = ListenIP(ctx, IPConfig{Namespace: p.b.Name(), Interface: "veth0", IfIndex: p.bIdx0 + 100, Protocol: ProtocolOSPF})
	if !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("name/index mismatch: %v, want ErrInvalidConfig", err)
	}
	_, err = ListenIP(ctx, IPConfig{Namespace: p.b.Name(), Interface: "veth0", Protocol: ProtocolOSPF, Source: addrA0})
	if !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("foreign source: %v, want ErrInvalidConfig", err)
	}
	_, err = ListenIP(ctx, IPConfig{Namespace: p.b.Name(), Interface: "veth0", Protocol: ProtocolOSPF, Source: netip.MustParseAddr("fe80::1")})
	if !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("IPv6 source for ListenIP: %v, want ErrInvalidConfig", err)
	}
	_, err = ListenUDP(ctx, UDPConfig{Namespace: "trnosuchns", Interface: "veth0"})
	if err == nil {
		t.Errorf("missing namespace: no error")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ListenUDP(cctx, UDPConfig{Namespace: p.b.Name(), Interface: "veth0"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v, want context.Canceled", err)
	}
}

// RIP over UDP: port 520 on two interfaces of one namespace at once; a
// multicast to 224.0.0.9 reaches only the transport of the interface it
// arrived on, with TTL 1, source port 520 and the ifindex; unicast has the
// unicast TTL; SendTo reaches other ports from port 520; a request from
// another port is delivered with that port (RFC 2453 3.9.1).
func TestUDP_RIPAcrossVeth(t *testing.T) {
	p := newPair(t, true)
	s := listenUDP(t, UDPConfig{Namespace: p.a.Name(), Interface: "veth0"})
	r0 := listenUDP(t, UDPConfig{Namespace: p.b.Name(), Interface: "veth0"})
	r1 := listenUDP(t, UDPConfig{Namespace: p.b.Name(), Interface: "veth1"})
	own, in0, in1 := newInbox[routing.Packet](), newInbox[routing.Packet](), newInbox[routing.Packet]()
	must(t, s.JoinGroup(ripGroup))
	must(t, s.Start(own.packet))
	must(t, r0.JoinGroup(ripGroup))
	must(t, r0.Start(in0.packet))
	must(t, r1.JoinGroup(ripGroup))
	must(t, r1.Start(in1.packet))

	resp := []byte{2, 2, 0, 0, 0, 2, 0, 0, 10, 9, 0, 0, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 1}
	got := await(t, in0, pktPayload, resp, func() error { return s.Send(ripGroup, resp) })
	if got.IfIndex != p.bIdx0 || got.Src != addrA0 || got.Dst != ripGroup || got.TTL != 1 || got.SrcPort != PortRIP {
		t.Errorf("multicast got %+v, want %v:520 -> %v TTL 1 on %d", got, addrA0, ripGroup, p.bIdx0)
	}
	uni := []byte("unicast update")
	got = await(t, in0, pktPayload, uni, func() error { return s.Send(addrB0, uni) })
	if got.Dst != addrB0 || got.TTL != 64 || got.SrcPort != PortRIP {
		t.Errorf("unicast got %+v, want -> %v TTL 64 from port 520", got, addrB0)
	}
	quiet(t, "RIP transport bound to veth1", in1)
	if n := own.n.Load(); n != 0 {
		t.Errorf("sender received %d datagrams, want none", n)
	}

	// A query tool in b on port 5200: its request reaches a with the
	// port, and the answer sent with SendTo comes back from port 520.
	var tool net.PacketConn
	must(t, InNamespace(p.b.Name(), func() (err error) {
		tool, err = net.ListenPacket("udp4", "10.0.0.2:5200")
		return err
	}))
	defer tool.Close()
	req := []byte{1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16}
	got = await(t, own, pktPayload, req, func() error {
		_, err := tool.WriteTo(req, &net.UDPAddr{IP: addrA0.AsSlice(), Port: PortRIP})
		return err
	})
	if got.SrcPort != 5200 || got.Src != addrB0 {
		t.Errorf("request from tool: %+v, want from %v:5200", got, addrB0)
	}
	must(t, s.SendTo(netip.AddrPortFrom(got.Src, got.SrcPort), []byte("answer")))
	must(t, tool.SetReadDeadline(time.Now().Add(5*time.Second)))
	buf := make([]byte, 100)
	n, from, err := tool.ReadFrom(buf)
	must(t, err)
	if string(buf[:n]) != "answer" || from.(*net.UDPAddr).Port != PortRIP || !from.(*net.UDPAddr).IP.Equal(addrA0.AsSlice()) {
		t.Errorf("tool got %q from %v, want \"answer\" from %v:520", buf[:n], from, addrA0)
	}
	if err := s.SendTo(netip.AddrPortFrom(addrB0, 0), req); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("SendTo port 0 = %v, want ErrInvalidAddress", err)
	}
}

// UDP Close semantics, and no goroutine left.
func TestUDP_Close(t *testing.T) {
	p := newPair(t, false)
	checkNoLeak(t)
	u, err := ListenUDP(context.Background(), UDPConfig{Namespace: p.a.Name(), Interface: "veth0", Port: 5520})
	must(t, err)
	if u.Port() != 5520 {
		t.Errorf("Port() = %d", u.Port())
	}
	must(t, u.Start(func(routing.Packet) {}))
	must(t, u.Close())
	if err := u.Send(addrB0, []byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Close = %v, want net.ErrClosed", err)
	}
	if err := u.JoinGroup(ripGroup); !errors.Is(err, net.ErrClosed) {
		t.Errorf("JoinGroup after Close = %v, want net.ErrClosed", err)
	}
	// The port is free again.
	u2, err := ListenUDP(context.Background(), UDPConfig{Namespace: p.a.Name(), Interface: "veth0", Port: 5520})
	must(t, err)
	must(t, u2.Close())
}

// VRRPv3 over IPv6: hop limit 255 (RFC 5798 5.1.2.3) to ff02::12 from the
// configured link-local source (5.1.2.1).
func TestIP6_VRRPv3Multicast(t *testing.T) {
	p := newPair(t, false)
	p.a.Exec(t, "ip", "-6", "addr", "add", "fe80::a/64", "dev", "veth0", "nodad")
	p.b.Exec(t, "ip", "-6", "addr", "add", "fe80::b/64", "dev", "veth0", "nodad")
	src := netip.MustParseAddr("fe80::a")
	s, err := ListenIP6(context.Background(), IPConfig{Namespace: p.a.Name(), Interface: "veth0", Protocol: ProtocolVRRP, Source: src})
	must(t, err)
	t.Cleanup(func() { s.Close() })
	r, err := ListenIP6(context.Background(), IPConfig{Namespace: p.b.Name(), Interface: "veth0", Protocol: ProtocolVRRP})
	must(t, err)
	t.Cleanup(func() { r.Close() })
	own, in := newInbox[routing.Packet](), newInbox[routing.Packet]()
	must(t, s.JoinGroup(vrrp6Group))
	must(t, s.Start(own.packet))
	must(t, r.JoinGroup(vrrp6Group))
	must(t, r.Start(in.packet))
	adv := []byte{0x31, 7, 100, 1, 0, 100, 0, 0, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}
	got := await(t, in, pktPayload, adv, func() error { return s.Send(vrrp6Group, adv) })
	if got.TTL != 255 || got.Src != src || got.Dst != vrrp6Group || got.IfIndex != p.bIdx0 {
		t.Errorf("got %+v, want hop limit 255 from %v to %v on %d", got, src, vrrp6Group, p.bIdx0)
	}
	back := []byte("unicast to link-local")
	got = await(t, own, pktPayload, back, func() error { return r.Send(src, back) })
	if got.Dst != src || got.IfIndex != p.aIdx0 || got.TTL != 255 {
		t.Errorf("unicast got %+v", got)
	}
	for len(own.ch) > 0 {
		if q := <-own.ch; q.Src == src {
			t.Errorf("sender got its own packet: %+v", q)
		}
	}
	if err := s.Send(addrA0, adv); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("Send(IPv4) on IP6 = %v, want ErrInvalidAddress", err)
	}
	must(t, r.Close())
	if err := r.Send(src, adv); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Close = %v, want net.ErrClosed", err)
	}
}

// InNamespace runs f inside the namespace and leaves the caller's alone.
func TestInNamespace(t *testing.T) {
	p := newPair(t, false)
	var inside []netip.Prefix
	must(t, InNamespace(p.b.Name(), func() error {
		ifc, err := openIface("veth0", 0, 2 /* AF_INET */, nil)
		if err != nil {
			return err
		}
		defer ifc.close()
		inside = ifc.prefixes()
		return nil
	}))
	if len(inside) != 1 || inside[0] != netip.MustParsePrefix("10.0.0.2/24") {
		t.Errorf("addresses of b/veth0 = %v, want [10.0.0.2/24]", inside)
	}
	// By path, too.
	must(t, InNamespace(p.b.Path(), func() error {
		_, err := net.InterfaceByName("veth0")
		return err
	}))
	want := errors.New("from f")
	if err := InNamespace(p.a.Name(), func() error { return want }); !errors.Is(err, want) {
		t.Errorf("InNamespace error = %v, want f's", err)
	}
	if err := InNamespace("trnosuchns", func() error { return nil }); err == nil {
		t.Error("InNamespace of a missing namespace: no error")
	}
}

package transporttest

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"

	"github.com/switchless/routing"
)

// Pair is two transports of one protocol on one link, made fresh for
// each check by the function given to Run. Neither is started; Run
// starts, uses and closes them.
type Pair struct {
	// A and B are the two ends. Packets A sends to BAddr or to Group
	// (once B joined it) must reach B, and the other way round.
	A, B routing.Transport
	// AAddr and BAddr are the addresses of A's and B's interfaces that
	// packets are sent from and to.
	AAddr, BAddr netip.Addr
	// BIfIndex is the index of B's interface, as B reports it in
	// Packet.IfIndex.
	BIfIndex int
	// Group is a multicast group of the link's family that neither has
	// joined.
	Group netip.Addr
	// UDP says A and B are UDP transports: they must implement
	// routing.UDPTransport, and the source-port checks run.
	UDP bool
	// Flush lets packets in flight arrive: a simulator advances its
	// clock, a real transport sleeps a little. Run calls it repeatedly
	// while waiting for a packet, and a few times before concluding that
	// one did not arrive.
	Flush func()
}

// Run runs every check of the contract, each as a subtest on a fresh
// Pair from newPair. Checks of routing.UDPTransport (source port,
// SendTo) run when Pair.UDP is set.
func Run(t *testing.T, newPair func(t *testing.T) Pair) {
	t.Helper()
	for _, c := range []struct {
		name string
		f    func(*testing.T, Pair)
	}{
		{"Unicast", testUnicast},
		{"PayloadNotRetained", testPayloadNotRetained},
		{"NoSelfDelivery", testNoSelfDelivery},
		{"Multicast", testMulticast},
		{"SendFromDeliver", testSendFromDeliver},
		{"Close", testClose},
		{"UDPSourcePort", testUDPSourcePort},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newPair(t)
			if p.A == nil || p.B == nil || p.Flush == nil {
				t.Fatal("transporttest: Pair needs A, B and Flush")
			}
			c.f(t, p)
		})
	}
}

// inbox collects what a transport delivers, safely across goroutines.
type inbox struct {
	mu   sync.Mutex
	pkts []routing.Packet
}

func (in *inbox) deliver(p routing.Packet) {
	p.Payload = bytes.Clone(p.Payload)
	in.mu.Lock()
	in.pkts = append(in.pkts, p)
	in.mu.Unlock()
}

func (in *inbox) find(payload []byte) (routing.Packet, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, p := range in.pkts {
		if bytes.Equal(p.Payload, payload) {
			return p, true
		}
	}
	return routing.Packet{}, false
}

func (in *inbox) len() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.pkts)
}

const (
	waitFlushes  = 100 // flushes to wait for a packet that must arrive
	quietFlushes = 5   // flushes before concluding one did not
)

// await resends with send after every few flushes (real links may drop
// the first packets of a fresh interface) until payload is in in.
func await(t *testing.T, p Pair, in *inbox, payload []byte, send func() error) routing.Packet {
	t.Helper()
	for i := range waitFlushes {
		if i%10 == 0 {
			if err := send(); err != nil {
				t.Fatalf("send: %v", err)
			}
		}
		p.Flush()
		if got, ok := in.find(payload); ok {
			return got
		}
	}
	t.Fatalf("payload %q never delivered", payload)
	return routing.Packet{}
}

func quiet(p Pair) {
	for range quietFlushes {
		p.Flush()
	}
}

func start(t *testing.T, tr routing.Transport, name string) *inbox {
	t.Helper()
	in := &inbox{}
	if err := tr.Start(in.deliver); err != nil {
		t.Fatalf("%s.Start: %v", name, err)
	}
	return in
}

func closeBoth(t *testing.T, p Pair) {
	t.Cleanup(func() {
		_ = p.A.Close()
		_ = p.B.Close()
	})
}

// Unicast: a packet A sends to BAddr reaches B with the right source,
// destination, interface index and payload.
func testUnicast(t *testing.T, p Pair) {
	closeBoth(t, p)
	start(t, p.A, "A")
	in := start(t, p.B, "B")
	payload := []byte("transporttest unicast")
	got := await(t, p, in, payload, func() error { return p.A.Send(p.BAddr, payload) })
	if got.Src != p.AAddr || got.Dst != p.BAddr {
		t.Errorf("delivered %v -> %v, want %v -> %v", got.Src, got.Dst, p.AAddr, p.BAddr)
	}
	if p.BIfIndex != 0 && got.IfIndex != p.BIfIndex {
		t.Errorf("IfIndex = %d, want %d", got.IfIndex, p.BIfIndex)
	}
	if got.TTL == 0 {
		t.Errorf("TTL = 0: the transport must report the received TTL")
	}
}

// PayloadNotRetained: Send does not keep the caller's buffer; changing it
// after Send changes nothing that arrives.
func testPayloadNotRetained(t *testing.T, p Pair) {
	closeBoth(t, p)
	start(t, p.A, "A")
	in := start(t, p.B, "B")
	want := []byte("transporttest retained?")
	buf := bytes.Clone(want)
	got := await(t, p, in, want, func() error {
		copy(buf, want)
		err := p.A.Send(p.BAddr, buf)
		for i := range buf {
			buf[i] = 'x'
		}
		return err
	})
	if !bytes.Equal(got.Payload, want) {
		t.Errorf("delivered %q, want %q", got.Payload, want)
	}
}

// NoSelfDelivery: a transport does not receive what it sent itself, to a
// group it joined either.
func testNoSelfDelivery(t *testing.T, p Pair) {
	closeBoth(t, p)
	self := start(t, p.A, "A")
	in := start(t, p.B, "B")
	for _, tr := range []routing.Transport{p.A, p.B} {
		if err := tr.JoinGroup(p.Group); err != nil {
			t.Fatalf("JoinGroup(%v): %v", p.Group, err)
		}
	}
	payload := []byte("transporttest self")
	await(t, p, in, payload, func() error { return p.A.Send(p.Group, payload) })
	quiet(p)
	if _, ok := self.find(payload); ok {
		t.Error("A received its own multicast")
	}
}

// Multicast: a group is received only between JoinGroup and LeaveGroup.
func testMulticast(t *testing.T, p Pair) {
	closeBoth(t, p)
	start(t, p.A, "A")
	in := start(t, p.B, "B")
	before := []byte("transporttest before join")
	if err := p.A.Send(p.Group, before); err != nil {
		t.Fatalf("Send to %v: %v", p.Group, err)
	}
	quiet(p)
	if _, ok := in.find(before); ok {
		t.Error("B received a group it had not joined")
	}
	if err := p.B.JoinGroup(p.Group); err != nil {
		t.Fatalf("JoinGroup: %v", err)
	}
	if err := p.B.JoinGroup(p.Group); err != nil {
		t.Errorf("second JoinGroup of the same group: %v, want nil", err)
	}
	joined := []byte("transporttest joined")
	got := await(t, p, in, joined, func() error { return p.A.Send(p.Group, joined) })
	if got.Dst != p.Group {
		t.Errorf("Dst = %v, want the group %v", got.Dst, p.Group)
	}
	if err := p.B.LeaveGroup(p.Group); err != nil {
		t.Fatalf("LeaveGroup: %v", err)
	}
	quiet(p)
	left := []byte("transporttest after leave")
	if err := p.A.Send(p.Group, left); err != nil {
		t.Fatalf("Send: %v", err)
	}
	quiet(p)
	if _, ok := in.find(left); ok {
		t.Error("B received a group it had left")
	}
}

// SendFromDeliver: deliver may call Send (an answer to a request); the
// transport must not deadlock or drop it.
func testSendFromDeliver(t *testing.T, p Pair) {
	closeBoth(t, p)
	in := start(t, p.A, "A")
	req, resp := []byte("transporttest request"), []byte("transporttest response")
	var mu sync.Mutex
	var sendErr error
	if err := p.B.Start(func(pk routing.Packet) {
		if bytes.Equal(pk.Payload, req) {
			err := p.B.Send(pk.Src, resp)
			mu.Lock()
			sendErr = errors.Join(sendErr, err)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("B.Start: %v", err)
	}
	await(t, p, in, resp, func() error { return p.A.Send(p.BAddr, req) })
	mu.Lock()
	defer mu.Unlock()
	if sendErr != nil {
		t.Errorf("Send from inside deliver: %v", sendErr)
	}
}

// Close: afterwards Send, JoinGroup and LeaveGroup fail with
// net.ErrClosed, and nothing is delivered once Close has returned.
func testClose(t *testing.T, p Pair) {
	defer p.A.Close()
	start(t, p.A, "A")
	in := start(t, p.B, "B")
	payload := []byte("transporttest before close")
	await(t, p, in, payload, func() error { return p.A.Send(p.BAddr, payload) })
	if err := p.B.Close(); err != nil {
		t.Fatalf("B.Close: %v", err)
	}
	n := in.len()
	late := []byte("transporttest after close")
	if err := p.A.Send(p.BAddr, late); err != nil {
		t.Fatalf("A.Send to a closed peer: %v (a peer's state is no error of the sender)", err)
	}
	quiet(p)
	if got := in.len(); got != n {
		t.Errorf("%d packets delivered after Close returned", got-n)
	}
	for name, err := range map[string]error{
		"Send":       p.B.Send(p.AAddr, late),
		"JoinGroup":  p.B.JoinGroup(p.Group),
		"LeaveGroup": p.B.LeaveGroup(p.Group),
	} {
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("%s after Close = %v, want net.ErrClosed", name, err)
		}
	}
}

// UDPSourcePort: a UDPTransport reports the source port on receive, and
// SendTo from the transport's port reaches the port a request came from
// (RFC 2453 3.9.1 answers a requester at its port).
func testUDPSourcePort(t *testing.T, p Pair) {
	if !p.UDP {
		t.Skip("not a UDP transport")
	}
	ua, okA := p.A.(routing.UDPTransport)
	ub, okB := p.B.(routing.UDPTransport)
	if !okA || !okB {
		t.Fatal("Pair.UDP is set but A or B does not implement routing.UDPTransport")
	}
	closeBoth(t, p)
	inA := start(t, ua, "A")
	inB := start(t, ub, "B")
	payload := []byte("transporttest port")
	got := await(t, p, inB, payload, func() error { return ua.Send(p.BAddr, payload) })
	if got.SrcPort == 0 {
		t.Fatal("SrcPort = 0 on a UDP transport")
	}
	// Answer to the port the packet came from: it reaches A's transport,
	// whose port it is.
	back := []byte("transporttest answer")
	dst := netip.AddrPortFrom(got.Src, got.SrcPort)
	ans := await(t, p, inA, back, func() error { return ub.SendTo(dst, back) })
	if ans.SrcPort == 0 {
		t.Error("answer arrived with SrcPort 0")
	}
	if err := ub.SendTo(netip.AddrPortFrom(p.AAddr, 0), back); err == nil {
		t.Error("SendTo port 0 = nil, want an error")
	}
}

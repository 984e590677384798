package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/nstest"
)

// multicastLoopback turns multicast loopback on the sending socket on or
// off, so that tests can make the kernel hand a transport its own
// datagrams.
func (t *UDP) multicastLoopback(on bool) error { return t.spc.SetMulticastLoopback(on) }

func (t *UDP6) multicastLoopback(on bool) error { return t.spc.SetMulticastLoopback(on) }

func listenUDP6(t *testing.T, cfg UDPConfig) *UDP6 {
	t.Helper()
	tr, err := ListenUDP6(context.Background(), cfg)
	if err != nil {
		t.Fatalf("ListenUDP6(%+v): %v", cfg, err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// recvQ returns the kernel's receive queue length of the UDP socket on
// port in ns, from `ss`.
func recvQ(t *testing.T, ns *nstest.NS, port int) string {
	t.Helper()
	out := ns.Exec(t, "ss", "-uanH", "sport", "=", fmt.Sprintf(":%d", port))
	f := strings.Fields(out)
	if len(f) < 2 {
		t.Fatalf("ss shows no socket on port %d: %q", port, out)
	}
	return f[1]
}

// BFD over IPv4 (RFC 5881 4, 5): Control packets go to port 3784 from
// the transport's source port with TTL 255; the receiver sees that source
// port and the TTL as received (64 from a sender with the default);
// nothing sent to the source port is delivered or queued; own datagrams
// (from the source port) are dropped; the source port is exclusive and
// freed by Close.
func TestUDP_RFC5881_4_SrcPort(t *testing.T) {
	p := newPair(t, false)
	checkNoLeak(t)
	const srcA, srcB, srcC = PortBFDSrcMin + 48, PortBFDSrcMin + 49, PortBFDSrcMin + 50
	a := listenUDP(t, UDPConfig{Namespace: p.a.Name(), Interface: "veth0", Port: PortBFD, SrcPort: srcA, TTL: 255})
	b := listenUDP(t, UDPConfig{Namespace: p.b.Name(), Interface: "veth0", Port: PortBFD, SrcPort: srcB, TTL: 255})
	if a.Port() != PortBFD || a.SrcPort() != srcA {
		t.Errorf("Port(), SrcPort() = %d, %d, want %d, %d", a.Port(), a.SrcPort(), PortBFD, srcA)
	}
	inA, inB := newInbox[routing.Packet](), newInbox[routing.Packet]()
	must(t, a.Start(inA.packet))
	must(t, b.Start(inB.packet))

	got := await(t, inB, pktPayload, []byte("a to b"), func() error { return a.Send(addrB0, []byte("a to b")) })
	if got.Src != addrA0 || got.SrcPort != srcA || got.Dst != addrB0 || got.TTL != 255 || got.IfIndex != p.bIdx0 {
		t.Errorf("b got %+v, want %v:%d -> %v TTL 255 on %d", got, addrA0, srcA, addrB0, p.bIdx0)
	}
	got = await(t, inA, pktPayload, []byte("b to a"), func() error { return b.Send(addrA0, []byte("b to a")) })
	if got.Src != addrB0 || got.SrcPort != srcB || got.TTL != 255 {
		t.Errorf("a got %+v, want %v:%d TTL 255", got, addrB0, srcB)
	}
	// The kernel's view: a receives on 3784 and sends from srcA.
	out := p.a.Exec(t, "ss", "-uanH")
	for _, port := range []int{PortBFD, srcA} {
		if !strings.Contains(out, fmt.Sprintf("%%veth0:%d ", port)) {
			t.Errorf("ss in a shows no socket bound to veth0 port %d:\n%s", port, out)
		}
	}

	// A sender with the default unicast TTL: the received TTL is 64, which
	// BFD must refuse (RFC 5881 5), so it must be reported as such.
	c := listenUDP(t, UDPConfig{Namespace: p.b.Name(), Interface: "veth0", Port: PortBFD + 10, SrcPort: srcC})
	got = await(t, inA, pktPayload, []byte("ttl 64"), func() error {
		return c.SendTo(netip.AddrPortFrom(addrA0, PortBFD), []byte("ttl 64"))
	})
	if got.TTL != 64 || got.SrcPort != srcC {
		t.Errorf("a got %+v, want TTL 64 from port %d", got, srcC)
	}

	// Datagrams to the source port reach neither deliver nor a queue.
	received := a.Stats().Received
	for range 3 {
		must(t, b.SendTo(netip.AddrPortFrom(addrA0, srcA), []byte("to the source port")))
	}
	time.Sleep(200 * time.Millisecond)
	if q := recvQ(t, p.a, srcA); q != "0" {
		t.Errorf("source port socket has Recv-Q %s, want 0", q)
	}
	if r := a.Stats().Received; r != received {
		t.Errorf("Received went from %d to %d on datagrams to the source port", received, r)
	}

	// Our own multicast, looped back, comes from the source port and is
	// dropped as our own.
	group := netip.MustParseAddr("224.0.0.99")
	must(t, a.JoinGroup(group))
	must(t, a.multicastLoopback(true))
	nstest.Eventually(t, 5*time.Second, func() error {
		if err := a.Send(group, []byte("looped")); err != nil {
			return err
		}
		if s := a.Stats(); s.DroppedOwn == 0 {
			return fmt.Errorf("no own datagram dropped yet: %+v", s)
		}
		return nil
	})
	for len(inA.ch) > 0 {
		if q := <-inA.ch; string(q.Payload) == "looped" {
			t.Errorf("own datagram delivered: %+v", q)
		}
	}

	// The source port is not shared, and Close frees it.
	_, err := ListenUDP(context.Background(), UDPConfig{Namespace: p.a.Name(), Interface: "veth0", Port: PortBFD + 1, SrcPort: srcA})
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("second transport with source port %d: %v, want EADDRINUSE", srcA, err)
	}
	must(t, a.Close())
	again, err := ListenUDP(context.Background(), UDPConfig{Namespace: p.a.Name(), Interface: "veth0", Port: PortBFD, SrcPort: srcA})
	must(t, err)
	must(t, again.Close())
}

// BFD over IPv6 (RFC 5881 4, 5): to a link-local peer from the
// interface's link-local address chosen by the kernel, hop limit 255 as
// received, the source port on the wire; a zone on the destination is
// ignored; to a global peer from the global address; a configured source
// is used; a sender with hop limit 64 is reported as such; own multicast
// is dropped.
func TestUDP6_RFC5881_4_BFD(t *testing.T) {
	p := newPair(t, false)
	checkNoLeak(t)
	for ns, x := range map[*nstest.NS]string{p.a: "a", p.b: "b"} {
		ns.Exec(t, "ip", "-6", "addr", "add", "fe80::"+x+"/64", "dev", "veth0", "nodad")
		ns.Exec(t, "ip", "-6", "addr", "add", "2001:db8::"+x+"/64", "dev", "veth0", "nodad")
	}
	llA, llB := netip.MustParseAddr("fe80::a"), netip.MustParseAddr("fe80::b")
	gA, gB := netip.MustParseAddr("2001:db8::a"), netip.MustParseAddr("2001:db8::b")
	const srcA, srcB, srcC = PortBFDSrcMin + 60, PortBFDSrcMin + 61, PortBFDSrcMin + 62
	a := listenUDP6(t, UDPConfig{Namespace: p.a.Name(), Interface: "veth0", Port: PortBFD, SrcPort: srcA, TTL: 255})
	b := listenUDP6(t, UDPConfig{Namespace: p.b.Name(), Interface: "veth0", Port: PortBFD, SrcPort: srcB, TTL: 255})
	inA, inB := newInbox[routing.Packet](), newInbox[routing.Packet]()
	must(t, a.Start(inA.packet))
	must(t, b.Start(inB.packet))

	got := await(t, inB, pktPayload, []byte("link-local"), func() error { return a.Send(llB, []byte("link-local")) })
	if got.Src != llA || got.SrcPort != srcA || got.Dst != llB || got.TTL != 255 || got.IfIndex != p.bIdx0 {
		t.Errorf("b got %+v, want [%v]:%d -> %v hop limit 255 on %d", got, llA, srcA, llB, p.bIdx0)
	}
	zoned := netip.MustParseAddr("fe80::b%veth0")
	got = await(t, inB, pktPayload, []byte("zoned"), func() error { return a.Send(zoned, []byte("zoned")) })
	if got.Dst != llB || got.SrcPort != srcA {
		t.Errorf("b got %+v from a send to %v", got, zoned)
	}
	got = await(t, inB, pktPayload, []byte("global"), func() error { return a.Send(gB, []byte("global")) })
	if got.Src != gA || got.Dst != gB || got.TTL != 255 {
		t.Errorf("b got %+v, want %v -> %v hop limit 255", got, gA, gB)
	}
	got = await(t, inA, pktPayload, []byte("b to a"), func() error { return b.Send(llA, []byte("b to a")) })
	if got.Src != llB || got.SrcPort != srcB || got.TTL != 255 || got.IfIndex != p.aIdx0 {
		t.Errorf("a got %+v, want [%v]:%d hop limit 255 on %d", got, llB, srcB, p.aIdx0)
	}

	// Default hop limit 64 and a configured (global) source to a
	// link-local destination.
	c := listenUDP6(t, UDPConfig{Namespace: p.b.Name(), Interface: "veth0", Port: PortBFD + 10, SrcPort: srcC, Source: gB})
	if c.Source() != gB || c.SrcPort() != srcC {
		t.Errorf("Source(), SrcPort() = %v, %d", c.Source(), c.SrcPort())
	}
	got = await(t, inA, pktPayload, []byte("hop limit 64"), func() error {
		return c.SendTo(netip.AddrPortFrom(llA, PortBFD), []byte("hop limit 64"))
	})
	if got.TTL != 64 || got.Src != gB || got.SrcPort != srcC {
		t.Errorf("a got %+v, want hop limit 64 from [%v]:%d", got, gB, srcC)
	}

	group := netip.MustParseAddr("ff02::99")
	must(t, a.JoinGroup(group))
	must(t, a.multicastLoopback(true))
	nstest.Eventually(t, 5*time.Second, func() error {
		if err := a.Send(group, []byte("looped")); err != nil {
			return err
		}
		if s := a.Stats(); s.DroppedOwn == 0 {
			return fmt.Errorf("no own datagram dropped yet: %+v", s)
		}
		return nil
	})
	for len(inA.ch) > 0 {
		if q := <-inA.ch; string(q.Payload) == "looped" {
			t.Errorf("own datagram delivered: %+v", q)
		}
	}
	must(t, a.LeaveGroup(group))

	if err := a.Send(addrB0, []byte("x")); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("Send(IPv4) on UDP6 = %v, want ErrInvalidAddress", err)
	}
	if err := a.SendTo(netip.AddrPortFrom(llB, 0), []byte("x")); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("SendTo port 0 = %v, want ErrInvalidAddress", err)
	}
	must(t, a.Close())
	if err := a.Send(llB, []byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Close = %v, want net.ErrClosed", err)
	}
}

func TestListenUDP6Errors(t *testing.T) {
	p := newPair(t, false)
	checkNoLeak(t)
	ctx := context.Background()
	if _, err := ListenUDP6(ctx, UDPConfig{Namespace: p.a.Name(), Interface: "veth0", Source: addrA0}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("IPv4 source: %v, want ErrInvalidConfig", err)
	}
	if _, err := ListenUDP6(ctx, UDPConfig{Namespace: p.a.Name(), Interface: "veth0", Source: netip.MustParseAddr("2001:db8::99")}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("foreign source: %v, want ErrInvalidConfig", err)
	}
	if _, err := ListenUDP6(ctx, UDPConfig{Namespace: p.a.Name(), Interface: "nosuch0"}); !errors.Is(err, ErrNoInterface) {
		t.Errorf("missing interface: %v, want ErrNoInterface", err)
	}
	// IPv4 and IPv6 sockets share the port (IPV6_V6ONLY).
	v4 := listenUDP(t, UDPConfig{Namespace: p.a.Name(), Interface: "veth0", Port: PortBFD, SrcPort: PortBFDSrcMin})
	v6 := listenUDP6(t, UDPConfig{Namespace: p.a.Name(), Interface: "veth0", Port: PortBFD, SrcPort: PortBFDSrcMin})
	must(t, v4.Close())
	must(t, v6.Close())
}

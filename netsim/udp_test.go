package netsim

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// bfdCfg is a BFD single-hop transport: received on 3784, sent from a
// source port of 49152..65535 with TTL 255 (RFC 5881 4, 5).
func bfdCfg(srcPort uint16, v6 bool) TransportConfig {
	return TransportConfig{UDPPort: PortBFD, SrcPort: srcPort, TTL: 255, IPv6: v6}
}

// TestRFC5881_4_SrcPort: a UDP transport with SrcPort sends from it to
// the peer's UDPPort (Send) or to any port (SendTo), the receiver sees the
// sender's source port, and the transport itself still receives on
// UDPPort only, not on SrcPort. IPv4 and IPv6 with link-local sources.
func TestRFC5881_4_SrcPort(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		name := "IPv4"
		if v6 {
			name = "IPv6"
		}
		t.Run(name, func(t *testing.T) { testSrcPort(t, v6) })
	}
}

func testSrcPort(t *testing.T, v6 bool) {
	n, clock := newNet(1)
	var capture bytes.Buffer
	capt, err := n.CapturePcapng(&capture)
	if err != nil {
		t.Fatal(err)
	}
	aAddr, bAddr := pfx("10.0.0.1/30"), pfx("10.0.0.2/30")
	if v6 {
		aAddr, bAddr = pfx("fe80::1/64"), pfx("fe80::2/64")
	}
	a, b, err := n.Link(n.Node("r1"), n.Node("r2"), LinkConfig{
		AAddrs: []netip.Prefix{pfx("2001:db8::1/64"), aAddr},
		BAddrs: []netip.Prefix{bAddr},
	})
	if err != nil {
		t.Fatal(err)
	}
	ra := listen(t, a, bfdCfg(PortBFDSrcMin+1, v6))
	rb := listen(t, b, bfdCfg(PortBFDSrcMin+2, v6))
	// Something listening on a's source port, as another socket would.
	onSrc := listen(t, a, TransportConfig{UDPPort: PortBFDSrcMin + 1, IPv6: v6})

	send(t, ra.t, bAddr.Addr(), []byte("a to b"))
	send(t, rb.t, aAddr.Addr(), []byte("b to a"))
	clock.Advance(0)
	if len(rb.got) != 1 || len(ra.got) != 1 {
		t.Fatalf("b got %d, a got %d packets, want 1 each", len(rb.got), len(ra.got))
	}
	for _, c := range []struct {
		got           arrival
		src, dst      netip.Addr
		sport         uint16
		payload, name string
	}{
		{rb.got[0], aAddr.Addr(), bAddr.Addr(), PortBFDSrcMin + 1, "a to b", "b"},
		{ra.got[0], bAddr.Addr(), aAddr.Addr(), PortBFDSrcMin + 2, "b to a", "a"},
	} {
		p := c.got.pkt
		if p.Src != c.src || p.Dst != c.dst || p.SrcPort != c.sport || p.TTL != 255 || string(p.Payload) != c.payload {
			t.Errorf("%s got %v:%d -> %v TTL %d %q, want %v:%d -> %v TTL 255 %q",
				c.name, p.Src, p.SrcPort, p.Dst, p.TTL, p.Payload, c.src, c.sport, c.dst, c.payload)
		}
	}
	if len(onSrc.got) != 0 {
		t.Errorf("the transport on a's source port got %d packets, want none", len(onSrc.got))
	}

	// SendTo a's source port reaches what listens there, not the BFD
	// transport that sends from it.
	if err := rb.t.SendTo(netip.AddrPortFrom(aAddr.Addr(), PortBFDSrcMin+1), []byte("to src port")); err != nil {
		t.Fatal(err)
	}
	clock.Advance(0)
	if len(onSrc.got) != 1 || onSrc.got[0].pkt.SrcPort != PortBFDSrcMin+2 || string(onSrc.got[0].pkt.Payload) != "to src port" {
		t.Errorf("listener on the source port got %+v, want one packet from port %d", onSrc.got, PortBFDSrcMin+2)
	}
	if len(ra.got) != 1 {
		t.Errorf("BFD transport got %d packets, want still 1: it does not receive on SrcPort", len(ra.got))
	}
	if err := capt.Close(); err != nil {
		t.Fatal(err)
	}

	// On the wire (the capture, decoded by gopacket) the ports are the
	// same.
	want := [][2]layers.UDPPort{
		{PortBFDSrcMin + 1, PortBFD},
		{PortBFDSrcMin + 2, PortBFD},
		{PortBFDSrcMin + 2, PortBFDSrcMin + 1},
	}
	r, err := pcapgo.NewNgReader(&capture, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]layers.UDPPort
	for {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		u, ok := p.TransportLayer().(*layers.UDP)
		if !ok {
			t.Fatalf("captured frame without UDP: %v", p)
		}
		got = append(got, [2]layers.UDPPort{u.SrcPort, u.DstPort})
	}
	if len(got) != len(want) {
		t.Fatalf("captured ports %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("frame %d: ports %v, want %v", i, got[i], want[i])
		}
	}
}

// TestSrcPortZero: without SrcPort a UDP transport sends from UDPPort, as
// RIP requires (RFC 2453 3.9.2), over IPv6 too with the link-local
// source.
func TestSrcPortZero(t *testing.T) {
	n, clock := newNet(1)
	a, b, err := n.Link(n.Node("r1"), n.Node("r2"), LinkConfig{
		AAddrs: []netip.Prefix{pfx("2001:db8::1/64"), pfx("fe80::1/64")},
		BAddrs: []netip.Prefix{pfx("fe80::2/64")},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := TransportConfig{UDPPort: PortBFD, IPv6: true}
	r := listen(t, b, cfg)
	send(t, opener(t, a, cfg), addr("fe80::2"), []byte{1})
	clock.Advance(0)
	if len(r.got) != 1 {
		t.Fatalf("got %d packets, want 1", len(r.got))
	}
	if p := r.got[0].pkt; p.SrcPort != PortBFD || p.Src != addr("fe80::1") || p.TTL != 64 {
		t.Errorf("got %v:%d TTL %d, want fe80::1:%d TTL 64", p.Src, p.SrcPort, p.TTL, PortBFD)
	}
}

package transport

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/transporttest"
)

// The Linux transports meet the routing.Transport contract across a veth
// pair between two namespaces: raw IPv4 (OSPF), raw IPv6 (VRRPv3), UDP
// (RIP, with source ports and SendTo) and UDP over IPv6 (BFD). (A UDP
// transport with a separate SrcPort does not answer on the port it sends
// from, which the contract's SendTo check expects; the BFD tests cover
// it.)
func TestTransportContract(t *testing.T) {
	group4, group6 := netip.MustParseAddr("224.0.0.99"), netip.MustParseAddr("ff02::99")
	for _, tc := range []struct {
		name string
		open func(t *testing.T, p *pair) (a, b routing.Transport, aAddr, bAddr, group netip.Addr)
		udp  bool
	}{
		{"IP/OSPF", func(t *testing.T, p *pair) (routing.Transport, routing.Transport, netip.Addr, netip.Addr, netip.Addr) {
			a := listenIP(t, IPConfig{Namespace: p.a.Name(), Interface: "veth0", Protocol: ProtocolOSPF})
			b := listenIP(t, IPConfig{Namespace: p.b.Name(), Interface: "veth0", Protocol: ProtocolOSPF})
			return a, b, addrA0, addrB0, group4
		}, false},
		{"IP6/VRRP", func(t *testing.T, p *pair) (routing.Transport, routing.Transport, netip.Addr, netip.Addr, netip.Addr) {
			p.a.Exec(t, "ip", "-6", "addr", "add", "fe80::a/64", "dev", "veth0", "nodad")
			p.b.Exec(t, "ip", "-6", "addr", "add", "fe80::b/64", "dev", "veth0", "nodad")
			aAddr, bAddr := netip.MustParseAddr("fe80::a"), netip.MustParseAddr("fe80::b")
			a, err := ListenIP6(context.Background(), IPConfig{Namespace: p.a.Name(), Interface: "veth0", Protocol: ProtocolVRRP, Source: aAddr})
			must(t, err)
			b, err := ListenIP6(context.Background(), IPConfig{Namespace: p.b.Name(), Interface: "veth0", Protocol: ProtocolVRRP, Source: bAddr})
			must(t, err)
			return a, b, aAddr, bAddr, group6
		}, false},
		{"UDP/RIP", func(t *testing.T, p *pair) (routing.Transport, routing.Transport, netip.Addr, netip.Addr, netip.Addr) {
			a := listenUDP(t, UDPConfig{Namespace: p.a.Name(), Interface: "veth0"})
			b := listenUDP(t, UDPConfig{Namespace: p.b.Name(), Interface: "veth0"})
			return a, b, addrA0, addrB0, group4
		}, true},
		{"UDP6/BFD", func(t *testing.T, p *pair) (routing.Transport, routing.Transport, netip.Addr, netip.Addr, netip.Addr) {
			p.a.Exec(t, "ip", "-6", "addr", "add", "fe80::a/64", "dev", "veth0", "nodad")
			p.b.Exec(t, "ip", "-6", "addr", "add", "fe80::b/64", "dev", "veth0", "nodad")
			a := listenUDP6(t, UDPConfig{Namespace: p.a.Name(), Interface: "veth0", Port: PortBFD, TTL: 255})
			b := listenUDP6(t, UDPConfig{Namespace: p.b.Name(), Interface: "veth0", Port: PortBFD, TTL: 255})
			return a, b, netip.MustParseAddr("fe80::a"), netip.MustParseAddr("fe80::b"), group6
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			transporttest.Run(t, func(t *testing.T) transporttest.Pair {
				p := newPair(t, false)
				a, b, aAddr, bAddr, group := tc.open(t, p)
				return transporttest.Pair{
					A: a, B: b, AAddr: aAddr, BAddr: bAddr, BIfIndex: p.bIdx0, Group: group, UDP: tc.udp,
					Flush: func() { time.Sleep(20 * time.Millisecond) },
				}
			})
		})
	}
}

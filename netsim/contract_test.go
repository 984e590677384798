package netsim_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/transporttest"
)

// The simulator's transports meet the routing.Transport contract, raw IP
// and UDP, IPv4 and IPv6, on a point-to-point link and on a segment. (A
// transport with SrcPort is not checked here: the contract's answer to a
// packet's source port reaches whatever listens on that port, which is
// not the sending transport; TestRFC5881_4_SrcPort covers it.)
func TestTransportContract(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     netsim.TransportConfig
		segment bool
	}{
		{"OSPF/p2p", netsim.TransportConfig{IPProto: netsim.ProtoOSPF}, false},
		{"VRRP/segment", netsim.TransportConfig{IPProto: netsim.ProtoVRRP}, true},
		{"VRRPv6/segment", netsim.TransportConfig{IPProto: netsim.ProtoVRRP, IPv6: true}, true},
		{"RIP/p2p", netsim.TransportConfig{UDPPort: netsim.PortRIP}, false},
		{"RIP/segment", netsim.TransportConfig{UDPPort: netsim.PortRIP}, true},
		{"BFDv6/p2p", netsim.TransportConfig{UDPPort: netsim.PortBFD, IPv6: true, TTL: 255}, false},
		{"RIPng/segment", netsim.TransportConfig{UDPPort: 521, IPv6: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			transporttest.Run(t, func(t *testing.T) transporttest.Pair {
				return simPair(t, tc.cfg, tc.segment)
			})
		})
	}
}

func simPair(t *testing.T, cfg netsim.TransportConfig, segment bool) transporttest.Pair {
	clock := routing.NewManualClock(time.Unix(0, 0))
	n := netsim.New(clock, 1, nil)
	pa, pb := netip.MustParsePrefix("10.1.0.1/24"), netip.MustParsePrefix("10.1.0.2/24")
	group := netip.MustParseAddr("224.0.0.99")
	if cfg.IPv6 {
		pa, pb = netip.MustParsePrefix("fe80::1/64"), netip.MustParsePrefix("fe80::2/64")
		group = netip.MustParseAddr("ff02::99")
	}
	var a, b *netsim.Attachment
	if segment {
		seg, err := n.Segment("lan", netsim.SegmentConfig{})
		if err != nil {
			t.Fatal(err)
		}
		if a, err = seg.Attach(n.Node("a"), "eth0", pa); err != nil {
			t.Fatal(err)
		}
		if b, err = seg.Attach(n.Node("b"), "eth0", pb); err != nil {
			t.Fatal(err)
		}
	} else {
		var err error
		a, b, err = n.Link(n.Node("a"), n.Node("b"), netsim.LinkConfig{AAddrs: []netip.Prefix{pa}, BAddrs: []netip.Prefix{pb}})
		if err != nil {
			t.Fatal(err)
		}
	}
	ta, err := a.Transport(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := b.Transport(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return transporttest.Pair{
		A: ta, B: tb, AAddr: pa.Addr(), BAddr: pb.Addr(), BIfIndex: b.Index(), Group: group, UDP: cfg.UDPPort != 0,
		Flush: func() { clock.Advance(time.Millisecond) },
	}
}

package vrrp_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/vrrp"
	"github.com/switchless/routing/vrrp/packet"
)

// Two routers share 192.0.2.100 on a simulated LAN: the higher priority
// becomes Master; when it stops, sending priority 0, the other takes over
// after Skew_Time.
func Example() {
	clock := routing.NewManualClock(time.Time{})
	network := netsim.New(clock, 1, nil)
	lan, _ := network.Segment("lan", netsim.SegmentConfig{})
	start := func(name string, last byte, prio uint8) *vrrp.Router {
		addr := netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 0, 2, last}), 24)
		att, _ := lan.Attach(network.Node(name), "eth0", addr)
		tr, _ := att.Transport(netsim.TransportConfig{IPProto: packet.IPProtocol})
		r, err := vrrp.New(vrrp.Config{
			VRID: 10, Priority: prio, Interface: "eth0", Address: addr,
			VirtualAddresses: []netip.Addr{netip.MustParseAddr("192.0.2.100")},
		}, vrrp.Env{
			Clock:     clock,
			Transport: tr,
			Addresses: vrrp.NewMemoryAddresses(clock, nil),
			OnEvent: func(e vrrp.Event) {
				if t := e.Transition; e.Kind == vrrp.EventTransition {
					fmt.Printf("%s %s -> %s (%s)\n", name, t.From, t.To, t.Reason)
				}
			},
		})
		if err != nil {
			panic(err)
		}
		if err := r.Start(); err != nil {
			panic(err)
		}
		return r
	}
	a := start("a", 1, 200)
	b := start("b", 2, 100)
	clock.Advance(5 * time.Second)
	fmt.Println("master:", b.Master())
	_ = a.Stop(context.Background())
	clock.Advance(time.Second)
	// Output:
	// a Initialize -> Backup (startup)
	// b Initialize -> Backup (startup)
	// a Backup -> Master (master down)
	// master: 192.0.2.1
	// a Master -> Initialize (shutdown)
	// b Backup -> Master (master sent priority 0)
}

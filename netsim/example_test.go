package netsim_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/netsim"
)

// Two routers on a point-to-point link with 2 ms of latency: r1 sends an
// OSPF-style multicast to 224.0.0.5, nothing arrives until the clock
// moves, then r2's transport gets it with r2's interface index and the
// OSPF TTL of 1.
func Example() {
	clock := routing.NewManualClock(time.Time{})
	net := netsim.New(clock, 1, nil)
	r1, r2 := net.Node("r1"), net.Node("r2")
	a, b, err := net.Link(r1, r2, netsim.LinkConfig{
		AAddrs:     []netip.Prefix{netip.MustParsePrefix("10.0.0.1/30")},
		BAddrs:     []netip.Prefix{netip.MustParsePrefix("10.0.0.2/30")},
		Conditions: netsim.Conditions{Latency: 2 * time.Millisecond},
	})
	if err != nil {
		panic(err)
	}
	allSPF := netip.MustParseAddr("224.0.0.5")

	rx, _ := b.Transport(netsim.TransportConfig{IPProto: netsim.ProtoOSPF})
	_ = rx.JoinGroup(allSPF)
	_ = rx.Start(func(p routing.Packet) {
		fmt.Printf("%s: %s on ifindex %d from %v to %v TTL %d: %q\n",
			clock.Now().Format("15:04:05.000"), b, p.IfIndex, p.Src, p.Dst, p.TTL, p.Payload)
	})

	tx, _ := a.Transport(netsim.TransportConfig{IPProto: netsim.ProtoOSPF})
	_ = tx.Send(allSPF, []byte("hello"))
	fmt.Println("after Send:", clock.Pending(), "packet in flight")
	clock.Advance(10 * time.Millisecond)
	fmt.Println(a.Link().Stats())
	// Output:
	// after Send: 1 packet in flight
	// 00:00:00.002: r2/eth0 on ifindex 3 from 10.0.0.1 to 224.0.0.5 TTL 1: "hello"
	// sent=1 delivered=1 duplicated=0 reordered=0 drop.loss=0 drop.mtu=0 drop.cut=0 drop.crash=0 drop.no-listener=0
}

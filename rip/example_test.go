package rip_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/rip"
)

// Two routers on a simulated link: r1 announces a service address (as
// the anycast announcer does; r1's triggered updates are damped after
// the one at start, so r2 hears it in the answer to its start-up
// request), r2 learns it at metric 2 and installs it in its FIB; r1's
// graceful stop withdraws it at once.
func Example() {
	clock := routing.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	net := netsim.New(clock, 1, nil)
	p1, p2 := netip.MustParsePrefix("10.0.0.1/30"), netip.MustParsePrefix("10.0.0.2/30")
	a, b, err := net.Link(net.Node("r1"), net.Node("r2"), netsim.LinkConfig{
		AAddrs: []netip.Prefix{p1}, BAddrs: []netip.Prefix{p2},
		Conditions: netsim.Conditions{Latency: time.Millisecond},
	})
	if err != nil {
		panic(err)
	}
	start := func(att *netsim.Attachment, p netip.Prefix, sink fib.Sink) *rip.Instance {
		tr, err := att.Transport(netsim.TransportConfig{UDPPort: netsim.PortRIP})
		if err != nil {
			panic(err)
		}
		cfg := rip.Config{Interfaces: []rip.InterfaceConfig{{Name: att.Name(), IfIndex: att.Index(), Prefix: p}}}
		inst, err := rip.New(cfg, rip.Env{
			Clock:      clock,
			Transports: map[string]routing.UDPTransport{att.Name(): tr},
			FIB:        sink,
			OnEvent: func(e rip.Event) {
				if e.Prefix.Bits() == 32 {
					fmt.Printf("%s %s: %v\n", clock.Now().Format("15:04:05.000"), att.Node(), e)
				}
			},
		})
		if err != nil {
			panic(err)
		}
		if err := inst.Start(); err != nil {
			panic(err)
		}
		return inst
	}
	r1 := start(a, p1, nil)
	r2fib := fib.NewMemory()
	start(b, p2, r2fib)

	service := netip.MustParsePrefix("198.51.100.10/32")
	if err := r1.Announce(service, 1, 0); err != nil {
		panic(err)
	}
	clock.Advance(time.Second)
	fmt.Print(r2fib)

	if err := r1.Stop(context.Background()); err != nil {
		panic(err)
	}
	clock.Advance(time.Second)
	fmt.Printf("r2 FIB holds %d routes\n", r2fib.Len())
	// Output:
	// 00:00:00.000 r1: route-added 198.51.100.10/32 metric 1 via []
	// 00:00:00.002 r2: route-added 198.51.100.10/32 metric 2 via [10.0.0.1]
	// 198.51.100.10/32 via 10.0.0.1 dev 3 proto rip metric 2
	// 00:00:01.001 r2: route-removed 198.51.100.10/32 metric 16 via []
	// r2 FIB holds 0 routes
}

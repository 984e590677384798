package fib_test

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/switchless/routing/fib"
)

func ExampleMemory() {
	ctx := context.Background()
	m := fib.NewMemory()
	for _, r := range []fib.Route{
		{
			Prefix:   netip.MustParsePrefix("0.0.0.0/0"),
			NextHops: []fib.NextHop{{Gateway: netip.MustParseAddr("192.0.2.1"), IfIndex: 2}},
			Protocol: fib.ProtocolStatic,
		},
		{
			Prefix: netip.MustParsePrefix("10.1.0.0/16"),
			NextHops: []fib.NextHop{ // ECMP, two thirds of the flows via 10.0.0.2
				{Gateway: netip.MustParseAddr("10.0.1.2"), IfIndex: 4},
				{Gateway: netip.MustParseAddr("10.0.0.2"), IfIndex: 3, Weight: 2},
			},
			Metric:   20,
			Protocol: fib.ProtocolOSPF,
		},
		{
			Prefix:   netip.MustParsePrefix("10.1.99.0/24"),
			Type:     fib.TypeBlackhole,
			Protocol: fib.ProtocolOSPF,
		},
	} {
		if err := m.Replace(ctx, r); err != nil {
			fmt.Println(err)
		}
	}
	for _, dst := range []string{"10.1.2.3", "10.1.99.1", "203.0.113.9"} {
		r, _ := m.Lookup(0, netip.MustParseAddr(dst))
		fmt.Printf("%s -> %s\n", dst, r.Prefix)
	}
	fmt.Print(m)
	// Output:
	// 10.1.2.3 -> 10.1.0.0/16
	// 10.1.99.1 -> 10.1.99.0/24
	// 203.0.113.9 -> 0.0.0.0/0
	// 0.0.0.0/0 via 192.0.2.1 dev 2 proto static
	// 10.1.0.0/16 proto ospf metric 20 nexthop via 10.0.0.2 dev 3 weight 2 nexthop via 10.0.1.2 dev 4 weight 1
	// blackhole 10.1.99.0/24 proto ospf
}

func ExampleSync() {
	ctx := context.Background()
	m := fib.NewMemory()
	route := func(p string, gw string) fib.Route {
		return fib.Route{Prefix: netip.MustParsePrefix(p), Protocol: fib.ProtocolRIP,
			NextHops: []fib.NextHop{{Gateway: netip.MustParseAddr(gw), IfIndex: 2}}}
	}
	res, _ := fib.Sync(ctx, m, []fib.Route{route("10.1.0.0/16", "192.0.2.1"), route("10.2.0.0/16", "192.0.2.1")})
	fmt.Println(res)
	// The RIP table moved one route and lost the other.
	res, _ = fib.Sync(ctx, m, []fib.Route{route("10.1.0.0/16", "192.0.2.7")})
	fmt.Println(res)
	res, _ = fib.Sync(ctx, m, []fib.Route{route("10.1.0.0/16", "192.0.2.7")})
	fmt.Println(res)
	fmt.Print(m)
	// Output:
	// 2 added, 0 changed, 0 deleted
	// 0 added, 1 changed, 1 deleted
	// 0 added, 0 changed, 0 deleted
	// 10.1.0.0/16 via 192.0.2.7 dev 2 proto rip
}

func ExampleRoute_Validate() {
	r := fib.Route{
		Prefix: netip.MustParsePrefix("10.1.0.0/16"),
		NextHops: []fib.NextHop{
			{Gateway: netip.MustParseAddr("10.0.0.2"), IfIndex: 3},
			{Gateway: netip.MustParseAddr("2001:db8::2"), IfIndex: 4},
		},
	}
	fmt.Println(r.Validate())
	// Output:
	// fib: route 10.1.0.0/16: NextHops[1].Gateway: 2001:db8::2 is not of the prefix's address family
}

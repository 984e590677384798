package anycast_test

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/anycast"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/health"
)

// A service whose check is a function, announced into an in-memory FIB on
// a virtual clock: up after rise rounds, then drained by maintenance.
func Example() {
	clock := routing.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	table := fib.NewMemory()
	vip := netip.MustParsePrefix("203.0.113.25/32")
	inst, err := anycast.New(anycast.Config{Services: []anycast.ServiceConfig{{
		Name:      "smtp",
		Prefixes:  []netip.Prefix{vip},
		Checkers:  []health.Checker{health.CheckFunc(func(context.Context) error { return nil })},
		Interval:  100 * time.Millisecond,
		DrainTime: time.Second,
	}}}, anycast.Env{
		Clock:     clock,
		Announcer: anycast.NewFIBAnnouncer(table, fib.Route{NextHops: []fib.NextHop{{Gateway: netip.MustParseAddr("10.0.0.10")}}}, 0),
		Addresses: anycast.NewMemoryAddresses(clock, nil),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	inst.Start()
	clock.Advance(100 * time.Millisecond) // rise 2: rounds at 0 and 100 ms
	st := inst.Services()[0]
	r, _ := table.Get(0, vip)
	fmt.Println(st.State, st.Prefixes[0].Metric, r.Protocol)

	// The drain: announced at the drain metric for DrainTime, so that
	// the routers move to another replica while this one still answers;
	// then withdrawn, and the alias removed.
	inst.SetMaintenance("smtp", true)
	r, _ = table.Get(0, vip)
	fmt.Println(inst.Services()[0].State, r.Metric, inst.Services()[0].Prefixes[0].Aliased)
	clock.Advance(time.Second)
	_, announced := table.Get(0, vip)
	fmt.Println(announced, inst.Services()[0].Prefixes[0].Aliased)
	// Output:
	// up 1 anycast
	// maintenance 12 true
	// false false
}

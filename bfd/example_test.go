package bfd_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/netsim"
)

// Two BFD instances on a simulated link, 50 ms × 3: the session comes
// Up, and when one side goes silent the other's client is told within
// the detection time.
func Example() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := routing.NewManualClock(start)
	net := netsim.New(clock, 1, nil)
	x, y, _ := net.Link(net.Node("a"), net.Node("b"), netsim.LinkConfig{
		AAddrs: []netip.Prefix{netip.MustParsePrefix("10.9.0.1/30")},
		BAddrs: []netip.Prefix{netip.MustParsePrefix("10.9.0.2/30")},
	})
	mk := func(att *netsim.Attachment, seed uint64) *bfd.Instance {
		tr, _ := att.Transport(netsim.TransportConfig{UDPPort: netsim.PortBFD, SrcPort: netsim.PortBFDSrcMin, TTL: 255})
		in, err := bfd.New(bfd.Config{
			Interfaces: []bfd.InterfaceConfig{{Name: att.Name(), MinTx: 50 * time.Millisecond, MinRx: 50 * time.Millisecond}},
			Seed:       seed,
		}, bfd.Env{Clock: clock, Transports: map[string]routing.UDPTransport{att.Name(): tr}})
		if err != nil {
			panic(err)
		}
		_ = in.Start()
		return in
	}
	a, b := mk(x, 1), mk(y, 2)
	_, _ = a.Watch(x.Name(), netip.Addr{}, netip.MustParseAddr("10.9.0.2"), func(up bool) {
		fmt.Printf("%v: a's client told up=%v\n", clock.Now().Sub(start).Round(10*time.Millisecond), up)
	})
	_, _ = b.Watch(y.Name(), netip.Addr{}, netip.MustParseAddr("10.9.0.1"), func(bool) {})
	clock.Advance(5 * time.Second)
	s := a.Sessions()[0]
	fmt.Println(s.State, s.TxInterval, s.DetectTime)

	net.Node("b").Crash() // silent
	fmt.Println("b crashes at", clock.Now().Sub(start))
	clock.Advance(time.Second)
	fmt.Println(a.Sessions()[0].State, a.Sessions()[0].LastDownDiag)
	// Output:
	// 0s: a's client told up=true
	// Up 50ms 150ms
	// b crashes at 5s
	// 5.15s: a's client told up=false
	// Down control-detection-time-expired
}

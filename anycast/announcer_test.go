package anycast

import (
	"net/netip"
	"testing"

	"github.com/switchless/routing/fib"
)

func TestFIBAnnouncer(t *testing.T) {
	m := fib.NewMemory()
	gw := netip.MustParseAddr("10.0.0.10")
	a := NewFIBAnnouncer(m, fib.Route{NextHops: []fib.NextHop{{Gateway: gw}}, Table: 100}, 0)
	if err := a.AnnouncePrefix(vip, 3); err != nil {
		t.Fatal(err)
	}
	r, ok := m.Get(100, vip)
	if !ok || r.Metric != 3 || r.Protocol != fib.ProtocolAnycast || r.NextHops[0].Gateway != gw {
		t.Fatalf("route %v %v", r, ok)
	}
	if err := a.AnnouncePrefix(vip, 16); err != nil {
		t.Fatal(err)
	}
	if r, _ := m.Get(100, vip); r.Metric != 16 {
		t.Fatalf("metric %d after re-announce", r.Metric)
	}
	if err := a.WithdrawPrefix(vip); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Get(100, vip); ok {
		t.Fatal("route left after withdraw")
	}
	if err := a.WithdrawPrefix(vip); err != nil {
		t.Fatalf("second withdraw: %v", err)
	}
	// A template the sink refuses is reported, not panicked on.
	bad := NewFIBAnnouncer(m, fib.Route{}, 0)
	if err := bad.AnnouncePrefix(vip, 1); err == nil {
		t.Fatal("a unicast route without next hops was accepted")
	}
}

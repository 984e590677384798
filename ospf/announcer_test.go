package ospf

import (
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing"
)

// The anycast announcer: a service /32 becomes an AS-external route
// (§12.4.4) of type 2 by default, of the chosen type and tag through
// ExternalAnnouncer, and is flushed on withdrawal.
func TestAnnouncePrefixAsExternal(t *testing.T) {
	in, err := New(validConfig(), Env{Clock: routing.NewManualClock(time.Time{}),
		Transports: map[string]routing.Transport{"eth0": &fakeTransport{}, "eth1": &fakeTransport{}}})
	if err != nil {
		t.Fatal(err)
	}
	vip := netip.MustParsePrefix("203.0.113.25/32")
	find := func() (ExternalRoute, bool) {
		for _, r := range in.ExternalRoutes() {
			if r.Prefix == vip {
				return r, true
			}
		}
		return ExternalRoute{}, false
	}
	if err := in.AnnouncePrefix(vip, 3); err != nil {
		t.Fatal(err)
	}
	if r, ok := find(); !ok || r.Metric != 3 || !r.MetricType.isType2() {
		t.Fatalf("announced %+v %v, want type 2 metric 3", r, ok)
	}
	e1 := ExternalAnnouncer{Instance: in, MetricType: MetricType1, Tag: 25}
	if err := e1.AnnouncePrefix(vip, 16); err != nil {
		t.Fatal(err)
	}
	if r, _ := find(); r.Metric != 16 || r.MetricType != MetricType1 || r.Tag != 25 {
		t.Fatalf("re-announced %+v, want type 1 metric 16 tag 25", r)
	}
	if err := e1.WithdrawPrefix(vip); err != nil {
		t.Fatal(err)
	}
	if _, ok := find(); ok {
		t.Fatal("still advertised after withdrawal")
	}
	if err := in.WithdrawPrefix(vip); err != nil {
		t.Fatalf("withdrawing twice: %v", err)
	}
	if err := in.AnnouncePrefix(netip.MustParsePrefix("2001:db8::1/128"), 1); err == nil {
		t.Fatal("an IPv6 prefix was accepted by OSPFv2")
	}
}

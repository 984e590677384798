package ospf

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/ospf/packet"
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

// TestStubAnnouncer_RFC2328_12_4_1_HostRoute: two replicas b and c of a
// service, each one hop from router a (cost 10 both ways), announce the
// VIP as a host route of their router-LSA (§12.4.1 type 3 link: Link ID
// the address, Link Data 0xffffffff, the metric its cost), b at 1 and c
// at 3. a's routing table (§16.1 stage 2, intra-area) and its FIB reach
// b at cost 11; b's withdrawal (its router-LSA originated again without
// the link, §12.4) moves a to c at cost 13; a new metric on c changes the
// cost only; c's withdrawal as well takes the route away; b's return
// brings it back through b.
func TestStubAnnouncer_RFC2328_12_4_1_HostRoute(t *testing.T) {
	s := newSim(t, 1)
	for i, name := range []string{"a", "b", "c"} {
		s.router(name, fmt.Sprintf("10.255.0.%d", i+1))
	}
	cond := netsim.Conditions{Latency: time.Millisecond}
	fast := func(ic *InterfaceConfig) { ic.HelloInterval, ic.RouterDeadInterval = time.Second, 4*time.Second }
	s.link("a", "b", "10.0.1.0/30", cond, fast)
	s.link("a", "c", "10.0.2.0/30", cond, fast)
	mem := fib.NewMemory()
	s.r("a").fib = mem
	quick := func(c *Config) { c.MinLSInterval, c.MinLSArrival = 100*time.Millisecond, 100*time.Millisecond }
	for _, name := range s.order {
		s.startWith(name, quick)
	}
	s.until(30*time.Second, "adjacencies", s.fullCount(map[string]int{"a": 2, "b": 1, "c": 1}))

	vip := netip.MustParsePrefix("198.18.0.25/32")
	annB, annC := StubAnnouncer{Instance: s.r("b").in}, StubAnnouncer{Instance: s.r("c").in}
	if err := annB.AnnouncePrefix(vip, 1); err != nil {
		t.Fatal(err)
	}
	if err := annC.AnnouncePrefix(vip, 3); err != nil {
		t.Fatal(err)
	}
	if got := s.r("b").in.StubRoutes(); len(got) != 1 || got[0] != (StubRoute{Prefix: vip, Cost: 1}) {
		t.Errorf("b's StubRoutes = %+v", got)
	}
	// via is a's route to the VIP: through gw at cost, in the FIB too.
	via := func(gw string, cost uint32) func() error {
		return func() error {
			e, ok := s.r("a").in.RoutingTable().Lookup(vip)
			if !ok {
				return fmt.Errorf("a has no route to %v", vip)
			}
			if e.PathType != PathIntraArea || e.Cost != cost || len(e.NextHops) != 1 || e.NextHops[0].Gateway.String() != gw {
				return fmt.Errorf("a's route %+v, want intra-area via %s cost %d", e, gw, cost)
			}
			fr, ok := mem.Get(0, vip)
			if !ok || len(fr.NextHops) != 1 || fr.NextHops[0].Gateway.String() != gw {
				return fmt.Errorf("a's FIB route %+v (present %v), want via %s", fr, ok, gw)
			}
			return nil
		}
	}
	gone := func() error {
		if e, ok := s.r("a").in.RoutingTable().Lookup(vip); ok {
			return fmt.Errorf("a still routes the VIP: %+v", e)
		}
		if _, ok := mem.Get(0, vip); ok {
			return fmt.Errorf("a's FIB still has the VIP")
		}
		return nil
	}
	s.until(10*time.Second, "VIP via b", via("10.0.1.2", 11))

	// b's router-LSA as a has it carries the host link.
	lsa, ok := routerLSA(s.r("a").in, "10.255.0.2")
	if !ok {
		t.Fatal("a lacks b's router-LSA")
	}
	found := false
	for _, l := range lsa.Links {
		if l.Type == packet.LinkStub && l.ID == vip.Addr() {
			found = true
			if l.Data != netip.MustParseAddr("255.255.255.255") || l.Metric != 1 {
				t.Errorf("b's host link %+v, want Link Data 255.255.255.255 metric 1", l)
			}
		}
	}
	if !found {
		t.Errorf("b's router-LSA lacks a stub link for the VIP: %v", linkTypes(lsa))
	}

	if err := annB.WithdrawPrefix(vip); err != nil {
		t.Fatal(err)
	}
	s.until(10*time.Second, "VIP via c after b's withdrawal", via("10.0.2.2", 13))
	if err := annC.AnnouncePrefix(vip, 7); err != nil {
		t.Fatal(err)
	}
	s.until(10*time.Second, "c's new metric", via("10.0.2.2", 17))
	if err := annC.WithdrawPrefix(vip); err != nil {
		t.Fatal(err)
	}
	s.until(10*time.Second, "VIP gone after both withdrew", gone)
	if err := annC.WithdrawPrefix(vip); err != nil {
		t.Errorf("withdrawing twice: %v", err)
	}
	if err := annB.AnnouncePrefix(vip, 1); err != nil {
		t.Fatal(err)
	}
	s.until(10*time.Second, "VIP via b again", via("10.0.1.2", 11))
}

// The stub announcer refuses what a router-LSA link cannot carry: a cost
// of 0 or above 16 bits (RFC 2328 §A.4.2), a non-IPv4 prefix, host bits.
func TestStubAnnouncer_RFC2328_A_4_2_Bounds(t *testing.T) {
	in, err := New(validConfig(), Env{Clock: routing.NewManualClock(time.Time{}),
		Transports: map[string]routing.Transport{"eth0": &fakeTransport{}, "eth1": &fakeTransport{}}})
	if err != nil {
		t.Fatal(err)
	}
	a := StubAnnouncer{Instance: in}
	vip := netip.MustParsePrefix("203.0.113.25/32")
	for _, c := range []struct {
		p      string
		metric uint32
	}{{"203.0.113.25/32", 0}, {"203.0.113.25/32", MaxLinkMetric + 1}, {"2001:db8::1/128", 1}, {"203.0.113.1/24", 1}} {
		if err := a.AnnouncePrefix(netip.MustParsePrefix(c.p), c.metric); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("AnnouncePrefix(%s, %d) = %v, want ErrInvalidConfig", c.p, c.metric, err)
		}
	}
	if err := a.AnnouncePrefix(vip, MaxLinkMetric); err != nil {
		t.Errorf("cost %d: %v", MaxLinkMetric, err)
	}
	if got := in.StubRoutes(); len(got) != 1 || got[0].Cost != MaxLinkMetric {
		t.Errorf("StubRoutes = %+v", got)
	}
	l := in.buildRouterLSA()
	if n := len(l.Router.Links); n == 0 || !reflect.DeepEqual(l.Router.Links[n-1], packet.RouterLink{ID: vip.Addr(), Data: packet.Mask(32), Type: packet.LinkStub, Metric: MaxLinkMetric}) {
		t.Errorf("router-LSA links %+v, want the host link last", l.Router.Links)
	}
	if !in.RemoveStub(vip) || in.RemoveStub(vip) {
		t.Error("RemoveStub: want true, then false")
	}
}

package fib_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/fib/fibtest"
)

var (
	mp  = netip.MustParsePrefix
	ma  = netip.MustParseAddr
	gw1 = fib.NextHop{Gateway: ma("192.0.2.1"), IfIndex: 2}
	gw2 = fib.NextHop{Gateway: ma("192.0.2.2"), IfIndex: 2}
	gw3 = fib.NextHop{Gateway: ma("198.51.100.1"), IfIndex: 3}
)

func TestValidateAccepts(t *testing.T) {
	for _, r := range []fib.Route{
		{Prefix: mp("10.0.0.0/8"), NextHops: []fib.NextHop{gw1}},
		{Prefix: mp("0.0.0.0/0"), NextHops: []fib.NextHop{{IfIndex: 1}}},
		{Prefix: mp("10.0.0.1/32"), NextHops: []fib.NextHop{gw1, gw2, gw3}, Metric: 1<<32 - 1, Table: fib.MaxTable},
		{Prefix: mp("2001:db8::/32"), NextHops: []fib.NextHop{{Gateway: ma("fe80::1"), IfIndex: 4, Weight: fib.MaxWeight}}},
		{Prefix: mp("::/0"), NextHops: []fib.NextHop{{Gateway: ma("2001:db8::1")}}},
		{Prefix: mp("10.0.0.0/8"), Type: fib.TypeBlackhole, Protocol: fib.ProtocolAnycast},
		// The same gateway on two interfaces is two next hops.
		{Prefix: mp("2001:db8::/32"), NextHops: []fib.NextHop{{Gateway: ma("fe80::1"), IfIndex: 4}, {Gateway: ma("fe80::1"), IfIndex: 5}}},
	} {
		if err := r.Validate(); err != nil {
			t.Errorf("Validate(%v) = %v, want nil", r, err)
		}
	}
}

func TestValidateRejectsNamingTheField(t *testing.T) {
	for _, c := range fibtest.InvalidRoutes(fibtest.MemoryEnv()) {
		err := c.Route.Validate()
		var re *fib.RouteError
		if !errors.Is(err, fib.ErrInvalidRoute) || !errors.As(err, &re) || re.Field != c.Field {
			t.Errorf("Validate(%+v) = %v, want ErrInvalidRoute naming %s", c.Route, err, c.Field)
		}
	}
	for _, c := range []struct {
		r    fib.Route
		want string
	}{
		{fib.Route{Prefix: mp("10.0.0.1/8"), NextHops: []fib.NextHop{gw1}},
			"fib: route 10.0.0.1/8: Prefix: host bits set (the network is 10.0.0.0/8)"},
		{fib.Route{Prefix: mp("10.0.0.0/8")}, "fib: route 10.0.0.0/8: NextHops: no next hop"},
		{fib.Route{Prefix: mp("10.0.0.0/8"), NextHops: []fib.NextHop{gw1, {Gateway: ma("2001:db8::1")}}},
			"fib: route 10.0.0.0/8: NextHops[1].Gateway: 2001:db8::1 is not of the prefix's address family"},
		{fib.Route{Prefix: mp("2001:db8::/32"), NextHops: []fib.NextHop{{Gateway: ma("10.0.0.1")}}},
			"fib: route 2001:db8::/32: NextHops[0].Gateway: 10.0.0.1 is not of the prefix's address family"},
		{fib.Route{Prefix: mp("10.0.0.0/8"), NextHops: []fib.NextHop{gw1, gw2, gw1}},
			"fib: route 10.0.0.0/8: NextHops[2]: duplicates NextHops[0]"},
		{fib.Route{Prefix: mp("10.0.0.0/8"), NextHops: []fib.NextHop{{Weight: 1}}},
			"fib: route 10.0.0.0/8: NextHops[0]: neither Gateway nor IfIndex set"},
		{fib.Route{Prefix: mp("10.0.0.0/8"), NextHops: []fib.NextHop{gw1}, Table: -3},
			"fib: route 10.0.0.0/8: Table: -3 out of range 0..4294967295"},
		{fib.Route{NextHops: []fib.NextHop{gw1}}, "fib: route invalid Prefix: Prefix: invalid prefix"},
		{fib.Route{Prefix: mp("2001:db8::/32"), NextHops: []fib.NextHop{{Gateway: ma("::ffff:10.0.0.1")}}},
			"fib: route 2001:db8::/32: NextHops[0].Gateway: IPv4-mapped ::ffff:10.0.0.1; use the IPv4 form with an IPv4 prefix"},
	} {
		if err := c.r.Validate(); err == nil || err.Error() != c.want {
			t.Errorf("Validate(%+v) =\n  %v\nwant\n  %s", c.r, err, c.want)
		}
	}
}

func TestCanonicalAndEqual(t *testing.T) {
	a := fib.Route{Prefix: mp("10.0.0.0/8"), Metric: 5, NextHops: []fib.NextHop{gw3, gw1, {Gateway: gw2.Gateway, IfIndex: 2, Weight: 4}}}
	b := fib.Route{Prefix: mp("10.0.0.0/8"), Metric: 5, Table: fib.TableMain, NextHops: []fib.NextHop{{Gateway: gw2.Gateway, IfIndex: 2, Weight: 4}, {Gateway: gw1.Gateway, IfIndex: 2, Weight: 1}, gw3}}
	if !a.Equal(b) || !b.Equal(a) {
		t.Fatalf("%v and %v should be Equal", a, b)
	}
	c := a.Canonical()
	if c.Table != 0 || c.NextHops[0] != (fib.NextHop{Gateway: gw1.Gateway, IfIndex: 2, Weight: 1}) || c.NextHops[2].Gateway != gw3.Gateway {
		t.Fatalf("Canonical = %+v", c)
	}
	c.NextHops[0].IfIndex = 99
	if a.NextHops[1].IfIndex != 2 {
		t.Fatal("Canonical shares next hops with its receiver")
	}
	for _, d := range []fib.Route{
		{Prefix: mp("10.0.0.0/8"), Metric: 6, NextHops: a.NextHops},
		{Prefix: mp("10.0.0.0/9"), Metric: 5, NextHops: a.NextHops},
		{Prefix: mp("10.0.0.0/8"), Metric: 5, Table: 1, NextHops: a.NextHops},
		{Prefix: mp("10.0.0.0/8"), Metric: 5, Protocol: fib.ProtocolRIP, NextHops: a.NextHops},
		{Prefix: mp("10.0.0.0/8"), Metric: 5, NextHops: a.NextHops[:2]},
		{Prefix: mp("10.0.0.0/8"), Metric: 5, NextHops: []fib.NextHop{gw3, gw1, {Gateway: gw2.Gateway, IfIndex: 2, Weight: 5}}},
	} {
		if a.Equal(d) {
			t.Errorf("%v should not Equal %v", a, d)
		}
	}
	// A single next hop has no weight to speak of.
	one := fib.Route{Prefix: mp("10.0.0.0/8"), NextHops: []fib.NextHop{{Gateway: gw1.Gateway, IfIndex: 2, Weight: 9}}}
	if !one.Equal(fib.Route{Prefix: mp("10.0.0.0/8"), NextHops: []fib.NextHop{gw1}}) {
		t.Error("single-hop weights should not matter")
	}
	// The IPv6 default metric, not the IPv4 one.
	v6 := fib.Route{Prefix: mp("2001:db8::/32"), NextHops: []fib.NextHop{{IfIndex: 2}}}
	v6m := v6
	v6m.Metric = fib.DefaultIPv6Metric
	if !v6.Equal(v6m) || v6m.Canonical().Metric != 0 {
		t.Error("IPv6 metric 1024 should be canonicalised to 0")
	}
	v4m := a
	v4m.Metric = fib.DefaultIPv6Metric
	if v4m.Canonical().Metric != fib.DefaultIPv6Metric {
		t.Error("IPv4 metric 1024 is not a default")
	}
	if r := (fib.Route{Prefix: mp("10.0.0.0/8"), Type: fib.TypeBlackhole, NextHops: []fib.NextHop{}}).Canonical(); r.NextHops != nil {
		t.Error("empty NextHops should be canonicalised to nil")
	}
}

func TestRouteString(t *testing.T) {
	for _, c := range []struct {
		r    fib.Route
		want string
	}{
		{fib.Route{Prefix: mp("10.0.1.0/24"), NextHops: []fib.NextHop{gw1}}, "10.0.1.0/24 via 192.0.2.1 dev 2"},
		{fib.Route{Prefix: mp("10.0.1.0/24"), NextHops: []fib.NextHop{{IfIndex: 7}}, Protocol: fib.ProtocolConnected}, "10.0.1.0/24 dev 7 proto connected"},
		{fib.Route{Prefix: mp("10.0.1.0/24"), NextHops: []fib.NextHop{{Gateway: ma("192.0.2.1")}}, Table: 100, Protocol: fib.ProtocolStatic, Metric: 3},
			"10.0.1.0/24 via 192.0.2.1 table 100 proto static metric 3"},
		{fib.Route{Prefix: mp("10.0.1.0/24"), NextHops: []fib.NextHop{gw3, {Gateway: gw1.Gateway, IfIndex: 2, Weight: 2}}, Protocol: fib.ProtocolOSPF, Metric: 20},
			"10.0.1.0/24 proto ospf metric 20 nexthop via 192.0.2.1 dev 2 weight 2 nexthop via 198.51.100.1 dev 3 weight 1"},
		{fib.Route{Prefix: mp("0.0.0.0/0"), Type: fib.TypeBlackhole, Table: 254}, "blackhole 0.0.0.0/0"},
		{fib.Route{Prefix: mp("2001:db8::/32"), Type: fib.TypeUnreachable, Metric: 1024, Protocol: fib.ProtocolRIP}, "unreachable 2001:db8::/32 proto rip"},
	} {
		if got := c.r.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

func TestProtocolAndTypeNames(t *testing.T) {
	for p := fib.ProtocolUnspec; p <= fib.ProtocolAnycast; p++ {
		q, err := fib.ParseProtocol(p.String())
		if err != nil || q != p {
			t.Errorf("ParseProtocol(%q) = %v, %v", p.String(), q, err)
		}
	}
	if _, err := fib.ParseProtocol("bgp"); err == nil {
		t.Error("ParseProtocol(bgp) succeeded")
	}
	if s := fib.Protocol(77).String(); s != "proto(77)" {
		t.Errorf("unknown protocol prints %q", s)
	}
	if s := fib.TypeProhibit.String() + fib.Type(9).String(); s != "prohibittype(9)" {
		t.Errorf("types print %q", s)
	}
}

func TestCompare(t *testing.T) {
	ordered := []fib.Route{
		{Prefix: mp("0.0.0.0/0")},
		{Prefix: mp("10.0.0.0/8")},
		{Prefix: mp("10.0.0.0/16")},
		{Prefix: mp("10.0.0.0/16"), Metric: 1},
		{Prefix: mp("10.1.0.0/16")},
		{Prefix: mp("::/0")},
		{Prefix: mp("2001:db8::/32")},
		{Prefix: mp("0.0.0.0/0"), Table: 1},
	}
	for i := range ordered {
		for j := range ordered {
			got := fib.Compare(ordered[i], ordered[j])
			want := strings.Compare(string(rune('a'+i)), string(rune('a'+j)))
			if got != want {
				t.Errorf("Compare(%v, %v) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

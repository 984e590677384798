package ospf

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/switchless/routing/ospf/packet"
)

func o5pfx(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func o5extLines(routes []ExternalRoute) []string {
	var out []string
	for _, r := range routes {
		out = append(out, fmt.Sprintf("%v m%d e%v t%d", r.Prefix, r.Metric, r.MetricType, r.Tag))
	}
	return out
}

func TestRedistribute_SourcesAndPrecedence(t *testing.T) {
	r := newRedistState(Redistribute{
		Connected: RedistributeSource{Enabled: true, Routes: o5pfx("172.16.9.0/24")},
		Static:    RedistributeSource{Enabled: true, Metric: 50, MetricType: MetricType1, Tag: 7, Routes: o5pfx("10.99.0.0/16", "0.0.0.0/0")},
	}, DefaultInformation{})
	r.connected = o5pfx("192.168.10.0/24", "10.0.12.0/30", "10.99.0.0/16", "192.168.10.1/24")
	r.static = o5pfx("203.0.113.0/24")
	r.injected[netip.MustParsePrefix("203.0.113.0/24")] = ExternalRoute{Prefix: netip.MustParsePrefix("203.0.113.0/24"), Metric: 3, Tag: 99}
	got := o5extLines(r.wanted(o5pfx("10.0.12.0/30")))
	want := []string{
		// Static wins over connected for the same network.
		"10.99.0.0/16 m50 e1 t7",
		"172.16.9.0/24 m20 e2 t0",
		// Host bits in a reported prefix are cleared; duplicates merge.
		"192.168.10.0/24 m20 e2 t0",
		// Injected wins over static.
		"203.0.113.0/24 m3 e2 t99",
		// The OSPF interface's own network and the static default are
		// not redistributed (default-information is off).
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("wanted (-want +got):\n%s", diff)
	}
	// A disabled source contributes nothing.
	r.cfg.Connected.Enabled = false
	for _, l := range o5extLines(r.wanted(nil)) {
		if strings.HasPrefix(l, "172.16.9.0") || strings.HasPrefix(l, "192.168.10.0") {
			t.Errorf("disabled connected source gave %s", l)
		}
	}
}

func TestRedistribute_DefaultInformationOriginate(t *testing.T) {
	def := func(r *redistState) (ExternalRoute, bool) {
		for _, er := range r.wanted(nil) {
			if er.Prefix == defaultRoute {
				return er, true
			}
		}
		return ExternalRoute{}, false
	}
	// Originate without a default route of our own: nothing.
	r := newRedistState(Redistribute{}, DefaultInformation{Originate: true})
	if _, ok := def(r); ok {
		t.Error("default originated without a default route")
	}
	// The program reports a default route: originated with metric 10,
	// type 2.
	r.defaultPresent = true
	if er, ok := def(r); !ok || er.Metric != DefaultOriginateMetric || !er.MetricType.isType2() {
		t.Errorf("default = %+v, %v", er, ok)
	}
	r.defaultPresent = false
	if _, ok := def(r); ok {
		t.Error("default still originated after the route went")
	}
	// A static default counts as a default route of our own, even when
	// static redistribution is off.
	r.static = o5pfx("0.0.0.0/0")
	if _, ok := def(r); !ok {
		t.Error("static default not seen")
	}
	// Always: regardless; with a configured metric and type 1.
	r = newRedistState(Redistribute{}, DefaultInformation{Originate: true, Always: true, Metric: 100, MetricType: MetricType1})
	if er, ok := def(r); !ok || er.Metric != 100 || er.MetricType != MetricType1 {
		t.Errorf("always: %+v, %v", er, ok)
	}
	// Off: an injected default is still advertised (the program asked).
	r = newRedistState(Redistribute{}, DefaultInformation{})
	r.injected[defaultRoute] = ExternalRoute{Prefix: defaultRoute, Metric: 5}
	if er, ok := def(r); !ok || er.Metric != 5 {
		t.Errorf("injected default: %+v, %v", er, ok)
	}
}

func TestAppendixE_LinkStateIDs(t *testing.T) {
	routes := []ExternalRoute{
		{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Metric: 1},
		{Prefix: netip.MustParsePrefix("10.0.0.0/16"), Metric: 2},
		{Prefix: netip.MustParsePrefix("10.0.0.0/24"), Metric: 3},
		// Its plain ID is the /16's host-bits ID: plain IDs are given
		// first, so the /16 is the one left out.
		{Prefix: netip.MustParsePrefix("10.0.255.255/32"), Metric: 4},
		{Prefix: netip.MustParsePrefix("192.0.2.0/24"), Metric: 5, Forwarding: netip.MustParseAddr("10.1.1.1"), MetricType: MetricType1, Tag: 9},
	}
	lsas, skipped := externalLSAs(netip.MustParseAddr("1.1.1.1"), packet.OptE, routes)
	var got []string
	for _, l := range lsas {
		p, _ := l.Prefix()
		got = append(got, fmt.Sprintf("%v %v m%d E%v fwd %v", l.Header.ID, p, l.External.Metric, l.External.E, l.External.ForwardingAddress))
	}
	want := []string{
		"10.0.0.0 10.0.0.0/8 m1 Etrue fwd 0.0.0.0",
		"10.0.0.255 10.0.0.0/24 m3 Etrue fwd 0.0.0.0",
		"10.0.255.255 10.0.255.255/32 m4 Etrue fwd 0.0.0.0",
		"192.0.2.0 192.0.2.0/24 m5 Efalse fwd 10.1.1.1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LSAs (-want +got):\n%s", diff)
	}
	if len(skipped) != 1 || skipped[0].Prefix != netip.MustParsePrefix("10.0.0.0/16") {
		t.Errorf("skipped = %v", skipped)
	}
	// Every LSA encodes and decodes back to the same destination.
	for _, l := range lsas {
		b, err := l.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		back, err := packet.ParseLSA(b)
		if err != nil {
			t.Fatal(err)
		}
		p1, _ := l.Prefix()
		p2, _ := back.Prefix()
		if p1 != p2 || back.Header.AdvRouter != netip.MustParseAddr("1.1.1.1") || back.Header.Options != packet.OptE {
			t.Errorf("round trip of %v: %+v", p1, back.Header)
		}
	}
}

func TestRedistribute_Validate(t *testing.T) {
	bad := []struct {
		name string
		err  error
	}{
		{"route prefix", ExternalRoute{Prefix: netip.MustParsePrefix("10.0.0.1/24")}.Validate()},
		{"route v6", ExternalRoute{Prefix: netip.MustParsePrefix("2001:db8::/32")}.Validate()},
		{"route metric", ExternalRoute{Prefix: defaultRoute, Metric: lsInfinity}.Validate()},
		{"route type", ExternalRoute{Prefix: defaultRoute, MetricType: 3}.Validate()},
		{"route fwd", ExternalRoute{Prefix: defaultRoute, Forwarding: netip.MustParseAddr("224.0.0.5")}.Validate()},
		{"source metric", Redistribute{Static: RedistributeSource{Metric: 1 << 24}}.Validate()},
		{"source routes", Redistribute{Connected: RedistributeSource{Routes: o5pfx("10.0.0.1/8")}}.Validate()},
		{"default always", DefaultInformation{Always: true}.Validate()},
		{"default type", DefaultInformation{Originate: true, MetricType: 9}.Validate()},
	}
	for _, b := range bad {
		if !errors.Is(b.err, ErrInvalidConfig) {
			t.Errorf("%s: err = %v, want ErrInvalidConfig", b.name, b.err)
		}
	}
	if err := (ExternalRoute{Prefix: defaultRoute, Metric: MaxExternalMetric, Forwarding: netip.IPv4Unspecified()}).Validate(); err != nil {
		t.Errorf("valid route: %v", err)
	}
	var m MetricType
	for in, want := range map[string]MetricType{"1": MetricType1, "type-2": MetricType2, "E1": MetricType1} {
		if err := m.UnmarshalText([]byte(in)); err != nil || m != want {
			t.Errorf("UnmarshalText(%q) = %v, %v", in, m, err)
		}
	}
	if err := m.UnmarshalText([]byte("3")); err == nil {
		t.Error("metric type 3 accepted")
	}
}

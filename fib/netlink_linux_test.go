package fib_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/fib/fibtest"
	"github.com/switchless/routing/internal/nstest"
)

// kernelEnv builds a namespace with a veth pair whose two ends, va and vb,
// both live in it, each with an IPv4 and an IPv6 subnet, so gateways on
// either subnet are reachable.
func kernelEnv(t *testing.T) (*nstest.NS, fibtest.Env) {
	t.Helper()
	ns := nstest.New(t, "fb")
	nstest.Veth(t, ns, "va", ns, "vb")
	ns.Exec(t, "ip", "addr", "add", "10.0.0.1/24", "dev", "va")
	ns.Exec(t, "ip", "addr", "add", "10.0.1.1/24", "dev", "vb")
	ns.Exec(t, "ip", "addr", "add", "2001:db8:0:1::1/64", "dev", "va", "nodad")
	ns.Exec(t, "ip", "addr", "add", "2001:db8:0:2::1/64", "dev", "vb", "nodad")
	a := netip.MustParseAddr
	return ns, fibtest.Env{
		Links: [2]fibtest.Link{
			{
				IfIndex:   ns.LinkIndex(t, "va"),
				Gateways4: [2]netip.Addr{a("10.0.0.2"), a("10.0.0.3")},
				Gateways6: [2]netip.Addr{a("2001:db8:0:1::2"), a("2001:db8:0:1::3")},
			},
			{
				IfIndex:   ns.LinkIndex(t, "vb"),
				Gateways4: [2]netip.Addr{a("10.0.1.2"), a("10.0.1.3")},
				Gateways6: [2]netip.Addr{a("2001:db8:0:2::2"), a("2001:db8:0:2::3")},
			},
		},
		Protocol: fib.ProtocolStatic,
	}
}

func openSink(t *testing.T, cfg fib.NetlinkConfig) *fib.Netlink {
	t.Helper()
	s, err := fib.OpenNetlink(context.Background(), cfg)
	if err != nil {
		t.Fatalf("OpenNetlink(%+v): %v", cfg, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestNetlinkConformance(t *testing.T) {
	nstest.RequireRoot(t)
	fibtest.Conformance(t, func(t *testing.T) (fib.Sink, fibtest.Env) {
		ns, env := kernelEnv(t)
		return openSink(t, fib.NetlinkConfig{Namespace: ns.Name(), Protocol: env.Protocol}), env
	})
}

// ipRoute is one route of `ip -j route show`.
type ipRoute struct {
	Type     string `json:"type"`
	Dst      string `json:"dst"`
	Gateway  string `json:"gateway"`
	Dev      string `json:"dev"`
	Table    string `json:"table"`
	Protocol string `json:"protocol"`
	Metric   uint32 `json:"metric"`
	Nexthops []struct {
		Gateway string `json:"gateway"`
		Dev     string `json:"dev"`
		Weight  int    `json:"weight"`
	} `json:"nexthops"`
}

func (r ipRoute) String() string {
	s := fmt.Sprintf("%s %s table=%s proto=%s metric=%d", r.Type, r.Dst, r.Table, r.Protocol, r.Metric)
	if r.Gateway != "" || r.Dev != "" {
		s += fmt.Sprintf(" via=%s dev=%s", r.Gateway, r.Dev)
	}
	for _, h := range r.Nexthops {
		s += fmt.Sprintf(" nexthop via=%s dev=%s weight=%d", h.Gateway, h.Dev, h.Weight)
	}
	return s
}

// ipRoutes returns the routes `ip -j route show table all` prints in ns,
// IPv4 then IPv6, leaving out the kernel's own (local, connected,
// link-local and multicast routes).
func ipRoutes(t *testing.T, ns *nstest.NS) []ipRoute {
	t.Helper()
	var all []ipRoute
	for _, fam := range []string{"-4", "-6"} {
		var rs []ipRoute
		out := ns.Exec(t, "ip", "-j", fam, "route", "show", "table", "all")
		if err := json.Unmarshal([]byte(out), &rs); err != nil {
			t.Fatalf("ip -j %s route: %v\n%s", fam, err, out)
		}
		for _, r := range rs {
			if r.Protocol != "kernel" && r.Type != "local" && r.Type != "multicast" && r.Type != "broadcast" {
				all = append(all, r)
			}
		}
	}
	return all
}

func renderIP(rs []ipRoute) string {
	var lines []string
	for _, r := range rs {
		lines = append(lines, r.String())
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func findIP(rs []ipRoute, dst, proto string) (ipRoute, bool) {
	for _, r := range rs {
		if r.Dst == dst && r.Protocol == proto {
			return r, true
		}
	}
	return ipRoute{}, false
}

func TestNetlinkECMPVisibleInIPRoute(t *testing.T) {
	ns, env := kernelEnv(t)
	s := openSink(t, fib.NetlinkConfig{Namespace: ns.Name(), Protocol: fib.ProtocolOSPF})
	if s.RTProtocol() != fib.RTProtoOSPF {
		t.Fatalf("RTProtocol() = %d, want the OSPF default %d", s.RTProtocol(), fib.RTProtoOSPF)
	}
	l0, l1 := env.Links[0], env.Links[1]
	r4 := fib.Route{Prefix: netip.MustParsePrefix("10.9.0.0/16"), Protocol: fib.ProtocolOSPF, Metric: 20, Table: 100,
		NextHops: []fib.NextHop{
			{Gateway: l1.Gateways4[0], IfIndex: l1.IfIndex, Weight: 3},
			{Gateway: l0.Gateways4[0], IfIndex: l0.IfIndex, Weight: 1},
		}}
	r6 := fib.Route{Prefix: netip.MustParsePrefix("2001:db8:9::/48"), Protocol: fib.ProtocolOSPF,
		NextHops: []fib.NextHop{
			{Gateway: l0.Gateways6[1], IfIndex: l0.IfIndex, Weight: 2},
			{Gateway: l1.Gateways6[1], IfIndex: l1.IfIndex, Weight: 5},
		}}
	for _, r := range []fib.Route{r4, r6} {
		if err := s.Replace(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	rs := ipRoutes(t, ns)
	proto := strconv.Itoa(fib.RTProtoOSPF)
	type hop struct {
		gw, dev string
		weight  int
	}
	for _, c := range []struct {
		dst, table string
		metric     uint32
		hops       []hop
	}{
		{"10.9.0.0/16", "100", 20, []hop{{"10.0.0.2", "va", 1}, {"10.0.1.2", "vb", 3}}},
		{"2001:db8:9::/48", "", fib.DefaultIPv6Metric, []hop{{"2001:db8:0:1::3", "va", 2}, {"2001:db8:0:2::3", "vb", 5}}},
	} {
		r, ok := findIP(rs, c.dst, proto)
		if !ok {
			t.Fatalf("ip route has no %s proto %s:\n%s", c.dst, proto, renderIP(rs))
		}
		if r.Table != c.table || r.Metric != c.metric {
			t.Errorf("%s: table %q metric %d, want %q %d", c.dst, r.Table, r.Metric, c.table, c.metric)
		}
		var got []hop
		for _, h := range r.Nexthops {
			got = append(got, hop{h.Gateway, h.Dev, h.Weight})
		}
		slices.SortFunc(got, func(a, b hop) int { return strings.Compare(a.gw, b.gw) })
		if !slices.Equal(got, c.hops) {
			t.Errorf("%s: next hops %v, want %v", c.dst, got, c.hops)
		}
	}
}

// TestNetlinkReclaimDeletesStale plays a crashed run: routes of our
// rtm_protocol are in the kernel when the sink opens, next to routes of
// other protocols. The stale ones go; the others stay, byte for byte.
func TestNetlinkReclaimDeletesStale(t *testing.T) {
	ns, _ := kernelEnv(t)
	ours := strconv.Itoa(fib.RTProtoRIP)
	ns.Exec(t, "ip", "route", "add", "10.50.0.0/16", "via", "10.0.0.2", "proto", ours, "metric", "3")
	ns.Exec(t, "ip", "route", "add", "10.51.0.0/16", "proto", ours, "table", "77", "nexthop", "via", "10.0.0.2", "nexthop", "via", "10.0.1.2")
	ns.Exec(t, "ip", "-6", "route", "add", "2001:db8:50::/48", "via", "2001:db8:0:1::2", "proto", ours)
	ns.Exec(t, "ip", "route", "add", "blackhole", "10.52.0.0/16", "proto", ours)
	others := func() {
		ns.Exec(t, "ip", "route", "add", "10.50.0.0/16", "via", "10.0.1.9", "proto", "static", "metric", "7")
		ns.Exec(t, "ip", "route", "add", "10.60.0.0/16", "via", "10.0.0.9", "proto", "static")
		ns.Exec(t, "ip", "route", "add", "10.61.0.0/16", "via", "10.0.0.9", "proto", strconv.Itoa(fib.RTProtoOSPF))
		ns.Exec(t, "ip", "route", "add", "10.62.0.0/16", "via", "10.0.0.9", "proto", "boot", "table", "77")
		ns.Exec(t, "ip", "-6", "route", "add", "2001:db8:60::/48", "via", "2001:db8:0:2::9", "proto", "static")
	}
	others()
	before := ipRoutes(t, ns)

	s := openSink(t, fib.NetlinkConfig{Namespace: ns.Name(), Protocol: fib.ProtocolRIP})
	if got := len(s.Reclaimed()); got != 4 {
		t.Errorf("Reclaimed() has %d routes, want 4: %v", got, s.Reclaimed())
	}
	routes, err := s.List(context.Background())
	if err != nil || len(routes) != 0 {
		t.Fatalf("List after reclaim = %v, %v; want nothing", routes, err)
	}
	var want []ipRoute
	for _, r := range before {
		if r.Protocol != ours {
			want = append(want, r)
		}
	}
	if len(want) != 5 {
		t.Fatalf("setup: %d routes of other protocols, want 5:\n%s", len(want), renderIP(before))
	}
	if got := ipRoutes(t, ns); renderIP(got) != renderIP(want) {
		t.Fatalf("after reclaim:\n%s\nwant:\n%s", renderIP(got), renderIP(want))
	}
	// Writing through the sink leaves them alone too.
	r := fib.Route{Prefix: netip.MustParsePrefix("10.60.0.0/16"), Protocol: fib.ProtocolRIP, Metric: 2,
		NextHops: []fib.NextHop{{Gateway: netip.MustParseAddr("10.0.1.2")}}}
	if _, err := fib.Sync(context.Background(), s, []fib.Route{r}); err != nil {
		t.Fatal(err)
	}
	if _, err := fib.Sync(context.Background(), s, nil); err != nil {
		t.Fatal(err)
	}
	if got := ipRoutes(t, ns); renderIP(got) != renderIP(want) {
		t.Fatalf("after Sync in and out:\n%s\nwant:\n%s", renderIP(got), renderIP(want))
	}
}

// TestNetlinkReclaimAdopt: adopted leftovers keep forwarding until the
// first Sync, which keeps the wanted ones without rewriting them and
// removes the rest.
func TestNetlinkReclaimAdopt(t *testing.T) {
	ns, env := kernelEnv(t)
	ours := strconv.Itoa(fib.RTProtoAnycast)
	ns.Exec(t, "ip", "route", "add", "192.0.2.10/32", "via", "10.0.0.2", "dev", "va", "proto", ours, "metric", "3")
	ns.Exec(t, "ip", "route", "add", "192.0.2.11/32", "via", "10.0.0.2", "dev", "va", "proto", ours, "metric", "3")
	ns.Exec(t, "ip", "route", "add", "192.0.2.12/32", "via", "10.0.0.2", "proto", "static")
	s := openSink(t, fib.NetlinkConfig{Namespace: ns.Name(), Protocol: fib.ProtocolAnycast, Reclaim: fib.ReclaimAdopt})
	keep := fib.Route{Prefix: netip.MustParsePrefix("192.0.2.10/32"), Protocol: fib.ProtocolAnycast, Metric: 3,
		NextHops: []fib.NextHop{{Gateway: env.Links[0].Gateways4[0], IfIndex: env.Links[0].IfIndex}}}
	gone := keep
	gone.Prefix = netip.MustParsePrefix("192.0.2.11/32")
	fibtest.CheckList(t, s, keep, gone)
	if len(s.Reclaimed()) != 2 {
		t.Fatalf("Reclaimed() = %v, want the two adopted routes", s.Reclaimed())
	}
	spy := fibtest.NewSpy(s)
	res, err := fib.Sync(context.Background(), spy, []fib.Route{keep})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Deleted) != 1 || spy.Writes() != 1 {
		t.Fatalf("Sync after adopt: %v, %d writes; want only the unwanted route deleted", res, spy.Writes())
	}
	rs := ipRoutes(t, ns)
	if _, ok := findIP(rs, "192.0.2.10", ours); !ok {
		t.Errorf("wanted adopted route gone:\n%s", renderIP(rs))
	}
	if _, ok := findIP(rs, "192.0.2.11", ours); ok {
		t.Errorf("unwanted adopted route still there:\n%s", renderIP(rs))
	}
	if _, ok := findIP(rs, "192.0.2.12", "static"); !ok {
		t.Errorf("static route touched:\n%s", renderIP(rs))
	}
}

// TestNetlinkConflictWithOtherProtocol: a route of another protocol at the
// same prefix, table and metric is never overwritten.
func TestNetlinkConflictWithOtherProtocol(t *testing.T) {
	ns, env := kernelEnv(t)
	ns.Exec(t, "ip", "route", "add", "10.70.0.0/16", "via", "10.0.1.9", "proto", "static", "metric", "10")
	ns.Exec(t, "ip", "-6", "route", "add", "2001:db8:70::/48", "via", "2001:db8:0:2::9", "proto", "static")
	before := ipRoutes(t, ns)
	s := openSink(t, fib.NetlinkConfig{Namespace: ns.Name(), Protocol: fib.ProtocolStatic})
	r := fib.Route{Prefix: netip.MustParsePrefix("10.70.0.0/16"), Protocol: fib.ProtocolStatic, Metric: 10,
		NextHops: []fib.NextHop{{Gateway: env.Links[0].Gateways4[0], IfIndex: env.Links[0].IfIndex}}}
	r6 := fib.Route{Prefix: netip.MustParsePrefix("2001:db8:70::/48"), Protocol: fib.ProtocolStatic,
		NextHops: []fib.NextHop{{Gateway: env.Links[0].Gateways6[0], IfIndex: env.Links[0].IfIndex}}}
	for _, r := range []fib.Route{r, r6} {
		if err := s.Replace(context.Background(), r); !errors.Is(err, fib.ErrConflict) {
			t.Errorf("Replace(%v) over a static route = %v, want ErrConflict", r, err)
		}
	}
	if got := ipRoutes(t, ns); renderIP(got) != renderIP(before) {
		t.Fatalf("kernel changed:\n%s\nwant:\n%s", renderIP(got), renderIP(before))
	}
	// Another metric is another slot: both routes coexist.
	r.Metric = 11
	if err := s.Replace(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(context.Background(), r.Prefix, 0); err != nil {
		t.Fatal(err)
	}
	if got := ipRoutes(t, ns); renderIP(got) != renderIP(before) {
		t.Fatalf("kernel after add and delete at metric 11:\n%s\nwant:\n%s", renderIP(got), renderIP(before))
	}
}

// TestNetlinkReplaceAtomic: the kernel refuses an ECMP route with one bad
// next hop as a whole, and the previous route stays.
func TestNetlinkReplaceAtomic(t *testing.T) {
	ns, env := kernelEnv(t)
	s := openSink(t, fib.NetlinkConfig{Namespace: ns.Name(), Protocol: fib.ProtocolStatic})
	l0, l1 := env.Links[0], env.Links[1]
	good := fib.Route{Prefix: netip.MustParsePrefix("10.80.0.0/16"), Protocol: fib.ProtocolStatic, Metric: 5,
		NextHops: []fib.NextHop{{Gateway: l0.Gateways4[0], IfIndex: l0.IfIndex}, {Gateway: l1.Gateways4[0], IfIndex: l1.IfIndex}}}
	if err := s.Replace(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	before := ipRoutes(t, ns)
	for _, m := range []uint32{5, 6} { // same slot (replace) and new slot (add)
		bad := good
		bad.Metric = m
		bad.NextHops = []fib.NextHop{{Gateway: l0.Gateways4[1], IfIndex: l0.IfIndex}, {Gateway: netip.MustParseAddr("10.99.0.1"), IfIndex: l1.IfIndex}}
		if err := s.Replace(context.Background(), bad); err == nil {
			t.Fatalf("Replace with an off-link gateway succeeded")
		}
		if got := ipRoutes(t, ns); renderIP(got) != renderIP(before) {
			t.Fatalf("metric %d: kernel changed by a failed Replace:\n%s\nwant:\n%s", m, renderIP(got), renderIP(before))
		}
		fibtest.CheckList(t, s, good)
	}
}

// TestNetlinkSyncRollsBackKernelError: the kernel rejects a route midway
// through a Sync (its gateway is not on-link); the routes written before
// it are undone and the kernel is as it was.
func TestNetlinkSyncRollsBackKernelError(t *testing.T) {
	ns, env := kernelEnv(t)
	s := openSink(t, fib.NetlinkConfig{Namespace: ns.Name(), Protocol: fib.ProtocolOSPF})
	l0, l1 := env.Links[0], env.Links[1]
	route := func(p string, metric uint32, hops ...fib.NextHop) fib.Route {
		return fib.Route{Prefix: netip.MustParsePrefix(p), Protocol: fib.ProtocolOSPF, Metric: metric, NextHops: hops}
	}
	h := func(l fibtest.Link, i int) fib.NextHop {
		return fib.NextHop{Gateway: l.Gateways4[i], IfIndex: l.IfIndex}
	}
	before := []fib.Route{
		route("10.1.0.0/16", 10, h(l0, 0)),
		route("10.2.0.0/16", 10, h(l0, 0), h(l1, 0)),
		route("10.9.0.0/16", 10, h(l1, 1)),
		route("2001:db8:1::/48", 0, fib.NextHop{Gateway: l0.Gateways6[0], IfIndex: l0.IfIndex}),
	}
	if _, err := fib.Sync(context.Background(), s, before); err != nil {
		t.Fatal(err)
	}
	kernelBefore := renderIP(ipRoutes(t, ns))
	next := []fib.Route{
		route("10.1.0.0/16", 20, h(l1, 0)), // changed metric: new slot, old removed
		route("10.2.0.0/16", 10, h(l1, 1)), // changed next hops in place
		route("10.3.0.0/16", 10, h(l0, 1)), // added
		route("10.4.0.0/16", 10, fib.NextHop{Gateway: netip.MustParseAddr("10.99.0.1"), IfIndex: l0.IfIndex}), // the kernel refuses
		route("10.5.0.0/16", 10, h(l0, 0)), // never reached
		route("2001:db8:1::/48", 0, fib.NextHop{Gateway: l1.Gateways6[0], IfIndex: l1.IfIndex}),
	} // 10.9.0.0/16 would be deleted
	spy := fibtest.NewSpy(s)
	_, err := fib.Sync(context.Background(), spy, next)
	var se *fib.SyncError
	if !errors.As(err, &se) {
		t.Fatalf("Sync = %v, want a *SyncError", err)
	}
	if se.Op != "replace" || se.Route.Prefix.String() != "10.4.0.0/16" || se.Undone != 3 || se.RollbackErr != nil {
		t.Fatalf("SyncError %+v: want replace 10.4.0.0/16 failed, 3 writes undone", se)
	}
	t.Logf("Sync error (expected): %v", err)
	if got := renderIP(ipRoutes(t, ns)); got != kernelBefore {
		t.Fatalf("kernel after rolled-back Sync:\n%s\nwant:\n%s", got, kernelBefore)
	}
	fibtest.CheckList(t, s, before...)
}

// TestNetlinkGatewayWithoutInterface: the kernel resolves the interface of
// a gateway given alone; the sink still lists the route as given, so Sync
// does not rewrite it, while a fresh sink sees the resolved interface.
func TestNetlinkGatewayWithoutInterface(t *testing.T) {
	ns, env := kernelEnv(t)
	s := openSink(t, fib.NetlinkConfig{Namespace: ns.Name(), Protocol: fib.ProtocolStatic})
	r := fib.Route{Prefix: netip.MustParsePrefix("10.90.0.0/16"), Protocol: fib.ProtocolStatic,
		NextHops: []fib.NextHop{{Gateway: env.Links[1].Gateways4[0]}}}
	spy := fibtest.NewSpy(s)
	for i := range 2 {
		if _, err := fib.Sync(context.Background(), spy, []fib.Route{r}); err != nil {
			t.Fatal(err)
		}
		if spy.Writes() != 1 {
			t.Fatalf("Sync %d: %d writes in total, want 1", i, spy.Writes())
		}
	}
	fibtest.CheckList(t, s, r)
	s.Close()
	resolved := r
	resolved.NextHops = []fib.NextHop{{Gateway: env.Links[1].Gateways4[0], IfIndex: env.Links[1].IfIndex}}
	fibtest.CheckList(t, openSink(t, fib.NetlinkConfig{Namespace: ns.Name(), Protocol: fib.ProtocolStatic, Reclaim: fib.ReclaimAdopt}), resolved)
}

func TestNetlinkRejects(t *testing.T) {
	ns, env := kernelEnv(t)
	s := openSink(t, fib.NetlinkConfig{Namespace: ns.Name(), Protocol: fib.ProtocolOSPF})
	l0, l1 := env.Links[0], env.Links[1]
	for _, c := range []struct {
		r     fib.Route
		field string
	}{
		{fib.Route{Prefix: netip.MustParsePrefix("10.1.0.0/16"), Protocol: fib.ProtocolRIP,
			NextHops: []fib.NextHop{{Gateway: l0.Gateways4[0]}}}, "Protocol"},
		{fib.Route{Prefix: netip.MustParsePrefix("2001:db8:1::/48"), Protocol: fib.ProtocolOSPF,
			NextHops: []fib.NextHop{{Gateway: l0.Gateways6[0], IfIndex: l0.IfIndex}, {IfIndex: l1.IfIndex}}}, "NextHops[1].Gateway"},
	} {
		err := s.Replace(context.Background(), c.r)
		var re *fib.RouteError
		if !errors.As(err, &re) || re.Field != c.field || !errors.Is(err, fib.ErrInvalidRoute) {
			t.Errorf("Replace(%v) = %v, want ErrInvalidRoute naming %s", c.r, err, c.field)
		}
		if _, err := fib.Sync(context.Background(), s, []fib.Route{c.r}); !errors.Is(err, fib.ErrInvalidRoute) {
			t.Errorf("Sync(%v) = %v, want ErrInvalidRoute", c.r, err)
		}
	}
	// An unknown interface is the kernel's to refuse.
	err := s.Replace(context.Background(), fib.Route{Prefix: netip.MustParsePrefix("10.1.0.0/16"), Protocol: fib.ProtocolOSPF,
		NextHops: []fib.NextHop{{IfIndex: 999999}}})
	if err == nil {
		t.Errorf("Replace via ifindex 999999 succeeded")
	}
	fibtest.CheckList(t, s)

	s.Close()
	if err := s.Replace(context.Background(), fib.Route{Prefix: netip.MustParsePrefix("10.1.0.0/16"), Protocol: fib.ProtocolOSPF,
		NextHops: []fib.NextHop{{Gateway: l0.Gateways4[0]}}}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Replace after Close = %v, want net.ErrClosed", err)
	}
	if _, err := s.List(context.Background()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("List after Close = %v, want net.ErrClosed", err)
	}
}

func TestNetlinkOpenErrors(t *testing.T) {
	for _, cfg := range []fib.NetlinkConfig{
		{Protocol: fib.ProtocolKernel},
		{Protocol: 99},
		{RTProtocol: 2},
		{Reclaim: 9},
		{Namespace: "../etc"},
		{Timeout: -1},
	} {
		if err := cfg.Validate(); !errors.Is(err, fib.ErrInvalidConfig) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalidConfig", cfg, err)
		}
		if _, err := fib.OpenNetlink(context.Background(), cfg); err == nil {
			t.Errorf("OpenNetlink(%+v) succeeded", cfg)
		}
	}
	nstest.RequireRoot(t)
	if _, err := fib.OpenNetlink(context.Background(), fib.NetlinkConfig{Namespace: "fb-no-such-namespace"}); err == nil {
		t.Errorf("OpenNetlink in a missing namespace succeeded")
	}
}

package fibtest

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/switchless/routing/fib"
)

// Env describes what the routes of the conformance suite may point at. A
// kernel accepts a gateway only when it is reachable on the interface, so
// a real sink's Env names interfaces that are up with the gateways on
// their connected subnets.
type Env struct {
	// Links are two distinct interfaces.
	Links [2]Link
	// Protocol is the originating protocol the sink accepts; the suite's
	// routes carry it.
	Protocol fib.Protocol
}

// Link is one interface of an Env.
type Link struct {
	IfIndex int
	// Gateways4 and Gateways6 are distinct neighbors reachable on the
	// interface. IPv6 gateways should be global addresses (link-local
	// ones work too, the suite always sets IfIndex).
	Gateways4 [2]netip.Addr
	Gateways6 [2]netip.Addr
}

// MemoryEnv returns an Env for sinks that do not check reachability.
func MemoryEnv() Env {
	return Env{
		Links: [2]Link{
			{
				IfIndex:   2,
				Gateways4: [2]netip.Addr{netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("192.0.2.3")},
				Gateways6: [2]netip.Addr{netip.MustParseAddr("2001:db8:0:1::2"), netip.MustParseAddr("2001:db8:0:1::3")},
			},
			{
				IfIndex:   3,
				Gateways4: [2]netip.Addr{netip.MustParseAddr("198.51.100.2"), netip.MustParseAddr("198.51.100.3")},
				Gateways6: [2]netip.Addr{netip.MustParseAddr("2001:db8:0:2::2"), netip.MustParseAddr("2001:db8:0:2::3")},
			},
		},
		Protocol: fib.ProtocolStatic,
	}
}

// Conformance runs the Sink contract against the sinks newSink makes.
// Every subtest calls newSink once and expects an empty sink; newSink
// registers its own cleanup with t. The suite covers Replace, Delete and
// List, idempotency, ECMP with weights, tables, metrics, IPv4 and IPv6,
// reject routes, invalid routes (rejected, nothing changed), Sync (only
// differences written, nothing written on invalid input, rollback on a
// failed write) and concurrent use.
func Conformance(t *testing.T, newSink func(t *testing.T) (fib.Sink, Env)) {
	t.Helper()
	for _, tc := range []struct {
		name string
		f    func(t *testing.T, s fib.Sink, e Env)
	}{
		{"Empty", testEmpty},
		{"ReplaceList", testReplaceList},
		{"ReplaceIsIdempotent", testIdempotent},
		{"ReplaceReplacesWholeRoute", testReplaceReplaces},
		{"Delete", testDelete},
		{"ECMP", testECMP},
		{"Tables", testTables},
		{"Metrics", testMetrics},
		{"DefaultRoutes", testDefaultRoutes},
		{"RejectTypes", testRejectTypes},
		{"InvalidRejected", testInvalid},
		{"CancelledContext", testCancelled},
		{"SyncWritesOnlyDifferences", testSync},
		{"SyncInvalidWritesNothing", testSyncInvalid},
		{"SyncRollsBack", testSyncRollback},
		{"Concurrent", testConcurrent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, e := newSink(t)
			tc.f(t, s, e)
		})
	}
}

// Render formats routes one per line with Route.String, for comparisons
// and failure messages.
func Render(rs []fib.Route) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// CheckList fails t unless s lists exactly want (in any order given; the
// sink must list them sorted by fib.Compare), comparing canonical forms.
func CheckList(t testing.TB, s fib.Sink, want ...fib.Route) {
	t.Helper()
	got, err := s.List(context.Background())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	ws := make([]fib.Route, len(want))
	for i, r := range want {
		ws[i] = r.Canonical()
	}
	sortRoutes(ws)
	if d := cmp.Diff(Render(ws), Render(got)); d != "" {
		t.Fatalf("List mismatch (-want +got):\n%s", d)
	}
	for i := range got {
		if !got[i].Equal(ws[i]) {
			t.Fatalf("List[%d] = %v, not Equal to %v", i, got[i], ws[i])
		}
		if i > 0 && fib.Compare(got[i-1], got[i]) > 0 {
			t.Fatalf("List not sorted: %v before %v", got[i-1], got[i])
		}
	}
}

func sortRoutes(rs []fib.Route) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && fib.Compare(rs[j-1], rs[j]) > 0; j-- {
			rs[j-1], rs[j] = rs[j], rs[j-1]
		}
	}
}

func mustReplace(t testing.TB, s fib.Sink, rs ...fib.Route) {
	t.Helper()
	for _, r := range rs {
		if err := s.Replace(context.Background(), r); err != nil {
			t.Fatalf("Replace(%v): %v", r, err)
		}
	}
}

func mustDelete(t testing.TB, s fib.Sink, p netip.Prefix, table int) {
	t.Helper()
	if err := s.Delete(context.Background(), p, table); err != nil {
		t.Fatalf("Delete(%v, %d): %v", p, table, err)
	}
}

var (
	pfxA4 = netip.MustParsePrefix("10.20.0.0/16")
	pfxB4 = netip.MustParsePrefix("10.30.1.0/24")
	pfxH4 = netip.MustParsePrefix("10.40.0.7/32")
	pfxA6 = netip.MustParsePrefix("2001:db8:a::/48")
	pfxB6 = netip.MustParsePrefix("2001:db8:b:1::/64")
)

// via returns a single-hop route to p through gateway i of link l.
func (e Env) via4(p netip.Prefix, l, i int) fib.Route {
	return fib.Route{Prefix: p, Protocol: e.Protocol,
		NextHops: []fib.NextHop{{Gateway: e.Links[l].Gateways4[i], IfIndex: e.Links[l].IfIndex}}}
}

func (e Env) via6(p netip.Prefix, l, i int) fib.Route {
	return fib.Route{Prefix: p, Protocol: e.Protocol,
		NextHops: []fib.NextHop{{Gateway: e.Links[l].Gateways6[i], IfIndex: e.Links[l].IfIndex}}}
}

func testEmpty(t *testing.T, s fib.Sink, _ Env) {
	CheckList(t, s)
}

func testReplaceList(t *testing.T, s fib.Sink, e Env) {
	a := e.via4(pfxA4, 0, 0)
	a.Metric = 10
	b := e.via6(pfxA6, 1, 0)
	b.Metric = 20
	h := e.via4(pfxH4, 1, 1)
	dev4 := fib.Route{Prefix: pfxB4, Protocol: e.Protocol, NextHops: []fib.NextHop{{IfIndex: e.Links[0].IfIndex}}}
	dev6 := fib.Route{Prefix: pfxB6, Protocol: e.Protocol, NextHops: []fib.NextHop{{IfIndex: e.Links[1].IfIndex}}}
	mustReplace(t, s, a, b, h, dev4, dev6)
	CheckList(t, s, a, b, h, dev4, dev6)
}

func testIdempotent(t *testing.T, s fib.Sink, e Env) {
	a := e.via4(pfxA4, 0, 0)
	ecmp := e.via6(pfxA6, 0, 0)
	ecmp.NextHops = append(ecmp.NextHops, fib.NextHop{Gateway: e.Links[1].Gateways6[0], IfIndex: e.Links[1].IfIndex, Weight: 3})
	for range 3 {
		mustReplace(t, s, a, ecmp)
	}
	CheckList(t, s, a, ecmp)
	// The same routes written differently are the same routes.
	a2 := a
	a2.NextHops = []fib.NextHop{{Gateway: a.NextHops[0].Gateway, IfIndex: a.NextHops[0].IfIndex, Weight: 1}}
	a2.Table = fib.TableMain
	mustReplace(t, s, a2)
	CheckList(t, s, a, ecmp)
}

func testReplaceReplaces(t *testing.T, s fib.Sink, e Env) {
	a := e.via4(pfxA4, 0, 0)
	a.Metric = 10
	mustReplace(t, s, a)
	// New gateway, new interface, same metric.
	b := e.via4(pfxA4, 1, 1)
	b.Metric = 10
	mustReplace(t, s, b)
	CheckList(t, s, b)
	// A new metric still replaces: one route per prefix and table.
	c := e.via4(pfxA4, 0, 1)
	c.Metric = 30
	mustReplace(t, s, c)
	CheckList(t, s, c)
	d := c
	d.Metric = 0
	mustReplace(t, s, d)
	CheckList(t, s, d)
	// The same in IPv6, including the default metric.
	x := e.via6(pfxA6, 0, 0)
	x.Metric = 5
	y := e.via6(pfxA6, 1, 1)
	mustReplace(t, s, x, y)
	CheckList(t, s, d, y)
}

func testDelete(t *testing.T, s fib.Sink, e Env) {
	a, b := e.via4(pfxA4, 0, 0), e.via4(pfxB4, 1, 0)
	a6 := e.via6(pfxA6, 0, 1)
	a6.Metric = 44
	mustReplace(t, s, a, b, a6)
	mustDelete(t, s, pfxA4, 0)
	CheckList(t, s, b, a6)
	mustDelete(t, s, pfxA4, 0)   // already gone
	mustDelete(t, s, pfxH4, 0)   // never there
	mustDelete(t, s, pfxB4, 100) // not in that table
	mustDelete(t, s, pfxA6, fib.TableMain)
	CheckList(t, s, b)
	mustDelete(t, s, pfxB4, 0)
	CheckList(t, s)
}

func testECMP(t *testing.T, s fib.Sink, e Env) {
	l0, l1 := e.Links[0], e.Links[1]
	r4 := fib.Route{Prefix: pfxA4, Protocol: e.Protocol, Metric: 20, NextHops: []fib.NextHop{
		{Gateway: l1.Gateways4[0], IfIndex: l1.IfIndex, Weight: 3},
		{Gateway: l0.Gateways4[1], IfIndex: l0.IfIndex, Weight: 2},
		{Gateway: l0.Gateways4[0], IfIndex: l0.IfIndex},
	}}
	r6 := fib.Route{Prefix: pfxA6, Protocol: e.Protocol, NextHops: []fib.NextHop{
		{Gateway: l1.Gateways6[1], IfIndex: l1.IfIndex, Weight: fib.MaxWeight},
		{Gateway: l0.Gateways6[0], IfIndex: l0.IfIndex, Weight: 1},
	}}
	dev4 := fib.Route{Prefix: pfxB4, Protocol: e.Protocol, NextHops: []fib.NextHop{
		{IfIndex: l0.IfIndex}, {IfIndex: l1.IfIndex, Weight: 4},
	}}
	mustReplace(t, s, r4, r6, dev4)
	CheckList(t, s, r4, r6, dev4)
	got, err := s.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got[0].NextHops); n != 3 {
		t.Fatalf("IPv4 ECMP route listed with %d next hops, want 3: %v", n, got[0])
	}
	// Shrink to one hop, grow back to two with other weights.
	one := e.via4(pfxA4, 1, 0)
	one.Metric = 20
	mustReplace(t, s, one)
	CheckList(t, s, one, r6, dev4)
	r4.NextHops = r4.NextHops[:2]
	r4.NextHops[0].Weight = 7
	mustReplace(t, s, r4)
	CheckList(t, s, r4, r6, dev4)
}

func testTables(t *testing.T, s fib.Sink, e Env) {
	main := e.via4(pfxA4, 0, 0)
	t100 := e.via4(pfxA4, 1, 0)
	t100.Table = 100
	tBig := e.via4(pfxA4, 0, 1)
	tBig.Table = 100000 // beyond the 8-bit rtm_table field
	t6 := e.via6(pfxA6, 0, 0)
	t6.Table = 100
	mustReplace(t, s, main, t100, tBig, t6)
	CheckList(t, s, main, t100, tBig, t6)
	mustDelete(t, s, pfxA4, 100)
	CheckList(t, s, main, tBig, t6)
	// 254 names the main table.
	m254 := main
	m254.Table = fib.TableMain
	m254.Metric = 3
	mustReplace(t, s, m254)
	CheckList(t, s, m254, tBig, t6)
	mustDelete(t, s, pfxA4, fib.TableMain)
	CheckList(t, s, tBig, t6)
}

func testMetrics(t *testing.T, s fib.Sink, e Env) {
	var rs []fib.Route
	for i, m := range []uint32{0, 1, 20, 1 << 31, 1<<32 - 1} {
		r := e.via4(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 50, byte(i), 0}), 24), 0, 0)
		r.Metric = m
		rs = append(rs, r)
	}
	for i, m := range []uint32{0, 7, fib.DefaultIPv6Metric, 1 << 20} {
		r := e.via6(netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0x50, 0, byte(i)}), 64), 1, 0)
		r.Metric = m
		rs = append(rs, r)
	}
	mustReplace(t, s, rs...)
	CheckList(t, s, rs...)
	got, err := s.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		if r.Prefix.Addr().Is6() && r.Metric == fib.DefaultIPv6Metric {
			t.Errorf("IPv6 default metric not canonical: %v", r)
		}
	}
}

func testDefaultRoutes(t *testing.T, s fib.Sink, e Env) {
	d4 := e.via4(netip.MustParsePrefix("0.0.0.0/0"), 0, 0)
	d4.Metric = 100
	d6 := e.via6(netip.MustParsePrefix("::/0"), 1, 0)
	mustReplace(t, s, d4, d6)
	CheckList(t, s, d4, d6)
	mustDelete(t, s, d4.Prefix, 0)
	mustDelete(t, s, d6.Prefix, 0)
	CheckList(t, s)
}

func testRejectTypes(t *testing.T, s fib.Sink, e Env) {
	bh := fib.Route{Prefix: pfxA4, Protocol: e.Protocol, Type: fib.TypeBlackhole, Metric: 5}
	un := fib.Route{Prefix: pfxB4, Protocol: e.Protocol, Type: fib.TypeUnreachable}
	pr := fib.Route{Prefix: pfxA6, Protocol: e.Protocol, Type: fib.TypeProhibit}
	bh6 := fib.Route{Prefix: pfxB6, Protocol: e.Protocol, Type: fib.TypeBlackhole, Table: 7}
	mustReplace(t, s, bh, un, pr, bh6)
	CheckList(t, s, bh, un, pr, bh6)
	// A reject route becomes a unicast one in place, and back.
	u := e.via4(pfxA4, 0, 0)
	u.Metric = 5
	mustReplace(t, s, u)
	CheckList(t, s, u, un, pr, bh6)
	mustReplace(t, s, bh)
	CheckList(t, s, bh, un, pr, bh6)
	mustDelete(t, s, pfxB6, 7)
	mustDelete(t, s, pfxB4, 0)
	CheckList(t, s, bh, pr)
}

// InvalidRoutes returns routes every sink must reject, each with the field
// its error must name.
func InvalidRoutes(e Env) []struct {
	Route fib.Route
	Field string
} {
	l0, l1 := e.Links[0], e.Links[1]
	gw4, gw6 := l0.Gateways4[0], l0.Gateways6[0]
	p := e.Protocol
	type inv = struct {
		Route fib.Route
		Field string
	}
	return []inv{
		{fib.Route{Protocol: p, NextHops: []fib.NextHop{{Gateway: gw4}}}, "Prefix"},
		{fib.Route{Prefix: netip.MustParsePrefix("10.20.0.1/16"), Protocol: p, NextHops: []fib.NextHop{{Gateway: gw4}}}, "Prefix"},
		{fib.Route{Prefix: netip.MustParsePrefix("2001:db8::1/32"), Protocol: p, NextHops: []fib.NextHop{{Gateway: gw6}}}, "Prefix"},
		{fib.Route{Prefix: pfxA4, Protocol: p}, "NextHops"},
		{fib.Route{Prefix: pfxA4, Protocol: p, NextHops: []fib.NextHop{{}}}, "NextHops[0]"},
		{fib.Route{Prefix: pfxA4, Protocol: p, NextHops: []fib.NextHop{{Gateway: gw4, IfIndex: l0.IfIndex}, {Weight: 2}}}, "NextHops[1]"},
		{fib.Route{Prefix: pfxA4, Protocol: p, NextHops: []fib.NextHop{{Gateway: gw4}, {Gateway: gw6, IfIndex: l1.IfIndex}}}, "NextHops[1].Gateway"},
		{fib.Route{Prefix: pfxA6, Protocol: p, NextHops: []fib.NextHop{{Gateway: gw4, IfIndex: l0.IfIndex}}}, "NextHops[0].Gateway"},
		{fib.Route{Prefix: pfxA4, Protocol: p, NextHops: []fib.NextHop{{Gateway: gw4, IfIndex: -1}}}, "NextHops[0].IfIndex"},
		{fib.Route{Prefix: pfxA4, Protocol: p, NextHops: []fib.NextHop{{Gateway: gw4, Weight: -1}}}, "NextHops[0].Weight"},
		{fib.Route{Prefix: pfxA4, Protocol: p, NextHops: []fib.NextHop{{Gateway: gw4, Weight: fib.MaxWeight + 1}}}, "NextHops[0].Weight"},
		{fib.Route{Prefix: pfxA4, Protocol: p, NextHops: []fib.NextHop{{Gateway: gw4, IfIndex: 2}, {Gateway: gw4, IfIndex: 2, Weight: 5}}}, "NextHops[1]"},
		{fib.Route{Prefix: pfxA4, Protocol: p, NextHops: []fib.NextHop{{Gateway: netip.MustParseAddr("0.0.0.0")}}}, "NextHops[0].Gateway"},
		{fib.Route{Prefix: pfxA4, Protocol: p, NextHops: []fib.NextHop{{Gateway: netip.MustParseAddr("224.0.0.5")}}}, "NextHops[0].Gateway"},
		{fib.Route{Prefix: pfxA6, Protocol: p, NextHops: []fib.NextHop{{Gateway: netip.MustParseAddr("fe80::1")}}}, "NextHops[0].IfIndex"},
		{fib.Route{Prefix: pfxA6, Protocol: p, NextHops: []fib.NextHop{{Gateway: netip.MustParseAddr("fe80::1%eth0"), IfIndex: l0.IfIndex}}}, "NextHops[0].Gateway"},
		{fib.Route{Prefix: pfxA4, Protocol: p, Table: -1, NextHops: []fib.NextHop{{Gateway: gw4}}}, "Table"},
		{fib.Route{Prefix: pfxA4, Protocol: p, Type: fib.TypeBlackhole, NextHops: []fib.NextHop{{Gateway: gw4}}}, "NextHops"},
		{fib.Route{Prefix: pfxA4, Protocol: p, Type: 200, NextHops: []fib.NextHop{{Gateway: gw4}}}, "Type"},
		{fib.Route{Prefix: pfxA4, Protocol: 200, NextHops: []fib.NextHop{{Gateway: gw4}}}, "Protocol"},
	}
}

func testInvalid(t *testing.T, s fib.Sink, e Env) {
	keep := e.via4(pfxA4, 0, 0)
	keep.Metric = 9
	keep6 := e.via6(pfxA6, 0, 0)
	mustReplace(t, s, keep, keep6)
	for _, c := range InvalidRoutes(e) {
		err := s.Replace(context.Background(), c.Route)
		if !errors.Is(err, fib.ErrInvalidRoute) {
			t.Errorf("Replace(%+v) = %v, want ErrInvalidRoute", c.Route, err)
			continue
		}
		var re *fib.RouteError
		if !errors.As(err, &re) || re.Field != c.Field {
			t.Errorf("Replace(%+v) = %v, want the error to name field %s", c.Route, err, c.Field)
		}
		if !strings.Contains(err.Error(), c.Field+": ") {
			t.Errorf("error %q does not name field %s", err, c.Field)
		}
	}
	for _, p := range []struct {
		p     netip.Prefix
		table int
	}{{netip.Prefix{}, 0}, {netip.MustParsePrefix("10.20.0.1/16"), 0}, {pfxA4, -1}} {
		if err := s.Delete(context.Background(), p.p, p.table); !errors.Is(err, fib.ErrInvalidRoute) {
			t.Errorf("Delete(%v, %d) = %v, want ErrInvalidRoute", p.p, p.table, err)
		}
	}
	CheckList(t, s, keep, keep6)
}

func testCancelled(t *testing.T, s fib.Sink, e Env) {
	keep := e.via4(pfxA4, 0, 0)
	mustReplace(t, s, keep)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Replace(ctx, e.via4(pfxB4, 0, 0)); !errors.Is(err, context.Canceled) {
		t.Errorf("Replace with a cancelled context = %v, want context.Canceled", err)
	}
	if err := s.Delete(ctx, pfxA4, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete with a cancelled context = %v, want context.Canceled", err)
	}
	CheckList(t, s, keep)
}

// syncWant is a mixed set of routes for the Sync tests.
func syncWant(e Env) []fib.Route {
	l0, l1 := e.Links[0], e.Links[1]
	ecmp := fib.Route{Prefix: pfxB4, Protocol: e.Protocol, Metric: 20, NextHops: []fib.NextHop{
		{Gateway: l1.Gateways4[1], IfIndex: l1.IfIndex, Weight: 2}, {Gateway: l0.Gateways4[0], IfIndex: l0.IfIndex},
	}}
	t9 := e.via6(pfxB6, 1, 0)
	t9.Table = 9
	return []fib.Route{
		e.via4(pfxA4, 0, 0), ecmp, e.via4(pfxH4, 1, 1), e.via6(pfxA6, 0, 1), t9,
		{Prefix: netip.MustParsePrefix("10.60.0.0/16"), Protocol: e.Protocol, Type: fib.TypeBlackhole},
	}
}

func testSync(t *testing.T, s fib.Sink, e Env) {
	ctx := context.Background()
	spy := NewSpy(s)
	want := syncWant(e)
	res, err := fib.Sync(ctx, spy, want)
	if err != nil {
		t.Fatalf("first Sync: %v", err)
	}
	if len(res.Added) != len(want) || res.Writes() != len(want) || spy.Writes() != len(want) {
		t.Fatalf("first Sync: %v, %d writes; want %d added", res, spy.Writes(), len(want))
	}
	CheckList(t, s, want...)

	// Unchanged: nothing is written.
	spy.Reset()
	res, err = fib.Sync(ctx, spy, want)
	if err != nil || res.Writes() != 0 || spy.Writes() != 0 {
		t.Fatalf("unchanged Sync: %v, %v, %d writes; want none", res, err, spy.Writes())
	}
	// The same routes written differently are unchanged too.
	shuffled := make([]fib.Route, len(want))
	for i, r := range want {
		r.NextHops = append([]fib.NextHop(nil), r.NextHops...)
		for a, b := 0, len(r.NextHops)-1; a < b; a, b = a+1, b-1 {
			r.NextHops[a], r.NextHops[b] = r.NextHops[b], r.NextHops[a]
		}
		shuffled[len(want)-1-i] = r
	}
	if res, err = fib.Sync(ctx, spy, shuffled); err != nil || spy.Writes() != 0 {
		t.Fatalf("reordered Sync: %v, %v, %d writes; want none", res, err, spy.Writes())
	}

	// One changed, one new, two gone: exactly four writes.
	next := append([]fib.Route(nil), want[1:]...)
	next[0].Metric = 21 // the ECMP route
	next = append(next[:2], next[3:]...)
	added := e.via4(netip.MustParsePrefix("10.70.0.0/16"), 1, 0)
	next = append(next, added)
	spy.Reset()
	res, err = fib.Sync(ctx, spy, next)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Added) != 1 || len(res.Changed) != 1 || len(res.Deleted) != 2 || spy.Writes() != 4 {
		t.Fatalf("Sync: %v with %d writes; want 1 added, 1 changed, 2 deleted", res, spy.Writes())
	}
	CheckList(t, s, next...)
	// Make-before-break: every Replace comes before any Delete.
	sawDelete := false
	for _, c := range spy.Calls() {
		switch c.Op {
		case OpDelete:
			sawDelete = true
		case OpReplace:
			if sawDelete {
				t.Fatalf("Replace after Delete in %v", spy.Calls())
			}
		}
	}

	spy.Reset()
	if res, err = fib.Sync(ctx, spy, nil); err != nil || len(res.Deleted) != len(next) {
		t.Fatalf("Sync to nothing: %v, %v", res, err)
	}
	CheckList(t, s)
}

func testSyncInvalid(t *testing.T, s fib.Sink, e Env) {
	ctx := context.Background()
	keep := e.via4(netip.MustParsePrefix("10.80.0.0/16"), 0, 0)
	mustReplace(t, s, keep)
	spy := NewSpy(s)
	for _, c := range InvalidRoutes(e) {
		want := append(syncWant(e), c.Route)
		_, err := fib.Sync(ctx, spy, want)
		var re *fib.RouteError
		if !errors.Is(err, fib.ErrInvalidRoute) || !errors.As(err, &re) || re.Field != c.Field {
			t.Errorf("Sync with %+v = %v, want ErrInvalidRoute naming %s", c.Route, err, c.Field)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("want[%d]", len(want)-1)) {
			t.Errorf("Sync error %q does not name want[%d]", err, len(want)-1)
		}
	}
	dup := append(syncWant(e), e.via4(pfxA4, 1, 1))
	if _, err := fib.Sync(ctx, spy, dup); !errors.Is(err, fib.ErrInvalidRoute) {
		t.Errorf("Sync with two routes for %v = %v, want ErrInvalidRoute", pfxA4, err)
	}
	if spy.Writes() != 0 {
		t.Fatalf("Sync wrote %d times on invalid input: %v", spy.Writes(), spy.Calls())
	}
	CheckList(t, s, keep)
}

func testSyncRollback(t *testing.T, s fib.Sink, e Env) {
	ctx := context.Background()
	before := syncWant(e)[:4]
	if _, err := fib.Sync(ctx, s, before); err != nil {
		t.Fatal(err)
	}
	// Change one, add two, delete one; fail each write in turn.
	next := append([]fib.Route(nil), before[1:]...)
	next[0].Metric = 99
	next = append(next, e.via4(netip.MustParsePrefix("10.90.0.0/16"), 0, 1), e.via6(netip.MustParsePrefix("2001:db8:90::/48"), 1, 1))
	injected := errors.New("injected failure")
	for failAt := 1; failAt <= 4; failAt++ {
		spy := NewSpy(s)
		n := 0
		spy.FailWhen(func(c Call) error {
			if c.Op == OpList {
				return nil
			}
			if n++; n == failAt {
				return injected
			}
			return nil
		})
		_, err := fib.Sync(ctx, spy, next)
		var se *fib.SyncError
		if !errors.Is(err, injected) || !errors.As(err, &se) {
			t.Fatalf("failing write %d: Sync = %v, want a *SyncError wrapping the failure", failAt, err)
		}
		if se.RollbackErr != nil || se.Undone != failAt-1 {
			t.Fatalf("failing write %d: undid %d writes (err %v), want %d", failAt, se.Undone, se.RollbackErr, failAt-1)
		}
		CheckList(t, s, before...)
	}
	// A cancelled context midway is a failure too.
	ctx2, cancel := context.WithCancel(ctx)
	spy := NewSpy(s)
	spy.FailWhen(func(c Call) error {
		if c.Op == OpReplace {
			cancel()
		}
		return nil
	})
	if _, err := fib.Sync(ctx2, spy, next); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync cancelled midway = %v, want context.Canceled", err)
	}
	CheckList(t, s, before...)
	if _, err := fib.Sync(ctx, s, next); err != nil {
		t.Fatal(err)
	}
	CheckList(t, s, next...)
}

func testConcurrent(t *testing.T, s fib.Sink, e Env) {
	const workers, each = 4, 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	var want []fib.Route
	errs := make(chan error, workers*each*2)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				r := e.via4(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 100 + byte(w), byte(i), 0}), 24), w%2, i%2)
				if err := s.Replace(context.Background(), r); err != nil {
					errs <- err
					return
				}
				if i%2 == 1 {
					if err := s.Delete(context.Background(), r.Prefix, 0); err != nil {
						errs <- err
					}
					continue
				}
				mu.Lock()
				want = append(want, r)
				mu.Unlock()
				if _, err := s.List(context.Background()); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	CheckList(t, s, want...)
}

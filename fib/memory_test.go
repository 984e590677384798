package fib_test

import (
	"context"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/fib/fibtest"
)

func TestMemoryConformance(t *testing.T) {
	fibtest.Conformance(t, func(t *testing.T) (fib.Sink, fibtest.Env) {
		return fib.NewMemory(), fibtest.MemoryEnv()
	})
}

func TestMemoryLookupLongestPrefix(t *testing.T) {
	ctx := context.Background()
	m := fib.NewMemory()
	routes := []fib.Route{
		{Prefix: mp("0.0.0.0/0"), NextHops: []fib.NextHop{gw1}, Protocol: fib.ProtocolStatic},
		{Prefix: mp("10.0.0.0/8"), NextHops: []fib.NextHop{gw2}},
		{Prefix: mp("10.1.0.0/16"), NextHops: []fib.NextHop{gw3}},
		{Prefix: mp("10.1.2.3/32"), Type: fib.TypeBlackhole},
		{Prefix: mp("10.0.0.0/8"), NextHops: []fib.NextHop{gw3}, Table: 100},
		{Prefix: mp("2001:db8::/32"), NextHops: []fib.NextHop{{IfIndex: 4}}},
		{Prefix: mp("2001:db8:1::/48"), NextHops: []fib.NextHop{{IfIndex: 5}}},
	}
	for _, r := range routes {
		if err := m.Replace(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		table int
		addr  string
		want  string // prefix, or "" for no route
	}{
		{0, "192.168.1.1", "0.0.0.0/0"},
		{0, "10.200.0.1", "10.0.0.0/8"},
		{0, "10.1.200.1", "10.1.0.0/16"},
		{0, "10.1.2.3", "10.1.2.3/32"},
		{0, "10.1.2.4", "10.1.0.0/16"},
		{fib.TableMain, "10.1.2.4", "10.1.0.0/16"},
		{0, "::ffff:10.1.2.4", "10.1.0.0/16"},
		{100, "10.1.2.3", "10.0.0.0/8"},
		{100, "11.0.0.1", ""},
		{7, "10.0.0.1", ""},
		{0, "2001:db8:1:2::1", "2001:db8:1::/48"},
		{0, "2001:db8:2::1", "2001:db8::/32"},
		{0, "2001:db9::1", ""},
	} {
		r, ok := m.Lookup(c.table, ma(c.addr))
		got := ""
		if ok {
			got = r.Prefix.String()
		}
		if got != c.want {
			t.Errorf("Lookup(%d, %s) = %q, want %q", c.table, c.addr, got, c.want)
		}
	}
	if _, ok := m.Lookup(0, netip.Addr{}); ok {
		t.Error("Lookup of the zero Addr found a route")
	}
	// Returned routes are copies.
	r, _ := m.Lookup(0, ma("10.200.0.1"))
	r.NextHops[0].IfIndex = 77
	if r2, _ := m.Get(0, mp("10.0.0.0/8")); r2.NextHops[0].IfIndex != gw2.IfIndex {
		t.Error("modifying a looked-up route changed the table")
	}
	if m.Len() != len(routes) {
		t.Errorf("Len() = %d, want %d", m.Len(), len(routes))
	}
	if err := m.Delete(ctx, mp("10.1.0.0/16"), 0); err != nil {
		t.Fatal(err)
	}
	if r, _ := m.Lookup(0, ma("10.1.200.1")); r.Prefix != mp("10.0.0.0/8") {
		t.Errorf("after Delete, Lookup = %v, want 10.0.0.0/8", r)
	}
}

func TestMemoryWatch(t *testing.T) {
	ctx := context.Background()
	m := fib.NewMemory()
	var got []string
	cancel := m.Watch(func(c fib.Change) {
		switch {
		case c.Old == nil:
			got = append(got, "add "+c.New.String())
		case c.New == nil:
			got = append(got, "del "+c.Old.String())
		default:
			got = append(got, "chg "+c.Old.String()+" -> "+c.New.String())
		}
		// A watcher may write to the Memory; its change comes next.
		if c.New != nil && c.New.Prefix == mp("10.0.0.0/8") && c.Old == nil {
			if err := m.Replace(ctx, fib.Route{Prefix: mp("10.9.0.0/16"), Type: fib.TypeBlackhole}); err != nil {
				t.Error(err)
			}
		}
	})
	a := fib.Route{Prefix: mp("10.0.0.0/8"), NextHops: []fib.NextHop{gw1}}
	b := a
	b.NextHops = []fib.NextHop{gw1, gw2}
	for _, step := range []func() error{
		func() error { return m.Replace(ctx, a) },
		func() error { return m.Replace(ctx, a) }, // unchanged: no event
		func() error { return m.Replace(ctx, b) },
		func() error { return m.Delete(ctx, a.Prefix, 0) },
		func() error { return m.Delete(ctx, a.Prefix, 0) }, // absent: no event
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := m.Replace(ctx, a); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"add 10.0.0.0/8 via 192.0.2.1 dev 2",
		"add blackhole 10.9.0.0/16",
		"chg 10.0.0.0/8 via 192.0.2.1 dev 2 -> 10.0.0.0/8 nexthop via 192.0.2.1 dev 2 weight 1 nexthop via 192.0.2.2 dev 2 weight 1",
		"del 10.0.0.0/8 nexthop via 192.0.2.1 dev 2 weight 1 nexthop via 192.0.2.2 dev 2 weight 1",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("changes (-want +got):\n%s", d)
	}
}

// TestMemoryWatchConcurrent: with writers on several goroutines, each
// watcher still sees every change exactly once and never two at a time.
func TestMemoryWatchConcurrent(t *testing.T) {
	m := fib.NewMemory()
	var inside, calls atomic.Int32
	m.Watch(func(fib.Change) {
		if inside.Add(1) != 1 {
			t.Error("watcher called concurrently")
		}
		calls.Add(1)
		inside.Add(-1)
	})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 50 {
				r := fib.Route{Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(w), byte(i), 0}), 24), NextHops: []fib.NextHop{gw1}}
				if err := m.Replace(context.Background(), r); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	// Every writer has returned; the last drainer delivered everything
	// queued before it released the queue.
	if n := calls.Load(); n != 200 {
		t.Fatalf("watcher saw %d changes, want 200", n)
	}
}

// TestMemoryWatchPanic: a panicking watcher does not wedge the Memory.
func TestMemoryWatchPanic(t *testing.T) {
	m := fib.NewMemory()
	var n int
	m.Watch(func(c fib.Change) {
		n++
		if n == 1 {
			panic("watcher bug")
		}
	})
	r := fib.Route{Prefix: mp("10.0.0.0/8"), NextHops: []fib.NextHop{gw1}}
	func() {
		defer func() { _ = recover() }()
		_ = m.Replace(context.Background(), r)
	}()
	if err := m.Delete(context.Background(), r.Prefix, 0); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("watcher called %d times, want 2", n)
	}
}

func TestMemoryString(t *testing.T) {
	m := fib.NewMemory()
	if m.String() != "" {
		t.Fatalf("empty Memory prints %q", m.String())
	}
	for _, r := range []fib.Route{
		{Prefix: mp("2001:db8::/32"), NextHops: []fib.NextHop{{IfIndex: 4}}},
		{Prefix: mp("10.1.0.0/16"), NextHops: []fib.NextHop{gw3}, Table: 5},
		{Prefix: mp("10.0.0.0/8"), NextHops: []fib.NextHop{gw2, gw1}, Protocol: fib.ProtocolOSPF, Metric: 20},
		{Prefix: mp("0.0.0.0/0"), NextHops: []fib.NextHop{gw1}, Protocol: fib.ProtocolStatic},
	} {
		if err := m.Replace(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	want := `0.0.0.0/0 via 192.0.2.1 dev 2 proto static
10.0.0.0/8 proto ospf metric 20 nexthop via 192.0.2.1 dev 2 weight 1 nexthop via 192.0.2.2 dev 2 weight 1
2001:db8::/32 dev 4
10.1.0.0/16 via 198.51.100.1 dev 3 table 5
`
	if d := cmp.Diff(want, m.String()); d != "" {
		t.Fatalf("String (-want +got):\n%s", d)
	}
}

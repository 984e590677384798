package fib_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/switchless/routing/fib"
)

// benchRoutes returns n distinct IPv4 routes with prefix lengths 16 to 32,
// one or two next hops, from a fixed seed.
func benchRoutes(n int) []fib.Route {
	rng := rand.New(rand.NewPCG(1, 2))
	seen := make(map[netip.Prefix]bool, n)
	out := make([]fib.Route, 0, n)
	for len(out) < n {
		bits := 16 + rng.IntN(17)
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))}), bits).Masked()
		if seen[p] {
			continue
		}
		seen[p] = true
		r := fib.Route{Prefix: p, Protocol: fib.ProtocolOSPF, Metric: uint32(rng.IntN(100)),
			NextHops: []fib.NextHop{{Gateway: netip.AddrFrom4([4]byte{192, 0, 2, byte(1 + rng.IntN(4))}), IfIndex: 2}}}
		if rng.IntN(4) == 0 {
			r.NextHops = append(r.NextHops, fib.NextHop{Gateway: netip.MustParseAddr("198.51.100.1"), IfIndex: 3})
		}
		out = append(out, r)
	}
	return out
}

func filledMemory(b *testing.B, rs []fib.Route) *fib.Memory {
	m := fib.NewMemory()
	for _, r := range rs {
		if err := m.Replace(context.Background(), r); err != nil {
			b.Fatal(err)
		}
	}
	return m
}

// BenchmarkMemoryReplace changes one route of a full table per operation.
func BenchmarkMemoryReplace(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("routes=%d", n), func(b *testing.B) {
			rs := benchRoutes(n)
			m := filledMemory(b, rs)
			ctx := context.Background()
			i := 0
			for b.Loop() {
				r := rs[i%n]
				r.Metric += uint32(1 + i/n) // a real change every time
				if err := m.Replace(ctx, r); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkMemoryLookup looks up random addresses in a full table.
func BenchmarkMemoryLookup(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("routes=%d", n), func(b *testing.B) {
			m := filledMemory(b, benchRoutes(n))
			rng := rand.New(rand.NewPCG(3, 4))
			addrs := make([]netip.Addr, 4096)
			for i := range addrs {
				addrs[i] = netip.AddrFrom4([4]byte{10, byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))})
			}
			found, i := 0, 0
			for b.Loop() {
				if _, ok := m.Lookup(0, addrs[i%len(addrs)]); ok {
					found++
				}
				i++
			}
			if found == 0 {
				b.Fatal("no lookup matched")
			}
		})
	}
}

// BenchmarkSync syncs 10,000 routes of which 1% changed since the last
// Sync: one List, a diff, and 100 Replace calls per operation.
func BenchmarkSync(b *testing.B) {
	const n = 10_000
	a := benchRoutes(n)
	c := make([]fib.Route, n)
	copy(c, a)
	for i := 0; i < n; i += 100 {
		c[i].Metric += 1000
	}
	m := fib.NewMemory()
	ctx := context.Background()
	if _, err := fib.Sync(ctx, m, a); err != nil {
		b.Fatal(err)
	}
	wants := [2][]fib.Route{c, a}
	i := 0
	for b.Loop() {
		res, err := fib.Sync(ctx, m, wants[i%2])
		if err != nil || len(res.Changed) != n/100 {
			b.Fatalf("Sync: %v, %v", res, err)
		}
		i++
	}
}

package ospf

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/ospf/packet"
)

// o5topo is a generated area: router- and network-LSAs of n routers with
// an average degree, random costs, seeded.
type o5topo struct {
	lsas      []*packet.LSA
	rids      []netip.Addr
	ifaces    []spfIface // router 0's interfaces
	linkAddrs []uint32   // every interface address, for forwarding addresses
}

func (g *o5topo) input(maxPaths int) spfInput {
	return spfInput{root: u32Of(g.rids[0]), area: netip.IPv4Unspecified(), ifaces: g.ifaces, maxPaths: maxPaths}
}

// o5genTopology builds n routers joined in a ring (so the area is
// connected) plus random extra links up to an average degree of degree.
// A fraction transit of the links are broadcast networks (a /29 with a DR
// and a network-LSA, sometimes with a third router); the rest are
// numbered point-to-point links (§12.4.1.1: a point-to-point link plus a
// stub for the subnet). Every router has a loopback /32 stub. Costs are
// random in 1..64, per direction.
func o5genTopology(seed uint64, n, degree int, transit float64) *o5topo {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	g := &o5topo{}
	rtr := make([]*packet.LSA, n)
	for i := range n {
		id := addrOfU32(0x0a000000 + uint32(i) + 1)
		g.rids = append(g.rids, id)
		rtr[i] = &packet.LSA{Header: packet.LSAHeader{Type: packet.LSTypeRouter, ID: id, AdvRouter: id, Seq: packet.InitialSequenceNumber}}
		rtr[i].Router.Links = append(rtr[i].Router.Links, packet.RouterLink{Type: packet.LinkStub, ID: addrOfU32(0x64400000 + uint32(i)), Data: packet.Mask(32)})
	}
	type edge struct{ a, b int }
	seen := map[edge]bool{}
	var edges []edge
	addEdge := func(a, b int) {
		if a == b {
			return
		}
		if a > b {
			a, b = b, a
		}
		if seen[edge{a, b}] {
			return
		}
		seen[edge{a, b}] = true
		edges = append(edges, edge{a, b})
	}
	for i := range n {
		addEdge(i, (i+1)%n)
	}
	for len(edges) < n*degree/2 {
		addEdge(rng.IntN(n), rng.IntN(n))
	}
	cost := func() uint16 { return uint16(1 + rng.IntN(64)) }
	next := uint32(0xac100000) // 172.16.0.0/12, 8 addresses per link
	iface := func(r int, addr uint32, bits int) {
		g.linkAddrs = append(g.linkAddrs, addr)
		if r == 0 {
			g.ifaces = append(g.ifaces, spfIface{name: fmt.Sprintf("e%d", len(g.ifaces)), ifIndex: len(g.ifaces) + 1, addr: addr, bits: bits})
		}
	}
	for _, e := range edges {
		base := next
		next += 8
		if rng.Float64() < transit {
			members := []int{e.a, e.b}
			if third := rng.IntN(n); third != e.a && third != e.b && rng.IntN(3) == 0 {
				members = append(members, third)
			}
			dr := base + 1 // the first member is the DR
			net := &packet.LSA{Header: packet.LSAHeader{Type: packet.LSTypeNetwork, ID: addrOfU32(dr), AdvRouter: g.rids[members[0]], Seq: packet.InitialSequenceNumber}}
			net.Network.NetworkMask = packet.Mask(29)
			for k, m := range members {
				addr := base + 1 + uint32(k)
				rtr[m].Router.Links = append(rtr[m].Router.Links, packet.RouterLink{Type: packet.LinkTransit, ID: addrOfU32(dr), Data: addrOfU32(addr), Metric: cost()})
				net.Network.AttachedRouters = append(net.Network.AttachedRouters, g.rids[m])
				iface(m, addr, 29)
			}
			g.lsas = append(g.lsas, net)
			continue
		}
		aa, ba := base+1, base+2
		sub := addrOfU32(base)
		rtr[e.a].Router.Links = append(rtr[e.a].Router.Links,
			packet.RouterLink{Type: packet.LinkPointToPoint, ID: g.rids[e.b], Data: addrOfU32(aa), Metric: cost()},
			packet.RouterLink{Type: packet.LinkStub, ID: sub, Data: packet.Mask(30), Metric: 10})
		rtr[e.b].Router.Links = append(rtr[e.b].Router.Links,
			packet.RouterLink{Type: packet.LinkPointToPoint, ID: g.rids[e.a], Data: addrOfU32(ba), Metric: cost()},
			packet.RouterLink{Type: packet.LinkStub, ID: sub, Data: packet.Mask(30), Metric: 10})
		iface(e.a, aa, 30)
		iface(e.b, ba, 30)
	}
	g.lsas = append(rtr, g.lsas...)
	return g
}

// o5externals returns n AS-external-LSAs from random routers (which get
// the E bit), type 1 and 2 mixed.
func (g *o5topo) o5externals(seed uint64, n int) []*packet.LSA {
	rng := rand.New(rand.NewPCG(seed, 5))
	var out []*packet.LSA
	for i := range n {
		r := rng.IntN(len(g.rids))
		g.lsas[r].Router.Flags |= packet.RouterFlagE
		p := netip.PrefixFrom(addrOfU32(0xc6000000+uint32(i)<<8), 24)
		l := &packet.LSA{Header: packet.LSAHeader{Type: packet.LSTypeASExternal, ID: p.Addr(), AdvRouter: g.rids[r], Seq: packet.InitialSequenceNumber}}
		l.External = packet.ExternalLSA{NetworkMask: packet.Mask(24), E: rng.IntN(2) == 0, Metric: uint32(1 + rng.IntN(100)), ForwardingAddress: netip.IPv4Unspecified()}
		out = append(out, l)
	}
	return out
}

func o5loadCalc(g *o5topo, extra []*packet.LSA, maxPaths int) *routeCalc {
	c := newRouteCalc(g.input(maxPaths))
	for _, l := range g.lsas {
		c.lsa(l.Header.Key(), l)
	}
	for _, l := range extra {
		c.lsa(l.Header.Key(), l)
	}
	return c
}

// BenchmarkSPF measures the full intra-area calculation: the shortest-path
// tree with next hops (§16.1, §16.1.1), transit and stub networks into the
// routing table (stage 2), on the compiled graph, storage reused as in the
// running instance. Average degree 4, random costs, seeded.
func BenchmarkSPF(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("routers=%d", n), func(b *testing.B) {
			g := o5genTopology(1, n, 4, 0)
			c := o5loadCalc(g, nil, DefaultMaxPaths)
			c.full()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				c.full()
			}
			b.ReportMetric(float64(len(c.cur.ents)), "routes")
		})
	}
}

// BenchmarkSPFAfterChange is BenchmarkSPF as it happens in a router: each
// calculation follows a router-LSA change (one link metric of a random
// router), which recompiles that vertex and invalidates the cached
// resolution of the links towards it.
func BenchmarkSPFAfterChange(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("routers=%d", n), func(b *testing.B) {
			g := o5genTopology(1, n, 4, 0)
			c := o5loadCalc(g, nil, DefaultMaxPaths)
			c.full()
			rng := rand.New(rand.NewPCG(9, 9))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				l := g.lsas[rng.IntN(n)]
				for i := range l.Router.Links {
					if l.Router.Links[i].Type == packet.LinkPointToPoint {
						l.Router.Links[i].Metric = uint16(1 + rng.IntN(64))
						break
					}
				}
				if !c.lsa(l.Header.Key(), l) {
					b.Fatal("router-LSA change did not ask for SPF")
				}
				c.full()
			}
		})
	}
}

// BenchmarkSPFTreeOnly measures stage 1 alone (Dijkstra with next hops),
// the part the 5 ms target at 10,000 routers is about.
func BenchmarkSPFTreeOnly(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("routers=%d", n), func(b *testing.B) {
			g := o5genTopology(1, n, 4, 0)
			c := o5loadCalc(g, nil, DefaultMaxPaths)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				c.topo.dijkstra(&c.st, &c.in, DefaultMaxPaths)
			}
		})
	}
}

// BenchmarkSPFWithTransit is BenchmarkSPF with 30% of the links broadcast
// networks (network-LSAs, §16.1.1 next hops behind transit networks).
func BenchmarkSPFWithTransit(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("routers=%d", n), func(b *testing.B) {
			g := o5genTopology(1, n, 4, 0.3)
			c := o5loadCalc(g, nil, DefaultMaxPaths)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				c.full()
			}
		})
	}
}

// BenchmarkSPFCompile measures compiling every router-LSA into the graph
// from scratch (what a cold start or a full reload costs on top of a
// calculation).
func BenchmarkSPFCompile(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("routers=%d", n), func(b *testing.B) {
			g := o5genTopology(1, n, 4, 0)
			b.ReportAllocs()
			for b.Loop() {
				o5loadCalc(g, nil, DefaultMaxPaths)
			}
		})
	}
}

// BenchmarkSPFExternalChange compares, with 1,000 routers and 5,000
// AS-external-LSAs, the cost of one external LSA changing (§16.6, only
// its destination recomputed) with a full calculation (§16.1 + §16.4).
func BenchmarkSPFExternalChange(b *testing.B) {
	g := o5genTopology(1, 1000, 4, 0)
	ext := g.o5externals(2, 5000)
	c := o5loadCalc(g, ext, DefaultMaxPaths)
	c.full()
	b.Run("incremental", func(b *testing.B) {
		l := ext[17]
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			l.External.Metric = uint32(1 + i%50)
			if c.lsa(l.Header.Key(), l) {
				b.Fatal("external change asked for a full SPF")
			}
			c.externalsOnly()
		}
	})
	b.Run("full", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.full()
		}
	})
}

// TestSPF_GeneratedTopologyIsConnected is a sanity check of the
// benchmark topologies: every router's loopback is in the table, and a
// calculation on 10,000 routers finishes (its time is only logged).
func TestSPF_GeneratedTopologyIsConnected(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	g := o5genTopology(1, n, 4, 0.1)
	c := o5loadCalc(g, nil, DefaultMaxPaths)
	start := time.Now()
	_, r := c.full()
	t.Logf("%d routers: %d routes in %v (first run, cold)", n, len(r.ents), time.Since(start))
	for i := range n {
		p := netip.PrefixFrom(addrOfU32(0x64400000+uint32(i)), 32)
		e := r.get(keyOfPrefix(p))
		if e == nil {
			t.Fatalf("router %d's loopback %v unreachable", i, p)
		}
		if i != 0 && e.hops.n == 0 {
			t.Fatalf("router %d's loopback has no next hop", i)
		}
	}
}

// BenchmarkSPFLSDB100k measures the link-state database at 100,000 LSAs
// (10,000 router-LSAs of a generated area plus 90,000 AS-external-LSAs):
// the time to install each (decoded, as the flooding code does, with the
// routing table calculation following every change) and the heap it
// takes per LSA once installed. One op installs all 100,000 into a fresh
// Instance.
func BenchmarkSPFLSDB100k(b *testing.B) {
	g := o5genTopology(3, 10000, 4, 0)
	lsas := append(g.lsas, g.o5externals(4, 90000)...)
	raws := make([][]byte, len(lsas))
	for i, l := range lsas {
		raw, err := l.AppendBinary(nil)
		if err != nil {
			b.Fatal(err)
		}
		raws[i] = raw
	}
	cfg := Config{RouterID: g.rids[0]}
	b.ReportAllocs()
	var perLSA float64
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		in, err := New(cfg, Env{Clock: routing.NewManualClock(time.Time{}), Transports: map[string]routing.Transport{}})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		in.mu.Lock()
		now := in.clock.Now()
		for _, raw := range raws {
			l, err := packet.ParseLSA(raw)
			if err != nil {
				b.Fatal(err)
			}
			in.install(newEntry(raw, l, now))
		}
		in.mu.Unlock()
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		perLSA = float64(after.HeapAlloc-before.HeapAlloc) / float64(len(raws))
		runtime.KeepAlive(in)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(raws)), "ns/LSA")
	b.ReportMetric(perLSA, "heapB/LSA")
}

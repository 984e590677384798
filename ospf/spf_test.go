package ospf

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/switchless/routing/ospf/packet"
)

// Hand-built LSDBs for the routing table calculation (RFC 2328 §16).

func o5ip(s string) netip.Addr { return netip.MustParseAddr(s) }

func o5rtr(id string, flags packet.RouterFlags, links ...packet.RouterLink) *packet.LSA {
	return &packet.LSA{
		Header: packet.LSAHeader{Type: packet.LSTypeRouter, ID: o5ip(id), AdvRouter: o5ip(id), Seq: packet.InitialSequenceNumber},
		Router: packet.RouterLSA{Flags: flags, Links: links},
	}
}

func o5p2p(nbr, ifAddr string, cost uint16) packet.RouterLink {
	return packet.RouterLink{Type: packet.LinkPointToPoint, ID: o5ip(nbr), Data: o5ip(ifAddr), Metric: cost}
}

func o5transit(dr, ifAddr string, cost uint16) packet.RouterLink {
	return packet.RouterLink{Type: packet.LinkTransit, ID: o5ip(dr), Data: o5ip(ifAddr), Metric: cost}
}

func o5stub(prefix string, cost uint16) packet.RouterLink {
	p := netip.MustParsePrefix(prefix)
	return packet.RouterLink{Type: packet.LinkStub, ID: p.Addr(), Data: packet.Mask(p.Bits()), Metric: cost}
}

func o5net(drAddr string, bits int, adv string, attached ...string) *packet.LSA {
	l := &packet.LSA{Header: packet.LSAHeader{Type: packet.LSTypeNetwork, ID: o5ip(drAddr), AdvRouter: o5ip(adv), Seq: packet.InitialSequenceNumber}}
	l.Network.NetworkMask = packet.Mask(bits)
	for _, a := range attached {
		l.Network.AttachedRouters = append(l.Network.AttachedRouters, o5ip(a))
	}
	return l
}

func o5ext(prefix, adv string, e2 bool, metric uint32, fwd string, tag uint32) *packet.LSA {
	p := netip.MustParsePrefix(prefix)
	l := &packet.LSA{Header: packet.LSAHeader{Type: packet.LSTypeASExternal, ID: p.Addr(), AdvRouter: o5ip(adv), Seq: packet.InitialSequenceNumber}}
	l.External = packet.ExternalLSA{NetworkMask: packet.Mask(p.Bits()), E: e2, Metric: metric, RouteTag: tag}
	if fwd != "" {
		l.External.ForwardingAddress = o5ip(fwd)
	} else {
		l.External.ForwardingAddress = netip.IPv4Unspecified()
	}
	return l
}

// o5if describes one interface of the calculating router: "name=10.0.0.1/30".
func o5ifaces(specs ...string) []spfIface {
	var out []spfIface
	for i, s := range specs {
		name, pfx, _ := strings.Cut(s, "=")
		p := netip.MustParsePrefix(pfx)
		out = append(out, spfIface{name: name, ifIndex: i + 1, addr: u32Of(p.Addr()), bits: p.Bits()})
	}
	return out
}

// o5calc runs the full calculation for root over the LSAs.
func o5calc(t testing.TB, root string, ifaces []spfIface, maxPaths int, lsas ...*packet.LSA) RoutingTable {
	t.Helper()
	c := newRouteCalc(spfInput{root: u32Of(o5ip(root)), area: netip.IPv4Unspecified(), ifaces: ifaces, maxPaths: maxPaths})
	for _, l := range lsas {
		c.lsa(l.Header.Key(), l)
	}
	_, cur := c.full()
	return cur.table()
}

// o5routes renders the network entries one per line, for readable diffs:
// "prefix type cost[/type2] [connected] via iface:gw,iface:gw".
func o5routes(rt RoutingTable) []string {
	var out []string
	for _, r := range rt.Routes {
		s := fmt.Sprintf("%v %v %d", r.Prefix, r.PathType, r.Cost)
		if r.PathType == PathExternal2 {
			s += fmt.Sprintf("/%d", r.Type2Cost)
		}
		if r.Connected {
			s += " connected"
		}
		var hops []string
		for _, h := range r.NextHops {
			if h.Gateway.IsValid() {
				hops = append(hops, h.Interface+":"+h.Gateway.String())
			} else {
				hops = append(hops, h.Interface)
			}
		}
		if len(hops) > 0 {
			s += " via " + strings.Join(hops, ",")
		}
		out = append(out, s)
	}
	return out
}

func o5want(t *testing.T, rt RoutingTable, want ...string) {
	t.Helper()
	if diff := cmp.Diff(want, o5routes(rt)); diff != "" {
		t.Errorf("routing table (-want +got):\n%s", diff)
	}
}

// o5ring4 is four routers in a ring of point-to-point links, all of cost
// 10, each with a loopback stub:
//
//	R1 —10.0.12.0/30— R2
//	|                  |
//	10.0.14.0/30   10.0.23.0/30
//	|                  |
//	R4 —10.0.34.0/30— R3
func o5ring4() []*packet.LSA {
	return []*packet.LSA{
		o5rtr("1.1.1.1", 0,
			o5p2p("2.2.2.2", "10.0.12.1", 10), o5stub("10.0.12.0/30", 10),
			o5p2p("4.4.4.4", "10.0.14.1", 10), o5stub("10.0.14.0/30", 10),
			o5stub("192.168.0.1/32", 0)),
		o5rtr("2.2.2.2", 0,
			o5p2p("1.1.1.1", "10.0.12.2", 10), o5stub("10.0.12.0/30", 10),
			o5p2p("3.3.3.3", "10.0.23.1", 10), o5stub("10.0.23.0/30", 10),
			o5stub("192.168.0.2/32", 0)),
		o5rtr("3.3.3.3", 0,
			o5p2p("2.2.2.2", "10.0.23.2", 10), o5stub("10.0.23.0/30", 10),
			o5p2p("4.4.4.4", "10.0.34.1", 10), o5stub("10.0.34.0/30", 10),
			o5stub("192.168.0.3/32", 0)),
		o5rtr("4.4.4.4", 0,
			o5p2p("3.3.3.3", "10.0.34.2", 10), o5stub("10.0.34.0/30", 10),
			o5p2p("1.1.1.1", "10.0.14.2", 10), o5stub("10.0.14.0/30", 10),
			o5stub("192.168.0.4/32", 0)),
	}
}

func o5ring4Ifaces() []spfIface { return o5ifaces("eth12=10.0.12.1/30", "eth14=10.0.14.1/30") }

func Test16_1_Ring4EqualCostECMP(t *testing.T) {
	rt := o5calc(t, "1.1.1.1", o5ring4Ifaces(), 0, o5ring4()...)
	o5want(t, rt,
		"10.0.12.0/30 intra-area 10 connected via eth12",
		"10.0.14.0/30 intra-area 10 connected via eth14",
		"10.0.23.0/30 intra-area 20 via eth12:10.0.12.2",
		"10.0.34.0/30 intra-area 20 via eth14:10.0.14.2",
		"192.168.0.1/32 intra-area 0 connected",
		"192.168.0.2/32 intra-area 10 via eth12:10.0.12.2",
		// The far router is reached both ways round at cost 20.
		"192.168.0.3/32 intra-area 20 via eth12:10.0.12.2,eth14:10.0.14.2",
		"192.168.0.4/32 intra-area 10 via eth14:10.0.14.2",
	)
	// From R3 the same holds with the roles turned.
	rt3 := o5calc(t, "3.3.3.3", o5ifaces("e23=10.0.23.2/30", "e34=10.0.34.1/30"), 0, o5ring4()...)
	if r, _ := rt3.Lookup(netip.MustParsePrefix("192.168.0.1/32")); len(r.NextHops) != 2 || r.Cost != 20 {
		t.Errorf("R3 → R1 loopback: %+v, want cost 20 over two next hops", r)
	}
}

func Test16_1_MaxPathsLimitsECMP(t *testing.T) {
	rt := o5calc(t, "1.1.1.1", o5ring4Ifaces(), 1, o5ring4()...)
	r, ok := rt.Lookup(netip.MustParsePrefix("192.168.0.3/32"))
	if !ok || len(r.NextHops) != 1 || r.Cost != 20 {
		t.Fatalf("with MaxPaths 1: %+v, want one next hop at cost 20", r)
	}
	if r.NextHops[0].Interface != "eth12" {
		t.Errorf("kept next hop %+v, want the first in order (eth12)", r.NextHops[0])
	}
}

func Test16_1_UnequalCostPicksCheaperSide(t *testing.T) {
	lsas := o5ring4()
	// R2's link towards R3 gets dearer: R3 is now reached through R4 only.
	lsas[1].Router.Links[2].Metric = 50
	rt := o5calc(t, "1.1.1.1", o5ring4Ifaces(), 0, lsas...)
	r, _ := rt.Lookup(netip.MustParsePrefix("192.168.0.3/32"))
	if r.Cost != 20 || len(r.NextHops) != 1 || r.NextHops[0].Gateway != o5ip("10.0.14.2") {
		t.Errorf("R3 loopback: %+v, want cost 20 via 10.0.14.2 only", r)
	}
	// The link costs are directional: R3 → R2 is still 10, so 10.0.23.0/30
	// is reached as R3's stub (10+10+10) or R2's (10+10): via R2.
	r, _ = rt.Lookup(netip.MustParsePrefix("10.0.23.0/30"))
	if r.Cost != 20 || r.NextHops[0].Gateway != o5ip("10.0.12.2") {
		t.Errorf("10.0.23.0/30: %+v, want cost 20 via R2", r)
	}
}

// o5lan is R1, R2 and R3 on a broadcast network 10.1.0.0/24 whose DR is R2
// (10.1.0.2); R3 has a stub network and a point-to-point link to R4.
func o5lan() []*packet.LSA {
	return []*packet.LSA{
		o5rtr("1.1.1.1", 0, o5transit("10.1.0.2", "10.1.0.1", 10), o5stub("192.168.0.1/32", 0)),
		o5rtr("2.2.2.2", 0, o5transit("10.1.0.2", "10.1.0.2", 10), o5stub("192.168.0.2/32", 0)),
		o5rtr("3.3.3.3", 0, o5transit("10.1.0.2", "10.1.0.3", 10), o5stub("172.16.3.0/24", 5),
			o5p2p("4.4.4.4", "10.0.34.1", 7), o5stub("10.0.34.0/30", 7)),
		o5rtr("4.4.4.4", 0, o5p2p("3.3.3.3", "10.0.34.2", 7), o5stub("10.0.34.0/30", 7), o5stub("192.168.0.4/32", 1)),
		o5net("10.1.0.2", 24, "2.2.2.2", "2.2.2.2", "1.1.1.1", "3.3.3.3"),
	}
}

func Test16_1_1_TransitNetworkNextHops(t *testing.T) {
	rt := o5calc(t, "1.1.1.1", o5ifaces("lan=10.1.0.1/24"), 0, o5lan()...)
	o5want(t, rt,
		// The network itself is attached: no gateway.
		"10.0.34.0/30 intra-area 17 via lan:10.1.0.3",
		"10.1.0.0/24 intra-area 10 connected via lan",
		"172.16.3.0/24 intra-area 15 via lan:10.1.0.3",
		"192.168.0.1/32 intra-area 0 connected",
		// Routers on the network are reached at their own address on it
		// (§16.1.1), not through the DR.
		"192.168.0.2/32 intra-area 10 via lan:10.1.0.2",
		// R4 is behind R3 and inherits R3's next hop.
		"192.168.0.4/32 intra-area 18 via lan:10.1.0.3",
	)
}

func Test16_1_TransitNetworkNeedsBothDirections(t *testing.T) {
	lsas := o5lan()
	// The network-LSA no longer lists R3: R3 is not reachable through the
	// network even though its router-LSA claims the transit link.
	lsas[4] = o5net("10.1.0.2", 24, "2.2.2.2", "2.2.2.2", "1.1.1.1")
	rt := o5calc(t, "1.1.1.1", o5ifaces("lan=10.1.0.1/24"), 0, lsas...)
	for _, p := range []string{"172.16.3.0/24", "192.168.0.4/32", "10.0.34.0/30"} {
		if r, ok := rt.Lookup(netip.MustParsePrefix(p)); ok {
			t.Errorf("%s reachable (%+v) although R3 is not attached in the network-LSA", p, r)
		}
	}
	if _, ok := rt.Lookup(netip.MustParsePrefix("192.168.0.2/32")); !ok {
		t.Error("R2 lost")
	}
}

func Test16_1_TransitNetworkWithoutNetworkLSAIsIgnored(t *testing.T) {
	lsas := o5lan()[:4] // the DR's network-LSA is missing (or at MaxAge)
	rt := o5calc(t, "1.1.1.1", o5ifaces("lan=10.1.0.1/24"), 0, lsas...)
	o5want(t, rt, "192.168.0.1/32 intra-area 0 connected")
}

func Test16_1_TwoNetworkLSAsSameIDPreferTheDR(t *testing.T) {
	lsas := o5lan()
	// A stale network-LSA for the same Link State ID from a router that
	// is not the DR (it no longer claims 10.1.0.2) lists only R1 and
	// itself; the current DR's one is used.
	lsas = append(lsas, o5net("10.1.0.2", 24, "1.1.1.1", "1.1.1.1"))
	rt := o5calc(t, "1.1.1.1", o5ifaces("lan=10.1.0.1/24"), 0, lsas...)
	if _, ok := rt.Lookup(netip.MustParsePrefix("172.16.3.0/24")); !ok {
		t.Error("R3's stub lost: the stale network-LSA was used")
	}
}

func Test16_1_Stage2StubNetworks(t *testing.T) {
	lsas := o5ring4()
	// An anycast /32 at R2 and R4, equal cost: ECMP across two routers.
	lsas[1].Router.Links = append(lsas[1].Router.Links, o5stub("198.51.100.1/32", 1))
	lsas[3].Router.Links = append(lsas[3].Router.Links, o5stub("198.51.100.1/32", 1))
	// The same subnet from R3 at a higher cost loses.
	lsas[2].Router.Links = append(lsas[2].Router.Links, o5stub("198.51.100.1/32", 0))
	// A stub with a non-contiguous mask describes no destination.
	lsas[2].Router.Links = append(lsas[2].Router.Links, packet.RouterLink{Type: packet.LinkStub, ID: o5ip("10.9.0.0"), Data: o5ip("255.0.255.0"), Metric: 1})
	rt := o5calc(t, "1.1.1.1", o5ring4Ifaces(), 0, lsas...)
	r, ok := rt.Lookup(netip.MustParsePrefix("198.51.100.1/32"))
	if !ok || r.Cost != 11 || len(r.NextHops) != 2 {
		t.Errorf("anycast stub: %+v, want cost 11 over R2 and R4", r)
	}
	for _, r := range rt.Routes {
		if r.Prefix.Addr() == o5ip("10.9.0.0") {
			t.Errorf("stub with non-contiguous mask entered the table: %+v", r)
		}
	}
	// Stub cost 0 at R3 is 20 away: more than 11.
	lsas[1].Router.Links = lsas[1].Router.Links[:len(lsas[1].Router.Links)-1]
	lsas[3].Router.Links = lsas[3].Router.Links[:len(lsas[3].Router.Links)-1]
	rt = o5calc(t, "1.1.1.1", o5ring4Ifaces(), 0, lsas...)
	if r, _ := rt.Lookup(netip.MustParsePrefix("198.51.100.1/32")); r.Cost != 20 || len(r.NextHops) != 2 {
		t.Errorf("R3's stub alone: %+v, want cost 20 both ways round", r)
	}
}

func Test16_1_UnreachableRouters(t *testing.T) {
	lsas := o5ring4()
	// R5 and R6 link to each other only: a separate partition.
	lsas = append(lsas,
		o5rtr("5.5.5.5", packet.RouterFlagE, o5p2p("6.6.6.6", "10.0.56.1", 1), o5stub("192.168.0.5/32", 0)),
		o5rtr("6.6.6.6", 0, o5p2p("5.5.5.5", "10.0.56.2", 1), o5stub("192.168.0.6/32", 0)),
		o5ext("203.0.113.0/24", "5.5.5.5", true, 10, "", 0),
	)
	rt := o5calc(t, "1.1.1.1", o5ring4Ifaces(), 0, lsas...)
	for _, p := range []string{"192.168.0.5/32", "192.168.0.6/32", "203.0.113.0/24"} {
		if r, ok := rt.Lookup(netip.MustParsePrefix(p)); ok {
			t.Errorf("%s reachable in another partition: %+v", p, r)
		}
	}
	if _, ok := rt.Router(o5ip("5.5.5.5")); ok {
		t.Error("unreachable ASBR has a router entry")
	}
	// Removing R2's router-LSA (it went away) leaves R3 through R4 only.
	rt = o5calc(t, "1.1.1.1", o5ring4Ifaces(), 0, slices.Delete(o5ring4(), 1, 2)...)
	if r, _ := rt.Lookup(netip.MustParsePrefix("192.168.0.3/32")); len(r.NextHops) != 1 || r.NextHops[0].Gateway != o5ip("10.0.14.2") {
		t.Errorf("R3 without R2: %+v, want via R4 only", r)
	}
	if _, ok := rt.Lookup(netip.MustParsePrefix("192.168.0.2/32")); ok {
		t.Error("R2's loopback still routed without its router-LSA")
	}
	// Without a router-LSA of our own there is no tree at all.
	rt = o5calc(t, "9.9.9.9", nil, 0, o5ring4()...)
	if len(rt.Routes) != 0 {
		t.Errorf("table without our router-LSA: %v", o5routes(rt))
	}
}

func Test16_1_Step2b_OneWayLinkIgnored(t *testing.T) {
	lsas := o5ring4()
	// R1 claims a point-to-point link to R5 (cheap), R5 does not list R1:
	// the link fails the bidirectional check and R5 is unreachable.
	lsas[0].Router.Links = append(lsas[0].Router.Links, o5p2p("5.5.5.5", "10.0.15.1", 1))
	lsas = append(lsas, o5rtr("5.5.5.5", 0, o5stub("192.168.0.5/32", 0), o5p2p("3.3.3.3", "10.0.35.1", 1)))
	rt := o5calc(t, "1.1.1.1", append(o5ring4Ifaces(), spfIface{name: "eth15", ifIndex: 3, addr: u32Of(o5ip("10.0.15.1")), bits: 30}), 0, lsas...)
	if r, ok := rt.Lookup(netip.MustParsePrefix("192.168.0.5/32")); ok {
		t.Errorf("R5 reachable over one-way links: %+v", r)
	}
	// R5 also claims a link to R3 that R3 does not confirm: R3 must not
	// be reached through R5 either, and stays at cost 20.
	if r, _ := rt.Lookup(netip.MustParsePrefix("192.168.0.3/32")); r.Cost != 20 {
		t.Errorf("R3: %+v, want cost 20", r)
	}
	// Once R5 confirms the link to R1, it is reachable at cost 1.
	lsas[4].Router.Links = append(lsas[4].Router.Links, o5p2p("1.1.1.1", "10.0.15.2", 1))
	rt = o5calc(t, "1.1.1.1", append(o5ring4Ifaces(), spfIface{name: "eth15", ifIndex: 3, addr: u32Of(o5ip("10.0.15.1")), bits: 30}), 0, lsas...)
	if r, ok := rt.Lookup(netip.MustParsePrefix("192.168.0.5/32")); !ok || r.Cost != 1 || r.NextHops[0].Gateway != o5ip("10.0.15.2") {
		t.Errorf("R5 after the link is confirmed: %+v", r)
	}
}

func Test16_1_ParallelLinksPickTheirOwnGateway(t *testing.T) {
	// Two point-to-point links between R1 and R2, equal cost: two next
	// hops, each with the neighbor's address on that link.
	lsas := []*packet.LSA{
		o5rtr("1.1.1.1", 0, o5p2p("2.2.2.2", "10.0.1.1", 5), o5p2p("2.2.2.2", "10.0.2.1", 5)),
		o5rtr("2.2.2.2", 0, o5p2p("1.1.1.1", "10.0.2.2", 5), o5p2p("1.1.1.1", "10.0.1.2", 5), o5stub("192.168.0.2/32", 0)),
	}
	rt := o5calc(t, "1.1.1.1", o5ifaces("a=10.0.1.1/30", "b=10.0.2.1/30"), 0, lsas...)
	o5want(t, rt, "192.168.0.2/32 intra-area 5 via a:10.0.1.2,b:10.0.2.2")
}

func Test16_1_RoutersTableHoldsABRandASBR(t *testing.T) {
	lsas := o5ring4()
	lsas[2].Router.Flags = packet.RouterFlagE
	lsas[1].Router.Flags = packet.RouterFlagB
	rt := o5calc(t, "1.1.1.1", o5ring4Ifaces(), 0, lsas...)
	if len(rt.Routers) != 2 {
		t.Fatalf("routers = %+v, want R2 (ABR) and R3 (ASBR)", rt.Routers)
	}
	r3, _ := rt.Router(o5ip("3.3.3.3"))
	if r3.Cost != 20 || r3.Flags != packet.RouterFlagE || len(r3.NextHops) != 2 {
		t.Errorf("ASBR entry %+v", r3)
	}
}

// --- AS-external routes (§16.4) ---

func o5ringASBR() []*packet.LSA {
	lsas := o5ring4()
	lsas[1].Router.Flags = packet.RouterFlagE // R2, 10 away
	lsas[2].Router.Flags = packet.RouterFlagE // R3, 20 away (ECMP)
	return lsas
}

func Test16_4_Type1BeatsType2(t *testing.T) {
	lsas := append(o5ringASBR(),
		// Type 1 from R3 at a large total cost 20+100...
		o5ext("203.0.113.0/24", "3.3.3.3", false, 100, "", 7),
		// ...still beats type 2 from R2 with a tiny metric.
		o5ext("203.0.113.0/24", "2.2.2.2", true, 1, "", 8),
	)
	rt := o5calc(t, "1.1.1.1", o5ring4Ifaces(), 0, lsas...)
	r, ok := rt.Lookup(netip.MustParsePrefix("203.0.113.0/24"))
	if !ok || r.PathType != PathExternal1 || r.Cost != 120 || r.Tag != 7 || r.AdvRouter != o5ip("3.3.3.3") || len(r.NextHops) != 2 {
		t.Errorf("got %+v, want external-1 cost 120 tag 7 from R3 over two hops", r)
	}
}

func Test16_4_Type2ComparesType2CostThenASBRDistance(t *testing.T) {
	lsas := append(o5ringASBR(),
		o5ext("0.0.0.0/0", "3.3.3.3", true, 10, "", 0),
		o5ext("0.0.0.0/0", "2.2.2.2", true, 20, "", 0),
	)
	rt := o5calc(t, "1.1.1.1", o5ring4Ifaces(), 0, lsas...)
	o5def := func() Route {
		r, ok := rt.Lookup(netip.MustParsePrefix("0.0.0.0/0"))
		if !ok {
			t.Fatal("no default route")
		}
		return r
	}
	// The smaller type 2 metric wins although its ASBR is further.
	if r := o5def(); r.PathType != PathExternal2 || r.Type2Cost != 10 || r.Cost != 20 || r.AdvRouter != o5ip("3.3.3.3") {
		t.Errorf("default: %+v, want E2 10 via R3 (cost 20)", r)
	}
	// Equal type 2 metrics: the nearer ASBR wins.
	lsas[len(lsas)-1].External.Metric = 10
	rt = o5calc(t, "1.1.1.1", o5ring4Ifaces(), 0, lsas...)
	if r := o5def(); r.Cost != 10 || r.AdvRouter != o5ip("2.2.2.2") || len(r.NextHops) != 1 {
		t.Errorf("default: %+v, want E2 10 via R2 (cost 10)", r)
	}
	// Equal in both: the next hops of both paths (R4's equal-cost pair to
	// R3 does not enter since R3 is further; make R2 and R4 ASBRs).
	lsas = o5ring4()
	lsas[1].Router.Flags, lsas[3].Router.Flags = packet.RouterFlagE, packet.RouterFlagE
	lsas = append(lsas, o5ext("0.0.0.0/0", "2.2.2.2", true, 10, "", 0), o5ext("0.0.0.0/0", "4.4.4.4", true, 10, "", 0))
	rt = o5calc(t, "1.1.1.1", o5ring4Ifaces(), 0, lsas...)
	if r := o5def(); len(r.NextHops) != 2 || r.Cost != 10 {
		t.Errorf("default from two equal ASBRs: %+v, want ECMP", r)
	}
}

func Test16_4_Type1ComparesTotalCost(t *testing.T) {
	lsas := append(o5ringASBR(),
		o5ext("203.0.113.0/24", "3.3.3.3", false, 5, "", 0),  // 20+5
		o5ext("203.0.113.0/24", "2.2.2.2", false, 30, "", 0), // 10+30
	)
	rt := o5calc(t, "1.1.1.1", o5ring4Ifaces(), 0, lsas...)
	if r, _ := rt.Lookup(netip.MustParsePrefix("203.0.113.0/24")); r.Cost != 25 || r.AdvRouter != o5ip("3.3.3.3") {
		t.Errorf("got %+v, want cost 25 via R3", r)
	}
}

func Test16_4_Step3_ForwardingAddress(t *testing.T) {
	lsas := append(o5ringASBR(),
		// R3 says: send traffic for 198.51.100.0/24 to 10.0.34.2 (R4 on
		// the R3–R4 link). The path goes to that address (via R4, 20),
		// not to R3.
		o5ext("198.51.100.0/24", "3.3.3.3", false, 3, "10.0.34.2", 0),
		// A forwarding address no internal route covers: unusable.
		o5ext("198.51.101.0/24", "3.3.3.3", false, 3, "172.31.0.1", 0),
		// A forwarding address on our own attached network: the gateway
		// is the forwarding address itself.
		o5ext("198.51.102.0/24", "2.2.2.2", true, 3, "10.0.14.2", 0),
		// A forwarding address that is one of our own addresses: ignored.
		o5ext("198.51.103.0/24", "2.2.2.2", true, 3, "10.0.12.1", 0),
	)
	rt := o5calc(t, "1.1.1.1", o5ring4Ifaces(), 0, lsas...)
	r, ok := rt.Lookup(netip.MustParsePrefix("198.51.100.0/24"))
	if !ok || r.Cost != 23 || len(r.NextHops) != 1 || r.NextHops[0].Gateway != o5ip("10.0.14.2") || r.Forwarding != o5ip("10.0.34.2") {
		t.Errorf("via forwarding address: %+v, want cost 23 via R4", r)
	}
	if r, ok := rt.Lookup(netip.MustParsePrefix("198.51.101.0/24")); ok {
		t.Errorf("unreachable forwarding address used: %+v", r)
	}
	r, ok = rt.Lookup(netip.MustParsePrefix("198.51.102.0/24"))
	if !ok || r.Cost != 10 || len(r.NextHops) != 1 || r.NextHops[0] != (NextHop{Interface: "eth14", IfIndex: 2, Gateway: o5ip("10.0.14.2")}) {
		t.Errorf("forwarding address on an attached network: %+v", r)
	}
	if r, ok := rt.Lookup(netip.MustParsePrefix("198.51.103.0/24")); ok {
		t.Errorf("forwarding address of our own used: %+v", r)
	}
}

func Test16_4_IgnoredLSAs(t *testing.T) {
	lsas := o5ring4()
	lsas[2].Router.Flags = packet.RouterFlagE
	lsas = append(lsas,
		// Step 1: LSInfinity.
		o5ext("203.0.113.0/24", "3.3.3.3", true, lsInfinity, "", 0),
		// Step 3: the advertising router is not an ASBR (no E bit).
		o5ext("203.0.114.0/24", "2.2.2.2", true, 1, "", 0),
		// Step 2: our own.
		o5ext("203.0.115.0/24", "1.1.1.1", true, 1, "", 0),
		// Step 6: an intra-area route to the same destination wins.
		o5ext("192.168.0.4/32", "3.3.3.3", false, 0, "", 0),
	)
	rt := o5calc(t, "1.1.1.1", o5ring4Ifaces(), 0, lsas...)
	for _, p := range []string{"203.0.113.0/24", "203.0.114.0/24", "203.0.115.0/24"} {
		if r, ok := rt.Lookup(netip.MustParsePrefix(p)); ok {
			t.Errorf("%s: %+v, want no route", p, r)
		}
	}
	if r, _ := rt.Lookup(netip.MustParsePrefix("192.168.0.4/32")); r.PathType != PathIntraArea {
		t.Errorf("192.168.0.4/32: %+v, want the intra-area route", r)
	}
}

func Test16_4_HostBitsInLinkStateID(t *testing.T) {
	// Appendix E: a second LSA for 10.8.0.0 with a longer mask gets host
	// bits in its Link State ID; the destination is still the masked one.
	lsas := append(o5ringASBR(), o5ext("10.8.0.0/16", "2.2.2.2", true, 1, "", 0))
	e := o5ext("10.8.0.0/24", "2.2.2.2", true, 2, "", 0)
	e.Header.ID = o5ip("10.8.0.255")
	lsas = append(lsas, e)
	rt := o5calc(t, "1.1.1.1", o5ring4Ifaces(), 0, lsas...)
	for _, p := range []string{"10.8.0.0/16", "10.8.0.0/24"} {
		if _, ok := rt.Lookup(netip.MustParsePrefix(p)); !ok {
			t.Errorf("%s missing", p)
		}
	}
}

// --- incremental external recomputation (§16.6) ---

func Test16_6_ExternalOnlyChangeNeedsNoSPF(t *testing.T) {
	c := newRouteCalc(spfInput{root: u32Of(o5ip("1.1.1.1")), area: netip.IPv4Unspecified(), ifaces: o5ring4Ifaces(), maxPaths: 4})
	for _, l := range o5ringASBR() {
		c.lsa(l.Header.Key(), l)
	}
	c.full()
	runs := c.fullRuns
	e := o5ext("203.0.113.0/24", "3.3.3.3", true, 10, "", 0)
	if c.lsa(e.Header.Key(), e) {
		t.Fatal("an AS-external-LSA asked for a full SPF")
	}
	changed := c.externalsOnly()
	if len(changed) != 1 || changed[0].prefix() != netip.MustParsePrefix("203.0.113.0/24") {
		t.Fatalf("changed = %v", changed)
	}
	if c.fullRuns != runs {
		t.Fatal("full SPF ran")
	}
	r, ok := c.cur.table().Lookup(netip.MustParsePrefix("203.0.113.0/24"))
	if !ok || r.Type2Cost != 10 {
		t.Fatalf("route after incremental: %+v", r)
	}
	// Same LSA again: nothing changes.
	c.lsa(e.Header.Key(), e)
	if ch := c.externalsOnly(); len(ch) != 0 {
		t.Errorf("unchanged LSA reported changes %v", ch)
	}
	// Withdrawn: the route goes.
	c.lsa(e.Header.Key(), nil)
	if ch := c.externalsOnly(); len(ch) != 1 {
		t.Errorf("withdrawal: changed = %v", ch)
	}
	if _, ok := c.cur.table().Lookup(netip.MustParsePrefix("203.0.113.0/24")); ok {
		t.Error("route survived its LSA")
	}
	// An external for a destination with an intra-area route: no change.
	e2 := o5ext("192.168.0.4/32", "3.3.3.3", true, 1, "", 0)
	c.lsa(e2.Header.Key(), e2)
	if ch := c.externalsOnly(); len(ch) != 0 {
		t.Errorf("shadowed external changed %v", ch)
	}
	// A router-LSA change does ask for a full run.
	r1 := o5ringASBR()[0]
	if !c.lsa(r1.Header.Key(), r1) {
		t.Error("router-LSA change did not ask for SPF")
	}
}

// TestRouteCalc_IncrementalMatchesFull applies random external changes
// to a random topology and checks after each that the incrementally
// patched table equals a full recalculation.
func TestRouteCalc_IncrementalMatchesFull(t *testing.T) {
	g := o5genTopology(7, 60, 4, 0.2)
	rng := rand.New(rand.NewPCG(7, 8))
	inc := newRouteCalc(g.input(2))
	for _, l := range g.lsas {
		inc.lsa(l.Header.Key(), l)
	}
	inc.full()
	live := map[packet.LSAKey]*packet.LSA{}
	for _, l := range g.lsas {
		live[l.Header.Key()] = l
	}
	for step := range 300 {
		adv := g.rids[rng.IntN(len(g.rids))]
		p := netip.PrefixFrom(addrOfU32(0xcb000000|uint32(rng.IntN(16))<<8), 24)
		if rng.IntN(8) == 0 {
			p = netip.MustParsePrefix("0.0.0.0/0")
		}
		e := o5ext(p.String(), adv.String(), rng.IntN(2) == 0, uint32(rng.IntN(40)), "", uint32(step))
		if rng.IntN(5) == 0 {
			// A forwarding address on some link of the topology.
			e.External.ForwardingAddress = addrOfU32(g.linkAddrs[rng.IntN(len(g.linkAddrs))])
		}
		k := e.Header.Key()
		if rng.IntN(3) == 0 {
			delete(live, k)
			inc.lsa(k, nil)
		} else {
			live[k] = e
			inc.lsa(k, e)
		}
		inc.externalsOnly()
		ref := newRouteCalc(g.input(2))
		for _, l := range live {
			ref.lsa(l.Header.Key(), l)
		}
		_, want := ref.full()
		if diff := cmp.Diff(o5routes(want.table()), o5routes(inc.cur.table())); diff != "" {
			t.Fatalf("step %d: incremental differs from full (-full +incremental):\n%s", step, diff)
		}
	}
}

// TestSPF_MatchesReference compares the calculation on random topologies
// (point-to-point links and transit networks, asymmetric costs, some
// one-way links) with a plain Bellman-Ford reference that computes the
// same §16.1/§16.1.1 definitions without a priority queue.
func TestSPF_MatchesReference(t *testing.T) {
	for seed := range uint64(20) {
		g := o5genTopology(seed, 40, 3, 0.3)
		// Break a few links one way to exercise §16.1 step 2b.
		rng := rand.New(rand.NewPCG(seed, 99))
		for range 3 {
			l := g.lsas[rng.IntN(len(g.lsas))]
			if l.Header.Type == packet.LSTypeRouter && len(l.Router.Links) > 0 {
				i := rng.IntN(len(l.Router.Links))
				l.Router.Links = slices.Delete(l.Router.Links, i, i+1)
			}
		}
		in := g.input(DefaultMaxPaths)
		c := newRouteCalc(in)
		for _, l := range g.lsas {
			c.lsa(l.Header.Key(), l)
		}
		_, got := c.full()
		want := o5reference(g.lsas, &in)
		if diff := cmp.Diff(want, o5routes(got.table())); diff != "" {
			t.Fatalf("seed %d: (-reference +spf):\n%s", seed, diff)
		}
	}
}

// o5reference computes the intra-area routing table by Bellman-Ford
// relaxation over the bidirectionally confirmed edges, then next hops by
// following every shortest-path edge.
func o5reference(lsas []*packet.LSA, in *spfInput) []string {
	type node struct {
		kind  vertexKind
		id    uint32
		lsa   *packet.LSA
		edges []struct {
			to   string
			cost uint32
			lk   packet.RouterLink
		}
	}
	name := func(k vertexKind, id uint32) string { return fmt.Sprintf("%d/%08x", k, id) }
	nodes := map[string]*node{}
	for _, l := range lsas {
		switch l.Header.Type {
		case packet.LSTypeRouter:
			nodes[name(vxRouter, u32Of(l.Header.ID))] = &node{kind: vxRouter, id: u32Of(l.Header.ID), lsa: l}
		case packet.LSTypeNetwork:
			nodes[name(vxNetwork, u32Of(l.Header.ID))] = &node{kind: vxNetwork, id: u32Of(l.Header.ID), lsa: l}
		}
	}
	hasLink := func(r *packet.LSA, typ packet.LinkType, id uint32) (uint32, bool) {
		for _, lk := range r.Router.Links {
			if lk.Type == typ && u32Of(lk.ID) == id {
				return u32Of(lk.Data), true
			}
		}
		return 0, false
	}
	for _, n := range nodes {
		if n.kind == vxRouter {
			for _, lk := range n.lsa.Router.Links {
				switch lk.Type {
				case packet.LinkPointToPoint:
					w := nodes[name(vxRouter, u32Of(lk.ID))]
					if w == nil {
						continue
					}
					if _, ok := hasLink(w.lsa, packet.LinkPointToPoint, n.id); ok {
						n.edges = append(n.edges, struct {
							to   string
							cost uint32
							lk   packet.RouterLink
						}{name(vxRouter, w.id), uint32(lk.Metric), lk})
					}
				case packet.LinkTransit:
					w := nodes[name(vxNetwork, u32Of(lk.ID))]
					if w == nil || !slices.Contains(w.lsa.Network.AttachedRouters, addrOfU32(n.id)) {
						continue
					}
					n.edges = append(n.edges, struct {
						to   string
						cost uint32
						lk   packet.RouterLink
					}{name(vxNetwork, w.id), uint32(lk.Metric), lk})
				}
			}
		} else {
			for _, a := range n.lsa.Network.AttachedRouters {
				w := nodes[name(vxRouter, u32Of(a))]
				if w == nil {
					continue
				}
				if _, ok := hasLink(w.lsa, packet.LinkTransit, n.id); ok {
					n.edges = append(n.edges, struct {
						to   string
						cost uint32
						lk   packet.RouterLink
					}{name(vxRouter, w.id), 0, packet.RouterLink{}})
				}
			}
		}
	}
	root := name(vxRouter, in.root)
	const inf = ^uint32(0)
	dist := map[string]uint32{}
	for k := range nodes {
		dist[k] = inf
	}
	dist[root] = 0
	for range len(nodes) {
		for k, n := range nodes {
			if dist[k] == inf {
				continue
			}
			for _, e := range n.edges {
				if d := dist[k] + e.cost; d < dist[e.to] {
					dist[e.to] = d
				}
			}
		}
	}
	// Next hops in order of distance (networks first at equal distance).
	keys := make([]string, 0, len(nodes))
	for k := range nodes {
		if dist[k] != inf {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		if dist[a] != dist[b] {
			return int(int64(dist[a]) - int64(dist[b]))
		}
		if nodes[a].kind != nodes[b].kind {
			return int(nodes[b].kind) - int(nodes[a].kind)
		}
		return strings.Compare(a, b)
	})
	hops := map[string]map[nexthop]bool{}
	for _, k := range keys {
		hops[k] = map[nexthop]bool{}
	}
	for _, k := range keys {
		n := nodes[k]
		for _, e := range n.edges {
			if dist[e.to] == inf || dist[k]+e.cost != dist[e.to] || e.to == root {
				continue
			}
			w := nodes[e.to]
			switch {
			case k == root:
				ifc := in.ifaceByData(u32Of(e.lk.Data))
				if w.kind == vxNetwork {
					hops[e.to][nexthop{ifc: ifc}] = true
				} else {
					var f *spfIface
					if ifc >= 0 {
						f = &in.ifaces[ifc]
					}
					var gw uint32
					for _, lk := range w.lsa.Router.Links {
						if lk.Type == packet.LinkPointToPoint && u32Of(lk.ID) == in.root && (f == nil || f.contains(u32Of(lk.Data))) {
							gw = u32Of(lk.Data)
							break
						}
					}
					hops[e.to][nexthop{ifc: ifc, gw: gw}] = true
				}
			case n.kind == vxNetwork:
				addr, _ := hasLink(w.lsa, packet.LinkTransit, n.id)
				for h := range hops[k] {
					if h.gw == 0 {
						h.gw = addr
					}
					hops[e.to][h] = true
				}
			default:
				for h := range hops[k] {
					hops[e.to][h] = true
				}
			}
		}
	}
	type ent struct {
		cost      uint32
		hops      map[nexthop]bool
		connected bool
	}
	table := map[netip.Prefix]*ent{}
	add := func(p netip.Prefix, cost uint32, hs map[nexthop]bool, connected bool) {
		e := table[p]
		if e == nil || cost < e.cost {
			e = &ent{cost: cost, hops: map[nexthop]bool{}}
			table[p] = e
		} else if cost > e.cost {
			return
		}
		for h := range hs {
			e.hops[h] = true
		}
		e.connected = e.connected || connected
	}
	for _, k := range keys {
		n := nodes[k]
		if n.kind == vxNetwork {
			bits, _ := packet.MaskBits(n.lsa.Network.NetworkMask)
			direct := false
			for h := range hops[k] {
				direct = direct || h.gw == 0
			}
			add(netip.PrefixFrom(addrOfU32(n.id), bits).Masked(), dist[k], hops[k], direct)
		}
	}
	for _, k := range keys {
		n := nodes[k]
		if n.kind != vxRouter {
			continue
		}
		for _, lk := range n.lsa.Router.Links {
			if lk.Type != packet.LinkStub {
				continue
			}
			bits, _ := packet.MaskBits(lk.Data)
			p := netip.PrefixFrom(lk.ID, bits).Masked()
			if k == root {
				hs := map[nexthop]bool{}
				if ifc := in.ifaceFor(u32Of(p.Addr())); ifc >= 0 && in.ifaces[ifc].bits <= bits {
					hs[nexthop{ifc: ifc}] = true
				}
				add(p, uint32(lk.Metric), hs, true)
				continue
			}
			add(p, dist[k]+uint32(lk.Metric), hops[k], false)
		}
	}
	pfx := newPrefixTable()
	r := newRIB(pfx, in.ifaces, in.area)
	for p, e := range table {
		var nh []nexthop
		for h := range e.hops {
			nh = append(nh, h)
		}
		nh = sortNH(nh)
		r.put(ribEntry{key: keyOfPrefix(p), pid: pfx.ref(keyOfPrefix(p)), pathType: PathIntraArea, cost: e.cost, connected: e.connected, hops: r.intern(nh)})
	}
	return o5routes(r.table())
}

func ExampleDiffTables() {
	hop := func(gw string) []NextHop {
		return []NextHop{{Interface: "eth0", Gateway: netip.MustParseAddr(gw)}}
	}
	old := RoutingTable{Routes: []Route{
		{Prefix: netip.MustParsePrefix("10.0.1.0/24"), PathType: PathIntraArea, Cost: 20, NextHops: hop("10.0.0.2")},
		{Prefix: netip.MustParsePrefix("10.0.2.0/24"), PathType: PathIntraArea, Cost: 30, NextHops: hop("10.0.0.2")},
	}}
	cur := RoutingTable{Routes: []Route{
		{Prefix: netip.MustParsePrefix("0.0.0.0/0"), PathType: PathExternal2, Cost: 10, Type2Cost: 1, NextHops: hop("10.0.0.3")},
		{Prefix: netip.MustParsePrefix("10.0.1.0/24"), PathType: PathIntraArea, Cost: 20, NextHops: hop("10.0.0.3")},
	}}
	d := DiffTables(old, cur)
	for _, r := range d.Added {
		fmt.Println("added", r.Prefix, r.PathType)
	}
	for _, r := range d.Changed {
		fmt.Println("changed", r.Prefix, "via", r.NextHops[0].Gateway)
	}
	for _, r := range d.Removed {
		fmt.Println("removed", r.Prefix)
	}
	// Output:
	// added 0.0.0.0/0 external-2
	// changed 10.0.1.0/24 via 10.0.0.3
	// removed 10.0.2.0/24
}

func TestRoutingTable_JSONRoundTrip(t *testing.T) {
	rt := o5calc(t, "1.1.1.1", o5ring4Ifaces(), 0, append(o5ringASBR(), o5ext("0.0.0.0/0", "3.3.3.3", true, 10, "", 5))...)
	b, err := json.Marshal(rt)
	if err != nil {
		t.Fatal(err)
	}
	var back RoutingTable
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rt, back, cmp.Comparer(func(a, b netip.Addr) bool { return a == b }), cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(b), `"path_type":"external-2"`) {
		t.Errorf("JSON %s", b)
	}
}

// TestSPF_16_1_GraphChangesMatchFresh changes router- and network-LSAs
// one at a time (metrics, links dropped one way, LSAs flushed and
// reoriginated, a second network-LSA with the same Link State ID as after
// a DR change) and checks after each that the calculation on the
// incrementally compiled graph, with its cached link resolutions (§16.1
// step 2b), equals one on a graph compiled afresh from the same LSAs.
func TestSPF_16_1_GraphChangesMatchFresh(t *testing.T) {
	for seed := range uint64(4) {
		g := o5genTopology(seed, 50, 3, 0.3)
		rng := rand.New(rand.NewPCG(seed, 77))
		maxPaths := 1 + int(seed%3)
		inc := newRouteCalc(g.input(maxPaths))
		live := map[packet.LSAKey]*packet.LSA{}
		var keys []packet.LSAKey
		for _, l := range g.lsas {
			inc.lsa(l.Header.Key(), l)
			live[l.Header.Key()] = l
			keys = append(keys, l.Header.Key())
		}
		flushed := map[packet.LSAKey]*packet.LSA{}
		inc.full()
		for step := range 250 {
			k := keys[rng.IntN(len(keys))]
			l, ok := live[k]
			var what string
			switch {
			case !ok:
				// Reoriginate a flushed LSA.
				l = flushed[k]
				delete(flushed, k)
				live[k] = l
				inc.lsa(k, l)
				what = "reoriginated"
			case rng.IntN(6) == 0 && k.AdvRouter != g.rids[0]:
				delete(live, k)
				flushed[k] = l
				inc.lsa(k, nil)
				what = "flushed"
			case l.Header.Type == packet.LSTypeRouter && len(l.Router.Links) > 0:
				n := *l
				n.Router.Links = slices.Clone(l.Router.Links)
				i := rng.IntN(len(n.Router.Links))
				switch rng.IntN(5) {
				case 0:
					n.Router.Links = slices.Delete(n.Router.Links, i, i+1)
					what = "link dropped"
				case 1:
					n.Router.Flags ^= packet.RouterFlagE
					what = "E bit flipped"
				case 2:
					// The same number of links, one leading elsewhere:
					// the old far end's link back is now one way.
					if n.Router.Links[i].Type == packet.LinkPointToPoint {
						n.Router.Links[i].ID = g.rids[rng.IntN(len(g.rids))]
					}
					what = "link moved"
				default:
					n.Router.Links[i].Metric = uint16(rng.IntN(8))
					what = "metric changed"
				}
				live[k] = &n
				inc.lsa(k, &n)
			case l.Header.Type == packet.LSTypeNetwork && len(l.Network.AttachedRouters) > 1:
				// A new DR originates a network-LSA with the same Link
				// State ID before the old one is flushed.
				n := *l
				n.Header.AdvRouter = l.Network.AttachedRouters[1]
				n.Network.AttachedRouters = slices.Clone(l.Network.AttachedRouters)
				nk := n.Header.Key()
				if _, dup := live[nk]; dup {
					continue
				}
				live[nk] = &n
				keys = append(keys, nk)
				inc.lsa(nk, &n)
				what = "second network-LSA"
			default:
				continue
			}
			_, got := inc.full()
			ref := newRouteCalc(g.input(maxPaths))
			for lk, l := range live {
				ref.lsa(lk, l)
			}
			_, want := ref.full()
			wt, gt := want.table(), got.table()
			if diff := cmp.Diff(o5routes(wt), o5routes(gt)); diff != "" {
				t.Fatalf("seed %d step %d (%s %v): (-fresh +incremental):\n%s", seed, step, what, k, diff)
			}
			if w, g := fmt.Sprint(wt.Routers), fmt.Sprint(gt.Routers); w != g {
				t.Fatalf("seed %d step %d (%s %v): routers differ:\nfresh %s\nincremental %s", seed, step, what, k, w, g)
			}
		}
	}
}

package packet

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var ip = netip.MustParseAddr

// goldenPackets decodes the golden packets of one link (authenticated).
func goldenPackets(t *testing.T, link string) []Packet {
	t.Helper()
	var out []Packet
	for _, g := range loadGoldens(t) {
		if g.link != link {
			continue
		}
		body, err := goldenAuth(link).Verify(g.data, nil, goldenTime)
		if err != nil {
			t.Fatalf("%s:%d: %v", link, g.line, err)
		}
		p, err := ParsePacket(body)
		if err != nil {
			t.Fatalf("%s:%d: %v", link, g.line, err)
		}
		out = append(out, p)
	}
	return out
}

// newestLSA returns the most recent instance (13.1) of an LSA among the
// link's Link State Updates.
func newestLSA(t *testing.T, pkts []Packet, key LSAKey) LSA {
	t.Helper()
	var best *LSA
	for i := range pkts {
		for j := range pkts[i].LSU.LSAs {
			l := &pkts[i].LSU.LSAs[j]
			if pkts[i].Header.Type == TypeLSUpdate && l.Header.Key() == key && (best == nil || CompareLSA(l.Header, best.Header) > 0) {
				best = l
			}
		}
	}
	if best == nil {
		t.Fatalf("no LSA %+v in the goldens", key)
	}
	return *best
}

var ignoreDynamic = cmp.Options{
	cmpopts.EquateEmpty(),
	cmpopts.EquateComparable(netip.Addr{}),
	// Age, sequence number and checksum depend on the run that captured.
	cmpopts.IgnoreFields(LSAHeader{}, "Age", "Seq", "Checksum"),
	cmpopts.IgnoreFields(Header{}, "Checksum", "Auth"),
}

// The expectations below follow from the configurations in
// golden_capture_test.go, not from reading the captures.
func TestGolden_FRRBroadcastArea0(t *testing.T) {
	pkts := goldenPackets(t, "frr-area0-broadcast")

	// First packet: A's first Hello, before it has heard anyone (A.3.2).
	// FRR signals opaque capability in DD packets only (RFC 5250 4), so
	// the Hello carries E alone.
	want := Packet{
		Header: Header{Type: TypeHello, Length: 44, RouterID: ip("1.1.1.1"), AreaID: ip("0.0.0.0")},
		Hello: Hello{NetworkMask: ip("255.255.255.0"), HelloInterval: 1, Options: OptE, Priority: 1,
			RouterDeadInterval: 4, DesignatedRouter: ip("0.0.0.0"), BackupDesignatedRouter: ip("0.0.0.0")},
	}
	if d := cmp.Diff(want, pkts[0], ignoreDynamic); d != "" {
		t.Errorf("first hello (-want +got):\n%s", d)
	}

	var sawInitDD, sawNbrHello bool
	for _, p := range pkts {
		switch p.Header.Type {
		case TypeDatabaseDescription:
			if p.DD.Options&OptO == 0 {
				t.Errorf("DD from %v without the O bit: %v", p.Header.RouterID, p.DD.Options)
			}
			if p.DD.Flags == DDFlagI|DDFlagM|DDFlagMS && len(p.DD.LSAHeaders) == 0 && p.DD.InterfaceMTU == 1500 {
				sawInitDD = true // 10.6 / 10.8: the ExStart negotiation packet
			}
		case TypeHello:
			if p.Header.RouterID == ip("2.2.2.2") && len(p.Hello.Neighbors) == 1 && p.Hello.Neighbors[0] == ip("1.1.1.1") && p.Hello.Priority == 10 {
				sawNbrHello = true
			}
		}
	}
	if !sawInitDD || !sawNbrHello {
		t.Errorf("initial DD seen %v, B's hello listing A seen %v", sawInitDD, sawNbrHello)
	}

	// B (priority 10) is DR: its network-LSA lists both routers.
	net := newestLSA(t, pkts, LSAKey{LSTypeNetwork, ip("10.0.12.2"), ip("2.2.2.2")})
	if d := cmp.Diff(NetworkLSA{NetworkMask: ip("255.255.255.0"), AttachedRouters: []netip.Addr{ip("2.2.2.2"), ip("1.1.1.1")}},
		net.Network, ignoreDynamic, cmpopts.SortSlices(func(a, b netip.Addr) bool { return a.Less(b) })); d != "" {
		t.Errorf("network-LSA (-want +got):\n%s", d)
	}
	if p, ok := net.Prefix(); !ok || p != netip.MustParsePrefix("10.0.12.0/24") {
		t.Errorf("network-LSA prefix %v %v", p, ok)
	}

	// B is an ASBR with one transit link to the DR (itself), cost 10.
	rtr := newestLSA(t, pkts, LSAKey{LSTypeRouter, ip("2.2.2.2"), ip("2.2.2.2")})
	if d := cmp.Diff(RouterLSA{Flags: RouterFlagE, Links: []RouterLink{{ID: ip("10.0.12.2"), Data: ip("10.0.12.2"), Type: LinkTransit, Metric: 10}}},
		rtr.Router, ignoreDynamic); d != "" {
		t.Errorf("B's router-LSA (-want +got):\n%s", d)
	}
	// A is an ABR (B bit).
	if a := newestLSA(t, pkts, LSAKey{LSTypeRouter, ip("1.1.1.1"), ip("1.1.1.1")}); a.Router.Flags&RouterFlagB == 0 {
		t.Errorf("A's router-LSA flags %v, want B", a.Router.Flags)
	}

	// Route-map EXT: 203.0.113.0/25 type 1, metric 42, tag 77, forwarding
	// address the kernel next hop; everything else FRR's default E2/20.
	e1 := newestLSA(t, pkts, LSAKey{LSTypeASExternal, ip("203.0.113.0"), ip("2.2.2.2")})
	if d := cmp.Diff(ExternalLSA{NetworkMask: ip("255.255.255.128"), E: false, Metric: 42, ForwardingAddress: ip("10.0.12.50"), RouteTag: 77},
		e1.External, ignoreDynamic); d != "" {
		t.Errorf("external 203.0.113.0/25 (-want +got):\n%s", d)
	}
	e2 := newestLSA(t, pkts, LSAKey{LSTypeASExternal, ip("198.51.100.0"), ip("2.2.2.2")})
	if d := cmp.Diff(ExternalLSA{NetworkMask: ip("255.255.255.0"), E: true, Metric: 20, ForwardingAddress: ip("0.0.0.0")},
		e2.External, ignoreDynamic); d != "" {
		t.Errorf("external 198.51.100.0/24 (-want +got):\n%s", d)
	}
	// C's external reaches area 0 with C's metric 30 and a type-4 summary
	// for C from the ABR A.
	if c := newestLSA(t, pkts, LSAKey{LSTypeASExternal, ip("192.0.2.0"), ip("3.3.3.3")}); c.External.Metric != 30 || !c.External.E {
		t.Errorf("C's external: %+v", c.External)
	}
	asbr := newestLSA(t, pkts, LSAKey{LSTypeSummaryASBR, ip("3.3.3.3"), ip("1.1.1.1")})
	if d := cmp.Diff(SummaryLSA{NetworkMask: ip("0.0.0.0"), Metric: 10}, asbr.Summary, ignoreDynamic); d != "" {
		t.Errorf("type-4 summary (-want +got):\n%s", d)
	}
	sum := newestLSA(t, pkts, LSAKey{LSTypeSummaryNetwork, ip("10.0.13.0"), ip("1.1.1.1")})
	if d := cmp.Diff(SummaryLSA{NetworkMask: ip("255.255.255.0"), Metric: 10}, sum.Summary, ignoreDynamic); d != "" {
		t.Errorf("type-3 summary (-want +got):\n%s", d)
	}
	// The NSSA external of D, translated by A into a type-5 (RFC 3101 3.2).
	if tr := newestLSA(t, pkts, LSAKey{LSTypeASExternal, ip("100.64.0.0"), ip("1.1.1.1")}); tr.External.NetworkMask != ip("255.255.0.0") {
		t.Errorf("translated external: %+v", tr.External)
	}
	// A's Router Information LSA (RFC 7770): opaque type 4, ID 0, area scope.
	ri := newestLSA(t, pkts, LSAKey{LSTypeOpaqueArea, OpaqueLSID(4, 0), ip("1.1.1.1")})
	if ri.Header.OpaqueType() != 4 || ri.Header.OpaqueID() != 0 || len(ri.Opaque.Data) < 4 || ri.Opaque.Data[1] != 1 {
		t.Errorf("router information LSA: %v %d %x", ri.Header.ID, ri.Header.OpaqueID(), ri.Opaque.Data)
	}
}

func TestGolden_FRRNSSAPointToPoint(t *testing.T) {
	pkts := goldenPackets(t, "frr-area2-nssa-p2p")
	// Point-to-point (RFC 2328 12.4.1.1): a type 1 link to the neighbor and
	// a stub link for the subnet. D is an ASBR in an NSSA: E set, options
	// carry N/P (RFC 3101 2.1).
	d := newestLSA(t, pkts, LSAKey{LSTypeRouter, ip("4.4.4.4"), ip("4.4.4.4")})
	want := RouterLSA{Flags: RouterFlagE, Links: []RouterLink{
		{ID: ip("1.1.1.1"), Data: ip("10.0.14.4"), Type: LinkPointToPoint, Metric: 10},
		{ID: ip("10.0.14.0"), Data: ip("255.255.255.0"), Type: LinkStub, Metric: 10},
	}}
	if diff := cmp.Diff(want, d.Router, ignoreDynamic); diff != "" {
		t.Errorf("D's router-LSA (-want +got):\n%s", diff)
	}
	if d.Header.Options&OptNP == 0 || d.Header.Options&OptE != 0 {
		t.Errorf("D's router-LSA options %v, want N/P without E", d.Header.Options)
	}
	n7 := newestLSA(t, pkts, LSAKey{LSTypeNSSA, ip("100.64.0.0"), ip("4.4.4.4")})
	if diff := cmp.Diff(ExternalLSA{NetworkMask: ip("255.255.0.0"), E: true, Metric: 20, ForwardingAddress: ip("10.0.14.4")},
		n7.External, ignoreDynamic); diff != "" {
		t.Errorf("NSSA-LSA (-want +got):\n%s", diff)
	}
	if n7.Header.Options&OptNP == 0 {
		t.Errorf("NSSA-LSA options %v: P bit missing, A would not translate it", n7.Header.Options)
	}
	if p, ok := n7.Prefix(); !ok || p != netip.MustParsePrefix("100.64.0.0/16") {
		t.Errorf("NSSA prefix %v", p)
	}
}

func TestGolden_CryptoHeaders(t *testing.T) {
	for _, c := range []struct {
		link  string
		keyID uint8
		l     uint8
	}{{"frr-area1-md5", 1, 16}, {"bird-hmac-sha1", 1, 20}, {"bird-hmac-sha256", 2, 32}, {"bird-hmac-sha384", 3, 48}, {"bird-hmac-sha512", 4, 64}} {
		for _, p := range goldenPackets(t, c.link) {
			ca := p.Header.Crypto()
			if p.Header.AuType != AuthCrypto || ca.KeyID != c.keyID || ca.DataLen != c.l || p.Header.Checksum != 0 {
				t.Errorf("%s: AuType %v crypto %+v checksum %#x", c.link, p.Header.AuType, ca, p.Header.Checksum)
				break
			}
		}
	}
	// RFC 5709 3.3 hashes a key longer than L first; BIRD does not. The
	// standard derivation therefore rejects BIRD's SHA-1 packets with the
	// 30-byte key, and PlainHMACKey accepts them.
	g := loadGoldens(t)
	for _, p := range g {
		if p.link != "bird-hmac-sha1" {
			continue
		}
		rfc := goldenAuth(p.link)
		rfc.Keys[0].PlainHMACKey = false
		if _, err := rfc.Verify(p.data, nil, goldenTime); err == nil {
			t.Errorf("RFC 5709 key derivation accepted BIRD's plain-HMAC digest")
		}
		break
	}
}

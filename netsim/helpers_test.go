package netsim

import (
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/switchless/routing"
)

var (
	groupAllSPF = netip.MustParseAddr("224.0.0.5")
	groupAllDR  = netip.MustParseAddr("224.0.0.6")
	groupVRRP   = netip.MustParseAddr("224.0.0.18")
	groupRIP    = netip.MustParseAddr("224.0.0.9")
	ospfCfg     = TransportConfig{IPProto: ProtoOSPF}
	vrrpCfg     = TransportConfig{IPProto: ProtoVRRP}
	ripCfg      = TransportConfig{UDPPort: PortRIP}
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func addr(s string) netip.Addr  { return netip.MustParseAddr(s) }

// arrival is one packet seen by a recorder, with the virtual time.
type arrival struct {
	at  time.Time
	pkt routing.Packet // Payload copied
}

// recorder is a started transport that keeps what it receives.
type recorder struct {
	t     *Transport
	clock *routing.ManualClock
	got   []arrival
}

func (r *recorder) deliver(p routing.Packet) {
	p.Payload = append([]byte(nil), p.Payload...)
	r.got = append(r.got, arrival{at: r.clock.Now(), pkt: p})
}

// listen opens and starts a transport of cfg on a, joining groups.
func listen(t testing.TB, a *Attachment, cfg TransportConfig, groups ...netip.Addr) *recorder {
	t.Helper()
	tr, err := a.Transport(cfg)
	if err != nil {
		t.Fatalf("Transport(%+v) on %s: %v", cfg, a, err)
	}
	r := &recorder{t: tr, clock: a.net.clock}
	if err := tr.Start(r.deliver); err != nil {
		t.Fatalf("Start: %v", err)
	}
	for _, g := range groups {
		if err := tr.JoinGroup(g); err != nil {
			t.Fatalf("JoinGroup(%v): %v", g, err)
		}
	}
	return r
}

// opener opens a transport without starting it, for senders.
func opener(t testing.TB, a *Attachment, cfg TransportConfig) *Transport {
	t.Helper()
	tr, err := a.Transport(cfg)
	if err != nil {
		t.Fatalf("Transport(%+v) on %s: %v", cfg, a, err)
	}
	return tr
}

func send(t testing.TB, tr *Transport, dst netip.Addr, payload []byte) {
	t.Helper()
	if err := tr.Send(dst, payload); err != nil {
		t.Fatalf("Send to %v from %s: %v", dst, tr.Attachment(), err)
	}
}

func newNet(seed int64) (*Network, *routing.ManualClock) {
	clock := routing.NewManualClock(time.Time{})
	return New(clock, seed, nil), clock
}

// pair builds r1 -- r2 over a point-to-point link with 10.0.0.1/30 and
// 10.0.0.2/30.
func pair(t testing.TB, n *Network, c Conditions) (*Attachment, *Attachment) {
	t.Helper()
	a, b, err := n.Link(n.Node("r1"), n.Node("r2"), LinkConfig{
		AAddrs:     []netip.Prefix{pfx("10.0.0.1/30")},
		BAddrs:     []netip.Prefix{pfx("10.0.0.2/30")},
		Conditions: c,
	})
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// lan builds a segment with k nodes h0..h(k-1), addresses 192.0.2.(i+1)/24.
func lan(t testing.TB, n *Network, k int, c Conditions) (*Link, []*Attachment) {
	t.Helper()
	seg, err := n.Segment("lan", SegmentConfig{Conditions: c})
	if err != nil {
		t.Fatal(err)
	}
	atts := make([]*Attachment, k)
	for i := range atts {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}), 24)
		atts[i], err = seg.Attach(n.Node("h"+strconv.Itoa(i)), "", p)
		if err != nil {
			t.Fatal(err)
		}
	}
	return seg, atts
}

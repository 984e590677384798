package netsim

import (
	"encoding/binary"
	"errors"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// numbered returns a payload carrying i, for matching sends and arrivals.
func numbered(i int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(i)) }

func number(b []byte) int { return int(binary.BigEndian.Uint32(b)) }

// stream sends count numbered packets from a to group 224.0.0.5 every
// gap and returns the receiver's arrivals after the clock has drained.
func stream(t *testing.T, seed int64, c Conditions, count int, gap time.Duration) (*recorder, *Link, []time.Time) {
	t.Helper()
	n, clock := newNet(seed)
	a, b := pair(t, n, c)
	tx := opener(t, a, ospfCfg)
	r := listen(t, b, ospfCfg, groupAllSPF)
	sent := make([]time.Time, count)
	for i := range count {
		sent[i] = clock.Now()
		send(t, tx, groupAllSPF, numbered(i))
		clock.Advance(gap)
	}
	if !clock.RunUntilIdle(time.Hour) {
		t.Fatal("clock not idle")
	}
	return r, a.Link(), sent
}

// TestLatencyJitterStatistics: with latency 10 ms and jitter 4 ms every
// delay lies in [10, 14] ms, the mean is 12 ms and the standard deviation
// that of a uniform distribution (4/sqrt(12) ms), within tolerance, for a
// fixed seed.
func TestLatencyJitterStatistics(t *testing.T) {
	const count = 10000
	lat, jit := 10*time.Millisecond, 4*time.Millisecond
	r, _, sent := stream(t, 42, Conditions{Latency: lat, Jitter: jit}, count, 5*time.Millisecond)
	if len(r.got) != count {
		t.Fatalf("got %d packets, want %d", len(r.got), count)
	}
	var sum, sumSq float64
	minD, maxD := time.Duration(math.MaxInt64), time.Duration(0)
	for _, g := range r.got {
		d := g.at.Sub(sent[number(g.pkt.Payload)])
		minD, maxD = min(minD, d), max(maxD, d)
		ms := d.Seconds() * 1000
		sum += ms
		sumSq += ms * ms
	}
	mean := sum / count
	sd := math.Sqrt(sumSq/count - mean*mean)
	wantSD := 4 / math.Sqrt(12)
	t.Logf("delay min %v max %v mean %.3f ms sd %.3f ms", minD, maxD, mean, sd)
	if minD < lat || maxD > lat+jit {
		t.Errorf("delays in [%v, %v], want within [%v, %v]", minD, maxD, lat, lat+jit)
	}
	if math.Abs(mean-12) > 0.1 {
		t.Errorf("mean delay %.3f ms, want 12 ± 0.1", mean)
	}
	if math.Abs(sd-wantSD) > 0.1*wantSD {
		t.Errorf("delay sd %.3f ms, want %.3f ± 10%%", sd, wantSD)
	}
}

// TestLossStatistics: 10k packets at 20 % loss lose 20 % ± 2 %, and the
// counters add up.
func TestLossStatistics(t *testing.T) {
	const count = 10000
	r, l, _ := stream(t, 7, Conditions{Loss: 0.2}, count, time.Millisecond)
	s := l.Stats()
	ratio := float64(s.Dropped[DropLoss]) / count
	t.Logf("lost %.2f%%", ratio*100)
	if ratio < 0.18 || ratio > 0.22 {
		t.Errorf("loss %.4f, want 0.20 ± 0.02", ratio)
	}
	if s.Sent != count || s.Delivered+s.Dropped[DropLoss] != count || uint64(len(r.got)) != s.Delivered {
		t.Errorf("stats %v with %d received do not add up to %d sent", s, len(r.got), count)
	}
}

// TestLossPerReceiver: on a segment each receiving copy is lost on its
// own, so receivers lose different packets at the same rate.
func TestLossPerReceiver(t *testing.T) {
	n, clock := newNet(3)
	_, atts := lan(t, n, 4, Conditions{Loss: 0.3})
	tx := opener(t, atts[0], ospfCfg)
	var rs []*recorder
	for _, a := range atts[1:] {
		rs = append(rs, listen(t, a, ospfCfg, groupAllSPF))
	}
	const count = 5000
	for i := range count {
		send(t, tx, groupAllSPF, numbered(i))
	}
	clock.Advance(0)
	for _, r := range rs {
		ratio := 1 - float64(len(r.got))/count
		if ratio < 0.27 || ratio > 0.33 {
			t.Errorf("%s lost %.3f, want 0.30 ± 0.03", r.t.Attachment(), ratio)
		}
		if s := r.t.Attachment().Stats(); int(s.Dropped[DropLoss])+len(r.got) != count {
			t.Errorf("%s stats %v do not add up", r.t.Attachment(), s)
		}
	}
	same := 0
	for i := range min(len(rs[0].got), len(rs[1].got)) {
		if number(rs[0].got[i].pkt.Payload) == number(rs[1].got[i].pkt.Payload) {
			same++
		}
	}
	if same == min(len(rs[0].got), len(rs[1].got)) {
		t.Error("two receivers lost exactly the same packets; loss must be per copy")
	}
}

// TestDuplication: at 10 % duplication about 10 % of packets arrive twice,
// the second right after the first, and none more than twice.
func TestDuplication(t *testing.T) {
	const count = 10000
	r, l, _ := stream(t, 9, Conditions{Latency: time.Millisecond, Duplicate: 0.1}, count, time.Millisecond)
	s := l.Stats()
	ratio := float64(s.Duplicated) / count
	if ratio < 0.09 || ratio > 0.11 {
		t.Errorf("duplicated %.4f, want 0.10 ± 0.01", ratio)
	}
	seen := make([]int, count)
	for _, g := range r.got {
		seen[number(g.pkt.Payload)]++
	}
	twice := 0
	for i, k := range seen {
		switch k {
		case 1:
		case 2:
			twice++
		default:
			t.Fatalf("packet %d arrived %d times", i, k)
		}
	}
	if uint64(twice) != s.Duplicated || uint64(len(r.got)) != s.Delivered || s.Delivered != count+s.Duplicated {
		t.Errorf("%d duplicates seen, %d received; stats %v", twice, len(r.got), s)
	}
	for i := 1; i < len(r.got); i++ {
		if number(r.got[i].pkt.Payload) < number(r.got[i-1].pkt.Payload) {
			t.Fatalf("duplication reordered packets at arrival %d", i)
		}
	}
}

// TestReordering: with Reorder 10 % and packets 1 ms apart, held-back
// copies (3 ms) are overtaken; every packet still arrives exactly once.
func TestReordering(t *testing.T) {
	const count = 2000
	r, l, _ := stream(t, 11, Conditions{Latency: 5 * time.Millisecond, Reorder: 0.1, ReorderDelay: 3 * time.Millisecond}, count, time.Millisecond)
	s := l.Stats()
	if ratio := float64(s.Reordered) / count; ratio < 0.08 || ratio > 0.12 {
		t.Errorf("reordered %.3f, want 0.10 ± 0.02", ratio)
	}
	if len(r.got) != count {
		t.Fatalf("got %d packets, want %d", len(r.got), count)
	}
	inversions := 0
	seen := make(map[int]bool)
	for i, g := range r.got {
		k := number(g.pkt.Payload)
		if seen[k] {
			t.Fatalf("packet %d arrived twice", k)
		}
		seen[k] = true
		if i > 0 && k < number(r.got[i-1].pkt.Payload) {
			inversions++
		}
	}
	t.Logf("%d reordered, %d inversions", s.Reordered, inversions)
	if inversions < int(s.Reordered)/2 {
		t.Errorf("%d inversions for %d reordered copies; reordering not observed", inversions, s.Reordered)
	}
}

// TestJitterKeepsOrder: jitter larger than the packet spacing does not
// reorder a link when Reorder is zero (FIFO per sender and receiver).
func TestJitterKeepsOrder(t *testing.T) {
	r, _, _ := stream(t, 13, Conditions{Latency: time.Millisecond, Jitter: 20 * time.Millisecond}, 1000, time.Millisecond)
	for i, g := range r.got {
		if number(g.pkt.Payload) != i {
			t.Fatalf("arrival %d is packet %d; jitter alone must not reorder", i, number(g.pkt.Payload))
		}
	}
}

// TestMTU: IP header (+ UDP header) + payload above the MTU is dropped as
// DropMTU; exactly the MTU passes. IPv4 header 20, IPv6 40, UDP 8.
func TestMTU(t *testing.T) {
	v6 := TransportConfig{IPProto: ProtoOSPF, IPv6: true}
	cases := []struct {
		name string
		mtu  int
		cfg  TransportConfig
		dst  netip.Addr
		max  int // largest payload that passes
	}{
		{"ipv4 raw 1500", 0, ospfCfg, groupAllSPF, 1480},
		{"ipv4 udp 1500", 0, ripCfg, groupRIP, 1472},
		{"ipv6 raw 1500", 0, v6, addr("ff02::5"), 1460},
		{"ipv4 raw 576", 576, ospfCfg, groupAllSPF, 556},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, clock := newNet(1)
			a, b, err := n.Link(n.Node("r1"), n.Node("r2"), LinkConfig{
				AAddrs:     []netip.Prefix{pfx("10.0.0.1/30"), pfx("fe80::1/64")},
				BAddrs:     []netip.Prefix{pfx("10.0.0.2/30"), pfx("fe80::2/64")},
				Conditions: Conditions{MTU: c.mtu},
			})
			if err != nil {
				t.Fatal(err)
			}
			tx := opener(t, a, c.cfg)
			r := listen(t, b, c.cfg, c.dst)
			send(t, tx, c.dst, make([]byte, c.max))
			send(t, tx, c.dst, make([]byte, c.max+1))
			clock.Advance(0)
			if len(r.got) != 1 || len(r.got[0].pkt.Payload) != c.max {
				t.Errorf("received %d packets, want only the %d-byte one", len(r.got), c.max)
			}
			if s := a.Stats(); s.Dropped[DropMTU] != 1 || s.Sent != 2 {
				t.Errorf("sender stats %v, want sent=2 drop.mtu=1", s)
			}
		})
	}
}

// TestBandwidth: at 1 Mbit/s a 1000-byte IPv4 payload (1034-byte frame)
// takes 8.272 ms to serialise; back-to-back packets queue behind each
// other, then latency is added.
func TestBandwidth(t *testing.T) {
	n, clock := newNet(1)
	a, b := pair(t, n, Conditions{Bandwidth: 1_000_000, Latency: time.Millisecond})
	tx := opener(t, a, ospfCfg)
	r := listen(t, b, ospfCfg, groupAllSPF)
	start := clock.Now()
	send(t, tx, groupAllSPF, make([]byte, 1000))
	send(t, tx, groupAllSPF, make([]byte, 1000))
	clock.Advance(time.Second)
	ser := 8272 * time.Microsecond
	want := []time.Duration{ser + time.Millisecond, 2*ser + time.Millisecond}
	if len(r.got) != 2 {
		t.Fatalf("got %d packets", len(r.got))
	}
	for i, g := range r.got {
		if d := g.at.Sub(start); d != want[i] {
			t.Errorf("packet %d arrived after %v, want %v", i, d, want[i])
		}
	}
}

// TestSetConditions: changing conditions applies to later packets only.
func TestSetConditions(t *testing.T) {
	n, clock := newNet(1)
	a, b := pair(t, n, Conditions{Latency: time.Millisecond})
	tx := opener(t, a, ospfCfg)
	r := listen(t, b, ospfCfg, groupAllSPF)
	send(t, tx, groupAllSPF, []byte{0})
	if err := a.Link().SetConditions(Conditions{Loss: 1}); err != nil {
		t.Fatal(err)
	}
	send(t, tx, groupAllSPF, []byte{1})
	clock.Advance(time.Second)
	if len(r.got) != 1 || r.got[0].pkt.Payload[0] != 0 {
		t.Errorf("got %+v, want only the packet sent before Loss=1", r.got)
	}
	if got := a.Link().Conditions(); got.Loss != 1 {
		t.Errorf("Conditions() = %+v", got)
	}
	if err := a.Link().SetConditions(Conditions{Loss: 2}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("SetConditions(Loss 2): %v", err)
	}
}

// TestConditionsValidate: each bad field is rejected with its name.
func TestConditionsValidate(t *testing.T) {
	cases := map[string]Conditions{
		"Latency":      {Latency: -1},
		"Jitter":       {Jitter: -1},
		"Loss":         {Loss: 1.5},
		"Duplicate":    {Duplicate: math.NaN()},
		"Reorder":      {Reorder: -0.1},
		"ReorderDelay": {ReorderDelay: -time.Second},
		"MTU":          {MTU: 67},
		"Bandwidth":    {Bandwidth: -8},
	}
	for field, c := range cases {
		err := c.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "Conditions."+field) {
			t.Errorf("%s: Validate() = %v, want ErrInvalidConfig naming Conditions.%s", field, err, field)
		}
	}
	for _, ok := range []Conditions{{}, {MTU: 68}, {MTU: 65535, Loss: 1, Duplicate: 1, Reorder: 1}} {
		if err := ok.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", ok, err)
		}
	}
}

// TestTransportConfigValidate: each bad field is rejected with its name.
func TestTransportConfigValidate(t *testing.T) {
	cases := map[string]TransportConfig{
		"one of IPProto and UDPPort": {},
		"both set":                   {IPProto: 89, UDPPort: 520},
		"IPProto = 17":               {IPProto: 17},
		"SrcPort 49152":              {IPProto: 89, SrcPort: 49152},
		"Src = 2001:db8::1":          {IPProto: 89, Src: addr("2001:db8::1")},
		"Src = 10.0.0.1":             {IPProto: 89, IPv6: true, Src: addr("10.0.0.1")},
		"Src = 224.0.0.5":            {IPProto: 89, Src: addr("224.0.0.5")},
	}
	for want, c := range cases {
		err := c.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalidConfig mentioning %q", c, err, want)
		}
	}
	n, _ := newNet(1)
	a, _ := pair(t, n, Conditions{})
	if _, err := a.Transport(TransportConfig{}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("Transport with an empty config: %v", err)
	}
}

// TestTopologyErrors: names, attachments and nodes are checked.
func TestTopologyErrors(t *testing.T) {
	n, _ := newNet(1)
	other, _ := newNet(1)
	r1, r2 := n.Node("r1"), n.Node("r2")
	if n.Node("r1") != r1 {
		t.Error("Node does not return the existing node")
	}
	a, b, err := n.Link(r1, r2, LinkConfig{Name: "core"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Name() != "eth0" || b.Name() != "eth0" || a.Peer() != b || b.Peer() != a {
		t.Errorf("ends %s %s, peers %v %v", a, b, a.Peer(), b.Peer())
	}
	if _, _, err := n.Link(r1, r2, LinkConfig{Name: "core"}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate link name: %v", err)
	}
	if _, _, err := n.Link(r1, r2, LinkConfig{AName: "eth0"}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate interface name: %v", err)
	}
	if _, _, err := n.Link(r1, other.Node("x"), LinkConfig{}); !errors.Is(err, ErrForeign) {
		t.Errorf("foreign node: %v", err)
	}
	if _, _, err := n.Link(r1, r2, LinkConfig{AAddrs: []netip.Prefix{{}}}); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "AAddrs[0]") {
		t.Errorf("bad address: %v", err)
	}
	if _, _, err := n.Link(r1, r2, LinkConfig{Conditions: Conditions{Loss: -1}}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("bad conditions: %v", err)
	}
	if _, err := a.Link().Attach(n.Node("r3"), ""); !errors.Is(err, ErrPointToPoint) {
		t.Errorf("Attach to a point-to-point link: %v", err)
	}
	// A loop cable between two interfaces of one node gets two names.
	x, y, err := n.Link(r1, r1, LinkConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if x.Name() != "eth1" || y.Name() != "eth2" {
		t.Errorf("loop cable ends %s and %s, want eth1 and eth2", x, y)
	}
	if _, err := n.Segment("core", SegmentConfig{}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("segment with a link's name: %v", err)
	}
	if _, err := n.Segment("", SegmentConfig{}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("unnamed segment: %v", err)
	}
	seg, err := n.Segment("lan", SegmentConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seg.Attach(r1, "eth0"); !errors.Is(err, ErrDuplicate) {
		t.Errorf("Attach with a taken name: %v", err)
	}
	if _, err := seg.Attach(other.Node("x"), ""); !errors.Is(err, ErrForeign) {
		t.Errorf("Attach of a foreign node: %v", err)
	}
	// Interface indexes are unique network-wide and resolve back.
	seen := map[int]bool{}
	for _, l := range n.Links() {
		for _, att := range l.Attachments() {
			if seen[att.Index()] {
				t.Errorf("ifindex %d used twice", att.Index())
			}
			seen[att.Index()] = true
			if n.Attachment(att.Index()) != att {
				t.Errorf("Attachment(%d) does not resolve to %s", att.Index(), att)
			}
			if m := att.MAC(); m[0]&3 != 2 {
				t.Errorf("MAC %v of %s is not locally administered unicast", m, att)
			}
		}
	}
	if n.Attachment(0) != nil || n.Attachment(999) != nil {
		t.Error("Attachment of an unknown index is not nil")
	}
	if n.LinkByName("lan") != seg || n.LinkByName("nope") != nil {
		t.Error("LinkByName")
	}
	if got := r1.Attachment("eth1"); got != x {
		t.Errorf("Attachment(eth1) = %v", got)
	}
}

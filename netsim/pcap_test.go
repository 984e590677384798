package netsim

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/switchless/routing/internal/tsharktest"
)

// scenario runs a small mixed network for seed and returns its capture.
// The capture starts before any link exists and a link is added midway,
// so the lazy section header and late interfaces are exercised too.
func scenario(t *testing.T, seed int64) ([]byte, Stats) {
	t.Helper()
	n, clock := newNet(seed)
	var buf bytes.Buffer
	capt, err := n.CapturePcapng(&buf)
	if err != nil {
		t.Fatal(err)
	}
	noisy := Conditions{Latency: time.Millisecond, Jitter: 500 * time.Microsecond, Loss: 0.1, Duplicate: 0.05, Reorder: 0.05}
	a, b := pair(t, n, noisy)
	seg, err := n.Segment("lan", SegmentConfig{Conditions: noisy})
	if err != nil {
		t.Fatal(err)
	}
	la, err := seg.Attach(n.Node("r1"), "lan0", pfx("192.0.2.1/24"))
	if err != nil {
		t.Fatal(err)
	}
	lb, err := seg.Attach(n.Node("r2"), "lan0", pfx("192.0.2.2/24"))
	if err != nil {
		t.Fatal(err)
	}
	lh, err := seg.Attach(n.Node("h"), "", pfx("192.0.2.10/24"))
	if err != nil {
		t.Fatal(err)
	}
	ospfA := listen(t, a, ospfCfg, groupAllSPF)
	ospfB := listen(t, b, ospfCfg, groupAllSPF)
	vrrpA := listen(t, la, vrrpCfg, groupVRRP)
	vrrpB := listen(t, lb, vrrpCfg, groupVRRP)
	ripH := listen(t, lh, ripCfg, groupRIP)
	ripA := listen(t, la, ripCfg, groupRIP)
	var v6A, v6B *recorder
	for i := range 200 {
		send(t, ospfA.t, groupAllSPF, ospfHello(addr("1.1.1.1")))
		send(t, ospfB.t, groupAllSPF, ospfHello(addr("2.2.2.2"), addr("1.1.1.1")))
		send(t, vrrpA.t, groupVRRP, vrrp2Advert(1, 200, addr("192.0.2.254")))
		if i%3 == 0 {
			send(t, vrrpB.t, groupVRRP, vrrp2Advert(1, 100, addr("192.0.2.254")))
		}
		send(t, ripH.t, groupRIP, ripResponse(pfx("198.51.100.0/24")))
		send(t, ripA.t, addr("192.0.2.10"), ripResponse(pfx("203.0.113.0/24")))
		switch i {
		case 50:
			x, y, err := n.Link(n.Node("r2"), n.Node("r3"), LinkConfig{
				AAddrs:     []netip.Prefix{pfx("fe80::2/64")},
				BAddrs:     []netip.Prefix{pfx("fe80::3/64")},
				Conditions: noisy,
			})
			if err != nil {
				t.Fatal(err)
			}
			cfg := TransportConfig{IPProto: ProtoVRRP, IPv6: true}
			v6A, v6B = listen(t, x, cfg, addr("ff02::12")), listen(t, y, cfg, addr("ff02::12"))
		case 100:
			a.Link().Cut()
		case 120:
			a.Link().Restore()
		case 150:
			n.Node("h").Crash()
		case 170:
			n.Node("h").Restart()
		}
		if v6A != nil {
			send(t, v6A.t, addr("ff02::12"), vrrp3Advert(addr("fe80::2"), addr("ff02::12"), 7, 150))
			send(t, v6B.t, addr("ff02::12"), vrrp3Advert(addr("fe80::3"), addr("ff02::12"), 7, 100))
		}
		clock.Advance(10 * time.Millisecond)
	}
	clock.RunUntilIdle(time.Second)
	if err := capt.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), n.Stats()
}

// TestCaptureDeterministic: two runs with the same seed give identical
// pcapng bytes; another seed gives different ones.
func TestCaptureDeterministic(t *testing.T) {
	one, s1 := scenario(t, 1)
	again, s2 := scenario(t, 1)
	other, _ := scenario(t, 2)
	if len(one) < 10000 {
		t.Fatalf("capture is only %d bytes", len(one))
	}
	if !bytes.Equal(one, again) {
		t.Errorf("same seed, different captures (%d and %d bytes)", len(one), len(again))
	}
	if s1 != s2 {
		t.Errorf("same seed, different stats:\n%v\n%v", s1, s2)
	}
	if bytes.Equal(one, other) {
		t.Error("seeds 1 and 2 gave identical captures")
	}
	for _, r := range []DropReason{DropLoss, DropCut, DropCrash} {
		if s1.Dropped[r] == 0 {
			t.Errorf("scenario never dropped for %v: %v", r, s1)
		}
	}
	if s1.Duplicated == 0 || s1.Reordered == 0 {
		t.Errorf("scenario never duplicated or reordered: %v", s1)
	}
	t.Logf("stats %v, capture %d bytes", s1, len(one))
}

// TestCaptureDecodes reads the scenario's capture back with gopacket (an
// independent decoder): one record per delivered copy, one interface per
// link in creation order, virtual timestamps, and headers that gopacket
// re-serialises with its own checksums to the very same bytes.
func TestCaptureDecodes(t *testing.T) {
	data, stats := scenario(t, 1)
	r, err := pcapgo.NewNgReader(bytes.NewReader(data), pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	if app := r.SectionInfo().Application; app != captureApplication {
		t.Errorf("section application %q", app)
	}
	start := simEpoch()
	var count uint64
	last := time.Time{}
	for {
		frame, ci, opts, err := r.ReadPacketDataWithOptions()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("record %d: %v", count, err)
		}
		count++
		if ci.Timestamp.Before(start) || ci.Timestamp.After(start.Add(3*time.Second)) || ci.Timestamp.Before(last) {
			t.Fatalf("record %d: timestamp %v not virtual or not in order", count, ci.Timestamp)
		}
		last = ci.Timestamp
		if len(opts.Comments) != 1 || !strings.HasPrefix(opts.Comments[0], "from ") {
			t.Errorf("record %d: comments %q", count, opts.Comments)
		}
		checkFrame(t, frame)
	}
	if count != stats.Delivered {
		t.Errorf("%d records, %d copies delivered", count, stats.Delivered)
	}
	want := []string{"r1/eth0-r2/eth0", "lan", "r2/eth1-r3/eth0"}
	if r.NInterfaces() != len(want) {
		t.Fatalf("%d interfaces, want %d", r.NInterfaces(), len(want))
	}
	for i, name := range want {
		intf, err := r.Interface(i)
		if err != nil {
			t.Fatal(err)
		}
		if intf.Name != name || intf.LinkType != layers.LinkTypeEthernet {
			t.Errorf("interface %d: %q %v, want %q Ethernet", i, intf.Name, intf.LinkType, name)
		}
	}
}

func simEpoch() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

// checkFrame decodes frame with gopacket and checks that serialising the
// decoded layers with gopacket's own checksums and lengths gives frame
// back, and that multicast destinations map to the RFC 1112 / RFC 2464
// MACs.
func checkFrame(t *testing.T, frame []byte) {
	t.Helper()
	p := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
	if el := p.ErrorLayer(); el != nil {
		// gopacket decodes VRRPv2 only; a VRRPv3 payload is checked by
		// tshark instead.
		ip6, _ := p.NetworkLayer().(*layers.IPv6)
		if ip6 == nil || ip6.NextHeader != ProtoVRRP {
			t.Fatalf("gopacket: %v", el.Error())
		}
	}
	eth := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	var ls []gopacket.SerializableLayer
	ls = append(ls, eth)
	var netLayer gopacket.NetworkLayer
	var dst netip.Addr
	switch ip := p.NetworkLayer().(type) {
	case *layers.IPv4:
		ls = append(ls, ip)
		netLayer = ip
		dst, _ = netip.AddrFromSlice(ip.DstIP.To4())
		if ip.Protocol == ProtoOSPF && ip.TOS != 0xc0 {
			t.Errorf("OSPF TOS %#x, want 0xc0", ip.TOS)
		}
		if ip.Protocol == ProtoVRRP && ip.TTL != 255 {
			t.Errorf("VRRP TTL %d, want 255", ip.TTL)
		}
	case *layers.IPv6:
		ls = append(ls, ip)
		netLayer = ip
		dst, _ = netip.AddrFromSlice(ip.DstIP)
	default:
		t.Fatalf("no IP layer in %x", frame)
	}
	if u, ok := p.TransportLayer().(*layers.UDP); ok {
		if err := u.SetNetworkLayerForChecksum(netLayer); err != nil {
			t.Fatal(err)
		}
		ls = append(ls, u, gopacket.Payload(u.Payload))
	} else {
		ls = append(ls, gopacket.Payload(netLayer.LayerPayload()))
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true, FixLengths: true}, ls...); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), frame) {
		t.Fatalf("gopacket re-serialises\n%x\nas\n%x", frame, buf.Bytes())
	}
	switch {
	case dst.Is4() && dst.IsMulticast():
		g := dst.As4()
		if want := []byte{1, 0, 0x5e, g[1] & 0x7f, g[2], g[3]}; !bytes.Equal(eth.DstMAC, want) {
			t.Errorf("group %v on MAC %v", dst, eth.DstMAC)
		}
	case dst.Is6() && dst.IsMulticast():
		g := dst.As16()
		if want := []byte{0x33, 0x33, g[12], g[13], g[14], g[15]}; !bytes.Equal(eth.DstMAC, want) {
			t.Errorf("group %v on MAC %v", dst, eth.DstMAC)
		}
	case eth.DstMAC[0]&1 != 0 && !bytes.Equal(eth.DstMAC, layers.EthernetBroadcast):
		t.Errorf("unicast %v on multicast MAC %v", dst, eth.DstMAC)
	}
}

// protocolCapture writes a capture of one of each PDU the suite's
// protocols send, over IPv4 and IPv6, multicast, unicast and broadcast.
func protocolCapture(t *testing.T) []byte {
	t.Helper()
	n, clock := newNet(1)
	var buf bytes.Buffer
	capt, err := n.CapturePcapng(&buf)
	if err != nil {
		t.Fatal(err)
	}
	a, b := pair(t, n, Conditions{Latency: time.Millisecond})
	_, atts := lan(t, n, 2, Conditions{Latency: time.Millisecond})
	for _, x := range []*Attachment{atts[0], atts[1]} {
		if err := x.AddAddr(pfx("fe80::" + x.Node().Name()[1:] + "1/64")); err != nil {
			t.Fatal(err)
		}
	}
	ospfA, ospfB := listen(t, a, ospfCfg, groupAllSPF), listen(t, b, ospfCfg, groupAllSPF)
	vrrp0, _ := listen(t, atts[0], vrrpCfg, groupVRRP), listen(t, atts[1], vrrpCfg, groupVRRP)
	rip0, rip1 := listen(t, atts[0], ripCfg, groupRIP), listen(t, atts[1], ripCfg, groupRIP)
	ripng := TransportConfig{UDPPort: 521, IPv6: true}
	ripng0, _ := listen(t, atts[0], ripng, addr("ff02::9")), listen(t, atts[1], ripng, addr("ff02::9"))
	v3 := TransportConfig{IPProto: ProtoVRRP, IPv6: true}
	v3a, _ := listen(t, atts[0], v3, addr("ff02::12")), listen(t, atts[1], v3, addr("ff02::12"))

	send(t, ospfA.t, groupAllSPF, ospfHello(addr("1.1.1.1")))
	send(t, ospfB.t, addr("10.0.0.1"), ospfHello(addr("2.2.2.2"), addr("1.1.1.1")))
	send(t, vrrp0.t, groupVRRP, vrrp2Advert(1, 100, addr("192.0.2.254")))
	send(t, rip0.t, groupRIP, ripResponse(pfx("198.51.100.0/24"), pfx("203.0.113.128/25")))
	send(t, rip1.t, addr("192.0.2.1"), ripResponse(pfx("10.9.0.0/16")))
	send(t, rip1.t, addr("255.255.255.255"), ripResponse(pfx("10.8.0.0/16")))
	send(t, ripng0.t, addr("ff02::9"), ripngResponse(pfx("2001:db8:1::/48")))
	send(t, v3a.t, addr("ff02::12"), vrrp3Advert(addr("fe80::01"), addr("ff02::12"), 9, 254, addr("2001:db8::9")))
	clock.Advance(time.Second)
	if err := capt.Close(); err != nil {
		t.Fatal(err)
	}
	if s := n.Stats(); s.Delivered != 8 {
		t.Fatalf("delivered %d packets, want 8: %v", s.Delivered, s)
	}
	return buf.Bytes()
}

// TestCaptureProtocolsGopacket cross-checks the protocol capture with
// gopacket, which needs no binary.
func TestCaptureProtocolsGopacket(t *testing.T) {
	r, err := pcapgo.NewNgReader(bytes.NewReader(protocolCapture(t)), pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatal(err)
	}
	for {
		frame, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		checkFrame(t, frame)
	}
}

// TestCaptureTshark: tshark, with IP and UDP checksum validation on,
// dissects OSPF, VRRP (v2 and v3) and RIP (v2 and RIPng) from the capture
// with no malformed packet and no bad checksum.
func TestCaptureTshark(t *testing.T) {
	tshark := tsharktest.Require(t)
	file := filepath.Join(t.TempDir(), "netsim.pcapng")
	if err := os.WriteFile(file, protocolCapture(t), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := tsharktest.Command(t, tshark, "-r", file, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-V").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	text := string(out)
	for _, bad := range []string{"Malformed", "incorrect", "Bad checksum", "Status: Bad", "[Expert Info (Error"} {
		if strings.Contains(text, bad) {
			t.Errorf("tshark output contains %q:\n%s", bad, text)
		}
	}
	for _, want := range []string{
		"Open Shortest Path First", "OSPF Header", "Hello Packet",
		"Virtual Router Redundancy Protocol",
		"Routing Information Protocol", "RIPng",
		"Differentiated Services Codepoint: Class Selector 6",
		"Time to Live: 255", "Time to Live: 1",
		"Destination: IPv4mcast_05", "Destination: IPv4mcast_12", "Destination: IPv6mcast_12",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("tshark output lacks %q", want)
		}
	}
	// Six IPv4 headers; three UDP, two VRRP checksums at least.
	if good := regexp.MustCompile(`\[Header checksum status: Good\]`).FindAllString(text, -1); len(good) != 6 {
		t.Errorf("%d good IPv4 header checksum verdicts, want 6", len(good))
	}
	if good := regexp.MustCompile(`\[Checksum Status: Good\]`).FindAllString(text, -1); len(good) < 5 {
		t.Errorf("%d good UDP/VRRP checksum verdicts, want at least 5", len(good))
	}
	if t.Failed() {
		t.Logf("tshark output:\n%s", text)
	}
}

// TestCaptureLifecycle: an empty network still yields a valid file, Close
// stops recording, a second Close is an error, and a failing writer's
// error is reported by Flush and Close.
func TestCaptureLifecycle(t *testing.T) {
	n, clock := newNet(1)
	var empty bytes.Buffer
	c, err := n.CapturePcapng(&empty)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err == nil {
		t.Error("second Close returned nil")
	}
	r, err := pcapgo.NewNgReader(bytes.NewReader(empty.Bytes()), pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatalf("empty capture unreadable: %v", err)
	}
	if _, _, err := r.ReadPacketData(); !errors.Is(err, io.EOF) {
		t.Errorf("empty capture: %v, want EOF", err)
	}

	a, b := pair(t, n, Conditions{})
	var buf bytes.Buffer
	c, err = n.CapturePcapng(&buf)
	if err != nil {
		t.Fatal(err)
	}
	failing, err := n.CapturePcapng(failWriter{})
	if err != nil {
		t.Fatal(err) // nothing is written until the buffer fills or Flush
	}
	tx := opener(t, a, ospfCfg)
	listen(t, b, ospfCfg, groupAllSPF)
	send(t, tx, groupAllSPF, []byte{1})
	clock.Advance(0)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	size := buf.Len()
	send(t, tx, groupAllSPF, []byte{2})
	clock.Advance(0)
	if buf.Len() != size {
		t.Error("capture grew after Close")
	}
	if err := failing.Flush(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Flush on a failing writer: %v", err)
	}
	if err := failing.Close(); err == nil {
		t.Error("Close on a failing writer returned nil")
	}
	if _, err := n.CapturePcapng(nil); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("CapturePcapng(nil): %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

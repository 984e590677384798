package packet

import (
	"net"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/switchless/routing/internal/nstest"
)

func TestGratuitousARP(t *testing.T) {
	mac := VirtualMAC(5, false)
	fr, err := GratuitousARP(mac, netip.MustParseAddr("192.0.2.100"))
	if err != nil {
		t.Fatal(err)
	}
	p := gopacket.NewPacket(fr, layers.LayerTypeEthernet, gopacket.Default)
	eth, _ := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	arp, _ := p.Layer(layers.LayerTypeARP).(*layers.ARP)
	if eth == nil || arp == nil {
		t.Fatalf("not Ethernet+ARP: %v", p)
	}
	if eth.DstMAC.String() != "ff:ff:ff:ff:ff:ff" || eth.SrcMAC.String() != mac.String() {
		t.Errorf("ethernet %v -> %v", eth.SrcMAC, eth.DstMAC)
	}
	// RFC 5798 §6.4.1: a gratuitous ARP request: sender and target are
	// the virtual address, sender MAC the virtual router's.
	if arp.Operation != layers.ARPRequest || !net.IP(arp.SourceProtAddress).Equal(net.IPv4(192, 0, 2, 100)) ||
		!net.IP(arp.DstProtAddress).Equal(net.IPv4(192, 0, 2, 100)) || net.HardwareAddr(arp.SourceHwAddress).String() != mac.String() {
		t.Errorf("arp %+v", arp)
	}
}

func TestUnsolicitedNA(t *testing.T) {
	mac := VirtualMAC(5, true)
	vip := netip.MustParseAddr("2001:db8::100")
	fr, err := UnsolicitedNA(mac, vip)
	if err != nil {
		t.Fatal(err)
	}
	p := gopacket.NewPacket(fr, layers.LayerTypeEthernet, gopacket.Default)
	ip6, _ := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
	na, _ := p.Layer(layers.LayerTypeICMPv6NeighborAdvertisement).(*layers.ICMPv6NeighborAdvertisement)
	if ip6 == nil || na == nil {
		t.Fatalf("not IPv6+NA: %v", p)
	}
	// RFC 5798 §6.4.1 / RFC 4861 §7.2.6: Router and Override set, not
	// Solicited; target the VIP, target link-layer address the MAC; hop
	// limit 255 to all-nodes.
	if ip6.HopLimit != 255 || ip6.DstIP.String() != "ff02::1" || !na.Router() || !na.Override() || na.Solicited() ||
		na.TargetAddress.String() != vip.String() || len(na.Options) != 1 || net.HardwareAddr(na.Options[0].Data).String() != mac.String() {
		t.Errorf("NA %+v over %+v", na, ip6)
	}
	// Wireshark verifies the ICMPv6 checksum.
	tshark := nstest.RequireBinary(t, "tshark")
	lines := runTsharkFields(t, tshark, [][]byte{fr}, nil, "icmpv6.checksum.status", "icmpv6.nd.na.flag.o", "_ws.malformed", "_ws.expert")
	if lines[0] != "1|1||" {
		t.Errorf("tshark: %q", lines[0])
	}
}

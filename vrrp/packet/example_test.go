package packet_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/switchless/routing/vrrp/packet"
)

// Encode a VRRPv3 advertisement as 192.0.2.1 sends it to the group, and
// decode it as a receiver does: the checksum covers the IPv4
// pseudo-header (RFC 5798 §5.2.8), so both sides pass the addresses.
func Example() {
	src := netip.MustParseAddr("192.0.2.1")
	a := packet.Advertisement{Version: packet.V3, VRID: 51, Priority: 150, Interval: time.Second,
		Addresses: []netip.Addr{netip.MustParseAddr("192.0.2.100")}}
	b, err := a.AppendBinary(nil, src, packet.GroupIPv4, packet.ChecksumPseudoHeader)
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", b)
	got, err := packet.ParseAdvertisement(b, src, packet.GroupIPv4, packet.ChecksumPseudoHeader)
	fmt.Println(got.Version, got.VRID, got.Priority, got.Interval, got.Addresses, err)
	// A receiver that expects the VRRPv2-style checksum rejects it.
	_, err = packet.ParseAdvertisement(b, src, packet.GroupIPv4, packet.ChecksumNoPseudoHeader)
	fmt.Println(err != nil)
	// Output:
	// 31 33 96 01 00 64 d3 71 c0 00 02 64
	// VRRPv3 51 150 1s [192.0.2.100] <nil>
	// true
}

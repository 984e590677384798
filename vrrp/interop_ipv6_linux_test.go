//go:build linux

package vrrp

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// TestLinux_IPv6 runs two of our routers with VRRPv3 over IPv6 on real
// sockets (ff02::12, hop limit 255, checksum over the IPv6 pseudo-header):
// the higher priority owns the VIPs, and when it shuts down the other
// takes over and its unsolicited Neighbor Advertisement moves the client's
// neighbor entry to its MAC.
func TestLinux_IPv6(t *testing.T) {
	lan := newNSLAN(t)
	vip := netip.MustParseAddr("2001:db8::100")
	aNS := lan.join("6a", netip.MustParsePrefix("192.0.2.1/24"))
	bNS := lan.join("6b", netip.MustParsePrefix("192.0.2.2/24"))
	client := lan.join("6c", nsClient)
	for i, ns := range []*nstest.NS{aNS, bNS, client} {
		ns.Exec(t, "ip", "addr", "add", fmt.Sprintf("fe80::%d/64", i+1), "dev", "eth0", "nodad")
		ns.Exec(t, "ip", "addr", "add", fmt.Sprintf("2001:db8::%d/64", i+1), "dev", "eth0", "nodad")
	}
	cfg := func(i int, prio uint8) Config {
		return Config{VRID: 9, Priority: prio, Interval: 100 * time.Millisecond,
			Address:          netip.MustParsePrefix(fmt.Sprintf("fe80::%d/64", i+1)),
			Subnets:          []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("2001:db8::%d/64", i+1))},
			VirtualAddresses: []netip.Addr{netip.MustParseAddr("fe80::9"), vip}}
	}
	a := startOurs(t, aNS, cfg(0, 200), "")
	b := startOurs(t, bNS, cfg(1, 100), "")
	nstest.Eventually(t, 10*time.Second, func() error {
		if a.r.State() != Master || b.r.State() != Backup || b.r.Status().Counters.Received == 0 {
			return fmt.Errorf("a %v b %v (b received %d, drops %v)", a.r.State(), b.r.State(), b.r.Status().Counters.Received, b.r.Status().Counters.Drops)
		}
		if !hasAddr(aNS, vip) || hasAddr(bNS, vip) {
			return fmt.Errorf("VIP on a %v, on b %v", hasAddr(aNS, vip), hasAddr(bNS, vip))
		}
		return nil
	})
	if b.r.Master() != netip.MustParseAddr("fe80::1") {
		t.Errorf("b believes the master is %v", b.r.Master())
	}
	client.Try("ping", "-6", "-c1", "-W1", vip.String())
	aMAC, bMAC := macOf(t, aNS, "eth0"), macOf(t, bNS, "eth0")
	if got := neighMAC(client, vip); got != aMAC {
		t.Fatalf("client has %v at %q, want a's %s", vip, got, aMAC)
	}
	stopOurs(t, a)
	nstest.Eventually(t, 5*time.Second, func() error {
		if b.r.State() != Master || !hasAddr(bNS, vip) || hasAddr(aNS, vip) {
			return fmt.Errorf("b %v", b.r.State())
		}
		if got := neighMAC(client, vip); got != bMAC {
			return fmt.Errorf("client has %v at %q, want b's %s", vip, got, bMAC)
		}
		return nil
	})
	if tr, _ := b.last(Master); tr.Reason != ReasonMasterShutdown {
		t.Errorf("b took over by %v", tr.Reason)
	}
}

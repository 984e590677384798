//go:build linux

package vrrp

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/vrrp/packet"
)

// filterVRRP makes the LAN's switch drop VRRP (IP protocol 112) arriving
// on the given members' ports (lan.join order, from 1), with an nftables
// bridge rule: the multicast that keepalived's users see lost to a
// switch's IGMP snooping or a firewall, while ARP and unicast still pass.
// No ports heals the LAN: the rules go in one step, both ways at once.
func filterVRRP(t *testing.T, lan *nsLAN, ports ...int) {
	t.Helper()
	lan.sw.Try("nft", "delete", "table", "bridge", "splitbrain")
	if len(ports) == 0 {
		return
	}
	lan.sw.Exec(t, "nft", "add", "table", "bridge", "splitbrain")
	lan.sw.Exec(t, "nft", "add", "chain", "bridge", "splitbrain", "vrrpdrop", "{ type filter hook forward priority 0 ; }")
	for _, p := range ports {
		lan.sw.Exec(t, "nft", "add", "rule", "bridge", "splitbrain", "vrrpdrop", "iifname", fmt.Sprintf("p%d", p), "ip", "protocol", "112", "drop")
	}
}

// TestSplitBrain_6_4_3 is keepalived's most reported failure, in
// namespaces: two routers on one LAN that stop hearing each other's
// advertisements, both ways and then one way only, with the VIP on eth0
// under each router's own MAC (keepalived's default, no virtual MAC), so
// that the gateway's neighbour entry tells who it sends to.
//
// While split, both are Master, as RFC 5798 §6.4.2 says (the Backup's
// Master_Down_Timer fires) — the gateway follows the last gratuitous ARP.
// Healed, exactly one stays Master within one Master_Down_Interval
// (§6.4.3: the lower one hears the higher advertisement and becomes
// Backup; the higher one discards the lower one's but answers it and
// announces its addresses again), and the gateway's neighbour entry for
// the VIP points at the winner without the gateway re-resolving it.
func TestSplitBrain_6_4_3(t *testing.T) {
	nstest.RequireBinary(t, "nft")
	const iv = 100 * time.Millisecond
	lan := newNSLAN(t)
	aAddr, bAddr := netip.MustParsePrefix("192.0.2.1/24"), netip.MustParsePrefix("192.0.2.2/24")
	aNS, bNS := lan.join("sa", aAddr), lan.join("sb", bAddr)
	gw := lan.join("sg", nsClient)
	cfg := func(addr netip.Prefix, prio uint8) Config {
		return Config{Version: packet.V3, VRID: 9, Priority: prio, Interval: iv, Address: addr, VirtualAddresses: []netip.Addr{nsVIP}}
	}
	a := startOurs(t, aNS, cfg(aAddr, 200), "")
	b := startOurs(t, bNS, cfg(bAddr, 100), "")
	aMAC, bMAC := macOf(t, aNS, "eth0"), macOf(t, bNS, "eth0")
	requireVIPAt(t, 10*time.Second, aNS, aNS, bNS)
	resolveAfresh(gw, nsVIP)
	if got := neighMAC(gw, nsVIP); got != aMAC {
		t.Fatalf("gateway has the VIP at %q, want a's %s", got, aMAC)
	}
	// b's Master_Down_Interval (§6.1): 3 × 100 ms + (256-100) × 100 ms / 256.
	mdi := 3*iv + time.Duration(256-100)*iv/256

	// split filters a's advertisements from b, and b's from a too when
	// both (a is member 1, b member 2).
	split := func(what string, both bool) {
		t.Helper()
		if both {
			filterVRRP(t, lan, 1, 2)
		} else {
			filterVRRP(t, lan, 1)
		}
		nstest.Eventually(t, 10*time.Second, func() error {
			if sa, sb := a.r.Status().State, b.r.Status().State; sa != Master || sb != Master {
				return fmt.Errorf("%s: a %v, b %v, want both Master", what, sa, sb)
			}
			if !hasAddr(aNS, nsVIP) || !hasAddr(bNS, nsVIP) {
				return fmt.Errorf("%s: the VIP is not on both", what)
			}
			return nil
		})
		if tr, _ := b.last(Master); tr.Reason != ReasonMasterDown {
			t.Errorf("%s: b became Master by %v, want the Master_Down_Timer", what, tr.Reason)
		}
		// b's gratuitous ARP when it became Master moved the gateway.
		nstest.Eventually(t, 5*time.Second, func() error {
			if got := neighMAC(gw, nsVIP); got != bMAC && !both {
				// One way only: a hears b and announces itself again
				// (once per Master_Down_Interval), so the gateway may
				// flip back; both ways, b's announcement is the last.
				return nil
			} else if got != bMAC {
				return fmt.Errorf("%s: gateway has the VIP at %q, want b's %s", what, got, bMAC)
			}
			return nil
		})
		re := a.r.Status().Counters.Reannouncements
		filterVRRP(t, lan)
		healed := time.Now()
		nstest.Eventually(t, 5*time.Second, func() error {
			if sa, sb := a.r.Status().State, b.r.Status().State; sa != Master || sb != Backup {
				return fmt.Errorf("%s healed: a %v, b %v", what, sa, sb)
			}
			if hasAddr(bNS, nsVIP) {
				return fmt.Errorf("%s healed: b still holds the VIP", what)
			}
			return nil
		})
		took := time.Since(healed)
		if tr, _ := b.last(Backup); tr.Reason != ReasonPreempted {
			t.Errorf("%s healed: b left Master by %v", what, tr.Reason)
		}
		// The winner announced its addresses after the heal, and the
		// gateway believed it: its entry points at a, not re-resolved.
		nstest.Eventually(t, 5*time.Second, func() error {
			if got := neighMAC(gw, nsVIP); got != aMAC {
				return fmt.Errorf("%s healed: gateway has the VIP at %q, want a's %s", what, got, aMAC)
			}
			return nil
		})
		if both && a.r.Status().Counters.Reannouncements <= re {
			t.Errorf("%s healed: a did not announce its addresses again (%d)", what, a.r.Status().Counters.Reannouncements)
		}
		t.Logf("%s: one Master %v after the heal (b's Master_Down_Interval %v; not asserted, wall clock)", what, took.Round(time.Millisecond), mdi)
		if out := gw.Exec(t, "ping", "-c1", "-W1", nsVIP.String()); out == "" {
			t.Errorf("%s healed: gateway cannot reach the VIP", what)
		}
	}
	split("both ways", true)
	split("one way (b deaf)", false)
}

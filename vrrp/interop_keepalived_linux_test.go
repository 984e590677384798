//go:build linux

package vrrp

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/vrrp/packet"
)

// TestInterop_Keepalived runs our Router against keepalived 2.2 on one LAN
// of namespaces, VRRPv2 at 1 s and VRRPv3 at 100 ms: the higher priority
// wins on both sides, a dying Master is replaced, preemption hands the VIP
// back, and a client on the LAN follows the VIP's MAC through the
// gratuitous ARPs.
func TestInterop_Keepalived(t *testing.T) {
	for _, tc := range []struct {
		name     string
		version  packet.Version
		interval time.Duration
		advert   string
	}{
		{"v2_advert_int_1", packet.V2, time.Second, "1"},
		{"v3_100ms", packet.V3, 100 * time.Millisecond, "0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nstest.RequireBinary(t, "keepalived")
			lan := newNSLAN(t)
			kaAddr, ourAddr := netip.MustParsePrefix("192.0.2.1/24"), netip.MustParsePrefix("192.0.2.2/24")
			kaNS := lan.join("ka", kaAddr)
			ourNS := lan.join("us", ourAddr)
			client := lan.join("cl", nsClient)
			kaMAC, ourMAC := macOf(t, kaNS, "eth0"), macOf(t, ourNS, "eth0")
			wait := 20 * tc.interval
			if wait < 8*time.Second {
				wait = 8 * time.Second
			}
			cfg := func(prio uint8) Config {
				return Config{Version: tc.version, VRID: 51, Priority: prio, Interval: tc.interval, Address: ourAddr,
					VirtualAddresses: []netip.Addr{nsVIP}}
			}
			clientSees := func(want string) {
				t.Helper()
				nstest.Eventually(t, wait, func() error {
					resolveAfresh(client, nsVIP)
					if got := neighMAC(client, nsVIP); got != want {
						return fmt.Errorf("client has %v at %q, want %q", nsVIP, got, want)
					}
					return nil
				})
			}
			clientFollows := func(want string) { // no ping: only the announcements
				t.Helper()
				nstest.Eventually(t, wait, func() error {
					if got := neighMAC(client, nsVIP); got != want {
						return fmt.Errorf("client has %v at %q, want %q", nsVIP, got, want)
					}
					return nil
				})
			}
			kaConf := func(prio uint8) string {
				return keepalivedConf(int(tc.version), 51, prio, tc.advert, "eth0", "")
			}

			// 1. keepalived has the higher priority: it is Master.
			ka := startKeepalived(t, kaNS, kaConf(200))
			us := startOurs(t, ourNS, cfg(100), "")
			requireVIPAt(t, wait, kaNS, kaNS, ourNS)
			nstest.Eventually(t, wait, func() error {
				if s := us.r.Status(); s.State != Backup || s.Master != kaAddr.Addr() || s.Counters.Received == 0 {
					return fmt.Errorf("ours %v master %v received %d", s.State, s.Master, s.Counters.Received)
				}
				return nil
			})
			clientSees(kaMAC)

			// 2. keepalived's host dies, process and cable: we take over
			// and the client follows.
			killed := time.Now()
			ka.kill(t)
			lan.cut(1, true)
			requireVIPAt(t, wait, ourNS, ourNS)
			tr, _ := us.last(Master)
			if tr.Reason != ReasonMasterDown {
				t.Errorf("took over by %v", tr.Reason)
			}
			t.Logf("takeover after keepalived's death: %v (Master_Down_Interval %v)", tr.Time.Sub(killed), us.r.Status().MasterDownInterval)
			clientFollows(ourMAC)

			// 3. keepalived returns with priority 200 and preempts (it
			// removes the address its killed predecessor left at startup).
			lan.cut(1, false)
			ka = startKeepalived(t, kaNS, kaConf(200))
			requireVIPAt(t, wait, kaNS, kaNS, ourNS)
			nstest.Eventually(t, wait, func() error {
				if s := us.r.State(); s != Backup {
					return fmt.Errorf("ours %v", s)
				}
				return nil
			})
			if tr, _ := us.last(Backup); tr.Reason != ReasonPreempted {
				t.Errorf("ours went Backup by %v", tr.Reason)
			}
			clientFollows(kaMAC)
			ka.p.Stop()
			requireVIPAt(t, wait, ourNS, kaNS, ourNS)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := us.r.Stop(ctx); err != nil {
				t.Fatal(err)
			}
			_ = us.addrs.Close()
			requireVIPAt(t, wait, nil, kaNS, ourNS)

			// 4. The other way round: ours has the higher priority.
			ka = startKeepalived(t, kaNS, kaConf(100))
			us = startOurs(t, ourNS, cfg(200), "")
			requireVIPAt(t, wait, ourNS, kaNS, ourNS)
			clientFollows(ourMAC)

			// 5. Ours shuts down with priority 0: keepalived takes over
			// quickly (Skew_Time, not Master_Down_Interval).
			stopped := time.Now()
			if err := us.r.Stop(ctx); err != nil {
				t.Fatal(err)
			}
			_ = us.addrs.Close()
			requireVIPAt(t, wait, kaNS, kaNS, ourNS)
			t.Logf("keepalived took over %v after our priority-0 shutdown", time.Since(stopped))
			clientFollows(kaMAC)

			// 6. Ours returns and preempts keepalived.
			us = startOurs(t, ourNS, cfg(200), "")
			requireVIPAt(t, wait, ourNS, kaNS, ourNS)
			if tr, _ := us.last(Master); tr.Reason != ReasonMasterDown {
				t.Errorf("ours became Master by %v", tr.Reason)
			}
			clientFollows(ourMAC)
			if s := us.r.Status(); s.Counters.Drops[DropChecksum] != 0 || s.Counters.Misconfigured != 0 {
				t.Errorf("drops against keepalived: %+v", s.Counters)
			}
			_ = ka
		})
	}
}

// TestInterop_KeepalivedUnicast runs VRRPv3 by unicast with keepalived
// (unicast_peer) on a LAN: each side accepts only its listed peer, a
// third router sending priority 250 on the same VRID to ours by unicast is
// ignored (counted as DropSource), and ours takes over when keepalived
// dies.
func TestInterop_KeepalivedUnicast(t *testing.T) {
	nstest.RequireBinary(t, "keepalived")
	lan := newNSLAN(t)
	kaAddr, ourAddr, strangerAddr := netip.MustParsePrefix("192.0.2.1/24"), netip.MustParsePrefix("192.0.2.2/24"), netip.MustParsePrefix("192.0.2.3/24")
	kaNS := lan.join("ka", kaAddr)
	ourNS := lan.join("us", ourAddr)
	strangerNS := lan.join("st", strangerAddr)
	extra := fmt.Sprintf("unicast_src_ip %s\n  unicast_peer {\n    %s\n  }", kaAddr.Addr(), ourAddr.Addr())
	ka := startKeepalived(t, kaNS, keepalivedConf(3, 61, 200, "0.1", "eth0", extra))
	us := startOurs(t, ourNS, Config{VRID: 61, Priority: 100, Interval: 100 * time.Millisecond, Address: ourAddr,
		VirtualAddresses: []netip.Addr{nsVIP}, Peers: []netip.Addr{kaAddr.Addr()}}, "")
	requireVIPAt(t, 10*time.Second, kaNS, kaNS, ourNS)
	stranger := startOurs(t, strangerNS, Config{VRID: 61, Priority: 250, Interval: 100 * time.Millisecond, Address: strangerAddr,
		VirtualAddresses: []netip.Addr{nsVIP}, Peers: []netip.Addr{ourAddr.Addr()}}, "")
	nstest.Eventually(t, 10*time.Second, func() error {
		s := us.r.Status()
		if s.State != Backup || s.Master != kaAddr.Addr() || s.Counters.Drops[DropSource] < 5 {
			return fmt.Errorf("ours %v master %v source drops %d", s.State, s.Master, s.Counters.Drops[DropSource])
		}
		return nil
	})
	stopOurs(t, stranger)
	ka.kill(t)
	lan.cut(1, true)
	requireVIPAt(t, 10*time.Second, ourNS, ourNS)
	if tr, _ := us.last(Master); tr.Reason != ReasonMasterDown {
		t.Errorf("ours took over by %v", tr.Reason)
	}
}

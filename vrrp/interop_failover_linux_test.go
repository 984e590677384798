//go:build linux

package vrrp

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/vrrp/packet"
)

var pingStatsRE = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`)

// TestInterop_FailoverTime measures VRRPv3 failover at 100 ms and 10 ms
// advertisement intervals between two of our routers in namespaces, both
// using a macvlan with the virtual MAC (so the client keeps one MAC): the
// Master's cable is cut, and we report the time until the Backup becomes
// Master and the outage a client pinging the VIP every 2 ms sees. The
// figures are logged (go test -v), never asserted: wall-clock speed
// depends on the machine.
func TestInterop_FailoverTime(t *testing.T) {
	for _, iv := range []time.Duration{100 * time.Millisecond, 10 * time.Millisecond} {
		t.Run(iv.String(), func(t *testing.T) {
			lan := newNSLAN(t)
			aAddr, bAddr := netip.MustParsePrefix("192.0.2.1/24"), netip.MustParsePrefix("192.0.2.2/24")
			aNS, bNS := lan.join("fa", aAddr), lan.join("fb", bAddr)
			client := lan.join("fc", nsClient)
			for _, ns := range []*nstest.NS{aNS, bNS} {
				ns.Exec(t, "sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.eth0.arp_ignore=1",
					"net.ipv4.conf.all.arp_announce=2", "net.ipv4.conf.eth0.arp_announce=2")
			}
			cfg := func(addr netip.Prefix, prio uint8) Config {
				return Config{Version: packet.V3, VRID: 7, Priority: prio, Interval: iv, Address: addr, VirtualAddresses: []netip.Addr{nsVIP}}
			}
			startOurs(t, aNS, cfg(aAddr, 200), "vrrp4-7")
			b := startOurs(t, bNS, cfg(bAddr, 100), "vrrp4-7")
			requireVIPAt(t, 10*time.Second, aNS, aNS, bNS)
			nstest.Eventually(t, 10*time.Second, func() error {
				if s := b.r.Status(); s.State != Backup || s.Master != aAddr.Addr() {
					return fmt.Errorf("b %v master %v", s.State, s.Master)
				}
				return nil
			})
			// The Backup keeps its macvlan down: it must not answer for
			// the virtual MAC.
			if out := bNS.Exec(t, "ip", "-o", "link", "show", "vrrp4-7"); !strings.Contains(out, "state DOWN") {
				t.Errorf("Backup's macvlan is not down: %s", out)
			}
			vmac := packet.VirtualMAC(7, false).String()
			client.Try("ping", "-c1", "-W1", nsVIP.String())
			if got := neighMAC(client, nsVIP); got != vmac {
				t.Fatalf("client has the VIP at %q, want the virtual MAC %s", got, vmac)
			}

			const probe, probes = 2 * time.Millisecond, 1500 // 3 s of probes
			ping := client.Start(t, "ping", "-n", "-D", "-i", "0.002", "-W", "0.5", "-c", strconv.Itoa(probes), nsVIP.String())
			time.Sleep(500 * time.Millisecond) // real time: probes flowing before the cut
			cut := time.Now()
			lan.cut(1, true)
			requireVIPAt(t, 10*time.Second, bNS, bNS)
			tr, ok := b.last(Master)
			if !ok || tr.Reason != ReasonMasterDown {
				t.Fatalf("b: %+v", tr)
			}
			<-ping.Done()
			m := pingStatsRE.FindStringSubmatch(ping.Output())
			if m == nil {
				t.Fatalf("ping output: %s", ping.Output())
			}
			sent, got := atoi(m[1]), atoi(m[2])
			if got == 0 || got == sent {
				t.Errorf("ping: %d sent, %d received: no failover seen", sent, got)
			}
			gap := longestGap(ping.Output())
			mdi := b.r.Status().MasterDownInterval
			t.Logf("VRRPv3 %v: Backup became Master %v after the cut (Master_Down_Interval %v); client (probing every %v) lost %d of %d probes, longest gap between replies %v",
				iv, tr.Time.Sub(cut).Round(100*time.Microsecond), mdi, probe, sent-got, sent, gap.Round(100*time.Microsecond))
			if neighMAC(client, nsVIP) != vmac {
				t.Errorf("client's neighbor entry changed to %q", neighMAC(client, nsVIP))
			}
		})
	}
}

var pingReplyRE = regexp.MustCompile(`(?m)^\[(\d+\.\d+)\] \d+ bytes from`)

// longestGap returns the longest time between two replies in the output
// of ping -D.
func longestGap(out string) time.Duration {
	var prev, gap float64
	for i, m := range pingReplyRE.FindAllStringSubmatch(out, -1) {
		ts, _ := strconv.ParseFloat(m[1], 64)
		if i > 0 && ts-prev > gap {
			gap = ts - prev
		}
		prev = ts
	}
	return time.Duration(gap * float64(time.Second))
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

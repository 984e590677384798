//go:build linux

package vrrp

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/vrrp/packet"
)

// Addresses of the IPv6 keepalived LAN (documentation prefix, inside our
// namespaces only). The first virtual address of an IPv6 virtual router
// is link-local (RFC 5798 §5.2.9); both sides list the same two, so
// neither drops the other's advertisements over the address list (§7.1).
var (
	v6kVIPLL = netip.MustParseAddr("fe80::62")
	v6kVIP   = netip.MustParseAddr("2001:db8:1::100")
)

const v6kVRID = 62

// v6Join plugs a new namespace (named nsName, e.g. "v6k"+role) into lan
// with eth0 holding the link-local fe80::n and the global 2001:db8:1::n,
// both without DAD, and no kernel-generated link-local: the router's
// advertisements then come from exactly fe80::n (RFC 5798 §5.1.2.1), and
// cutting and restoring its cable neither loses nor re-tentates the
// addresses.
func v6Join(t *testing.T, lan *nsLAN, nsName string, n int) *nstest.NS {
	t.Helper()
	lan.n++
	ns := nstest.New(t, nsName)
	port := fmt.Sprintf("p%d", lan.n)
	nstest.Veth(t, ns, "eth0", lan.sw, port)
	lan.sw.Exec(t, "ip", "link", "set", port, "master", "br0")
	ns.Exec(t, "sysctl", "-qw", "net.ipv6.conf.eth0.keep_addr_on_down=1")
	ns.Exec(t, "ip", "link", "set", "eth0", "addrgenmode", "none")
	ns.Exec(t, "ip", "-6", "addr", "flush", "dev", "eth0", "scope", "link")
	ns.Exec(t, "ip", "-6", "addr", "add", fmt.Sprintf("fe80::%d/64", n), "dev", "eth0", "nodad")
	ns.Exec(t, "ip", "-6", "addr", "add", fmt.Sprintf("2001:db8:1::%d/64", n), "dev", "eth0", "nodad")
	return ns
}

// v6kVIPAt waits until exactly owner holds the global VIP among nss
// (`ip -o addr`); owner nil means nobody.
func v6kVIPAt(t *testing.T, timeout time.Duration, owner *nstest.NS, nss ...*nstest.NS) {
	t.Helper()
	nstest.Eventually(t, timeout, func() error {
		for _, ns := range nss {
			if has := hasAddr(ns, v6kVIP); has != (ns == owner) {
				return fmt.Errorf("%s holds %v: %v", ns.Name(), v6kVIP, has)
			}
		}
		return nil
	})
}

// keepalivedConf6 is a VRRPv3 IPv6 instance (the family follows the
// virtual addresses) with the same two virtual addresses as ours.
func keepalivedConf6(prio uint8, advert string) string {
	return fmt.Sprintf(`global_defs {
  router_id ka%d
  vrrp_version 3
  vrrp_garp_master_delay 0
  vrrp_garp_master_repeat 3
}
vrrp_instance VI_%d {
  state BACKUP
  interface eth0
  virtual_router_id %d
  priority %d
  advert_int %s
  virtual_ipaddress {
    %s/64
    %s/64
  }
}
`, v6kVRID, v6kVRID, v6kVRID, prio, advert, v6kVIPLL, v6kVIP)
}

var kaStateRE = regexp.MustCompile(`\(VI_\d+\) Entering (MASTER|BACKUP|FAULT) STATE`)

// kaState is keepalived's current state as its log (-l -D) last
// reported it, "" before the first.
func kaState(k *keepalived) string {
	m := kaStateRE.FindAllStringSubmatch(k.p.Output(), -1)
	if len(m) == 0 {
		return ""
	}
	return m[len(m)-1][1]
}

func requireKAState(t *testing.T, timeout time.Duration, k *keepalived, want string) {
	t.Helper()
	nstest.Eventually(t, timeout, func() error {
		if got := kaState(k); got != want {
			return fmt.Errorf("keepalived is %q, want %q", got, want)
		}
		return nil
	})
}

// TestInterop_KeepalivedIPv6 runs our Router against keepalived 2.2 with
// VRRPv3 over IPv6 at 100 ms on one LAN of namespaces. It shows, each
// side reporting its own state: advertisements go from the link-local
// address to ff02::12 with hop limit 255 (RFC 5798 §5.1.2.1-§5.1.2.3,
// §7.1; checked on the wire); the higher priority is Master either way
// (§6.4.2, §6.4.3); a killed Master is replaced after Master_Down_Interval
// (§6.4.2); a priority-0 shutdown hands over after Skew_Time (§6.4.3);
// preemption gives the VIP back (§6.4.2); and a client follows the VIP's
// MAC through the new Master's unsolicited Neighbor Advertisements
// (§6.4.1, §8.2). The VIPs are added without DAD on both sides (our
// netlink manager and keepalived both use IFA_F_NODAD).
func TestInterop_KeepalivedIPv6(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "keepalived")
	const interval = 100 * time.Millisecond
	const wait = 10 * time.Second
	lan := &nsLAN{t: t, sw: nstest.New(t, "v6ksw")}
	lan.sw.Exec(t, "ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0", "forward_delay", "0")
	lan.sw.Exec(t, "ip", "link", "set", "br0", "up")
	kaNS := v6Join(t, lan, "v6kka", 1)
	ourNS := v6Join(t, lan, "v6kus", 2)
	client := v6Join(t, lan, "v6kcl", 3)
	kaLL, ourLL := netip.MustParseAddr("fe80::1"), netip.MustParseAddr("fe80::2")
	kaMAC, ourMAC := macOf(t, kaNS, "eth0"), macOf(t, ourNS, "eth0")
	cfg := func(prio uint8) Config {
		return Config{Version: packet.V3, VRID: v6kVRID, Priority: prio, Interval: interval,
			Address:          netip.PrefixFrom(ourLL, 64),
			Subnets:          []netip.Prefix{netip.MustParsePrefix("2001:db8:1::2/64")},
			VirtualAddresses: []netip.Addr{v6kVIPLL, v6kVIP}}
	}
	// An unsolicited NA only updates an entry the client already has
	// (RFC 4861 §7.2.5), so the client first resolves the VIP once.
	clientSees := func(want string) {
		t.Helper()
		nstest.Eventually(t, wait, func() error {
			resolveAfresh(client, v6kVIP)
			if got := neighMAC(client, v6kVIP); got != want {
				return fmt.Errorf("client has %v at %q, want %q", v6kVIP, got, want)
			}
			return nil
		})
	}
	clientFollows := func(want string) { // no ping: only the announcements
		t.Helper()
		nstest.Eventually(t, wait, func() error {
			if got := neighMAC(client, v6kVIP); got != want {
				return fmt.Errorf("client has %v at %q, want %q", v6kVIP, got, want)
			}
			return nil
		})
	}
	usBackupOf := func(us *ours, master netip.Addr) {
		t.Helper()
		nstest.Eventually(t, wait, func() error {
			if s := us.r.Status(); s.State != Backup || s.Master != master || s.Counters.Received == 0 {
				return fmt.Errorf("ours %v master %v received %d drops %v", s.State, s.Master, s.Counters.Received, s.Counters.Drops)
			}
			return nil
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The switch sees every advertisement of both sides.
	capture := lan.sw.Start(t, nstest.RequireBinary(t, "tcpdump"), "-i", "br0", "-n", "-l", "-v", "ip6 proto 112")

	// §6.4.3: keepalived (200) outranks ours (100): it is Master and we
	// are Backup, having accepted its adverts from fe80::1.
	ka := startKeepalived(t, kaNS, keepalivedConf6(200, "0.1"))
	us := startOurs(t, ourNS, cfg(100), "")
	requireKAState(t, wait, ka, "MASTER")
	v6kVIPAt(t, wait, kaNS, kaNS, ourNS)
	usBackupOf(us, kaLL)
	clientSees(kaMAC)

	// §6.4.2 Master_Down_Interval: keepalived's host dies (SIGKILL, no
	// priority 0; its cable is cut since the kernel keeps the VIP): we
	// take over, add the VIP, and our unsolicited NA moves the client.
	killed := time.Now()
	ka.kill(t)
	lan.cut(1, true)
	v6kVIPAt(t, wait, ourNS, ourNS)
	tr, _ := us.last(Master)
	if tr.Reason != ReasonMasterDown {
		t.Errorf("took over by %v", tr.Reason)
	}
	t.Logf("takeover after keepalived's death: %v (Master_Down_Interval %v)", tr.Time.Sub(killed), us.r.Status().MasterDownInterval)
	clientFollows(ourMAC)

	// §6.4.2 preemption: keepalived returns with 200 and takes the VIP
	// back; ours goes Backup by preemption and the client follows.
	lan.cut(1, false)
	ka = startKeepalived(t, kaNS, keepalivedConf6(200, "0.1"))
	requireKAState(t, wait, ka, "MASTER")
	v6kVIPAt(t, wait, kaNS, kaNS, ourNS)
	usBackupOf(us, kaLL)
	if tr, _ := us.last(Backup); tr.Reason != ReasonPreempted {
		t.Errorf("ours went Backup by %v", tr.Reason)
	}
	clientFollows(kaMAC)

	// §6.4.3: keepalived's orderly shutdown sends priority 0 and we take
	// over after Skew_Time.
	ka.p.Stop()
	v6kVIPAt(t, wait, ourNS, kaNS, ourNS)
	if tr, _ := us.last(Master); tr.Reason != ReasonMasterShutdown {
		t.Errorf("took over from keepalived's shutdown by %v", tr.Reason)
	}
	stopOurs(t, us)
	v6kVIPAt(t, wait, nil, kaNS, ourNS)

	// §6.4.3 the other way round: ours (200) outranks keepalived (100).
	ka = startKeepalived(t, kaNS, keepalivedConf6(100, "0.1"))
	requireKAState(t, wait, ka, "MASTER") // alone on the LAN
	us = startOurs(t, ourNS, cfg(200), "")
	requireKAState(t, wait, ka, "BACKUP")
	v6kVIPAt(t, wait, ourNS, kaNS, ourNS)
	if s := us.r.State(); s != Master {
		t.Errorf("ours is %v", s)
	}
	clientFollows(ourMAC)
	// keepalived heard ours from our link-local address.
	if out := ka.p.Output(); !strings.Contains(out, "received advert from fe80::2 with higher priority 200") {
		t.Errorf("keepalived did not log our advertisement from fe80::2")
	}
	// §5.1.2.1-§5.1.2.3, §7.1: on the wire both sides advertise from
	// their link-local address to ff02::12 with hop limit 255.
	nstest.Eventually(t, wait, func() error { return v6kWire(capture.Output(), kaLL, ourLL) })

	// §6.4.3: our priority-0 shutdown makes keepalived Master quickly
	// (Skew_Time, not Master_Down_Interval).
	stopped := time.Now()
	if err := us.r.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	_ = us.addrs.Close()
	requireKAState(t, wait, ka, "MASTER")
	v6kVIPAt(t, wait, kaNS, kaNS, ourNS)
	if !strings.Contains(ka.p.Output(), "Backup received priority 0 advertisement") {
		t.Errorf("keepalived did not log our priority-0 advertisement")
	}
	t.Logf("keepalived took over %v after our priority-0 shutdown", time.Since(stopped))
	clientFollows(kaMAC)

	// §6.4.2 preemption: ours returns with 200 and keepalived yields.
	us = startOurs(t, ourNS, cfg(200), "")
	requireKAState(t, wait, ka, "BACKUP")
	v6kVIPAt(t, wait, ourNS, kaNS, ourNS)
	clientFollows(ourMAC)
	if s := us.r.Status(); s.Counters.Drops[DropChecksum] != 0 || s.Counters.Drops[DropTTL] != 0 || s.Counters.Misconfigured != 0 {
		t.Errorf("drops against keepalived: %+v", s.Counters)
	}
}

var vrrpLineRE = regexp.MustCompile(`hlim (\d+), next-header VRRP \(112\).*?\s(\S+) > (\S+): VRRPv3, Advertisement, vrid (\d+), prio (\d+)`)

// v6kWire checks tcpdump -v output: every VRRP packet is VRRPv3 with hop
// limit 255 to ff02::12, and each of srcs has sent at least one.
func v6kWire(out string, srcs ...netip.Addr) error {
	seen := map[string]int{}
	for _, m := range vrrpLineRE.FindAllStringSubmatch(out, -1) {
		if m[1] != "255" || m[3] != "ff02::12" || m[4] != "62" {
			return fmt.Errorf("advertisement %s > %s vrid %s with hop limit %s", m[2], m[3], m[4], m[1])
		}
		seen[m[2]]++
	}
	for _, s := range srcs {
		if seen[s.String()] == 0 {
			return fmt.Errorf("no advertisement from %v on the wire (saw %v)", s, seen)
		}
	}
	return nil
}

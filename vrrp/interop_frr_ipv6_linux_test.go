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

// The IPv6 FRR LAN (documentation prefix, inside our namespaces only).
// Both sides list the same two virtual addresses, link-local first: ours
// requires that order (RFC 5798 §5.2.9) and FRR 8.4 accepts a link-local
// virtual address; with equal lists neither side logs or drops the
// other's advertisements over the address list (§7.1).
var (
	v6fVIPLL = netip.MustParseAddr("fe80::63")
	v6fVIP   = netip.MustParseAddr("2001:db8:1::100")
	// v6fFRRSrc is the link-local of FRR's macvlan, its advertisements'
	// source.
	v6fFRRSrc = netip.MustParseAddr("fe80::1:63")
)

const v6fVRID = 63

// v6fMacvlan is the macvlan FRR's vrrpd needs for an IPv6 virtual
// router: it finds it by the IPv6 virtual MAC 00:00:5e:00:02:VRID
// (§7.3) on top of eth0, sends its advertisements from the macvlan's
// link-local address, and holds it protodown while it is not Master.
const v6fMacvlan = "vrrp6-2-63"

// setupFRRMacvlan6 makes FRR's macvlan: the IPv6 virtual MAC, its own
// link-local v6fFRRSrc (no kernel-generated one), and the global VIP.
// FRR sends its advertisements from the macvlan's link-local (its
// reading of §5.1.2.1) and does not add virtual addresses itself; they
// sit on the macvlan, which vrrpd holds protodown outside Master.
//
// The macvlan's link-local must not be the link-local VIP: when ours is
// Master it holds that VIP on its own eth0, and a packet whose source is
// one of our own addresses is dropped as looped back, so FRR's
// advertisements would never reach our Router and FRR could not preempt.
// Hence FRR advertises both VIPs but only the global one is installed
// on its macvlan.
func setupFRRMacvlan6(t *testing.T, ns *nstest.NS) {
	t.Helper()
	ns.Exec(t, "ip", "link", "add", v6fMacvlan, "link", "eth0", "type", "macvlan", "mode", "bridge")
	ns.Exec(t, "ip", "link", "set", "dev", v6fMacvlan, "address", packet.VirtualMAC(v6fVRID, true).String(), "addrgenmode", "none")
	ns.Exec(t, "sysctl", "-qw", "net.ipv6.conf."+v6fMacvlan+".keep_addr_on_down=1")
	ns.Exec(t, "ip", "-6", "addr", "add", v6fFRRSrc.String()+"/64", "dev", v6fMacvlan, "nodad")
	ns.Exec(t, "ip", "-6", "addr", "add", v6fVIP.String()+"/64", "dev", v6fMacvlan, "nodad")
	ns.Exec(t, "ip", "link", "set", "dev", v6fMacvlan, "up")
}

// v6fFRRActive reports whether FRR's macvlan (and with it the VIPs and
// the virtual MAC) is in service: not protodown.
func v6fFRRActive(ns *nstest.NS) (bool, error) {
	out, err := ns.Try("ip", "-d", "link", "show", "dev", v6fMacvlan)
	if err != nil {
		return false, fmt.Errorf("ip link: %v: %s", err, out)
	}
	return !strings.Contains(out, "protodown on"), nil
}

// startVRRP6 (re)starts vrrpd with an IPv6 VRRPv3 virtual router.
func (f *frr) startVRRP6(t *testing.T, prio uint8, intervalMs int) {
	t.Helper()
	vrrpd := nstest.RequireBinary(t, "vrrpd")
	conf := fmt.Sprintf(`hostname vrrpd
interface eth0
 vrrp %[1]d version 3
 vrrp %[1]d priority %[2]d
 vrrp %[1]d advertisement-interval %[3]d
 vrrp %[1]d preempt
 vrrp %[1]d ipv6 %[4]s
 vrrp %[1]d ipv6 %[5]s
!
`, f.vrid, prio, intervalMs, v6fVIPLL, v6fVIP)
	f.runVRRPD(t, vrrpd, conf)
}

// state6 asks vrrpd for the IPv6 state of the virtual router.
func (f *frr) state6() (string, error) { return f.status(true) }

// TestInterop_FRRIPv6 runs our Router against FRR 8.4 vrrpd with VRRPv3
// over IPv6 at 100 ms on one LAN of namespaces, each side reporting its
// own state (ours: Router.State and the VIP on eth0; FRR: the v6 status
// of `show vrrp json` and its macvlan's protodown). It shows: the higher
// priority is Master either way (§6.4.2, §6.4.3), our Backup having
// accepted FRR's advertisements from its macvlan's link-local with the
// same address list (§5.1.2.1, §7.1); a Master that dies without
// priority 0 (FRR killed and cut off, or ours cut off) is replaced after
// Master_Down_Interval (§6.4.2); the returning higher priority preempts
// (§6.4.2 Preempt_Mode, §6.4.3); and a priority-0 shutdown on either side
// hands over after Skew_Time (§6.4.2, §6.4.3). Takeover times are
// logged, not asserted.
func TestInterop_FRRIPv6(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "zebra")
	nstest.RequireBinary(t, "vrrpd")
	nstest.RequireBinary(t, "vtysh")
	const interval = 100 * time.Millisecond
	const wait = 15 * time.Second
	lan := &nsLAN{t: t, sw: nstest.New(t, "v6fsw")}
	lan.sw.Exec(t, "ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0", "forward_delay", "0")
	lan.sw.Exec(t, "ip", "link", "set", "br0", "up")
	frrNS := v6Join(t, lan, "v6ffr", 1)
	ourNS := v6Join(t, lan, "v6fus", 2)
	const frrPort, ourPort = 1, 2
	setupFRRMacvlan6(t, frrNS)
	ourLL := netip.MustParseAddr("fe80::2")
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := frrNS.Try("ip", "-d", "addr", "show")
			t.Logf("FRR namespace:\n%s", out)
		}
	})
	f := startFRR(t, frrNS, nstest.TempDir(t))
	f.vrid = v6fVRID
	cfg := func(prio uint8) Config {
		return Config{Version: packet.V3, VRID: v6fVRID, Priority: prio, Interval: interval,
			Address:          netip.PrefixFrom(ourLL, 64),
			Subnets:          []netip.Prefix{netip.MustParsePrefix("2001:db8:1::2/64")},
			VirtualAddresses: []netip.Addr{v6fVIPLL, v6fVIP}}
	}
	// want waits until ours and FRR are in the given states and exactly
	// the Master holds the virtual addresses in service.
	want := func(us *ours, ourState State, frrState string) {
		t.Helper()
		nstest.Eventually(t, wait, func() error {
			fs, err := f.state6()
			if err != nil {
				return err
			}
			active, err := v6fFRRActive(frrNS)
			if err != nil {
				return err
			}
			var st State = Initialize
			if us != nil {
				st = us.r.State()
			}
			has := hasAddr(ourNS, v6fVIP)
			if us != nil && st == Backup {
				// Backup only counts once FRR's advertisements arrive.
				if s := us.r.Status(); s.Master != v6fFRRSrc || s.Counters.Received < 3 {
					return fmt.Errorf("ours Backup of %v having received %d (drops %v)", s.Master, s.Counters.Received, s.Counters.Drops)
				}
			}
			if st != ourState || fs != frrState || has != (st == Master) || active != (fs == "Master") {
				return fmt.Errorf("ours %v (holds %v: %v), FRR %q (macvlan in service: %v); want ours %v, FRR %q",
					st, v6fVIP, has, fs, active, ourState, frrState)
			}
			return nil
		})
	}
	// The switch sees every advertisement of both sides.
	capture := lan.sw.Start(t, nstest.RequireBinary(t, "tcpdump"), "-i", "br0", "-n", "-l", "-v", "ip6 proto 112")
	var us *ours
	step := func(name string) { t.Logf("step RFC 5798 §%s", name) }

	step("6.4.3_FRRHigherPriorityIsMaster")
	{
		f.startVRRP6(t, 200, 100)
		want(nil, Initialize, "Master") // alone on the LAN
		us = startOurs(t, ourNS, cfg(100), "")
		want(us, Backup, "Master")
		// §5.1.2.1: FRR advertises from its macvlan's link-local address.
		if m := us.r.Master(); m != v6fFRRSrc {
			t.Errorf("ours believes the Master is %v, want %v", m, v6fFRRSrc)
		}
	}

	step("6.4.2_MasterDownTakeoverFromKilledFRR")
	{
		// FRR's host dies: vrrpd SIGKILLed (no priority 0) and its cable
		// cut, since the kernel keeps the macvlan in service.
		killed := time.Now()
		f.vrrp.Kill()
		lan.cut(frrPort, true)
		nstest.Eventually(t, wait, func() error {
			if s := us.r.State(); s != Master || !hasAddr(ourNS, v6fVIP) {
				return fmt.Errorf("ours %v, holds %v: %v", s, v6fVIP, hasAddr(ourNS, v6fVIP))
			}
			return nil
		})
		tr, _ := us.last(Master)
		if tr.Reason != ReasonMasterDown {
			t.Errorf("took over by %v", tr.Reason)
		}
		t.Logf("our takeover after FRR's death: %v (Master_Down_Interval %v)", tr.Time.Sub(killed).Round(time.Millisecond), us.r.Status().MasterDownInterval)
	}

	step("6.4.2_FRRPreemptsOnReturn")
	{
		lan.cut(frrPort, false)
		f.startVRRP6(t, 200, 100)
		want(us, Backup, "Master")
		if tr, _ := us.last(Backup); tr.Reason != ReasonPreempted {
			t.Errorf("ours went Backup by %v", tr.Reason)
		}
	}

	step("6.4.3_FRRShutdownPriorityZero")
	{
		// FRR's orderly stop (SIGTERM): ours takes over; by Skew_Time if
		// FRR sent priority 0, else by Master_Down_Interval.
		stopped := time.Now()
		f.vrrp.Stop()
		nstest.Eventually(t, wait, func() error {
			if s := us.r.State(); s != Master || !hasAddr(ourNS, v6fVIP) {
				return fmt.Errorf("ours %v", s)
			}
			return nil
		})
		tr, _ := us.last(Master)
		t.Logf("our takeover after FRR's SIGTERM: %v by %v", tr.Time.Sub(stopped).Round(time.Millisecond), tr.Reason)
		if tr.Reason != ReasonMasterShutdown {
			t.Errorf("took over from FRR's shutdown by %v", tr.Reason)
		}
		stopOurs(t, us)
		us = nil
	}

	step("6.4.3_OursHigherPriorityIsMaster")
	{
		f.startVRRP6(t, 100, 100)
		want(nil, Initialize, "Master") // alone on the LAN
		us = startOurs(t, ourNS, cfg(200), "")
		want(us, Master, "Backup")
	}

	step("6.4.2_FRRTakesOverWhenOursIsCut")
	{
		// Ours vanishes without priority 0: its cable is cut.
		cut := time.Now()
		lan.cut(ourPort, true)
		nstest.Eventually(t, wait, func() error {
			if s, err := f.state6(); err != nil || s != "Master" {
				return fmt.Errorf("FRR %q %v", s, err)
			}
			return nil
		})
		t.Logf("FRR became Master %v after our cable was cut (polled by vtysh)", time.Since(cut).Round(time.Millisecond))
		// §6.4.3: back on the LAN ours (200) is heard and FRR (100) yields.
		lan.cut(ourPort, false)
		want(us, Master, "Backup")
	}

	step("6.4.3_OursShutdownPriorityZero")
	{
		stopped := time.Now()
		stopOurs(t, us)
		us = nil
		want(nil, Initialize, "Master")
		t.Logf("FRR became Master %v after our priority-0 shutdown (polled by vtysh)", time.Since(stopped).Round(time.Millisecond))
	}

	step("6.4.2_OursPreemptsOnReturn")
	{
		us = startOurs(t, ourNS, cfg(200), "")
		want(us, Master, "Backup")
		if s := us.r.Status(); s.Counters.Drops[DropChecksum] != 0 || s.Counters.Drops[DropTTL] != 0 || s.Counters.Misconfigured != 0 {
			t.Errorf("drops against FRR: %+v", s.Counters)
		}
	}
	// §5.1.2.1-§5.1.2.3, §5.2.9, §7.1 on the wire: both sides advertise
	// from their link-local address to ff02::12 with hop limit 255, and
	// the same address list, link-local VIP first.
	nstest.Eventually(t, wait, func() error { return v6fWire(capture.Output(), v6fFRRSrc, ourLL) })
	if out := f.vrrp.Output(); strings.Contains(out, "checksum") {
		t.Errorf("vrrpd complains:\n%s", out)
	}
}

var v6fAdvertRE = regexp.MustCompile(`hlim (\d+), next-header VRRP \(112\).*?\s(\S+) > (\S+): VRRPv3, Advertisement, vrid (\d+), prio (\d+), intvl (\d+)cs, length \d+, addrs\(\d+\): (\S+)`)

// v6fWire checks tcpdump -v output: every VRRP packet is a VRRPv3
// advertisement for v6fVRID with hop limit 255 to ff02::12, a 100 ms
// interval and the address list fe80::63,2001:db8:1::100, and each of
// srcs has sent at least one (priority-0 ones included).
func v6fWire(out string, srcs ...netip.Addr) error {
	seen := map[string]int{}
	list := v6fVIPLL.String() + "," + v6fVIP.String()
	for _, m := range v6fAdvertRE.FindAllStringSubmatch(out, -1) {
		if m[1] != "255" || m[3] != "ff02::12" || m[4] != strconv.Itoa(v6fVRID) || m[6] != "10" || m[7] != list {
			return fmt.Errorf("advertisement %s > %s vrid %s hop limit %s interval %scs addresses %s", m[2], m[3], m[4], m[1], m[6], m[7])
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

//go:build linux

package vrrp

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/vrrp/packet"
)

// frr runs zebra and vrrpd in a namespace with their own config, pid
// files, zserv socket and vty directory.
type frr struct {
	ns          *nstest.NS
	dir         string
	zebra, vrrp *nstest.Proc
	vrid        uint8
}

const frrVRID = 5

// frrMacvlan is the macvlan FRR's vrrpd expects for VRID 5 over IPv4: the
// virtual MAC, the VIP configured on it, mode bridge (FRR docs, "VRRP").
const frrMacvlan = "vrrp4-2-5"

func setupFRRMacvlan(t *testing.T, ns *nstest.NS) {
	ns.Exec(t, "ip", "link", "add", frrMacvlan, "link", "eth0", "type", "macvlan", "mode", "bridge")
	ns.Exec(t, "ip", "link", "set", "dev", frrMacvlan, "address", packet.VirtualMAC(frrVRID, false).String())
	ns.Exec(t, "ip", "addr", "add", nsVIP.String()+"/24", "dev", frrMacvlan)
	ns.Exec(t, "ip", "link", "set", "dev", frrMacvlan, "up")
	// Only the macvlan may answer ARP for the VIP, with the virtual MAC.
	ns.Exec(t, "sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.eth0.arp_ignore=1",
		"net.ipv4.conf.all.arp_announce=2", "net.ipv4.conf.eth0.arp_announce=2")
}

func startFRR(t *testing.T, ns *nstest.NS, dir string) *frr {
	t.Helper()
	zebra := nstest.RequireBinary(t, "zebra")
	f := &frr{ns: ns, dir: dir, vrid: frrVRID}
	if err := os.WriteFile(filepath.Join(dir, "zebra.conf"), []byte("hostname zebra\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.zebra = ns.Start(t, zebra, "-f", filepath.Join(dir, "zebra.conf"), "-i", filepath.Join(dir, "zebra.pid"),
		"-z", filepath.Join(dir, "zserv.api"), "--vty_socket", dir, "-P", "0", "--log", "stdout")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("zebra output:\n%s", f.zebra.Output())
		}
	})
	nstest.Eventually(t, 10*time.Second, func() error {
		_, err := os.Stat(filepath.Join(dir, "zserv.api"))
		return err
	})
	return f
}

// startVRRP (re)starts vrrpd with a configuration for priority and
// interval (milliseconds, FRR's unit).
func (f *frr) startVRRP(t *testing.T, prio uint8, intervalMs int) {
	t.Helper()
	vrrpd := nstest.RequireBinary(t, "vrrpd")
	conf := fmt.Sprintf(`hostname vrrpd
interface eth0
 vrrp %d version 3
 vrrp %d priority %d
 vrrp %d advertisement-interval %d
 vrrp %d ip %s
!
`, f.vrid, f.vrid, prio, f.vrid, intervalMs, f.vrid, nsVIP)
	f.runVRRPD(t, vrrpd, conf)
}

// runVRRPD writes conf and starts vrrpd with it, against the node's zebra.
func (f *frr) runVRRPD(t *testing.T, vrrpd, conf string) {
	t.Helper()
	cf := filepath.Join(f.dir, "vrrpd.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	p := f.ns.Start(t, vrrpd, "-f", cf, "-i", filepath.Join(f.dir, "vrrpd.pid"), "-z", filepath.Join(f.dir, "zserv.api"),
		"--vty_socket", f.dir, "-P", "0", "--log", "stdout")
	f.vrrp = p
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("vrrpd output:\n%s", p.Output())
		}
	})
}

// state asks vrrpd for the IPv4 state of the virtual router.
func (f *frr) state() (string, error) { return f.status(false) }

// status reads the IPv4 or IPv6 state of the virtual router from
// `show vrrp VRID json`.
func (f *frr) status(v6 bool) (string, error) {
	out, err := f.ns.Try("vtysh", "--vty_socket", f.dir, "-c", fmt.Sprintf("show vrrp %d json", f.vrid))
	if err != nil {
		return "", fmt.Errorf("vtysh: %v: %s", err, out)
	}
	type family struct {
		Status string `json:"status"`
	}
	var vrs []struct {
		V4 family `json:"v4"`
		V6 family `json:"v6"`
	}
	if err := json.Unmarshal([]byte(out), &vrs); err != nil || len(vrs) == 0 {
		return "", fmt.Errorf("show vrrp json: %v: %s", err, out)
	}
	if v6 {
		return vrs[0].V6.Status, nil
	}
	return vrs[0].V4.Status, nil
}

func (f *frr) waitState(t *testing.T, timeout time.Duration, want string) {
	t.Helper()
	nstest.Eventually(t, timeout, func() error {
		s, err := f.state()
		if err != nil {
			return err
		}
		if s != want {
			return fmt.Errorf("FRR vrrpd is %q, want %q", s, want)
		}
		return nil
	})
}

// TestInterop_FRR runs our Router against FRR 8.4 vrrpd (VRRPv3, 100 ms):
// FRR as Master by priority, our takeover when it dies, its preemption on
// return; then the other way round, and the client following the VIP from
// FRR's virtual MAC to ours.
func TestInterop_FRR(t *testing.T) {
	nstest.RequireBinary(t, "vrrpd")
	nstest.RequireBinary(t, "vtysh")
	lan := newNSLAN(t)
	frrAddr, ourAddr := netip.MustParsePrefix("192.0.2.1/24"), netip.MustParsePrefix("192.0.2.2/24")
	frrNS := lan.join("fr", frrAddr)
	ourNS := lan.join("us", ourAddr)
	client := lan.join("cl", nsClient)
	setupFRRMacvlan(t, frrNS)
	vmac, ourMAC := packet.VirtualMAC(frrVRID, false).String(), macOf(t, ourNS, "eth0")
	t.Logf("MACs: FRR eth0 %s, FRR %s %s, ours %s, client %s", macOf(t, frrNS, "eth0"), frrMacvlan, macOf(t, frrNS, frrMacvlan), ourMAC, macOf(t, client, "eth0"))
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := frrNS.Try("ip", "-d", "link", "show", frrMacvlan)
			t.Logf("%s", out)
		}
	})
	f := startFRR(t, frrNS, nstest.TempDir(t))
	const wait = 10 * time.Second
	iv := 100 * time.Millisecond
	cfg := func(prio uint8) Config {
		return Config{Version: packet.V3, VRID: frrVRID, Priority: prio, Interval: iv, Address: ourAddr, VirtualAddresses: []netip.Addr{nsVIP}}
	}
	clientAt := func(want string, ping bool) {
		t.Helper()
		nstest.Eventually(t, wait, func() error {
			if ping {
				resolveAfresh(client, nsVIP)
			}
			if got := neighMAC(client, nsVIP); got != want {
				return fmt.Errorf("client has %v at %q, want %q", nsVIP, got, want)
			}
			return nil
		})
	}

	// 1. FRR priority 200, ours 100: FRR is Master, we follow it.
	f.startVRRP(t, 200, 100)
	f.waitState(t, wait, "Master")
	us := startOurs(t, ourNS, cfg(100), "")
	nstest.Eventually(t, wait, func() error {
		if s := us.r.Status(); s.State != Backup || s.Counters.Received < 3 {
			return fmt.Errorf("ours %v, received %d, drops %v", s.State, s.Counters.Received, s.Counters.Drops)
		}
		return nil
	})
	if hasAddr(ourNS, nsVIP) {
		t.Error("Backup holds the VIP")
	}
	clientAt(vmac, true)

	// 2. FRR's host dies (vrrpd killed, cable cut): we take over.
	killed := time.Now()
	f.vrrp.Kill()
	lan.cut(1, true)
	requireVIPAt(t, wait, ourNS, ourNS)
	tr, _ := us.last(Master)
	t.Logf("takeover after FRR's death: %v (Master_Down_Interval %v)", tr.Time.Sub(killed), us.r.Status().MasterDownInterval)
	clientAt(ourMAC, false)

	// 3. FRR returns with priority 200 and preempts.
	lan.cut(1, false)
	f.startVRRP(t, 200, 100)
	f.waitState(t, wait, "Master")
	nstest.Eventually(t, wait, func() error {
		if s := us.r.State(); s != Backup || hasAddr(ourNS, nsVIP) {
			return fmt.Errorf("ours %v, holds VIP %v", s, hasAddr(ourNS, nsVIP))
		}
		return nil
	})
	if tr, _ := us.last(Backup); tr.Reason != ReasonPreempted {
		t.Errorf("ours went Backup by %v", tr.Reason)
	}
	clientAt(vmac, false)

	// 4. The other way round: FRR restarts with priority 100 while ours
	// runs at 200; ours preempts FRR.
	f.vrrp.Stop()
	f.startVRRP(t, 100, 100)
	us2cfg := cfg(200)
	stopOurs(t, us)
	us = startOurs(t, ourNS, us2cfg, "")
	requireVIPAt(t, wait, ourNS, ourNS)
	f.waitState(t, wait, "Backup")
	clientAt(ourMAC, false)

	// 5. Ours shuts down with priority 0: FRR takes over within Skew_Time.
	stopped := time.Now()
	stopOurs(t, us)
	f.waitState(t, wait, "Master")
	t.Logf("FRR became Master %v after our priority-0 shutdown (measured by polling vtysh)", time.Since(stopped))
	clientAt(vmac, false)

	// 6. Ours returns and preempts FRR.
	us = startOurs(t, ourNS, us2cfg, "")
	requireVIPAt(t, wait, ourNS, ourNS)
	f.waitState(t, wait, "Backup")
	clientAt(ourMAC, false)
	if s := us.r.Status(); s.Counters.Drops[DropChecksum] != 0 || s.Counters.Misconfigured != 0 {
		t.Errorf("drops against FRR: %+v", s.Counters)
	}
	if out := f.vrrp.Output(); strings.Contains(out, "checksum") {
		t.Errorf("vrrpd complains about checksums:\n%s", out)
	}
}

// TestInterop_FRRFailover10ms measures our takeover when an FRR vrrpd
// Master advertising every 10 ms dies (process killed, cable cut). The
// figure is logged, not asserted.
func TestInterop_FRRFailover10ms(t *testing.T) {
	nstest.RequireBinary(t, "vrrpd")
	nstest.RequireBinary(t, "vtysh")
	lan := newNSLAN(t)
	frrAddr, ourAddr := netip.MustParsePrefix("192.0.2.1/24"), netip.MustParsePrefix("192.0.2.2/24")
	frrNS := lan.join("fr", frrAddr)
	ourNS := lan.join("us", ourAddr)
	setupFRRMacvlan(t, frrNS)
	f := startFRR(t, frrNS, nstest.TempDir(t))
	f.startVRRP(t, 200, 10)
	f.waitState(t, 10*time.Second, "Master")
	us := startOurs(t, ourNS, Config{Version: packet.V3, VRID: frrVRID, Priority: 100, Interval: 10 * time.Millisecond,
		Address: ourAddr, VirtualAddresses: []netip.Addr{nsVIP}}, "")
	nstest.Eventually(t, 10*time.Second, func() error {
		if s := us.r.Status(); s.State != Backup || s.Counters.Received < 50 || s.MasterAdverInterval != 10*time.Millisecond {
			return fmt.Errorf("ours %v, received %d, Master_Adver_Interval %v", s.State, s.Counters.Received, s.MasterAdverInterval)
		}
		return nil
	})
	killed := time.Now()
	f.vrrp.Kill()
	lan.cut(1, true)
	requireVIPAt(t, 10*time.Second, ourNS, ourNS)
	tr, _ := us.last(Master)
	if tr.Reason != ReasonMasterDown {
		t.Errorf("took over by %v", tr.Reason)
	}
	t.Logf("VRRPv3 10ms: takeover %v after FRR's death (Master_Down_Interval %v)", tr.Time.Sub(killed).Round(100*time.Microsecond), us.r.Status().MasterDownInterval)
}

//go:build linux

package main

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

// TestHostile_VRRP (issue 16): two vrrpd on a LAN (a Master at priority
// 200, b Backup at 100, VRID 51, 100 ms adverts, allow_from the first
// half of the subnet) and an attacker on the same LAN sending
// advertisements built with our codec and then broken: truncated at
// every offset, a bad checksum, version 2, another type, TTL 254 (RFC
// 5798 §7.1: MUST be 255), our VRID with another address list from 100
// spoofed sources inside allow_from, and priority 255 (the owner's) from
// a source outside it. Both daemons stay up and in their roles (no
// transition), the VIP stays on a alone, each drop is counted by its
// reason, the conflicting routers are listed (at most 64) and logged once
// per source, and memory stays within 16 MiB.
func TestHostile_VRRP(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "vrrpd")
	sw := nstest.New(t, "vhsw")
	sw.Exec(t, "ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
	sw.Exec(t, "ip", "link", "set", "br0", "up")
	type node struct {
		ns     *nstest.NS
		socket string
		proc   *nstest.Proc
	}
	var nodes []*node
	for i, name := range []string{"a", "b", "x"} {
		ns := nstest.New(t, "vh"+name)
		nstest.Veth(t, ns, "eth0", sw, "p"+name)
		sw.Exec(t, "ip", "link", "set", "p"+name, "master", "br0")
		ns.Exec(t, "ip", "addr", "add", []string{"192.0.2.1/24", "192.0.2.2/24", "192.0.2.200/24"}[i], "dev", "eth0")
		n := &node{ns: ns}
		nodes = append(nodes, n)
		if name == "x" {
			break
		}
		dir := nstest.TempDir(t)
		n.socket = filepath.Join(dir, "vrrpd.sock")
		conf := fmt.Sprintf("socket: %s\nrouters:\n  - {name: gw, interface: eth0, vrid: 51, priority: %d, interval: 100ms, virtual_addresses: [192.0.2.151], allow_from: [192.0.2.0/25]}\n",
			n.socket, []int{200, 100}[i])
		cf := filepath.Join(dir, "vrrpd.yaml")
		if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		n.proc = ns.Start(t, bin, "run", "-config", cf)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("vrrpd %s output:\n%s", name, n.proc.Output())
			}
		})
	}
	a, b, x := nodes[0], nodes[1], nodes[2]
	type view struct {
		State    string `json:"state"`
		Master   string `json:"master"`
		Counters struct {
			Received      uint64            `json:"received"`
			Transitions   uint64            `json:"transitions"`
			Misconfigured uint64            `json:"misconfigured"`
			Drops         map[string]uint64 `json:"drops"`
		} `json:"counters"`
		Conflicts []struct {
			Source string `json:"source"`
			Reason string `json:"reason"`
			Count  uint64 `json:"count"`
		} `json:"conflicts"`
	}
	status := func(n *node) (view, error) {
		out, err := n.ns.Try(bin, "show", "routers", "-json", "-socket", n.socket)
		if err != nil {
			return view{}, fmt.Errorf("show: %v: %s", err, out)
		}
		var vs []view
		if err := json.Unmarshal([]byte(out), &vs); err != nil || len(vs) != 1 {
			return view{}, fmt.Errorf("show: %v: %s", err, out)
		}
		return vs[0], nil
	}
	roles := func() error {
		va, err := status(a)
		if err != nil {
			return err
		}
		vb, err := status(b)
		if err != nil {
			return err
		}
		if va.State != "master" || vb.State != "backup" || vb.Master != "192.0.2.1" {
			return fmt.Errorf("a %s, b %s (master %s)", va.State, vb.State, vb.Master)
		}
		return nil
	}
	nstest.Eventually(t, 10*time.Second, roles)
	time.Sleep(500 * time.Millisecond)
	a0, _ := status(a)
	b0, _ := status(b)
	rssA, rssB := nstest.RSS(t, a.proc.Pid()), nstest.RSS(t, b.proc.Pid())
	logA, logB := strings.Count(a.proc.Output(), "\n"), strings.Count(b.proc.Output(), "\n")

	inj := nstest.NewInjector(t, x.ns, "eth0", 112)
	vip := netip.MustParseAddr("192.0.2.151")
	adv := func(src netip.Addr, mod func(*packet.Advertisement)) []byte {
		ad := packet.Advertisement{Version: packet.V3, VRID: 51, Priority: 100, Interval: 100 * time.Millisecond, Addresses: []netip.Addr{vip}}
		if mod != nil {
			mod(&ad)
		}
		out, err := ad.AppendBinary(nil, src, packet.GroupIPv4, 0)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	spoof := netip.MustParseAddr("192.0.2.9") // inside allow_from, no router
	good := adv(spoof, nil)
	for n := range len(good) {
		inj.Send(spoof, packet.GroupIPv4, 255, good[:n])
	}
	bad := [][]byte{
		func() []byte { p := append([]byte(nil), good...); p[6] ^= 0xff; return p }(),                 // checksum
		adv(spoof, func(a *packet.Advertisement) { a.Version = packet.V2; a.Interval = time.Second }), // version
		func() []byte { p := append([]byte(nil), good...); p[0] = 0x32; return p }(),                  // type 2
	}
	for range 20 {
		for _, p := range bad {
			inj.Send(spoof, packet.GroupIPv4, 255, p)
		}
		inj.Send(spoof, packet.GroupIPv4, 254, good) // §7.1 TTL
	}
	// Our VRID with another address list, from 100 sources, 10 each.
	for range 10 {
		for i := range 100 {
			src := netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + i)})
			inj.Send(src, packet.GroupIPv4, 255, adv(src, func(a *packet.Advertisement) { a.Addresses = []netip.Addr{netip.MustParseAddr("192.0.2.99")} }))
		}
	}
	// The owner's priority from outside allow_from, 50 times.
	outsider := netip.MustParseAddr("192.0.2.200")
	for range 50 {
		inj.Send(outsider, packet.GroupIPv4, 255, adv(outsider, func(a *packet.Advertisement) { a.Priority = 255 }))
	}
	t.Logf("sent %d packets", inj.Sent)
	time.Sleep(time.Second)
	if err := roles(); err != nil {
		t.Fatalf("after the attack: %v", err)
	}
	for _, n := range []*node{a, b} {
		if done, _ := n.proc.Exited(); done {
			t.Fatalf("vrrpd in %s exited", n.ns.Name())
		}
	}
	a1, _ := status(a)
	b1, _ := status(b)
	for _, c := range []struct {
		name   string
		v0, v1 view
	}{{"a", a0, a1}, {"b", b0, b1}} {
		d := func(r string) uint64 { return c.v1.Counters.Drops[r] - c.v0.Counters.Drops[r] }
		t.Logf("%s drops: %v; %d conflicts listed", c.name, c.v1.Counters.Drops, len(c.v1.Conflicts))
		if c.v1.Counters.Transitions != c.v0.Counters.Transitions {
			t.Errorf("%s: transitions %d -> %d", c.name, c.v0.Counters.Transitions, c.v1.Counters.Transitions)
		}
		for reason, want := range map[string]uint64{"truncated": 1, "checksum": 20, "version": 20, "type": 20, "ttl": 20, "address-list": 1000, "source": 50} {
			if d(reason) < want {
				t.Errorf("%s: %s drops +%d, want at least %d", c.name, reason, d(reason), want)
			}
		}
		if len(c.v1.Conflicts) != 64 {
			t.Errorf("%s: %d conflicts listed, want the bound, 64", c.name, len(c.v1.Conflicts))
		}
	}
	if out := a.ns.Exec(t, "ip", "-4", "addr", "show", "dev", "eth0"); !strings.Contains(out, "192.0.2.151") {
		t.Errorf("the VIP left a:\n%s", out)
	}
	if out := b.ns.Exec(t, "ip", "-4", "addr", "show", "dev", "eth0"); strings.Contains(out, "192.0.2.151") {
		t.Errorf("the VIP is on b:\n%s", out)
	}
	for _, c := range []struct {
		name      string
		n         *node
		rss, logs int
	}{{"a", a, rssA, logA}, {"b", b, rssB, logB}} {
		rss := nstest.RSS(t, c.n.proc.Pid())
		lines := strings.Count(c.n.proc.Output(), "\n") - c.logs
		t.Logf("%s: RSS %d KiB -> %d KiB; %d log lines during the attack", c.name, c.rss, rss, lines)
		if rss > c.rss+16<<10 {
			t.Errorf("%s: RSS grew from %d to %d KiB", c.name, c.rss, rss)
		}
		// One line per conflicting source and reason (64 at most), not
		// one per packet (1,000).
		if lines > 80 {
			t.Errorf("%s: %d log lines during the attack", c.name, lines)
		}
	}
}

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
	"github.com/switchless/routing/rip/packet"
)

// TestHostile_RIP (issue 16): ripd and FRR's ripd on a LAN, FRR
// advertising 192.168.50.0/24, and an attacker on the LAN sending RIP
// responses built with our codec and then broken: truncated at every
// offset, from a port other than 520 and from a source off the subnet
// (RFC 2453 §3.9.2), entries with metrics 0 and 17, host bits set, a
// multicast destination, another address family (§3.9.2 ignores each),
// and 10,000 routes from one invented neighbour against
// max_routes_per_neighbor: 500. ripd stays up; each bad message or entry
// is dropped and counted by its reason; the invented neighbour gets 500
// routes into the table and the kernel, no more; FRR's route is never
// lost; memory stays within 32 MiB, the log within 50 lines; SIGTERM
// takes every route out of the kernel.
func TestHostile_RIP(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "ripd")
	sw := nstest.New(t, "rhsw")
	sw.Exec(t, "ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
	sw.Exec(t, "ip", "link", "set", "br0", "up")
	var nss []*nstest.NS
	for i, name := range []string{"a", "b", "x"} {
		ns := nstest.New(t, "rh"+name)
		nstest.Veth(t, ns, "eth0", sw, "p"+name)
		sw.Exec(t, "ip", "link", "set", "p"+name, "master", "br0")
		ns.Exec(t, "ip", "addr", "add", []string{"10.8.0.1/24", "10.8.0.2/24", "10.8.0.66/24"}[i], "dev", "eth0")
		nss = append(nss, ns)
	}
	a, b, x := nss[0], nss[1], nss[2]
	b.Stub(t, "lan0", "192.168.50.1/24")
	f := nstest.StartFRR(t, b, "ripd")
	f.Start(t, "ripd", "hostname peer\nrouter rip\n version 2\n timers basic 5 15 10\n network eth0\n redistribute connected\n", "show ip rip status")

	dir := nstest.TempDir(t)
	sock := filepath.Join(dir, "ripd.sock")
	conf := filepath.Join(dir, "ripd.yaml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("socket: %s\nprofile: fast\nmax_routes_per_neighbor: 500\ninterfaces:\n  - name: eth0\n", sock)), 0o644); err != nil {
		t.Fatal(err)
	}
	proc := a.Start(t, bin, "run", "-config", conf)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("ripd output:\n%s", proc.Output())
		}
	})
	kernel := func() map[string]kernelRoute {
		out, err := a.Try("ip", "-j", "route", "show", "proto", "244")
		rs := map[string]kernelRoute{}
		var list []kernelRoute
		if err == nil && json.Unmarshal([]byte(out), &list) == nil {
			for _, r := range list {
				rs[r.Dst] = r
			}
		}
		return rs
	}
	frrRoute := func() error {
		if r := kernel()["192.168.50.0/24"]; r.Gateway != "10.8.0.2" || r.Metric != 2 {
			return fmt.Errorf("a's kernel: 192.168.50.0/24 is %+v", r)
		}
		return nil
	}
	nstest.Eventually(t, 30*time.Second, frrRoute)
	stats := func() StatsView {
		var s StatsView
		out, err := a.Try(bin, "show", "stats", "-json", "-socket", sock)
		if err != nil || json.Unmarshal([]byte(out), &s) != nil {
			t.Fatalf("show stats: %v: %s", err, out)
		}
		return s
	}
	s0 := stats()
	rss0 := nstest.RSS(t, proc.Pid())
	log0 := strings.Count(proc.Output(), "\n")

	inj := nstest.NewInjector(t, x, "eth0", 17)
	group := netip.MustParseAddr("224.0.0.9")
	msg := func(es ...packet.Entry) []byte {
		out, err := packet.Message{Command: packet.Response, Version: 2, Entries: es}.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	route := func(p string, metric uint32) packet.Entry {
		return packet.RouteEntry(netip.MustParsePrefix(p), netip.Addr{}, metric, 0)
	}
	attacker := netip.MustParseAddr("10.8.0.66")
	good := msg(route("203.0.113.0/24", 1), route("203.0.114.0/24", 1))
	for n := 1; n < len(good); n++ {
		if (n-4)%20 != 0 { // whole entries would be a valid shorter message
			inj.Send(attacker, group, 1, nstest.UDP(520, 520, good[:n]))
		}
	}
	hostBits := route("203.0.115.0/24", 1)
	hostBits.Addr = netip.MustParseAddr("203.0.115.7")
	family := route("203.0.116.0/24", 1)
	family.Family = 7
	for range 20 {
		inj.Send(attacker, group, 1, nstest.UDP(9999, 520, good))                                                        // §3.9.2 port
		inj.Send(netip.MustParseAddr("172.16.0.1"), group, 1, nstest.UDP(520, 520, good))                                // off-subnet
		inj.Send(attacker, group, 1, nstest.UDP(520, 520, msg(route("203.0.117.0/24", 0), route("203.0.118.0/24", 17)))) // metrics
		inj.Send(attacker, group, 1, nstest.UDP(520, 520, msg(hostBits, route("224.1.0.0/16", 1), family)))
	}
	// 10,000 routes from one invented neighbour, 25 per message.
	invented := netip.MustParseAddr("10.8.0.77")
	for i := range 400 {
		var es []packet.Entry
		for j := range 25 {
			n := i*25 + j
			es = append(es, route(fmt.Sprintf("100.%d.%d.0/24", 64+n/256, n%256), 5))
		}
		inj.Send(invented, group, 1, nstest.UDP(520, 520, msg(es...)))
	}
	t.Logf("sent %d packets", inj.Sent)
	var k map[string]kernelRoute
	nstest.Eventually(t, 10*time.Second, func() error {
		k = kernel()
		n := 0
		for _, r := range k {
			if r.Gateway == "10.8.0.77" {
				n++
			}
		}
		if n != 500 {
			return fmt.Errorf("%d routes via the invented neighbour in the kernel, want the limit, 500", n)
		}
		return nil
	})
	if err := frrRoute(); err != nil {
		t.Error(err)
	}
	for dst := range k {
		if strings.HasPrefix(dst, "203.0.") {
			t.Errorf("a dropped route reached the kernel: %s", dst)
		}
	}
	if done, _ := proc.Exited(); done {
		t.Fatal("ripd exited")
	}
	s1 := stats()
	d := func(r string) uint64 { return s1.Dropped[r] - s0.Dropped[r] }
	t.Logf("drops: %v", s1.Dropped)
	for reason, want := range map[string]uint64{"malformed": 20, "bad-port": 20, "not-connected": 20, "entry-metric": 40,
		"entry-address": 40, "entry-family": 20, "route-limit": 9500} {
		if d(reason) < want {
			t.Errorf("%s drops +%d, want at least %d", reason, d(reason), want)
		}
	}
	rss := nstest.RSS(t, proc.Pid())
	lines := strings.Count(proc.Output(), "\n") - log0
	t.Logf("RSS %d KiB -> %d KiB; %d log lines during the attack", rss0, rss, lines)
	if rss > rss0+32<<10 {
		t.Errorf("RSS grew from %d to %d KiB", rss0, rss)
	}
	if lines > 50 {
		t.Errorf("%d log lines during the attack", lines)
	}
	proc.Stop()
	if _, err := proc.Exited(); err != nil {
		t.Errorf("SIGTERM: %v", err)
	}
	if k := kernel(); len(k) != 0 {
		t.Errorf("%d routes left in the kernel after SIGTERM", len(k))
	}
}

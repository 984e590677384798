//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
	ospfpacket "github.com/switchless/routing/ospf/packet"
	vrrppacket "github.com/switchless/routing/vrrp/packet"
)

// TestHostile_Ringd (issue 16): a 3-node ring of ringd, RFC profile, with
// an attacker on two of its links: the ring link vr1 east – vr2 west
// (bridged so that a third port exists) and the upstream LAN of the two
// edges. On the ring link it sends OSPF hellos truncated at every offset,
// with a bad checksum and wrong intervals (RFC 2328 §8.2, §10.5), an LS
// Update from a router that is no neighbour (§13), and hellos from 200
// invented routers; on the upstream LAN, VRRP adverts truncated, with TTL
// 254 (RFC 5798 §7.1) and our VRID with another address list from 100
// spoofed sources. Every node stays up; no real adjacency changes state;
// the VRRP Master and the VIP stay where they were; the drops are counted
// by reason in `ringd show` (interfaces' dropped, vrrp drops and
// conflicts); each node's log grows by a bounded number of lines and its
// memory by less than 16 MiB.
func TestHostile_Ringd(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "ringd")
	sw := nstest.New(t, "hrsw")
	for _, br := range []string{"br0", "br1"} {
		sw.Exec(t, "ip", "link", "add", br, "type", "bridge", "mcast_snooping", "0")
		sw.Exec(t, "ip", "link", "set", br, "up")
	}
	var ns [3]*nstest.NS
	for i := range ns {
		ns[i] = nstest.New(t, fmt.Sprintf("hr3n%d", i+1))
		ns[i].Stub(t, "lan0", fmt.Sprintf("10.%d.0.1/24", i+1))
	}
	x := nstest.New(t, "hr3x")
	port := func(n *nstest.NS, ifname, p, br string) {
		nstest.Veth(t, n, ifname, sw, p)
		sw.Exec(t, "ip", "link", "set", p, "master", br)
	}
	port(ns[0], "east0", "e1", "br0")
	port(ns[1], "west0", "w2", "br0")
	port(x, "r0", "xr", "br0")
	nstest.Veth(t, ns[1], "east0", ns[2], "west0")
	nstest.Veth(t, ns[2], "east0", ns[0], "west0")
	port(ns[0], "up0", "u1", "br1")
	port(ns[2], "up0", "u3", "br1")
	port(x, "u0", "xu", "br1")
	x.Exec(t, "ip", "addr", "add", "10.254.0.66/24", "dev", "r0")
	x.Exec(t, "ip", "addr", "add", "192.0.2.66/24", "dev", "u0")

	dir := nstest.TempDir(t)
	sock := func(i int) string { return filepath.Join(dir, fmt.Sprintf("vr%d.sock", i+1)) }
	var procs [3]*nstest.Proc
	for i := range ns {
		ifs := "  east: east0\n  west: west0\n  lan0: lan0\n"
		if i != 1 {
			ifs += "  up: up0\n"
		}
		conf := filepath.Join(dir, fmt.Sprintf("vr%d.yaml", i+1))
		if err := os.WriteFile(conf, []byte(fmt.Sprintf(`node: vr%d
interfaces:
%ssocket: %s
profile: rfc
link_pool: 10.255.0.0/24
upstream: {prefix: 192.0.2.0/24, gateway: 192.0.2.1, vip: 192.0.2.254, vrid: 10}
nodes:
  - {name: vr1, lans: [10.1.0.1/24]}
  - {name: vr2, lans: [10.2.0.1/24]}
  - {name: vr3, lans: [10.3.0.1/24]}
`, i+1, ifs, sock(i))), 0o644); err != nil {
			t.Fatal(err)
		}
		procs[i] = ns[i].Start(t, bin, "run", "-config", conf)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("vr%d output:\n%s", i+1, procs[i].Output())
			}
		})
	}
	type status struct {
		Interfaces []struct {
			Name    string            `json:"name"`
			Dropped map[string]uint64 `json:"dropped"`
		} `json:"interfaces"`
		Neighbors []struct {
			Interface string `json:"interface"`
			RouterID  string `json:"router_id"`
			State     string `json:"state"`
		} `json:"neighbors"`
		VRRP *struct {
			State       string            `json:"state"`
			Transitions uint64            `json:"transitions"`
			Drops       map[string]uint64 `json:"drops"`
			Conflicts   []struct {
				Source string `json:"source"`
			} `json:"conflicts"`
		} `json:"vrrp"`
	}
	showE := func(i int) (status, error) {
		out, err := ns[i].Try(bin, "show", "node", "-json", "-socket", sock(i))
		var st status
		if err == nil {
			err = json.Unmarshal([]byte(out), &st)
		}
		if err != nil {
			return st, fmt.Errorf("vr%d show: %v: %s", i+1, err, out)
		}
		return st, nil
	}
	show := func(i int) status {
		st, err := showE(i)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	// fullSet is each node's Full neighbours, "interface router-id".
	fullSet := func(st status) []string {
		var out []string
		for _, n := range st.Neighbors {
			if n.State == "full" {
				out = append(out, n.Interface+" "+n.RouterID)
			}
		}
		slices.Sort(out)
		return out
	}
	nstest.Eventually(t, 60*time.Second, func() error {
		var sts [3]status
		for i := range ns {
			st, err := showE(i)
			if err != nil {
				return err
			}
			if n := len(fullSet(st)); n != 2 {
				return fmt.Errorf("vr%d has %d Full neighbours", i+1, n)
			}
			sts[i] = st
		}
		if a, c := sts[0].VRRP, sts[2].VRRP; a == nil || c == nil || (a.State == "master") == (c.State == "master") {
			return fmt.Errorf("the edges' VRRP states: %+v %+v", a, c)
		}
		return nil
	})
	time.Sleep(5 * time.Second) // past MinLSInterval: the database settled
	var full0 [3][]string
	var st0 [3]status
	var rss0, log0 [3]int
	for i := range ns {
		st0[i] = show(i)
		full0[i] = fullSet(st0[i])
		rss0[i], log0[i] = nstest.RSS(t, procs[i].Pid()), strings.Count(procs[i].Output(), "\n")
	}
	master := 0
	if st0[2].VRRP.State == "master" {
		master = 2
	}

	// The ring link.
	ospf := nstest.NewInjector(t, x, "r0", 89)
	src := netip.MustParseAddr("10.254.0.66")
	hello := func(rid netip.Addr, mod func(*ospfpacket.Hello)) []byte {
		p := ospfpacket.Packet{Header: ospfpacket.Header{Type: ospfpacket.TypeHello, RouterID: rid, AreaID: netip.IPv4Unspecified()},
			Hello: ospfpacket.Hello{NetworkMask: ospfpacket.Mask(31), HelloInterval: 10, Options: ospfpacket.OptE, RouterDeadInterval: 40,
				DesignatedRouter: netip.IPv4Unspecified(), BackupDesignatedRouter: netip.IPv4Unspecified()}}
		if mod != nil {
			mod(&p.Hello)
		}
		out, err := p.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	good := hello(netip.MustParseAddr("10.66.0.1"), nil)
	for n := range len(good) {
		ospf.Send(src, ospfpacket.AllSPFRouters, 1, good[:n])
	}
	for range 20 {
		bad := append([]byte(nil), good...)
		bad[12] ^= 0xff
		ospf.Send(src, ospfpacket.AllSPFRouters, 1, bad)
		ospf.Send(src, ospfpacket.AllSPFRouters, 1, hello(netip.MustParseAddr("10.66.0.1"), func(h *ospfpacket.Hello) { h.HelloInterval = 1 }))
		ospf.Send(src, ospfpacket.AllSPFRouters, 1, hello(netip.MustParseAddr("10.66.0.1"), func(h *ospfpacket.Hello) { h.RouterDeadInterval = 4 }))
	}
	lsu := ospfpacket.Packet{Header: ospfpacket.Header{Type: ospfpacket.TypeLSUpdate, RouterID: netip.MustParseAddr("10.66.0.1"), AreaID: netip.IPv4Unspecified()}}
	for i := range 25 {
		lsu.LSU.LSAs = append(lsu.LSU.LSAs, ospfpacket.LSA{
			Header: ospfpacket.LSAHeader{Type: ospfpacket.LSTypeASExternal, ID: netip.AddrFrom4([4]byte{198, 18, byte(i), 0}),
				AdvRouter: netip.MustParseAddr("10.66.0.1"), Seq: ospfpacket.InitialSequenceNumber},
			External: ospfpacket.ExternalLSA{NetworkMask: ospfpacket.Mask(24), TOS: []ospfpacket.ExternalTOS{{E: true, Metric: 1}}}})
	}
	raw, err := lsu.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		ospf.Send(src, ospfpacket.AllSPFRouters, 1, raw)
	}
	for i := range 200 {
		ospf.Send(netip.AddrFrom4([4]byte{10, 254, 1, byte(i)}), ospfpacket.AllSPFRouters, 1, hello(netip.AddrFrom4([4]byte{10, 77, 0, byte(i)}), nil))
	}

	// The upstream LAN.
	vr := nstest.NewInjector(t, x, "u0", 112)
	vip := netip.MustParseAddr("192.0.2.254")
	adv := func(from netip.Addr, addrs ...netip.Addr) []byte {
		out, err := vrrppacket.Advertisement{Version: vrrppacket.V3, VRID: 10, Priority: 100, Interval: time.Second, Addresses: addrs}.AppendBinary(nil, from, vrrppacket.GroupIPv4, 0)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	spoof := netip.MustParseAddr("192.0.2.9")
	valid := adv(spoof, vip)
	for n := range len(valid) {
		vr.Send(spoof, vrrppacket.GroupIPv4, 255, valid[:n])
	}
	for range 20 {
		vr.Send(spoof, vrrppacket.GroupIPv4, 254, valid) // §7.1 TTL
	}
	for range 5 {
		for i := range 100 {
			from := netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + i)})
			vr.Send(from, vrrppacket.GroupIPv4, 255, adv(from, netip.MustParseAddr("192.0.2.99")))
		}
	}
	t.Logf("sent %d OSPF and %d VRRP packets", ospf.Sent, vr.Sent)

	// The invented routers leave after RouterDeadInterval (40 s); what
	// matters is that the real ones never moved.
	time.Sleep(3 * time.Second)
	for i := range ns {
		if done, _ := procs[i].Exited(); done {
			t.Fatalf("vr%d exited", i+1)
		}
		if got := fullSet(show(i)); !slices.Equal(got, full0[i]) {
			t.Errorf("vr%d's Full neighbours: %v, were %v", i+1, got, full0[i])
		}
		out := procs[i].Output()
		for _, l := range strings.Split(out, "\n")[log0[i]:] {
			if strings.Contains(l, "ospf: neighbor state") && !strings.Contains(l, "neighbor=10.77.") && !strings.Contains(l, "neighbor=10.66.") {
				t.Errorf("vr%d: a real adjacency changed: %s", i+1, l)
			}
		}
	}
	st := show(master)
	if st.VRRP.State != "master" || st.VRRP.Transitions != st0[master].VRRP.Transitions {
		t.Errorf("vr%d's VRRP: %s, transitions %d -> %d", master+1, st.VRRP.State, st0[master].VRRP.Transitions, st.VRRP.Transitions)
	}
	for _, i := range []int{0, 2} {
		has := strings.Contains(ns[i].Exec(t, "ip", "-4", "addr", "show", "dev", "up0"), "192.0.2.254")
		if has != (i == master) {
			t.Errorf("vr%d holds the VIP: %v", i+1, has)
		}
		v := show(i).VRRP
		t.Logf("vr%d VRRP drops %v, %d conflicts", i+1, v.Drops, len(v.Conflicts))
		if v.Drops["ttl"] < 20 || v.Drops["address-list"] < 500 || v.Drops["truncated"] < 1 || len(v.Conflicts) != 64 {
			t.Errorf("vr%d VRRP drops %v, %d conflicts listed", i+1, v.Drops, len(v.Conflicts))
		}
	}
	for _, c := range []struct{ node, iface int }{{0, 0}, {1, 1}} { // vr1 east, vr2 west
		s := show(c.node)
		var d map[string]uint64
		for _, ifc := range s.Interfaces {
			if ifc.Name == []string{"east", "west"}[c.iface] {
				d = ifc.Dropped
			}
		}
		t.Logf("vr%d ring-link drops %v", c.node+1, d)
		if d["malformed"] < uint64(len(good)) || d["checksum"] < 20 || d["hello-interval"] < 20 || d["dead-interval"] < 20 || d["unknown-neighbor"] < 10 {
			t.Errorf("vr%d ring-link drops %v", c.node+1, d)
		}
	}
	for i := range ns {
		rss := nstest.RSS(t, procs[i].Pid())
		lines := strings.Count(procs[i].Output(), "\n") - log0[i]
		t.Logf("vr%d: RSS %d -> %d KiB; %d log lines during the attack", i+1, rss0[i], rss, lines)
		if rss > rss0[i]+16<<10 {
			t.Errorf("vr%d: RSS grew from %d to %d KiB", i+1, rss0[i], rss)
		}
		if lines > 100 {
			t.Errorf("vr%d: %d log lines during the attack", i+1, lines)
		}
	}
}

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
	"github.com/switchless/routing/ospf/packet"
)

// TestHostile_OSPF (issue 16): a running ospfd, Full with FRR on a
// broadcast LAN, and a third namespace on the LAN sending what a broken
// or hostile neighbour would: hellos built with our codec and then
// truncated at every offset, with a bad checksum, a wrong version, type,
// length, mask, interval or area (RFC 2328 §8.2, §10.5), a Link State
// Update with 50 AS-external-LSAs from a router that is no neighbour
// (§13: only from Exchange or later), and hellos from 1,000 invented
// routers. ospfd stays up; every bad packet is dropped and counted by
// its reason; nothing the attacker sent enters the database; the
// adjacency with FRR never leaves Full (FRR's state-change counter does
// not move); the invented neighbours leave after RouterDeadInterval;
// the log names each mismatch once and does not grow with the attack
// (FRR logs every packet); memory stays within 64 MiB of what it was.
func TestHostile_OSPF(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "ospfd")
	bin := nstest.GoBuild(t, ".", "ospfd")
	sw := nstest.New(t, "hosw")
	sw.Exec(t, "ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
	sw.Exec(t, "ip", "link", "set", "br0", "up")
	var nss []*nstest.NS
	for i, name := range []string{"a", "b", "x"} {
		ns := nstest.New(t, "ho"+name)
		nstest.Veth(t, ns, "eth0", sw, "p"+name)
		sw.Exec(t, "ip", "link", "set", "p"+name, "master", "br0")
		// Jumbo frames for FRR's sake: its hello lists all 1,000
		// invented routers (4 KB) and, past the MTU, FRR stops sending
		// hellos ("Oversized Hello packet! Larger than MTU") and its
		// real adjacency dies. ospfd keeps its 1,500-byte MTU and caps
		// its list (§9.5, TestHello_9_5_ListFitsOnePacket).
		sw.Exec(t, "ip", "link", "set", "p"+name, "mtu", "9000")
		ns.Exec(t, "ip", "link", "set", "eth0", "mtu", "9000")
		addr := []string{"10.9.0.1/16", "10.9.0.2/16", "10.9.0.66/16"}[i]
		ns.Exec(t, "ip", "addr", "add", addr, "dev", "eth0")
		nss = append(nss, ns)
	}
	a, b, x := nss[0], nss[1], nss[2]

	f := nstest.StartFRR(t, b, "ospfd")
	f.WriteConf(t, "ospfd", "hostname peer\ninterface eth0\n ip ospf area 0\n ip ospf hello-interval 1\n ip ospf dead-interval 4\n"+
		"router ospf\n ospf router-id 10.255.0.2\n")
	frrOSPF, _ := nstest.LookBinary("ospfd")
	frrProc := b.Start(t, frrOSPF, f.Args("ospfd")...)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("FRR ospfd output:\n%s", frrProc.Output())
		}
	})
	vtysh := func(cmd string) string {
		out, _ := b.Try("vtysh", "--vty_socket", f.Dir, "-c", cmd)
		return out
	}

	dir := nstest.TempDir(t)
	sock := filepath.Join(dir, "ospfd.sock")
	conf := filepath.Join(dir, "ospfd.yaml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("router_id: 10.255.0.1\nsocket: %s\nmetrics_listen: "+metricsAddr+"\ninterfaces:\n  - {name: eth0, hello_interval: 1s, dead_interval: 4s, mtu: 1500, mtu_ignore: true}\n", sock)), 0o644); err != nil {
		t.Fatal(err)
	}
	proc := a.Start(t, bin, "run", "-config", conf)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("ospfd output:\n%s", proc.Output())
		}
	})
	show := func(view string, v any) error {
		out, err := a.Try(bin, "show", view, "-json", "-socket", sock)
		if err != nil {
			return fmt.Errorf("show %s: %v: %s", view, err, out)
		}
		return json.Unmarshal([]byte(out), v)
	}
	type nbr struct {
		RouterID string `json:"router_id"`
		State    string `json:"state"`
	}
	neighbors := func() ([]nbr, error) {
		var ns []nbr
		err := show("neighbors", &ns)
		return ns, err
	}
	frrFull := func() error {
		ns, err := neighbors()
		if err != nil {
			return err
		}
		for _, n := range ns {
			if n.RouterID == "10.255.0.2" && n.State == "full" {
				return nil
			}
		}
		return fmt.Errorf("ospfd's neighbours: %+v", ns)
	}
	nstest.Eventually(t, 30*time.Second, frrFull)
	type nbrDetail struct {
		State        string `json:"nbrState"`
		StateChanges int    `json:"stateChangeCounter"`
	}
	frrCounter := func() nbrDetail {
		var v map[string][]nbrDetail
		if err := json.Unmarshal([]byte(vtysh("show ip ospf neighbor 10.255.0.1 detail json")), &v); err != nil || len(v["10.255.0.1"]) != 1 {
			t.Fatalf("FRR's neighbour 10.255.0.1: %v %v", err, v)
		}
		return v["10.255.0.1"][0]
	}
	lsdbKeys := func() string {
		var v []struct {
			Type      string `json:"type"`
			ID        string `json:"id"`
			AdvRouter string `json:"adv_router"`
		}
		if err := show("database", &v); err != nil {
			t.Fatal(err)
		}
		var ks []string
		for _, l := range v {
			ks = append(ks, l.Type+" "+l.ID+" "+l.AdvRouter)
		}
		return strings.Join(ks, "\n")
	}
	// Let the database settle (the DR's network-LSA).
	time.Sleep(3 * time.Second)
	before, keys0 := frrCounter(), lsdbKeys()
	rss0 := nstest.RSS(t, proc.Pid())
	log0 := strings.Count(proc.Output(), "\n")

	inj := nstest.NewInjector(t, x, "eth0", 89)
	attacker := netip.MustParseAddr("10.9.0.66")
	hello := func(src, rid netip.Addr, mod func(*packet.Packet)) []byte {
		p := packet.Packet{Header: packet.Header{Type: packet.TypeHello, RouterID: rid, AreaID: netip.IPv4Unspecified()},
			Hello: packet.Hello{NetworkMask: packet.Mask(16), HelloInterval: 1, Options: packet.OptE, RouterDeadInterval: 4,
				DesignatedRouter: netip.IPv4Unspecified(), BackupDesignatedRouter: netip.IPv4Unspecified()}}
		if mod != nil {
			mod(&p)
		}
		out, err := p.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	good := hello(attacker, netip.MustParseAddr("10.66.0.1"), nil)
	// Truncated at every offset: a header shorter than 24 bytes, or a
	// length field beyond what arrived.
	for n := range len(good) {
		inj.Send(attacker, packet.AllSPFRouters, 1, good[:n])
	}
	corrupt := func(mod func(b []byte)) []byte {
		b := append([]byte(nil), good...)
		mod(b)
		return b
	}
	sends := [][]byte{
		corrupt(func(b []byte) { b[12] ^= 0xff }),           // checksum (§D.4.1)
		corrupt(func(b []byte) { b[0] = 3 }),                // version 3
		corrupt(func(b []byte) { b[1] = 9 }),                // no such type
		corrupt(func(b []byte) { b[2], b[3] = 0x10, 0x00 }), // length beyond the packet
		hello(attacker, netip.MustParseAddr("10.66.0.1"), func(p *packet.Packet) { p.Hello.NetworkMask = packet.Mask(24) }),
		hello(attacker, netip.MustParseAddr("10.66.0.1"), func(p *packet.Packet) { p.Hello.HelloInterval = 10 }),
		hello(attacker, netip.MustParseAddr("10.66.0.1"), func(p *packet.Packet) { p.Hello.RouterDeadInterval = 40 }),
		hello(attacker, netip.MustParseAddr("10.66.0.1"), func(p *packet.Packet) { p.Header.AreaID = netip.MustParseAddr("0.0.0.1") }),
		hello(attacker, netip.MustParseAddr("10.66.0.1"), func(p *packet.Packet) { p.Hello.Options = 0 }), // E-bit
	}
	for range 20 {
		for _, s := range sends {
			inj.Send(attacker, packet.AllSPFRouters, 1, s)
		}
	}
	// A Link State Update from a router that is no neighbour.
	lsu := packet.Packet{Header: packet.Header{Type: packet.TypeLSUpdate, RouterID: netip.MustParseAddr("10.66.0.1"), AreaID: netip.IPv4Unspecified()}}
	for i := range 50 {
		lsu.LSU.LSAs = append(lsu.LSU.LSAs, packet.LSA{
			Header: packet.LSAHeader{Type: packet.LSTypeASExternal, ID: netip.AddrFrom4([4]byte{198, 18, byte(i), 0}),
				AdvRouter: netip.MustParseAddr("10.66.0.1"), Seq: packet.InitialSequenceNumber},
			External: packet.ExternalLSA{NetworkMask: packet.Mask(24), TOS: []packet.ExternalTOS{{E: true, Metric: 1}}}})
	}
	// Two packets of 25 (the raw socket does not fragment).
	all := lsu.LSU.LSAs
	for range 5 {
		for _, half := range [][]packet.LSA{all[:25], all[25:]} {
			lsu.LSU.LSAs = half
			lb, err := lsu.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			inj.Send(attacker, packet.AllSPFRouters, 1, lb)
		}
	}
	// 1,000 invented routers, each from its own address, priority 0 (no
	// election), listing nobody: neighbours in Init.
	for i := range 1000 {
		src := netip.AddrFrom4([4]byte{10, 9, byte(1 + i/250), byte(1 + i%250)})
		rid := netip.AddrFrom4([4]byte{10, 77, byte(i >> 8), byte(i)})
		inj.Send(src, packet.AllSPFRouters, 1, hello(src, rid, nil))
	}
	t.Logf("sent %d packets", inj.Sent)
	if err := frrFull(); err != nil {
		t.Errorf("during the attack: %v", err)
	}
	var peak []nbr
	nstest.Eventually(t, 10*time.Second, func() error {
		ns, err := neighbors()
		if len(ns) > len(peak) {
			peak = ns
		}
		if err != nil || len(ns) < 1000 {
			var ifs []struct {
				Dropped map[string]uint64 `json:"dropped"`
			}
			_ = show("interfaces", &ifs)
			return fmt.Errorf("%d neighbours (%v); drops %v", len(ns), err, ifs)
		}
		return nil
	})
	rssPeak := nstest.RSS(t, proc.Pid())
	// RouterDeadInterval (4 s) later they are gone (§10.3
	// InactivityTimer); FRR stays.
	nstest.Eventually(t, 15*time.Second, func() error {
		ns, err := neighbors()
		if err != nil || len(ns) != 1 || ns[0].RouterID != "10.255.0.2" || ns[0].State != "full" {
			return fmt.Errorf("ospfd's neighbours: %d (%v)", len(ns), err)
		}
		return nil
	})
	if exited, _ := proc.Exited(); exited {
		t.Fatal("ospfd exited")
	}
	var ifs []struct {
		Dropped map[string]uint64 `json:"dropped"`
	}
	if err := show("interfaces", &ifs); err != nil || len(ifs) != 1 {
		t.Fatalf("interfaces: %v %+v", err, ifs)
	}
	drops := ifs[0].Dropped
	t.Logf("drops by reason: %v", drops)
	for reason, least := range map[string]uint64{
		"malformed": uint64(len(good)), "checksum": 20, "hello-mask": 20, "hello-interval": 20, "dead-interval": 20,
		"wrong-area": 20, "hello-options": 20,
	} {
		if drops[reason] < least {
			t.Errorf("%s drops: %d, want at least %d", reason, drops[reason], least)
		}
	}
	if drops["unknown-neighbor"]+drops["neighbor-state"] < 10 {
		t.Errorf("the LS Updates from a non-neighbour were not dropped as such: %v", drops)
	}
	checkDropMetrics(t, a, "eth0", drops)
	if keys := lsdbKeys(); keys != keys0 {
		t.Errorf("the database changed under attack:\n%s\nwas\n%s", keys, keys0)
	}
	if after := frrCounter(); !strings.HasPrefix(after.State, "Full") || after.StateChanges != before.StateChanges {
		t.Errorf("FRR's neighbour went from %+v to %+v", before, after)
	}
	logLines := strings.Count(proc.Output(), "\n") - log0
	t.Logf("peak %d neighbours; RSS %d KiB before, %d KiB at the peak; %d log lines during the attack", len(peak), rss0, rssPeak, logLines)
	if rssPeak > rss0+64<<10 {
		t.Errorf("RSS grew from %d KiB to %d KiB under attack, more than the 64 MiB bound", rss0, rssPeak)
	}
	// Rate-limited: one line per reason and source per minute, at most
	// 64 sources (ospf's drop log); routers that never reach 2-Way are
	// not logged at Info. One line per packet would be 1,234.
	if logLines > 64 {
		t.Errorf("%d log lines during the attack", logLines)
	}
	if out := proc.Output(); !strings.Contains(out, "RouterDeadInterval mismatch: expected 4, received 40") {
		t.Errorf("no warning names the RouterDeadInterval mismatch")
	}
}

//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// TestDaemon_ReloadPriority: b's gw51 priority raised above a's by SIGHUP
// (vrrp.Router.Reconfigure, RFC 5798 §6.4.2 preemption): b becomes its
// Master and holds 192.0.2.151, a drops it, and gw52, unchanged, keeps
// its state on both. An invalid file changes nothing and is logged with
// file:line.
func TestDaemon_ReloadPriority(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "vrrpd")
	sw := nstest.New(t, "vrlsw")
	sw.Exec(t, "ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
	sw.Exec(t, "ip", "link", "set", "br0", "up")
	conf := func(dir string, p51, p52 int) string {
		return fmt.Sprintf("socket: %s/vrrpd.sock\nrouters:\n  - name: gw51\n    interface: eth0\n    vrid: 51\n    priority: %d\n    interval: 100ms\n    virtual_addresses: [192.0.2.151]\n  - name: gw52\n    interface: eth0\n    vrid: 52\n    priority: %d\n    interval: 100ms\n    virtual_addresses: [192.0.2.152]\n", dir, p51, p52)
	}
	type node struct {
		ns        *nstest.NS
		dir, conf string
		proc      *nstest.Proc
	}
	var nodes []*node
	for i, name := range []string{"a", "b"} {
		ns := nstest.New(t, "vrl"+name)
		nstest.Veth(t, ns, "eth0", sw, "p"+name)
		sw.Exec(t, "ip", "link", "set", "p"+name, "master", "br0")
		ns.Exec(t, "ip", "addr", "add", fmt.Sprintf("192.0.2.%d/24", i+1), "dev", "eth0")
		dir := nstest.TempDir(t)
		n := &node{ns: ns, dir: dir, conf: filepath.Join(dir, "vrrpd.yaml")}
		p51, p52 := 200, 100
		if i == 1 {
			p51, p52 = 100, 200
		}
		if err := os.WriteFile(n.conf, []byte(conf(dir, p51, p52)), 0o644); err != nil {
			t.Fatal(err)
		}
		n.proc = ns.Start(t, bin, "run", "-config", n.conf)
		nodes = append(nodes, n)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("vrrpd %s output:\n%s", name, n.proc.Output())
			}
		})
	}
	states := func(n *node) string {
		out, err := exec.Command(bin, "status", "-json", "-socket", filepath.Join(n.dir, "vrrpd.sock")).CombinedOutput()
		var rs []struct{ Name, State string }
		if err != nil || json.Unmarshal(out, &rs) != nil {
			return fmt.Sprintf("status: %v: %s", err, out)
		}
		return fmt.Sprint(rs)
	}
	has := func(n *node, vip string) bool {
		out, _ := n.ns.Try("ip", "-o", "addr", "show", "dev", "eth0")
		return strings.Contains(out, " "+vip+"/")
	}
	a, b := nodes[0], nodes[1]
	expect := func(wantA, wantB string) {
		t.Helper()
		nstest.Eventually(t, 10*time.Second, func() error {
			if sa, sb := states(a), states(b); sa != wantA || sb != wantB {
				return fmt.Errorf("a %s, b %s; want a %s, b %s", sa, sb, wantA, wantB)
			}
			return nil
		})
	}
	expect("[{gw51 master} {gw52 backup}]", "[{gw51 backup} {gw52 master}]")

	if err := os.WriteFile(b.conf, []byte(conf(b.dir, 250, 200)), 0o644); err != nil {
		t.Fatal(err)
	}
	before := len(b.proc.Output())
	if err := syscall.Kill(b.proc.Pid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	expect("[{gw51 backup} {gw52 backup}]", "[{gw51 master} {gw52 master}]")
	// gw52 was not touched: nothing about it is logged after the reload.
	if after := b.proc.Output()[before:]; strings.Contains(after, "router=gw52") {
		t.Errorf("b's unchanged gw52 did something on reload:\n%s", after)
	}
	nstest.Eventually(t, 5*time.Second, func() error {
		if !has(b, "192.0.2.151") || has(a, "192.0.2.151") || !has(b, "192.0.2.152") || has(a, "192.0.2.152") {
			return fmt.Errorf("VIPs not moved")
		}
		return nil
	})
	if !strings.Contains(b.proc.Output(), "reload: configuration applied") {
		t.Errorf("b did not log the applied reload")
	}
	showConfig := func() string {
		out, err := exec.Command(bin, "show", "config", "-socket", filepath.Join(b.dir, "vrrpd.sock")).CombinedOutput()
		if err != nil {
			t.Fatalf("show config: %v\n%s", err, out)
		}
		return string(out)
	}
	good := conf(b.dir, 250, 200)
	if out := showConfig(); !strings.HasSuffix(out, good) {
		t.Errorf("show config after the reload:\n%s", out)
	}
	// A bad file: nothing changes.
	if err := os.WriteFile(b.conf, []byte(conf(b.dir, 300, 200)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(b.proc.Pid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	nstest.Eventually(t, 5*time.Second, func() error {
		if !strings.Contains(b.proc.Output(), "vrrpd.yaml:") || !strings.Contains(b.proc.Output(), "configuration rejected") {
			return fmt.Errorf("no file:line rejection logged")
		}
		return nil
	})
	expect("[{gw51 backup} {gw52 backup}]", "[{gw51 master} {gw52 master}]")
	if out := showConfig(); !strings.HasSuffix(out, good) {
		t.Errorf("show config after a bad reload:\n%s", out)
	}
}

// TestDaemon_ReloadAddRemoveRouters: b's SIGHUP removes gw52, adds gw53
// and (second reload) replaces gw53 by a new VRID. The removed router
// stops as at shutdown (priority 0, RFC 5798 §6.4.3), so a becomes gw52's
// Master and holds its VIP; the added one starts in Initialize and, alone
// on its VRID, becomes Master (§6.4.1); gw51, unchanged, is not touched.
func TestDaemon_ReloadAddRemoveRouters(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "vrrpd")
	sw := nstest.New(t, "vrasw")
	sw.Exec(t, "ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
	sw.Exec(t, "ip", "link", "set", "br0", "up")
	router := func(name string, vrid, prio int, vip string) string {
		return fmt.Sprintf("  - name: %s\n    interface: eth0\n    vrid: %d\n    priority: %d\n    interval: 100ms\n    virtual_addresses: [%s]\n", name, vrid, prio, vip)
	}
	type node struct {
		ns        *nstest.NS
		dir, conf string
		proc      *nstest.Proc
	}
	write := func(n *node, routers ...string) {
		t.Helper()
		b := "socket: " + n.dir + "/vrrpd.sock\nrouters:\n" + strings.Join(routers, "")
		if err := os.WriteFile(n.conf, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var nodes []*node
	for i, name := range []string{"a", "b"} {
		ns := nstest.New(t, "vra"+name)
		nstest.Veth(t, ns, "eth0", sw, "p"+name)
		sw.Exec(t, "ip", "link", "set", "p"+name, "master", "br0")
		ns.Exec(t, "ip", "addr", "add", fmt.Sprintf("192.0.2.%d/24", i+1), "dev", "eth0")
		dir := nstest.TempDir(t)
		n := &node{ns: ns, dir: dir, conf: filepath.Join(dir, "vrrpd.yaml")}
		if i == 0 {
			write(n, router("gw51", 51, 200, "192.0.2.151"), router("gw52", 52, 100, "192.0.2.152"))
		} else {
			write(n, router("gw51", 51, 100, "192.0.2.151"), router("gw52", 52, 200, "192.0.2.152"))
		}
		n.proc = ns.Start(t, bin, "run", "-config", n.conf)
		nodes = append(nodes, n)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("vrrpd %s output:\n%s", name, n.proc.Output())
			}
		})
	}
	states := func(n *node) string {
		out, err := exec.Command(bin, "status", "-json", "-socket", filepath.Join(n.dir, "vrrpd.sock")).CombinedOutput()
		var rs []struct {
			Name, State string
			VRID        int
		}
		if err != nil || json.Unmarshal(out, &rs) != nil {
			return fmt.Sprintf("status: %v: %s", err, out)
		}
		return fmt.Sprint(rs)
	}
	vips := func(n *node) string {
		out, _ := n.ns.Try("ip", "-o", "-4", "addr", "show", "dev", "eth0")
		var got []string
		for _, v := range []string{"192.0.2.151", "192.0.2.152", "192.0.2.153"} {
			if strings.Contains(out, " "+v+"/") {
				got = append(got, v)
			}
		}
		return strings.Join(got, " ")
	}
	a, b := nodes[0], nodes[1]
	expect := func(wantA, wantB, vipA, vipB string) {
		t.Helper()
		nstest.Eventually(t, 10*time.Second, func() error {
			if sa, sb := states(a), states(b); sa != wantA || sb != wantB {
				return fmt.Errorf("a %s, b %s; want a %s, b %s", sa, sb, wantA, wantB)
			}
			if va, vb := vips(a), vips(b); va != vipA || vb != vipB {
				return fmt.Errorf("VIPs a [%s] b [%s]; want a [%s] b [%s]", va, vb, vipA, vipB)
			}
			return nil
		})
	}
	hup := func() {
		t.Helper()
		if err := syscall.Kill(b.proc.Pid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	expect("[{gw51 master 51} {gw52 backup 52}]", "[{gw51 backup 51} {gw52 master 52}]", "192.0.2.151", "192.0.2.152")

	before := len(b.proc.Output())
	write(b, router("gw51", 51, 100, "192.0.2.151"), router("gw53", 53, 100, "192.0.2.153"))
	hup()
	expect("[{gw51 master 51} {gw52 master 52}]", "[{gw51 backup 51} {gw53 master 53}]", "192.0.2.151 192.0.2.152", "192.0.2.153")
	after := b.proc.Output()[before:]
	if strings.Contains(after, "router=gw51") {
		t.Errorf("b's unchanged gw51 did something on reload:\n%s", after)
	}
	for _, want := range []string{`msg="reload: router removed" router=gw52`, `msg="reload: router added" router=gw53`, `msg="reload: configuration applied"`} {
		if !strings.Contains(after, want) {
			t.Errorf("b's log after the reload lacks %q:\n%s", want, after)
		}
	}

	before = len(b.proc.Output())
	write(b, router("gw51", 51, 100, "192.0.2.151"), router("gw53", 63, 100, "192.0.2.153"))
	hup()
	expect("[{gw51 master 51} {gw52 master 52}]", "[{gw51 backup 51} {gw53 master 63}]", "192.0.2.151 192.0.2.152", "192.0.2.153")
	if after := b.proc.Output()[before:]; !strings.Contains(after, `msg="reload: router replaced" router=gw53 changed=vrid`) {
		t.Errorf("b's log after the vrid change lacks the replacement:\n%s", after)
	}
}

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

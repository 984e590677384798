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

// TestDaemon_Namespaces builds vrrpd and runs two of them on one LAN of
// namespaces, each with two virtual routers on eth0 (VRID 51 won by a,
// VRID 52 by b): elections, status over the socket, notify hooks, and
// SIGTERM handing every Master role over with priority 0 and the VIPs
// removed.
func TestDaemon_Namespaces(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "vrrpd")
	sw := nstest.New(t, "vrsw")
	sw.Exec(t, "ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
	sw.Exec(t, "ip", "link", "set", "br0", "up")
	type node struct {
		ns     *nstest.NS
		dir    string
		socket string
		proc   *nstest.Proc
	}
	var nodes []*node
	for i, name := range []string{"a", "b"} {
		ns := nstest.New(t, "vrd"+name)
		nstest.Veth(t, ns, "eth0", sw, "p"+name)
		sw.Exec(t, "ip", "link", "set", "p"+name, "master", "br0")
		ns.Exec(t, "ip", "addr", "add", fmt.Sprintf("192.0.2.%d/24", i+1), "dev", "eth0")
		dir := nstest.TempDir(t)
		notify := filepath.Join(dir, "notify.sh")
		if err := os.WriteFile(notify, []byte("#!/bin/sh\necho \"$VRRP_NAME $VRRP_STATE $VRRP_REASON\" >> "+filepath.Join(dir, "notify.log")+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		hi, lo := 200, 100
		track := ""
		if i == 1 {
			hi, lo = lo, hi
			// b's VRID 52 tracks a dummy uplink: down forces Backup.
			ns.Exec(t, "ip", "link", "add", "trk0", "type", "veth", "peer", "name", "trk1")
			ns.Exec(t, "ip", "link", "set", "trk0", "up")
			ns.Exec(t, "ip", "link", "set", "trk1", "up")
			track = "\n    track_interfaces: [{name: trk0, weight: 0}]"
		}
		conf := fmt.Sprintf(`socket: %s/vrrpd.sock
metrics_listen: `+metricsAddr+`
routers:
  - name: gw51
    interface: eth0
    vrid: 51
    priority: %d
    interval: 100ms
    virtual_addresses: [192.0.2.151]
    notify: [%s]
  - name: gw52
    interface: eth0
    vrid: 52
    priority: %d
    interval: 100ms
    virtual_addresses: [192.0.2.152]
    notify: [%s]%s
`, dir, hi, notify, lo, notify, track)
		cf := filepath.Join(dir, "vrrpd.yaml")
		if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bin, "check", "-config", cf).CombinedOutput(); err != nil {
			t.Fatalf("vrrpd check: %v: %s", err, out)
		}
		n := &node{ns: ns, dir: dir, socket: filepath.Join(dir, "vrrpd.sock")}
		n.proc = ns.Start(t, bin, "run", "-config", cf)
		nodes = append(nodes, n)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("vrrpd %s output:\n%s", name, n.proc.Output())
			}
		})
	}
	states := func(n *node) (map[string]string, error) {
		out, err := exec.Command(bin, "status", "-json", "-socket", n.socket).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("status: %v: %s", err, out)
		}
		var rs []struct {
			Name  string `json:"name"`
			State string
		}
		if err := json.Unmarshal(out, &rs); err != nil {
			return nil, err
		}
		m := map[string]string{}
		for _, r := range rs {
			m[r.Name] = r.State
		}
		return m, nil
	}
	expect := func(n *node, want map[string]string) {
		t.Helper()
		nstest.Eventually(t, 10*time.Second, func() error {
			got, err := states(n)
			if err != nil {
				return err
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				return fmt.Errorf("%s: %v, want %v", n.ns.Name(), got, want)
			}
			return nil
		})
	}
	has := func(n *node, vip string) bool {
		out, _ := n.ns.Try("ip", "-o", "addr", "show", "dev", "eth0")
		return strings.Contains(out, " "+vip+"/")
	}
	a, b := nodes[0], nodes[1]
	expect(a, map[string]string{"gw51": "master", "gw52": "backup"})
	expect(b, map[string]string{"gw51": "backup", "gw52": "master"})
	if !has(a, "192.0.2.151") || has(a, "192.0.2.152") || !has(b, "192.0.2.152") || has(b, "192.0.2.151") {
		t.Fatal("VIPs are not where the elections put them")
	}
	table, err := exec.Command(bin, "status", "-socket", a.socket).CombinedOutput()
	if err != nil || !strings.Contains(string(table), "gw51") {
		t.Fatalf("status table: %v\n%s", err, table)
	}
	t.Logf("vrrpd status on a:\n%s", table)

	// b's tracked uplink loses carrier (its far end goes down): b's VRID
	// 52 is forced to Backup and a takes it; back up, b preempts again.
	b.ns.Exec(t, "ip", "link", "set", "trk1", "down")
	expect(b, map[string]string{"gw51": "backup", "gw52": "backup"})
	expect(a, map[string]string{"gw51": "master", "gw52": "master"})
	b.ns.Exec(t, "ip", "link", "set", "trk1", "up")
	expect(b, map[string]string{"gw51": "backup", "gw52": "master"})
	expect(a, map[string]string{"gw51": "master", "gw52": "backup"})
	checkMetrics(t, b.ns)

	// SIGTERM a: it sends priority 0, removes 192.0.2.151, exits 0; b
	// takes VRID 51 over.
	if err := syscall.Kill(a.proc.Pid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-a.proc.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("vrrpd did not exit on SIGTERM")
	}
	if exited, err := a.proc.Exited(); !exited || err != nil {
		t.Errorf("vrrpd exit: %v", err)
	}
	if has(a, "192.0.2.151") {
		t.Error("a kept 192.0.2.151 after SIGTERM")
	}
	expect(b, map[string]string{"gw51": "master", "gw52": "master"})
	nstest.Eventually(t, 5*time.Second, func() error {
		if !has(b, "192.0.2.151") {
			return fmt.Errorf("b lacks 192.0.2.151")
		}
		return nil
	})
	requireMetric(t, b.ns, "switchless_vrrp_transitions_total", map[string]string{"router": "gw51", "reason": "master_sent_priority_0"}, 1)
	logA, _ := os.ReadFile(filepath.Join(a.dir, "notify.log"))
	for _, want := range []string{"gw51 Master master down", "gw51 Initialize shutdown", "gw52 Backup startup"} {
		if !strings.Contains(string(logA), want) {
			t.Errorf("a's notify log lacks %q:\n%s", want, logA)
		}
	}
	logB, _ := os.ReadFile(filepath.Join(b.dir, "notify.log"))
	if !strings.Contains(string(logB), "gw51 Master master sent priority 0") {
		t.Errorf("b's notify log lacks the priority-0 takeover:\n%s", logB)
	}
}

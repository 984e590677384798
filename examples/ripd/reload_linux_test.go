//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// TestDaemon_ReloadRipd: a SIGHUP applies a's new file in place — a
// static route's metric changed, a static route added, an interface
// (eth1, to c) added — and b sees the changes while the route it learnt
// from a and kept (a's redistributed 192.168.1.0/24) never leaves its
// kernel; c, on the added interface, learns a's routes. An invalid file
// changes nothing, is logged with file:line, and show config keeps the
// last good one.
func TestDaemon_ReloadRipd(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "ripd")
	a, b, c := nstest.New(t, "rl1a"), nstest.New(t, "rl1b"), nstest.New(t, "rl1c")
	nstest.Veth(t, a, "eth0", b, "eth0")
	nstest.Veth(t, a, "eth1", c, "eth0")
	a.Exec(t, "ip", "addr", "add", "10.0.0.1/30", "dev", "eth0")
	b.Exec(t, "ip", "addr", "add", "10.0.0.2/30", "dev", "eth0")
	a.Exec(t, "ip", "addr", "add", "10.0.1.1/30", "dev", "eth1")
	c.Exec(t, "ip", "addr", "add", "10.0.1.2/30", "dev", "eth0")
	a.Stub(t, "lan0", "192.168.1.1/24")

	dir := nstest.TempDir(t)
	write := func(name, body string) string {
		conf := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(conf, []byte(fmt.Sprintf("socket: %s\nlog_level: debug\nprofile: fast\n%s", filepath.Join(dir, name+".sock"), body)), 0o644); err != nil {
			t.Fatal(err)
		}
		return conf
	}
	const aOld = "interfaces:\n  - name: eth0\nredistribute:\n  connected: {metric: 2}\nstatic:\n  - {prefix: 198.51.100.0/24, metric: 3}\n"
	const aNew = "interfaces:\n  - name: eth0\n  - name: eth1\nredistribute:\n  connected: {metric: 2}\nstatic:\n  - {prefix: 198.51.100.0/24, metric: 5}\n  - {prefix: 203.0.113.0/24, metric: 1}\n"
	confA := write("a", aOld)
	procA := a.Start(t, bin, "run", "-config", confA)
	procB := b.Start(t, bin, "run", "-config", write("b", "interfaces:\n  - name: eth0\n"))
	procC := c.Start(t, bin, "run", "-config", write("c", "interfaces:\n  - name: eth0\n"))
	sockA := filepath.Join(dir, "a.sock")
	logs := func() string {
		return "a:\n" + procA.Output() + "\nb:\n" + procB.Output() + "\nc:\n" + procC.Output()
	}
	kernel := func(ns *nstest.NS) map[string]kernelRoute {
		out, err := ns.Try("ip", "-j", "route", "show", "proto", "244")
		rs := map[string]kernelRoute{}
		var list []kernelRoute
		if err == nil && json.Unmarshal([]byte(out), &list) == nil {
			for _, r := range list {
				rs[r.Dst] = r
			}
		}
		return rs
	}
	nstest.Eventually(t, 20*time.Second, func() error {
		kb := kernel(b)
		if kb["192.168.1.0/24"].Metric != 3 || kb["198.51.100.0/24"].Metric != 4 {
			return fmt.Errorf("b's kernel %v\n%s", kb, logs())
		}
		return nil
	})
	showConfig := func() string {
		out, err := a.Try(bin, "show", "config", "-socket", sockA)
		if err != nil {
			t.Fatalf("show config: %v\n%s", err, out)
		}
		return out
	}
	if out := showConfig(); !strings.Contains(out, "# "+confA+", loaded ") || !strings.HasSuffix(out, aOld) {
		t.Errorf("show config at start:\n%s", out)
	}

	// The good reload.
	write("a", aNew)
	if err := syscall.Kill(procA.Pid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	nstest.Eventually(t, 20*time.Second, func() error {
		kb, kc := kernel(b), kernel(c)
		// The route a kept must never leave b's kernel (no flap, no timeout).
		if kb["192.168.1.0/24"].Metric != 3 {
			t.Fatalf("b lost a's unchanged 192.168.1.0/24 during the reload: %v\n%s", kb, logs())
		}
		if kb["198.51.100.0/24"].Metric != 6 || kb["203.0.113.0/24"].Metric != 2 {
			return fmt.Errorf("b's kernel %v\n%s", kb, logs())
		}
		if kc["198.51.100.0/24"].Gateway != "10.0.1.1" || kc["192.168.1.0/24"].Gateway != "10.0.1.1" {
			return fmt.Errorf("c's kernel (eth1 added) %v\n%s", kc, logs())
		}
		return nil
	})
	if !strings.Contains(procA.Output(), "reload: configuration applied") || strings.Contains(procA.Output(), "instance started\" interfaces=\"[eth0=10.0.0.1/30 eth1") {
		t.Errorf("a did not apply the reload in place:\n%s", procA.Output())
	}
	if out := showConfig(); !strings.HasSuffix(out, aNew) {
		t.Errorf("show config after the reload:\n%s", out)
	}

	// The bad reload: nothing changes.
	write("a", aNew+"max_paths: -1\n")
	if err := syscall.Kill(procA.Pid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	nstest.Eventually(t, 10*time.Second, func() error {
		if !strings.Contains(procA.Output(), "a.yaml:") || !strings.Contains(procA.Output(), "configuration rejected") {
			return fmt.Errorf("no rejection with file:line logged:\n%s", procA.Output())
		}
		return nil
	})
	if out := showConfig(); !strings.HasSuffix(out, aNew) {
		t.Errorf("show config after a bad reload:\n%s", out)
	}
	if kb := kernel(b); kb["198.51.100.0/24"].Metric != 6 || kb["203.0.113.0/24"].Metric != 2 || kb["192.168.1.0/24"].Metric != 3 {
		t.Errorf("b's kernel after a bad reload: %v", kb)
	}
}

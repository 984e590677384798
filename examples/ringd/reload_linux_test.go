//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/internal/promx/promxtest"
)

// TestDaemon_ReloadRingCost: a 3-node ring of ringd (the smallest with an
// alternate path) in namespaces, RFC profile. vr1 reaches vr2's LAN
// directly over its east link; its file then sets costs: {east: 100} and
// it gets a SIGHUP. The kernel route to 10.2.0.0/24 on vr1 moves to west
// (through vr3: 10 + vr3's cost < 100), and no OSPF neighbour on any node
// changes state (no "ospf: neighbor state" logged after the reload: the
// cost is no neighbour event, RFC 2328 §12.4). An invalid file then
// changes nothing and is logged with file:line, and so do turning BFD
// on and a new metrics_listen, which need a restart. Before the reload,
// the metrics of the three (checkMetrics): every ring adjacency Full, one
// VRRP Master of the two edges.
func TestDaemon_ReloadRingCost(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "ringd")
	var ns [3]*nstest.NS
	for i := range ns {
		ns[i] = nstest.New(t, fmt.Sprintf("rl3n%d", i+1))
		ns[i].Stub(t, "lan0", fmt.Sprintf("10.%d.0.1/24", i+1))
	}
	for i := range ns {
		nstest.Veth(t, ns[i], "east0", ns[(i+1)%3], "west0")
	}
	nstest.Veth(t, ns[0], "up0", ns[2], "up0")

	dir := nstest.TempDir(t)
	file := func(i int, extra string) string {
		ifs := "  east: east0\n  west: west0\n  lan0: lan0\n"
		if i != 1 {
			ifs += "  up: up0\n"
		}
		return fmt.Sprintf(`node: vr%d
interfaces:
%ssocket: %s
metrics_listen: `+metricsAddr+`
profile: rfc
link_pool: 10.255.0.0/24
upstream: {prefix: 192.0.2.0/24, gateway: 192.0.2.1, vip: 192.0.2.254, vrid: 10}
nodes:
  - {name: vr1, lans: [10.1.0.1/24]}
  - {name: vr2, lans: [10.2.0.1/24]}
  - {name: vr3, lans: [10.3.0.1/24]}
%s`, i+1, ifs, filepath.Join(dir, fmt.Sprintf("vr%d.sock", i+1)), extra)
	}
	conf := func(i int) string { return filepath.Join(dir, fmt.Sprintf("vr%d.yaml", i+1)) }
	var procs [3]*nstest.Proc
	for i := range ns {
		if err := os.WriteFile(conf(i), []byte(file(i, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		procs[i] = ns[i].Start(t, bin, "run", "-config", conf(i))
	}
	logs := func() string {
		var b strings.Builder
		for i, p := range procs {
			fmt.Fprintf(&b, "vr%d:\n%s\n", i+1, p.Output())
		}
		return b.String()
	}
	route := func() string {
		out, _ := ns[0].Try("ip", "route", "show", "10.2.0.0/24")
		return strings.TrimSpace(out)
	}
	nstest.Eventually(t, 40*time.Second, func() error {
		for i := range ns {
			if n := strings.Count(procs[i].Output(), "to=Full"); n < 2 {
				return fmt.Errorf("vr%d has %d Full neighbours\n%s", i+1, n, logs())
			}
		}
		if r := route(); !strings.Contains(r, "dev east0") {
			return fmt.Errorf("vr1's route to vr2's LAN: %q", r)
		}
		return nil
	})
	checkMetrics(t, ns)
	// Past MinLSInterval (5 s) of the last origination, so that the new
	// router-LSA goes out at once.
	time.Sleep(5 * time.Second)
	var nbrLines [3]int
	for i, p := range procs {
		nbrLines[i] = strings.Count(p.Output(), "ospf: neighbor state")
	}
	neighborsQuiet := func() error {
		for i, p := range procs {
			if n := strings.Count(p.Output(), "ospf: neighbor state"); n != nbrLines[i] {
				return fmt.Errorf("vr%d's neighbours changed state during the reload\n%s", i+1, logs())
			}
		}
		return nil
	}

	newFile := file(0, "costs: {east: 100}\n")
	if err := os.WriteFile(conf(0), []byte(newFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(procs[0].Pid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	nstest.Eventually(t, 15*time.Second, func() error {
		if err := neighborsQuiet(); err != nil {
			t.Fatal(err)
		}
		if r := route(); !strings.Contains(r, "dev west0") {
			return fmt.Errorf("vr1's route to vr2's LAN after east's cost 100: %q\n%s", r, procs[0].Output())
		}
		return nil
	})
	if !strings.Contains(procs[0].Output(), "reload: configuration applied") {
		t.Errorf("no reload applied:\n%s", procs[0].Output())
	}
	time.Sleep(2 * time.Second) // a few more packets, so that a reset would show
	if err := neighborsQuiet(); err != nil {
		t.Fatal(err)
	}
	showConfig := func() string {
		out, err := ns[0].Try(bin, "show", "config", "-socket", filepath.Join(dir, "vr1.sock"))
		if err != nil {
			t.Fatalf("show config: %v\n%s", err, out)
		}
		return out
	}
	if out := showConfig(); !strings.HasSuffix(out, newFile) {
		t.Errorf("show config after the reload:\n%s", out)
	}

	// The bad reload: nothing changes.
	nstest.RejectedReload(t, procs[0], conf(0), newFile+"base_cost: nine\n", func() error {
		if r := route(); !strings.Contains(r, "dev west0") {
			return fmt.Errorf("vr1's route to vr2's LAN: %q", r)
		}
		if out := showConfig(); !strings.HasSuffix(out, newFile) {
			return fmt.Errorf("show config:\n%s", out)
		}
		return neighborsQuiet()
	})
	// BFD turned on needs a restart (its sockets are opened at start):
	// nothing changes either.
	nstest.RestartRequiredReload(t, procs[0], conf(0), newFile+"timers: {bfd_interval: 100ms}\n", `timers\.bfd_interval`, func() error {
		if r := route(); !strings.Contains(r, "dev west0") {
			return fmt.Errorf("vr1's route to vr2's LAN: %q", r)
		}
		if out := showConfig(); !strings.HasSuffix(out, newFile) {
			return fmt.Errorf("show config:\n%s", out)
		}
		return neighborsQuiet()
	})
	// So does a new metrics_listen (the server is opened at start): the
	// old address still serves.
	moved := strings.Replace(newFile, metricsAddr, "127.0.0.1:9486", 1)
	nstest.RestartRequiredReload(t, procs[0], conf(0), moved, `metrics_listen`, func() error {
		if _, err := promxtest.Scrape(ns[0], metricsAddr); err != nil {
			return fmt.Errorf("metrics at the old address: %w", err)
		}
		if out := showConfig(); !strings.HasSuffix(out, newFile) {
			return fmt.Errorf("show config:\n%s", out)
		}
		return neighborsQuiet()
	})
}

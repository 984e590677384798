//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// TestDaemon_FRRNeighbor builds ospfd and runs it in a namespace next to
// FRR's zebra and ospfd: adjacency, routes both ways in the kernels,
// carrier loss acted on at once, a new connected network and the kernel
// default route followed (redistribute connected, default-information
// originate), an OSPF interface's address change, and SIGTERM flushing
// the LSAs and withdrawing the routes.
func TestDaemon_FRRNeighbor(t *testing.T) {
	nstest.RequireRoot(t)
	zebra := nstest.RequireBinary(t, "zebra")
	frrOSPF := nstest.RequireBinary(t, "ospfd")
	nstest.RequireBinary(t, "vtysh")
	bin := nstest.GoBuild(t, ".", "ospfd")
	a, b := nstest.New(t, "o5da"), nstest.New(t, "o5db")
	nstest.Veth(t, a, "eth0", b, "eth0")
	a.Exec(t, "ip", "addr", "add", "10.0.0.1/30", "dev", "eth0")
	b.Exec(t, "ip", "addr", "add", "10.0.0.2/30", "dev", "eth0")
	for i, ns := range []*nstest.NS{a, b} {
		ns.Stub(t, "lan0", fmt.Sprintf("192.168.%d.1/24", i+1))
	}
	// A non-OSPF interface of ours for redistribute connected.
	a.Stub(t, "vm0", "172.16.1.1/24")

	// FRR in b.
	fdir := nstest.TempDir(t)
	for name, conf := range map[string]string{
		"zebra.conf": "hostname frr\n",
		"ospfd.conf": "hostname frr\ninterface eth0\n ip ospf network point-to-point\n ip ospf area 0\n" +
			" ip ospf hello-interval 1\n ip ospf dead-interval 40\ninterface lan0\n ip ospf area 0\n ip ospf passive\n" +
			"router ospf\n ospf router-id 10.255.0.2\n timers throttle spf 10 100 1000\n",
	} {
		if err := os.WriteFile(filepath.Join(fdir, name), []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	frrArgs := func(d string) []string {
		return []string{"-f", filepath.Join(fdir, d+".conf"), "-i", filepath.Join(fdir, d+".pid"),
			"-z", filepath.Join(fdir, "zserv.api"), "--vty_socket", fdir, "-P", "0", "--log", "stdout"}
	}
	b.Start(t, zebra, frrArgs("zebra")...)
	nstest.Eventually(t, 10*time.Second, func() error {
		_, err := os.Stat(filepath.Join(fdir, "zserv.api"))
		return err
	})
	b.Start(t, frrOSPF, frrArgs("ospfd")...)
	vtysh := func(cmd string) string {
		out, _ := b.Try("vtysh", "--vty_socket", fdir, "-c", cmd)
		return out
	}

	// ospfd in a.
	dir := nstest.TempDir(t)
	sock := filepath.Join(dir, "ospfd.sock")
	conf := filepath.Join(dir, "ospfd.yaml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`router_id: 10.255.0.1
socket: %s
metrics_listen: `+metricsAddr+`
spf: {initial_delay: 10ms, short_delay: 100ms, long_delay: 1s}
interfaces:
  - {name: eth0, network: point-to-point, hello_interval: 1s, dead_interval: 40s}
  - {name: lan0, passive: true}
redistribute:
  connected: {metric: 30}
default_information:
  originate: true
  metric: 7
`, sock)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "check", "-config", conf).CombinedOutput(); err != nil {
		t.Fatalf("ospfd check: %v\n%s", err, out)
	}
	proc := a.Start(t, bin, "-config", conf)
	show := func(view string) string {
		out, err := a.Try(bin, "show", view, "-socket", sock)
		if err != nil {
			return "error: " + err.Error() + ": " + out
		}
		return out
	}
	frrFull := func() error {
		if out := vtysh("show ip ospf neighbor"); !strings.Contains(out, "10.255.0.1") || !strings.Contains(out, "Full") {
			return fmt.Errorf("FRR's neighbors:\n%s\nospfd's log:\n%s", out, proc.Output())
		}
		return nil
	}
	nstest.Eventually(t, 30*time.Second, frrFull)

	// Routes both ways: FRR's LAN in our kernel (our rtm_protocol), ours
	// and our redistributed network in FRR's.
	kernel := func(ns *nstest.NS, proto string) string {
		out, _ := ns.Try("ip", "route", "show", "proto", proto)
		return out
	}
	nstest.Eventually(t, 20*time.Second, func() error {
		if k := kernel(a, "243"); !hasRoute(k, "192.168.2.0/24", "via 10.0.0.2 dev eth0") {
			return fmt.Errorf("our kernel routes:\n%s\nospfd routes:\n%s", k, show("routes"))
		}
		if k := kernel(b, "ospf"); !hasRoute(k, "192.168.1.0/24", "via 10.0.0.1") || !hasRoute(k, "172.16.1.0/24", "via 10.0.0.1") {
			return fmt.Errorf("FRR's kernel routes:\n%s", k)
		}
		return nil
	})
	if out := show("neighbors"); !strings.Contains(out, "10.255.0.2") || !strings.Contains(out, "full") {
		t.Errorf("ospfd show neighbors:\n%s", out)
	}
	checkMetrics(t, a, "eth0")
	var db []LSAView
	raw, err := a.Try(bin, "show", "database", "-json", "-socket", sock)
	if err != nil || json.Unmarshal([]byte(raw), &db) != nil || len(db) < 3 {
		t.Errorf("ospfd show database -json: %v\n%s", err, raw)
	}

	// default-information originate follows our kernel default route.
	a.Exec(t, "ip", "route", "add", "default", "via", "172.16.1.254", "dev", "vm0", "proto", "static")
	nstest.Eventually(t, 20*time.Second, func() error {
		if k := kernel(b, "ospf"); !hasRoute(k, "default", "via 10.0.0.1") {
			return fmt.Errorf("FRR's kernel has no default via us:\n%s\nours:\n%s\n%s", k, show("spf"), proc.Output())
		}
		return nil
	})
	a.Exec(t, "ip", "route", "del", "default")
	nstest.Eventually(t, 20*time.Second, func() error {
		if k := kernel(b, "ospf"); strings.Contains(k, "default") {
			return fmt.Errorf("FRR still has our default:\n%s", k)
		}
		return nil
	})

	// A new connected network is redistributed.
	a.Exec(t, "ip", "addr", "add", "172.16.9.1/24", "dev", "vm0")
	nstest.Eventually(t, 20*time.Second, func() error {
		if k := kernel(b, "ospf"); !hasRoute(k, "172.16.9.0/24", "via 10.0.0.1") {
			return fmt.Errorf("FRR has no route to the new network:\n%s", k)
		}
		return nil
	})

	// Carrier loss kills the neighbor at once, not after the 40 s dead
	// interval; carrier back brings it back.
	b.Exec(t, "ip", "link", "set", "eth0", "down")
	start := time.Now()
	nstest.Eventually(t, 5*time.Second, func() error {
		if out := show("neighbors"); strings.Contains(out, "10.255.0.2") {
			return fmt.Errorf("neighbor still listed:\n%s", out)
		}
		if k := kernel(a, "243"); strings.Contains(k, "192.168.2.0/24") {
			return fmt.Errorf("route via the dead link still installed:\n%s", k)
		}
		return nil
	})
	t.Logf("neighbor dropped and routes withdrawn %v after carrier loss", time.Since(start).Round(10*time.Millisecond))
	b.Exec(t, "ip", "link", "set", "eth0", "up")
	nstest.Eventually(t, 30*time.Second, frrFull)

	// An address change on an OSPF interface: the instance restarts with
	// it, and FRR reaches our LAN through the new address.
	a.Exec(t, "ip", "addr", "del", "10.0.0.1/30", "dev", "eth0")
	a.Exec(t, "ip", "addr", "add", "10.0.0.1/29", "dev", "eth0")
	b.Exec(t, "ip", "addr", "del", "10.0.0.2/30", "dev", "eth0")
	b.Exec(t, "ip", "addr", "add", "10.0.0.2/29", "dev", "eth0")
	nstest.Eventually(t, 40*time.Second, func() error {
		if out := show("interfaces"); !strings.Contains(out, "10.0.0.1/29") {
			return fmt.Errorf("ospfd interfaces:\n%s", out)
		}
		if out := vtysh("show ip ospf route"); !strings.Contains(out, "10.0.0.0/29") {
			return fmt.Errorf("FRR's routes:\n%s", out)
		}
		return frrFull()
	})

	// SIGTERM: our LSAs are flushed and our routes withdrawn.
	proc.Stop()
	if k := kernel(a, "243"); strings.TrimSpace(k) != "" {
		t.Errorf("routes left in our kernel after SIGTERM:\n%s", k)
	}
	nstest.Eventually(t, 10*time.Second, func() error {
		if out := vtysh("show ip ospf route"); strings.Contains(out, "172.16.1.0/24") || strings.Contains(out, "192.168.1.0/24") {
			return fmt.Errorf("FRR still routes our networks:\n%s", out)
		}
		if k := kernel(b, "ospf"); strings.Contains(k, "10.0.0.1") {
			return fmt.Errorf("FRR still routes through us:\n%s", k)
		}
		return nil
	})
	if !strings.Contains(proc.Output(), "flushing LSAs") {
		t.Errorf("no shutdown message in ospfd's output:\n%s", proc.Output())
	}
}

// hasRoute reports whether `ip route` output k has a route to dst whose
// line contains via (FRR's routes carry an "nhid N" in between).
func hasRoute(k, dst, via string) bool {
	for _, line := range strings.Split(k, "\n") {
		if strings.HasPrefix(line, dst+" ") && strings.Contains(line, via) {
			return true
		}
	}
	return false
}

//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// TestDaemon_NoUplinkRing (issue 15): three ringd without an upstream
// LAN, the full mesh of a 3-node storage cluster, each with a server LAN
// and a host address (/32 on an interface of its own), fast profile. Every
// node reaches the others' host addresses directly (the kernel routes of
// proto 243 say so, and ping from host address to host address works);
// no default route appears anywhere; when the link n1–n2 goes down, n1
// reaches n2's host address the other way round, through n3, and back
// when it returns.
func TestDaemon_NoUplinkRing(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "ringd")
	var ns [3]*nstest.NS
	for i := range ns {
		ns[i] = nstest.New(t, fmt.Sprintf("nu3n%d", i+1))
		ns[i].Exec(t, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0")
		ns[i].Stub(t, "lan0", fmt.Sprintf("10.%d.0.1/24", i+1))
		// The host address: a /32 on an interface of its own (a dummy
		// on a host; this kernel has no dummy driver, so a veth end).
		ns[i].Stub(t, "host0", fmt.Sprintf("10.254.254.%d/32", i+1))
	}
	for i := range ns {
		nstest.Veth(t, ns[i], "east0", ns[(i+1)%3], "west0")
	}
	dir := nstest.TempDir(t)
	var procs [3]*nstest.Proc
	for i := range ns {
		conf := filepath.Join(dir, fmt.Sprintf("n%d.yaml", i+1))
		if err := os.WriteFile(conf, []byte(fmt.Sprintf(`node: n%d
interfaces: {east: east0, west: west0, lan0: lan0, lan1: host0}
socket: %s
profile: fast
link_pool: 10.255.0.0/24
nodes:
  - {name: n1, lans: [10.1.0.1/24, 10.254.254.1/32]}
  - {name: n2, lans: [10.2.0.1/24, 10.254.254.2/32]}
  - {name: n3, lans: [10.3.0.1/24, 10.254.254.3/32]}
`, i+1, filepath.Join(dir, fmt.Sprintf("n%d.sock", i+1)))), 0o644); err != nil {
			t.Fatal(err)
		}
		procs[i] = ns[i].Start(t, bin, "run", "-config", conf)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("n%d output:\n%s", i+1, procs[i].Output())
			}
		})
	}
	route := func(i, j int) string {
		out, _ := ns[i].Try("ip", "route", "show", fmt.Sprintf("10.254.254.%d", j+1), "proto", "243")
		return strings.TrimSpace(out)
	}
	ping := func(i, j int) error {
		out, err := ns[i].Try("ping", "-c", "1", "-W", "1", "-I", fmt.Sprintf("10.254.254.%d", i+1), fmt.Sprintf("10.254.254.%d", j+1))
		if err != nil {
			return fmt.Errorf("n%d -> n%d's host address: %v: %s", i+1, j+1, err, out)
		}
		return nil
	}
	nstest.Eventually(t, 30*time.Second, func() error {
		for i := range ns {
			for j := range ns {
				if i == j {
					continue
				}
				dev := map[bool]string{true: "east0", false: "west0"}[(i+1)%3 == j]
				if r := route(i, j); !strings.Contains(r, "dev "+dev) {
					return fmt.Errorf("n%d's route to n%d's host address: %q, want dev %s", i+1, j+1, r, dev)
				}
				if err := ping(i, j); err != nil {
					return err
				}
			}
		}
		return nil
	})
	for i := range ns {
		if out, _ := ns[i].Try("ip", "route", "show", "default"); strings.TrimSpace(out) != "" {
			t.Errorf("n%d has a default route: %s", i+1, out)
		}
	}
	ns[0].Exec(t, "ip", "link", "set", "east0", "down")
	nstest.Eventually(t, 10*time.Second, func() error {
		if r := route(0, 1); !strings.Contains(r, "dev west0") {
			return fmt.Errorf("with n1-n2 down, n1's route to n2's host address: %q", r)
		}
		return ping(0, 1)
	})
	ns[0].Exec(t, "ip", "link", "set", "east0", "up")
	nstest.Eventually(t, 15*time.Second, func() error {
		if r := route(0, 1); !strings.Contains(r, "dev east0") {
			return fmt.Errorf("with n1-n2 back, n1's route to n2's host address: %q", r)
		}
		return ping(0, 1)
	})
}

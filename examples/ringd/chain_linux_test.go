//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// TestDaemon_Chain (issue 15, "Growth": the source paper's non-redundant
// pattern): three ringd with topology: chain, c1 the edge on the upstream
// LAN with the gateway, a server on each node's LAN. No OSPF, BFD or VRRP
// runs: every node's kernel holds exactly the static routes (proto 242,
// fib.RTProtoStatic) Build gives it, the gateway (routing every LAN to
// c1's upstream address, no VIP) pings every server, `ringd show`
// answers without an OSPF instance, and SIGTERM leaves no static route
// behind on any node.
func TestDaemon_Chain(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "ringd")
	const n = 3
	var nodes, servers [n]*nstest.NS
	gw := nstest.New(t, "ch3gw")
	for i := range nodes {
		nodes[i] = nstest.New(t, fmt.Sprintf("ch3n%d", i+1))
		nodes[i].Exec(t, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0")
		servers[i] = nstest.New(t, fmt.Sprintf("ch3s%d", i+1))
		nstest.Veth(t, nodes[i], "lan0", servers[i], "eth0")
		servers[i].Exec(t, "ip", "addr", "add", fmt.Sprintf("10.%d.0.2/24", i+1), "dev", "eth0")
		servers[i].Exec(t, "ip", "route", "add", "default", "via", fmt.Sprintf("10.%d.0.1", i+1))
	}
	for i := range n - 1 { // a chain: no link from c3 back to c1
		nstest.Veth(t, nodes[i], "east0", nodes[i+1], "west0")
	}
	nstest.Veth(t, nodes[0], "up0", gw, "eth0")
	gw.Exec(t, "ip", "addr", "add", "192.0.2.1/24", "dev", "eth0")
	for i := range n {
		gw.Exec(t, "ip", "route", "add", fmt.Sprintf("10.%d.0.0/24", i+1), "via", "192.0.2.2")
	}
	dir := nstest.TempDir(t)
	sock := func(i int) string { return filepath.Join(dir, fmt.Sprintf("c%d.sock", i+1)) }
	var procs [n]*nstest.Proc
	for i := range nodes {
		ifs := []string{"lan0: lan0"}
		if i < n-1 {
			ifs = append(ifs, "east: east0")
		}
		if i > 0 {
			ifs = append(ifs, "west: west0")
		}
		if i == 0 {
			ifs = append(ifs, "up: up0")
		}
		conf := filepath.Join(dir, fmt.Sprintf("c%d.yaml", i+1))
		if err := os.WriteFile(conf, []byte(fmt.Sprintf(`topology: chain
node: c%d
interfaces: {%s}
socket: %s
link_pool: 10.255.0.0/24
upstream:
  prefix: 192.0.2.0/24
  gateway: 192.0.2.1
  edges: [{node: c1, address: 192.0.2.2}]
nodes:
  - {name: c1, lans: [10.1.0.1/24]}
  - {name: c2, lans: [10.2.0.1/24]}
  - {name: c3, lans: [10.3.0.1/24]}
`, i+1, strings.Join(ifs, ", "), sock(i))), 0o644); err != nil {
			t.Fatal(err)
		}
		procs[i] = nodes[i].Start(t, bin, "run", "-config", conf)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("c%d output:\n%s", i+1, procs[i].Output())
			}
		})
	}
	// What each node routes statically, and over which device: the other
	// nodes' LANs and the links beyond its neighbours, the default toward
	// c1 (c1's own via the gateway).
	want := [n][]string{
		{"0.0.0.0/0 [192.0.2.1@up0]", "10.2.0.0/24 [10.255.0.1@east0]", "10.255.0.2/31 [10.255.0.1@east0]", "10.3.0.0/24 [10.255.0.1@east0]"},
		{"0.0.0.0/0 [10.255.0.0@west0]", "10.1.0.0/24 [10.255.0.0@west0]", "10.3.0.0/24 [10.255.0.3@east0]"},
		{"0.0.0.0/0 [10.255.0.2@west0]", "10.1.0.0/24 [10.255.0.2@west0]", "10.2.0.0/24 [10.255.0.2@west0]", "10.255.0.0/31 [10.255.0.2@west0]"},
	}
	routes := func(i int) ([]string, error) {
		rs, err := nodes[i].KernelRoutes("242")
		var out []string
		for _, r := range rs {
			out = append(out, fmt.Sprintf("%s %v", r.Dst, r.Hops()))
		}
		slices.Sort(out)
		return out, err
	}
	nstest.Eventually(t, 20*time.Second, func() error {
		for i := range nodes {
			got, err := routes(i)
			if err != nil {
				return err
			}
			if !slices.Equal(got, want[i]) {
				return fmt.Errorf("c%d's static routes %q, want %q", i+1, got, want[i])
			}
		}
		for i := range servers {
			if out, err := gw.Try("ping", "-c", "1", "-W", "1", fmt.Sprintf("10.%d.0.2", i+1)); err != nil {
				return fmt.Errorf("gateway -> server of c%d: %v: %s", i+1, err, out)
			}
		}
		return nil
	})
	// Server to server across the chain, both ends off the edge.
	if out, err := servers[2].Try("ping", "-c", "1", "-W", "1", "10.2.0.2"); err != nil {
		t.Errorf("server of c3 -> server of c2: %v: %s", err, out)
	}
	for i := range nodes {
		if out, _ := nodes[i].Try("ip", "route", "show", "proto", "243"); strings.TrimSpace(out) != "" {
			t.Errorf("c%d has OSPF routes: %s", i+1, out)
		}
		out, err := nodes[i].Try(bin, "show", "-json", "-socket", sock(i))
		if err != nil || !strings.Contains(out, fmt.Sprintf(`"node": "c%d"`, i+1)) {
			t.Errorf("c%d: ringd show: %v: %s", i+1, err, out)
		}
	}
	for i := range procs {
		if err := procs[i].Terminate(10 * time.Second); err != nil {
			t.Errorf("c%d: %v", i+1, err)
		}
		if got, err := routes(i); err != nil || len(got) != 0 {
			t.Errorf("c%d after SIGTERM: static routes %q (%v)", i+1, got, err)
		}
	}
}

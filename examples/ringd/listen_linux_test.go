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

// TestCheck_ListenVRIDCollision (issue 15's virtual-MAC hygiene): before
// an edge's ringd runs, `ringd check -listen 1s` on it hears the
// upstream LAN: a vrrpd there runs VRID 10 (ours) for another address
// and VRID 11 for a third, and a second vrrpd runs VRID 10 with this
// ring's VIP (the other edge would). The check lists all three, warns of
// the first alone, and exits 0; on an inner node -listen is a usage
// error.
func TestCheck_ListenVRIDCollision(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "ringd")
	vrrpd := nstest.GoBuild(t, "../vrrpd", "vrrpd")
	sw := nstest.New(t, "lvsw")
	sw.Exec(t, "ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
	sw.Exec(t, "ip", "link", "set", "br0", "up")
	var nss []*nstest.NS
	for i, name := range []string{"edge", "other", "twin"} {
		ns := nstest.New(t, "lv"+name)
		nstest.Veth(t, ns, "up0", sw, "p"+name)
		sw.Exec(t, "ip", "link", "set", "p"+name, "master", "br0")
		ns.Exec(t, "ip", "addr", "add", fmt.Sprintf("192.0.2.%d/24", []int{2, 20, 3}[i]), "dev", "up0")
		nss = append(nss, ns)
	}
	edge, other, twin := nss[0], nss[1], nss[2]
	dir := nstest.TempDir(t)
	startVRRPD := func(ns *nstest.NS, name, routers string) {
		conf := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(conf, []byte(fmt.Sprintf("socket: %s\nrouters:\n%s", filepath.Join(dir, name+".sock"), routers)), 0o644); err != nil {
			t.Fatal(err)
		}
		ns.Start(t, vrrpd, "run", "-config", conf)
	}
	startVRRPD(other, "other", "  - {name: a, interface: up0, vrid: 10, priority: 100, interval: 100ms, virtual_addresses: [192.0.2.99]}\n"+
		"  - {name: b, interface: up0, vrid: 11, priority: 100, interval: 100ms, virtual_addresses: [192.0.2.98]}\n")
	startVRRPD(twin, "twin", "  - {name: a, interface: up0, vrid: 10, priority: 100, interval: 100ms, virtual_addresses: [192.0.2.254]}\n")
	file := func(node, ifs string) string {
		conf := filepath.Join(dir, node+".yaml")
		if err := os.WriteFile(conf, []byte(fmt.Sprintf(`node: %s
interfaces: {%s}
link_pool: 10.255.0.0/24
upstream: {prefix: 192.0.2.0/24, gateway: 192.0.2.1, vip: 192.0.2.254, vrid: 10}
nodes:
  - {name: vr1, lans: [10.1.0.1/24]}
  - {name: vr2, lans: [10.2.0.1/24]}
  - {name: vr3, lans: [10.3.0.1/24]}
`, node, ifs)), 0o644); err != nil {
			t.Fatal(err)
		}
		return conf
	}
	conf := file("vr1", "east: e0, west: w0, up: up0, lan0: l0")
	time.Sleep(500 * time.Millisecond) // the routers' first adverts
	out, err := edge.Try(bin, "check", "-listen", "1s", "-config", conf)
	if err != nil {
		t.Fatalf("ringd check -listen: %v\n%s", err, out)
	}
	for _, want := range []string{"VRID 10 from 192.0.2.20", "VRID 11 from 192.0.2.20", "VRID 10 from 192.0.2.3",
		"warning: upstream.vrid 10 is in use on the LAN by 192.0.2.20 with addresses [192.0.2.99]"} {
		if !strings.Contains(out, want) {
			t.Errorf("check -listen does not say %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "warning:"); n != 1 {
		t.Errorf("%d warnings, want the one collision:\n%s", n, out)
	}
	inner := file("vr2", "east: e0, west: w0, lan0: l0")
	if out, err := edge.Try(bin, "check", "-listen", "1s", "-config", inner); err == nil || !strings.Contains(out, "not an edge") {
		t.Errorf("check -listen on an inner node: %v\n%s", err, out)
	}
}

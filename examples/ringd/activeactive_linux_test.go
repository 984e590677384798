//go:build linux

package main

import (
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/internal/promx/promxtest"
	"github.com/switchless/routing/internal/ringconf"
	"github.com/switchless/routing/ring"
)

// TestDaemon_ActiveActiveRing (issue 15, active-active edges): four ringd
// in a ring, fast profile, with upstream.second: vr1 is master of group 1
// (192.0.2.254), vr4 of group 2 (192.0.2.253). The gateway namespace
// routes each server LAN to its group's VIP, as ring.Spec.GatewayRoutes
// says (vr1's and vr2's to .254, vr3's and vr4's to .253). Both VIPs sit
// on their own edges; vr2 sends its default west to vr1 and vr3 east to
// vr4 (the plan's exits); the gateway reaches every node's server LAN
// address. Then vr1 dies (ringd SIGKILLed, its links down: the node is
// gone): vr4 holds both VIPs (it is group 1's backup) and the gateway
// reaches vr2's, vr3's and vr4's LANs again.
func TestDaemon_ActiveActiveRing(t *testing.T) {
	nstest.RequireRoot(t)
	const uplink = "uplink"
	spec := ring.PaperSpec(4, ring.ProfileFast)
	spec.Anycast = nil // no servers here to health-check
	spec.Upstream.Second = &ring.Group{VIP: netip.MustParseAddr("192.0.2.253"), VRID: 11}
	cfgs, err := spec.BuildAll()
	if err != nil {
		t.Fatal(err)
	}
	routes, err := spec.GatewayRoutes()
	if err != nil {
		t.Fatal(err)
	}
	bin := nstest.GoBuild(t, ".", "ringd")
	dir := nstest.TempDir(t)
	gw := nstest.New(t, "aagw")
	gw.Exec(t, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
	gw.Exec(t, "ip", "link", "add", "br0", "type", "bridge", "forward_delay", "0", "stp_state", "0", "mcast_snooping", "0")
	gw.Exec(t, "ip", "link", "set", "br0", "up")
	gw.Exec(t, "ip", "addr", "add", "192.0.2.1/24", "dev", "br0")
	var ns []*nstest.NS
	for i, c := range cfgs {
		n := nstest.New(t, fmt.Sprintf("aa%d", i+1))
		n.Exec(t, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.disable_ipv6=1")
		for k, lan := range spec.Nodes[i].LANs {
			n.Stub(t, ring.LANName(k), lan.String())
		}
		ns = append(ns, n)
		if c.IsEdge() {
			port := fmt.Sprintf("p%d", i+1)
			nstest.Veth(t, n, uplink, gw, port)
			gw.Exec(t, "ip", "link", "set", port, "master", "br0")
		}
	}
	for i := range cfgs {
		nstest.Veth(t, ns[i], ring.IfEast, ns[(i+1)%len(cfgs)], ring.IfWest)
	}
	for _, r := range routes {
		gw.Exec(t, "ip", "route", "add", r.Prefix.String(), "via", r.VIP.String())
	}
	procs := make([]*nstest.Proc, len(cfgs))
	for i, c := range cfgs {
		f := ringconf.File{Node: c.Name, Interfaces: map[string]string{}, Socket: filepath.Join(dir, c.Name+".sock"), Spec: ringconf.FromSpec(spec),
			MetricsListen: metricsAddr}
		for _, ifc := range c.Interfaces {
			f.Interfaces[ifc.Name] = ifc.Name
		}
		if c.IsEdge() {
			f.Interfaces[ring.IfUpstream] = uplink
		}
		b, err := f.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		conf := filepath.Join(dir, c.Name+".yaml")
		if err := os.WriteFile(conf, b, 0o644); err != nil {
			t.Fatal(err)
		}
		procs[i] = ns[i].Start(t, bin, "run", "-config", conf)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("%s output:\n%s", c.Name, procs[i].Output())
			}
		})
	}
	holds := func(i int, vip string) bool {
		out, _ := ns[i].Try("ip", "-4", "-o", "addr", "show", "dev", uplink)
		return strings.Contains(out, " "+vip+"/")
	}
	ping := func(i int) error {
		lan := spec.Nodes[i].LANs[0].Addr().String()
		if out, err := gw.Try("ping", "-c", "1", "-W", "1", lan); err != nil {
			return fmt.Errorf("gateway -> %s's LAN %s: %v: %s", spec.Nodes[i].Name, lan, err, out)
		}
		return nil
	}
	exit := func(i int) string {
		out, _ := ns[i].Try("ip", "route", "get", "192.0.2.1")
		return strings.TrimSpace(out)
	}
	nstest.Eventually(t, 30*time.Second, func() error {
		switch {
		case !holds(0, "192.0.2.254") || holds(3, "192.0.2.254"):
			return fmt.Errorf("192.0.2.254 not on vr1 alone")
		case !holds(3, "192.0.2.253") || holds(0, "192.0.2.253"):
			return fmt.Errorf("192.0.2.253 not on vr4 alone")
		}
		if r := exit(1); !strings.Contains(r, "dev west") {
			return fmt.Errorf("vr2's way to the gateway: %q, want west (to vr1)", r)
		}
		if r := exit(2); !strings.Contains(r, "dev east") {
			return fmt.Errorf("vr3's way to the gateway: %q, want east (to vr4)", r)
		}
		for i := range ns {
			if err := ping(i); err != nil {
				return err
			}
		}
		return nil
	})
	// Each edge's metrics list both of its routers, its own group's
	// Master.
	vrrpStates := func(i int) (map[string]float64, error) {
		m, err := promxtest.Scrape(ns[i], metricsAddr)
		if err != nil {
			return nil, err
		}
		out := map[string]float64{}
		for _, r := range []string{vrrpRouterName, vrrpSecondRouterName} {
			out[r] = m.Sum("switchless_vrrp_state", map[string]string{"router": r, "state": "master"})
		}
		return out, nil
	}
	nstest.Eventually(t, 10*time.Second, func() error {
		for i, want := range map[int]map[string]float64{0: {vrrpRouterName: 1, vrrpSecondRouterName: 0}, 3: {vrrpRouterName: 0, vrrpSecondRouterName: 1}} {
			got, err := vrrpStates(i)
			if err != nil {
				return err
			}
			if !maps.Equal(got, want) {
				return fmt.Errorf("%s: switchless_vrrp_state{state=master} by router %v, want %v", cfgs[i].Name, got, want)
			}
		}
		return nil
	})
	var show strings.Builder
	if rc := realMain([]string{"show", "-socket", filepath.Join(dir, "vr4.sock")}, &show, &show); rc != 0 || !strings.Contains(show.String(), "VRRP group 2: VRID 11 master") {
		t.Errorf("vr4's show (rc %d):\n%s", rc, show.String())
	}

	// vr1 dies: its ringd is killed and its links go down with it.
	procs[0].Kill()
	for _, ifc := range []string{uplink, ring.IfEast, ring.IfWest} {
		ns[0].Exec(t, "ip", "link", "set", ifc, "down")
	}
	nstest.Eventually(t, 15*time.Second, func() error {
		if !holds(3, "192.0.2.254") || !holds(3, "192.0.2.253") {
			return fmt.Errorf("vr4 does not hold both VIPs")
		}
		for i := 1; i < len(ns); i++ {
			if err := ping(i); err != nil {
				return err
			}
		}
		return nil
	})
	if got, err := vrrpStates(3); err != nil || got[vrrpRouterName] != 1 || got[vrrpSecondRouterName] != 1 {
		t.Errorf("vr4's metrics after vr1 died: Masters by router %v (%v), want both", got, err)
	}
	show.Reset()
	if rc := realMain([]string{"show", "-socket", filepath.Join(dir, "vr4.sock")}, &show, &show); rc != 0 ||
		!strings.Contains(show.String(), "VRRP: VRID 10 master") || !strings.Contains(show.String(), "VRRP group 2: VRID 11 master") {
		t.Errorf("vr4's show after vr1 died (rc %d):\n%s", rc, show.String())
	}
}

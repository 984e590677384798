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

// frrOSPFRoute is one route of FRR's `show ip ospf route json`.
type frrOSPFRoute struct {
	RouteType string `json:"routeType"`
	Cost      int    `json:"cost"`
	Type2Cost int    `json:"type2cost"`
	Nexthops  []struct {
		IP  string `json:"ip"`
		Via string `json:"via"`
	} `json:"nexthops"`
}

// TestDaemon_OSPFFailover runs FRR's ospfd as the site router R and
// anycastd with speaker ospf on the server S (VIP 198.18.0.25/32 on lo,
// SMTP banner check every 100 ms, rise and fall 3, metric 1), on a
// point-to-point veth pair, once per ospf_announce mode:
//
//   - external-type1: an AS-external-LSA of type 1 (RFC 2328 §12.4.4),
//     which R routes as "N E1" at cost 10 (its link to S) + 1 (§16.4);
//   - external-type2: type 2, "N E2" with type 2 cost 1;
//   - stub: a stub host link of S's router-LSA (§12.4.1: Link ID the
//     address, Link Data 255.255.255.255, metric 1), which R routes as
//     an intra-area "N" at 11 (§16.1 stage 2).
//
// In each, R's kernel gets the VIP via S once the check passes, and
// `anycastd show ospf` lists it with the mode and the metric; the SMTP
// service stopping takes R's route away (the LSA flushed, §14.1, or the
// router-LSA originated again without the link, §12.4), measured; its
// return brings it back; SIGTERM takes the route out of R's kernel and
// the VIP off S's lo, and anycastd exits 0.
func TestDaemon_OSPFFailover(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "/usr/lib/frr/ospfd")
	anycastd := nstest.GoBuild(t, ".", "anycastd")
	for _, c := range []struct {
		mode, routeType string
		cost, type2     int
		// lsdb is the vtysh command showing S's announcement, and what
		// its output must say.
		lsdb string
		says []string
	}{
		{"external-type1", "N E1", 11, 0, "show ip ospf database external 198.18.0.25",
			[]string{"Advertising Router: 10.255.0.2", "Metric Type: 1", "Metric: 1"}},
		{"external-type2", "N E2", 10, 1, "show ip ospf database external 198.18.0.25",
			[]string{"Advertising Router: 10.255.0.2", "Metric Type: 2", "Metric: 1"}},
		{"stub", "N", 11, 0, "show ip ospf database router 10.255.0.2",
			[]string{"(Link ID) Net: 198.18.0.25", "(Link Data) Network Mask: 255.255.255.255", "TOS 0 Metric: 1"}},
	} {
		t.Run(c.mode, func(t *testing.T) {
			testOSPFFailover(t, anycastd, c.mode, c.routeType, c.cost, c.type2, c.lsdb, c.says)
		})
	}
}

func testOSPFFailover(t *testing.T, anycastd, mode, routeType string, cost, type2 int, lsdb string, says []string) {
	r, s := nstest.New(t, "aor"), nstest.New(t, "aos")
	nstest.Veth(t, r, "eth0", s, "eth0")
	r.Exec(t, "ip", "addr", "add", "10.0.0.1/30", "dev", "eth0")
	s.Exec(t, "ip", "addr", "add", "10.0.0.2/30", "dev", "eth0")

	f := nstest.StartFRR(t, r, "ospfd")
	procR := f.Start(t, "ospfd", "hostname peer\nlog stdout informational\n"+
		"interface eth0\n ip ospf network point-to-point\n ip ospf area 0\n ip ospf hello-interval 1\n ip ospf dead-interval 4\n"+
		"router ospf\n ospf router-id 10.255.0.1\n timers throttle spf 0 50 500\n timers lsa min-arrival 50\n log-adjacency-changes detail\n",
		"show ip ospf json")

	dir := nstest.TempDir(t)
	sock := filepath.Join(dir, "s.sock")
	sconf := filepath.Join(dir, "s.yaml")
	// min_ls_interval: every announcement and withdrawal is an
	// origination (§12.4); FRR accepts one every 50 ms (min-arrival).
	if err := os.WriteFile(sconf, []byte(fmt.Sprintf(`addresses: {interface: lo}
speaker: ospf
ospf_announce: %s
ospf:
  router_id: 10.255.0.2
  min_ls_interval: 100ms
  spf: {initial_delay: 10ms, short_delay: 100ms, long_delay: 1s}
  interfaces:
    - {name: eth0, network: point-to-point, hello_interval: 1s, dead_interval: 4s, retransmit_interval: 1s}
services:
  - name: smtp
    prefixes: [198.18.0.25/32]
    interval: 100ms
    timeout: 90ms
    rise: 3
    fall: 3
    metric: 1
    checks: [{type: tcp_banner, address: "127.0.0.1:25", expect: "220"}]
    drain_time: 500ms
status: %s
`, mode, sock)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(anycastd, "check", "-config", sconf).CombinedOutput(); err != nil {
		t.Fatalf("anycastd check: %v\n%s", err, out)
	}

	banner := startBanner(t, s)
	procS := s.Start(t, anycastd, "run", "-config", sconf)
	logs := func() string { return "R:\n" + procR.Output() + "\nS:\n" + procS.Output() }

	kernelVIP := func() (kernelRoute, bool) {
		out, err := r.Try("ip", "-j", "route", "show", "198.18.0.25/32", "proto", "ospf")
		var rs []kernelRoute
		if err != nil || json.Unmarshal([]byte(out), &rs) != nil || len(rs) == 0 {
			return kernelRoute{}, false
		}
		return rs[0], true
	}
	ospfVIP := func() (frrOSPFRoute, bool, string) {
		out, err := f.Vtysh("show ip ospf route json")
		var rs map[string]json.RawMessage
		if err != nil || json.Unmarshal([]byte(out), &rs) != nil {
			return frrOSPFRoute{}, false, out
		}
		raw, ok := rs["198.18.0.25/32"]
		var rt frrOSPFRoute
		if !ok || json.Unmarshal(raw, &rt) != nil {
			return frrOSPFRoute{}, false, out
		}
		return rt, true, out
	}
	learnt := func() error {
		if rt, ok := kernelVIP(); !ok || rt.Gateway != "10.0.0.2" || rt.Dev != "eth0" {
			return fmt.Errorf("R's kernel route to the VIP: %+v (present %v), want via 10.0.0.2 dev eth0\n%s", rt, ok, logs())
		}
		rt, ok, out := ospfVIP()
		if !ok || rt.RouteType != routeType || rt.Cost != cost || rt.Type2Cost != type2 || len(rt.Nexthops) != 1 || rt.Nexthops[0].IP != "10.0.0.2" {
			return fmt.Errorf("FRR's OSPF route to the VIP: %+v (present %v), want %q cost %d type 2 cost %d via 10.0.0.2\n%s", rt, ok, routeType, cost, type2, out)
		}
		return nil
	}
	gone := func() error {
		if rt, ok := kernelVIP(); ok {
			return fmt.Errorf("R's kernel still routes the VIP: %+v\n%s", rt, logs())
		}
		if rt, ok, _ := ospfVIP(); ok {
			return fmt.Errorf("FRR's OSPF still routes the VIP: %+v", rt)
		}
		return nil
	}
	nstest.Eventually(t, 20*time.Second, learnt)

	out, err := f.Vtysh(lsdb)
	if err != nil {
		t.Fatalf("vtysh %s: %v\n%s", lsdb, err, out)
	}
	for _, w := range says {
		if !strings.Contains(out, w) {
			t.Errorf("FRR's %q lacks %q:\n%s", lsdb, w, out)
		}
	}
	out, err = s.Try(anycastd, "show", "ospf", "-json", "-status", sock)
	var ov OSPFView
	if err != nil || json.Unmarshal([]byte(out), &ov) != nil {
		t.Fatalf("anycastd show ospf -json: %v\n%s", err, out)
	}
	if ov.Announce != mode || len(ov.Neighbors) != 1 || !strings.HasPrefix(ov.Neighbors[0].State, "Full") ||
		len(ov.Announced) != 1 || ov.Announced[0].Prefix.String() != "198.18.0.25/32" || ov.Announced[0].As != mode || ov.Announced[0].Metric != 1 {
		t.Errorf("anycastd show ospf -json: want FRR Full and the VIP as %s at metric 1:\n%s", mode, out)
	}
	if out, err := s.Try(anycastd, "show", "-status", sock); err != nil || !strings.Contains(out, "speaker: ospf") || !strings.Contains(out, "198.18.0.25/32 (metric 1)") {
		t.Errorf("anycastd show: %v\n%s", err, out)
	}

	// The service fails: fall 3 rounds of 100 ms, then the withdrawal.
	banner.Stop()
	t0 := time.Now()
	nstest.Eventually(t, 10*time.Second, gone)
	failover := time.Since(t0)
	t.Logf("%s: service stopped -> R's route to the VIP gone in %v", mode, failover.Round(time.Millisecond))
	if failover > 3*time.Second {
		t.Errorf("failover took %v, want well under 3 s (fall 3 x 100 ms, an origination, FRR's SPF)", failover)
	}
	out, _ = s.Try(anycastd, "show", "ospf", "-json", "-status", sock)
	if err := json.Unmarshal([]byte(out), &ov); err != nil || len(ov.Announced) != 0 {
		t.Errorf("anycastd show ospf -json after the failure: want nothing announced:\n%s", out)
	}

	// It returns: rise 3 rounds, then announced again.
	startBanner(t, s)
	t0 = time.Now()
	nstest.Eventually(t, 10*time.Second, learnt)
	t.Logf("%s: service back -> R's route to the VIP back in %v", mode, time.Since(t0).Round(time.Millisecond))

	// SIGTERM: withdraw, drain 500 ms, remove the alias, stop OSPF
	// (every LSA flushed).
	procS.Stop()
	if _, err := procS.Exited(); err != nil {
		t.Errorf("anycastd exit: %v\n%s", err, logs())
	}
	nstest.Eventually(t, 5*time.Second, gone)
	if out := s.Exec(t, "ip", "-4", "addr", "show", "dev", "lo"); strings.Contains(out, "198.18.0.25") {
		t.Errorf("S's lo keeps the VIP after SIGTERM:\n%s", out)
	}
	if out := s.Exec(t, "ip", "route", "show", "table", "all", "proto", "243"); strings.TrimSpace(out) != "" {
		t.Errorf("S keeps OSPF routes after SIGTERM:\n%s", out)
	}
	// S's router-LSA is flushed (§14.1): FRR holds it at MaxAge until
	// it may remove it, or no more.
	nstest.Eventually(t, 5*time.Second, func() error {
		out, err := f.Vtysh("show ip ospf database router 10.255.0.2")
		if err != nil || (strings.Contains(out, "Advertising Router: 10.255.0.2") && !strings.Contains(out, "LS age: 3600")) {
			return fmt.Errorf("FRR holds S's router-LSA below MaxAge after SIGTERM (want it flushed, §14.1): %v\n%s\n%s", err, out, logs())
		}
		return nil
	})
}

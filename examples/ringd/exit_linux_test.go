//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// TestExit_Ringd (issue 14): a 3-node ring of ringd (RFC profile), vr1
// and vr3 the edges on the upstream LAN, vr1 the VRRP Master (priority
// 200) holding the VIP 192.0.2.254. vr1 then gets one signal after
// another:
//
//   - SIGHUP, the file unchanged: vr1 keeps running, no OSPF neighbour on
//     any node changes state, neither edge's VRRP router makes a
//     transition, the routes (OSPF's proto 243, the static default's 242)
//     and the VIP stay.
//   - SIGKILL, then a restart with the same file: the dead run leaves its
//     routes, the VIP, its socket and its lock; the restart is not blocked,
//     reclaims the routes (the kernel's tables are the ones before the
//     kill, no duplicate), removes the stale VIP before VRRP starts in
//     Backup (RFC 5798 §6.4.1), is Master again (preemption) with the VIP
//     on vr1 only, vr2's routes through vr1 are back as they were, and
//     vr1's kernel is its `ringd show` table.
//   - SIGTERM: exit 0; vr1 keeps no route of proto 243 or 242, no VIP,
//     socket or lock; vr3 is Master with the VIP (priority 0, §6.4.3);
//     vr1's LAN leaves vr2's and vr3's tables and kernels (its LSAs
//     flushed, RFC 2328 §14.1).
func TestExit_Ringd(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "ringd")
	var ns [3]*nstest.NS
	for i := range ns {
		ns[i] = nstest.New(t, fmt.Sprintf("ex3n%d", i+1))
		ns[i].Stub(t, "lan0", fmt.Sprintf("10.%d.0.1/24", i+1))
	}
	for i := range ns {
		nstest.Veth(t, ns[i], "east0", ns[(i+1)%3], "west0")
	}
	nstest.Veth(t, ns[0], "up0", ns[2], "up0")

	dir := nstest.TempDir(t)
	sock := func(i int) string { return filepath.Join(dir, fmt.Sprintf("vr%d.sock", i+1)) }
	conf := func(i int) string { return filepath.Join(dir, fmt.Sprintf("vr%d.yaml", i+1)) }
	for i := range ns {
		ifs := "  east: east0\n  west: west0\n  lan0: lan0\n"
		if i != 1 {
			ifs += "  up: up0\n"
		}
		if err := os.WriteFile(conf(i), []byte(fmt.Sprintf(`node: vr%d
interfaces:
%ssocket: %s
profile: rfc
link_pool: 10.255.0.0/24
upstream: {prefix: 192.0.2.0/24, gateway: 192.0.2.1, vip: 192.0.2.254, vrid: 10}
nodes:
  - {name: vr1, lans: [10.1.0.1/24]}
  - {name: vr2, lans: [10.2.0.1/24]}
  - {name: vr3, lans: [10.3.0.1/24]}
`, i+1, ifs, sock(i))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var procs [3]*nstest.Proc
	start := func(i int) { procs[i] = ns[i].Start(t, bin, "run", "-config", conf(i)) }
	for i := range ns {
		start(i)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i, p := range procs {
				show, _ := ns[i].Try(bin, "show", "-socket", sock(i))
				t.Logf("vr%d's output:\n%s\nringd show:\n%s", i+1, p.Output(), show)
			}
		}
	})
	status := func(i int) (Status, error) {
		out, err := ns[i].Try(bin, "show", "-json", "-socket", sock(i))
		if err != nil {
			return Status{}, err
		}
		var st Status
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			return st, fmt.Errorf("%w: %s", err, out)
		}
		return st, nil
	}
	kernel := func(t *testing.T, i int) []nstest.KernelRoute {
		t.Helper()
		var all []nstest.KernelRoute
		for _, proto := range []string{"243", "242"} {
			rs, err := ns[i].KernelRoutes(proto)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, rs...)
		}
		return all
	}
	hasVIP := func(i int) bool {
		out, _ := ns[i].Try("ip", "-o", "-4", "addr", "show", "dev", "up0")
		return strings.Contains(out, " 192.0.2.254/")
	}
	// vrrp is each edge's VRRP state, "" for one not answering.
	vrrp := func(i int) string {
		st, err := status(i)
		if err != nil || st.VRRP == nil {
			return ""
		}
		return st.VRRP.State
	}
	// settled: both neighbours Full and every route at the configured
	// costs: a node's first router-LSAs carry MaxLinkMetric (stub router,
	// RFC 6987) until its routes are in, and the one with the costs may
	// wait for MinLSInterval (5 s, RFC 2328 §12.4).
	settled := func(i int) error {
		st, err := status(i)
		if err != nil {
			return err
		}
		for _, r := range st.Routes {
			var cost int
			if _, err := fmt.Sscanf(r.Cost, "%d", &cost); err != nil || cost >= 0xffff {
				return fmt.Errorf("vr%d's route to %v costs %s (stub router)", i+1, r.Prefix, r.Cost)
			}
		}
		n := 0
		for _, nb := range st.Neighbors {
			if nb.State == "full" {
				n++
			}
		}
		if n != 2 {
			return fmt.Errorf("vr%d's neighbours: %+v", i+1, st.Neighbors)
		}
		return nil
	}
	// converged: every node settled, vr1 Master with the VIP, vr3 Backup
	// without, each LAN in the others' kernels.
	converged := func(t *testing.T) func() error {
		return func() error {
			for i := range ns {
				if err := settled(i); err != nil {
					return err
				}
			}
			if s1, s3 := vrrp(0), vrrp(2); s1 != "master" || s3 != "backup" {
				return fmt.Errorf("VRRP: vr1 %q, vr3 %q", s1, s3)
			}
			if !hasVIP(0) || hasVIP(2) {
				return fmt.Errorf("the VIP on vr1 %v, on vr3 %v", hasVIP(0), hasVIP(2))
			}
			for i := range ns {
				var lans []string
				for _, r := range kernel(t, i) {
					if r.Type == "" && strings.HasPrefix(r.Dst, "10.") && strings.HasSuffix(r.Dst, ".0.0/24") {
						lans = append(lans, r.Dst)
					}
				}
				if len(lans) != 2 {
					return fmt.Errorf("vr%d's kernel routes to the other LANs: %v (all: %v)", i+1, lans, kernel(t, i))
				}
			}
			return nil
		}
	}
	nstest.Eventually(t, 40*time.Second, converged(t))
	neighborLines := func() [3]int {
		var n [3]int
		for i, p := range procs {
			n[i] = strings.Count(p.Output(), "ospf: neighbor state")
		}
		return n
	}
	transitions := func(t *testing.T) [2]uint64 {
		t.Helper()
		var out [2]uint64
		for k, i := range []int{0, 2} {
			st, err := status(i)
			if err != nil || st.VRRP == nil {
				t.Fatalf("vr%d's status: %v", i+1, err)
			}
			out[k] = st.VRRP.Transitions
		}
		return out
	}

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"SIGHUP", func(t *testing.T) {
			n0, tr0 := neighborLines(), transitions(t)
			var k0 [3][]nstest.KernelRoute
			for i := range ns {
				k0[i] = kernel(t, i)
			}
			nstest.UnchangedReload(t, procs[0])
			time.Sleep(2 * time.Second) // two VRRP adverts: a lapse would show
			if n := neighborLines(); n != n0 {
				t.Errorf("OSPF neighbour state lines went from %v to %v: an adjacency flapped", n0, n)
			}
			if tr := transitions(t); tr != tr0 {
				t.Errorf("the edges' VRRP transitions went from %v to %v", tr0, tr)
			}
			for i := range ns {
				if k := kernel(t, i); fmt.Sprint(k) != fmt.Sprint(k0[i]) {
					t.Errorf("vr%d's kernel went from %v to %v", i+1, k0[i], k)
				}
			}
			if !hasVIP(0) || hasVIP(2) || vrrp(0) != "master" {
				t.Errorf("after SIGHUP the VIP on vr1 %v (%s), on vr3 %v", hasVIP(0), vrrp(0), hasVIP(2))
			}
		}},
		{"SIGKILL-restart", func(t *testing.T) {
			var k0 [3][]nstest.KernelRoute
			for i := range ns {
				k0[i] = kernel(t, i)
			}
			procs[0].Kill()
			if err := nstest.Absent(sock(0), sock(0)+".lock"); err == nil {
				t.Fatalf("SIGKILL left no socket or lock: nothing to test")
			}
			if k := kernel(t, 0); fmt.Sprint(k) != fmt.Sprint(k0[0]) || !hasVIP(0) {
				t.Fatalf("the killed run left routes %v (want %v) and the VIP %v", k, k0[0], hasVIP(0))
			}
			// vr3 takes over (Master_Down_Interval, 3.6 s): the VIP is on
			// both edges until vr1 is back.
			nstest.Eventually(t, 10*time.Second, func() error {
				if s := vrrp(2); s != "master" || !hasVIP(2) {
					return fmt.Errorf("vr3's VRRP %q, VIP %v", s, hasVIP(2))
				}
				return nil
			})
			start(0)
			nstest.AwaitRestart(t, procs[0], "ringd running", 40*time.Second, func() error {
				if err := converged(t)(); err != nil {
					return err
				}
				for i := range ns {
					if k := kernel(t, i); fmt.Sprint(k) != fmt.Sprint(k0[i]) {
						return fmt.Errorf("vr%d's kernel is %v; before the kill %v", i+1, k, k0[i])
					}
				}
				return nil
			})
			out := procs[0].Output()
			if i := strings.Index(out, "vrrp virtual addresses removed"); i < 0 || i > strings.Index(out, "ringd running") {
				t.Errorf("the restart did not remove the stale VIP before it ran")
			}
			st, err := status(0)
			if err != nil {
				t.Fatal(err)
			}
			if want, got := installedRoutes(st), kernelView(kernel(t, 0), "243"); !slices.Equal(want, got) {
				t.Errorf("ringd show installs %v; the kernel has %v", want, got)
			}
		}},
		{"SIGTERM", func(t *testing.T) {
			stopped := time.Now()
			if err := procs[0].Terminate(10 * time.Second); err != nil {
				t.Errorf("exit after SIGTERM: %v", err)
			}
			t.Logf("vr1 exited %v after SIGTERM", time.Since(stopped).Round(time.Millisecond))
			if k := kernel(t, 0); len(k) != 0 {
				t.Errorf("routes left in vr1's kernel: %v", k)
			}
			if hasVIP(0) {
				t.Error("vr1 keeps the VIP")
			}
			if err := nstest.Absent(sock(0), sock(0)+".lock"); err != nil {
				t.Error(err)
			}
			nstest.Eventually(t, 10*time.Second, func() error {
				if s := vrrp(2); s != "master" || !hasVIP(2) {
					return fmt.Errorf("vr3's VRRP %q, VIP %v", s, hasVIP(2))
				}
				for _, i := range []int{1, 2} {
					for _, r := range kernel(t, i) {
						// An edge's unreachable route to every LAN
						// (ring.DiscardMetric) is its own.
						if r.Dst == "10.1.0.0/24" && r.Type == "" {
							return fmt.Errorf("vr%d's kernel still routes vr1's LAN: %v", i+1, r)
						}
					}
					st, err := status(i)
					if err != nil {
						return err
					}
					for _, r := range st.Routes {
						if r.Prefix.String() == "10.1.0.0/24" {
							return fmt.Errorf("vr%d's table still has vr1's LAN: %+v", i+1, r)
						}
					}
				}
				return nil
			})
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			break
		}
	}
}

// installedRoutes is what a node's table puts in the kernel (not
// connected, a next hop) as "PREFIX [GATEWAY@LINUX ...]", sorted, the
// ring's interface names mapped to the Linux ones.
func installedRoutes(st Status) []string {
	linux := map[string]string{}
	for _, ifc := range st.Interfaces {
		linux[ifc.Name] = ifc.Linux
	}
	var out []string
	for _, r := range st.Routes {
		var hops []string
		for _, h := range r.NextHops {
			var gw, ifc string
			if _, err := fmt.Sscanf(h, "via %s %s", &gw, &ifc); err != nil {
				if _, err := fmt.Sscanf(h, "dev %s", &ifc); err != nil {
					continue // connected
				}
			}
			hops = append(hops, gw+"@"+linux[ifc])
		}
		if len(hops) == 0 {
			continue
		}
		slices.Sort(hops)
		out = append(out, fmt.Sprintf("%v %v", r.Prefix, hops))
	}
	slices.Sort(out)
	return out
}

// kernelView is the unicast routes of rs of protocol proto as
// installedRoutes spells them (the edges' unreachable routes, ring.
// DiscardMetric, are no OSPF route).
func kernelView(rs []nstest.KernelRoute, proto string) []string {
	var out []string
	for _, r := range rs {
		if r.Protocol == proto && r.Type == "" {
			out = append(out, fmt.Sprintf("%s %v", r.Dst, r.Hops()))
		}
	}
	slices.Sort(out)
	return out
}

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

// TestExit_Anycastd (issue 14): anycastd on the server S (an SMTP banner
// check every 100 ms, the VIP 198.18.0.25/32 on lo, speaker rip) and
// FRR's ripd as the site router R (`timers basic 5 15 10`, its lan0
// redistributed to S); R routes the VIP through S. Then S's anycastd gets
// one signal after another:
//
//   - SIGHUP, the file unchanged: anycastd keeps running, the service
//     stays up and announced, the VIP stays on lo, R's route to it is not
//     reinstalled (zebra's uptime keeps growing) and S's RIP routes stay.
//   - SIGKILL, then a restart with the same file: the dead run leaves the
//     VIP on lo, its RIP routes (proto 244), its socket and its lock; the
//     restart is not blocked, adopts the VIP (one address on lo, not two),
//     reclaims the routes (the kernel's table is the one before the kill),
//     announces the service again after rise, R keeps routing the VIP
//     through S, and S's kernel is what `show rip -json` installs.
//   - SIGTERM: exit 0 (withdraw, drain, remove); no VIP on lo, no proto 244
//     route, socket or lock left on S; R routes nothing through S, in
//     zebra or in its kernel (the metric-16 update, RFC 2453 §3.10.1).
func TestExit_Anycastd(t *testing.T) {
	nstest.RequireRoot(t)
	anycastd := nstest.GoBuild(t, ".", "anycastd")
	r, s := nstest.New(t, "exar"), nstest.New(t, "exas")
	nstest.Veth(t, r, "eth0", s, "eth0")
	r.Exec(t, "ip", "addr", "add", "10.0.0.1/30", "dev", "eth0")
	s.Exec(t, "ip", "addr", "add", "10.0.0.2/30", "dev", "eth0")
	r.Stub(t, "lan0", "192.168.2.1/24")

	f := nstest.StartFRR(t, r, "ripd")
	f.Start(t, "ripd", "hostname peer\nrouter rip\n timers basic 5 15 10\n network eth0\n redistribute connected\n!\n", "show ip rip status")

	dir := nstest.TempDir(t)
	sock := filepath.Join(dir, "s.sock")
	lock := sock + ".lock"
	conf := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`addresses: {interface: lo}
speaker: rip
rip:
  profile: fast
  timers: {trigger_min: 50ms, trigger_max: 100ms}
  interfaces:
    - name: eth0
services:
  - name: smtp
    prefixes: [198.18.0.25/32]
    interval: 100ms
    timeout: 90ms
    rise: 3
    fall: 3
    metric: 1
    checks: [{type: tcp_banner, address: "127.0.0.1:25", expect: "220"}]
    drain_time: 300ms
status: %s
`, sock)), 0o644); err != nil {
		t.Fatal(err)
	}
	startBanner(t, s)
	var proc *nstest.Proc
	start := func() { proc = s.Start(t, anycastd, "run", "-config", conf) }
	t.Cleanup(func() {
		if t.Failed() && proc != nil {
			t.Logf("anycastd's output:\n%s", proc.Output())
		}
	})
	kernel := func(t *testing.T, ns *nstest.NS, proto string) []nstest.KernelRoute {
		t.Helper()
		rs, err := ns.KernelRoutes(proto)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	// vips is how many times lo carries the VIP.
	vips := func(t *testing.T) int {
		return strings.Count(s.Exec(t, "ip", "-4", "-o", "addr", "show", "dev", "lo"), " 198.18.0.25/32 ")
	}
	// throughS is zebra's routes through S, by prefix.
	throughS := func() (map[string]nstest.FRRRoute, error) {
		zebra, err := f.Routes("")
		if err != nil {
			return nil, err
		}
		out := map[string]nstest.FRRRoute{}
		for p, rs := range zebra {
			for _, rt := range rs {
				for _, h := range rt.NextHops {
					if h.IP == "10.0.0.2" {
						out[p] = rt
					}
				}
			}
		}
		return out, nil
	}
	announced := func() error {
		out, err := s.Try(anycastd, "show", "-json", "-socket", sock)
		var st StatusView
		if err != nil || json.Unmarshal([]byte(out), &st) != nil {
			return fmt.Errorf("anycastd show -json: %v: %s", err, out)
		}
		if len(st.Services) != 1 || st.Services[0].State != "up" || len(st.Services[0].Prefixes) != 1 ||
			!st.Services[0].Prefixes[0].Announced || !st.Services[0].Prefixes[0].Aliased {
			return fmt.Errorf("the service is not up, aliased and announced: %s", out)
		}
		return nil
	}
	converged := func(t *testing.T) func() error {
		return func() error {
			if err := announced(); err != nil {
				return err
			}
			if n := vips(t); n != 1 {
				return fmt.Errorf("lo carries the VIP %d times", n)
			}
			k := kernel(t, s, "244")
			if len(k) != 1 || k[0].Dst != "192.168.2.0/24" || !slices.Equal(k[0].Hops(), []string{"10.0.0.1@eth0"}) {
				return fmt.Errorf("S's proto 244 routes: %v, want R's LAN via 10.0.0.1", k)
			}
			rs, err := throughS()
			if err != nil {
				return err
			}
			if rt, ok := rs["198.18.0.25/32"]; !ok || len(rs) != 1 || rt.Protocol != "rip" || !rt.Installed {
				return fmt.Errorf("R's routes through S: %+v", rs)
			}
			for _, rt := range kernel(t, r, "rip") {
				if rt.Dst == "198.18.0.25" || rt.Dst == "198.18.0.25/32" {
					return nil
				}
			}
			return fmt.Errorf("R's kernel has no route to the VIP: %v", kernel(t, r, "rip"))
		}
	}

	start()
	nstest.Eventually(t, 20*time.Second, converged(t))

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"SIGHUP", func(t *testing.T) {
			ours0, theirs0 := kernel(t, s, "244"), kernel(t, r, "rip")
			zebra0, err := throughS()
			if err != nil {
				t.Fatal(err)
			}
			nstest.UnchangedReload(t, proc)
			time.Sleep(3 * time.Second)
			if done, err := proc.Exited(); done {
				t.Fatalf("anycastd exited on SIGHUP: %v", err)
			}
			if err := announced(); err != nil {
				t.Error(err)
			}
			if n := vips(t); n != 1 {
				t.Errorf("lo carries the VIP %d times", n)
			}
			if k := kernel(t, s, "244"); fmt.Sprint(k) != fmt.Sprint(ours0) {
				t.Errorf("S's kernel went from %v to %v", ours0, k)
			}
			if k := kernel(t, r, "rip"); fmt.Sprint(k) != fmt.Sprint(theirs0) {
				t.Errorf("R's kernel went from %v to %v", theirs0, k)
			}
			zebra, err := throughS()
			if err != nil {
				t.Fatal(err)
			}
			const vip = "198.18.0.25/32"
			if zebra[vip].Age() < zebra0[vip].Age()+3*time.Second {
				t.Errorf("R's route to the VIP was reinstalled: uptime %q before, %q 3 s later", zebra0[vip].Uptime, zebra[vip].Uptime)
			}
			if strings.Contains(proc.Output(), "anycast: withdraw") {
				t.Errorf("the SIGHUP withdrew a prefix")
			}
		}},
		{"SIGKILL-restart", func(t *testing.T) {
			ours0 := kernel(t, s, "244")
			proc.Kill()
			if err := nstest.Absent(sock, lock); err == nil {
				t.Fatalf("SIGKILL left no socket or lock: nothing to test")
			}
			if k := kernel(t, s, "244"); fmt.Sprint(k) != fmt.Sprint(ours0) || vips(t) != 1 {
				t.Fatalf("the killed run left routes %v (want %v) and %d VIPs", k, ours0, vips(t))
			}
			start()
			nstest.AwaitRestart(t, proc, "anycastd running", 20*time.Second, converged(t))
			if k := kernel(t, s, "244"); fmt.Sprint(k) != fmt.Sprint(ours0) {
				t.Errorf("S's kernel after the restart: %v, before the kill: %v", k, ours0)
			}
			out, err := s.Try(anycastd, "show", "rip", "-json", "-socket", sock)
			var rs []RIPRouteView
			if err != nil || json.Unmarshal([]byte(out), &rs) != nil {
				t.Fatalf("show rip -json: %v\n%s", err, out)
			}
			var want, got []string
			for _, rt := range rs {
				if rt.Source != "rip" || rt.Metric >= 16 {
					continue
				}
				var hops []string
				for _, h := range rt.NextHops {
					gw, ifc, _ := strings.Cut(h, " ")
					hops = append(hops, gw+"@"+ifc)
				}
				slices.Sort(hops)
				want = append(want, fmt.Sprintf("%v %v metric %d", rt.Prefix, hops, rt.Metric))
			}
			for _, k := range kernel(t, s, "244") {
				got = append(got, fmt.Sprintf("%s %v metric %d", k.Dst, k.Hops(), k.Metric))
			}
			slices.Sort(want)
			if !slices.Equal(want, got) {
				t.Errorf("show rip installs %v; the kernel has %v", want, got)
			}
		}},
		{"SIGTERM", func(t *testing.T) {
			nstest.TerminatedClean(t, proc, 10*time.Second, s, "244", sock, lock)
			if n := vips(t); n != 0 {
				t.Errorf("lo keeps the VIP")
			}
			nstest.Eventually(t, 5*time.Second, func() error {
				rs, err := throughS()
				if err != nil {
					return err
				}
				if len(rs) != 0 {
					return fmt.Errorf("R still routes through S: %v", rs)
				}
				if via, err := r.RoutesVia("rip", "10.0.0.2"); err != nil || len(via) != 0 {
					return fmt.Errorf("R's kernel still routes through S: %v %v", via, err)
				}
				return nil
			})
		}},
	}
	for _, st := range steps {
		if !t.Run(st.name, st.run) {
			break
		}
	}
}

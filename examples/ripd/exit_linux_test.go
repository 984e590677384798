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

// TestExit_Ripd (issue 14): ripd (fast profile, eth0 to FRR's ripd with
// `timers basic 5 15 10`, lan0 redistributed, a static route) and FRR
// exchange routes, then one signal after another:
//
//   - SIGHUP, the file unchanged: ripd keeps running, its kernel routes
//     stay, and FRR's routes through us are not reinstalled (zebra's
//     uptime keeps growing: no metric-16 update, RFC 2453 §3.10.1, went
//     out).
//   - SIGKILL, then a restart with the same file: the dead run's socket,
//     lock and proto 244 routes do not block it; the routes are reclaimed
//     and relearnt (the kernel's table is the one before the kill, no
//     duplicate), FRR keeps routing through us, and the kernel is what
//     `show routes -json` installs.
//   - SIGTERM: exit 0, no proto 244 route, socket or lock left; FRR
//     routes nothing through us, in zebra or in its kernel, at once (the
//     metric-16 update), not after its 15 s timeout.
func TestExit_Ripd(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "ripd")
	a, b := nstest.New(t, "exra"), nstest.New(t, "exrb")
	nstest.Veth(t, a, "eth0", b, "eth0")
	a.Exec(t, "ip", "addr", "add", "10.0.0.1/30", "dev", "eth0")
	b.Exec(t, "ip", "addr", "add", "10.0.0.2/30", "dev", "eth0")
	a.Stub(t, "lan0", "192.168.1.1/24")
	b.Stub(t, "lan0", "192.168.2.1/24")

	f := nstest.StartFRR(t, b, "ripd")
	f.Start(t, "ripd", "hostname peer\nrouter rip\n timers basic 5 15 10\n network eth0\n redistribute connected\n!\n", "show ip rip status")

	dir := nstest.TempDir(t)
	sock := filepath.Join(dir, "ripd.sock")
	lock := sock + ".lock"
	conf := filepath.Join(dir, "ripd.yaml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`socket: %s
profile: fast
interfaces:
  - name: eth0
redistribute:
  connected: {metric: 2}
static:
  - {prefix: 198.51.100.0/24, metric: 3}
`, sock)), 0o644); err != nil {
		t.Fatal(err)
	}
	var proc *nstest.Proc
	start := func() { proc = a.Start(t, bin, "run", "-config", conf) }
	t.Cleanup(func() {
		if t.Failed() && proc != nil {
			t.Logf("ripd's output:\n%s", proc.Output())
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
	ours := []string{"192.168.1.0/24", "198.51.100.0/24"} // what FRR learns from us
	// throughUs is FRR's zebra routes through us, by prefix.
	throughUs := func() (map[string]nstest.FRRRoute, error) {
		zebra, err := f.Routes("")
		if err != nil {
			return nil, err
		}
		out := map[string]nstest.FRRRoute{}
		for p, rs := range zebra {
			for _, r := range rs {
				for _, h := range r.NextHops {
					if h.IP == "10.0.0.1" {
						out[p] = r
					}
				}
			}
		}
		return out, nil
	}
	converged := func(t *testing.T) func() error {
		return func() error {
			k := kernel(t, a, "244")
			if len(k) != 1 || k[0].Dst != "192.168.2.0/24" || !slices.Equal(k[0].Hops(), []string{"10.0.0.2@eth0"}) || k[0].Metric != 2 {
				return fmt.Errorf("our kernel's proto 244 routes: %v, want 192.168.2.0/24 via 10.0.0.2 metric 2", k)
			}
			rs, err := throughUs()
			if err != nil {
				return err
			}
			for _, p := range ours {
				if r, ok := rs[p]; !ok || r.Protocol != "rip" || !r.Installed {
					return fmt.Errorf("FRR's route to %s through us: %+v", p, rs[p])
				}
			}
			var inKernel []string
			for _, r := range kernel(t, b, "rip") {
				if slices.Equal(r.Hops(), []string{"10.0.0.1@eth0"}) {
					inKernel = append(inKernel, r.Dst)
				}
			}
			if slices.Sort(inKernel); !slices.Equal(inKernel, ours) {
				return fmt.Errorf("FRR's kernel routes through us: %v, want %v", inKernel, ours)
			}
			return nil
		}
	}

	start()
	nstest.Eventually(t, 30*time.Second, converged(t))

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"SIGHUP", func(t *testing.T) {
			ours0, theirs0 := kernel(t, a, "244"), kernel(t, b, "rip")
			zebra0, err := throughUs()
			if err != nil {
				t.Fatal(err)
			}
			nstest.UnchangedReload(t, proc)
			time.Sleep(3 * time.Second)
			if done, err := proc.Exited(); done {
				t.Fatalf("ripd exited on SIGHUP: %v", err)
			}
			if k := kernel(t, a, "244"); fmt.Sprint(k) != fmt.Sprint(ours0) {
				t.Errorf("our kernel went from %v to %v", ours0, k)
			}
			if k := kernel(t, b, "rip"); fmt.Sprint(k) != fmt.Sprint(theirs0) {
				t.Errorf("FRR's kernel went from %v to %v", theirs0, k)
			}
			zebra, err := throughUs()
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ours {
				if zebra[p].Age() < zebra0[p].Age()+3*time.Second {
					t.Errorf("FRR's route to %s was reinstalled: uptime %q before, %q 3 s later", p, zebra0[p].Uptime, zebra[p].Uptime)
				}
			}
			if n := strings.Count(proc.Output(), "instance started"); n != 1 {
				t.Errorf("the instance started %d times", n)
			}
		}},
		{"SIGKILL-restart", func(t *testing.T) {
			ours0 := kernel(t, a, "244")
			proc.Kill()
			if err := nstest.Absent(sock, lock); err == nil {
				t.Fatalf("SIGKILL left no socket or lock: nothing to test")
			}
			if k := kernel(t, a, "244"); fmt.Sprint(k) != fmt.Sprint(ours0) {
				t.Fatalf("the killed run's routes are %v, want %v left behind", k, ours0)
			}
			start()
			nstest.AwaitRestart(t, proc, "ripd running", 20*time.Second, converged(t))
			if k := kernel(t, a, "244"); fmt.Sprint(k) != fmt.Sprint(ours0) {
				t.Errorf("our kernel after the restart: %v, before the kill: %v", k, ours0)
			}
			out, err := a.Try(bin, "show", "routes", "-json", "-socket", sock)
			var rs []RouteView
			if err != nil || json.Unmarshal([]byte(out), &rs) != nil {
				t.Fatalf("show routes -json: %v\n%s", err, out)
			}
			var want []string
			for _, r := range rs {
				if r.Source != "rip" || r.Metric >= 16 {
					continue
				}
				var hops []string
				for _, h := range r.NextHops {
					hops = append(hops, h.Gateway.String()+"@"+h.Interface)
				}
				slices.Sort(hops)
				want = append(want, fmt.Sprintf("%v %v metric %d", r.Prefix, hops, r.Metric))
			}
			var got []string
			for _, r := range kernel(t, a, "244") {
				got = append(got, fmt.Sprintf("%s %v metric %d", r.Dst, r.Hops(), r.Metric))
			}
			slices.Sort(want)
			if !slices.Equal(want, got) {
				t.Errorf("show routes installs %v; the kernel has %v", want, got)
			}
		}},
		{"SIGTERM", func(t *testing.T) {
			stopped := time.Now()
			nstest.TerminatedClean(t, proc, 10*time.Second, a, "244", sock, lock)
			nstest.Eventually(t, 10*time.Second, func() error {
				rs, err := throughUs()
				if err != nil {
					return err
				}
				if len(rs) != 0 {
					return fmt.Errorf("FRR still routes through us: %v", rs)
				}
				if via, err := b.RoutesVia("rip", "10.0.0.1"); err != nil || len(via) != 0 {
					return fmt.Errorf("FRR's kernel still routes through us: %v %v", via, err)
				}
				return nil
			})
			if took := time.Since(stopped); took > 5*time.Second {
				t.Errorf("FRR dropped our routes %v after SIGTERM: not the metric-16 update (its timeout is 15 s)", took)
			}
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			break
		}
	}
}

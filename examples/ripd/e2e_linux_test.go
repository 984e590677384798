//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// kernelRoute is one route of `ip -j route show`.
type kernelRoute struct {
	Dst      string `json:"dst"`
	Gateway  string `json:"gateway"`
	Dev      string `json:"dev"`
	Protocol string `json:"protocol"`
	Metric   int    `json:"metric"`
}

// TestDaemon_TwoRipd builds ripd once and runs it in two namespaces on a
// veth pair with the fast timers: each learns the other's redistributed
// connected network (and a's static route) with the right metric and next
// hop, installs it in its kernel with rtm_protocol 244 (fib.RTProtoRIP)
// and reports it in `ripd show routes -json`; a network leaving a's
// kernel is withdrawn and comes back with its address; carrier loss drops
// the routes learnt over the link at once; SIGTERM of a withdraws its
// routes from b's kernel at once (metric 16), well before the 15 s
// timeout of the fast profile, and leaves nothing in a's kernel.
func TestDaemon_TwoRipd(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "ripd")
	a, b := nstest.New(t, "r11a"), nstest.New(t, "r11b")
	nstest.Veth(t, a, "eth0", b, "eth0")
	a.Exec(t, "ip", "addr", "add", "10.0.0.1/30", "dev", "eth0")
	b.Exec(t, "ip", "addr", "add", "10.0.0.2/30", "dev", "eth0")
	// A non-RIP network on each side, for redistribute connected.
	for i, ns := range []*nstest.NS{a, b} {
		ns.Stub(t, "lan0", fmt.Sprintf("192.168.%d.1/24", i+1))
	}

	dir := nstest.TempDir(t)
	start := func(ns *nstest.NS, name, extra string) (*nstest.Proc, string) {
		sock := filepath.Join(dir, name+".sock")
		conf := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(conf, []byte(fmt.Sprintf(`socket: %s
log_level: debug
profile: fast
metrics_listen: `+metricsAddr+`
interfaces:
  - name: eth0
redistribute:
  connected: {metric: 2}
%s`, sock, extra)), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bin, "check", "-config", conf).CombinedOutput(); err != nil {
			t.Fatalf("ripd check: %v\n%s", err, out)
		}
		return ns.Start(t, bin, "run", "-config", conf), sock
	}
	procA, _ := start(a, "a", "static:\n  - {prefix: 198.51.100.0/24, metric: 3}\n")
	procB, sockB := start(b, "b", "")
	kernel := func(ns *nstest.NS) map[string]kernelRoute {
		out, err := ns.Try("ip", "-j", "route", "show", "proto", "244")
		rs := map[string]kernelRoute{}
		var list []kernelRoute
		if err == nil && json.Unmarshal([]byte(out), &list) == nil {
			for _, r := range list {
				rs[r.Dst] = r
			}
		}
		return rs
	}
	logs := func() string { return "a:\n" + procA.Output() + "\nb:\n" + procB.Output() }

	// Learnt and installed on both sides, metric = sent metric + 1.
	nstest.Eventually(t, 20*time.Second, func() error {
		kb, ka := kernel(b), kernel(a)
		for dst, metric := range map[string]int{"192.168.1.0/24": 3, "198.51.100.0/24": 4} {
			if r := kb[dst]; r.Gateway != "10.0.0.1" || r.Dev != "eth0" || r.Metric != metric {
				return fmt.Errorf("b's kernel: %s is %+v, want via 10.0.0.1 dev eth0 metric %d\n%s", dst, r, metric, logs())
			}
		}
		if r := ka["192.168.2.0/24"]; r.Gateway != "10.0.0.2" || r.Metric != 3 {
			return fmt.Errorf("a's kernel: 192.168.2.0/24 is %+v\n%s", r, logs())
		}
		if len(kb) != 2 || len(ka) != 1 {
			return fmt.Errorf("extra routes: a %v, b %v", ka, kb)
		}
		return nil
	})

	out, err := b.Try(bin, "show", "routes", "-json", "-socket", sockB)
	var rs []RouteView
	if err != nil || json.Unmarshal([]byte(out), &rs) != nil {
		t.Fatalf("ripd show routes -json: %v\n%s", err, out)
	}
	found := false
	for _, r := range rs {
		if r.Prefix.String() == "192.168.1.0/24" {
			found = r.Source == "rip" && r.Metric == 3 && len(r.NextHops) == 1 &&
				r.NextHops[0].Gateway.String() == "10.0.0.1" && r.NextHops[0].Interface == "eth0"
		}
	}
	if !found {
		t.Errorf("b's ripd show routes -json lacks 192.168.1.0/24 metric 3 via 10.0.0.1 eth0:\n%s", out)
	}
	if out, err := b.Try(bin, "show", "neighbors", "-socket", sockB); err != nil || !strings.Contains(out, "10.0.0.1") {
		t.Errorf("ripd show neighbors: %v\n%s", err, out)
	}
	checkMetrics(t, b)

	// A redistributed network going away is withdrawn (a triggered
	// update, damped 1–5 s), and comes back with its address.
	a.Exec(t, "ip", "addr", "del", "192.168.1.1/24", "dev", "lan0")
	nstest.Eventually(t, 10*time.Second, func() error {
		if r, ok := kernel(b)["192.168.1.0/24"]; ok {
			return fmt.Errorf("b's kernel still has %+v", r)
		}
		return nil
	})
	a.Exec(t, "ip", "addr", "add", "192.168.1.1/24", "dev", "lan0")
	nstest.Eventually(t, 10*time.Second, func() error {
		if r := kernel(b)["192.168.1.0/24"]; r.Gateway != "10.0.0.1" || r.Metric != 3 {
			return fmt.Errorf("b's kernel: 192.168.1.0/24 is %+v", r)
		}
		return nil
	})

	// Carrier loss: ripd tells a's instance (rip.Instance.InterfaceDown);
	// what a learnt there leaves its kernel at once, not after the
	// timeout. Carrier back (InterfaceUp), it is relearnt.
	b.Exec(t, "ip", "link", "set", "eth0", "down")
	down := time.Now()
	nstest.Eventually(t, 5*time.Second, func() error {
		if r, ok := kernel(a)["192.168.2.0/24"]; ok {
			return fmt.Errorf("a's kernel still has %+v", r)
		}
		return nil
	})
	t.Logf("a dropped the route learnt on eth0 %v after carrier loss", time.Since(down).Round(time.Millisecond))
	b.Exec(t, "ip", "link", "set", "eth0", "up")
	nstest.Eventually(t, 15*time.Second, func() error {
		if r := kernel(a)["192.168.2.0/24"]; r.Gateway != "10.0.0.2" || r.Metric != 3 {
			return fmt.Errorf("a's kernel: 192.168.2.0/24 is %+v\n%s", r, logs())
		}
		if r := kernel(b)["192.168.1.0/24"]; r.Gateway != "10.0.0.1" || r.Metric != 3 {
			return fmt.Errorf("b's kernel: 192.168.1.0/24 is %+v\n%s", r, logs())
		}
		return nil
	})

	// One instance per socket: a second run for a's socket fails at once
	// and leaves the first one's socket serving.
	confA, sockA := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "a.sock")
	if out, err := a.Try(bin, "run", "-config", confA); err == nil || !strings.Contains(out, fmt.Sprintf("ripd: another instance is running (pid %d, lock %s.lock)", procA.Pid(), sockA)) {
		t.Errorf("second ripd run: %v\n%s", err, out)
	}
	if out, err := a.Try(bin, "show", "routes", "-socket", sockA); err != nil || !strings.Contains(out, "192.168.2.0/24") {
		t.Errorf("a's socket after the second run: %v\n%s", err, out)
	}

	// SIGHUP reloads and never stops ripd: an unchanged file, an invalid
	// one (its file:line error logged) and a changed one (applied in
	// place, TestDaemon_ReloadRipd) all leave it running with its routes.
	good, err := os.ReadFile(confA)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file, log string
		metric    int // b's metric of a's static route after it
	}{
		{"# reloaded\n" + string(good), "reload: configuration unchanged", 4},
		{strings.Replace(string(good), "profile: fast", "profile: turbo", 1), confA + `:3: profile: \"turbo\" is not rfc or fast`, 4},
		{strings.Replace(string(good), "metric: 3", "metric: 5", 1), "reload: configuration applied", 6},
	} {
		if err := os.WriteFile(confA, []byte(tc.file), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Kill(procA.Pid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		nstest.Eventually(t, 10*time.Second, func() error {
			if !strings.Contains(procA.Output(), tc.log) {
				return fmt.Errorf("a's log lacks %q:\n%s", tc.log, procA.Output())
			}
			return nil
		})
		if exited, err := procA.Exited(); exited {
			t.Fatalf("SIGHUP stopped ripd: %v\n%s", err, procA.Output())
		}
		nstest.Eventually(t, 10*time.Second, func() error {
			if r := kernel(b)["198.51.100.0/24"]; r.Gateway != "10.0.0.1" || r.Metric != tc.metric {
				return fmt.Errorf("after SIGHUP b's kernel: 198.51.100.0/24 is %+v, want metric %d (the running configuration's + 1)", r, tc.metric)
			}
			return nil
		})
		if r := kernel(a)["192.168.2.0/24"]; r.Gateway != "10.0.0.2" {
			t.Errorf("after SIGHUP a's kernel: 192.168.2.0/24 is %+v", r)
		}
	}

	// SIGTERM of a: its routes leave b's kernel at once.
	stopped := time.Now()
	procA.Stop()
	nstest.Eventually(t, 10*time.Second, func() error {
		if kb := kernel(b); len(kb) != 0 {
			return fmt.Errorf("b's kernel still has %v", kb)
		}
		return nil
	})
	took := time.Since(stopped)
	t.Logf("a's routes left b's kernel %v after SIGTERM", took.Round(time.Millisecond))
	if took > 5*time.Second {
		t.Errorf("withdrawal took %v: not the metric-16 update (the fast timeout is 15 s)", took)
	}
	if ka := kernel(a); len(ka) != 0 {
		t.Errorf("routes left in a's kernel after SIGTERM: %v", ka)
	}
	if out := procB.Output(); !strings.Contains(out, "route-removed 192.168.1.0/24 metric 16") {
		t.Errorf("b did not log the withdrawal at metric 16:\n%s", out)
	}
	if !strings.Contains(procA.Output(), "ripd stopping") {
		t.Errorf("no shutdown message in a's output:\n%s", procA.Output())
	}
}

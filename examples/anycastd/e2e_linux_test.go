//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// bannerEnv makes the test binary a tiny SMTP greeter on the address it
// names instead of running the tests: the e2e test's service, run as a
// process of its own inside the server's namespace so that stopping it is
// the service failing.
const bannerEnv = "ANYCASTD_TEST_BANNER"

func TestMain(m *testing.M) {
	if addr := os.Getenv(bannerEnv); addr != "" {
		os.Exit(serveBanner(addr))
	}
	os.Exit(m.Run())
}

// serveBanner answers every connection with an SMTP greeting and closes it.
func serveBanner(addr string) int {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return 1
		}
		_, _ = c.Write([]byte("220 S ESMTP\r\n"))
		_ = c.Close()
	}
}

// startBanner starts the SMTP greeter on 127.0.0.1:25 in ns and waits
// until it answers.
func startBanner(t *testing.T, ns *nstest.NS) *nstest.Proc {
	t.Helper()
	os.Setenv(bannerEnv, "127.0.0.1:25")
	defer os.Unsetenv(bannerEnv)
	p := ns.Start(t, os.Args[0])
	nstest.Eventually(t, 5*time.Second, func() error {
		_, err := ns.Try("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/25")
		return err
	})
	return p
}

// kernelRoute is one route of `ip -j route show`.
type kernelRoute struct {
	Dst     string `json:"dst"`
	Gateway string `json:"gateway"`
	Dev     string `json:"dev"`
	Metric  int    `json:"metric"`
}

// TestDaemon_RIPFailover runs our ripd as the site router R and anycastd
// on the server S (VIP 198.18.0.25/32 on lo, SMTP banner check every
// 100 ms, rise and fall 3), on a veth pair: R learns the VIP at metric 2
// (S announces 1) and `anycastd show -json` has the service up and
// announced at metric 1; the SMTP service stopping takes R's route away
// (S's withdrawal, metric 16) within a few seconds, measured; its return
// brings the route back; SIGTERM takes the route out of R's kernel and the
// VIP off S's lo, and anycastd exits 0.
func TestDaemon_RIPFailover(t *testing.T) {
	nstest.RequireRoot(t)
	anycastd := nstest.GoBuild(t, ".", "anycastd")
	ripd := nstest.GoBuild(t, "../ripd", "ripd")
	r, s := nstest.New(t, "acr"), nstest.New(t, "acs")
	nstest.Veth(t, r, "eth0", s, "eth0")
	r.Exec(t, "ip", "addr", "add", "10.0.0.1/30", "dev", "eth0")
	s.Exec(t, "ip", "addr", "add", "10.0.0.2/30", "dev", "eth0")

	dir := nstest.TempDir(t)
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rconf := write("r.yaml", fmt.Sprintf("socket: %s\nprofile: fast\ninterfaces:\n  - name: eth0\n", filepath.Join(dir, "r.sock")))
	sock := filepath.Join(dir, "s.sock")
	sconf := write("s.yaml", fmt.Sprintf(`addresses: {interface: lo}
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
    policy: self
    checks: [{type: tcp_banner, address: "127.0.0.1:25", expect: "220"}]
    drain_time: 500ms
    maintenance_file: %s
status: %s
`, filepath.Join(dir, "smtp.disabled"), sock))
	if out, err := exec.Command(anycastd, "check", "-config", sconf).CombinedOutput(); err != nil {
		t.Fatalf("anycastd check: %v\n%s", err, out)
	}

	startBanner := func() *nstest.Proc { return startBanner(t, s) }
	banner := startBanner()
	procR := r.Start(t, ripd, "run", "-config", rconf)
	procS := s.Start(t, anycastd, "run", "-config", sconf)
	logs := func() string { return "R:\n" + procR.Output() + "\nS:\n" + procS.Output() }

	vipRoute := func() (kernelRoute, bool) {
		out, err := r.Try("ip", "-j", "route", "show", "198.18.0.25/32", "proto", "244")
		var rs []kernelRoute
		if err != nil || json.Unmarshal([]byte(out), &rs) != nil || len(rs) == 0 {
			return kernelRoute{}, false
		}
		return rs[0], true
	}
	learnt := func() error {
		if rt, ok := vipRoute(); !ok || rt.Gateway != "10.0.0.2" || rt.Metric != 2 {
			return fmt.Errorf("R's route to the VIP: %+v (present %v), want via 10.0.0.2 metric 2\n%s", rt, ok, logs())
		}
		return nil
	}
	gone := func() error {
		if rt, ok := vipRoute(); ok {
			return fmt.Errorf("R still routes the VIP: %+v\n%s", rt, logs())
		}
		return nil
	}
	nstest.Eventually(t, 10*time.Second, learnt)

	out, err := s.Try(anycastd, "show", "-json", "-status", sock)
	var st StatusView
	if err != nil || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("anycastd show -json: %v\n%s", err, out)
	}
	if sv := st.Services; st.Speaker != "rip" || len(sv) != 1 || sv[0].State != "up" || len(sv[0].Prefixes) != 1 ||
		!sv[0].Prefixes[0].Announced || !sv[0].Prefixes[0].Aliased || sv[0].Prefixes[0].Metric != 1 ||
		len(sv[0].Checks) != 1 || !sv[0].Checks[0].OK || sv[0].Checks[0].Duration <= 0 {
		t.Errorf("anycastd show -json: want smtp up, 198.18.0.25/32 aliased and announced at metric 1, a passing check with its duration:\n%s", out)
	}
	if out, err := s.Try(anycastd, "show", "-status", sock); err != nil || !strings.Contains(out, "198.18.0.25/32 (metric 1)") {
		t.Errorf("anycastd show: %v\n%s", err, out)
	}
	if out, err := s.Try(anycastd, "show", "rip", "-status", sock); err != nil || !strings.Contains(out, "198.18.0.25/32") {
		t.Errorf("anycastd show rip: %v\n%s", err, out)
	}

	// The service fails: fall 3 rounds of 100 ms, then a triggered update
	// at metric 16.
	banner.Stop()
	t0 := time.Now()
	nstest.Eventually(t, 5*time.Second, gone)
	failover := time.Since(t0)
	t.Logf("service stopped -> R's route to the VIP gone in %v", failover.Round(time.Millisecond))
	if failover > 3*time.Second {
		t.Errorf("failover took %v, want well under 3 s (fall 3 x 100 ms + a triggered update)", failover)
	}
	out, _ = s.Try(anycastd, "show", "-json", "-status", sock)
	if !strings.Contains(out, `"state": "down"`) || !strings.Contains(out, `"error": "`) {
		t.Errorf("anycastd show -json after the failure: want the service down with the check's error:\n%s", out)
	}

	// It returns: rise 3 rounds, then announced again.
	startBanner()
	t0 = time.Now()
	nstest.Eventually(t, 5*time.Second, learnt)
	t.Logf("service back -> R's route to the VIP back in %v", time.Since(t0).Round(time.Millisecond))

	// SIGTERM: withdraw, drain 500 ms, remove the alias, stop RIP.
	procS.Stop()
	if _, err := procS.Exited(); err != nil {
		t.Errorf("anycastd exit: %v\n%s", err, logs())
	}
	nstest.Eventually(t, 2*time.Second, gone)
	if out := s.Exec(t, "ip", "-4", "addr", "show", "dev", "lo"); strings.Contains(out, "198.18.0.25") {
		t.Errorf("S's lo keeps the VIP after SIGTERM:\n%s", out)
	}
	if out := s.Exec(t, "ip", "route", "show", "table", "all", "proto", "244"); strings.TrimSpace(out) != "" {
		t.Errorf("S keeps RIP routes after SIGTERM:\n%s", out)
	}

	// A speaker that cannot start (its interface is missing) is an exit
	// with code 1 before any address went on the host.
	bad := write("bad.yaml", strings.Replace(string(must(os.ReadFile(sconf))), "- name: eth0", "- name: eth9", 1))
	if out, err := s.Try(anycastd, "run", "-config", bad); err == nil || !strings.Contains(out, "rip.interfaces[0] eth9") {
		t.Errorf("anycastd with a missing RIP interface: %v\n%s", err, out)
	}
	if out := s.Exec(t, "ip", "-4", "addr", "show", "dev", "lo"); strings.Contains(out, "198.18.0.25") {
		t.Errorf("S's lo has the VIP after a failed start:\n%s", out)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestDaemon_KernelSpeaker runs anycastd with speaker kernel (the VIP on
// lo; this machine's kernel has no dummy driver to test dummy: true with):
// the healthy service is a route to the VIP out of lo at the service's
// metric in the main table; the service failing removes the route, its
// return brings it back; SIGTERM removes the route and the VIP. It is
// started from the test's namespace with -netns.
func TestDaemon_KernelSpeaker(t *testing.T) {
	nstest.RequireRoot(t)
	anycastd := nstest.GoBuild(t, ".", "anycastd")
	s := nstest.New(t, "ack")
	dir := nstest.TempDir(t)
	conf := filepath.Join(dir, "s.yaml")
	sock := filepath.Join(dir, "s.sock")
	maint := filepath.Join(dir, "smtp.disabled")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`addresses: {interface: lo}
speaker: kernel
services:
  - name: smtp
    prefixes: [198.18.0.26/32]
    interval: 100ms
    rise: 2
    fall: 2
    metric: 7
    checks: [{type: tcp_banner, address: "127.0.0.1:25"}]
    drain_time: 200ms
    maintenance_file: %s
status: %s
`, maint, sock)), 0o644); err != nil {
		t.Fatal(err)
	}
	banner := startBanner(t, s)
	proc := startNetns(t, anycastd, "run", "-netns", s.Name(), "-config", conf)
	route := func() (kernelRoute, bool) {
		out, err := s.Try("ip", "-j", "route", "show", "198.18.0.26/32")
		var rs []kernelRoute
		if err != nil || json.Unmarshal([]byte(out), &rs) != nil || len(rs) == 0 {
			return kernelRoute{}, false
		}
		return rs[0], true
	}
	nstest.Eventually(t, 5*time.Second, func() error {
		if rt, ok := route(); !ok || rt.Dev != "lo" || rt.Metric != 7 {
			return fmt.Errorf("route to the VIP %+v (present %v), want dev lo metric 7\n%s", rt, ok, proc.Output())
		}
		return nil
	})
	if out := s.Exec(t, "ip", "-4", "addr", "show", "dev", "lo"); !strings.Contains(out, "198.18.0.26/32") || !strings.Contains(out, "lo:anycast") {
		t.Errorf("lo lacks the VIP with its label:\n%s", out)
	}
	gone := func() error {
		if rt, ok := route(); ok {
			return fmt.Errorf("route to the VIP still there: %+v\n%s", rt, proc.Output())
		}
		return nil
	}
	back := func() error {
		if _, ok := route(); !ok {
			return fmt.Errorf("route not back\n%s", proc.Output())
		}
		return nil
	}
	banner.Stop()
	nstest.Eventually(t, 5*time.Second, gone)
	startBanner(t, s)
	nstest.Eventually(t, 5*time.Second, back)

	// The maintenance file drains the service: the route goes, then,
	// after drain_time, the VIP; without it the service comes back.
	if err := os.WriteFile(maint, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	nstest.Eventually(t, 5*time.Second, gone)
	nstest.Eventually(t, 5*time.Second, func() error {
		out, _ := s.Try(anycastd, "show", "-json", "-status", sock)
		if !strings.Contains(out, `"state": "maintenance"`) || !strings.Contains(out, `"maintenance": true`) {
			return fmt.Errorf("show -json in maintenance:\n%s", out)
		}
		if out := s.Exec(t, "ip", "-4", "addr", "show", "dev", "lo"); strings.Contains(out, "198.18.0.26") {
			return fmt.Errorf("drained VIP still on lo:\n%s", out)
		}
		return nil
	})
	if err := os.Remove(maint); err != nil {
		t.Fatal(err)
	}
	nstest.Eventually(t, 5*time.Second, back)
	if err := proc.stop(); err != nil {
		t.Errorf("anycastd exit: %v\n%s", err, proc.Output())
	}
	if err := gone(); err != nil {
		t.Error(err)
	}
	if out := s.Exec(t, "ip", "-4", "addr", "show", "dev", "lo"); strings.Contains(out, "198.18.0.26") {
		t.Errorf("lo keeps the VIP after SIGTERM:\n%s", out)
	}
}

// netnsProc is a daemon started in the test's own namespace, its output in
// a file.
type netnsProc struct {
	cmd  *exec.Cmd
	out  string
	done chan error
}

// startNetns starts bin with args, stopped (SIGTERM, then SIGKILL after
// 5 s) when the test ends.
func startNetns(t *testing.T, bin string, args ...string) *netnsProc {
	t.Helper()
	p := &netnsProc{cmd: exec.Command(bin, args...), out: filepath.Join(t.TempDir(), "out"), done: make(chan error, 1)}
	f, err := os.Create(p.out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { _ = p.stop() })
	return p
}

// Output is what the process printed so far.
func (p *netnsProc) Output() string { return string(must(os.ReadFile(p.out))) }

// stop sends SIGTERM and returns the exit error; idempotent.
func (p *netnsProc) stop() error {
	if p.cmd.ProcessState != nil {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		return err
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		return fmt.Errorf("no exit 5 s after SIGTERM: %v", <-p.done)
	}
}

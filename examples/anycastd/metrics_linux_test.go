//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/internal/promx/promxtest"
)

// TestDaemon_Metrics runs anycastd with speaker kernel and metrics_listen
// in a namespace and scrapes it: the healthy service up, its prefix
// announced at metric 7 and in the kernel sink, passing check results
// growing between two scrapes; the service failing fall 2 rounds makes
// it down, withdrawn, with its failures counted.
func TestDaemon_Metrics(t *testing.T) {
	nstest.RequireRoot(t)
	anycastd := nstest.GoBuild(t, ".", "anycastd")
	s := nstest.New(t, "acm")
	dir := nstest.TempDir(t)
	conf := filepath.Join(dir, "s.yaml")
	const addr = "127.0.0.1:9485"
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`addresses: {interface: lo}
speaker: kernel
metrics_listen: %s
services:
  - name: smtp
    prefixes: [198.18.0.27/32]
    interval: 100ms
    rise: 2
    fall: 2
    metric: 7
    checks: [{name: banner, type: tcp_banner, address: "127.0.0.1:25"}]
    drain_time: 200ms
status: %s
`, addr, filepath.Join(dir, "s.sock"))), 0o644); err != nil {
		t.Fatal(err)
	}
	banner := startBanner(t, s)
	proc := s.Start(t, anycastd, "run", "-config", conf)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("anycastd output:\n%s", proc.Output())
		}
	})
	svc := map[string]string{"service": "smtp"}
	prefix := map[string]string{"service": "smtp", "prefix": "198.18.0.27/32"}
	pass := map[string]string{"service": "smtp", "check": "banner", "kind": "self", "result": "pass"}
	fail := map[string]string{"service": "smtp", "check": "banner", "kind": "self", "result": "fail"}
	with := func(m map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for a, b := range m {
			out[a] = b
		}
		return out
	}
	m := promxtest.AwaitValue(t, s, addr, "switchless_anycast_service_state", with(svc, "state", "up"), 1)
	m.RequireTypes(t,
		promxtest.Gauges("switchless_anycast_service_state", "switchless_anycast_prefix_announced", "switchless_anycast_prefix_metric",
			"switchless_anycast_prefix_aliased", "switchless_anycast_check_duration_seconds", "switchless_fib_routes", "go_goroutines"),
		promxtest.Counters("switchless_anycast_check_rounds_total", "switchless_anycast_check_results_total",
			"switchless_fib_writes_total", "switchless_fib_write_errors_total"))
	for name, want := range map[string]float64{
		"switchless_anycast_prefix_announced": 1, "switchless_anycast_prefix_metric": 7, "switchless_anycast_prefix_aliased": 1,
		"switchless_anycast_prefix_error": 0,
	} {
		if v, _ := m.Value(name, prefix); v != want {
			t.Errorf("%s%v = %v, want %v", name, prefix, v, want)
		}
	}
	if v, _ := m.Value("switchless_fib_routes", map[string]string{"protocol": "anycast"}); v != 1 {
		t.Errorf("switchless_fib_routes{protocol=anycast} = %v, want the VIP's route", v)
	}
	p1, _ := m.Value("switchless_anycast_check_results_total", pass)
	promxtest.AwaitGrowth(t, s, addr, 5*time.Second, "switchless_anycast_check_results_total", pass, p1)

	banner.Stop()
	promxtest.Await(t, s, addr, 5*time.Second, func(m promxtest.Families) error {
		if v, _ := m.Value("switchless_anycast_service_state", with(svc, "state", "down")); v != 1 {
			return fmt.Errorf("smtp down = %v, want 1", v)
		}
		if v, _ := m.Value("switchless_anycast_check_results_total", fail); v < 2 {
			return fmt.Errorf("failed checks %v, want fall 2 at least", v)
		}
		if v, _ := m.Value("switchless_anycast_prefix_announced", prefix); v != 0 {
			return fmt.Errorf("prefix still announced")
		}
		if v, _ := m.Value("switchless_fib_routes", map[string]string{"protocol": "anycast"}); v != 0 {
			return fmt.Errorf("switchless_fib_routes{protocol=anycast} = %v after the withdrawal, want 0", v)
		}
		return nil
	})
}

//go:build linux

package main

import (
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/internal/promx/promxtest"
)

// metricsAddr is the metrics_listen of the e2e test, inside each
// namespace.
const metricsAddr = "127.0.0.1:9485"

// checkMetrics scrapes b of TestDaemon_TwoRipd once it learnt a's two
// routes: the names and types of the metrics, two learnt routes in the
// table and in the kernel sink, one neighbour, a's responses (RFC 2453
// §3.8 regular updates) counted as they arrive.
func checkMetrics(t *testing.T, ns *nstest.NS) {
	t.Helper()
	m := promxtest.AwaitValue(t, ns, metricsAddr, "switchless_rip_routes", map[string]string{"source": "rip"}, 2)
	m.RequireTypes(t,
		promxtest.Gauges("switchless_rip_routes", "switchless_rip_routes_unreachable", "switchless_rip_neighbors",
			"switchless_rip_interface_up", "switchless_fib_routes", "go_goroutines"),
		promxtest.Counters("switchless_rip_messages_received_total", "switchless_rip_messages_sent_total",
			"switchless_rip_updates_total", "switchless_rip_dropped_total", "switchless_rip_interface_received_total",
			"switchless_fib_writes_total", "switchless_fib_write_errors_total"))
	for name, want := range map[string]float64{"switchless_rip_neighbors": 1, "switchless_rip_interface_up": 1} {
		if v, _ := m.Value(name, map[string]string{"interface": "eth0"}); v != want {
			t.Errorf("%s{interface=eth0} = %v, want %v", name, v, want)
		}
	}
	if v, _ := m.Value("switchless_rip_routes", map[string]string{"source": "connected"}); v != 1 {
		t.Errorf("connected routes %v, want lan0's", v)
	}
	if v, _ := m.Value("switchless_fib_routes", map[string]string{"protocol": "rip"}); v != 2 {
		t.Errorf("switchless_fib_routes{protocol=rip} = %v, want the 2 learnt routes", v)
	}
	if v, _ := m.Value("switchless_fib_write_errors_total", nil); v != 0 {
		t.Errorf("FIB write errors %v", v)
	}
	resp := map[string]string{"type": "response"}
	r1, _ := m.Value("switchless_rip_messages_received_total", resp)
	promxtest.AwaitGrowth(t, ns, metricsAddr, 15*time.Second, "switchless_rip_messages_received_total", resp, r1)
}

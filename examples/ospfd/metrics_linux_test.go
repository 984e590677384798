//go:build linux

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/internal/promx/promxtest"
)

// metricsAddr is the metrics_listen of the e2e tests, inside their
// namespace.
const metricsAddr = "127.0.0.1:9485"

// checkMetrics scrapes a running ospfd in ns with a Full neighbor on
// ifname (RFC 2328 §10.1): the names and types of the metrics, the
// neighbor gauge at full, the hello counter growing between two scrapes,
// SPF runs timed by the histogram, OSPF routes in the FIB.
func checkMetrics(t *testing.T, ns *nstest.NS, ifname string) {
	t.Helper()
	first := promxtest.AwaitValue(t, ns, metricsAddr, "switchless_ospf_neighbors", map[string]string{"interface": ifname, "state": "full"}, 1)
	first.RequireTypes(t,
		promxtest.Gauges("switchless_ospf_neighbors", "switchless_ospf_interface_state", "switchless_ospf_lsas",
			"switchless_ospf_routes", "switchless_ospf_spf_last_duration_seconds", "switchless_fib_routes",
			"go_goroutines", "process_start_time_seconds"),
		promxtest.Counters("switchless_ospf_packets_received_total", "switchless_ospf_packets_sent_total",
			"switchless_ospf_send_errors_total", "switchless_ospf_spf_runs_total", "switchless_ospf_spf_events_total",
			"switchless_fib_writes_total", "switchless_fib_write_errors_total"),
		promxtest.Histograms("switchless_ospf_spf_duration_seconds"))
	if v, _ := first.Value("switchless_ospf_neighbors", map[string]string{"interface": ifname, "state": "init"}); v != 0 {
		t.Errorf("neighbors in init: %v, want 0", v)
	}
	if v, _ := first.Value("switchless_ospf_interface_state", map[string]string{"interface": ifname, "state": "point_to_point"}); v != 1 {
		t.Errorf("interface state point_to_point: %v, want 1", v)
	}
	if runs, _ := first.Value("switchless_ospf_spf_runs_total", nil); runs < 1 {
		t.Errorf("SPF runs %v, want some", runs)
	}
	if n, _ := first.Value("switchless_ospf_spf_duration_seconds", nil); n < 1 {
		t.Errorf("SPF duration histogram has %v samples, want some", n)
	}
	if v, _ := first.Value("switchless_fib_routes", map[string]string{"protocol": "ospf"}); v < 1 {
		t.Errorf("switchless_fib_routes{protocol=ospf} = %v, want the peer's LAN at least", v)
	}
	hello := map[string]string{"interface": ifname, "type": "hello"}
	h1, _ := first.Value("switchless_ospf_packets_received_total", hello)
	promxtest.AwaitGrowth(t, ns, metricsAddr, 10*time.Second, "switchless_ospf_packets_received_total", hello, h1)
}

// checkDropMetrics scrapes ospfd in ns after `show interfaces` reported
// drops on ifname: switchless_ospf_packets_dropped_total has every
// reason, under the same snake_case name, with at least the count shown
// (the scrape comes later).
func checkDropMetrics(t *testing.T, ns *nstest.NS, ifname string, drops map[string]uint64) {
	t.Helper()
	m, err := promxtest.Scrape(ns, metricsAddr)
	if err != nil {
		t.Fatal(err)
	}
	m.RequireTypes(t, promxtest.Counters("switchless_ospf_packets_dropped_total"))
	for reason, n := range drops {
		// Labels are snake_case: show's "hello-interval" is the
		// metrics' "hello_interval".
		label := strings.ReplaceAll(reason, "-", "_")
		if v, ok := m.Value("switchless_ospf_packets_dropped_total", map[string]string{"interface": ifname, "reason": label}); !ok || v < float64(n) {
			t.Errorf("switchless_ospf_packets_dropped_total{reason=%s} = %v (present %v), show said %d", reason, v, ok, n)
		}
	}
	if got, shown := m.Sum("switchless_ospf_packets_dropped_total", nil), len(drops); got == 0 || shown == 0 {
		t.Errorf("drops: %v in the metrics, %d reasons shown", got, shown)
	}
}

//go:build linux

package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/internal/promx/promxtest"
)

// metricsAddr is the metrics_listen of the e2e test, inside each
// namespace.
const metricsAddr = "127.0.0.1:9485"

// checkMetrics scrapes the three nodes of TestDaemon_ReloadRingCost (vr1
// and vr3 the edges): on each, the ring links east and west with one Full
// neighbour (RFC 2328 §10.1) under ospfd's names, SPF runs timed, hellos
// growing; of the two edges' virtual routers exactly one Master (RFC 5798
// §6.4.3) under vrrpd's names, none on vr2.
func checkMetrics(t *testing.T, ns [3]*nstest.NS) {
	t.Helper()
	var ms [3]promxtest.Families
	nstest.Eventually(t, 20*time.Second, func() error {
		masters := 0.0
		for i := range ns {
			m, err := promxtest.Scrape(ns[i], metricsAddr)
			if err != nil {
				return fmt.Errorf("vr%d: %w", i+1, err)
			}
			for _, ifname := range []string{"east", "west"} {
				if v, _ := m.Value("switchless_ospf_neighbors", map[string]string{"interface": ifname, "state": "full"}); v != 1 {
					return fmt.Errorf("vr%d: switchless_ospf_neighbors{interface=%s,state=full} = %v, want 1", i+1, ifname, v)
				}
			}
			masters += m.Sum("switchless_vrrp_state", map[string]string{"router": vrrpRouterName, "state": "master"})
			ms[i] = m
		}
		if masters != 1 {
			return fmt.Errorf("%v VRRP Masters among the edges, want 1", masters)
		}
		return nil
	})
	for i, m := range ms {
		m.RequireTypes(t,
			promxtest.Gauges("switchless_ospf_neighbors", "switchless_ospf_interface_state", "switchless_ospf_routes",
				"switchless_fib_routes", "go_goroutines"),
			promxtest.Counters("switchless_ospf_packets_received_total", "switchless_ospf_spf_runs_total", "switchless_fib_writes_total"),
			promxtest.Histograms("switchless_ospf_spf_duration_seconds"))
		if n, _ := m.Value("switchless_ospf_spf_duration_seconds", nil); n < 1 {
			t.Errorf("vr%d: SPF duration histogram has %v samples, want some", i+1, n)
		}
		_, hasVRRP := m["switchless_vrrp_state"]
		if edge := i != 1; hasVRRP != edge {
			t.Errorf("vr%d: VRRP metrics present %v, want %v (edge)", i+1, hasVRRP, edge)
		}
	}
	ms[0].RequireTypes(t, promxtest.Gauges("switchless_vrrp_state", "switchless_vrrp_priority"),
		promxtest.Counters("switchless_vrrp_transitions_total", "switchless_vrrp_advertisements_received_total"))
	if v, _ := ms[0].Value("switchless_vrrp_transitions_total", map[string]string{"router": vrrpRouterName, "reason": "startup"}); v != 1 {
		t.Errorf("vr1: startup transitions %v, want 1", v)
	}
	hello := map[string]string{"interface": "east", "type": "hello"}
	h1, _ := ms[1].Value("switchless_ospf_packets_received_total", hello)
	promxtest.AwaitGrowth(t, ns[1], metricsAddr, 25*time.Second, "switchless_ospf_packets_received_total", hello, h1)
}

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

// requireMetric waits until the metric of name with labels is want in
// ns's vrrpd.
func requireMetric(t *testing.T, ns *nstest.NS, name string, labels map[string]string, want float64) {
	t.Helper()
	promxtest.AwaitValue(t, ns, metricsAddr, name, labels, want)
}

// checkMetrics scrapes b of TestDaemon_Namespaces once its tracked
// uplink came back: gw52 Master again (RFC 5798 §6.4.3) after one
// tracking transition, gw51 Backup of a's Master, the names and types of
// the metrics, advertisements counted as they are sent.
func checkMetrics(t *testing.T, ns *nstest.NS) {
	t.Helper()
	m := promxtest.AwaitValue(t, ns, metricsAddr, "switchless_vrrp_state", map[string]string{"router": "gw52", "state": "master"}, 1)
	m.RequireTypes(t,
		promxtest.Gauges("switchless_vrrp_state", "switchless_vrrp_master_info", "switchless_vrrp_router_info",
			"switchless_vrrp_priority", "switchless_vrrp_track_up", "go_goroutines"),
		promxtest.Counters("switchless_vrrp_advertisements_sent_total", "switchless_vrrp_advertisements_received_total",
			"switchless_vrrp_transitions_total", "switchless_vrrp_became_master_total"))
	for labels, want := range map[[2]string]float64{
		{"gw52", "master"}: 1, {"gw52", "backup"}: 0, {"gw51", "backup"}: 1, {"gw51", "master"}: 0,
	} {
		if v, _ := m.Value("switchless_vrrp_state", map[string]string{"router": labels[0], "state": labels[1]}); v != want {
			t.Errorf("switchless_vrrp_state{router=%s,state=%s} = %v, want %v", labels[0], labels[1], v, want)
		}
	}
	if _, ok := m.Value("switchless_vrrp_master_info", map[string]string{"router": "gw51", "master": "192.0.2.1"}); !ok {
		t.Error("gw51's master_info does not name a (192.0.2.1)")
	}
	if v, _ := m.Value("switchless_vrrp_transitions_total", map[string]string{"router": "gw52", "reason": "tracking_forces_backup"}); v != 1 {
		t.Errorf("gw52 tracking transitions %v, want 1", v)
	}
	if v, _ := m.Value("switchless_vrrp_track_up", map[string]string{"router": "gw52", "track": "if:trk0"}); v != 1 {
		t.Errorf("gw52's track if:trk0 up = %v, want 1", v)
	}
	sent := map[string]string{"router": "gw52"}
	s1, _ := m.Value("switchless_vrrp_advertisements_sent_total", sent)
	promxtest.AwaitGrowth(t, ns, metricsAddr, 5*time.Second, "switchless_vrrp_advertisements_sent_total", sent, s1)
}

//go:build linux

package main

import (
	"context"

	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/promx"
)

// serveMetrics serves metrics_listen (nothing when it is empty) until
// stop or ctx done, from one registry of this daemon's own:
//
//   - promx.OSPF of the running instance (none while no instance runs;
//     the counters start from zero when the instance is rebuilt):
//     switchless_ospf_neighbors{interface,state},
//     switchless_ospf_interface_state{interface,state},
//     switchless_ospf_packets_received_total{interface,type},
//     switchless_ospf_packets_sent_total{interface,type},
//     switchless_ospf_send_errors_total{interface},
//     switchless_ospf_packets_dropped_total{interface,reason},
//     switchless_ospf_bfd_neighbor_down_total{interface},
//     switchless_ospf_lsas{type}, switchless_ospf_routes,
//     switchless_ospf_spf_runs_total, switchless_ospf_spf_external_runs_total,
//     switchless_ospf_spf_events_total, switchless_ospf_spf_last_duration_seconds,
//     switchless_ospf_spf_duration_seconds (histogram, fed by the
//     instance's events), switchless_fib_routes{protocol="ospf"},
//     switchless_fib_writes_total{protocol="ospf",op},
//     switchless_fib_write_errors_total{protocol="ospf"};
//   - promx.BFD of the interfaces with bfd:
//     switchless_bfd_session_state{interface,peer,state},
//     switchless_bfd_session_detect_time_seconds, switchless_bfd_packets_sent_total,
//     switchless_bfd_packets_received_total, switchless_bfd_session_ups_total,
//     switchless_bfd_session_downs_total;
//   - the Go runtime (go_*) and process (process_*) collectors.
func (d *daemon) serveMetrics(ctx context.Context) (stop func(), err error) {
	reg, err := daemonkit.NewRegistry(d.metrics, promx.NewBFD(d.bfd.Load))
	if err != nil {
		return nil, err
	}
	return daemonkit.ServeMetrics(ctx, d.l.MetricsListen, reg, d.log)
}

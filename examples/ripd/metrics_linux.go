//go:build linux

package main

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/promx"
)

// serveMetrics serves metrics_listen (nothing when it is empty) until
// stop or ctx done, from one registry of this daemon's own:
//
//   - promx.RIP of the running instance (none while no instance runs;
//     the counters start from zero when the instance is rebuilt):
//     switchless_rip_routes{source}, switchless_rip_routes_unreachable,
//     switchless_rip_neighbors{interface}, switchless_rip_interface_up{interface},
//     switchless_rip_interface_received_total, _interface_sent_total,
//     _interface_bad_packets_total, _interface_bad_routes_total{interface},
//     switchless_rip_messages_received_total{type} (request, response),
//     switchless_rip_messages_sent_total, _requests_answered_total,
//     _send_errors_total, switchless_rip_updates_total{kind} (regular,
//     triggered), _routes_timed_out_total, _next_hops_ignored_total,
//     _bfd_down_total, _fib_writes_total, switchless_rip_dropped_total{reason};
//   - the kernel sink's writes (promx.FIBCounter, not with fib.disabled):
//     switchless_fib_routes{protocol="rip"}, switchless_fib_writes_total{protocol="rip",op},
//     switchless_fib_write_errors_total{protocol="rip"};
//   - promx.BFD of the interfaces with bfd (switchless_bfd_*);
//   - the Go runtime (go_*) and process (process_*) collectors.
func (d *daemon) serveMetrics(ctx context.Context) (stop func(), err error) {
	cs := []prometheus.Collector{promx.NewRIP(d.current), promx.NewBFD(d.bfd.Load)}
	if d.fib != nil {
		cs = append(cs, d.fib)
	}
	reg, err := daemonkit.NewRegistry(cs...)
	if err != nil {
		return nil, err
	}
	return daemonkit.ServeMetrics(ctx, d.l.MetricsListen, reg, d.log)
}

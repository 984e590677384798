//go:build linux

package main

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchless/routing/anycast"
	"github.com/switchless/routing/bfd"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/promx"
	"github.com/switchless/routing/rip"
)

// serveMetrics serves metrics_listen (rip.metrics_listen or
// ospf.metrics_listen when unset;
// nothing when both are empty) until stop or ctx done, from one registry
// of this daemon's own:
//
//   - promx.Anycast of the services: switchless_anycast_service_state{service,state}
//     (down, up, maintenance, stopped), switchless_anycast_service_peer_down,
//     switchless_anycast_prefix_announced{service,prefix},
//     switchless_anycast_prefix_metric (the announced metric),
//     switchless_anycast_prefix_aliased, switchless_anycast_prefix_error,
//     switchless_anycast_check_rounds_total{service},
//     switchless_anycast_check_results_total{service,check,kind,result},
//     switchless_anycast_check_duration_seconds, switchless_anycast_round_max_lateness_seconds;
//   - the speaker's kernel sink (promx.FIBCounter): switchless_fib_routes,
//     _writes_total, _write_errors_total with protocol="rip" or "anycast"
//     (speaker kernel);
//   - with speaker rip, ripd's promx.RIP (switchless_rip_*), with speaker
//     ospf, ospfd's promx.OSPF (switchless_ospf_* and its FIB's
//     switchless_fib_*), and, with bfd on an interface, promx.BFD
//     (switchless_bfd_*);
//   - the Go runtime (go_*) and process (process_*) collectors.
func serveMetrics(ctx context.Context, l *Loaded, in *anycast.Instance, sp *speaker, log *slog.Logger) (stop func(), err error) {
	cs := []prometheus.Collector{promx.NewAnycast(in.Services)}
	if sp.fib != nil {
		cs = append(cs, sp.fib)
	}
	if sp.rip != nil {
		cs = append(cs, promx.NewRIP(func() *rip.Instance { return sp.rip }))
	}
	if sp.ospf != nil && sp.ospfMetrics != nil {
		cs = append(cs, sp.ospfMetrics)
	}
	if sp.bfd != nil {
		cs = append(cs, promx.NewBFD(func() *bfd.Instance { return sp.bfd }))
	}
	reg, err := daemonkit.NewRegistry(cs...)
	if err != nil {
		return nil, err
	}
	return daemonkit.ServeMetrics(ctx, l.metricsListen(), reg, log)
}

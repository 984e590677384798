//go:build linux

package main

import (
	"context"

	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/promx"
)

// serveMetrics serves metrics_listen (nothing when it is empty) until
// stop or ctx done, from one registry of this daemon's own: promx.VRRP
// of the running routers, labelled router=NAME (routers added and removed
// by a reload come and go),
//
//	switchless_vrrp_router_info{router,interface,vrid,version}
//	switchless_vrrp_state{router,state}  (initialize, backup, master)
//	switchless_vrrp_master_info{router,master}
//	switchless_vrrp_priority, switchless_vrrp_configured_priority,
//	switchless_vrrp_forced_backup, switchless_vrrp_track_up{router,track}
//	switchless_vrrp_advertisements_received_total, _advertisements_sent_total,
//	switchless_vrrp_priority_zero_sent_total, _send_errors_total,
//	switchless_vrrp_transitions_total{router,reason}, _became_master_total,
//	switchless_vrrp_announcements_total, _reannouncements_total,
//	switchless_vrrp_misconfigured_total, _dataplane_errors_total,
//	switchless_vrrp_packets_dropped_total{router,reason}
//
// (reasons as `show` and the notify commands name them, in snake_case),
// and the Go runtime (go_*) and process (process_*) collectors.
func serveMetrics(ctx context.Context, f *fleet) (stop func(), err error) {
	reg, err := daemonkit.NewRegistry(promx.NewVRRP(func() []promx.VRRPRouter {
		rs := f.snapshot()
		out := make([]promx.VRRPRouter, len(rs))
		for i, x := range rs {
			out[i] = promx.VRRPRouter{Name: x.name, Router: x.r}
		}
		return out
	}))
	if err != nil {
		return nil, err
	}
	return daemonkit.ServeMetrics(ctx, f.metricsListen, reg, f.log)
}

//go:build linux

package main

import (
	"context"

	"github.com/switchless/routing/bfd"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/promx"
	"github.com/switchless/routing/ospf"
)

// vrrpRouterName is the router label of an edge's VRRP metrics: its one
// virtual router, on the upstream interface.
const vrrpRouterName = "upstream"

// vrrpSecondRouterName is the router label of an active-active edge's
// second group (upstream.second).
const vrrpSecondRouterName = "upstream-second"

// ospf is the node's OSPF instance, nil before OpenHost returned.
func (d *daemon) ospf() *ospf.Instance {
	if d.node == nil {
		return nil
	}
	return d.node.OSPF()
}

// serveMetrics serves metrics_listen (nothing when it is empty) until
// stop or ctx done, from one registry of this daemon's own, with the
// names ospfd and vrrpd use (the collectors of package promx):
//
//   - promx.OSPF of the node's instance: switchless_ospf_neighbors{interface,state}
//     (interfaces by their ring names: east, west, lan0, …),
//     switchless_ospf_interface_state, switchless_ospf_packets_received_total{interface,type},
//     switchless_ospf_packets_sent_total, switchless_ospf_send_errors_total,
//     switchless_ospf_packets_dropped_total{interface,reason},
//     switchless_ospf_bfd_neighbor_down_total, switchless_ospf_lsas{type},
//     switchless_ospf_routes, switchless_ospf_spf_runs_total,
//     switchless_ospf_spf_external_runs_total, switchless_ospf_spf_events_total,
//     switchless_ospf_spf_last_duration_seconds, the
//     switchless_ospf_spf_duration_seconds histogram (fed by
//     ring.HostConfig.OnOSPFEvent) and the OSPF routes in the kernel
//     (switchless_fib_routes, _writes_total, _write_errors_total{protocol="ospf"});
//   - at an edge, promx.VRRP of its virtual router, router="upstream":
//     switchless_vrrp_state{router,state}, switchless_vrrp_master_info,
//     switchless_vrrp_transitions_total{router,reason} and the rest of
//     vrrpd's switchless_vrrp_*; at an active-active edge the second
//     group's too, router="upstream-second";
//   - with timers.bfd_interval, promx.BFD of the ring links (switchless_bfd_*);
//   - the Go runtime (go_*) and process (process_*) collectors.
func (d *daemon) serveMetrics(ctx context.Context) (stop func(), err error) {
	vrrp := promx.NewVRRP(func() []promx.VRRPRouter {
		var out []promx.VRRPRouter
		for i, r := range d.node.VRRPRouters() {
			name := vrrpRouterName
			if i == 1 {
				name = vrrpSecondRouterName
			}
			out = append(out, promx.VRRPRouter{Name: name, Router: r})
		}
		return out
	})
	reg, err := daemonkit.NewRegistry(d.ospfMetrics, vrrp, promx.NewBFD(func() *bfd.Instance { return d.node.BFD() }))
	if err != nil {
		return nil, err
	}
	return daemonkit.ServeMetrics(ctx, d.config().MetricsListen, reg, d.log)
}

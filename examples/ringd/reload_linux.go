//go:build linux

package main

import (
	"context"
	"fmt"
	"reflect"

	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/ringconf"
	"github.com/switchless/routing/ring"
)

// reload is SIGHUP's, on run's signal goroutine: the file is re-read and
// validated with the same loader (daemonkit.NextConfig logs a rejected or
// unchanged one), then applied to the running node as a difference
// (ring.Node.Reconfigure): costs (costs:, base_cost), OSPF and VRRP
// timers and priorities, the VIP, BFD timers and authentication, the
// static default's gateway and the unreachable routes of the other
// nodes' LANs, and, when the ring grows (ring.PlanGrowth), the new cost
// plan and the new address of a ring interface whose cable is out
// (ring.HostNode.Reconfigure; refused while the cable is in). Untouched
// adjacencies, sessions and routes are not reset.
// Any error — a change that needs a restart (the node, its interfaces or
// addresses, the Linux interface map, the socket, the logger, the
// anycast service, BFD on or off) included — is logged with the field
// and the running configuration stays entirely.
func (d *daemon) reload(ctx context.Context, rl *daemonkit.Reloads) {
	next, b, changed := daemonkit.NextConfig(rl, d.log, ringconf.Parse)
	if !changed {
		return
	}
	if err := d.apply(ctx, next); err != nil {
		d.log.Error("reload: configuration not applied; still running the previous one", "config", rl.Path, "err", err)
		return
	}
	rl.Applied(b)
	d.log.Info("reload: configuration applied", "config", rl.Path)
}

// apply makes next the running configuration, or changes nothing.
func (d *daemon) apply(ctx context.Context, next *ringconf.Config) error {
	old := d.config()
	restart := func(field, why string) error {
		return fmt.Errorf("%s: %w (%s)", field, ring.ErrRestartRequired, why)
	}
	switch {
	case next.Socket != old.Socket:
		return restart("socket", "the status socket is opened at start")
	case next.LogLevel != old.LogLevel || next.LogFormat != old.LogFormat:
		return restart("log_level/log_format", "the logger is built at start")
	case next.MetricsListen != old.MetricsListen:
		return restart("metrics_listen", "the metrics server is opened at start")
	case !reflect.DeepEqual(next.Linux, old.Linux):
		return restart("interfaces", "the sockets are opened on the Linux interfaces at start")
	case next.VRRPMacvlan != old.VRRPMacvlan:
		return restart("vrrp_macvlan", "the VIP's macvlan is made at start")
	case next.VRRPMacvlanSecond != old.VRRPMacvlanSecond:
		return restart("vrrp_macvlan_second", "the second VIP's macvlan is made at start")
	case !reflect.DeepEqual(next.Ring.HostAnycast(next.Node.Name), old.Ring.HostAnycast(old.Node.Name)):
		return restart("anycast", "the anycast service's checker and routes are set up at start")
	}
	if err := d.host.Reconfigure(ctx, next.Node); err != nil {
		return err
	}
	d.mu.Lock()
	d.c = next
	d.mu.Unlock()
	return nil
}

// config is the running configuration.
func (d *daemon) config() *ringconf.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.c
}

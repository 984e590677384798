//go:build linux

package main

import (
	"context"
	"fmt"
	"net/netip"
	"reflect"
	"slices"

	"github.com/switchless/routing"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/ospfconf"
	"github.com/switchless/routing/ospf"
)

// errRestart is what a reload that cannot be applied in place wraps: the
// daemon keeps running the previous configuration.
var errRestart = ospf.ErrRestartRequired

// reload is SIGHUP's, on the event loop: the file is re-read and
// validated with the same loader (daemonkit.NextConfig logs a rejected or
// unchanged one), then applied to the running instance as a difference
// (ospf.Instance.Reconfigure): sockets are opened only for the interfaces
// it adds, the removed ones are brought down (§9.3 InterfaceDown) and
// closed by the instance, the untouched ones keep their adjacencies and
// nothing is originated for them. A cost change re-originates the
// router-LSA only (§12.4); redistributed routes are diffed (§12.4.4);
// stub_router.administrative re-originates the router-LSA with or without
// MaxLinkMetric (RFC 6987), a new external_lsdb_limit enters or leaves
// the overflow state (RFC 1765).
// Any error — a change that needs a restart (router_id, socket, fib
// sink, log, bfd, metrics_listen) included — is logged with the field and the running
// configuration stays entirely, sockets opened for it closed.
func (d *daemon) reload(ctx context.Context, rl *daemonkit.Reloads) {
	next, b, changed := daemonkit.NextConfig(rl, d.log, ospfconf.ParseConfig)
	if !changed {
		return
	}
	if err := d.apply(ctx, next); err != nil {
		d.log.Error("reload: configuration not applied; still running the previous one", "config", rl.Path, "err", err)
		return
	}
	rl.Applied(b)
	d.log.Info("reload: configuration applied", "config", rl.Path)
	// Interfaces that became usable or not, carrier, and redistribute
	// connected (the set of non-OSPF interfaces may have changed).
	if err := d.sync(ctx); err != nil {
		d.log.Error("ospfd: resync after reload failed", "err", err)
	}
}

// apply makes next the running configuration, or changes nothing.
func (d *daemon) apply(ctx context.Context, next *ospfconf.Loaded) error {
	old := d.l
	switch {
	case next.RouterID != old.RouterID:
		return fmt.Errorf("router_id: %v → %v: %w (it names every LSA this router originated)", old.RouterID, next.RouterID, errRestart)
	case next.Socket != old.Socket:
		return fmt.Errorf("socket: %w (the status socket is opened at start)", errRestart)
	case next.FIB.Disabled != old.FIB.Disabled || next.FIB.RTProtocol != old.FIB.RTProtocol || next.FIB.KeepOnStart != old.FIB.KeepOnStart:
		return fmt.Errorf("fib.disabled/rt_protocol/keep_on_start: %w (the kernel route sink is opened at start)", errRestart)
	case next.LogLevel != old.LogLevel || next.LogFormat != old.LogFormat:
		return fmt.Errorf("log_level/log_format: %w (the logger is built at start)", errRestart)
	case next.MetricsListen != old.MetricsListen:
		return fmt.Errorf("metrics_listen: %w (the metrics server is opened at start)", errRestart)
	}
	in := d.current()
	if in == nil {
		// No instance runs (no usable interface): sync starts one on next.
		d.l = next
		return nil
	}
	ks, err := d.readKernel()
	if err != nil {
		return err
	}
	var want []ifaceKey
	for _, ic := range next.Interfaces {
		if li, p, why := ks.Usable(ic.Name, ic.Address); why == "" {
			want = append(want, ifaceKey{name: ic.Name, index: li.Index, prefix: p})
		}
	}
	if len(want) == 0 {
		// None of the new interfaces is usable: sync stops the instance
		// (LSAs flushed) and waits for one, as at start.
		d.l = next
		return nil
	}
	cfg, err := ospfConfigOn(next, want)
	if err != nil {
		return err
	}
	oldCfg, err := ospfConfigOn(old, d.ifaces)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(next.BFDConfig(cfg), old.BFDConfig(oldCfg)) || !reflect.DeepEqual(next.BFD, old.BFD) {
		return fmt.Errorf("interfaces[].bfd/bfd: %w (the BFD instance is built at start)", errRestart)
	}
	var added ospf.Config
	for _, ic := range cfg.Interfaces {
		if !slices.ContainsFunc(d.ifaces, func(k ifaceKey) bool { return k.name == ic.Name }) {
			added.Interfaces = append(added.Interfaces, ic)
		}
	}
	var trs map[string]routing.Transport
	if len(added.Interfaces) > 0 {
		if trs, err = ospf.Listen(ctx, &added, "", d.log); err != nil {
			return err
		}
	}
	if err := in.Reconfigure(ctx, cfg, trs); err != nil {
		for _, tr := range trs {
			_ = tr.Close()
		}
		return err
	}
	// An added interface starts up (§9.3 InterfaceUp); sync tells it of
	// a carrier that is down. A removed one is forgotten.
	for _, ic := range added.Interfaces {
		d.linkUp[ic.Name] = true
	}
	for _, k := range d.ifaces {
		if !slices.ContainsFunc(want, func(w ifaceKey) bool { return w.name == k.name }) {
			delete(d.linkUp, k.name)
		}
	}
	d.l, d.ifaces = next, want
	return nil
}

// ospfConfigOn is the ospf.Config of l on the interfaces in want (with
// their kernel index and prefix), checked by l.
func ospfConfigOn(l *ospfconf.Loaded, want []ifaceKey) (ospf.Config, error) {
	byName := map[string]ifaceKey{}
	for _, k := range want {
		byName[k.name] = k
	}
	cfg, err := l.OSPFConfig(func(i int) netip.Prefix { return byName[l.Interfaces[i].Name].prefix })
	if err != nil {
		return cfg, err
	}
	var ics []ospf.InterfaceConfig
	for _, ic := range cfg.Interfaces {
		if k, ok := byName[ic.Name]; ok {
			ic.IfIndex = k.index
			ics = append(ics, ic)
		}
	}
	cfg.Interfaces = ics
	return cfg, l.Check(cfg)
}

//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"slices"

	"github.com/switchless/routing"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/ripconf"
	"github.com/switchless/routing/rip"
)

// errRestart is what a reload that cannot be applied in place wraps: the
// daemon keeps running the previous configuration.
var errRestart = rip.ErrRestartRequired

// reload is SIGHUP's, on the event loop: the file is re-read and
// validated with the same loader (daemonkit.NextConfig logs a rejected or
// unchanged one), then applied to the running instance as a difference
// (rip.Instance.Reconfigure): sockets are opened only for the interfaces
// it adds, the removed ones say goodbye (every route at metric 16) and are
// closed by the instance, the untouched ones are not reset. Any error —
// a change that needs a restart (socket, fib, bfd, metrics_listen, an interface's
// prefix) included — is logged with the field and the running
// configuration stays entirely, sockets opened for it closed.
func (d *daemon) reload(ctx context.Context, rl *daemonkit.Reloads) {
	next, b, changed := daemonkit.NextConfig(rl, d.log, ripconf.ParseConfig)
	if !changed {
		return
	}
	if err := d.apply(ctx, next); err != nil {
		d.log.Error("reload: configuration not applied; still running the previous one", "config", rl.Path, "err", err)
		return
	}
	rl.Applied(b)
	d.log.Info("reload: configuration applied", "config", rl.Path)
	// Interfaces that became usable or not, and redistribute connected.
	if err := d.sync(ctx); err != nil {
		d.log.Error("ripd: resync after reload failed", "err", err)
	}
}

// apply makes next the running configuration, or changes nothing.
func (d *daemon) apply(ctx context.Context, next *ripconf.Loaded) error {
	old := d.l
	switch {
	case next.Socket != old.Socket:
		return fmt.Errorf("socket: %w (the status socket is opened at start)", errRestart)
	case next.FIB != old.FIB:
		return fmt.Errorf("fib: %w (the kernel route sink is opened at start)", errRestart)
	case next.LogLevel != old.LogLevel || next.LogFormat != old.LogFormat:
		return fmt.Errorf("log_level/log_format: %w", errRestart)
	case next.MetricsListen != old.MetricsListen:
		return fmt.Errorf("metrics_listen: %w (the metrics server is opened at start)", errRestart)
	}
	in := d.current()
	if in == nil {
		// No instance runs (no usable interface): sync starts one on next.
		d.l = next
		return nil
	}
	ks, err := daemonkit.ReadKernel()
	if err != nil {
		return err
	}
	var want []ifaceKey
	for _, ic := range next.Interfaces {
		if li, p, why := ks.Usable(ic.Name, ic.Prefix); why == "" {
			want = append(want, ifaceKey{name: ic.Name, index: li.Index, prefix: p})
		}
	}
	cfg, err := ripConfig(next, want)
	if err != nil {
		return err
	}
	oldCfg, err := ripConfig(old, d.ifaces)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(next.BFDConfig(cfg), old.BFDConfig(oldCfg)) {
		return fmt.Errorf("interfaces[].bfd: %w (the BFD instance is built at start)", errRestart)
	}
	var added rip.Config
	for _, ic := range cfg.Interfaces {
		if !slices.ContainsFunc(d.ifaces, func(k ifaceKey) bool { return k.name == ic.Name }) {
			added.Interfaces = append(added.Interfaces, ic)
		}
	}
	var trs map[string]routing.UDPTransport
	if len(added.Interfaces) > 0 {
		if trs, err = rip.Listen(ctx, &added, "", d.log); err != nil {
			return err
		}
	}
	if err := in.Reconfigure(ctx, cfg, trs); err != nil {
		for _, tr := range trs {
			_ = tr.Close()
		}
		return err
	}
	// Redistributed networks whose metric or tag changed are announced
	// again (a triggered update, RFC 2453 §3.10.1); with redistribute
	// connected gone they are withdrawn (metric 16, then §3.8 garbage
	// collection).
	var errs []error
	if c := next.Redistribute.Connected; c == nil {
		for _, p := range d.connected {
			errs = append(errs, in.Withdraw(p))
		}
		d.connected = nil
	} else if oc := old.Redistribute.Connected; oc == nil || max(oc.Metric, 1) != max(c.Metric, 1) || oc.Tag != c.Tag {
		for _, p := range d.connected {
			errs = append(errs, in.Announce(p, max(c.Metric, 1), c.Tag))
		}
	}
	for _, k := range d.ifaces {
		if !slices.Contains(want, k) {
			delete(d.down, k.name)
		}
	}
	d.l, d.ifaces = next, want
	return errors.Join(errs...)
}

// ripConfig is the rip.Config of l on the interfaces in want (with their
// kernel index and prefix), without the static routes that name a
// missing one, checked by l.
func ripConfig(l *ripconf.Loaded, want []ifaceKey) (rip.Config, error) {
	byName := map[string]ifaceKey{}
	for _, k := range want {
		byName[k.name] = k
	}
	cfg := l.RIPConfig(func(i int) netip.Prefix { return byName[l.Interfaces[i].Name].prefix })
	var ics []rip.InterfaceConfig
	for _, ic := range cfg.Interfaces {
		if k, ok := byName[ic.Name]; ok {
			ic.IfIndex = k.index
			ics = append(ics, ic)
		}
	}
	cfg.Interfaces = ics
	var static []rip.StaticRoute
	for _, s := range cfg.Static {
		if _, ok := byName[s.Interface]; ok || s.Interface == "" {
			static = append(static, s)
		}
	}
	cfg.Static = static
	return cfg, l.Check(cfg)
}

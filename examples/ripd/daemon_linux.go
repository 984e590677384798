//go:build linux

package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sync/atomic"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/bfdconf"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/promx"
	"github.com/switchless/routing/internal/ripconf"
	"github.com/switchless/routing/rip"
)

// daemon runs one rip.Instance on the interfaces of the configuration
// that exist and have an address, and keeps it in line with the kernel:
// carrier changes go to InterfaceDown/InterfaceUp, anything else about an
// interface rebuilds the instance.
type daemon struct {
	l    *ripconf.Loaded
	log  *slog.Logger
	sink *fib.Netlink // nil with fib.disabled
	// fib counts the writes to sink for the metrics; nil with it.
	fib *promx.FIBCounter

	in  atomic.Pointer[rip.Instance] // read by the status server
	bfd atomic.Pointer[bfd.Instance] // the running instance's BFD; nil without

	// What the running instance was built from and told, owned by the
	// event loop.
	ifaces    []ifaceKey
	down      map[string]bool   // interfaces the instance was told are down
	connected []netip.Prefix    // announced for redistribute connected
	missing   map[string]string // interface → why it is left out (logged once)
}

// ifaceKey is what a RIP interface is built from: a change restarts the
// instance (package rip cannot change an interface's address or the set
// of interfaces at run time). Carrier is not part of it: a link going down
// or up is told to the running instance (rip.Instance.InterfaceDown and
// InterfaceUp), which drops what was learnt over it at once and leaves
// the other interfaces' routes alone.
type ifaceKey struct {
	name   string
	index  int
	prefix netip.Prefix
}

// run runs ripd until ctx is done, then stops the instance gracefully
// (every route at metric 16, routes deleted from the kernel). A nil log
// discards. A receive from rl.C (SIGHUP) is a reload (see reload).
func run(ctx context.Context, l *ripconf.Loaded, socket string, log *slog.Logger, rl *daemonkit.Reloads) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &daemon{l: l, log: log, missing: map[string]string{}, down: map[string]bool{}}
	if !l.FIB.Disabled {
		sink, err := fib.OpenNetlink(ctx, fib.NetlinkConfig{Protocol: fib.ProtocolRIP, RTProtocol: l.FIB.RTProtocol, Reclaim: fib.ReclaimDelete, Logger: log})
		if err != nil {
			return err
		}
		d.sink, d.fib = sink, promx.NewFIBCounter(sink, "rip")
		defer sink.Close()
	}

	// Subscribe before the first read, so that no change falls between.
	watch, err := daemonkit.WatchKernel(nil)
	if err != nil {
		return err
	}
	defer watch.Close()

	rl.Running.Set(rl.Path, rl.Data)
	stopStatus, err := serveStatus(socket, d.current, d.bfd.Load, &rl.Running)
	if err != nil {
		return fmt.Errorf("status socket %s: %w", socket, err)
	}
	defer stopStatus()
	stopMetrics, err := d.serveMetrics(ctx)
	if err != nil {
		return err
	}
	defer stopMetrics()

	if err := d.sync(ctx); err != nil {
		_ = d.stopInstance()
		return err
	}
	log.Info("ripd running", "socket", socket, "profile", cmp.Or(l.Profile, "rfc"))
loop:
	for {
		switch watch.Wait(ctx, log, rl.C) {
		case daemonkit.WakeReload:
			d.reload(ctx, rl)
		case daemonkit.WakeKernel:
			if err := d.sync(ctx); err != nil {
				log.Error("ripd: resync failed", "err", err)
			}
		default:
			break loop
		}
	}
	log.Info("ripd stopping: announcing every route at metric 16 and withdrawing routes")
	return d.stopInstance()
}

func (d *daemon) current() *rip.Instance { return d.in.Load() }

// sync brings the instance in line with the kernel: rebuilt when the set
// of RIP interfaces that exist and have an address changed, told of
// carrier changes, and told of the connected networks to redistribute.
func (d *daemon) sync(ctx context.Context) error {
	ks, err := daemonkit.ReadKernel()
	if err != nil {
		return err
	}
	var want []ifaceKey
	down := map[string]bool{}
	for _, ic := range d.l.Interfaces {
		li, p, why := ks.Usable(ic.Name, ic.Prefix)
		if why != "" {
			if d.missing[ic.Name] != why {
				d.log.Warn("ripd: interface left out", "interface", ic.Name, "reason", why)
				d.missing[ic.Name] = why
			}
			continue
		}
		delete(d.missing, ic.Name)
		want = append(want, ifaceKey{name: ic.Name, index: li.Index, prefix: p})
		if !li.Up {
			down[ic.Name] = true
		}
	}
	if !slices.Equal(want, d.ifaces) || (d.current() == nil && len(want) > 0) {
		if err := d.restart(ctx, want, down, ks); err != nil {
			return err
		}
	}
	in := d.current()
	if in == nil {
		return nil
	}
	if err := d.carrier(in, want, down); err != nil {
		return err
	}
	if d.l.Redistribute.Connected == nil {
		return nil
	}
	conn := connectedNets(ks, d.l)
	metric, tag := max(d.l.Redistribute.Connected.Metric, 1), d.l.Redistribute.Connected.Tag
	for _, p := range d.connected {
		if !slices.Contains(conn, p) {
			if err := in.Withdraw(p); err != nil {
				return err
			}
		}
	}
	for _, p := range conn {
		if !slices.Contains(d.connected, p) {
			if err := in.Announce(p, metric, tag); err != nil {
				return err
			}
		}
	}
	d.connected = conn
	return nil
}

// carrier tells the instance of the interfaces whose link went down or
// came back since it was last told.
func (d *daemon) carrier(in *rip.Instance, want []ifaceKey, down map[string]bool) error {
	for _, k := range want {
		if down[k.name] == d.down[k.name] {
			continue
		}
		var err error
		if down[k.name] {
			d.log.Warn("ripd: interface down", "interface", k.name)
			err = in.InterfaceDown(k.name)
		} else {
			d.log.Info("ripd: interface up", "interface", k.name)
			err = in.InterfaceUp(k.name)
		}
		if err != nil {
			return err
		}
		d.down[k.name] = down[k.name]
	}
	return nil
}

// connectedNets are the IPv4 networks of the up interfaces that do not run
// RIP (loopback addresses included, 127.0.0.0/8 excluded), sorted.
func connectedNets(ks daemonkit.Kernel, l *ripconf.Loaded) []netip.Prefix {
	ripIf := map[string]bool{}
	for _, ic := range l.Interfaces {
		ripIf[ic.Name] = true
	}
	return ks.Connected(func(name string) bool { return ripIf[name] })
}

// restart stops the running instance (if any, gracefully) and starts one
// on want, the interfaces in down reported down before Start.
func (d *daemon) restart(ctx context.Context, want []ifaceKey, down map[string]bool, ks daemonkit.Kernel) error {
	if err := d.stopInstance(); err != nil {
		d.log.Warn("ripd: stopping the previous instance", "err", err)
	}
	d.ifaces, d.connected, d.down = want, nil, map[string]bool{}
	if len(want) == 0 {
		d.log.Warn("ripd: no usable RIP interface; waiting for one")
		return nil
	}
	cfg, err := ripConfig(d.l, want)
	if err != nil {
		return err
	}
	// BFD starts before RIP, which asks it for sessions as neighbours
	// are heard, and stops after it (stopInstance).
	var bin *bfd.Instance
	if bc := d.l.BFDConfig(cfg); len(bc.Interfaces) > 0 {
		var err error
		if bin, err = bfdconf.Open(ctx, bc, "", d.log); err != nil {
			return err
		}
	}
	trs, err := rip.Listen(ctx, &cfg, "", d.log)
	if err != nil {
		_ = bfdconf.Close(bin)
		return err
	}
	env := rip.Env{Clock: routing.SystemClock(), Logger: d.log, Transports: trs, OnEvent: func(e rip.Event) { d.log.Debug("rip: " + e.String()) }}
	if d.sink != nil {
		env.FIB = d.fib
	}
	if bin != nil {
		env.Liveness = bin
	}
	in, err := rip.New(cfg, env)
	if err != nil {
		for _, tr := range trs {
			_ = tr.Close()
		}
		_ = bfdconf.Close(bin)
		return err
	}
	// From here on stopInstance undoes both.
	d.in.Store(in)
	d.bfd.Store(bin)
	// Links without carrier stay silent from the start.
	for _, k := range want {
		if down[k.name] {
			if err := in.InterfaceDown(k.name); err != nil {
				_ = d.stopInstance()
				return err
			}
			d.down[k.name] = true
		}
	}
	// Redistributed networks announced before Start go out in its first
	// update, not in a triggered one damped by §3.10.1's 1–5 s.
	if c := d.l.Redistribute.Connected; c != nil {
		conn := connectedNets(ks, d.l)
		for _, p := range conn {
			if err := in.Announce(p, max(c.Metric, 1), c.Tag); err != nil {
				_ = d.stopInstance()
				return err
			}
		}
		d.connected = conn
	}
	if err := in.Start(); err != nil {
		_ = d.stopInstance()
		return err
	}
	var names []string
	for _, k := range want {
		n := fmt.Sprintf("%s=%v", k.name, k.prefix)
		if down[k.name] {
			n += " (down)"
		}
		names = append(names, n)
	}
	d.log.Info("ripd: instance started", "interfaces", names, "bfd", bin != nil)
	return nil
}

// stopInstance stops the running instance: every route at metric 16,
// sockets closed, routes withdrawn from the kernel; then its BFD, whose
// sessions RIP released while stopping, every session AdminDown (RFC
// 5880 §6.8.16) so that the neighbours do not take it for a failure.
func (d *daemon) stopInstance() error {
	in, bin := d.in.Swap(nil), d.bfd.Swap(nil)
	var err error
	if in != nil {
		err = daemonkit.StopGracefully(in.Stop)
	}
	return errors.Join(err, bfdconf.Close(bin))
}

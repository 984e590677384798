//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync/atomic"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/bfdconf"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/ospfconf"
	"github.com/switchless/routing/internal/promx"
	"github.com/switchless/routing/ospf"
)

// daemon runs one ospf.Instance on the interfaces of the configuration
// that exist and have an address, and keeps it in line with the kernel.
type daemon struct {
	l    *ospfconf.Loaded
	log  *slog.Logger
	sink *fib.Netlink // nil with fib.disabled
	rtp  uint8        // our rtm_protocol

	in  atomic.Pointer[ospf.Instance] // read by the status server
	bfd atomic.Pointer[bfd.Instance]  // the running instance's BFD; nil without
	// metrics reads in at scrape time and times its SPF runs.
	metrics *promx.OSPF

	// What the running instance was built from and told, owned by the
	// event loop.
	ifaces    []ifaceKey
	linkUp    map[string]bool
	connected []netip.Prefix
	hasDef    bool
	missing   map[string]string // interface → why it is left out (logged once)
}

// ifaceKey is what an OSPF interface is built from: a change restarts the
// instance.
type ifaceKey struct {
	name   string
	index  int
	prefix netip.Prefix
}

// kernelState is what ospfd reads from the kernel.
type kernelState struct {
	daemonkit.Kernel
	hasDefault bool // a default route ospfd did not install
}

// run runs ospfd until ctx is done, then stops the instance (LSAs
// flushed, routes withdrawn). A receive from rl.C (SIGHUP) is a reload
// (see reload, in reload_linux.go).
func run(ctx context.Context, l *ospfconf.Loaded, socket string, log *slog.Logger, rl *daemonkit.Reloads) error {
	d := &daemon{l: l, log: log, linkUp: map[string]bool{}, missing: map[string]string{}}
	d.metrics = promx.NewOSPF(d.current)
	d.rtp = l.FIB.RTProtocol
	if d.rtp == 0 {
		d.rtp = fib.RTProtoOSPF
	}
	if !l.FIB.Disabled {
		reclaim := fib.ReclaimDelete
		if l.FIB.KeepOnStart {
			reclaim = fib.ReclaimAdopt
		}
		sink, err := fib.OpenNetlink(ctx, fib.NetlinkConfig{Protocol: fib.ProtocolOSPF, RTProtocol: d.rtp, Reclaim: reclaim, Logger: log})
		if err != nil {
			return err
		}
		d.sink = sink
		defer sink.Close()
	}

	// Subscribe before the first read, so that no change falls between.
	// Of the routes, only default routes matter (default-information
	// originate).
	watch, err := daemonkit.WatchKernel(func(u netlink.RouteUpdate) bool { return u.Dst == nil || isDefault(u.Dst) })
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
		d.stopInstance()
		return err
	}
	log.Info("ospfd running", "router_id", l.RouterID, "socket", socket)
loop:
	for {
		switch watch.Wait(ctx, log, rl.C) {
		case daemonkit.WakeReload:
			d.reload(ctx, rl)
		case daemonkit.WakeKernel:
			if err := d.sync(ctx); err != nil {
				log.Error("ospfd: resync failed", "err", err)
			}
		default:
			break loop
		}
	}
	log.Info("ospfd stopping: flushing LSAs and withdrawing routes")
	return d.stopInstance()
}

func isDefault(n *net.IPNet) bool {
	ones, _ := n.Mask.Size()
	return ones == 0 && n.IP.To4() != nil
}

func (d *daemon) current() *ospf.Instance { return d.in.Load() }

// readKernel reads links, IPv4 addresses and default routes.
func (d *daemon) readKernel() (kernelState, error) {
	k, err := daemonkit.ReadKernel()
	ks := kernelState{Kernel: k}
	if err != nil {
		return ks, err
	}
	rs, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return ks, fmt.Errorf("list routes: %w", err)
	}
	for _, r := range rs {
		if (r.Dst == nil || isDefault(r.Dst)) && int(r.Protocol) != int(d.rtp) && r.Type == unix.RTN_UNICAST {
			ks.hasDefault = true
		}
	}
	return ks, nil
}

// sync brings the instance in line with the kernel: rebuilt when the set
// of usable OSPF interfaces or their addresses changed; told of carrier
// changes (§9.3 InterfaceUp/InterfaceDown, at once), of the connected
// networks to redistribute, and of a default route of its own.
func (d *daemon) sync(ctx context.Context) error {
	ks, err := d.readKernel()
	if err != nil {
		return err
	}
	var want []ifaceKey
	for _, ic := range d.l.Interfaces {
		li, p, why := ks.Usable(ic.Name, ic.Address)
		if why != "" {
			if d.missing[ic.Name] != why {
				d.log.Warn("ospfd: interface left out", "interface", ic.Name, "reason", why)
				d.missing[ic.Name] = why
			}
			continue
		}
		delete(d.missing, ic.Name)
		want = append(want, ifaceKey{name: ic.Name, index: li.Index, prefix: p})
	}
	if !slices.Equal(want, d.ifaces) || (d.current() == nil && len(want) > 0) {
		if err := d.restart(ctx, want, ks); err != nil {
			return err
		}
	}
	in := d.current()
	if in == nil {
		return nil
	}
	for _, k := range d.ifaces {
		up := ks.Links[k.name].Up
		if up == d.linkUp[k.name] {
			continue
		}
		d.linkUp[k.name] = up
		if up {
			d.log.Info("ospfd: interface up", "interface", k.name)
			err = in.InterfaceUp(k.name)
		} else {
			d.log.Info("ospfd: interface down", "interface", k.name)
			err = in.InterfaceDown(k.name)
		}
		if err != nil {
			return err
		}
	}
	conn := connectedNets(ks, d.l)
	if !slices.Equal(conn, d.connected) {
		d.connected = conn
		if err := in.SetConnected(conn); err != nil {
			return err
		}
	}
	if ks.hasDefault != d.hasDef {
		d.hasDef = ks.hasDefault
		in.SetDefaultRoute(ks.hasDefault)
	}
	return nil
}

// connectedNets are the IPv4 networks of the up interfaces that do not run
// OSPF (loopback addresses included, 127.0.0.0/8 excluded), sorted.
func connectedNets(ks kernelState, l *ospfconf.Loaded) []netip.Prefix {
	ospfIf := map[string]bool{}
	for _, ic := range l.Interfaces {
		ospfIf[ic.Name] = true
	}
	return ks.Connected(func(name string) bool { return ospfIf[name] })
}

// restart stops the running instance (if any) and starts one on want.
func (d *daemon) restart(ctx context.Context, want []ifaceKey, ks kernelState) error {
	if err := d.stopInstance(); err != nil {
		d.log.Warn("ospfd: stopping the previous instance", "err", err)
	}
	d.ifaces, d.connected, d.hasDef = want, nil, false
	clear(d.linkUp)
	if len(want) == 0 {
		d.log.Warn("ospfd: no usable OSPF interface; waiting for one")
		return nil
	}
	cfg, err := ospfConfigOn(d.l, want)
	if err != nil {
		return err
	}
	var sink fib.Sink // nil: routes are calculated, not installed
	if d.sink != nil {
		sink = d.sink
	}
	// BFD starts before OSPF, which asks it for sessions as neighbors
	// reach 2-Way, and stops after it (stopInstance).
	var bin *bfd.Instance
	if bc := d.l.BFDConfig(cfg); len(bc.Interfaces) > 0 {
		if bin, err = bfdconf.Open(ctx, bc, "", d.log); err != nil {
			return err
		}
	}
	trs, err := ospf.Listen(ctx, &cfg, "", d.log)
	if err != nil {
		_ = bfdconf.Close(bin)
		return err
	}
	closeAll := func() {
		for _, tr := range trs {
			_ = tr.Close()
		}
	}
	env := ospf.Env{Clock: routing.SystemClock(), Logger: d.log, Transports: trs, FIB: sink, OnEvent: d.metrics.OnEvent}
	if bin != nil {
		env.Liveness = bin
	}
	in, err := ospf.New(cfg, env)
	if err != nil {
		closeAll()
		_ = bfdconf.Close(bin)
		return err
	}
	// From here on stopInstance undoes both.
	d.in.Store(in)
	d.bfd.Store(bin)
	for _, k := range want {
		up := ks.Links[k.name].Up
		d.linkUp[k.name] = up
		if !up {
			_ = in.InterfaceDown(k.name)
		}
	}
	if err := in.Start(); err != nil {
		_ = d.stopInstance()
		return err
	}
	var names []string
	for _, k := range want {
		names = append(names, fmt.Sprintf("%s=%v", k.name, k.prefix))
	}
	d.log.Info("ospfd: instance started", "interfaces", names, "bfd", bin != nil)
	return nil
}

// stopInstance stops the running instance: LSAs flushed (and
// acknowledged, ospf.Instance.Drain), routes withdrawn; then its BFD, whose sessions OSPF released while stopping,
// every session AdminDown (RFC 5880 §6.8.16) so that the neighbors do not
// take it for a failure.
func (d *daemon) stopInstance() error {
	in, bin := d.in.Swap(nil), d.bfd.Swap(nil)
	var err error
	if in != nil {
		// The flushes first, acknowledged by the neighbours (or 3 s
		// passed): a flush sent once and dropped (MinLSArrival) would
		// leave our LSAs in their databases.
		dctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_ = in.Drain(dctx)
		cancel()
		err = daemonkit.StopGracefully(in.Stop)
	}
	return errors.Join(err, bfdconf.Close(bin))
}

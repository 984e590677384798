//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/switchless/routing"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/vrrp"
)

// running is one started virtual router.
type running struct {
	name   string
	rc     RouterConfig
	key    muxKey
	r      *vrrp.Router
	addrs  *vrrp.NetlinkAddresses
	notify *notifier
}

// muxKey identifies a shared raw socket: one per interface, family and
// source address.
type muxKey struct {
	iface string
	src   netip.Addr
}

// sharedMux is a raw socket and how many routers use it: vrrp.Mux closes
// the socket with its last router, so a key whose users reach zero is
// forgotten and a router added later opens a new one.
type sharedMux struct {
	mux   *vrrp.Mux
	users int
}

// fleet is the running routers. run's goroutine changes it (start,
// reload, stop); the status socket and the link watcher read it through
// snapshot.
type fleet struct {
	log   *slog.Logger
	muxes map[muxKey]*sharedMux // run's goroutine only
	// metricsListen is the metrics server's address, fixed at start.
	metricsListen string

	mu sync.Mutex
	rs []*running
}

func (f *fleet) snapshot() []*running {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*running(nil), f.rs...)
}

func (f *fleet) set(rs []*running) {
	f.mu.Lock()
	f.rs = rs
	f.mu.Unlock()
}

// open returns the shared socket of key, opening it if no router uses it
// yet. The caller counts itself as a user only once it holds a VRID of it
// (take).
func (f *fleet) open(ctx context.Context, key muxKey) (*sharedMux, error) {
	if m := f.muxes[key]; m != nil {
		return m, nil
	}
	tr, err := vrrp.Listen(ctx, vrrp.ListenConfig{Interface: key.iface, IPv6: key.src.Is6(),
		Source: key.src, Logger: f.log})
	if err != nil {
		return nil, err
	}
	m := &sharedMux{mux: vrrp.NewMux(tr)}
	f.muxes[key] = m
	return m, nil
}

// start creates and starts the router rc with the resolved cfg.
func (f *fleet) start(ctx context.Context, rc RouterConfig, cfg vrrp.Config) (*running, error) {
	key := muxKey{rc.Interface, cfg.Address.Addr()}
	m, err := f.open(ctx, key)
	if err != nil {
		return nil, err
	}
	// A socket just opened has no VRID taken, so only a duplicate on a
	// shared one fails here (resolve's ValidateSet refuses those first).
	sub, err := m.mux.Transport(rc.VRID)
	if err != nil {
		return nil, err
	}
	m.users++
	am, err := vrrp.NewNetlinkAddresses(vrrp.NetlinkConfig{Interface: rc.Interface, MACVLAN: rc.MACVLAN,
		VRID: rc.VRID, IPv6: cfg.Address.Addr().Is6(), Logger: f.log})
	if err != nil {
		f.release(key, sub)
		return nil, err
	}
	if err := removeStale(ctx, am, cfg, f.log.With("router", rc.Name)); err != nil {
		_ = am.Close()
		f.release(key, sub)
		return nil, err
	}
	x := &running{name: rc.Name, rc: rc, key: key, addrs: am, notify: newNotifier(rc.Name, rc.Interface, rc.Notify, f.log)}
	r, err := vrrp.New(cfg, vrrp.Env{Clock: routing.SystemClock(), Logger: f.log.With("router", rc.Name),
		Transport: sub, Addresses: am, OnEvent: x.notify.onEvent})
	if err != nil {
		_ = am.Close()
		x.notify.close()
		f.release(key, sub)
		return nil, err
	}
	x.r = r
	// Interface tracks start from the current link state.
	for _, t := range cfg.Tracks {
		if name, ok := trackedLink(t.Name); ok {
			_ = r.SetTrack(t.Name, linkUp(name))
		}
	}
	if err := r.Start(); err != nil {
		_ = am.Close()
		x.notify.close()
		f.release(key, sub)
		return nil, err
	}
	return x, nil
}

// removeStale removes the virtual addresses of cfg that are on the link
// before its router starts: a vrrpd killed while Master (SIGKILL, a
// crash) left them there, and a router starts in Backup (RFC 5798
// §6.4.1), which must not hold them: with the Master holding them too,
// this host would answer ARP for them and take the Master's traffic. A
// Master-to-be adds them again on its transition (ringd does the same,
// see ring.OpenHost). The owner (priority 255) becomes Master at once
// and keeps them.
func removeStale(ctx context.Context, am *vrrp.NetlinkAddresses, cfg vrrp.Config, log *slog.Logger) error {
	if cfg.Priority == 255 || len(cfg.VirtualAddresses) == 0 {
		return nil
	}
	link, err := netlink.LinkByName(am.Link())
	if err != nil {
		return fmt.Errorf("stale virtual addresses: %w", err)
	}
	family := netlink.FAMILY_V4
	if cfg.VirtualAddresses[0].Is6() {
		family = netlink.FAMILY_V6
	}
	addrs, err := netlink.AddrList(link, family)
	if err != nil {
		return fmt.Errorf("stale virtual addresses: %w", err)
	}
	var stale []netip.Addr
	for _, a := range addrs {
		ip, ok := netip.AddrFromSlice(a.IP)
		ip = ip.Unmap()
		// vrrp.NetlinkAddresses puts host prefixes (/32, /128).
		if ones, _ := a.Mask.Size(); ok && ones == ip.BitLen() && slices.Contains(cfg.VirtualAddresses, ip) {
			stale = append(stale, ip)
		}
	}
	if len(stale) == 0 {
		return nil
	}
	log.Warn("vrrpd: removing virtual addresses left by a previous run", "link", am.Link(), "addrs", stale)
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := am.Remove(rctx, stale); err != nil {
		return fmt.Errorf("stale virtual addresses: %w", err)
	}
	return nil
}

// release gives back a VRID transport that no started router owns.
func (f *fleet) release(key muxKey, sub routing.Transport) {
	_ = sub.Close()
	f.done(key)
}

// done counts one user of key gone (its router stopped, which closed its
// transport).
func (f *fleet) done(key muxKey) {
	if m := f.muxes[key]; m != nil {
		if m.users--; m.users <= 0 {
			delete(f.muxes, key)
		}
	}
}

// stop stops routers (concurrently: each sends priority 0 and removes its
// addresses, RFC 5798 §6.4.3) and releases their sockets.
func (f *fleet) stop(xs []*running) error {
	errs := make([]error, len(xs))
	var wg sync.WaitGroup
	for i, x := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			errs[i] = errors.Join(x.r.Stop(sctx), x.addrs.Close())
			x.notify.close()
		}()
	}
	wg.Wait()
	for _, x := range xs {
		f.done(x.key)
	}
	return errors.Join(errs...)
}

// run starts every router of l, serves the status socket, and on ctx done
// stops them: priority 0 and address removal (RFC 5798 §6.4.3). A receive
// from rl.C (SIGHUP) is a reload (see reload).
func run(ctx context.Context, l *Loaded, socket string, log *slog.Logger, rl *daemonkit.Reloads) error {
	cfgs, err := resolve(l)
	if err != nil {
		return err
	}
	f := &fleet{log: log, muxes: map[muxKey]*sharedMux{}, metricsListen: l.MetricsListen}
	var rs []*running
	for i, rc := range l.Routers {
		x, err := f.start(ctx, rc, cfgs[i])
		if err != nil {
			_ = f.stop(rs)
			return fmt.Errorf("router %s: %w", rc.Name, err)
		}
		rs = append(rs, x)
	}
	f.set(rs)
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go watchLinks(watchCtx, f, log)
	rl.Running.Set(rl.Path, rl.Data)
	stopStatus, err := serveStatus(ctx, socket, func() []RouterStatus {
		rs := f.snapshot()
		out := make([]RouterStatus, len(rs))
		for i, x := range rs {
			out[i] = RouterStatus{Name: x.name, Status: x.r.Status()}
		}
		return out
	}, &rl.Running)
	if err != nil {
		_ = f.stop(f.snapshot())
		return fmt.Errorf("status socket %s: %w", socket, err)
	}
	stopMetrics, err := serveMetrics(ctx, f)
	if err != nil {
		stopStatus()
		_ = f.stop(f.snapshot())
		return err
	}
	defer stopMetrics()
	log.Info("vrrpd running", "routers", len(rs), "socket", socket)
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-rl.C:
			reload(ctx, rl, log, f)
		}
	}
	log.Info("vrrpd stopping: priority 0 and address removal")
	stopStatus()
	return f.stop(f.snapshot())
}

func trackedLink(track string) (string, bool) {
	if len(track) > 3 && track[:3] == "if:" {
		return track[3:], true
	}
	return "", false
}

// linkUp reports whether an interface is administratively up with carrier.
func linkUp(name string) bool {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return false
	}
	return isUp(l.Attrs())
}

func isUp(a *netlink.LinkAttrs) bool {
	return a.RawFlags&unix.IFF_UP != 0 && a.RawFlags&unix.IFF_RUNNING != 0
}

// watchLinks feeds link state changes to the routers tracking them.
func watchLinks(ctx context.Context, f *fleet, log *slog.Logger) {
	ch := make(chan netlink.LinkUpdate, 64)
	if err := netlink.LinkSubscribe(ch, ctx.Done()); err != nil {
		log.Error("link updates unavailable: interface tracking is static", "err", err)
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case u, ok := <-ch:
			if !ok {
				return
			}
			a := u.Link.Attrs()
			up := isUp(a) && u.Header.Type != unix.RTM_DELLINK
			for _, x := range f.snapshot() {
				_ = x.r.SetTrack("if:"+a.Name, up) // ErrNoTrack: not tracked by x
			}
		}
	}
}

// resolve completes every router's configuration from the interfaces
// (primary address, subnets) and validates the whole set, with line
// numbers.
func resolve(l *Loaded) ([]vrrp.Config, error) {
	var cfgs []vrrp.Config
	for i, rc := range l.Routers {
		link, err := netlink.LinkByName(rc.Interface)
		if err != nil {
			return nil, l.at(i, "interface", "interface %q: %v", rc.Interface, err)
		}
		family := netlink.FAMILY_V4
		if len(rc.VirtualAddresses) > 0 && rc.VirtualAddresses[0].Is6() {
			family = netlink.FAMILY_V6
		}
		addrs, err := netlink.AddrList(link, family)
		if err != nil {
			return nil, l.at(i, "interface", "addresses of %q: %v", rc.Interface, err)
		}
		var prefixes []netip.Prefix
		for _, a := range addrs {
			ip, ok := netip.AddrFromSlice(a.IP)
			if !ok {
				continue
			}
			ones, _ := a.Mask.Size()
			prefixes = append(prefixes, netip.PrefixFrom(ip.Unmap(), ones))
		}
		cfg, err := l.complete(i, prefixes)
		if err != nil {
			return nil, err
		}
		cfgs = append(cfgs, cfg)
	}
	if err := l.validateSet(cfgs); err != nil {
		return nil, err
	}
	return cfgs, nil
}

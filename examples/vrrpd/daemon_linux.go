//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
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

// run starts every router of l, serves the status socket, and on ctx done
// stops them: priority 0 and address removal (RFC 5798 §6.4.3). A receive
// from rl.C (SIGHUP) is a reload (see reload).
func run(ctx context.Context, l *Loaded, socket string, log *slog.Logger, rl *daemonkit.Reloads) error {
	cfgs, err := resolve(l)
	if err != nil {
		return err
	}
	muxes := map[muxKey]*vrrp.Mux{}
	var rs []*running
	stopAll := func() error {
		var errs []error
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, x := range rs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				err := x.r.Stop(sctx)
				err = errors.Join(err, x.addrs.Close())
				x.notify.close()
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}()
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	for i, rc := range l.Routers {
		cfg := cfgs[i]
		key := muxKey{rc.Interface, cfg.Address.Addr()}
		mux := muxes[key]
		if mux == nil {
			tr, err := vrrp.Listen(ctx, vrrp.ListenConfig{Interface: rc.Interface, IPv6: cfg.Address.Addr().Is6(),
				Source: cfg.Address.Addr(), Logger: log})
			if err != nil {
				_ = stopAll()
				return fmt.Errorf("router %s: %w", rc.Name, err)
			}
			mux = vrrp.NewMux(tr)
			muxes[key] = mux
		}
		sub, err := mux.Transport(rc.VRID)
		if err != nil {
			_ = stopAll()
			return fmt.Errorf("router %s: %w", rc.Name, err)
		}
		am, err := vrrp.NewNetlinkAddresses(vrrp.NetlinkConfig{Interface: rc.Interface, MACVLAN: rc.MACVLAN,
			VRID: rc.VRID, IPv6: cfg.Address.Addr().Is6(), Logger: log})
		if err != nil {
			_ = stopAll()
			return fmt.Errorf("router %s: %w", rc.Name, err)
		}
		x := &running{name: rc.Name, rc: rc, addrs: am, notify: newNotifier(rc.Name, rc.Interface, rc.Notify, log)}
		r, err := vrrp.New(cfg, vrrp.Env{Clock: routing.SystemClock(), Logger: log.With("router", rc.Name),
			Transport: sub, Addresses: am, OnEvent: x.notify.onEvent})
		if err != nil {
			_ = am.Close()
			_ = stopAll()
			return fmt.Errorf("router %s: %w", rc.Name, err)
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
			_ = stopAll()
			return fmt.Errorf("router %s: %w", rc.Name, err)
		}
		rs = append(rs, x)
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go watchLinks(watchCtx, rs, log)
	rl.Running.Set(rl.Path, rl.Data)
	stopStatus, err := serveStatus(ctx, socket, func() []RouterStatus {
		out := make([]RouterStatus, len(rs))
		for i, x := range rs {
			out[i] = RouterStatus{Name: x.name, Status: x.r.Status()}
		}
		return out
	}, &rl.Running)
	if err != nil {
		_ = stopAll()
		return fmt.Errorf("status socket %s: %w", socket, err)
	}
	log.Info("vrrpd running", "routers", len(rs), "socket", socket)
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-rl.C:
			reload(ctx, rl, log, rs)
		}
	}
	log.Info("vrrpd stopping: priority 0 and address removal")
	stopStatus()
	return stopAll()
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
func watchLinks(ctx context.Context, rs []*running, log *slog.Logger) {
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
			for _, x := range rs {
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

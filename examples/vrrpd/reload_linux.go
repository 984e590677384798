//go:build linux

package main

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"time"

	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/vrrp"
)

// reload is SIGHUP's, on run's goroutine: the file is re-read and
// validated with the same loader (daemonkit.NextConfig logs a rejected or
// unchanged one), resolved against the interfaces and checked as a set
// (resolve), then applied router by router with vrrp.Router.Reconfigure
// (RFC 5798 §6.4: a Master advertises a new priority or interval at once,
// so a better Backup preempts; virtual addresses are added and removed in
// place). Everything is checked before anything changes; any error — a
// change that needs a restart included — is logged with the router and
// field, and the running configuration stays.
//
// Not applied in place yet (a restart is needed): adding, removing or
// renaming a router, and changing a router's vrid, interface, version,
// address, unicast-vs-multicast, macvlan or notify.
func reload(ctx context.Context, rl *daemonkit.Reloads, log *slog.Logger, rs []*running) {
	next, b, changed := daemonkit.NextConfig(rl, log, ParseConfig)
	if !changed {
		return
	}
	if err := applyReload(ctx, next, rs); err != nil {
		log.Error("reload: configuration not applied; still running the previous one", "config", rl.Path, "err", err)
		return
	}
	rl.Applied(b)
	log.Info("reload: configuration applied", "config", rl.Path)
}

// applyReload applies next to the running routers rs, or changes nothing
// when a check fails.
func applyReload(ctx context.Context, next *Loaded, rs []*running) error {
	cfgs, err := resolve(next)
	if err != nil {
		return err
	}
	if len(next.Routers) != len(rs) {
		return fmt.Errorf("routers: adding or removing a router: %w", vrrp.ErrRestartRequired)
	}
	byName := map[string]int{}
	for i, rc := range next.Routers {
		byName[rc.Name] = i
	}
	// Every check first.
	for _, x := range rs {
		i, ok := byName[x.name]
		if !ok {
			return fmt.Errorf("routers: router %s removed or renamed: %w", x.name, vrrp.ErrRestartRequired)
		}
		rc, old, cfg := next.Routers[i], x.r.Config(), cfgs[i]
		switch {
		case rc.MACVLAN != x.rc.MACVLAN:
			return fmt.Errorf("router %s: macvlan: %w", x.name, vrrp.ErrRestartRequired)
		case !reflect.DeepEqual(rc.Notify, x.rc.Notify):
			return fmt.Errorf("router %s: notify: %w", x.name, vrrp.ErrRestartRequired)
		case cfg.VRID != old.VRID:
			return fmt.Errorf("router %s: vrid: %w", x.name, vrrp.ErrRestartRequired)
		case cfg.Interface != old.Interface:
			return fmt.Errorf("router %s: interface: %w", x.name, vrrp.ErrRestartRequired)
		case cfg.Address != old.Address:
			return fmt.Errorf("router %s: address: %w", x.name, vrrp.ErrRestartRequired)
		case (len(cfg.Peers) == 0) != (len(old.Peers) == 0):
			return fmt.Errorf("router %s: unicast_peers: multicast to unicast or back: %w", x.name, vrrp.ErrRestartRequired)
		}
		if v := cfg.Version; v != 0 && v != old.Version {
			return fmt.Errorf("router %s: version: %w", x.name, vrrp.ErrRestartRequired)
		}
		if err := cfg.Validate(); err != nil {
			return fmt.Errorf("router %s: %w", x.name, err)
		}
	}
	for _, x := range rs {
		i := byName[x.name]
		if reflect.DeepEqual(next.Routers[i], x.rc) {
			continue // untouched: no call, nothing sent or logged
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := x.r.Reconfigure(cctx, cfgs[i])
		cancel()
		if err != nil {
			return fmt.Errorf("router %s: %w", x.name, err)
		}
		x.rc = next.Routers[i]
		// New interface tracks start from the current link state.
		for _, t := range cfgs[i].Tracks {
			if name, ok := trackedLink(t.Name); ok {
				_ = x.r.SetTrack(t.Name, linkUp(name))
			}
		}
	}
	return nil
}

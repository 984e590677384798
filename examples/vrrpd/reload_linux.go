//go:build linux

package main

import (
	"context"
	"errors"
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
// (resolve: VRIDs and addresses unique across the new set), then applied
// router by router:
//   - a router whose block is unchanged is not touched;
//   - a changed priority, interval, preempt, accept mode, virtual address
//     or track is applied in place by vrrp.Router.Reconfigure (RFC 5798
//     §6.4: a Master advertises a new priority or interval at once, so a
//     better Backup preempts; addresses are added and removed in place);
//   - a removed router stops as at shutdown (priority 0 and address
//     removal, §6.4.3, so its Backup takes over within Skew_Time), and an
//     added one starts in Initialize (§6.4.1) as at start;
//   - a change of what identifies a virtual router on the wire or on the
//     host (vrid, interface, version, address, unicast_peers to or from
//     multicast, macvlan, notify) replaces it: the old one stops as if
//     removed and the new one starts as if added. keepalived does the
//     same on reload.
//
// Removals and replacements stop first, so a VRID or VIP may move from
// one router block to another in one reload. Any error is logged with the
// router and field; a file that does not resolve or validate changes
// nothing, nor does one that changes metrics_listen (a restart is
// needed: the metrics server is opened at start).
func reload(ctx context.Context, rl *daemonkit.Reloads, log *slog.Logger, f *fleet) {
	next, b, changed := daemonkit.NextConfig(rl, log, ParseConfig)
	if !changed {
		return
	}
	if next.MetricsListen != f.metricsListen {
		log.Error("reload: configuration not applied; still running the previous one", "config", rl.Path,
			"err", fmt.Errorf("metrics_listen: %w (the metrics server is opened at start)", vrrp.ErrRestartRequired))
		return
	}
	if err := applyReload(ctx, next, f, log); err != nil {
		if errors.Is(err, errPartial) {
			// `show config` keeps the previous file: the routers
			// named in err are not what the new one says.
			log.Error("reload: configuration partly applied", "config", rl.Path, "err", err)
			return
		}
		log.Error("reload: configuration not applied; still running the previous one", "config", rl.Path, "err", err)
		return
	}
	rl.Applied(b)
	log.Info("reload: configuration applied", "config", rl.Path)
}

// errPartial is wrapped by applyReload's error when a router failed to
// start or reconfigure after others had changed.
var errPartial = errors.New("some routers changed")

// replaceReason is why the router x cannot take rc (resolved as cfg) in
// place and is replaced, or "" when Reconfigure can apply it.
func replaceReason(x *running, rc RouterConfig, cfg vrrp.Config) string {
	old := x.r.Config()
	switch {
	case cfg.VRID != old.VRID:
		return "vrid"
	case cfg.Interface != old.Interface:
		return "interface"
	case cfg.Address != old.Address:
		return "address"
	case cfg.Version != 0 && cfg.Version != old.Version:
		return "version"
	case (len(cfg.Peers) == 0) != (len(old.Peers) == 0):
		return "unicast_peers"
	case rc.MACVLAN != x.rc.MACVLAN:
		return "macvlan"
	case !reflect.DeepEqual(rc.Notify, x.rc.Notify):
		return "notify"
	}
	return ""
}

// applyReload applies next to the fleet. Everything that can be checked
// is checked before anything changes.
func applyReload(ctx context.Context, next *Loaded, f *fleet, log *slog.Logger) error {
	cfgs, err := resolve(next)
	if err != nil {
		return err
	}
	for i, cfg := range cfgs {
		if err := cfg.Validate(); err != nil {
			return fmt.Errorf("router %s: %w", next.Routers[i].Name, err)
		}
	}
	cur := f.snapshot()
	byName := map[string]*running{}
	for _, x := range cur {
		byName[x.name] = x
	}
	type step struct {
		i      int      // index in next
		x      *running // the running router of that name, or nil
		reason string   // replace reason, "" for in place
	}
	var steps []step
	keep := map[string]bool{}
	var gone []*running
	for i, rc := range next.Routers {
		x := byName[rc.Name]
		st := step{i: i, x: x}
		if x != nil {
			keep[x.name] = true
			st.reason = replaceReason(x, rc, cfgs[i])
			if st.reason != "" {
				gone = append(gone, x)
			}
		}
		steps = append(steps, st)
	}
	for _, x := range cur {
		if !keep[x.name] {
			gone = append(gone, x)
			log.Info("reload: router removed", "router", x.name)
		}
	}
	var errs []error
	if err := f.stop(gone); err != nil {
		errs = append(errs, err)
	}
	var rs []*running
	for _, st := range steps {
		rc, cfg := next.Routers[st.i], cfgs[st.i]
		switch {
		case st.x != nil && st.reason == "":
			x := st.x
			rs = append(rs, x)
			if reflect.DeepEqual(rc, x.rc) {
				continue // untouched: no call, nothing sent or logged
			}
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := x.r.Reconfigure(cctx, cfg)
			cancel()
			if err != nil {
				errs = append(errs, fmt.Errorf("router %s: %w", x.name, err))
				continue
			}
			x.rc = rc
			// New interface tracks start from the current link state.
			for _, t := range cfg.Tracks {
				if name, ok := trackedLink(t.Name); ok {
					_ = x.r.SetTrack(t.Name, linkUp(name))
				}
			}
		default:
			x, err := f.start(ctx, rc, cfg)
			if err != nil {
				errs = append(errs, fmt.Errorf("router %s: %w", rc.Name, err))
				continue
			}
			if st.x != nil {
				log.Info("reload: router replaced", "router", rc.Name, "changed", st.reason)
			} else {
				log.Info("reload: router added", "router", rc.Name)
			}
			rs = append(rs, x)
		}
	}
	f.set(rs)
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", errPartial, errors.Join(errs...))
	}
	return nil
}

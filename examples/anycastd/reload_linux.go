//go:build linux

package main

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"

	"github.com/switchless/routing/anycast"
	daemonkit "github.com/switchless/routing/internal/daemon"
)

// reload is SIGHUP's, on run's goroutine: the file is re-read and
// validated with the same loader (daemonkit.NextConfig logs a rejected or
// unchanged one), then the services are applied as a difference with
// anycast.Instance.Reconfigure: an added service starts (alias on,
// announced after rise rounds), a removed one is withdrawn and its alias
// removed after its drain time, a changed one re-announced or given its
// new checks; untouched services are not called. Any error is logged and
// the running configuration stays entirely.
//
// Not applied in place yet (a restart is needed): the speaker and its
// rip or ospf block, ospf_announce, addresses, status/socket and log
// settings.
func reload(ctx context.Context, rl *daemonkit.Reloads, log *slog.Logger, l **Loaded, in *anycast.Instance) {
	next, b, changed := daemonkit.NextConfig(rl, log, ParseConfig)
	if !changed {
		return
	}
	if err := applyReload(ctx, *l, next, in); err != nil {
		log.Error("reload: configuration not applied; still running the previous one", "config", rl.Path, "err", err)
		return
	}
	*l = next
	rl.Applied(b)
	log.Info("reload: configuration applied", "config", rl.Path, "services", len(next.Services))
}

// applyReload applies next's services to in, or changes nothing.
func applyReload(ctx context.Context, old, next *Loaded, in *anycast.Instance) error {
	switch {
	case next.speaker() != old.speaker():
		return fmt.Errorf("speaker: %w", anycast.ErrRestartRequired)
	case !reflect.DeepEqual(next.RIP, old.RIP):
		return fmt.Errorf("rip: %w (the speaker is built at start)", anycast.ErrRestartRequired)
	case !reflect.DeepEqual(next.OSPF, old.OSPF) || next.ospfAnnounce() != old.ospfAnnounce():
		return fmt.Errorf("ospf/ospf_announce: %w (the speaker is built at start)", anycast.ErrRestartRequired)
	case !reflect.DeepEqual(next.Addresses, old.Addresses):
		return fmt.Errorf("addresses: %w", anycast.ErrRestartRequired)
	case next.Status != old.Status || next.Socket != old.Socket:
		return fmt.Errorf("socket: %w (the status socket is opened at start)", anycast.ErrRestartRequired)
	case next.LogFormat != old.LogFormat:
		return fmt.Errorf("log_format: %w", anycast.ErrRestartRequired)
	case next.MetricsListen != old.MetricsListen:
		return fmt.Errorf("metrics_listen: %w (the metrics server is opened at start)", anycast.ErrRestartRequired)
	}
	return in.Reconfigure(ctx, next.anycastConfig())
}

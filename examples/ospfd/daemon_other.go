//go:build !linux

package main

import (
	"context"
	"errors"
	"log/slog"

	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/ospfconf"
)

func run(ctx context.Context, l *ospfconf.Loaded, socket string, log *slog.Logger, rl *daemonkit.Reloads) error {
	return errors.New("ospfd runs on Linux only (raw sockets, netlink)")
}

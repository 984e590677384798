//go:build !linux

package main

import (
	"context"
	"errors"
	"log/slog"

	daemonkit "github.com/switchless/routing/internal/daemon"
)

func run(ctx context.Context, l *Loaded, socket string, log *slog.Logger, rl *daemonkit.Reloads) error {
	return errors.New("ospfd runs on Linux only (raw sockets, netlink)")
}

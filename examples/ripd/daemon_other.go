//go:build !linux

package main

import (
	"context"
	"errors"
	"log/slog"

	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/ripconf"
)

func run(ctx context.Context, l *ripconf.Loaded, socket string, log *slog.Logger, rl *daemonkit.Reloads) error {
	return errors.New("ripd runs on Linux only (SO_BINDTODEVICE, netlink)")
}

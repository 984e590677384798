//go:build !linux

package main

import (
	"context"
	"errors"
	"log/slog"

	daemonkit "github.com/switchless/routing/internal/daemon"
)

func run(ctx context.Context, l *Loaded, socket string, log *slog.Logger, rl *daemonkit.Reloads) error {
	return errors.New("vrrpd runs on Linux only")
}

//go:build !linux

package main

import (
	"context"
	"errors"
	"log/slog"

	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/ringconf"
)

func run(context.Context, *ringconf.Config, string, *slog.Logger, *daemonkit.Reloads) error {
	return errors.New("ringd runs on Linux only (raw sockets and netlink)")
}

//go:build !linux

package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/switchless/routing/internal/ripconf"
)

func run(ctx context.Context, l *ripconf.Loaded, socket string, log *slog.Logger) error {
	return errors.New("ripd runs on Linux only (SO_BINDTODEVICE, netlink)")
}

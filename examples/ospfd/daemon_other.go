//go:build !linux

package main

import (
	"context"
	"errors"
	"log/slog"
)

func run(ctx context.Context, l *Loaded, socket string, log *slog.Logger) error {
	return errors.New("ospfd runs on Linux only (raw sockets, netlink)")
}

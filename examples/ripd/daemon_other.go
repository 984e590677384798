//go:build !linux

package main

import (
	"context"
	"errors"
	"log/slog"
)

func run(ctx context.Context, l *Loaded, socket string, log *slog.Logger) error {
	return errors.New("ripd runs on Linux only (SO_BINDTODEVICE, netlink)")
}

//go:build !linux

package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/switchless/routing"
	daemonkit "github.com/switchless/routing/internal/daemon"
)

// speaker is the Linux speaker's stand-in: nothing runs off Linux.
type speaker struct{}

func run(ctx context.Context, l *Loaded, socket string, log *slog.Logger, rl *daemonkit.Reloads) error {
	return fmt.Errorf("anycastd runs on Linux only (netlink addresses and routes): %w", routing.ErrUnsupported)
}

//go:build !linux

package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/ringconf"
)

// listenVRIDs needs Linux's raw sockets.
func listenVRIDs(context.Context, *ringconf.Config, time.Duration, io.Writer) (bool, error) {
	return false, fmt.Errorf("check -listen: %w", routing.ErrUnsupported)
}

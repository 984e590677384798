//go:build !linux

package vrrp

import (
	"context"
	"fmt"
	"runtime"

	"github.com/switchless/routing"
)

// Listen opens the VRRP transport of a Linux interface; see the Linux
// documentation. On this platform it returns an error wrapping
// routing.ErrUnsupported (after validating cfg).
func Listen(ctx context.Context, cfg ListenConfig) (routing.Transport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("vrrp: listen on %s (%s): %w", cfg.Interface, runtime.GOOS, routing.ErrUnsupported)
}

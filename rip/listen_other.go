//go:build !linux

package rip

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/switchless/routing"
)

// Listen opens UDP port 520 on each configured interface. It needs Linux
// (SO_BINDTODEVICE, network namespaces): here it returns an error
// wrapping routing.ErrUnsupported.
func Listen(ctx context.Context, cfg *Config, namespace string, logger *slog.Logger) (map[string]routing.UDPTransport, error) {
	return nil, fmt.Errorf("rip: listen: %w", routing.ErrUnsupported)
}

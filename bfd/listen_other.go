//go:build !linux

package bfd

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/switchless/routing"
)

// Listen opens UDP port 3784 on each configured interface, sending from a
// source port in 49152–65535 with TTL 255 (RFC 5881 §4, §5). It needs
// Linux (SO_BINDTODEVICE, network namespaces): here it returns an error
// wrapping routing.ErrUnsupported.
func Listen(ctx context.Context, cfg *Config, namespace string, logger *slog.Logger) (v4, v6 map[string]routing.UDPTransport, err error) {
	return nil, nil, fmt.Errorf("bfd: listen: %w", routing.ErrUnsupported)
}

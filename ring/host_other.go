//go:build !linux

package ring

import (
	"context"
	"fmt"

	"github.com/switchless/routing"
)

// HostNode is a Node on the interfaces of a Linux host (raw sockets and
// netlink); elsewhere OpenHost returns routing.ErrUnsupported.
type HostNode struct{}

// OpenHost returns an error wrapping routing.ErrUnsupported off Linux.
func OpenHost(_ context.Context, cfg NodeConfig, hc HostConfig) (*HostNode, error) {
	if err := hc.Validate(cfg); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("ring: OpenHost: %w", routing.ErrUnsupported)
}

// Node returns nil off Linux.
func (*HostNode) Node() *Node { return nil }

// Run returns routing.ErrUnsupported off Linux.
func (*HostNode) Run(context.Context) error { return routing.ErrUnsupported }

// Reconfigure returns routing.ErrUnsupported off Linux.
func (*HostNode) Reconfigure(context.Context, NodeConfig) error { return routing.ErrUnsupported }

// Close does nothing off Linux.
func (*HostNode) Close() error { return nil }

// Links returns nil off Linux.
func (*HostNode) Links() []HostLink { return nil }

// TransportStats returns nil off Linux.
func (*HostNode) TransportStats() map[string]TransportStats { return nil }

// StaticInstalled returns routing.ErrUnsupported off Linux.
func (*HostNode) StaticInstalled(context.Context) (bool, error) { return false, routing.ErrUnsupported }

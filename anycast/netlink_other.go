//go:build !linux

package anycast

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"

	"github.com/switchless/routing"
)

// NetlinkAddresses is the Linux AddressManager (rtnetlink). On this
// platform NewNetlinkAddresses returns an error wrapping
// routing.ErrUnsupported.
type NetlinkAddresses struct{}

// NewNetlinkAddresses returns an error wrapping routing.ErrUnsupported
// off Linux.
func NewNetlinkAddresses(cfg NetlinkConfig) (*NetlinkAddresses, error) {
	return nil, fmt.Errorf("anycast: netlink addresses (%s): %w", runtime.GOOS, routing.ErrUnsupported)
}

// Interface returns the empty string off Linux.
func (*NetlinkAddresses) Interface() string { return "" }

// Add implements AddressManager.
func (*NetlinkAddresses) Add(context.Context, netip.Prefix) error { return routing.ErrUnsupported }

// Remove implements AddressManager.
func (*NetlinkAddresses) Remove(context.Context, netip.Prefix) error { return routing.ErrUnsupported }

// HostAddresses implements AddressManager.
func (*NetlinkAddresses) HostAddresses(context.Context) ([]HostAddress, error) {
	return nil, routing.ErrUnsupported
}

// Close does nothing off Linux.
func (*NetlinkAddresses) Close() error { return nil }

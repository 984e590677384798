//go:build !linux

package vrrp

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"runtime"

	"github.com/switchless/routing"
)

// NetlinkAddresses is the Linux AddressManager (rtnetlink and AF_PACKET).
// On this platform NewNetlinkAddresses returns an error wrapping
// routing.ErrUnsupported.
type NetlinkAddresses struct{}

// NewNetlinkAddresses returns an error wrapping routing.ErrUnsupported
// off Linux.
func NewNetlinkAddresses(cfg NetlinkConfig) (*NetlinkAddresses, error) {
	return nil, fmt.Errorf("vrrp: netlink addresses (%s): %w", runtime.GOOS, routing.ErrUnsupported)
}

// Add implements AddressManager.
func (*NetlinkAddresses) Add(context.Context, []netip.Addr) error { return routing.ErrUnsupported }

// Remove implements AddressManager.
func (*NetlinkAddresses) Remove(context.Context, []netip.Addr) error { return routing.ErrUnsupported }

// Announce implements AddressManager.
func (*NetlinkAddresses) Announce(context.Context, []netip.Addr) error {
	return routing.ErrUnsupported
}

// Link returns the empty string off Linux.
func (*NetlinkAddresses) Link() string { return "" }

// MAC returns nil off Linux.
func (*NetlinkAddresses) MAC() net.HardwareAddr { return nil }

// Close does nothing off Linux.
func (*NetlinkAddresses) Close() error { return nil }

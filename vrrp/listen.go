package vrrp

import (
	"fmt"
	"log/slog"
	"net/netip"
)

// ListenConfig configures Listen: the raw IP protocol 112 transport of one
// interface.
type ListenConfig struct {
	// Interface is the interface name, e.g. "eth0". Required.
	Interface string
	// Namespace, when set, is the network namespace (a name under
	// /run/netns or a path such as /proc/PID/ns/net) the socket is
	// opened in; the calling goroutine's namespace is not changed.
	Namespace string
	// IPv6 opens an IPv6 transport (VRRPv3 over IPv6, RFC 5798 §5.1.2)
	// instead of an IPv4 one.
	IPv6 bool
	// Source is the source address of every advertisement: the router's
	// Config.Address, an address of the interface (for IPv6 its
	// link-local address, RFC 5798 §5.1.2.1). Required: the VRRPv3
	// checksum covers it (RFC 5798 §5.2.8), so the router must know the
	// address the kernel sends from.
	Source netip.Addr
	// Logger receives the transport's logs (dropped packets, read
	// errors); nil discards them.
	Logger *slog.Logger
}

// Validate reports the first invalid field, wrapping ErrInvalidConfig.
func (c ListenConfig) Validate() error {
	if c.Interface == "" {
		return fmt.Errorf("%w: ListenConfig.Interface: is required", ErrInvalidConfig)
	}
	if !c.Source.IsValid() {
		return fmt.Errorf("%w: ListenConfig.Source: is required (the VRRPv3 checksum covers it, RFC 5798 §5.2.8)", ErrInvalidConfig)
	}
	src := c.Source
	if src.Is4In6() || src.Is6() != c.IPv6 {
		return fmt.Errorf("%w: ListenConfig.Source: %v is not an %s address (IPv6 is %v)", ErrInvalidConfig, src, family(!c.IPv6), c.IPv6)
	}
	if c.IPv6 && !src.IsLinkLocalUnicast() {
		return fmt.Errorf("%w: ListenConfig.Source: %v: VRRP over IPv6 is sent from the link-local address (RFC 5798 §5.1.2.1)", ErrInvalidConfig, src)
	}
	return nil
}

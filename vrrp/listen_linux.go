package vrrp

import (
	"context"
	"fmt"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/transport"
	"github.com/switchless/routing/vrrp/packet"
)

// Listen opens the VRRP transport of a Linux interface: a raw socket of
// IP protocol 112 bound to the interface, sending with TTL (hop limit)
// 255 (RFC 3768 §5.2.3, RFC 5798 §5.1.1.3 and §5.1.2.3) from cfg.Source,
// and dropping the packets whose source is an address of the interface
// (its own, looped back). Give it to one Router as Env.Transport, or
// share it among the virtual routers of the interface with a Mux. It
// needs CAP_NET_RAW; ctx bounds the opening. Off Linux it returns an
// error wrapping routing.ErrUnsupported.
func Listen(ctx context.Context, cfg ListenConfig) (routing.Transport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ic := transport.IPConfig{Interface: cfg.Interface, Namespace: cfg.Namespace, Protocol: packet.IPProtocol,
		TTL: packet.TTL, Source: cfg.Source, Logger: cfg.Logger}
	if cfg.IPv6 {
		t, err := transport.ListenIP6(ctx, ic)
		if err != nil {
			return nil, fmt.Errorf("vrrp: listen on %s: %w", cfg.Interface, err)
		}
		return t, nil
	}
	t, err := transport.ListenIP(ctx, ic)
	if err != nil {
		return nil, fmt.Errorf("vrrp: listen on %s: %w", cfg.Interface, err)
	}
	return t, nil
}

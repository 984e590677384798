//go:build !linux

package transport

import (
	"context"
	"net/netip"

	"github.com/switchless/routing"
)

// The real transports need Linux (SO_BINDTODEVICE, IP_PKTINFO, network
// namespaces). Elsewhere the API exists so that the module builds, and
// every call returns ErrUnsupported.

var (
	_ routing.Transport    = (*IP)(nil)
	_ routing.Transport    = (*IP6)(nil)
	_ routing.UDPTransport = (*UDP)(nil)
	_ routing.UDPTransport = (*UDP6)(nil)
)

// InNamespace runs f when name is empty; named namespaces are Linux-only.
func InNamespace(name string, f func() error) error {
	if name != "" {
		return ErrUnsupported
	}
	return f()
}

// IP is a raw IPv4 transport (Linux only).
type IP struct{}

// ListenIP returns ErrUnsupported outside Linux.
func ListenIP(ctx context.Context, cfg IPConfig) (*IP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return nil, ErrUnsupported
}

func (*IP) Start(func(routing.Packet)) error { return ErrUnsupported }
func (*IP) Send(netip.Addr, []byte) error    { return ErrUnsupported }
func (*IP) JoinGroup(netip.Addr) error       { return ErrUnsupported }
func (*IP) LeaveGroup(netip.Addr) error      { return ErrUnsupported }
func (*IP) Close() error                     { return ErrUnsupported }
func (*IP) IfIndex() int                     { return 0 }
func (*IP) Interface() string                { return "" }
func (*IP) Source() netip.Addr               { return netip.Addr{} }
func (*IP) Addrs() []netip.Prefix            { return nil }
func (*IP) Stats() Stats                     { return Stats{} }

// IP6 is a raw IPv6 transport (Linux only).
type IP6 struct{}

// ListenIP6 returns ErrUnsupported outside Linux.
func ListenIP6(ctx context.Context, cfg IPConfig) (*IP6, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return nil, ErrUnsupported
}

func (*IP6) Start(func(routing.Packet)) error { return ErrUnsupported }
func (*IP6) Send(netip.Addr, []byte) error    { return ErrUnsupported }
func (*IP6) JoinGroup(netip.Addr) error       { return ErrUnsupported }
func (*IP6) LeaveGroup(netip.Addr) error      { return ErrUnsupported }
func (*IP6) Close() error                     { return ErrUnsupported }
func (*IP6) IfIndex() int                     { return 0 }
func (*IP6) Interface() string                { return "" }
func (*IP6) Source() netip.Addr               { return netip.Addr{} }
func (*IP6) Addrs() []netip.Prefix            { return nil }
func (*IP6) Stats() Stats                     { return Stats{} }

// UDP is an IPv4 UDP transport for RIP and BFD (Linux only).
type UDP struct{}

// ListenUDP returns ErrUnsupported outside Linux.
func ListenUDP(ctx context.Context, cfg UDPConfig) (*UDP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return nil, ErrUnsupported
}

func (*UDP) Start(func(routing.Packet)) error    { return ErrUnsupported }
func (*UDP) Send(netip.Addr, []byte) error       { return ErrUnsupported }
func (*UDP) SendTo(netip.AddrPort, []byte) error { return ErrUnsupported }
func (*UDP) JoinGroup(netip.Addr) error          { return ErrUnsupported }
func (*UDP) LeaveGroup(netip.Addr) error         { return ErrUnsupported }
func (*UDP) Close() error                        { return ErrUnsupported }
func (*UDP) IfIndex() int                        { return 0 }
func (*UDP) Interface() string                   { return "" }
func (*UDP) Port() uint16                        { return 0 }
func (*UDP) SrcPort() uint16                     { return 0 }
func (*UDP) Source() netip.Addr                  { return netip.Addr{} }
func (*UDP) Addrs() []netip.Prefix               { return nil }
func (*UDP) Stats() Stats                        { return Stats{} }

// UDP6 is an IPv6 UDP transport for BFD (Linux only).
type UDP6 struct{}

// ListenUDP6 returns ErrUnsupported outside Linux.
func ListenUDP6(ctx context.Context, cfg UDPConfig) (*UDP6, error) {
	if err := cfg.validate(true); err != nil {
		return nil, err
	}
	return nil, ErrUnsupported
}

func (*UDP6) Start(func(routing.Packet)) error    { return ErrUnsupported }
func (*UDP6) Send(netip.Addr, []byte) error       { return ErrUnsupported }
func (*UDP6) SendTo(netip.AddrPort, []byte) error { return ErrUnsupported }
func (*UDP6) JoinGroup(netip.Addr) error          { return ErrUnsupported }
func (*UDP6) LeaveGroup(netip.Addr) error         { return ErrUnsupported }
func (*UDP6) Close() error                        { return ErrUnsupported }
func (*UDP6) IfIndex() int                        { return 0 }
func (*UDP6) Interface() string                   { return "" }
func (*UDP6) Port() uint16                        { return 0 }
func (*UDP6) SrcPort() uint16                     { return 0 }
func (*UDP6) Source() netip.Addr                  { return netip.Addr{} }
func (*UDP6) Addrs() []netip.Prefix               { return nil }
func (*UDP6) Stats() Stats                        { return Stats{} }

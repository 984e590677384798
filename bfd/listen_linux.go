package bfd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"syscall"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/transport"
)

// Source ports (RFC 5881 §4): BFD Control packets are sent from a port in
// 49152..65535, the same for every packet of a session. Listen uses one
// per interface and family, tried first at srcPortMin + ifindex%srcPorts
// so that interfaces of one host start on different ports, then at the
// next ones (wrapping around within the range) while the port is in use,
// up to srcPortTries ports.
const (
	srcPortMin   = transport.PortBFDSrcMin
	srcPorts     = 65536 - srcPortMin // 16384
	srcPortTries = 64
)

// srcPortCandidate returns the i-th source port tried on the interface
// of index ifindex.
func srcPortCandidate(ifindex, i int) uint16 {
	return uint16(srcPortMin + (ifindex%srcPorts+i)%srcPorts)
}

// Listen opens the real transports for cfg's interfaces, ready for
// Env.Transports and Env.Transports6: per interface a UDP socket on port
// 3784 bound to it, sending from a source port in 49152–65535 with TTL /
// hop limit 255 (RFC 5881 §4, §5), and the same over IPv6 where
// InterfaceConfig.IPv6 is set. The source port is 49152 + ifindex % 16384
// if free, else the next free one (up to 64 are tried, wrapping around
// within the range); the kernel picks the source address (for IPv6 the
// link-local one towards link-local peers).
//
// namespace, when not empty, is a network namespace (a name under
// /run/netns or a path) to open the sockets in. Interfaces whose IfIndex
// is zero get the kernel's index filled in cfg. On error every socket
// already opened is closed. Linux only: elsewhere the error wraps
// routing.ErrUnsupported.
func Listen(ctx context.Context, cfg *Config, namespace string, logger *slog.Logger) (v4, v6 map[string]routing.UDPTransport, err error) {
	t4s := make(map[string]routing.UDPTransport, len(cfg.Interfaces))
	t6s := make(map[string]routing.UDPTransport)
	defer func() {
		if err != nil {
			for _, m := range []map[string]routing.UDPTransport{t4s, t6s} {
				for _, t := range m {
					_ = t.Close()
				}
			}
		}
	}()
	for i := range cfg.Interfaces {
		ic := &cfg.Interfaces[i]
		if _, dup := t4s[ic.Name]; dup {
			return nil, nil, fmt.Errorf("%w: interface %s is listed twice", ErrInvalidConfig, ic.Name)
		}
		if ic.IfIndex == 0 {
			if ic.IfIndex, err = ifIndex(namespace, ic.Name); err != nil {
				return nil, nil, fmt.Errorf("bfd: interface %s: %w", ic.Name, err)
			}
		}
		base := transport.UDPConfig{
			Interface: ic.Name,
			IfIndex:   ic.IfIndex,
			Namespace: namespace,
			Port:      transport.PortBFD,
			TTL:       255, // RFC 5881 §5
			// Only unicast is sent; a multicast would leave the link
			// with this TTL too.
			MulticastTTL: 255,
			Logger:       logger,
		}
		t4, err4 := listenSrcPort(ctx, base, ic.IfIndex, func(ctx context.Context, c transport.UDPConfig) (routing.UDPTransport, error) {
			return transport.ListenUDP(ctx, c)
		})
		if err4 != nil {
			return nil, nil, fmt.Errorf("bfd: interface %s: %w", ic.Name, err4)
		}
		t4s[ic.Name] = t4
		if !ic.IPv6 {
			continue
		}
		t6, err6 := listenSrcPort(ctx, base, ic.IfIndex, func(ctx context.Context, c transport.UDPConfig) (routing.UDPTransport, error) {
			return transport.ListenUDP6(ctx, c)
		})
		if err6 != nil {
			return nil, nil, fmt.Errorf("bfd: interface %s: IPv6: %w", ic.Name, err6)
		}
		t6s[ic.Name] = t6
	}
	return t4s, t6s, nil
}

// listenSrcPort opens a transport with listen, trying the source ports
// of ifindex in turn while the port is in use.
func listenSrcPort(ctx context.Context, c transport.UDPConfig, ifindex int,
	listen func(context.Context, transport.UDPConfig) (routing.UDPTransport, error)) (routing.UDPTransport, error) {
	var err error
	for i := range srcPortTries {
		c.SrcPort = srcPortCandidate(ifindex, i)
		var t routing.UDPTransport
		t, err = listen(ctx, c)
		if err == nil {
			return t, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("no free source port among %d tried from %d: %w",
		srcPortTries, srcPortCandidate(ifindex, 0), err)
}

// ifIndex looks the interface up in namespace.
func ifIndex(namespace, name string) (int, error) {
	var index int
	err := transport.InNamespace(namespace, func() error {
		ifi, err := net.InterfaceByName(name)
		if err != nil {
			return err
		}
		index = ifi.Index
		return nil
	})
	return index, err
}

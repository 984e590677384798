package rip

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/transport"
)

// Listen opens the real transports for cfg's interfaces, ready for
// Env.Transports: one UDP socket on port 520 per interface, bound to it,
// sending from the address in InterfaceConfig.Prefix with TTL 1 to
// 224.0.0.9 (RFC 2453 §4.5) and 64 to unicast requesters (§3.9.1).
// The Instance joins the group at Start.
//
// namespace, when not empty, is a network namespace (a name under
// /run/netns or a path) to open the sockets in. Interfaces whose IfIndex
// is zero get the kernel's index filled in cfg. On error every socket
// already opened is closed. Linux only: elsewhere the error wraps
// routing.ErrUnsupported.
func Listen(ctx context.Context, cfg *Config, namespace string, logger *slog.Logger) (map[string]routing.UDPTransport, error) {
	trs := make(map[string]routing.UDPTransport, len(cfg.Interfaces))
	for i := range cfg.Interfaces {
		ic := &cfg.Interfaces[i]
		tr, err := transport.ListenUDP(ctx, transport.UDPConfig{
			Interface: ic.Name,
			IfIndex:   ic.IfIndex,
			Namespace: namespace,
			Port:      ripPort,
			Source:    ic.Prefix.Addr(),
			Logger:    logger,
		})
		if err != nil {
			for _, t := range trs {
				_ = t.Close()
			}
			return nil, fmt.Errorf("rip: interface %s: %w", ic.Name, err)
		}
		if ic.IfIndex == 0 {
			ic.IfIndex = tr.IfIndex()
		}
		trs[ic.Name] = tr
	}
	return trs, nil
}

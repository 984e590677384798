package ospf

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/transport"
)

// Listen opens the real transports for cfg's interfaces, ready for New:
// one raw IPv4 socket per interface for IP protocol 89, bound to the
// interface, sending with TTL 1 and TOS 0xc0 (RFC 2328 A.1) from the
// interface address in InterfaceConfig.Prefix, so that neighbors on
// broadcast networks identify us by it (§10.5). Multicast groups
// (packet.AllSPFRouters, packet.AllDRouters) are joined by the Instance as its
// interfaces come up and elect.
//
// namespace, when not empty, is a network namespace (a name under
// /run/netns or a path) the sockets are opened in. Interfaces whose
// IfIndex is zero get the kernel's index filled in cfg. On error every
// transport already opened is closed. Linux only: elsewhere the error
// wraps routing.ErrUnsupported.
func Listen(ctx context.Context, cfg *Config, namespace string, logger *slog.Logger) (map[string]routing.Transport, error) {
	trs := make(map[string]routing.Transport, len(cfg.Interfaces))
	closeAll := func() {
		for _, tr := range trs {
			_ = tr.Close()
		}
	}
	for i := range cfg.Interfaces {
		ic := &cfg.Interfaces[i]
		log := logger
		if log != nil {
			log = log.With("interface", ic.Name)
		}
		tr, err := transport.ListenIP(ctx, transport.IPConfig{
			Interface: ic.Name,
			IfIndex:   ic.IfIndex,
			Namespace: namespace,
			Protocol:  transport.ProtocolOSPF,
			Source:    ic.Prefix.Addr(),
			Logger:    log,
		})
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("ospf: interface %s: %w", ic.Name, err)
		}
		if ic.IfIndex == 0 {
			ic.IfIndex = tr.IfIndex()
		}
		trs[ic.Name] = tr
	}
	return trs, nil
}

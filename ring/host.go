package ring

import (
	"fmt"
	"log/slog"
	"slices"
)

// HostConfig places a Node on the interfaces of a Linux host: what
// OpenHost needs besides the NodeConfig. It is what ringd reads from the
// `interfaces:` and `vrrp_macvlan:` keys of its YAML.
type HostConfig struct {
	// Interfaces maps each of the node's ring interface names (east,
	// west, up at an edge, lan0, lan1, … for its server LANs) to the
	// Linux interface that carries it. Every interface of the NodeConfig
	// must be mapped, each to a different Linux interface.
	Interfaces map[string]string
	// MACVLAN, when set at an edge, is the name of a macvlan on the
	// upstream interface that carries the VIP with the VRRP virtual MAC
	// (RFC 5798 7.3); empty puts the VIP on the upstream interface itself.
	MACVLAN string
	// Logger receives the node's logs; nil discards them.
	Logger *slog.Logger
	// OnEvent, if set, receives the node's events (NodeEnv.OnEvent).
	OnEvent func(Event)
}

// Validate checks hc against the node it is for: every interface mapped,
// no Linux interface used twice, no unknown ring interface. Errors wrap
// ErrInvalidConfig and name the YAML key.
func (hc HostConfig) Validate(cfg NodeConfig) error {
	seen := map[string]string{}
	for _, ifc := range cfg.Interfaces {
		lx := hc.Interfaces[ifc.Name]
		if lx == "" {
			return fmt.Errorf("%w: interfaces.%s: no Linux interface for it (node %s)", ErrInvalidConfig, ifc.Name, cfg.Name)
		}
		if other, dup := seen[lx]; dup {
			return fmt.Errorf("%w: interfaces.%s: %s is already interfaces.%s", ErrInvalidConfig, ifc.Name, lx, other)
		}
		seen[lx] = ifc.Name
	}
	names := make([]string, 0, len(hc.Interfaces))
	for name := range hc.Interfaces {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !slices.ContainsFunc(cfg.Interfaces, func(i Interface) bool { return i.Name == name }) {
			return fmt.Errorf("%w: interfaces.%s: node %s has no such interface", ErrInvalidConfig, name, cfg.Name)
		}
	}
	if hc.MACVLAN != "" && !cfg.IsEdge() {
		return fmt.Errorf("%w: vrrp_macvlan: only an edge node runs VRRP", ErrInvalidConfig)
	}
	return nil
}

// HostLink is one ring interface of a HostNode as the host shows it.
type HostLink struct {
	// Name is the ring interface name, Linux the host's.
	Name, Linux string
	// IfIndex is the kernel's index of the interface.
	IfIndex int
	// Carrier is whether it is up with carrier, as last told to the node.
	Carrier bool
}

// TransportStats counts one socket's traffic on a HostNode: every packet
// read is delivered or dropped for exactly one reason.
type TransportStats struct {
	Received, Delivered                            uint64
	DroppedOwn, DroppedMalformed, DroppedInterface uint64
	ReadErrors, Sent, SendErrors                   uint64
}

package ring

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"time"

	"github.com/switchless/routing/health"
	"github.com/switchless/routing/ospf"
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
	// SecondMACVLAN is the macvlan of the second group's VIP at an
	// active-active edge (NodeConfig.SecondVRRP), with that group's
	// virtual MAC; required with MACVLAN there, as each group needs its
	// own. Empty with MACVLAN empty: both VIPs go on the upstream
	// interface.
	SecondMACVLAN string
	// Logger receives the node's logs; nil discards them.
	Logger *slog.Logger
	// OnEvent, if set, receives the node's events (NodeEnv.OnEvent).
	OnEvent func(Event)
	// OnOSPFEvent, if set, receives the OSPF instance's events
	// (NodeEnv.OnOSPFEvent): a daemon's metrics time SPF runs with it.
	OnOSPFEvent func(ospf.Event)
	// Anycast, if set, makes the node announce an anycast replica
	// (Spec.HostAnycast); Linux only.
	Anycast *HostAnycast
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
	switch {
	case hc.SecondMACVLAN != "" && cfg.SecondVRRP == nil:
		return fmt.Errorf("%w: vrrp_macvlan_second: node %s runs no second VRRP group (upstream.second)", ErrInvalidConfig, cfg.Name)
	case hc.SecondMACVLAN == "" && hc.MACVLAN != "" && cfg.SecondVRRP != nil:
		return fmt.Errorf("%w: vrrp_macvlan_second: required with vrrp_macvlan at an active-active edge (each group has its own virtual MAC)", ErrInvalidConfig)
	case hc.SecondMACVLAN != "" && hc.SecondMACVLAN == hc.MACVLAN:
		return fmt.Errorf("%w: vrrp_macvlan_second: %q is also vrrp_macvlan", ErrInvalidConfig, hc.SecondMACVLAN)
	}
	return hc.Anycast.validate(cfg)
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

// HostAnycast is the anycast replica a HostNode announces (scenario S5,
// AnycastSpec): while Check passes, the node routes VIP to Server (a
// static route on lan0, kernel metric StaticMetric, which beats OSPF's)
// and announces it into OSPF as a type-2 AS-external route. The VIP
// itself is the server's (on its loopback): the node only routes.
// Spec.HostAnycast derives it from the ring's spec.
type HostAnycast struct {
	// VIP is the service address.
	VIP netip.Addr
	// Server is the replica server on the node's first server LAN.
	Server netip.Addr
	// Check is the service's health check; nil is package anycast's
	// tcp_banner check of Server port 25, expecting a line starting
	// "220" (the paper's SMTP check).
	Check health.Checker
	// Interval, Rise and Fall time the check; a zero one takes
	// AnycastTiming(ProfileRFC)'s (Spec.HostAnycast sets the spec's).
	Interval   time.Duration
	Rise, Fall int
}

// HostAnycast returns the anycast replica node announces, or nil when s
// has no anycast service or node is not one of its replicas. s must be
// valid.
func (s Spec) HostAnycast(node string) *HostAnycast {
	a := s.Anycast
	if a == nil || !slices.Contains(a.Replicas, node) {
		return nil
	}
	for _, nd := range s.Nodes {
		if nd.Name != node || len(nd.LANs) == 0 {
			continue
		}
		srv, ok := serverAddr(nd.LANs[0])
		if !ok {
			return nil
		}
		iv, rise, fall := s.Profile.anycastTiming()
		return &HostAnycast{VIP: a.VIP, Server: srv, Interval: iv, Rise: rise, Fall: fall}
	}
	return nil
}

// validate checks an anycast replica against its node.
func (a *HostAnycast) validate(cfg NodeConfig) error {
	if a == nil {
		return nil
	}
	if !a.VIP.Is4() || a.VIP.IsUnspecified() || a.VIP.IsMulticast() {
		return fmt.Errorf("%w: anycast.vip: %v is not a unicast IPv4 address", ErrInvalidConfig, a.VIP)
	}
	var lan *Interface
	for i := range cfg.Interfaces {
		if cfg.Interfaces[i].Name == LANName(0) {
			lan = &cfg.Interfaces[i]
		}
	}
	if lan == nil {
		return fmt.Errorf("%w: anycast: node %s has no server LAN", ErrInvalidConfig, cfg.Name)
	}
	if !a.Server.Is4() || !lan.Prefix.Masked().Contains(a.Server) || a.Server == lan.Prefix.Addr() {
		return fmt.Errorf("%w: anycast.server: %v is not a server on %s (%v)", ErrInvalidConfig, a.Server, LANName(0), lan.Prefix)
	}
	if a.Interval < 0 || a.Rise < 0 || a.Fall < 0 {
		return fmt.Errorf("%w: anycast: negative check timing", ErrInvalidConfig)
	}
	return nil
}

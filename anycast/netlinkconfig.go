package anycast

import "log/slog"

// NetlinkConfig configures a NetlinkAddresses.
type NetlinkConfig struct {
	// Interface carries the service addresses; zero means "lo" (a loopback
	// alias, as the paper's servers do). With Dummy it is a dummy
	// interface, created (and brought up) if missing and deleted by Close
	// if it was created.
	Interface string
	// Dummy asks for a dummy interface named Interface.
	Dummy bool
	// Label is the IPv4 address label (iproute2's "label"), which marks
	// the addresses as ours: it must start with Interface; zero means
	// Interface + ":anycast", or Interface + ":vip" when that is longer than
	// the kernel's 15 bytes. IPv6 addresses carry no label: a /128 on
	// Interface (other than ::1) counts as ours, so give IPv6 services a
	// dummy interface of their own when the loopback carries other /128s.
	Label string
	// Namespace, when set, is the network namespace (a name under
	// /run/netns or a path) the interface lives in; the calling thread's
	// namespace is not changed.
	Namespace string
	// Logger receives logs; nil discards.
	Logger *slog.Logger
}

func (c NetlinkConfig) withDefaults() NetlinkConfig {
	if c.Interface == "" {
		c.Interface = "lo"
	}
	if c.Label == "" {
		c.Label = c.Interface + ":anycast"
		if len(c.Label) > 15 { // IFNAMSIZ-1
			c.Label = c.Interface + ":vip"
		}
	}
	return c
}

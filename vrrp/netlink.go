package vrrp

import "log/slog"

// NetlinkConfig configures a NetlinkAddresses.
type NetlinkConfig struct {
	// Interface is the LAN interface the virtual router runs on. Required.
	Interface string
	// Namespace, when set, is the network namespace (a name under
	// /run/netns or a path) the interface lives in; the calling thread's
	// namespace is not changed.
	Namespace string
	// MACVLAN, when set, is the name of a macvlan interface on Interface
	// that carries the virtual MAC of VRID (00-00-5E-00-01-{VRID}, or
	// 00-00-5E-00-02-{VRID} with IPv6): the virtual addresses are put on
	// it and announced with that MAC, so that hosts need not relearn a
	// MAC on failover. The macvlan is created if missing (mode bridge, no
	// IPv6 link-local autoconfiguration), kept down while Backup and
	// brought up while Master, and deleted by Close if it was created.
	//
	// With a macvlan, the parent interface must not answer ARP for the
	// virtual addresses with its own MAC, nor use them as ARP sender
	// addresses: set net.ipv4.conf.<Interface>.arp_ignore=1 and
	// arp_announce=2 (as FRR's vrrpd also requires).
	MACVLAN string
	// VRID and IPv6 select the virtual MAC for MACVLAN.
	VRID uint8
	IPv6 bool
	// PrefixLen is the prefix length the virtual addresses are installed
	// with; zero means a host prefix (/32, /128), so that no second
	// connected route appears.
	PrefixLen int
	// Logger receives logs; nil discards.
	Logger *slog.Logger
}

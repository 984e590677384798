package anycast

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// NetlinkAddresses is the Linux AddressManager: it puts the service
// prefixes on a loopback alias or a dummy interface through rtnetlink.
type NetlinkAddresses struct {
	cfg     NetlinkConfig
	log     *slog.Logger
	h       *netlink.Handle
	link    netlink.Link
	created bool
}

// NewNetlinkAddresses opens a netlink handle (in cfg.Namespace if set) and
// finds the interface, creating it when cfg.Dummy asks for one that is
// missing.
func NewNetlinkAddresses(cfg NetlinkConfig) (*NetlinkAddresses, error) {
	cfg = cfg.withDefaults()
	if !strings.HasPrefix(cfg.Label, cfg.Interface) || len(cfg.Label) > unix.IFNAMSIZ-1 {
		return nil, fmt.Errorf("%w: label %q: must start with the interface name %q and be at most %d bytes",
			ErrInvalidConfig, cfg.Label, cfg.Interface, unix.IFNAMSIZ-1)
	}
	n := &NetlinkAddresses{cfg: cfg, log: cfg.Logger}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if cfg.Namespace != "" {
		var ns netns.NsHandle
		if strings.HasPrefix(cfg.Namespace, "/") {
			ns, err = netns.GetFromPath(cfg.Namespace)
		} else {
			ns, err = netns.GetFromName(cfg.Namespace)
		}
		if err != nil {
			return nil, fmt.Errorf("anycast: namespace %q: %w", cfg.Namespace, err)
		}
		defer ns.Close()
		if n.h, err = netlink.NewHandleAt(ns); err != nil {
			return nil, fmt.Errorf("anycast: netlink in %s: %w", cfg.Namespace, err)
		}
	} else if n.h, err = netlink.NewHandle(); err != nil {
		return nil, fmt.Errorf("anycast: netlink: %w", err)
	}
	n.link, err = n.h.LinkByName(cfg.Interface)
	if err != nil && cfg.Dummy {
		if err = n.h.LinkAdd(&netlink.Dummy{LinkAttrs: netlink.LinkAttrs{Name: cfg.Interface}}); err == nil {
			n.created = true
			n.link, err = n.h.LinkByName(cfg.Interface)
		}
	}
	if err != nil {
		n.h.Close()
		return nil, fmt.Errorf("anycast: interface %q: %w", cfg.Interface, err)
	}
	if cfg.Dummy {
		if _, ok := n.link.(*netlink.Dummy); !ok {
			n.h.Close()
			return nil, fmt.Errorf("anycast: %q exists and is not a dummy interface", cfg.Interface)
		}
	}
	if err := n.h.LinkSetUp(n.link); err != nil {
		n.Close()
		return nil, fmt.Errorf("anycast: up %s: %w", cfg.Interface, err)
	}
	return n, nil
}

// Interface returns the name of the interface carrying the addresses.
func (n *NetlinkAddresses) Interface() string { return n.cfg.Interface }

func (n *NetlinkAddresses) nlAddr(p netip.Prefix) *netlink.Addr {
	a := p.Addr()
	na := &netlink.Addr{IPNet: &net.IPNet{IP: a.AsSlice(), Mask: net.CIDRMask(p.Bits(), a.BitLen())}}
	if a.Is4() {
		na.Label = n.cfg.Label
	} else {
		na.Flags = unix.IFA_F_NODAD // the address is ours by configuration
	}
	return na
}

// Add implements AddressManager.
func (n *NetlinkAddresses) Add(_ context.Context, p netip.Prefix) error {
	if err := n.h.AddrReplace(n.link, n.nlAddr(p)); err != nil {
		return fmt.Errorf("anycast: add %v on %s: %w", p, n.cfg.Interface, err)
	}
	n.log.Info("anycast: alias added", "prefix", p, "interface", n.cfg.Interface)
	return nil
}

// Remove implements AddressManager.
func (n *NetlinkAddresses) Remove(_ context.Context, p netip.Prefix) error {
	err := n.h.AddrDel(n.link, n.nlAddr(p))
	if err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("anycast: remove %v from %s: %w", p, n.cfg.Interface, err)
	}
	n.log.Info("anycast: alias removed", "prefix", p, "interface", n.cfg.Interface)
	return nil
}

// HostAddresses implements AddressManager: every address of every
// interface in the namespace; ours are those on the interface with the
// label (IPv4) or a /128 other than ::1 (IPv6).
func (n *NetlinkAddresses) HostAddresses(context.Context) ([]HostAddress, error) {
	links, err := n.h.LinkList()
	if err != nil {
		return nil, fmt.Errorf("anycast: list links: %w", err)
	}
	names := map[int]string{}
	for _, l := range links {
		names[l.Attrs().Index] = l.Attrs().Name
	}
	addrs, err := n.h.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("anycast: list addresses: %w", err)
	}
	var out []HostAddress
	for _, a := range addrs {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		bits, _ := a.Mask.Size()
		h := HostAddress{Prefix: netip.PrefixFrom(ip, bits), Interface: names[a.LinkIndex]}
		if a.LinkIndex == n.link.Attrs().Index && bits == ip.BitLen() {
			h.Ours = ip.Is4() && a.Label == n.cfg.Label || ip.Is6() && ip != netip.IPv6Loopback()
		}
		out = append(out, h)
	}
	return out, nil
}

// Close closes the netlink handle, deleting the dummy interface if it was
// created. It does not remove addresses: the Instance does so on Stop.
func (n *NetlinkAddresses) Close() error {
	var err error
	if n.created {
		if e := n.h.LinkDel(n.link); e != nil {
			err = fmt.Errorf("anycast: delete %s: %w", n.cfg.Interface, e)
		}
		n.created = false
	}
	n.h.Close()
	return err
}

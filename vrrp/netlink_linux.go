package vrrp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"sync"

	"github.com/gopacket/gopacket/layers"
	afpacket "github.com/mdlayher/packet"
	"github.com/switchless/routing/vrrp/packet"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// NetlinkAddresses is the Linux AddressManager: it adds and removes the
// virtual addresses through rtnetlink and announces them with gratuitous
// ARP (IPv4) and unsolicited Neighbor Advertisements (IPv6) sent through
// AF_PACKET sockets.
type NetlinkAddresses struct {
	cfg     NetlinkConfig
	log     *slog.Logger
	h       *netlink.Handle
	link    netlink.Link // where the addresses go: Interface or the macvlan
	mac     net.HardwareAddr
	created bool

	mu     sync.Mutex
	arp    *afpacket.Conn
	ndp    *afpacket.Conn
	closed bool
}

// NewNetlinkAddresses opens a netlink handle (in cfg.Namespace if set),
// looks up the interface and creates the macvlan if one is asked for.
func NewNetlinkAddresses(cfg NetlinkConfig) (*NetlinkAddresses, error) {
	if cfg.Interface == "" {
		return nil, fmt.Errorf("%w: NetlinkConfig.Interface: required", ErrInvalidConfig)
	}
	if cfg.MACVLAN != "" && cfg.VRID == 0 {
		return nil, fmt.Errorf("%w: NetlinkConfig.VRID: required with MACVLAN", ErrInvalidConfig)
	}
	n := &NetlinkAddresses{cfg: cfg, log: cfg.Logger}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if cfg.Namespace != "" {
		ns, err := openNS(cfg.Namespace)
		if err != nil {
			return nil, err
		}
		defer ns.Close()
		n.h, err = netlink.NewHandleAt(ns)
		if err != nil {
			return nil, fmt.Errorf("vrrp: netlink in %s: %w", cfg.Namespace, err)
		}
	} else if n.h, err = netlink.NewHandle(); err != nil {
		return nil, fmt.Errorf("vrrp: netlink: %w", err)
	}
	parent, err := n.h.LinkByName(cfg.Interface)
	if err != nil {
		n.h.Close()
		return nil, fmt.Errorf("vrrp: interface %q: %w", cfg.Interface, err)
	}
	n.link, n.mac = parent, parent.Attrs().HardwareAddr
	if cfg.MACVLAN != "" {
		if err := n.makeMacvlan(parent); err != nil {
			n.h.Close()
			return nil, err
		}
	}
	return n, nil
}

func openNS(name string) (netns.NsHandle, error) {
	var ns netns.NsHandle
	var err error
	if len(name) > 0 && name[0] == '/' {
		ns, err = netns.GetFromPath(name)
	} else {
		ns, err = netns.GetFromName(name)
	}
	if err != nil {
		return 0, fmt.Errorf("vrrp: namespace %q: %w", name, err)
	}
	return ns, nil
}

func (n *NetlinkAddresses) makeMacvlan(parent netlink.Link) error {
	vmac := packet.VirtualMAC(n.cfg.VRID, n.cfg.IPv6)
	if l, err := n.h.LinkByName(n.cfg.MACVLAN); err == nil {
		if _, ok := l.(*netlink.Macvlan); !ok || l.Attrs().ParentIndex != parent.Attrs().Index {
			return fmt.Errorf("vrrp: %q exists and is not a macvlan on %q", n.cfg.MACVLAN, n.cfg.Interface)
		}
		if l.Attrs().HardwareAddr.String() != vmac.String() {
			if err := n.h.LinkSetHardwareAddr(l, vmac); err != nil {
				return fmt.Errorf("vrrp: set %s address %v: %w", n.cfg.MACVLAN, vmac, err)
			}
		}
		n.link, n.mac = l, vmac
		return nil
	}
	mv := &netlink.Macvlan{
		LinkAttrs: netlink.LinkAttrs{Name: n.cfg.MACVLAN, ParentIndex: parent.Attrs().Index, HardwareAddr: vmac},
		Mode:      netlink.MACVLAN_MODE_BRIDGE,
	}
	if err := n.h.LinkAdd(mv); err != nil {
		return fmt.Errorf("vrrp: create macvlan %s: %w", n.cfg.MACVLAN, err)
	}
	n.created = true
	l, err := n.h.LinkByName(n.cfg.MACVLAN)
	if err != nil {
		return fmt.Errorf("vrrp: macvlan %s: %w", n.cfg.MACVLAN, err)
	}
	n.link, n.mac = l, vmac
	return nil
}

// Link returns the name of the interface the virtual addresses go on.
func (n *NetlinkAddresses) Link() string { return n.link.Attrs().Name }

// MAC returns the MAC address the announcements carry.
func (n *NetlinkAddresses) MAC() net.HardwareAddr { return n.mac }

func (n *NetlinkAddresses) nlAddr(a netip.Addr) *netlink.Addr {
	bits := n.cfg.PrefixLen
	if bits == 0 {
		bits = a.BitLen()
	}
	na := &netlink.Addr{IPNet: &net.IPNet{IP: a.AsSlice(), Mask: net.CIDRMask(bits, a.BitLen())}}
	if a.Is6() {
		// Duplicate address detection would hold a failed-over address
		// "tentative" for a second: the Master owns it by election.
		na.Flags = unix.IFA_F_NODAD
	}
	return na
}

// Add implements AddressManager.
func (n *NetlinkAddresses) Add(ctx context.Context, addrs []netip.Addr) error {
	if n.cfg.MACVLAN != "" {
		if err := n.h.LinkSetUp(n.link); err != nil {
			return fmt.Errorf("vrrp: up %s: %w", n.Link(), err)
		}
	}
	var errs []error
	for _, a := range addrs {
		if err := n.h.AddrReplace(n.link, n.nlAddr(a)); err != nil {
			errs = append(errs, fmt.Errorf("vrrp: add %v on %s: %w", a, n.Link(), err))
		}
	}
	n.log.Info("vrrp virtual addresses added", "link", n.Link(), "addrs", addrs)
	return errors.Join(errs...)
}

// Remove implements AddressManager.
func (n *NetlinkAddresses) Remove(ctx context.Context, addrs []netip.Addr) error {
	var errs []error
	for _, a := range addrs {
		err := n.h.AddrDel(n.link, n.nlAddr(a))
		if err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("vrrp: remove %v from %s: %w", a, n.Link(), err))
		}
	}
	if n.cfg.MACVLAN != "" {
		if err := n.h.LinkSetDown(n.link); err != nil {
			errs = append(errs, fmt.Errorf("vrrp: down %s: %w", n.Link(), err))
		}
	}
	n.log.Info("vrrp virtual addresses removed", "link", n.Link(), "addrs", addrs)
	return errors.Join(errs...)
}

// Announce implements AddressManager: one gratuitous ARP request per IPv4
// address (sender and target the address, RFC 5798 §6.4.1 "broadcast a
// gratuitous ARP request"), one unsolicited Neighbor Advertisement with
// Router and Override set per IPv6 address, to ff02::1 (RFC 5798 §6.4.1,
// RFC 4861 §7.2.6).
func (n *NetlinkAddresses) Announce(ctx context.Context, addrs []netip.Addr) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return net.ErrClosed
	}
	var errs []error
	for _, a := range addrs {
		var err error
		if a.Is4() {
			err = n.sendARP(a)
		} else {
			err = n.sendNA(a)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// conn opens (once) an AF_PACKET socket of ethertype on the link, inside
// the namespace when one is configured.
func (n *NetlinkAddresses) conn(c **afpacket.Conn, ethertype int) (*afpacket.Conn, error) {
	if *c != nil {
		return *c, nil
	}
	ifi := &net.Interface{Index: n.link.Attrs().Index, Name: n.Link(), HardwareAddr: n.mac, MTU: n.link.Attrs().MTU}
	var conn *afpacket.Conn
	open := func() error {
		var err error
		conn, err = afpacket.Listen(ifi, afpacket.Raw, ethertype, nil)
		return err
	}
	var err error
	if n.cfg.Namespace != "" {
		err = inNamespace(n.cfg.Namespace, open)
	} else {
		err = open()
	}
	if err != nil {
		return nil, fmt.Errorf("vrrp: AF_PACKET on %s: %w", n.Link(), err)
	}
	*c = conn
	return conn, nil
}

func (n *NetlinkAddresses) sendARP(a netip.Addr) error {
	c, err := n.conn(&n.arp, unix.ETH_P_ARP)
	if err != nil {
		return err
	}
	fr, err := packet.GratuitousARP(n.mac, a)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(fr, &afpacket.Addr{HardwareAddr: layers.EthernetBroadcast}); err != nil {
		return fmt.Errorf("vrrp: gratuitous ARP for %v: %w", a, err)
	}
	return nil
}

func (n *NetlinkAddresses) sendNA(a netip.Addr) error {
	c, err := n.conn(&n.ndp, unix.ETH_P_IPV6)
	if err != nil {
		return err
	}
	fr, err := packet.UnsolicitedNA(n.mac, a)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(fr, &afpacket.Addr{HardwareAddr: net.HardwareAddr{0x33, 0x33, 0, 0, 0, 1}}); err != nil {
		return fmt.Errorf("vrrp: unsolicited NA for %v: %w", a, err)
	}
	return nil
}

// Close closes the sockets and the netlink handle, deleting the macvlan
// if NewNetlinkAddresses created it. It does not remove addresses: the
// Router does so on Stop.
func (n *NetlinkAddresses) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil
	}
	n.closed = true
	var errs []error
	for _, c := range []*afpacket.Conn{n.arp, n.ndp} {
		if c != nil {
			errs = append(errs, c.Close())
		}
	}
	if n.created {
		if err := n.h.LinkDel(n.link); err != nil {
			errs = append(errs, fmt.Errorf("vrrp: delete %s: %w", n.Link(), err))
		}
	}
	n.h.Close()
	return errors.Join(errs...)
}

// inNamespace runs f on a locked OS thread switched into the namespace.
// Sockets created by f stay in that namespace.
func inNamespace(name string, f func() error) error {
	target, err := openNS(name)
	if err != nil {
		return err
	}
	defer target.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- err
			return // the thread is dropped with the goroutine: never reused
		}
		defer orig.Close()
		if err := netns.Set(target); err != nil {
			errc <- err
			return
		}
		ferr := f()
		if err := netns.Set(orig); err != nil {
			errc <- errors.Join(ferr, err)
			return // leave the thread locked so that it is destroyed
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

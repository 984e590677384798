package transport

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// iface is the interface a transport is bound to, with a cache of its
// addresses of one family. The cache is how packets we sent ourselves are
// recognised (their source is one of these addresses).
//
// The cache stays current cheaply: a netlink socket subscribed to the
// kernel's address-change group is drained, without blocking, whenever
// the cache is consulted; only a change on this interface (or lost
// notifications) triggers a new address dump. Both netlink sockets are
// opened in the transport's network namespace, so they keep answering for
// that namespace whatever thread later uses them.
type iface struct {
	index  int
	name   string
	family int // netlink.FAMILY_V4 or netlink.FAMILY_V6
	log    *slog.Logger

	mu     sync.Mutex
	h      *netlink.Handle // dumps addresses; nil once closed
	sub    int             // non-blocking socket subscribed to address changes; -1 when none
	addrs  []netip.Prefix
	stale  bool
	subErr bool // a subscription read error was logged already
	buf    []byte
}

// openIface resolves the interface by name and/or index and loads its
// addresses. It must run in the transport's network namespace.
func openIface(name string, index, family int, log *slog.Logger) (_ *iface, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("transport: netlink: %w", err)
	}
	defer func() {
		if err != nil {
			h.Close()
		}
	}()
	// A dump answers at once; the timeout only guards against a kernel
	// that never does.
	if err := h.SetSocketTimeout(5 * time.Second); err != nil {
		return nil, fmt.Errorf("transport: netlink: %w", err)
	}
	var link netlink.Link
	if name != "" {
		link, err = h.LinkByName(name)
	} else {
		link, err = h.LinkByIndex(index)
	}
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			if name != "" {
				return nil, fmt.Errorf("%w: %q", ErrNoInterface, name)
			}
			return nil, fmt.Errorf("%w: index %d", ErrNoInterface, index)
		}
		return nil, fmt.Errorf("transport: look up interface: %w", err)
	}
	attrs := link.Attrs()
	if name != "" && index != 0 && attrs.Index != index {
		return nil, fmt.Errorf("%w: IfIndex: %d, but interface %q has index %d", ErrInvalidConfig, index, name, attrs.Index)
	}
	ifc := &iface{
		index:  attrs.Index,
		name:   attrs.Name,
		family: family,
		log:    log,
		h:      h,
		sub:    -1,
		stale:  true,
		buf:    make([]byte, 8192),
	}
	// Subscribe before the first dump so that no change falls between.
	ifc.sub, err = subscribeAddrs(family)
	if err != nil {
		// Without notifications the cache is refreshed on every lookup:
		// slower, still correct.
		log.Warn("transport: address notifications unavailable; dumping addresses on every packet",
			"interface", ifc.name, "err", err)
		ifc.sub = -1
	}
	ifc.mu.Lock()
	err = ifc.refreshLocked()
	ifc.mu.Unlock()
	if err != nil {
		ifc.close()
		return nil, err
	}
	return ifc, nil
}

func subscribeAddrs(family int) (int, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_ROUTE)
	if err != nil {
		return -1, err
	}
	groups := uint32(unix.RTMGRP_IPV4_IFADDR)
	if family == netlink.FAMILY_V6 {
		groups = unix.RTMGRP_IPV6_IFADDR
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: groups}); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// netIf is the interface as x/net's socket options take it. Only Index is
// used on Linux, so no lookup in the (possibly other) namespace happens.
func (i *iface) netIf() *net.Interface {
	return &net.Interface{Index: i.index, Name: i.name}
}

// has reports whether a is currently an address of the interface.
func (i *iface) has(a netip.Addr) bool {
	a = a.Unmap()
	i.mu.Lock()
	defer i.mu.Unlock()
	i.updateLocked()
	for _, p := range i.addrs {
		if p.Addr() == a {
			return true
		}
	}
	return false
}

// prefixes returns the interface's current addresses of the family.
func (i *iface) prefixes() []netip.Prefix {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.updateLocked()
	return slices.Clone(i.addrs)
}

// updateLocked drains pending notifications and re-reads the addresses
// when one concerned this interface.
func (i *iface) updateLocked() {
	if i.h == nil {
		return // closed: keep the last known addresses
	}
	i.drainLocked()
	if !i.stale {
		return
	}
	if err := i.refreshLocked(); err != nil {
		i.log.Warn("transport: reading interface addresses", "interface", i.name, "err", err)
	}
}

func (i *iface) drainLocked() {
	if i.sub < 0 {
		i.stale = true
		return
	}
	for {
		n, err := unix.Read(i.sub, i.buf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return
		case err == unix.ENOBUFS:
			// The kernel dropped notifications: assume ours was one.
			i.stale = true
			continue
		case err != nil:
			if !i.subErr {
				i.subErr = true
				i.log.Warn("transport: address notifications failed; dumping addresses on every packet",
					"interface", i.name, "err", err)
			}
			unix.Close(i.sub)
			i.sub = -1
			i.stale = true
			return
		}
		if concernsIndex(i.buf[:n], i.index) {
			i.stale = true
		}
	}
}

// concernsIndex reports whether a batch of RTM_NEWADDR/RTM_DELADDR
// messages names the interface index. Anything unparsable counts as yes.
func concernsIndex(b []byte, index int) bool {
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		return true
	}
	for _, m := range msgs {
		if m.Header.Type != unix.RTM_NEWADDR && m.Header.Type != unix.RTM_DELADDR {
			continue
		}
		// struct ifaddrmsg: family, prefixlen, flags, scope (1 byte
		// each), then the 32-bit interface index.
		if len(m.Data) < unix.SizeofIfAddrmsg {
			return true
		}
		if int(binary.NativeEndian.Uint32(m.Data[4:8])) == index {
			return true
		}
	}
	return false
}

func (i *iface) refreshLocked() error {
	list, err := i.h.AddrList(&netlink.Device{LinkAttrs: netlink.LinkAttrs{Index: i.index}}, i.family)
	if err != nil {
		return fmt.Errorf("transport: addresses of %s: %w", i.name, err)
	}
	addrs := i.addrs[:0]
	for _, a := range list {
		if a.IPNet == nil {
			continue
		}
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			continue
		}
		ones, _ := a.Mask.Size()
		addrs = append(addrs, netip.PrefixFrom(ip.Unmap(), ones))
	}
	i.addrs = addrs
	i.stale = false
	return nil
}

// close releases the netlink sockets. The address cache stays readable.
func (i *iface) close() {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.h != nil {
		i.h.Close()
		i.h = nil
	}
	if i.sub >= 0 {
		unix.Close(i.sub)
		i.sub = -1
	}
}

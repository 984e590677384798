package transport

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/switchless/routing"
	"github.com/vishvananda/netlink"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

var _ routing.Transport = (*IP6)(nil)

// IP6 is a raw IPv6 transport for one IP protocol on one interface, for
// VRRPv3 over IPv6 (protocol 112, group ff02::12, hop limit 255,
// RFC 5798 5.1.2). It behaves like IP: bound to the interface, only the
// groups it joined, no multicast loopback, fixed hop limit and traffic
// class. IPv6 raw sockets never include the IP header; IfIndex and Dst
// come from IPV6_PKTINFO and TTL (the hop limit) from IPV6_HOPLIMIT.
//
// The kernel computes no checksum for protocols other than ICMPv6: the
// protocol computes it (VRRPv3 over a pseudo-header, RFC 5798 5.2.8),
// which is why it should set IPConfig.Source (the interface's link-local
// address, RFC 5798 5.1.2.1).
type IP6 struct {
	base
	cfg  IPConfig
	conn *net.IPConn
	pc   *ipv6.PacketConn
	wcm  *ipv6.ControlMessage
}

// ListenIP6 opens a raw IPv6 socket for cfg.Protocol on cfg's interface,
// in cfg.Namespace if set. cfg.TTL is the hop limit and cfg.TOS the
// traffic class; cfg.Source, when set, must be an IPv6 address of the
// interface. ctx bounds the opening only.
func ListenIP6(ctx context.Context, cfg IPConfig) (*IP6, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Source.IsValid() && (!cfg.Source.Is6() || cfg.Source.Is4In6()) {
		return nil, fmt.Errorf("%w: IPConfig.Source: ListenIP6 needs an IPv6 address, got %v", ErrInvalidConfig, cfg.Source)
	}
	cfg.Source = cfg.Source.WithZone("")
	t := &IP6{cfg: cfg, base: newBase(fmt.Sprintf("ip6:%d", cfg.Protocol), cfg.Logger)}
	if err := InNamespace(cfg.Namespace, func() error { return t.open(ctx) }); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *IP6) open(ctx context.Context) (err error) {
	if err := t.openOn(ctx, t.cfg.Interface, t.cfg.IfIndex, netlink.FAMILY_V6, t.cfg.Source, "IPConfig.Source"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			t.ifc.close()
		}
	}()
	lc := net.ListenConfig{Control: socketControl(t.ifc, true, nil)}
	c, err := lc.ListenPacket(ctx, t.kind, "::")
	if err != nil {
		return fmt.Errorf("transport: open %s on %s: %w", t.kind, t.ifc.name, err)
	}
	t.conn = c.(*net.IPConn)
	defer func() {
		if err != nil {
			t.conn.Close()
		}
	}()
	t.pc = ipv6.NewPacketConn(t.conn)
	t.wcm, err = t.setOptionsV6(t.conn, t.pc, t.pc, t.cfg.sockOpts())
	return err
}

// Start starts the receive goroutine, as IP.Start.
func (t *IP6) Start(deliver func(routing.Packet)) error {
	if deliver == nil {
		return fmt.Errorf("%w: Start: deliver is nil", ErrInvalidConfig)
	}
	return t.start(func() { t.receive(deliver) })
}

func (t *IP6) receive(deliver func(routing.Packet)) { t.receiveV6(t.conn, false, 0, deliver) }

// recvmsg6 reads one packet, its control messages and its source address
// and port (zero on raw sockets). It is used instead
// of ipv6.PacketConn.ReadFrom, which names the source's zone by looking
// the scope id up in the net package's interface list: that list is the
// one of the reading thread's namespace, not necessarily the socket's,
// and a miss triggers a full interface dump per packet. The zone is not
// needed: Packet.IfIndex carries it.
func recvmsg6(rc syscall.RawConn, buf, oob []byte) (n, oobn int, src netip.AddrPort, err error) {
	var from unix.Sockaddr
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		for {
			n, oobn, _, from, rerr = unix.Recvmsg(int(fd), buf, oob, 0)
			if rerr != unix.EINTR {
				break
			}
		}
		// EAGAIN: nothing yet; the runtime waits for the socket to
		// become readable (or closed) and calls again.
		return rerr != unix.EAGAIN
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		return 0, 0, netip.AddrPort{}, err
	}
	if sa, ok := from.(*unix.SockaddrInet6); ok {
		src = netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port))
	}
	return n, oobn, src, nil
}

// Send sends payload to dst, an IPv6 unicast address on the link or a
// multicast group, from the interface.
func (t *IP6) Send(dst netip.Addr, payload []byte) error {
	dst = dst.WithZone("")
	if !dst.Is6() || dst.Is4In6() || dst.IsUnspecified() {
		return fmt.Errorf("%w: send to %v: need an IPv6 unicast or multicast address", ErrInvalidAddress, dst)
	}
	return t.send(dst, func() error {
		_ = t.conn.SetWriteDeadline(time.Now().Add(sendTimeout))
		// No zone: the socket is bound to the interface and the
		// IPV6_PKTINFO names it, which scopes link-local destinations.
		_, err := t.pc.WriteTo(payload, t.wcm, &net.IPAddr{IP: dst.AsSlice()})
		return err
	})
}

// JoinGroup starts receiving the IPv6 multicast group on the interface.
func (t *IP6) JoinGroup(group netip.Addr) error { return t.membershipV6(t.pc, group, true) }

// LeaveGroup stops receiving the group.
func (t *IP6) LeaveGroup(group netip.Addr) error { return t.membershipV6(t.pc, group, false) }

// Close closes the socket and waits for the receive goroutine, as
// IP.Close.
func (t *IP6) Close() error { return t.close(t.conn.Close) }

// Source returns the configured source address, or the invalid Addr when
// the kernel chooses it.
func (t *IP6) Source() netip.Addr { return t.cfg.Source }

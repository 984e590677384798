package transport

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/switchless/routing"
	"github.com/vishvananda/netlink"
	"golang.org/x/net/ipv6"
)

var _ routing.UDPTransport = (*UDP6)(nil)

// UDP6 is an IPv6 UDP transport on one interface, for BFD over IPv6
// (RFC 5881 4: Control packets to port 3784, from a source port in
// 49152..65535, hop limit 255). It behaves like UDP: bound to the
// interface (SO_BINDTODEVICE), IPV6_V6ONLY, only the groups it joined,
// no multicast loopback, fixed hop limits and traffic class, and an
// optional separate source port (UDPConfig.SrcPort). IfIndex and Dst of
// received packets come from IPV6_PKTINFO and TTL from IPV6_HOPLIMIT, the
// hop limit as received, which BFD requires to be 255 (RFC 5881 5).
//
// Destinations are scoped to the transport's interface: a link-local
// destination needs no zone, and a zone on one is ignored.
type UDP6 struct {
	base
	udpSockets
	cfg UDPConfig
	pc  *ipv6.PacketConn // on conn
	spc *ipv6.PacketConn // on sconn
	wcm *ipv6.ControlMessage
}

// ListenUDP6 opens an IPv6 UDP socket on cfg's interface and port, and
// one on cfg.SrcPort if set, in cfg.Namespace if set. cfg.TTL is the
// unicast and cfg.MulticastTTL the multicast hop limit, cfg.TOS the
// traffic class; cfg.Source, when set, must be an IPv6 address of the
// interface. ctx bounds the opening only.
func ListenUDP6(ctx context.Context, cfg UDPConfig) (*UDP6, error) {
	if err := cfg.validate(true); err != nil {
		return nil, err
	}
	cfg.Source = cfg.Source.WithZone("")
	t := &UDP6{cfg: cfg, base: newBase(fmt.Sprintf("udp6:%d", cfg.port()), cfg.Logger)}
	if err := InNamespace(cfg.Namespace, func() error { return t.open(ctx) }); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *UDP6) open(ctx context.Context) (err error) {
	if err := t.openOn(ctx, t.cfg.Interface, t.cfg.IfIndex, netlink.FAMILY_V6, t.cfg.Source, "UDPConfig.Source"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			t.ifc.close()
		}
	}()
	if err := t.openSockets(ctx, &t.base, true, t.cfg); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			t.closeSockets()
		}
	}()
	t.pc, t.spc = ipv6.NewPacketConn(t.conn), ipv6.NewPacketConn(t.sconn)
	t.wcm, err = t.setOptionsV6(t.conn, t.pc, t.spc, t.cfg.sockOpts())
	return err
}

// Start implements routing.Transport: the receive goroutine calls
// deliver for every datagram received on the interface, with its source
// port in Packet.SrcPort and its hop limit in Packet.TTL. Payload is only
// valid during the call; deliver may call Send, not Close.
func (t *UDP6) Start(deliver func(routing.Packet)) error {
	if deliver == nil {
		return fmt.Errorf("%w: Start: deliver is nil", ErrInvalidConfig)
	}
	return t.start(func() { t.receive(deliver) })
}

func (t *UDP6) receive(deliver func(routing.Packet)) {
	t.receiveV6(t.conn, true, uint16(t.cfg.srcPort()), deliver)
}

// Send sends payload to dst at the transport's port (3784 for BFD), from
// its source port: an IPv6 unicast address (link-local or global) or a
// multicast group.
func (t *UDP6) Send(dst netip.Addr, payload []byte) error {
	return t.SendTo(netip.AddrPortFrom(dst, uint16(t.cfg.port())), payload)
}

// SendTo sends payload to dst's address and port, from the transport's
// source port. A zone on dst is ignored: the interface is the
// transport's.
func (t *UDP6) SendTo(dst netip.AddrPort, payload []byte) error {
	a := dst.Addr().WithZone("")
	if !a.Is6() || a.Is4In6() || a.IsUnspecified() || dst.Port() == 0 {
		return fmt.Errorf("%w: send to %v: need an IPv6 unicast or multicast address and a port", ErrInvalidAddress, dst)
	}
	return t.send(dst, func() error {
		_ = t.sconn.SetWriteDeadline(time.Now().Add(sendTimeout))
		// No zone: the socket is bound to the interface and the
		// IPV6_PKTINFO names it (and a zone name would be looked up in
		// the calling thread's namespace).
		_, err := t.spc.WriteTo(payload, t.wcm, &net.UDPAddr{IP: a.AsSlice(), Port: int(dst.Port())})
		return err
	})
}

// JoinGroup starts receiving the IPv6 multicast group on the interface,
// on Port. Joining twice does nothing.
func (t *UDP6) JoinGroup(group netip.Addr) error { return t.membershipV6(t.pc, group, true) }

// LeaveGroup stops receiving the group. Leaving a group not joined does
// nothing.
func (t *UDP6) LeaveGroup(group netip.Addr) error { return t.membershipV6(t.pc, group, false) }

// Close closes the socket (both, with SrcPort) and waits for the receive
// goroutine, as IP.Close.
func (t *UDP6) Close() error { return t.close(t.closeSockets) }

// Port returns the local UDP port, the one received on.
func (t *UDP6) Port() uint16 { return uint16(t.cfg.port()) }

// SrcPort returns the UDP port datagrams are sent from: UDPConfig.SrcPort,
// or Port when that is unset.
func (t *UDP6) SrcPort() uint16 { return uint16(t.cfg.srcPort()) }

// Source returns the configured source address, or the invalid Addr when
// the kernel chooses it.
func (t *UDP6) Source() netip.Addr { return t.cfg.Source }

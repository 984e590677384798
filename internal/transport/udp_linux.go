package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/switchless/routing"
	"github.com/vishvananda/netlink"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

var _ routing.UDPTransport = (*UDP)(nil)

// UDP is an IPv4 UDP transport on one interface, for RIP and BFD: it
// listens on port 520 (UDPConfig.Port) of every address, bound to the
// interface, and sends from that port, or from UDPConfig.SrcPort through
// a second socket (BFD: to 3784 from 49152..65535, RFC 5881 4). It
// implements routing.UDPTransport; received packets carry the source port,
// which RIP checks (RFC 2453 3.9), and the TTL, which BFD checks (RFC 5881
// 5).
//
// Several UDP transports on different interfaces of one host coexist on
// the same port: each socket is bound to its interface before it binds
// the port, and has SO_REUSEADDR. Multicast datagrams go to every socket
// that joined the group on the arriving interface; unicast to the one
// bound to it.
type UDP struct {
	base
	udpSockets
	cfg UDPConfig
	pc  *ipv4.PacketConn                    // on conn
	spc *ipv4.PacketConn                    // on sconn
	wcm atomic.Pointer[ipv4.ControlMessage] // as IP's
}

// ListenUDP opens a UDP socket on cfg's interface and port, in
// cfg.Namespace if set. ctx bounds the opening only.
func ListenUDP(ctx context.Context, cfg UDPConfig) (*UDP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Source = cfg.Source.Unmap()
	t := &UDP{cfg: cfg, base: newBase(fmt.Sprintf("udp4:%d", cfg.port()), cfg.Logger)}
	if err := InNamespace(cfg.Namespace, func() error { return t.open(ctx) }); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *UDP) open(ctx context.Context) (err error) {
	if err := t.openOn(ctx, t.cfg.Interface, t.cfg.IfIndex, netlink.FAMILY_V4, t.cfg.Source, "UDPConfig.Source"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			t.ifc.close()
		}
	}()
	if err := t.openSockets(ctx, &t.base, false, t.cfg); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			t.closeSockets()
		}
	}()
	t.pc, t.spc = ipv4.NewPacketConn(t.conn), ipv4.NewPacketConn(t.sconn)
	wcm, err := t.setOptionsV4(t.conn, t.pc, t.spc, t.cfg.sockOpts())
	t.wcm.Store(wcm)
	return err
}

// udpSockets are the sockets of a UDP transport (UDP, UDP6).
type udpSockets struct {
	conn *net.UDPConn // receives on Port
	// sconn sends: the socket bound to SrcPort, or conn when SrcPort is
	// zero.
	sconn *net.UDPConn
}

// openSockets opens the sockets of b's interface, in the calling
// thread's namespace. On an error none stays open.
func (s *udpSockets) openSockets(ctx context.Context, b *base, ipv6 bool, cfg UDPConfig) (err error) {
	s.conn, err = listenUDPSocket(ctx, b.ifc, ipv6, cfg.port(), true)
	if err != nil {
		return fmt.Errorf("transport: open %s on %s: %w", b.kind, b.ifc.name, err)
	}
	s.sconn = s.conn
	if cfg.SrcPort != 0 {
		if s.sconn, err = listenUDPSocket(ctx, b.ifc, ipv6, cfg.srcPort(), false); err != nil {
			s.conn.Close()
			return fmt.Errorf("transport: open %s source port %d on %s: %w", b.kind, cfg.SrcPort, b.ifc.name, err)
		}
	}
	return nil
}

// closeSockets closes the receiving and, if separate, the sending socket.
func (s *udpSockets) closeSockets() error {
	err := s.conn.Close()
	if s.sconn != nil && s.sconn != s.conn {
		err = errors.Join(err, s.sconn.Close())
	}
	return err
}

// listenUDPSocket opens a UDP socket bound to ifc and to port on every
// address (IPv4 or IPv6 only), in the calling thread's namespace.
//
// A receiving socket has SO_REUSEADDR, so that sockets of other
// interfaces (bound to their own device) share the port. SO_REUSEPORT is
// deliberately not set: it would load-balance unicast datagrams between
// sockets of the same interface and let any process of the same user
// join. A send-only socket (UDPConfig.SrcPort) does not share its port,
// so that bind reports a port in use, and has a socket filter that
// accepts nothing, so that datagrams addressed to it do not pile up
// unread in its buffer.
func listenUDPSocket(ctx context.Context, ifc *iface, ipv6 bool, port int, receive bool) (*net.UDPConn, error) {
	opts := func(fd int) error {
		if receive {
			return wrapOpt("SO_REUSEADDR", unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1))
		}
		drop := []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: 0}}
		return wrapOpt("SO_ATTACH_FILTER", unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER,
			&unix.SockFprog{Len: uint16(len(drop)), Filter: &drop[0]}))
	}
	network, addr := "udp4", fmt.Sprintf("0.0.0.0:%d", port)
	if ipv6 {
		// "udp6" sets IPV6_V6ONLY: IPv4 has its own socket.
		network, addr = "udp6", fmt.Sprintf("[::]:%d", port)
	}
	lc := net.ListenConfig{Control: socketControl(ifc, ipv6, opts)}
	c, err := lc.ListenPacket(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return c.(*net.UDPConn), nil
}

// Start implements routing.Transport: the receive goroutine calls
// deliver for every datagram received on the interface, with its source
// port in Packet.SrcPort. Payload is only valid during the call; deliver
// may call Send, not Close.
func (t *UDP) Start(deliver func(routing.Packet)) error {
	if deliver == nil {
		return fmt.Errorf("%w: Start: deliver is nil", ErrInvalidConfig)
	}
	return t.start(func() { t.receive(deliver) })
}

func (t *UDP) receive(deliver func(routing.Packet)) {
	t.receiveLoop(readV4(t.pc), uint16(t.cfg.srcPort()), deliver)
}

// Send sends payload to dst at the transport's port (520 for RIP, 3784
// for BFD), from its source port: a unicast neighbor or a multicast group
// such as 224.0.0.9.
func (t *UDP) Send(dst netip.Addr, payload []byte) error {
	return t.SendTo(netip.AddrPortFrom(dst, uint16(t.cfg.port())), payload)
}

// SendTo sends payload to dst's address and port, from the transport's
// source port (SrcPort, or Port when unset). RIP answers a request from a port other than 520 this way
// (RFC 2453 3.9.1).
func (t *UDP) SendTo(dst netip.AddrPort, payload []byte) error {
	a := dst.Addr().Unmap()
	if !a.Is4() || a.IsUnspecified() || dst.Port() == 0 {
		return fmt.Errorf("%w: send to %v: need an IPv4 unicast or multicast address and a port", ErrInvalidAddress, dst)
	}
	return t.send(dst, func() error {
		_ = t.sconn.SetWriteDeadline(time.Now().Add(sendTimeout))
		_, err := t.spc.WriteTo(payload, t.wcm.Load(), &net.UDPAddr{IP: a.AsSlice(), Port: int(dst.Port())})
		return err
	})
}

// JoinGroup starts receiving the IPv4 multicast group (224.0.0.9 for
// RIP-2, RFC 2453 4.5) on the interface, on Port. Joining twice does
// nothing.
func (t *UDP) JoinGroup(group netip.Addr) error { return t.membershipV4(t.pc, group, true) }

// LeaveGroup stops receiving the group. Leaving a group not joined does
// nothing.
func (t *UDP) LeaveGroup(group netip.Addr) error { return t.membershipV4(t.pc, group, false) }

// Close closes the socket (both, with SrcPort) and waits for the receive
// goroutine, as IP.Close.
func (t *UDP) Close() error { return t.close(t.closeSockets) }

// Port returns the local UDP port, the one received on.
func (t *UDP) Port() uint16 { return uint16(t.cfg.port()) }

// SrcPort returns the UDP port datagrams are sent from: UDPConfig.SrcPort,
// or Port when that is unset.
func (t *UDP) SrcPort() uint16 { return uint16(t.cfg.srcPort()) }

// Source returns the source address of the datagrams sent, as IP.Source.
func (t *UDP) Source() netip.Addr { return cmSource(t.wcm.Load()) }

// SetSource is IP.SetSource for the datagrams sent.
func (t *UDP) SetSource(src netip.Addr) error { return t.setSourceV4(&t.wcm, src, "UDP.SetSource") }

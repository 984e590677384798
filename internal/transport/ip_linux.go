package transport

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/switchless/routing"
	"github.com/vishvananda/netlink"
	"golang.org/x/net/ipv4"
)

var _ routing.Transport = (*IP)(nil)

// IP is a raw IPv4 transport for one IP protocol on one interface: OSPF
// (protocol 89) or VRRP (112). It implements routing.Transport.
//
// The socket is bound to the interface (SO_BINDTODEVICE), so only packets
// that arrived on it are received and every packet sent leaves through it;
// it receives only the groups joined through it (IP_MULTICAST_ALL off);
// multicast loopback is off; TTL and TOS are fixed by the IPConfig. The IP
// header is stripped from received packets (by its IHL, so options are
// skipped too) and its fields come from control messages: IfIndex and
// Dst from IP_PKTINFO, TTL from IP_TTL.
type IP struct {
	base
	cfg  IPConfig
	conn *net.IPConn
	pc   *ipv4.PacketConn
	// wcm is the source and interface of every send, replaced whole
	// by SetSource.
	wcm atomic.Pointer[ipv4.ControlMessage]
}

// ListenIP opens a raw IPv4 socket for cfg.Protocol on cfg's interface,
// in cfg.Namespace if set. ctx bounds the opening only; the transport
// lives until Close. Receiving starts with Start.
func ListenIP(ctx context.Context, cfg IPConfig) (*IP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Source.IsValid() && !cfg.Source.Unmap().Is4() {
		return nil, fmt.Errorf("%w: IPConfig.Source: ListenIP needs an IPv4 address, got %v", ErrInvalidConfig, cfg.Source)
	}
	cfg.Source = cfg.Source.Unmap()
	t := &IP{cfg: cfg, base: newBase(fmt.Sprintf("ip4:%d", cfg.Protocol), cfg.Logger)}
	if err := InNamespace(cfg.Namespace, func() error { return t.open(ctx) }); err != nil {
		return nil, err
	}
	return t, nil
}

// open runs inside the transport's namespace.
func (t *IP) open(ctx context.Context) (err error) {
	if err := t.openOn(ctx, t.cfg.Interface, t.cfg.IfIndex, netlink.FAMILY_V4, t.cfg.Source, "IPConfig.Source"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			t.ifc.close()
		}
	}()
	lc := net.ListenConfig{Control: socketControl(t.ifc, false, nil)}
	c, err := lc.ListenPacket(ctx, t.kind, "0.0.0.0")
	if err != nil {
		return fmt.Errorf("transport: open %s on %s: %w", t.kind, t.ifc.name, err)
	}
	t.conn = c.(*net.IPConn)
	defer func() {
		if err != nil {
			t.conn.Close()
		}
	}()
	t.pc = ipv4.NewPacketConn(t.conn)
	wcm, err := t.setOptionsV4(t.conn, t.pc, t.pc, t.cfg.sockOpts())
	t.wcm.Store(wcm)
	return err
}

// Start starts the receive goroutine, which calls deliver for every packet
// received on the interface, one at a time. Packet.Payload is only valid
// during the call. deliver may call Send; it must not call Close.
func (t *IP) Start(deliver func(routing.Packet)) error {
	if deliver == nil {
		return fmt.Errorf("%w: Start: deliver is nil", ErrInvalidConfig)
	}
	return t.start(func() { t.receive(deliver) })
}

func (t *IP) receive(deliver func(routing.Packet)) { t.receiveLoop(readV4(t.pc), 0, deliver) }

// Send sends payload to dst, an IPv4 unicast address on the link or a
// multicast group, from the interface with the configured TTL and TOS. It
// returns net.ErrClosed after Close.
func (t *IP) Send(dst netip.Addr, payload []byte) error {
	dst = dst.Unmap()
	if !dst.Is4() || dst.IsUnspecified() {
		return fmt.Errorf("%w: send to %v: need an IPv4 unicast or multicast address", ErrInvalidAddress, dst)
	}
	return t.send(dst, func() error {
		_ = t.conn.SetWriteDeadline(time.Now().Add(sendTimeout))
		_, err := t.pc.WriteTo(payload, t.wcm.Load(), &net.IPAddr{IP: dst.AsSlice()})
		return err
	})
}

// JoinGroup starts receiving the IPv4 multicast group on the interface.
// Joining a group already joined does nothing.
func (t *IP) JoinGroup(group netip.Addr) error { return t.membershipV4(t.pc, group, true) }

// LeaveGroup stops receiving the group. Leaving a group not joined does
// nothing.
func (t *IP) LeaveGroup(group netip.Addr) error { return t.membershipV4(t.pc, group, false) }

// Close closes the socket and waits for the receive goroutine: once it
// returns, deliver is not called again, and Send, JoinGroup and
// LeaveGroup return net.ErrClosed. It is safe to call more than once.
func (t *IP) Close() error { return t.close(t.conn.Close) }

// Source returns the source address of the packets sent (IPConfig.Source
// or the last SetSource), or the invalid Addr when the kernel chooses it.
func (t *IP) Source() netip.Addr { return cmSource(t.wcm.Load()) }

// SetSource makes src the source of every packet sent from now on, as
// after the interface was re-addressed: src must be an IPv4 address of
// the interface now (the invalid Addr lets the kernel choose). On error
// the source stays.
func (t *IP) SetSource(src netip.Addr) error { return t.setSourceV4(&t.wcm, src, "IP.SetSource") }

// multicastLoopback turns multicast loopback on or off; tests use it to
// make the kernel hand our own packets back.
func (t *IP) multicastLoopback(on bool) error { return t.pc.SetMulticastLoopback(on) }

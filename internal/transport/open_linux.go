package transport

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"syscall"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

// openOn opens the transport's interface (family netlink.FAMILY_V4 or
// FAMILY_V6) and checks that source, when set, is one of its addresses;
// field names the configuration field for the error. On an error nothing
// stays open.
func (b *base) openOn(ctx context.Context, name string, index, family int, source netip.Addr, field string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ifc, err := openIface(name, index, family, b.log)
	if err != nil {
		return err
	}
	if source.IsValid() && !ifc.has(source) {
		ifc.close()
		return fmt.Errorf("%w: %s: %v is not an address of %s", ErrInvalidConfig, field, source, ifc.name)
	}
	b.ifc = ifc
	return nil
}

// sockOpts are the options a transport sets once its sockets are open.
type sockOpts struct {
	// multicastTTL, ttl and tos are the IPv4 TTLs and TOS, or the IPv6
	// hop limits and traffic class, of every packet sent.
	multicastTTL, ttl, tos int
	receiveBuffer          int        // SO_RCVBUF, when positive; 0 means DefaultReceiveBuffer
	source                 netip.Addr // source of every packet sent, when valid
}

func (c IPConfig) sockOpts() sockOpts {
	return sockOpts{multicastTTL: c.ttl(), ttl: c.ttl(), tos: c.tos(), receiveBuffer: c.ReceiveBuffer, source: c.Source}
}

func (c UDPConfig) sockOpts() sockOpts {
	return sockOpts{multicastTTL: c.multicastTTL(), ttl: c.ttl(), tos: c.tos(), receiveBuffer: c.ReceiveBuffer, source: c.Source}
}

// readBufferer is the receiving socket (*net.IPConn or *net.UDPConn).
type readBufferer interface {
	SetReadBuffer(bytes int) error
	SyscallConn() (syscall.RawConn, error)
}

// setReadBuffer asks for a receive buffer of n bytes: SO_RCVBUFFORCE,
// which passes net.core.rmem_max and which a routing daemon may use
// (CAP_NET_ADMIN), else SO_RCVBUF, which the kernel caps at rmem_max.
func setReadBuffer(conn readBufferer, n int) error {
	if rc, err := conn.SyscallConn(); err == nil {
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n)
		}); err == nil && serr == nil {
			return nil
		}
	}
	return conn.SetReadBuffer(n)
}

// setOptionsV4 sets the options of an IPv4 transport: control messages on
// pc, the receiving socket; multicast interface, no multicast loopback,
// TTLs and TOS on spc, the sending one (pc too unless a separate socket
// sends); the receive buffer of conn. It returns the control message of
// every send, which names the interface and the source.
func (b *base) setOptionsV4(conn readBufferer, pc, spc *ipv4.PacketConn, o sockOpts) (*ipv4.ControlMessage, error) {
	err := b.setOptions(conn, o.receiveBuffer,
		wrapOpt("IP_PKTINFO/IP_RECVTTL", pc.SetControlMessage(ipv4.FlagTTL|ipv4.FlagDst|ipv4.FlagInterface, true)),
		wrapOpt("IP_MULTICAST_IF", spc.SetMulticastInterface(b.ifc.netIf())),
		wrapOpt("IP_MULTICAST_LOOP", spc.SetMulticastLoopback(false)),
		wrapOpt("IP_MULTICAST_TTL", spc.SetMulticastTTL(o.multicastTTL)),
		wrapOpt("IP_TTL", spc.SetTTL(o.ttl)),
		wrapOpt("IP_TOS", spc.SetTOS(o.tos)),
	)
	if err != nil {
		return nil, err
	}
	wcm := &ipv4.ControlMessage{IfIndex: b.ifc.index}
	if o.source.IsValid() {
		wcm.Src = o.source.AsSlice()
	}
	return wcm, nil
}

// setOptionsV6 is setOptionsV4 for IPv6: IPV6_PKTINFO of every send names
// the interface, which scopes link-local destinations, and the source.
func (b *base) setOptionsV6(conn readBufferer, pc, spc *ipv6.PacketConn, o sockOpts) (*ipv6.ControlMessage, error) {
	err := b.setOptions(conn, o.receiveBuffer,
		wrapOpt("IPV6_RECVPKTINFO/IPV6_RECVHOPLIMIT", pc.SetControlMessage(ipv6.FlagHopLimit|ipv6.FlagDst|ipv6.FlagInterface, true)),
		wrapOpt("IPV6_MULTICAST_IF", spc.SetMulticastInterface(b.ifc.netIf())),
		wrapOpt("IPV6_MULTICAST_LOOP", spc.SetMulticastLoopback(false)),
		wrapOpt("IPV6_MULTICAST_HOPS", spc.SetMulticastHopLimit(o.multicastTTL)),
		wrapOpt("IPV6_UNICAST_HOPS", spc.SetHopLimit(o.ttl)),
		wrapOpt("IPV6_TCLASS", spc.SetTrafficClass(o.tos)),
	)
	if err != nil {
		return nil, err
	}
	wcm := &ipv6.ControlMessage{IfIndex: b.ifc.index}
	if o.source.IsValid() {
		wcm.Src = o.source.AsSlice()
	}
	return wcm, nil
}

// setOptions joins the results of setting the options, then sets the
// receive buffer if they all succeeded and receiveBuffer is not negative
// (zero: DefaultReceiveBuffer).
func (b *base) setOptions(conn readBufferer, receiveBuffer int, results ...error) error {
	err := errors.Join(results...)
	if receiveBuffer == 0 {
		receiveBuffer = DefaultReceiveBuffer
	}
	if err == nil && receiveBuffer > 0 {
		err = wrapOpt("SO_RCVBUF", setReadBuffer(conn, receiveBuffer))
	}
	if err != nil {
		return fmt.Errorf("transport: %s on %s: %w", b.kind, b.ifc.name, err)
	}
	return nil
}

// cmSource is the source a send's control message names, or the invalid
// Addr when the kernel chooses.
func cmSource(cm *ipv4.ControlMessage) netip.Addr {
	if cm == nil || cm.Src == nil {
		return netip.Addr{}
	}
	a, _ := netip.AddrFromSlice(cm.Src.To4())
	return a
}

// setSourceV4 replaces the control message *wcm with one naming src, once
// src is checked to be an IPv4 address of the interface.
func (b *base) setSourceV4(wcm *atomic.Pointer[ipv4.ControlMessage], src netip.Addr, field string) error {
	src = src.Unmap()
	if src.IsValid() && (!src.Is4() || src.IsMulticast() || src.IsUnspecified()) {
		return fmt.Errorf("%w: %s: %v is not an IPv4 unicast address", ErrInvalidConfig, field, src)
	}
	if src.IsValid() && !b.ifc.has(src) {
		return fmt.Errorf("%w: %s: %v is not an address of %s", ErrInvalidConfig, field, src, b.ifc.name)
	}
	cm := &ipv4.ControlMessage{IfIndex: b.ifc.index}
	if src.IsValid() {
		cm.Src = src.AsSlice()
	}
	wcm.Store(cm)
	return nil
}

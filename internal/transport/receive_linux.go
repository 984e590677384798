package transport

import (
	"net"
	"net/netip"
	"syscall"

	"github.com/switchless/routing"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// readFunc reads one packet for receiveLoop. It returns the packet with
// Src (and SrcPort on UDP) set as far as known, and ok false when the
// packet is malformed (no control message, or a source of the wrong
// family); a non-nil error is a failed read.
type readFunc func() (p routing.Packet, ok bool, err error)

// receiveLoop is the receive goroutine of every transport: it reads with
// read until Close, counts each packet, and drops the malformed ones,
// those that arrived on another interface and our own (from an address of
// the interface and from ownPort, which is zero on raw sockets), before
// it calls deliver.
func (b *base) receiveLoop(read readFunc, ownPort uint16, deliver func(routing.Packet)) {
	fails := 0
	for {
		p, ok, err := read()
		if err != nil {
			fails++
			if b.readFailed(err, fails) {
				return
			}
			continue
		}
		fails = 0
		b.received.Add(1)
		if !ok {
			b.drop(&b.droppedMalformed, "no control message or source", p.Src)
			continue
		}
		if p.IfIndex != b.ifc.index {
			b.drop(&b.droppedInterface, "other interface", p.Src)
			continue
		}
		// Our own datagrams come from our (source) port; a local tool
		// querying from another port is a legitimate requester (RFC 2453
		// 3.9.1).
		if p.SrcPort == ownPort && b.ifc.has(p.Src) {
			b.drop(&b.droppedOwn, "own address", p.Src)
			continue
		}
		if b.isClosing() {
			return
		}
		b.delivered.Add(1)
		deliver(p)
	}
}

// readV4 reads from an IPv4 raw or UDP socket through pc, the header's
// fields from IP_PKTINFO and IP_TTL.
func readV4(pc *ipv4.PacketConn) readFunc {
	buf := make([]byte, maxPacket)
	return func() (p routing.Packet, ok bool, err error) {
		n, cm, src, err := pc.ReadFrom(buf)
		if err != nil {
			return p, false, err
		}
		switch a := src.(type) {
		case *net.IPAddr:
			p.Src = addrFromNet(a.IP)
		case *net.UDPAddr:
			p.Src, p.SrcPort = addrFromNet(a.IP), uint16(a.Port)
		}
		if cm == nil || !p.Src.Is4() {
			return p, false, nil
		}
		p.IfIndex, p.Dst, p.TTL, p.Payload = cm.IfIndex, addrFromNet(cm.Dst), uint8(cm.TTL), buf[:n]
		return p, true, nil
	}
}

// readV6 reads from an IPv6 raw or UDP socket with recvmsg6, the
// header's fields from IPV6_PKTINFO and IPV6_HOPLIMIT. With noMapped, an
// IPv4-mapped source is malformed (UDP6: IPv4 has its own socket).
func readV6(rc syscall.RawConn, noMapped bool) readFunc {
	buf := make([]byte, maxPacket)
	oob := ipv6.NewControlMessage(ipv6.FlagHopLimit | ipv6.FlagDst | ipv6.FlagInterface)
	var cm ipv6.ControlMessage
	return func() (p routing.Packet, ok bool, err error) {
		// recvmsg6 rather than ReadFrom, for the reason given there.
		n, oobn, src, err := recvmsg6(rc, buf, oob)
		if err != nil {
			return p, false, err
		}
		p = routing.Packet{Src: src.Addr(), SrcPort: src.Port(), Payload: buf[:n]}
		cm = ipv6.ControlMessage{}
		if oobn == 0 || cm.Parse(oob[:oobn]) != nil || !p.Src.Is6() || (noMapped && p.Src.Is4In6()) {
			return p, false, nil
		}
		p.IfIndex, p.TTL = cm.IfIndex, uint8(cm.HopLimit)
		if d, ok := netip.AddrFromSlice(cm.Dst); ok {
			p.Dst = d
		}
		return p, true, nil
	}
}

// receiveV6 is the receive goroutine of the IPv6 transports on conn.
func (b *base) receiveV6(conn syscall.Conn, noMapped bool, ownPort uint16, deliver func(routing.Packet)) {
	rc, err := conn.SyscallConn()
	if err != nil {
		b.readFailed(err, 1)
		return
	}
	b.receiveLoop(readV6(rc, noMapped), ownPort, deliver)
}

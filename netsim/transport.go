package netsim

import (
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/switchless/routing"
)

// Well-known protocol numbers and ports, for TransportConfig.
const (
	ProtoOSPF = 89  // IP protocol of OSPF (RFC 2328 A.1)
	ProtoVRRP = 112 // IP protocol of VRRP (RFC 3768 5.2.4, RFC 5798 5.1.1.4)
	PortRIP   = 520 // UDP port of RIP (RFC 2453 3.1)
	// PortBFD is the UDP port single-hop BFD Control packets are sent to
	// and received on (RFC 5881 4).
	PortBFD = 3784
	// PortBFDSrcMin is the lowest source port of BFD Control packets: RFC
	// 5881 4 has them sent from a port in 49152..65535.
	PortBFDSrcMin = 49152

	protoUDP = 17
)

// Default TTLs, the values the RFCs require.
const (
	ttlOSPF = 1   // RFC 2328 A.1: multicast OSPF packets are sent with TTL 1
	ttlVRRP = 255 // RFC 3768 5.2.3 / RFC 5798 5.1.1.3: TTL (hop limit) 255
	// Other protocols get the Linux defaults: 64 for unicast, 1 for
	// multicast (IP_MULTICAST_TTL).
	ttlUnicast   = 64
	ttlMulticast = 1
	// tosOSPF is IP precedence Internetwork Control (RFC 2328 A.1).
	tosOSPF = 0xc0
)

// TransportConfig chooses the protocol a Transport carries. Exactly one of
// IPProto and UDPPort is set.
type TransportConfig struct {
	// IPProto is the IP protocol number of a raw IP transport: 89 for
	// OSPF, 112 for VRRP. It must not be 17 (UDP: use UDPPort).
	IPProto uint8
	// UDPPort is the UDP port of a UDP transport (520 for RIP, 3784 for
	// BFD); packets are received when addressed to it, Send sends to it,
	// and, unless SrcPort is set, packets are sent from it.
	UDPPort uint16
	// SrcPort, when set, is the source port of every datagram the UDP
	// transport sends, instead of UDPPort: BFD sends from a port in
	// 49152..65535 to the peer's 3784 (RFC 5881 4). The transport still
	// receives only what is addressed to UDPPort, not to SrcPort, as a
	// second, send-only socket would. It requires UDPPort.
	SrcPort uint16
	// IPv6 makes the transport carry IPv6 instead of IPv4, like an ip6:
	// socket next to an ip4: one. A transport sends and receives one
	// family only.
	IPv6 bool
	// TTL is the TTL (hop limit) sent with. Zero means 1 for OSPF, 255
	// for VRRP, and otherwise 64 for unicast and 1 for multicast.
	TTL uint8
	// TOS is the IPv4 TOS or IPv6 traffic class, which only shows in
	// captures. Zero means 0xc0 for OSPF and 0 otherwise.
	TOS uint8
	// Src is the source address. The zero value means the attachment's
	// first address of the family (for IPv6 its first link-local address
	// if any), looked up at each Send, so address changes take effect.
	Src netip.Addr
}

// Validate reports the first invalid field, wrapped in ErrInvalidConfig.
func (c TransportConfig) Validate() error {
	switch {
	case c.IPProto == 0 && c.UDPPort == 0:
		return fmt.Errorf("%w: TransportConfig: one of IPProto and UDPPort must be set", ErrInvalidConfig)
	case c.IPProto != 0 && c.UDPPort != 0:
		return fmt.Errorf("%w: TransportConfig: IPProto %d and UDPPort %d are both set", ErrInvalidConfig, c.IPProto, c.UDPPort)
	case c.SrcPort != 0 && c.UDPPort == 0:
		return fmt.Errorf("%w: TransportConfig.SrcPort %d: needs UDPPort (a UDP transport)", ErrInvalidConfig, c.SrcPort)
	case c.IPProto == protoUDP:
		return fmt.Errorf("%w: TransportConfig.IPProto = 17: use UDPPort for UDP", ErrInvalidConfig)
	case c.Src.IsValid() && (c.Src.Is4() == c.IPv6 || c.Src.Is4In6()):
		return fmt.Errorf("%w: TransportConfig.Src = %v: not an %s address", ErrInvalidConfig, c.Src, c.family())
	case c.Src.IsValid() && (c.Src.IsMulticast() || c.Src.IsUnspecified()):
		return fmt.Errorf("%w: TransportConfig.Src = %v: not a unicast address", ErrInvalidConfig, c.Src)
	}
	return nil
}

func (c TransportConfig) family() string {
	if c.IPv6 {
		return "IPv6"
	}
	return "IPv4"
}

// wireProto is the IP protocol number on the wire.
func (c TransportConfig) wireProto() uint8 {
	if c.UDPPort != 0 {
		return protoUDP
	}
	return c.IPProto
}

// srcPort is the UDP source port of the datagrams sent.
func (c TransportConfig) srcPort() uint16 {
	if c.SrcPort != 0 {
		return c.SrcPort
	}
	return c.UDPPort
}

func (c TransportConfig) ttl(multicast bool) uint8 {
	switch {
	case c.TTL != 0:
		return c.TTL
	case c.UDPPort == 0 && c.IPProto == ProtoOSPF:
		return ttlOSPF
	case c.UDPPort == 0 && c.IPProto == ProtoVRRP:
		return ttlVRRP
	case multicast:
		return ttlMulticast
	}
	return ttlUnicast
}

func (c TransportConfig) tos() uint8 {
	if c.TOS == 0 && c.UDPPort == 0 && c.IPProto == ProtoOSPF {
		return tosOSPF
	}
	return c.TOS
}

// sameProtocol reports whether a packet sent by a transport of c is for a
// transport of d.
func (c TransportConfig) sameProtocol(d TransportConfig) bool {
	return c.IPProto == d.IPProto && c.UDPPort == d.UDPPort && c.IPv6 == d.IPv6
}

// Transport is the simulated routing.Transport of one protocol on one
// attachment. It follows the routing.Transport contract:
//
//   - deliver is called on the goroutine driving the clock, one packet at a
//     time, with a Payload valid only during the call (the buffer is
//     reused);
//   - Send never delivers synchronously: every copy is a clock timer;
//   - packets are never delivered back to the sending attachment, and
//     several transports (of different or even the same protocol) may be
//     open on one attachment: each matching one gets the packet, as raw
//     sockets do;
//   - after Close, Send, JoinGroup, LeaveGroup and Close return
//     net.ErrClosed and deliver is not called again. (That holds when
//     Close runs on the goroutine driving the clock, including from a
//     callback; a Close from another goroutine may race with a delivery
//     already in progress.)
type Transport struct {
	att     *Attachment
	cfg     TransportConfig
	started bool
	closed  bool
	deliver func(routing.Packet)
	groups  []netip.Addr // joined, in join order
}

var _ routing.UDPTransport = (*Transport)(nil)

// Transport opens a transport for the protocol in cfg on the attachment.
func (a *Attachment) Transport(cfg TransportConfig) (*Transport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t := &Transport{att: a, cfg: cfg}
	a.net.mu.Lock()
	defer a.net.mu.Unlock()
	a.transports = append(a.transports, t)
	return t, nil
}

// Attachment returns the attachment the transport is open on.
func (t *Transport) Attachment() *Attachment { return t.att }

// Config returns the transport's configuration.
func (t *Transport) Config() TransportConfig { return t.cfg }

// Start registers deliver and starts delivering. Packets that arrive
// before Start are dropped (DropNoListener). Send and JoinGroup work
// before Start.
func (t *Transport) Start(deliver func(routing.Packet)) error {
	if deliver == nil {
		return fmt.Errorf("%w: Start with a nil deliver function", ErrInvalidConfig)
	}
	n := t.att.net
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case t.closed:
		return net.ErrClosed
	case t.started:
		return ErrStarted
	}
	t.started = true
	t.deliver = deliver
	return nil
}

// JoinGroup starts receiving multicast group on this transport. Joining a
// group twice is not an error.
func (t *Transport) JoinGroup(group netip.Addr) error {
	if err := t.checkGroup(group); err != nil {
		return err
	}
	n := t.att.net
	n.mu.Lock()
	defer n.mu.Unlock()
	if t.closed {
		return net.ErrClosed
	}
	if !slices.Contains(t.groups, group) {
		t.groups = append(t.groups, group)
	}
	return nil
}

// LeaveGroup stops receiving group. Leaving a group not joined is not an
// error. Copies already in flight to a group left are dropped.
func (t *Transport) LeaveGroup(group netip.Addr) error {
	if err := t.checkGroup(group); err != nil {
		return err
	}
	n := t.att.net
	n.mu.Lock()
	defer n.mu.Unlock()
	if t.closed {
		return net.ErrClosed
	}
	t.groups = slices.DeleteFunc(t.groups, func(g netip.Addr) bool { return g == group })
	return nil
}

func (t *Transport) checkGroup(g netip.Addr) error {
	if !g.IsValid() || !g.IsMulticast() || g.Is4() == t.cfg.IPv6 || g.Is4In6() {
		return fmt.Errorf("%w: group %v is not an %s multicast address", ErrBadDestination, g, t.cfg.family())
	}
	return nil
}

// Close closes the transport: groups are left, copies in flight to it are
// dropped and deliver is not called again.
func (t *Transport) Close() error {
	n := t.att.net
	n.mu.Lock()
	defer n.mu.Unlock()
	if t.closed {
		return net.ErrClosed
	}
	t.closed = true
	t.groups = nil
	t.deliver = nil
	t.att.transports = slices.DeleteFunc(t.att.transports, func(u *Transport) bool { return u == t })
	return nil
}

// Send transmits payload to dst, a unicast address on the link, a
// multicast group, or the limited (255.255.255.255) or the sender's
// subnet-directed IPv4 broadcast; over UDP, to UDPPort, from SrcPort
// when set. The payload is copied; delivery is
// scheduled on the clock. A packet the network drops (loss, MTU, cut,
// crash, nobody listening) is not an error, as on a real wire: it is
// counted in Stats.
func (t *Transport) Send(dst netip.Addr, payload []byte) error {
	return t.send(dst, t.cfg.UDPPort, payload)
}

// SendTo transmits payload to dst's address and UDP port, from the
// transport's own port, or SrcPort when set (routing.UDPTransport): RIP
// answers a request to the port it came from (RFC 2453 3.9.1). Receivers take it when they have
// a UDP transport of dst's port. It fails with ErrBadDestination on a raw
// IP transport or for port 0.
func (t *Transport) SendTo(dst netip.AddrPort, payload []byte) error {
	if t.cfg.UDPPort == 0 || dst.Port() == 0 {
		return fmt.Errorf("%w: SendTo %v on a %s transport", ErrBadDestination, dst, t.kind())
	}
	return t.send(dst.Addr(), dst.Port(), payload)
}

func (t *Transport) kind() string {
	if t.cfg.UDPPort != 0 {
		return fmt.Sprintf("UDP port %d", t.cfg.UDPPort)
	}
	return fmt.Sprintf("IP protocol %d", t.cfg.IPProto)
}

func (t *Transport) send(dst netip.Addr, dport uint16, payload []byte) error {
	n := t.att.net
	n.mu.Lock()
	defer n.mu.Unlock()
	if t.closed {
		return net.ErrClosed
	}
	if !dst.IsValid() || dst.Is4() == t.cfg.IPv6 || dst.Is4In6() || dst.IsUnspecified() {
		return fmt.Errorf("%w: %v is not an %s destination", ErrBadDestination, dst, t.cfg.family())
	}
	src, err := t.sourceLocked()
	if err != nil {
		return err
	}
	l4 := len(payload)
	if t.cfg.UDPPort != 0 {
		l4 += udpHeaderLen
	}
	// IPv4 total length includes its header; IPv6 payload length does not.
	if (!t.cfg.IPv6 && ipv4HeaderLen+l4 > 0xffff) || (t.cfg.IPv6 && l4 > 0xffff) {
		return fmt.Errorf("%w: %d bytes", ErrTooLarge, len(payload))
	}
	size := ipHeaderLen(t.cfg.IPv6) + l4
	n.sendLocked(t, src, dst, dport, payload, size)
	return nil
}

// sourceLocked picks the source address of the next packet.
func (t *Transport) sourceLocked() (netip.Addr, error) {
	if t.cfg.Src.IsValid() {
		return t.cfg.Src, nil
	}
	var first netip.Addr
	for _, p := range t.att.addrs {
		a := p.Addr()
		if a.Is4() == t.cfg.IPv6 {
			continue
		}
		if !t.cfg.IPv6 || a.IsLinkLocalUnicast() {
			return a, nil
		}
		if !first.IsValid() {
			first = a
		}
	}
	if first.IsValid() {
		return first, nil
	}
	return netip.Addr{}, fmt.Errorf("%w: %s has no %s address", ErrNoAddress, t.att, t.cfg.family())
}

// listensLocked reports whether t takes a packet of protocol c to dst of
// kind k, ignoring whether it is started.
func (t *Transport) listensLocked(c TransportConfig, dst netip.Addr, k dstKind) bool {
	if t.closed || !t.cfg.sameProtocol(c) {
		return false
	}
	if k == dstMulticast {
		return slices.Contains(t.groups, dst)
	}
	return true
}

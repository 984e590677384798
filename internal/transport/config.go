package transport

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"

	"github.com/switchless/routing"
)

// IP protocol numbers and the UDP port of the protocols in this suite.
const (
	// ProtocolOSPF is the IP protocol number of OSPF (RFC 2328 A.1).
	ProtocolOSPF = 89
	// ProtocolVRRP is the IP protocol number of VRRP (RFC 3768 5.2.4,
	// RFC 5798 5.1.1.4 and 5.1.2.4).
	ProtocolVRRP = 112
	// PortRIP is the UDP port RIP sends from and listens on (RFC 2453 3.6).
	PortRIP = 520
	// PortBFD is the UDP port single-hop BFD Control packets are sent to
	// and received on (RFC 5881 4). They are sent from a source port in
	// PortBFDSrcMin..65535 (UDPConfig.SrcPort).
	PortBFD = 3784
	// PortBFDSrcMin is the lowest source port RFC 5881 4 allows for BFD
	// Control packets.
	PortBFDSrcMin = 49152
)

// TOSInternetworkControl is IP precedence 6, "internetwork control"
// (RFC 791), the TOS byte routing protocols send with: RFC 2328 A.1 asks
// for it for OSPF, and FRR and keepalived use it for RIP and VRRP too.
const TOSInternetworkControl = 0xc0

// Sentinel errors. Errors returned by this package wrap them (or
// net.ErrClosed), so test with errors.Is.
var (
	// ErrInvalidConfig is wrapped by every configuration error; the
	// message names the field and the reason.
	ErrInvalidConfig = errors.New("transport: invalid configuration")
	// ErrInvalidAddress is returned for a destination or group of the
	// wrong family or kind.
	ErrInvalidAddress = errors.New("transport: invalid address")
	// ErrNoInterface is returned when the configured interface does not
	// exist in the (chosen) network namespace.
	ErrNoInterface = errors.New("transport: no such interface")
	// ErrStarted is returned by a second call to Start.
	ErrStarted = errors.New("transport: already started")
	// ErrUnsupported is routing.ErrUnsupported, returned on platforms
	// without real transports (everything but Linux).
	ErrUnsupported = routing.ErrUnsupported
)

// IPConfig configures a raw IP transport (ListenIP for IPv4, ListenIP6
// for IPv6): one IP protocol on one interface. Zero fields take the
// defaults documented on each field.
type IPConfig struct {
	// Interface is the interface name, e.g. "eth0". Either Interface or
	// IfIndex is required; when both are set they must name the same
	// interface.
	Interface string
	// IfIndex is the interface index.
	IfIndex int
	// Namespace, when set, is the network namespace the socket is opened
	// in: a name under /run/netns (as made by `ip netns add`) or a path
	// such as /proc/PID/ns/net. The socket stays in that namespace for
	// its whole life; the calling goroutine's namespace is not changed.
	Namespace string
	// Protocol is the IP protocol number (1..254), e.g. ProtocolOSPF or
	// ProtocolVRRP. Required.
	Protocol int
	// TTL is the IPv4 TTL (IPv6 hop limit) of every packet sent, unicast
	// and multicast. Zero means the protocol's default: 1 for OSPF
	// (RFC 2328 A.1: packets to the multicast groups use TTL 1; unicast
	// also stays on the link unless a virtual link says otherwise), 255
	// for VRRP (RFC 3768 5.2.3, RFC 5798 5.1.1.3 and 5.1.2.3), 64 for
	// anything else.
	TTL uint8
	// TOS is the IPv4 type of service (IPv6 traffic class). Zero means
	// TOSInternetworkControl (0xc0), as RFC 2328 A.1 asks for OSPF.
	TOS uint8
	// Source is the source address of every packet sent. It must be an
	// address of the interface, of the transport's family. When it is not
	// set, the kernel picks the interface's primary address (IPv4) or the
	// address matching the destination's scope (IPv6: link-local for
	// link-local groups). Protocols whose checksum covers a pseudo-header
	// (VRRPv3, RFC 5798 5.2.8) must set it so that they know it.
	Source netip.Addr
	// ReceiveBuffer is the socket receive buffer size in bytes (SO_RCVBUF,
	// capped by net.core.rmem_max without CAP_NET_ADMIN). Zero means DefaultReceiveBuffer;
	// negative keeps the kernel default.
	ReceiveBuffer int
	// Logger receives debug logs of dropped packets and warnings about
	// read errors. Nil discards.
	Logger *slog.Logger
}

// Validate reports the first invalid field, wrapping ErrInvalidConfig.
func (c IPConfig) Validate() error {
	if err := validateInterface(c.Interface, c.IfIndex, "IPConfig"); err != nil {
		return err
	}
	if c.Protocol < 1 || c.Protocol > 254 {
		return fmt.Errorf("%w: IPConfig.Protocol: must be an IP protocol number in 1..254, got %d", ErrInvalidConfig, c.Protocol)
	}
	if err := validateSource(c.Source, "IPConfig"); err != nil {
		return err
	}
	if c.ReceiveBuffer < 0 {
		return fmt.Errorf("%w: IPConfig.ReceiveBuffer: must not be negative, got %d", ErrInvalidConfig, c.ReceiveBuffer)
	}
	return nil
}

// ttl returns the configured TTL or the protocol's default.
func (c IPConfig) ttl() int {
	if c.TTL != 0 {
		return int(c.TTL)
	}
	switch c.Protocol {
	case ProtocolOSPF:
		return 1
	case ProtocolVRRP:
		return 255
	}
	return 64
}

func (c IPConfig) tos() int { return tosOrDefault(c.TOS) }

// UDPConfig configures a UDP transport on one interface: IPv4 (ListenUDP)
// for RIP and BFD, IPv6 (ListenUDP6) for BFD. Zero fields take the
// defaults documented on each field.
type UDPConfig struct {
	// Interface is the interface name. Either Interface or IfIndex is
	// required; when both are set they must name the same interface.
	Interface string
	// IfIndex is the interface index.
	IfIndex int
	// Namespace is the network namespace to open the socket in, as in
	// IPConfig.
	Namespace string
	// Port is the local port: packets are received on it and, unless
	// SrcPort is set, sent from it, and Send sends to it. Zero means
	// PortRIP (520). RFC 2453 3.9.2 has RIP ignore responses that do not
	// come from port 520, so the source port of every datagram is this
	// one.
	Port uint16
	// SrcPort, when set, is the source port of every datagram sent: the
	// transport opens a second socket, bound to the interface and to
	// SrcPort, and sends from it, while it keeps receiving on Port only.
	// BFD sends from a port in 49152..65535 to the peer's 3784 (RFC 5881
	// 4). The second socket does not share its port (no SO_REUSEADDR), so
	// opening fails with EADDRINUSE when another socket on the interface,
	// or one not bound to any interface, already has it. It receives
	// nothing: a socket filter drops whatever is addressed to SrcPort.
	SrcPort uint16
	// TTL is the TTL (IPv6 hop limit) of unicast datagrams. Zero means
	// 64: RFC 2453 3.9.1 answers a request from a port other than 520 by
	// unicast to the requester, which may be a monitoring station several
	// hops away. BFD sets 255 (RFC 5881 5).
	TTL uint8
	// MulticastTTL is the TTL (IPv6 hop limit) of multicast datagrams.
	// Zero means 1: the RIP-2 group 224.0.0.9 (RFC 2453 4.5) is
	// link-local.
	MulticastTTL uint8
	// TOS is the type of service (IPv6 traffic class). Zero means
	// TOSInternetworkControl.
	TOS uint8
	// Source is the source address of every datagram; it must be an
	// address of the interface, IPv4 for ListenUDP and IPv6 for
	// ListenUDP6. Unset, the kernel picks it: the interface's primary
	// address (IPv4), or the interface's address of the destination's
	// scope (IPv6: its link-local address for link-local destinations,
	// RFC 6724 5 rule 2).
	Source netip.Addr
	// ReceiveBuffer is the socket receive buffer size (SO_RCVBUF). Zero
	// means DefaultReceiveBuffer; negative keeps the kernel default.
	ReceiveBuffer int
	// Logger receives debug logs of dropped packets. Nil discards.
	Logger *slog.Logger
}

// Validate reports the first invalid field of a configuration for
// ListenUDP (IPv4), wrapping ErrInvalidConfig. ListenUDP6 checks the same
// fields, with an IPv6 Source.
func (c UDPConfig) Validate() error { return c.validate(false) }

func (c UDPConfig) validate(ipv6 bool) error {
	if err := validateInterface(c.Interface, c.IfIndex, "UDPConfig"); err != nil {
		return err
	}
	if err := validateSource(c.Source, "UDPConfig"); err != nil {
		return err
	}
	switch {
	case !ipv6 && c.Source.IsValid() && !c.Source.Unmap().Is4():
		return fmt.Errorf("%w: UDPConfig.Source: must be an IPv4 address, got %v", ErrInvalidConfig, c.Source)
	case ipv6 && c.Source.IsValid() && (!c.Source.Is6() || c.Source.Is4In6()):
		return fmt.Errorf("%w: UDPConfig.Source: ListenUDP6 needs an IPv6 address, got %v", ErrInvalidConfig, c.Source)
	case c.SrcPort != 0 && int(c.SrcPort) == c.port():
		return fmt.Errorf("%w: UDPConfig.SrcPort: %d is Port; leave SrcPort zero to send from Port", ErrInvalidConfig, c.SrcPort)
	}
	if c.ReceiveBuffer < 0 {
		return fmt.Errorf("%w: UDPConfig.ReceiveBuffer: must not be negative, got %d", ErrInvalidConfig, c.ReceiveBuffer)
	}
	return nil
}

func (c UDPConfig) port() int {
	if c.Port == 0 {
		return PortRIP
	}
	return int(c.Port)
}

// srcPort is the source port of the datagrams sent.
func (c UDPConfig) srcPort() int {
	if c.SrcPort == 0 {
		return c.port()
	}
	return int(c.SrcPort)
}

func (c UDPConfig) ttl() int {
	if c.TTL == 0 {
		return 64
	}
	return int(c.TTL)
}

func (c UDPConfig) multicastTTL() int {
	if c.MulticastTTL == 0 {
		return 1
	}
	return int(c.MulticastTTL)
}

func (c UDPConfig) tos() int { return tosOrDefault(c.TOS) }

func tosOrDefault(tos uint8) int {
	if tos == 0 {
		return TOSInternetworkControl
	}
	return int(tos)
}

func validateInterface(name string, index int, cfg string) error {
	if name == "" && index == 0 {
		return fmt.Errorf("%w: %s.Interface: an interface name or IfIndex is required", ErrInvalidConfig, cfg)
	}
	if index < 0 {
		return fmt.Errorf("%w: %s.IfIndex: must not be negative, got %d", ErrInvalidConfig, cfg, index)
	}
	if len(name) > 15 {
		return fmt.Errorf("%w: %s.Interface: %q is longer than the 15 bytes Linux allows", ErrInvalidConfig, cfg, name)
	}
	return nil
}

func validateSource(src netip.Addr, cfg string) error {
	if !src.IsValid() {
		return nil
	}
	if src.IsUnspecified() || src.IsMulticast() {
		return fmt.Errorf("%w: %s.Source: must be a unicast address of the interface, got %v", ErrInvalidConfig, cfg, src)
	}
	return nil
}

// Stats counts what a transport did. Every packet read from the socket is
// either delivered or counted under exactly one drop reason.
type Stats struct {
	// Received is the number of packets read from the socket.
	Received uint64
	// Delivered is the number of packets passed to deliver.
	Delivered uint64
	// DroppedOwn counts packets whose source is one of the interface's own
	// addresses (and, for UDP, our port): our own packets looped back.
	DroppedOwn uint64
	// DroppedMalformed counts packets the kernel handed over without the
	// information a Packet needs: no control message, or no source
	// address of the transport's family.
	DroppedMalformed uint64
	// DroppedInterface counts packets that arrived on another interface
	// (never expected with SO_BINDTODEVICE; counted as a safety net).
	DroppedInterface uint64
	// ReadErrors counts failed reads other than the one Close causes,
	// including a raw IPv4 packet whose header is shorter than its IHL
	// (which the kernel never hands over in practice).
	ReadErrors uint64
	// Sent is the number of packets sent successfully.
	Sent uint64
	// SendErrors is the number of failed sends.
	SendErrors uint64
}

// DefaultReceiveBuffer is the socket receive buffer a transport asks for
// when its config leaves ReceiveBuffer zero: 4 MiB, past net.core.rmem_max
// when the process has CAP_NET_ADMIN (SO_RCVBUFFORCE), else capped by it.
// The kernel's 208 KiB default
// holds about 800 small packets; the hostile-neighbour lab's burst of
// hellos from 1,000 routers lost 15 % of them to it (FRR's ospfd asks
// for 8 MB, its "socket buffer" default).
const DefaultReceiveBuffer = 4 << 20

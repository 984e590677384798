package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

const (
	// maxPacket is the receive buffer: the largest IPv4 or IPv6 payload
	// without jumbograms.
	maxPacket = 65535
	// sendTimeout bounds a Send blocked on a full socket send buffer, so
	// that Send "never blocks for long" (routing.Transport).
	sendTimeout = time.Second
	// maxBackoff bounds the pause after repeated read errors.
	maxBackoff = time.Second
)

// base is the lifecycle shared by the transports: start once, close once,
// count, and track joined groups.
type base struct {
	ifc  *iface
	log  *slog.Logger
	kind string // e.g. "ip4:89", for messages

	// mu is held for writing to change the fields below and for reading
	// by Send for the duration of the write, so that Close waits for
	// in-flight sends and every later Send sees closed.
	mu      sync.RWMutex
	closed  bool
	started bool
	groups  map[netip.Addr]struct{}

	closing   chan struct{} // closed when Close begins
	done      chan struct{} // closed when the receive goroutine returns
	closeOnce sync.Once
	closeErr  error

	received, delivered, droppedOwn, droppedMalformed, droppedInterface,
	readErrors, sent, sendErrors atomic.Uint64
}

func newBase(kind string, log *slog.Logger) base {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return base{
		log:     log,
		kind:    kind,
		groups:  make(map[netip.Addr]struct{}),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
	}
}

// start runs loop on the one receive goroutine.
func (b *base) start(loop func()) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return net.ErrClosed
	}
	if b.started {
		return ErrStarted
	}
	b.started = true
	go func() {
		defer close(b.done)
		loop()
	}()
	return nil
}

// close closes the socket, waits for the receive goroutine and releases
// the netlink sockets. Concurrent and repeated calls all return only once
// this is done, with the first call's result.
func (b *base) close(closeSocket func() error) error {
	b.closeOnce.Do(func() {
		b.mu.Lock()
		b.closed = true
		started := b.started
		close(b.closing)
		b.mu.Unlock()
		err := closeSocket()
		if started {
			<-b.done
		}
		b.ifc.close()
		if err != nil {
			b.closeErr = fmt.Errorf("transport: close %s on %s: %w", b.kind, b.ifc.name, err)
		}
	})
	return b.closeErr
}

// isClosing reports whether Close has begun; the receive loop checks it
// before every delivery.
func (b *base) isClosing() bool {
	select {
	case <-b.closing:
		return true
	default:
		return false
	}
}

// readFailed accounts for a read error and reports whether the receive
// loop must end. Repeated errors back off, so that a persistent one does
// not spin; Close interrupts the pause.
func (b *base) readFailed(err error, consecutive int) bool {
	if b.isClosing() || errors.Is(err, net.ErrClosed) {
		return true
	}
	b.readErrors.Add(1)
	if consecutive == 1 || consecutive%100 == 0 {
		b.log.Warn("transport: read failed", "transport", b.kind, "interface", b.ifc.name,
			"err", err, "consecutive", consecutive)
	}
	if consecutive < 2 {
		return false
	}
	t := time.NewTimer(min(time.Duration(consecutive)*10*time.Millisecond, maxBackoff))
	defer t.Stop()
	select {
	case <-t.C:
		return false
	case <-b.closing:
		return true
	}
}

// drop counts and logs a packet that is not delivered.
func (b *base) drop(counter *atomic.Uint64, reason string, src netip.Addr) {
	counter.Add(1)
	if b.log.Enabled(context.Background(), slog.LevelDebug) {
		b.log.Debug("transport: packet dropped", "transport", b.kind, "interface", b.ifc.name,
			"reason", reason, "src", src)
	}
}

// membership joins or leaves a group (join true/false) through change,
// keeping joins idempotent: joining a joined group or leaving one not
// joined does nothing.
func (b *base) membership(group netip.Addr, join bool, change func() error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return net.ErrClosed
	}
	_, joined := b.groups[group]
	if joined == join {
		return nil
	}
	if err := change(); err != nil {
		op := "join"
		if !join {
			op = "leave"
		}
		return fmt.Errorf("transport: %s %v on %s: %w", op, group, b.ifc.name, err)
	}
	if join {
		b.groups[group] = struct{}{}
	} else {
		delete(b.groups, group)
	}
	return nil
}

// membershipV4 joins or leaves an IPv4 multicast group on the interface
// through pc, for the transports that share an ipv4.PacketConn (raw IP
// and UDP): the group is checked, then changed through membership.
func (b *base) membershipV4(pc *ipv4.PacketConn, group netip.Addr, join bool) error {
	group = group.Unmap()
	if !group.Is4() || !group.IsMulticast() {
		op := "join"
		if !join {
			op = "leave"
		}
		return fmt.Errorf("%w: %s %v: not an IPv4 multicast group", ErrInvalidAddress, op, group)
	}
	// ipv4.PacketConn only reads the address of the group.
	g := &net.IPAddr{IP: group.AsSlice()}
	return b.membership(group, join, func() error {
		if join {
			return pc.JoinGroup(b.ifc.netIf(), g)
		}
		return pc.LeaveGroup(b.ifc.netIf(), g)
	})
}

// membershipV6 is membershipV4 for IPv6 groups, for the raw IPv6 and
// the UDP6 transports. A zone on the group is ignored.
func (b *base) membershipV6(pc *ipv6.PacketConn, group netip.Addr, join bool) error {
	group = group.WithZone("")
	if !group.Is6() || !group.IsMulticast() {
		op := "join"
		if !join {
			op = "leave"
		}
		return fmt.Errorf("%w: %s %v: not an IPv6 multicast group", ErrInvalidAddress, op, group)
	}
	g := &net.IPAddr{IP: group.AsSlice()}
	return b.membership(group, join, func() error {
		if join {
			return pc.JoinGroup(b.ifc.netIf(), g)
		}
		return pc.LeaveGroup(b.ifc.netIf(), g)
	})
}

// send runs write under the read lock, so that it cannot overlap Close.
func (b *base) send(dst fmt.Stringer, write func() error) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return net.ErrClosed
	}
	if err := write(); err != nil {
		b.sendErrors.Add(1)
		return fmt.Errorf("transport: send %s to %v on %s: %w", b.kind, dst, b.ifc.name, err)
	}
	b.sent.Add(1)
	return nil
}

// The accessors of every transport (IP, IP6, UDP, UDP6), promoted from
// base.

// IfIndex returns the index of the interface the transport is bound to.
func (b *base) IfIndex() int { return b.ifc.index }

// Interface returns the name of the interface.
func (b *base) Interface() string { return b.ifc.name }

// Addrs returns the interface's current addresses of the transport's
// family.
func (b *base) Addrs() []netip.Prefix { return b.ifc.prefixes() }

// Stats returns the transport's counters.
func (b *base) Stats() Stats {
	return Stats{
		Received:         b.received.Load(),
		Delivered:        b.delivered.Load(),
		DroppedOwn:       b.droppedOwn.Load(),
		DroppedMalformed: b.droppedMalformed.Load(),
		DroppedInterface: b.droppedInterface.Load(),
		ReadErrors:       b.readErrors.Load(),
		Sent:             b.sent.Load(),
		SendErrors:       b.sendErrors.Load(),
	}
}

// socketControl returns a net.ListenConfig.Control function that applies
// the options that must be set before bind:
//   - SO_BINDTODEVICE (by index), so that only packets that arrived on the
//     interface are received and sends leave through it. Set before bind
//     so that UDP sockets of different interfaces never share a port group;
//   - IP(V6)_MULTICAST_ALL off, so that the socket receives only the groups
//     it joined itself, not every group some socket joined on the host;
//   - extra, protocol-specific options.
func socketControl(ifc *iface, ipv6 bool, extra func(fd int) error) func(string, string, syscall.RawConn) error {
	return func(_, _ string, c syscall.RawConn) error {
		var err error
		cerr := c.Control(func(fd uintptr) {
			err = setSocketOptions(int(fd), ifc, ipv6, extra)
		})
		return errors.Join(cerr, err)
	}
}

func setSocketOptions(fd int, ifc *iface, ipv6 bool, extra func(fd int) error) error {
	err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_BINDTOIFINDEX, ifc.index)
	if errors.Is(err, unix.ENOPROTOOPT) {
		// Kernels before 5.0 only bind by name.
		err = unix.BindToDevice(fd, ifc.name)
	}
	if err != nil {
		return fmt.Errorf("SO_BINDTODEVICE %s (index %d): %w", ifc.name, ifc.index, err)
	}
	if ipv6 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_ALL, 0); err != nil {
			return fmt.Errorf("IPV6_MULTICAST_ALL: %w", err)
		}
	} else {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0); err != nil {
			return fmt.Errorf("IP_MULTICAST_ALL: %w", err)
		}
	}
	if extra != nil {
		return extra(fd)
	}
	return nil
}

// addrFromNet converts a received address to netip, without zone (the
// packet's IfIndex says where it came from).
func addrFromNet(ip net.IP) netip.Addr {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return netip.Addr{}
	}
	return a.Unmap()
}

func wrapOpt(name string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

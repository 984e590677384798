//go:build linux

package ring

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/switchless/routing"
	"github.com/switchless/routing/anycast"
	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/transport"
	"github.com/switchless/routing/vrrp"
)

// hostResync is how often a HostNode reads every link again in full, in
// case a netlink notification was lost.
const hostResync = 10 * time.Second

// hostStopTimeout bounds the graceful stop when Run's context ends.
const hostStopTimeout = 5 * time.Second

// hostDrainTimeout bounds the wait for the neighbours to acknowledge the
// flushed LSAs (Node.Drain) before the stop: an RxmtInterval of the RFC
// profile and a little, so that one retransmission gets through.
const hostDrainTimeout = 6 * time.Second

// HostNode is a Node on the interfaces of a Linux host, in the network
// namespace of the calling process: raw IP sockets for OSPF and VRRP bound
// to each interface, UDP sockets for BFD on the ring links when the
// profile runs it, netlink FIB sinks for the OSPF routes and the edge's
// static default, the VIP through netlink, and the carrier of every
// interface followed through netlink link notifications. It is what
// ringd runs; an appliance embeds it the same way:
//
//	h, err := ring.OpenHost(ctx, nodeConfig, ring.HostConfig{Interfaces: map[string]string{"east": "eth1", "west": "eth2"}})
//	if err != nil { … }
//	err = h.Run(ctx) // until ctx ends, then a graceful stop
//
// Opening needs CAP_NET_RAW and CAP_NET_ADMIN.
type HostNode struct {
	cfg  NodeConfig
	hc   HostConfig
	log  *slog.Logger
	node *Node

	idx     map[string]int // ring interface name -> kernel ifindex
	byIndex map[int]string
	static  *fib.Netlink // nil at inner nodes that are no anycast replica
	anycast *anycast.Instance
	trs     map[string]interface{ Stats() transport.Stats }
	closers []func() error

	mu      sync.Mutex
	carrier map[string]bool // as last told to the node
	ran     bool
}

// OpenHost opens everything cfg's node needs on this host and returns
// the node, not yet started. Interface addresses the spec gives that are
// missing are added (none is ever removed); a VIP a killed predecessor
// left behind is removed. On error everything opened is closed again.
func OpenHost(ctx context.Context, cfg NodeConfig, hc HostConfig) (h *HostNode, err error) {
	if err := hc.Validate(cfg); err != nil {
		return nil, err
	}
	log := hc.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h = &HostNode{cfg: cfg, hc: hc, log: log, idx: map[string]int{}, byIndex: map[int]string{},
		trs: map[string]interface{ Stats() transport.Stats }{}, carrier: map[string]bool{}}
	defer func() {
		if err != nil {
			err = errors.Join(err, h.close())
			h = nil
		}
	}()
	if err := h.resolveLinks(); err != nil {
		return nil, err
	}
	if err := h.ensureAddresses(); err != nil {
		return nil, err
	}
	env := NodeEnv{Clock: routing.SystemClock(), Logger: log, IfIndex: h.idx, OSPF: map[string]routing.Transport{}, OnEvent: hc.OnEvent,
		OnOSPFEvent: hc.OnOSPFEvent}
	ospfSink, err := fib.OpenNetlink(ctx, fib.NetlinkConfig{Protocol: fib.ProtocolOSPF, Logger: log})
	if err != nil {
		return nil, err
	}
	h.closers = append(h.closers, ospfSink.Close)
	env.FIB = ospfSink
	for _, oc := range cfg.OSPF.Interfaces {
		tr, err := transport.ListenIP(ctx, transport.IPConfig{
			Interface: hc.Interfaces[oc.Name], IfIndex: h.idx[oc.Name], Protocol: transport.ProtocolOSPF,
			Source: oc.Prefix.Addr(), Logger: log.With("interface", oc.Name),
		})
		if err != nil {
			return nil, fmt.Errorf("ring: OSPF on %s (%s): %w", oc.Name, hc.Interfaces[oc.Name], err)
		}
		h.closers = append(h.closers, tr.Close)
		env.OSPF[oc.Name] = tr
		h.trs["ospf/"+oc.Name] = tr
	}
	if err := h.openBFD(ctx, &env); err != nil {
		return nil, err
	}
	if vc := cfg.VRRP; vc != nil {
		up := hc.Interfaces[IfUpstream]
		h.static, err = fib.OpenNetlink(ctx, fib.NetlinkConfig{Protocol: fib.ProtocolStatic, Logger: log})
		if err != nil {
			return nil, err
		}
		h.closers = append(h.closers, h.static.Close)
		env.StaticFIB = h.static
		tr, err := transport.ListenIP(ctx, transport.IPConfig{
			Interface: up, IfIndex: h.idx[IfUpstream], Protocol: transport.ProtocolVRRP, TTL: 255,
			Source: vc.Address.Addr(), Logger: log.With("interface", IfUpstream),
		})
		if err != nil {
			return nil, fmt.Errorf("ring: VRRP on %s: %w", up, err)
		}
		h.closers = append(h.closers, tr.Close)
		env.VRRP = tr
		h.trs["vrrp/"+IfUpstream] = tr
		am, err := vrrp.NewNetlinkAddresses(vrrp.NetlinkConfig{Interface: up, MACVLAN: hc.MACVLAN, VRID: vc.VRID, Logger: log})
		if err != nil {
			return nil, err
		}
		h.closers = append(h.closers, am.Close)
		// A VIP left by a predecessor that was killed would make this
		// node answer for it while Backup.
		rctx, cancel := context.WithTimeout(ctx, hostStopTimeout)
		err = am.Remove(rctx, vc.VirtualAddresses)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("ring: remove a stale VIP: %w", err)
		}
		env.Addresses = am
		if v2 := cfg.SecondVRRP; v2 != nil {
			am2, err := vrrp.NewNetlinkAddresses(vrrp.NetlinkConfig{Interface: up, MACVLAN: hc.SecondMACVLAN, VRID: v2.VRID, Logger: log})
			if err != nil {
				return nil, err
			}
			h.closers = append(h.closers, am2.Close)
			rctx, cancel := context.WithTimeout(ctx, hostStopTimeout)
			err = am2.Remove(rctx, v2.VirtualAddresses)
			cancel()
			if err != nil {
				return nil, fmt.Errorf("ring: remove a stale VIP: %w", err)
			}
			env.SecondAddresses = am2
		}
	}
	if !cfg.runsOSPF() && (len(cfg.Routes) > 0 || len(cfg.Static) > 0) {
		// A chain node: its static routes (and at the edge the default)
		// are all it writes.
		h.static, err = fib.OpenNetlink(ctx, fib.NetlinkConfig{Protocol: fib.ProtocolStatic, Logger: log})
		if err != nil {
			return nil, err
		}
		h.closers = append(h.closers, h.static.Close)
		env.StaticFIB = h.static
	}
	if h.node, err = NewNode(cfg, env); err != nil {
		return nil, err
	}
	if err := h.openAnycast(ctx); err != nil {
		return nil, err
	}
	// Calls before Start set the initial carrier.
	for name, up := range h.carrier {
		if !up {
			if err := h.node.LinkState(name, false); err != nil {
				return nil, err
			}
		}
	}
	return h, nil
}

// openBFD opens the BFD sockets of the ring interfaces (east and west)
// when the node's timers run BFD: UDP port 3784 bound to each, sending
// from a port in 49152–65535 with TTL 255 (RFC 5881 §4, §5), in the
// calling process's namespace. The node's BFD instance closes them at
// Stop; until it runs, h.close does.
func (h *HostNode) openBFD(ctx context.Context, env *NodeEnv) error {
	if h.cfg.Timers.BFDInterval <= 0 {
		return nil
	}
	var bc bfd.Config
	for _, ifc := range h.cfg.bfdInterfaces() {
		bc.Interfaces = append(bc.Interfaces, bfd.InterfaceConfig{Name: h.hc.Interfaces[ifc.Name], IfIndex: h.idx[ifc.Name]})
	}
	v4, _, err := bfd.Listen(ctx, &bc, "", h.log)
	if err != nil {
		return fmt.Errorf("ring: BFD: %w", err)
	}
	env.BFD = map[string]routing.UDPTransport{}
	for _, ifc := range h.cfg.bfdInterfaces() {
		tr := v4[h.hc.Interfaces[ifc.Name]]
		h.closers = append(h.closers, tr.Close)
		env.BFD[ifc.Name] = tr
		if st, ok := tr.(interface{ Stats() transport.Stats }); ok {
			h.trs["bfd/"+ifc.Name] = st
		}
	}
	return nil
}

// Node returns the node, for its status (OSPF, VRRP) and its methods.
func (h *HostNode) Node() *Node { return h.node }

// Run starts the node, follows the carrier of its interfaces until ctx
// ends, then stops it gracefully (VRRP priority 0, static default
// withdrawn, LSAs flushed, routes deleted) and closes every socket. It
// returns once all of that is done; a HostNode runs once.
func (h *HostNode) Run(ctx context.Context) (err error) {
	h.mu.Lock()
	if h.ran {
		h.mu.Unlock()
		return ErrStarted
	}
	h.ran = true
	h.mu.Unlock()
	defer func() { err = errors.Join(err, h.close()) }()
	if b, rerr := os.ReadFile("/proc/sys/net/ipv4/ip_forward"); rerr == nil && strings.TrimSpace(string(b)) == "0" {
		h.log.Warn("ring: net.ipv4.ip_forward is 0: this node will not forward traffic (sysctl -w net.ipv4.ip_forward=1)")
	}
	// Subscribe before the start, then reread: no change falls between.
	sub, err := subscribeLinks()
	if err != nil {
		return err
	}
	defer func() { sub.close() }()
	stop := func() error {
		actx, acancel := context.WithTimeout(context.WithoutCancel(ctx), hostStopTimeout)
		defer acancel()
		var aerr error
		if h.anycast != nil {
			aerr = h.anycast.Stop(actx) // withdraws the VIP's route and LSA
		}
		// The flushes acknowledged (or the bound reached), then the
		// routes and sockets go.
		dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), hostDrainTimeout)
		_ = h.node.Drain(dctx)
		dcancel()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hostStopTimeout)
		defer cancel()
		return errors.Join(aerr, h.node.Stop(sctx))
	}
	if err := h.node.Start(); err != nil {
		return errors.Join(err, stop())
	}
	if h.anycast != nil {
		if err := h.anycast.Start(); err != nil {
			return errors.Join(err, stop())
		}
	}
	h.resync()
	tick := time.NewTicker(hostResync)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return stop()
		case u, ok := <-sub.ch:
			if !ok {
				// The subscription ended (a receive error such as a full
				// socket buffer): subscribe again and reread.
				h.log.Warn("ring: netlink link subscription lost; resubscribing", "err", sub.err())
				sub.close()
				if sub, err = subscribeLinks(); err != nil {
					return errors.Join(err, stop())
				}
				h.resync()
				continue
			}
			h.linkUpdate(u)
		case <-tick.C:
			h.resync()
		}
	}
}

// Close closes what OpenHost opened, for a HostNode that is never Run.
// Run closes everything itself.
func (h *HostNode) Close() error {
	h.mu.Lock()
	ran := h.ran
	h.ran = true
	h.mu.Unlock()
	if ran {
		return nil
	}
	return h.close()
}

func (h *HostNode) close() error {
	var err error
	for i := len(h.closers) - 1; i >= 0; i-- {
		if cerr := h.closers[i](); cerr != nil && !errors.Is(cerr, net.ErrClosed) {
			err = errors.Join(err, cerr)
		}
	}
	h.closers = nil
	return err
}

// Links reports each ring interface with its Linux name, index and
// carrier, in the NodeConfig's order.
func (h *HostNode) Links() []HostLink {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]HostLink, 0, len(h.cfg.Interfaces))
	for _, ifc := range h.cfg.Interfaces {
		out = append(out, HostLink{Name: ifc.Name, Linux: h.hc.Interfaces[ifc.Name], IfIndex: h.idx[ifc.Name], Carrier: h.carrier[ifc.Name]})
	}
	return out
}

// TransportStats returns each socket's counters, keyed "ospf/east",
// "bfd/east", "vrrp/up", ….
func (h *HostNode) TransportStats() map[string]TransportStats {
	out := make(map[string]TransportStats, len(h.trs))
	for k, tr := range h.trs {
		s := tr.Stats()
		out[k] = TransportStats{Received: s.Received, Delivered: s.Delivered, DroppedOwn: s.DroppedOwn,
			DroppedMalformed: s.DroppedMalformed, DroppedInterface: s.DroppedInterface,
			ReadErrors: s.ReadErrors, Sent: s.Sent, SendErrors: s.SendErrors}
	}
	return out
}

// StaticInstalled reports whether an edge's static default is in the
// kernel; false at inner nodes.
func (h *HostNode) StaticInstalled(ctx context.Context) (bool, error) {
	h.mu.Lock()
	static := len(h.cfg.Static) > 0
	h.mu.Unlock()
	if h.static == nil || !static {
		return false, nil
	}
	rs, err := h.static.List(ctx)
	return err == nil && slices.ContainsFunc(rs, func(r fib.Route) bool { return r.Prefix.Bits() == 0 }), err
}

// linkSub is one netlink link subscription.
type linkSub struct {
	ch   chan netlink.LinkUpdate
	done chan struct{}
	mu   sync.Mutex
	last error
}

func subscribeLinks() (*linkSub, error) {
	s := &linkSub{ch: make(chan netlink.LinkUpdate, 256), done: make(chan struct{})}
	err := netlink.LinkSubscribeWithOptions(s.ch, s.done, netlink.LinkSubscribeOptions{
		ErrorCallback: func(err error) {
			s.mu.Lock()
			s.last = err
			s.mu.Unlock()
		},
	})
	if err != nil {
		return nil, fmt.Errorf("ring: netlink link subscription: %w", err)
	}
	return s, nil
}

func (s *linkSub) err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

func (s *linkSub) close() {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
}

// isUp: administratively up with carrier (IFF_RUNNING is the operational
// state, which a veth loses when its peer goes down).
func isUp(a *netlink.LinkAttrs) bool {
	return a.RawFlags&unix.IFF_UP != 0 && a.RawFlags&unix.IFF_RUNNING != 0
}

// resolveLinks finds every mapped interface and its carrier.
func (h *HostNode) resolveLinks() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ifc := range h.cfg.Interfaces {
		lx := h.hc.Interfaces[ifc.Name]
		l, err := netlink.LinkByName(lx)
		if err != nil {
			return fmt.Errorf("%w: interfaces.%s: %s: %w", ErrInvalidConfig, ifc.Name, lx, err)
		}
		a := l.Attrs()
		h.idx[ifc.Name] = a.Index
		h.byIndex[a.Index] = ifc.Name
		h.carrier[ifc.Name] = isUp(a)
	}
	return nil
}

// ensureAddresses puts each interface's address from the spec on it when
// missing. It never removes an address; one with another prefix length
// is an error.
func (h *HostNode) ensureAddresses() error {
	for _, ifc := range h.cfg.Interfaces {
		lx := h.hc.Interfaces[ifc.Name]
		l, err := netlink.LinkByIndex(h.idx[ifc.Name])
		if err != nil {
			return fmt.Errorf("ring: interface %s: %w", lx, err)
		}
		as, err := netlink.AddrList(l, netlink.FAMILY_V4)
		if err != nil {
			return fmt.Errorf("ring: addresses of %s: %w", lx, err)
		}
		have := false
		for _, a := range as {
			ip, _ := netip.AddrFromSlice(a.IP.To4())
			ones, _ := a.Mask.Size()
			if ip == ifc.Prefix.Addr() {
				if ones != ifc.Prefix.Bits() {
					return fmt.Errorf("%w: interfaces.%s: %s has %v/%d; the spec says %v", ErrInvalidConfig, ifc.Name, lx, ip, ones, ifc.Prefix)
				}
				have = true
			}
		}
		if have {
			continue
		}
		addr := &netlink.Addr{IPNet: &net.IPNet{IP: ifc.Prefix.Addr().AsSlice(), Mask: net.CIDRMask(ifc.Prefix.Bits(), 32)}}
		if err := netlink.AddrAdd(l, addr); err != nil {
			return fmt.Errorf("ring: add %v to %s: %w", ifc.Prefix, lx, err)
		}
		h.log.Info("ring: address added", "interface", ifc.Name, "linux", lx, "prefix", ifc.Prefix)
	}
	return nil
}

// linkUpdate handles one netlink link notification.
func (h *HostNode) linkUpdate(u netlink.LinkUpdate) {
	a := u.Link.Attrs()
	name, ok := h.byIndex[a.Index]
	if !ok {
		for _, ring := range slices.Sorted(maps.Keys(h.hc.Interfaces)) {
			if h.hc.Interfaces[ring] == a.Name && u.Header.Type == unix.RTM_NEWLINK {
				h.log.Error("ring: interface re-created with another index: restart the node to use it",
					"interface", ring, "linux", a.Name, "ifindex", a.Index, "was", h.idx[ring])
			}
		}
		return
	}
	h.setCarrier(name, u.Header.Type == unix.RTM_NEWLINK && isUp(a))
}

// resync reads every mapped interface again.
func (h *HostNode) resync() {
	for name, idx := range h.idx {
		l, err := netlink.LinkByIndex(idx)
		up := err == nil && isUp(l.Attrs()) && l.Attrs().Name == h.hc.Interfaces[name]
		h.setCarrier(name, up)
	}
}

// setCarrier tells the node about a carrier change, at once.
func (h *HostNode) setCarrier(name string, up bool) {
	h.mu.Lock()
	was := h.carrier[name]
	h.carrier[name] = up
	h.mu.Unlock()
	if was == up {
		return
	}
	if err := h.node.LinkState(name, up); err != nil {
		h.log.Error("ring: link state", "interface", name, "up", up, "err", err)
	}
}

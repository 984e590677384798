//go:build linux

package main

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
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/ringconf"
	"github.com/switchless/routing/internal/transport"
	"github.com/switchless/routing/ring"
	"github.com/switchless/routing/vrrp"
)

// maxEvents is how many recent events `ringd show` reports.
const maxEvents = 64

// resyncEvery is how often the link state is read again in full, in case
// a netlink notification was lost.
const resyncEvery = 10 * time.Second

// statser is a transport that counts what it did: the raw IP transports
// vrrp.Listen and transport.ListenIP return.
type statser interface{ Stats() transport.Stats }

// daemon is one ring node on real interfaces.
type daemon struct {
	c     *ringconf.Config
	log   *slog.Logger
	since time.Time

	idx     map[string]int // ring interface name -> kernel ifindex
	byIndex map[int]string // and back
	node    *ring.Node
	static  *fib.Netlink       // nil at inner nodes
	trs     map[string]statser // "ospf/east", "vrrp/up"

	mu      sync.Mutex
	carrier map[string]bool // ring interface name -> carrier, as last told to the node
	events  []ring.Event    // the last maxEvents
}

// run runs the node until ctx is done, then stops it gracefully.
func run(ctx context.Context, c *ringconf.Config, socket string, log *slog.Logger) (err error) {
	d := &daemon{c: c, log: log, since: time.Now(), idx: map[string]int{}, byIndex: map[int]string{},
		trs: map[string]statser{}, carrier: map[string]bool{}}
	var cleanups []func() error
	defer func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			if cerr := cleanups[i](); cerr != nil && !errors.Is(cerr, net.ErrClosed) {
				err = errors.Join(err, cerr)
			}
		}
	}()
	checkForwarding(log)

	// Subscribe before the first read, so that no change falls between.
	sub, err := subscribeLinks()
	if err != nil {
		return err
	}
	cleanups = append(cleanups, func() error { sub.close(); return nil })

	if err := d.resolveLinks(); err != nil {
		return err
	}
	if err := d.ensureAddresses(); err != nil {
		return err
	}

	env := ring.NodeEnv{Logger: log, IfIndex: d.idx, OSPF: map[string]routing.Transport{}, OnEvent: d.onEvent}
	ospfSink, err := fib.OpenNetlink(ctx, fib.NetlinkConfig{Protocol: fib.ProtocolOSPF, Logger: log})
	if err != nil {
		return err
	}
	cleanups = append(cleanups, ospfSink.Close)
	env.FIB = ospfSink
	for _, oc := range c.Node.OSPF.Interfaces {
		tr, err := transport.ListenIP(ctx, transport.IPConfig{
			Interface: c.Linux[oc.Name], IfIndex: d.idx[oc.Name], Protocol: transport.ProtocolOSPF,
			Source: oc.Prefix.Addr(), Logger: log.With("interface", oc.Name),
		})
		if err != nil {
			return fmt.Errorf("OSPF on %s (%s): %w", oc.Name, c.Linux[oc.Name], err)
		}
		cleanups = append(cleanups, tr.Close)
		env.OSPF[oc.Name] = tr
		d.trs["ospf/"+oc.Name] = tr
	}
	if vc := c.Node.VRRP; vc != nil {
		up := c.Linux[ring.IfUpstream]
		d.static, err = fib.OpenNetlink(ctx, fib.NetlinkConfig{Protocol: fib.ProtocolStatic, Logger: log})
		if err != nil {
			return err
		}
		cleanups = append(cleanups, d.static.Close)
		env.StaticFIB = d.static
		tr, err := vrrp.Listen(ctx, vrrp.ListenConfig{Interface: up, Source: vc.Address.Addr(),
			Logger: log.With("interface", ring.IfUpstream)})
		if err != nil {
			return fmt.Errorf("VRRP on %s: %w", up, err)
		}
		cleanups = append(cleanups, tr.Close)
		env.VRRP = tr
		if st, ok := tr.(statser); ok {
			d.trs["vrrp/"+ring.IfUpstream] = st
		}
		am, err := vrrp.NewNetlinkAddresses(vrrp.NetlinkConfig{Interface: up, MACVLAN: c.VRRPMacvlan, VRID: vc.VRID, Logger: log})
		if err != nil {
			return err
		}
		cleanups = append(cleanups, am.Close)
		// A VIP left by a predecessor that was killed would make this
		// node answer for it while Backup.
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = am.Remove(rctx, vc.VirtualAddresses)
		cancel()
		if err != nil {
			return fmt.Errorf("remove a stale VIP: %w", err)
		}
		env.Addresses = am
	}

	node, err := ring.NewNode(c.Node, env)
	if err != nil {
		return err
	}
	d.node = node
	// Calls before Start set the initial carrier.
	d.mu.Lock()
	initial := maps.Clone(d.carrier)
	d.mu.Unlock()
	for name, up := range initial {
		if !up {
			if err := node.LinkState(name, false); err != nil {
				return err
			}
		}
	}
	if err := node.Start(); err != nil {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return errors.Join(err, node.Stop(sctx))
	}
	stopStatus, err := serveStatus(socket, d.status)
	if err != nil {
		log.Warn("ringd: no status socket", "socket", socket, "err", err)
	} else {
		cleanups = append(cleanups, func() error { stopStatus(); return nil })
	}
	log.Info("ringd running", "node", c.Node.Name, "role", c.Node.Role, "profile", c.Ring.Profile, "socket", socket)

	tick := time.NewTicker(resyncEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			log.Info("ringd stopping: VRRP priority 0, static default withdrawn, OSPF LSAs flushed and routes deleted")
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			return node.Stop(sctx)
		case u, ok := <-sub.ch:
			if !ok {
				// The subscription ended (a receive error such as a
				// full socket buffer): subscribe again and reread.
				log.Warn("ringd: netlink link subscription lost; resubscribing", "err", sub.err())
				sub.close()
				if sub, err = subscribeLinks(); err != nil {
					return err
				}
				d.resync()
				continue
			}
			d.linkUpdate(u)
		case <-tick.C:
			d.resync()
		}
	}
}

// checkForwarding warns when the namespace does not forward IPv4.
func checkForwarding(log *slog.Logger) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	if err == nil && strings.TrimSpace(string(b)) == "0" {
		log.Warn("ringd: net.ipv4.ip_forward is 0: this node will not forward traffic (sysctl -w net.ipv4.ip_forward=1)")
	}
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
		return nil, fmt.Errorf("netlink link subscription: %w", err)
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
func (d *daemon) resolveLinks() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, ifc := range d.c.Node.Interfaces {
		lx := d.c.Linux[ifc.Name]
		l, err := netlink.LinkByName(lx)
		if err != nil {
			return fmt.Errorf("%s: interfaces.%s: %s: %w", d.c.Path(), ifc.Name, lx, err)
		}
		a := l.Attrs()
		d.idx[ifc.Name] = a.Index
		d.byIndex[a.Index] = ifc.Name
		d.carrier[ifc.Name] = isUp(a)
	}
	return nil
}

// ensureAddresses puts each interface's address from the spec on it when
// missing. It never removes an address.
func (d *daemon) ensureAddresses() error {
	for _, ifc := range d.c.Node.Interfaces {
		lx := d.c.Linux[ifc.Name]
		l, err := netlink.LinkByIndex(d.idx[ifc.Name])
		if err != nil {
			return fmt.Errorf("interface %s: %w", lx, err)
		}
		as, err := netlink.AddrList(l, netlink.FAMILY_V4)
		if err != nil {
			return fmt.Errorf("addresses of %s: %w", lx, err)
		}
		have := false
		for _, a := range as {
			ip, _ := netip.AddrFromSlice(a.IP.To4())
			ones, _ := a.Mask.Size()
			if ip == ifc.Prefix.Addr() {
				if ones != ifc.Prefix.Bits() {
					return fmt.Errorf("interface %s (%s) has %v/%d; the spec says %v", lx, ifc.Name, ip, ones, ifc.Prefix)
				}
				have = true
			}
		}
		if have {
			continue
		}
		addr := &netlink.Addr{IPNet: &net.IPNet{IP: ifc.Prefix.Addr().AsSlice(), Mask: net.CIDRMask(ifc.Prefix.Bits(), 32)}}
		if err := netlink.AddrAdd(l, addr); err != nil {
			return fmt.Errorf("add %v to %s: %w", ifc.Prefix, lx, err)
		}
		d.log.Info("ringd: address added", "interface", ifc.Name, "linux", lx, "prefix", ifc.Prefix)
	}
	return nil
}

// linkUpdate handles one netlink link notification.
func (d *daemon) linkUpdate(u netlink.LinkUpdate) {
	a := u.Link.Attrs()
	name, ok := d.byIndex[a.Index]
	if !ok {
		for ring, lx := range d.c.Linux {
			if lx == a.Name && u.Header.Type == unix.RTM_NEWLINK {
				d.log.Error("ringd: interface re-created with another index: restart ringd to use it",
					"interface", ring, "linux", lx, "ifindex", a.Index, "was", d.idx[ring])
			}
		}
		return
	}
	d.setCarrier(name, u.Header.Type == unix.RTM_NEWLINK && isUp(a))
}

// resync reads every mapped interface again.
func (d *daemon) resync() {
	for name, idx := range d.idx {
		l, err := netlink.LinkByIndex(idx)
		up := err == nil && isUp(l.Attrs()) && l.Attrs().Name == d.c.Linux[name]
		d.setCarrier(name, up)
	}
}

// setCarrier tells the node about a carrier change, at once.
func (d *daemon) setCarrier(name string, up bool) {
	d.mu.Lock()
	was := d.carrier[name]
	d.carrier[name] = up
	d.mu.Unlock()
	if was == up {
		return
	}
	if err := d.node.LinkState(name, up); err != nil {
		d.log.Error("ringd: link state", "interface", name, "up", up, "err", err)
	}
}

// onEvent records and logs the node's events. It is called from the
// node's goroutines and must not call the node.
func (d *daemon) onEvent(e ring.Event) {
	d.log.Info("ringd event", "kind", e.Kind.String(), "text", e.Text)
	d.mu.Lock()
	d.events = append(d.events, e)
	if len(d.events) > maxEvents {
		d.events = slices.Delete(d.events, 0, len(d.events)-maxEvents)
	}
	d.mu.Unlock()
}

// status reports the node's state.
func (d *daemon) status() Status {
	nc := d.node.Config()
	in := d.node.OSPF()
	st := Status{Node: nc.Name, Role: nc.Role.String(), Profile: d.c.Ring.Profile.String(), RouterID: in.RouterID(),
		Since: d.since, Transports: map[string]transport.Stats{}}
	ospfState := map[string]string{}
	for _, s := range in.Interfaces() {
		ospfState[s.Name] = s.State.String()
	}
	d.mu.Lock()
	for _, ifc := range nc.Interfaces {
		st.Interfaces = append(st.Interfaces, IfaceStatus{Name: ifc.Name, Linux: d.c.Linux[ifc.Name], IfIndex: d.idx[ifc.Name],
			Kind: ifc.Kind.String(), Prefix: ifc.Prefix, Cost: ifc.Cost, Carrier: d.carrier[ifc.Name], OSPF: ospfState[ifc.Name]})
	}
	for _, e := range d.events {
		st.Events = append(st.Events, eventView(e))
	}
	d.mu.Unlock()
	st.Neighbors = neighborViews(in.Neighbors())
	st.Routes = routeViews(in.RoutingTable())
	if r := d.node.VRRP(); r != nil {
		st.VRRP = vrrpView(r.Status())
	}
	if d.static != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		rs, err := d.static.List(ctx)
		cancel()
		on := err == nil && len(rs) > 0
		st.Static = &on
	}
	for k, tr := range d.trs {
		st.Transports[k] = tr.Stats()
	}
	return st
}

//go:build linux

package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/vishvananda/netlink"
)

// resyncEvery is how often KernelWatch.Next wakes without a change: a
// periodic resync also catches anything a full netlink buffer lost.
const resyncEvery = 30 * time.Second

// Link is what the daemons need of a kernel link.
type Link struct {
	Index int
	Up    bool // administratively up and operationally up (or unknown)
}

// Kernel is a reading of the kernel's links, by name, and IPv4 addresses,
// by link index in kernel order.
type Kernel struct {
	Links map[string]Link
	Addrs map[int][]netip.Prefix
}

// ReadKernel reads the links and IPv4 addresses.
func ReadKernel() (Kernel, error) {
	k := Kernel{Links: map[string]Link{}, Addrs: map[int][]netip.Prefix{}}
	ls, err := netlink.LinkList()
	if err != nil {
		return k, fmt.Errorf("list links: %w", err)
	}
	for _, lk := range ls {
		a := lk.Attrs()
		up := a.Flags&net.FlagUp != 0 && (a.OperState == netlink.OperUp || a.OperState == netlink.OperUnknown)
		k.Links[a.Name] = Link{Index: a.Index, Up: up}
	}
	as, err := netlink.AddrList(nil, netlink.FAMILY_V4)
	if err != nil {
		return k, fmt.Errorf("list addresses: %w", err)
	}
	for _, a := range as {
		ip, ok := netip.AddrFromSlice(a.IP.To4())
		if !ok {
			continue
		}
		ones, _ := a.Mask.Size()
		k.Addrs[a.LinkIndex] = append(k.Addrs[a.LinkIndex], netip.PrefixFrom(ip, ones))
	}
	return k, nil
}

// Usable returns the link named name and the prefix to run a protocol on
// it with: static when it is set, else the link's first IPv4 address.
// When the link is missing or has no address, why says so ("no such
// interface", "no IPv4 address"); carrier is the caller's business.
func (k Kernel) Usable(name string, static *netip.Prefix) (l Link, p netip.Prefix, why string) {
	l, ok := k.Links[name]
	switch {
	case !ok:
		return l, p, "no such interface"
	case static != nil:
		return l, *static, ""
	}
	if as := k.Addrs[l.Index]; len(as) > 0 {
		return l, as[0], ""
	}
	return l, p, "no IPv4 address"
}

// Connected returns the IPv4 networks of the links that are up and that
// skip does not name (the protocol's own interfaces), sorted: what
// `redistribute: connected` advertises. Loopback addresses (127.0.0.0/8)
// are left out; other addresses on lo are not.
func (k Kernel) Connected(skip func(link string) bool) []netip.Prefix {
	var out []netip.Prefix
	for name, li := range k.Links {
		if skip(name) || !li.Up {
			continue
		}
		for _, p := range k.Addrs[li.Index] {
			if p.Addr().IsLoopback() {
				continue
			}
			if m := p.Masked(); !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	return out
}

// KernelWatch follows link and IPv4 address changes (and route changes,
// when asked) through netlink subscriptions, for a daemon that resyncs
// with a fresh ReadKernel whenever something changed.
type KernelWatch struct {
	done   chan struct{}
	links  chan netlink.LinkUpdate
	addrs  chan netlink.AddrUpdate
	routes chan netlink.RouteUpdate // nil unless routes are watched
	route  func(netlink.RouteUpdate) bool
	errs   chan error
	tick   *time.Ticker
}

// WatchKernel subscribes to link and address changes and, when route is
// not nil, to route changes; a route change wakes Next only when route
// returns true for it. Subscribe before the first ReadKernel, so that no
// change falls between. Close ends the subscriptions.
func WatchKernel(route func(netlink.RouteUpdate) bool) (*KernelWatch, error) {
	w := &KernelWatch{
		done:  make(chan struct{}),
		links: make(chan netlink.LinkUpdate, 64),
		addrs: make(chan netlink.AddrUpdate, 64),
		route: route,
		errs:  make(chan error, 3),
	}
	onErr := func(err error) {
		select {
		case w.errs <- err:
		default:
		}
	}
	if err := netlink.LinkSubscribeWithOptions(w.links, w.done, netlink.LinkSubscribeOptions{ErrorCallback: onErr}); err != nil {
		close(w.done)
		return nil, fmt.Errorf("netlink link subscription: %w", err)
	}
	if err := netlink.AddrSubscribeWithOptions(w.addrs, w.done, netlink.AddrSubscribeOptions{ErrorCallback: onErr}); err != nil {
		close(w.done)
		return nil, fmt.Errorf("netlink address subscription: %w", err)
	}
	if route != nil {
		w.routes = make(chan netlink.RouteUpdate, 256)
		if err := netlink.RouteSubscribeWithOptions(w.routes, w.done, netlink.RouteSubscribeOptions{ErrorCallback: onErr}); err != nil {
			close(w.done)
			return nil, fmt.Errorf("netlink route subscription: %w", err)
		}
	}
	return w, nil
}

// Wake is why KernelWatch.Wait returned.
type Wake int

// Reasons to wake.
const (
	WakeDone   Wake = iota // ctx is done
	WakeKernel             // a change, a subscription error or the periodic resync
	WakeReload             // a receive from the reload channel (SIGHUP)
)

// Next waits for a link or address change, a wanted route change, a
// subscription error (logged as a warning on log: the resync catches what
// it lost) or the periodic 30 s resync, whose clock starts at the first
// call. It then drains what else is queued, so that a burst of updates
// makes one resync, and returns true. It returns false once ctx is done.
func (w *KernelWatch) Next(ctx context.Context, log *slog.Logger) bool {
	return w.Wait(ctx, log, nil) == WakeKernel
}

// Wait is Next that also wakes on a receive from reload (nil: never),
// for a daemon's loop that serves both: WakeKernel is Next's true,
// WakeDone its false.
func (w *KernelWatch) Wait(ctx context.Context, log *slog.Logger, reload <-chan struct{}) Wake {
	if w.tick == nil {
		w.tick = time.NewTicker(resyncEvery)
	}
	for {
		select {
		case <-ctx.Done():
			return WakeDone
		case <-reload:
			return WakeReload
		case err := <-w.errs:
			log.Warn("netlink subscription error; resynchronising", "err", err)
		case <-w.links:
		case <-w.addrs:
		case u := <-w.routes:
			if !w.route(u) {
				continue
			}
		case <-w.tick.C:
		}
		drain(w.links)
		drain(w.addrs)
		drain(w.routes)
		return WakeKernel
	}
}

// Close ends the subscriptions and the periodic resync.
func (w *KernelWatch) Close() {
	close(w.done)
	if w.tick != nil {
		w.tick.Stop()
	}
}

func drain[T any](ch chan T) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

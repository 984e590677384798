package fib

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// ErrConflict is wrapped by Netlink.Replace when the kernel already holds a
// route of another protocol for the same prefix, table and metric. The
// sink never overwrites another protocol's route: give ours another metric
// or remove the other route.
var ErrConflict = errors.New("fib: route held by another protocol")

// ErrInvalidConfig is wrapped by NetlinkConfig.Validate's errors.
var ErrInvalidConfig = errors.New("fib: invalid netlink config")

// The rtm_protocol numbers a Netlink sink uses by default, one per
// originating Protocol (see DefaultRTProtocol). They sit in a block no
// known routing software uses: Linux interprets only 0 to 3, the kernel's
// uapi and iproute2 name 4 to 192, and FRR takes 186 to 198. To have
// `ip route` print names instead of numbers, install a file such as
// /etc/iproute2/rt_protos.d/switchless.conf containing
//
//	240 sl-unspec
//	241 sl-connected
//	242 sl-static
//	243 sl-ospf
//	244 sl-rip
//	245 sl-anycast
const (
	RTProtoUnspec    = 240
	RTProtoConnected = 241
	RTProtoStatic    = 242
	RTProtoOSPF      = 243
	RTProtoRIP       = 244
	RTProtoAnycast   = 245
)

// DefaultRTProtocol returns the rtm_protocol number a Netlink sink for
// routes of protocol p uses when NetlinkConfig.RTProtocol is 0, or 0 when
// p cannot be installed (ProtocolKernel, unknown values).
//
// Each protocol gets its own number so that separate daemons (an OSPF one
// and a RIP one, say) never reclaim or list each other's routes.
func DefaultRTProtocol(p Protocol) uint8 {
	switch p {
	case ProtocolUnspec:
		return RTProtoUnspec
	case ProtocolConnected:
		return RTProtoConnected
	case ProtocolStatic:
		return RTProtoStatic
	case ProtocolOSPF:
		return RTProtoOSPF
	case ProtocolRIP:
		return RTProtoRIP
	case ProtocolAnycast:
		return RTProtoAnycast
	}
	return 0
}

// Reclaim says what a Netlink sink does, when it opens, with routes of its
// rtm_protocol that are already in the kernel: the leftovers of a previous
// run that crashed or was killed before withdrawing them.
type Reclaim uint8

const (
	// ReclaimDelete deletes them before OpenNetlink returns: the sink
	// starts empty, as a fresh boot would. Traffic they carried stops
	// until the protocol installs its routes again.
	ReclaimDelete Reclaim = iota
	// ReclaimAdopt keeps them as the sink's own: List reports them, and
	// the protocol's first Sync removes those it no longer wants and
	// keeps (without rewriting) those it still does. Forwarding survives
	// a restart, as with a graceful restart; the protocol must call Sync
	// (not only Replace) for stale routes to go.
	ReclaimAdopt
)

func (r Reclaim) String() string {
	switch r {
	case ReclaimDelete:
		return "delete"
	case ReclaimAdopt:
		return "adopt"
	}
	return "reclaim(" + strconv.Itoa(int(r)) + ")"
}

// NetlinkConfig configures a Netlink sink. The zero value installs routes
// of ProtocolUnspec in the caller's network namespace, tagged with
// rtm_protocol RTProtoUnspec, and deletes stale ones at open.
type NetlinkConfig struct {
	// Namespace is the name of a network namespace, as listed by
	// `ip netns` (a bind mount under /run/netns). Empty means the network
	// namespace of the thread that calls OpenNetlink.
	Namespace string
	// Protocol is the origin of every route this sink holds. Replace
	// rejects routes of another Protocol, and List reports this one: the
	// kernel keeps a single tag per route, RTProtocol.
	Protocol Protocol
	// RTProtocol is the rtm_protocol number the sink tags its routes
	// with and by which it recognises them; 0 means
	// DefaultRTProtocol(Protocol). Values 1 to 3 are interpreted by the
	// kernel and refused. Two sinks with the same number in one
	// namespace would take each other's routes for their own.
	RTProtocol uint8
	// Reclaim chooses what happens to routes of RTProtocol already in
	// the kernel when the sink opens.
	Reclaim Reclaim
	// Timeout bounds each netlink request; 0 means 10 seconds.
	Timeout time.Duration
	// Logger receives reclaim reports and the routes the sink writes, at
	// debug level. Nil discards.
	Logger *slog.Logger
}

// Validate reports the first invalid field of c.
func (c NetlinkConfig) Validate() error {
	switch {
	case c.Protocol >= numProtocols:
		return configErr("Protocol", "unknown protocol %d", uint8(c.Protocol))
	case c.Protocol == ProtocolKernel:
		return configErr("Protocol", "kernel routes belong to the kernel; a sink cannot install them")
	case c.RTProtocol >= 1 && c.RTProtocol <= unix.RTPROT_BOOT:
		return configErr("RTProtocol", "%d is interpreted by the kernel (1 redirect, 2 kernel, 3 boot); use 4 or more", c.RTProtocol)
	case c.Reclaim > ReclaimAdopt:
		return configErr("Reclaim", "unknown mode %d", uint8(c.Reclaim))
	case strings.ContainsRune(c.Namespace, '/') || c.Namespace == "." || c.Namespace == "..":
		return configErr("Namespace", "%q is not a namespace name", c.Namespace)
	case c.Timeout < 0:
		return configErr("Timeout", "negative %v", c.Timeout)
	}
	return nil
}

func configErr(field, format string, args ...any) error {
	return fmt.Errorf("fib: netlink config: %s: %s: %w", field, fmt.Sprintf(format, args...), ErrInvalidConfig)
}

// Netlink is a Sink that installs routes in a Linux kernel through
// rtnetlink (github.com/vishvananda/netlink), optionally in a named
// network namespace.
//
// Every route it writes carries its rtm_protocol number (NetlinkConfig.
// RTProtocol); List, Delete and the reclaim at open only ever see routes
// with that number, so routes of the kernel, of the operator (`proto
// static`) and of other daemons are never touched. A route is installed
// with one netlink request (RTM_NEWROUTE, multipath next hops included),
// which the kernel applies whole or not at all, so a failed Replace leaves
// the previous route in place. When a Replace changes a route's metric,
// the new route is added before the old one is removed.
//
// The kernel identifies a route by table, prefix and metric, and lets
// routes of several protocols share a prefix at different metrics. A
// Netlink sink keeps one route per table and prefix, like every Sink, and
// refuses (ErrConflict) to take the metric slot of another protocol's
// route.
//
// Lists read the kernel, so routes removed behind the sink's back (an
// interface going down takes its routes with it) are seen, and the next
// Sync puts them back.
type Netlink struct {
	cfg   NetlinkConfig
	proto uint8
	log   *slog.Logger

	mu        sync.Mutex
	h         *netlink.Handle // nil once closed
	owned     map[key]*owned
	reclaimed []Route
}

// owned is what the sink believes it holds at one key.
type owned struct {
	// metrics are the kernel priorities of our routes at the key:
	// normally one, more after a crash between add and delete.
	metrics []uint32
	// given is the route as last given to Replace (canonical), reported
	// by List while the kernel's route matches it. The kernel fills in
	// the interface of a gateway given without one; remembering the
	// given form keeps a following Sync from rewriting the route.
	given    Route
	hasGiven bool
}

var _ interface {
	Sink
	RouteValidator
} = (*Netlink)(nil)

// OpenNetlink opens a netlink socket (in cfg.Namespace if set), then
// reclaims the routes of its rtm_protocol left by a previous run as
// cfg.Reclaim says. It returns an error if the namespace cannot be
// entered, the kernel cannot be read, or a stale route cannot be deleted.
func OpenNetlink(ctx context.Context, cfg NetlinkConfig) (*Netlink, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	n := &Netlink{cfg: cfg, proto: cfg.RTProtocol, log: cfg.Logger, owned: make(map[key]*owned)}
	if n.proto == 0 {
		n.proto = DefaultRTProtocol(cfg.Protocol)
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	n.log = n.log.With("sink", "netlink", "rtproto", int(n.proto), "netns", cfg.Namespace)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var err error
	if cfg.Namespace != "" {
		var ns netns.NsHandle
		ns, err = netns.GetFromName(cfg.Namespace)
		if err != nil {
			return nil, fmt.Errorf("fib: netlink: namespace %q: %w", cfg.Namespace, err)
		}
		n.h, err = netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
		ns.Close()
	} else {
		n.h, err = netlink.NewHandle(unix.NETLINK_ROUTE)
	}
	if err != nil {
		return nil, fmt.Errorf("fib: netlink: open: %w", err)
	}
	if err := n.h.SetSocketTimeout(cfg.Timeout); err != nil {
		n.h.Close()
		return nil, fmt.Errorf("fib: netlink: socket timeout: %w", err)
	}
	// Strict checking lets the kernel filter dumps by protocol; without
	// it (kernels before 4.20) the library filters them instead.
	if err := n.h.SetStrictCheck(true); err != nil {
		n.log.Debug("netlink strict check unavailable; filtering dumps in user space", "err", err)
	}
	if err := n.reclaim(ctx); err != nil {
		n.h.Close()
		return nil, err
	}
	return n, nil
}

func (n *Netlink) reclaim(ctx context.Context) error {
	krs, err := n.dump()
	if err != nil {
		return fmt.Errorf("fib: netlink: reading routes to reclaim: %w", err)
	}
	var errs []error
	for _, kr := range krs {
		r, m, ok := n.fromKernel(kr)
		if !ok {
			continue
		}
		n.reclaimed = append(n.reclaimed, r)
		if n.cfg.Reclaim == ReclaimAdopt {
			n.record(keyOf(r), m)
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := n.delMetric(keyOf(r), m); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("%v metric %d: %w", r.Prefix, m, err))
		}
	}
	slices.SortFunc(n.reclaimed, Compare)
	if len(errs) > 0 {
		return fmt.Errorf("fib: netlink: deleting stale routes: %w", errors.Join(errs...))
	}
	if len(n.reclaimed) > 0 {
		n.log.Info("reclaimed routes of a previous run", "mode", n.cfg.Reclaim.String(), "routes", len(n.reclaimed))
	}
	return nil
}

func (n *Netlink) record(k key, metric uint32) {
	o := n.owned[k]
	if o == nil {
		o = &owned{}
		n.owned[k] = o
	}
	if !slices.Contains(o.metrics, metric) {
		o.metrics = append(o.metrics, metric)
	}
}

// RTProtocol returns the rtm_protocol number the sink tags its routes with.
func (n *Netlink) RTProtocol() uint8 { return n.proto }

// Reclaimed returns the routes of the sink's rtm_protocol that were in the
// kernel when it opened (deleted or adopted, as configured), sorted.
func (n *Netlink) Reclaimed() []Route {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]Route, len(n.reclaimed))
	for i, r := range n.reclaimed {
		out[i] = *cloneRoute(r)
	}
	return out
}

// Close closes the netlink socket. Routes stay in the kernel: withdrawing
// them is the protocol's business (Sync with nothing wanted). Later calls
// return net.ErrClosed.
func (n *Netlink) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.h != nil {
		n.h.Close()
		n.h = nil
	}
	return nil
}

// ValidateRoute implements RouteValidator: Route.Validate, plus what this
// sink and Linux need. The route must be of the sink's Protocol, and each
// next hop of an IPv6 multipath route needs a gateway (Linux refuses
// device-only IPv6 multipath next hops).
func (n *Netlink) ValidateRoute(r Route) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if r.Protocol != n.cfg.Protocol {
		return routeErr(r.Prefix, "Protocol", "%s, but this sink installs %s routes", r.Protocol, n.cfg.Protocol)
	}
	if r.Prefix.Addr().Is6() && len(r.NextHops) > 1 {
		for i, h := range r.NextHops {
			if !h.Gateway.IsValid() {
				return routeErr(r.Prefix, "NextHops["+strconv.Itoa(i)+"].Gateway", "Linux needs a gateway on every next hop of an IPv6 multipath route")
			}
		}
	}
	return nil
}

// Replace implements Sink.
func (n *Netlink) Replace(ctx context.Context, r Route) error {
	if err := n.ValidateRoute(r); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c := r.Canonical()
	k, m := keyOf(c), kernelMetric(c)
	kr := n.toKernel(c)

	n.mu.Lock()
	defer n.mu.Unlock()
	if n.h == nil {
		return fmt.Errorf("fib: netlink: replace %v: %w", c.Prefix, net.ErrClosed)
	}
	var had []uint32
	if o := n.owned[k]; o != nil {
		had = o.metrics
	}
	var err error
	if slices.Contains(had, m) {
		// Our route holds the slot: swap it atomically.
		err = n.h.RouteReplace(kr)
	} else {
		// Create only if the slot is free: the kernel's NLM_F_EXCL check
		// is what keeps us off another protocol's route.
		err = n.h.RouteAdd(kr)
		if errors.Is(err, unix.EEXIST) {
			var holder uint8
			holder, err = n.slotHolder(k, m)
			switch {
			case err != nil:
			case holder == n.proto:
				err = n.h.RouteReplace(kr)
			default:
				return fmt.Errorf("fib: netlink: replace %v: metric %d in table %d taken by rtm_protocol %d: %w",
					c.Prefix, m, kernelTable(c.Table), holder, ErrConflict)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("fib: netlink: replace %v: %w", c, err)
	}
	// Remove our routes at other metrics: make before break.
	for _, om := range had {
		if om == m {
			continue
		}
		if derr := n.delMetric(k, om); derr != nil {
			// Undo the add so as not to leave two routes.
			if !slices.Contains(had, m) {
				if uerr := n.delMetric(k, m); uerr != nil {
					n.record(k, m)
					return fmt.Errorf("fib: netlink: replace %v: removing metric %d: %w; undoing the new route: %w", c, om, derr, uerr)
				}
			}
			return fmt.Errorf("fib: netlink: replace %v: removing the route at metric %d: %w", c, om, derr)
		}
	}
	n.owned[k] = &owned{metrics: []uint32{m}, given: c, hasGiven: true}
	n.log.Debug("route replaced", "route", c.String())
	return nil
}

// Delete implements Sink: it removes every route of the sink's rtm_protocol
// for the prefix in the table, whatever its metric.
func (n *Netlink) Delete(ctx context.Context, p netip.Prefix, table int) error {
	if err := checkKey(p, table); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	k := key{canonicalTable(table), p}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.h == nil {
		return fmt.Errorf("fib: netlink: delete %v: %w", k, net.ErrClosed)
	}
	// Metric 0 in a delete request matches any metric; repeat until the
	// kernel has none of ours left. The bound only guards against a
	// kernel that would keep answering success.
	for range 64 {
		err := n.delMetric(k, 0)
		if errors.Is(err, unix.ESRCH) {
			delete(n.owned, k)
			n.log.Debug("route deleted", "prefix", p.String(), "table", k.table)
			return nil
		}
		if err != nil {
			return fmt.Errorf("fib: netlink: delete %v: %w", k, err)
		}
	}
	return fmt.Errorf("fib: netlink: delete %v: routes keep coming back", k)
}

// List implements Sink. It reads the kernel.
func (n *Netlink) List(ctx context.Context) ([]Route, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.h == nil {
		return nil, fmt.Errorf("fib: netlink: list: %w", net.ErrClosed)
	}
	krs, err := n.dump()
	if err != nil {
		return nil, fmt.Errorf("fib: netlink: list: %w", err)
	}
	now := make(map[key]*owned, len(krs))
	out := make([]Route, 0, len(krs))
	for _, kr := range krs {
		r, m, ok := n.fromKernel(kr)
		if !ok {
			continue
		}
		k := keyOf(r)
		o := now[k]
		if o == nil {
			o = &owned{}
			now[k] = o
		}
		o.metrics = append(o.metrics, m)
		if prev := n.owned[k]; prev != nil && prev.hasGiven && matchesKernel(prev.given, r) {
			o.given, o.hasGiven = prev.given, true
			r = *cloneRoute(prev.given)
		}
		out = append(out, r)
	}
	n.owned = now
	slices.SortFunc(out, Compare)
	return out, nil
}

// matchesKernel reports whether the kernel's route k is what given asked
// for: equal, except that a next hop given without an interface matches
// whatever interface the kernel resolved.
func matchesKernel(given, k Route) bool {
	if given.Prefix != k.Prefix || given.Table != k.Table || given.Metric != k.Metric ||
		given.Type != k.Type || given.Protocol != k.Protocol || len(given.NextHops) != len(k.NextHops) {
		return false
	}
	used := make([]bool, len(k.NextHops))
next:
	for _, g := range given.NextHops {
		for i, h := range k.NextHops {
			if !used[i] && g.Gateway == h.Gateway && g.Weight == h.Weight && (g.IfIndex == 0 || g.IfIndex == h.IfIndex) {
				used[i] = true
				continue next
			}
		}
		return false
	}
	return true
}

// dump returns the kernel's routes of our rtm_protocol, IPv4 and IPv6,
// all tables. A dump interrupted by a concurrent change is retried.
func (n *Netlink) dump() ([]netlink.Route, error) {
	var out []netlink.Route
	filter := &netlink.Route{Protocol: netlink.RouteProtocol(n.proto), Table: unix.RT_TABLE_UNSPEC}
	for _, fam := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		var rs []netlink.Route
		var err error
		for range 5 {
			rs, err = n.h.RouteListFiltered(fam, filter, netlink.RT_FILTER_PROTOCOL|netlink.RT_FILTER_TABLE)
			if !errors.Is(err, netlink.ErrDumpInterrupted) {
				break
			}
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// slotHolder returns the rtm_protocol of the route at (k, metric).
func (n *Netlink) slotHolder(k key, metric uint32) (uint8, error) {
	fam := netlink.FAMILY_V4
	if k.prefix.Addr().Is6() {
		fam = netlink.FAMILY_V6
	}
	rs, err := n.h.RouteListFiltered(fam, &netlink.Route{Table: kernelTable(k.table)}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return 0, err
	}
	for _, kr := range rs {
		if kr.Priority == int(metric) && kernelPrefix(kr) == k.prefix {
			return uint8(kr.Protocol), nil
		}
	}
	return 0, fmt.Errorf("kernel said the route exists but does not list it")
}

// delMetric deletes our route at k with the given kernel metric (0: any).
func (n *Netlink) delMetric(k key, metric uint32) error {
	return n.h.RouteDel(&netlink.Route{
		Dst:      prefixNet(k.prefix),
		Family:   family(k.prefix),
		Table:    kernelTable(k.table),
		Protocol: netlink.RouteProtocol(n.proto),
		Priority: int(metric),
		Scope:    netlink.SCOPE_NOWHERE, // any scope
	})
}

func (n *Netlink) toKernel(c Route) *netlink.Route {
	kr := &netlink.Route{
		Dst:      prefixNet(c.Prefix),
		Family:   family(c.Prefix),
		Table:    kernelTable(c.Table),
		Priority: int(kernelMetric(c)),
		Protocol: netlink.RouteProtocol(n.proto),
		Type:     kernelType[c.Type],
		Scope:    netlink.SCOPE_UNIVERSE,
	}
	switch len(c.NextHops) {
	case 0:
	case 1:
		h := c.NextHops[0]
		kr.LinkIndex = h.IfIndex
		if h.Gateway.IsValid() {
			kr.Gw = h.Gateway.AsSlice()
		} else {
			kr.Scope = netlink.SCOPE_LINK // as iproute2 does for device routes
		}
	default:
		for _, h := range c.NextHops {
			nh := &netlink.NexthopInfo{LinkIndex: h.IfIndex, Hops: h.Weight - 1}
			if h.Gateway.IsValid() {
				nh.Gw = h.Gateway.AsSlice()
			}
			kr.MultiPath = append(kr.MultiPath, nh)
		}
	}
	return kr
}

// fromKernel converts a kernel route of our protocol into a canonical Route
// and its kernel metric. It reports false for route types the model has no
// name for; the sink never writes those.
func (n *Netlink) fromKernel(kr netlink.Route) (Route, uint32, bool) {
	var t Type
	switch kr.Type {
	case unix.RTN_UNICAST:
		t = TypeUnicast
	case unix.RTN_BLACKHOLE:
		t = TypeBlackhole
	case unix.RTN_UNREACHABLE:
		t = TypeUnreachable
	case unix.RTN_PROHIBIT:
		t = TypeProhibit
	default:
		n.log.Warn("ignoring a route of our protocol with an unsupported type", "type", kr.Type, "dst", kr.Dst)
		return Route{}, 0, false
	}
	r := Route{
		Prefix:   kernelPrefix(kr),
		Table:    kr.Table,
		Metric:   uint32(kr.Priority),
		Protocol: n.cfg.Protocol,
		Type:     t,
	}
	if t == TypeUnicast {
		if len(kr.MultiPath) > 0 {
			for _, nh := range kr.MultiPath {
				r.NextHops = append(r.NextHops, NextHop{Gateway: ipAddr(nh.Gw), IfIndex: nh.LinkIndex, Weight: nh.Hops + 1})
			}
		} else {
			r.NextHops = []NextHop{{Gateway: ipAddr(kr.Gw), IfIndex: kr.LinkIndex}}
		}
	}
	return r.Canonical(), uint32(kr.Priority), true
}

var kernelType = [numTypes]int{
	TypeUnicast:     unix.RTN_UNICAST,
	TypeBlackhole:   unix.RTN_BLACKHOLE,
	TypeUnreachable: unix.RTN_UNREACHABLE,
	TypeProhibit:    unix.RTN_PROHIBIT,
}

// kernelMetric is the priority the kernel stores for c.
func kernelMetric(c Route) uint32 {
	if c.Metric == 0 && c.Prefix.Addr().Is6() {
		return DefaultIPv6Metric
	}
	return c.Metric
}

func kernelTable(t int) int {
	if t == 0 {
		return TableMain
	}
	return t
}

func family(p netip.Prefix) int {
	if p.Addr().Is4() {
		return netlink.FAMILY_V4
	}
	return netlink.FAMILY_V6
}

func prefixNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// kernelPrefix returns the destination of a kernel route; the kernel omits
// it for default routes.
func kernelPrefix(kr netlink.Route) netip.Prefix {
	if kr.Dst == nil {
		if kr.Family == netlink.FAMILY_V6 {
			return netip.PrefixFrom(netip.IPv6Unspecified(), 0)
		}
		return netip.PrefixFrom(netip.IPv4Unspecified(), 0)
	}
	a := ipAddr(kr.Dst.IP)
	if kr.Family == netlink.FAMILY_V4 {
		a = a.Unmap() // the library writes 0.0.0.0/0 in its 16-byte form
	}
	bits, _ := kr.Dst.Mask.Size()
	return netip.PrefixFrom(a, bits).Masked()
}

func ipAddr(ip net.IP) netip.Addr {
	if ip == nil {
		return netip.Addr{}
	}
	a, _ := netip.AddrFromSlice(ip) // 4 bytes for IPv4, 16 for IPv6
	return a
}

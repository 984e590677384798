package fib

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// ErrInvalidRoute is wrapped by every error that rejects a route (or a
// prefix and table given to Delete) before anything is written. The
// concrete error is a *RouteError naming the offending field.
var ErrInvalidRoute = errors.New("fib: invalid route")

// TableMain is the Linux main routing table. Route.Table 0 means this
// table; 254 is accepted as its explicit name and canonicalised to 0.
const TableMain = 254

// MaxTable is the largest routing table id (tables are 32-bit on Linux).
const MaxTable = math.MaxUint32

// MaxWeight is the largest next-hop weight. Linux carries the weight in
// one byte as weight-1 (rtnh_hops), so weights run from 1 to 256.
const MaxWeight = 256

// DefaultIPv6Metric is the metric Linux gives an IPv6 route installed with
// metric 0 (IP6_RT_PRIO_USER). For IPv6 prefixes, Metric 0 and 1024 are the
// same route, and the canonical form says 0.
const DefaultIPv6Metric = 1024

// Protocol is the protocol a route was learnt from. It is part of the
// route (two sinks may carry the same prefix from different origins) and
// is printed by String as iproute2 prints "proto".
type Protocol uint8

// Protocols known to the suite. The zero value, ProtocolUnspec, means the
// origin is not stated.
const (
	ProtocolUnspec    Protocol = iota
	ProtocolKernel             // installed by the kernel (e.g. learnt from a netlink dump)
	ProtocolConnected          // a directly attached network
	ProtocolStatic             // configured by the operator
	ProtocolOSPF               // RFC 2328 OSPFv2
	ProtocolRIP                // RFC 2453 RIPv2
	ProtocolAnycast            // a health-checked service address
	numProtocols
)

var protocolNames = [numProtocols]string{"unspec", "kernel", "connected", "static", "ospf", "rip", "anycast"}

// String returns the lower-case name of p, or "proto(N)" for an unknown
// value.
func (p Protocol) String() string {
	if p < numProtocols {
		return protocolNames[p]
	}
	return "proto(" + strconv.Itoa(int(p)) + ")"
}

// ParseProtocol returns the Protocol whose String is s.
func ParseProtocol(s string) (Protocol, error) {
	for i, n := range protocolNames {
		if n == s {
			return Protocol(i), nil
		}
	}
	return 0, fmt.Errorf("fib: unknown protocol %q", s)
}

// Type is the kind of a route, as iproute2's route types.
type Type uint8

// Route types. Only unicast routes have next hops; the others make the
// kernel drop matching packets (blackhole silently, unreachable and
// prohibit with an ICMP error), which is what an OSPF area range or an
// aggregate needs to avoid loops.
const (
	TypeUnicast Type = iota
	TypeBlackhole
	TypeUnreachable
	TypeProhibit
	numTypes
)

var typeNames = [numTypes]string{"unicast", "blackhole", "unreachable", "prohibit"}

// String returns the iproute2 name of t, or "type(N)" for an unknown value.
func (t Type) String() string {
	if t < numTypes {
		return typeNames[t]
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// NextHop is one way out of a route: a gateway, an interface, or both.
type NextHop struct {
	// Gateway is the neighbor to forward to; the zero Addr means the
	// destination is directly reachable on IfIndex. It must be of the
	// route's address family and carry no zone (use IfIndex).
	Gateway netip.Addr
	// IfIndex is the outgoing interface; 0 lets the kernel resolve it
	// from Gateway. An IPv6 link-local gateway needs it.
	IfIndex int
	// Weight is the share of traffic for this hop among a route's
	// next hops, 1 to MaxWeight; 0 means 1. It is ignored (and
	// canonicalised to 1) when the route has a single next hop.
	Weight int
}

// Route is one entry of a forwarding table: packets to Prefix in Table
// leave through NextHops.
//
// Routes are plain values. Two routes that differ only in how they are
// written (the order of next hops, weight 0 versus 1, table 0 versus 254,
// IPv6 metric 0 versus 1024) are Equal; Canonical returns the one way
// sinks report them.
type Route struct {
	// Prefix is the destination. Its host bits must be zero.
	Prefix netip.Prefix
	// NextHops lists where to forward; more than one is ECMP, traffic
	// being spread in proportion to the weights. Unicast routes need at
	// least one; other types must have none.
	NextHops []NextHop
	// Metric orders routes to the same prefix in one table (lower wins);
	// Linux calls it the priority.
	Metric uint32
	// Table is the routing table; 0 means the main table (TableMain).
	Table int
	// Protocol is where the route was learnt.
	Protocol Protocol
	// Type is unicast (the zero value) or one of the reject types.
	Type Type
}

// RouteError is the error returned for an invalid route. It unwraps to
// ErrInvalidRoute.
type RouteError struct {
	// Prefix is the route's prefix as given (possibly invalid).
	Prefix netip.Prefix
	// Field names the offending field, e.g. "NextHops[1].Gateway".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

func (e *RouteError) Error() string {
	return "fib: route " + e.Prefix.String() + ": " + e.Field + ": " + e.Reason
}

// Unwrap returns ErrInvalidRoute.
func (e *RouteError) Unwrap() error { return ErrInvalidRoute }

func routeErr(p netip.Prefix, field, format string, args ...any) error {
	return &RouteError{Prefix: p, Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Validate reports the first problem with r, as a *RouteError wrapping
// ErrInvalidRoute that names the field. It checks that the prefix is valid
// and masked; that the table is in range and the type and protocol known;
// that a unicast route has next hops and a reject route none; and that
// every next hop has a gateway or an interface, a gateway of the prefix's
// family that is a usable unicast address, a non-negative interface, a
// weight up to MaxWeight, and is not repeated.
func (r Route) Validate() error {
	p := r.Prefix
	switch {
	case !p.IsValid():
		return routeErr(p, "Prefix", "invalid prefix")
	case p != p.Masked():
		return routeErr(p, "Prefix", "host bits set (the network is %s)", p.Masked())
	}
	if r.Table < 0 || int64(r.Table) > MaxTable {
		return routeErr(p, "Table", "%d out of range 0..%d", r.Table, uint64(MaxTable))
	}
	if r.Protocol >= numProtocols {
		return routeErr(p, "Protocol", "unknown protocol %d", uint8(r.Protocol))
	}
	if r.Type >= numTypes {
		return routeErr(p, "Type", "unknown route type %d", uint8(r.Type))
	}
	if r.Type != TypeUnicast {
		if len(r.NextHops) > 0 {
			return routeErr(p, "NextHops", "a %s route has no next hops", r.Type)
		}
		return nil
	}
	if len(r.NextHops) == 0 {
		return routeErr(p, "NextHops", "no next hop")
	}
	v4 := p.Addr().Is4()
	for i, nh := range r.NextHops {
		if nh.IfIndex < 0 {
			return routeErr(p, hopField(i, ".IfIndex"), "negative interface index %d", nh.IfIndex)
		}
		if nh.Weight < 0 || nh.Weight > MaxWeight {
			return routeErr(p, hopField(i, ".Weight"), "%d out of range 0..%d", nh.Weight, MaxWeight)
		}
		g := nh.Gateway
		if !g.IsValid() {
			if nh.IfIndex == 0 {
				return routeErr(p, hopField(i, ""), "neither Gateway nor IfIndex set")
			}
		} else {
			switch {
			case g.Is4() != v4:
				return routeErr(p, hopField(i, ".Gateway"), "%s is not of the prefix's address family", g)
			case g.Zone() != "":
				return routeErr(p, hopField(i, ".Gateway"), "zone %q not allowed; set IfIndex", g.Zone())
			case g.Is4In6():
				return routeErr(p, hopField(i, ".Gateway"), "IPv4-mapped %s; use the IPv4 form with an IPv4 prefix", g)
			case g.IsUnspecified() || g.IsMulticast() || g.IsLoopback() || (v4 && g == netip.AddrFrom4([4]byte{255, 255, 255, 255})):
				return routeErr(p, hopField(i, ".Gateway"), "%s is not a unicast address", g)
			case g.Is6() && g.IsLinkLocalUnicast() && nh.IfIndex == 0:
				return routeErr(p, hopField(i, ".IfIndex"), "link-local gateway %s needs an interface", g)
			}
		}
		for j := range i {
			if r.NextHops[j].Gateway == g && r.NextHops[j].IfIndex == nh.IfIndex {
				return routeErr(p, hopField(i, ""), "duplicates NextHops[%d]", j)
			}
		}
	}
	return nil
}

// hopField names a field of next hop i, built only on the error path.
func hopField(i int, sub string) string {
	return "NextHops[" + strconv.Itoa(i) + "]" + sub
}

// Canonical returns r written the one way sinks report it: next hops sorted
// by gateway then interface, weights 1 to MaxWeight (1 for a single hop),
// table 0 for the main table, metric 0 for the IPv6 default metric, and a
// nil NextHops when there is none. The result shares no memory with r.
// Canonical does not validate r.
func (r Route) Canonical() Route {
	if r.Table == TableMain {
		r.Table = 0
	}
	if r.Metric == DefaultIPv6Metric && r.Prefix.Addr().Is6() {
		r.Metric = 0
	}
	if len(r.NextHops) == 0 {
		r.NextHops = nil
		return r
	}
	hops := slices.Clone(r.NextHops)
	for i := range hops {
		if hops[i].Weight == 0 || len(hops) == 1 {
			hops[i].Weight = 1
		}
	}
	slices.SortFunc(hops, compareNextHop)
	r.NextHops = hops
	return r
}

// Equal reports whether r and o are the same route once both are written
// canonically.
func (r Route) Equal(o Route) bool {
	if r.Prefix != o.Prefix || r.Protocol != o.Protocol || r.Type != o.Type ||
		canonicalTable(r.Table) != canonicalTable(o.Table) ||
		canonicalMetric(r.Prefix, r.Metric) != canonicalMetric(o.Prefix, o.Metric) ||
		len(r.NextHops) != len(o.NextHops) {
		return false
	}
	if isCanonicalHops(r.NextHops) && isCanonicalHops(o.NextHops) {
		return slices.Equal(r.NextHops, o.NextHops)
	}
	return slices.Equal(r.Canonical().NextHops, o.Canonical().NextHops)
}

// isCanonicalHops reports whether hops are already sorted with canonical
// weights, which lets Equal compare without allocating.
func isCanonicalHops(hops []NextHop) bool {
	for i, h := range hops {
		if h.Weight == 0 || (len(hops) == 1 && h.Weight != 1) {
			return false
		}
		if i > 0 && compareNextHop(hops[i-1], h) > 0 {
			return false
		}
	}
	return true
}

func canonicalTable(t int) int {
	if t == TableMain {
		return 0
	}
	return t
}

func canonicalMetric(p netip.Prefix, m uint32) uint32 {
	if m == DefaultIPv6Metric && p.Addr().Is6() {
		return 0
	}
	return m
}

func compareNextHop(a, b NextHop) int {
	if c := a.Gateway.Compare(b.Gateway); c != 0 {
		return c
	}
	if c := cmp.Compare(a.IfIndex, b.IfIndex); c != 0 {
		return c
	}
	return cmp.Compare(a.Weight, b.Weight)
}

// Compare orders routes the way sinks list them: by table, then IPv4
// before IPv6, then prefix address, then prefix length, then metric. It
// returns -1, 0 or +1. Routes that compare 0 may still differ in next hops.
func Compare(a, b Route) int {
	if c := cmp.Compare(canonicalTable(a.Table), canonicalTable(b.Table)); c != 0 {
		return c
	}
	if c := comparePrefix(a.Prefix, b.Prefix); c != 0 {
		return c
	}
	return cmp.Compare(canonicalMetric(a.Prefix, a.Metric), canonicalMetric(b.Prefix, b.Metric))
}

// comparePrefix orders IPv4 before IPv6, then by address, then by length.
// netip.Addr.Compare already sorts IPv4 before IPv6.
func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return cmp.Compare(a.Bits(), b.Bits())
}

// String formats r on one line, in the style of `ip route`:
//
//	[TYPE ]PREFIX[ via GATEWAY][ dev IFINDEX][ table T][ proto P][ metric M]
//	PREFIX[ table T][ proto P][ metric M] nexthop[ via G][ dev I] weight W nexthop ...
//
// The first form is for routes with at most one next hop, the second for
// ECMP routes, whose next hops follow as iproute2 prints multipath routes
// (on one line here). TYPE is omitted for unicast routes, table for the
// main table, proto when unspecified and metric when 0. Interfaces are
// printed as their index. The route is printed canonically, so Equal
// routes print the same.
func (r Route) String() string {
	var b strings.Builder
	r.appendTo(&b)
	return b.String()
}

func (r Route) appendTo(b *strings.Builder) {
	r = r.Canonical()
	if r.Type != TypeUnicast {
		b.WriteString(r.Type.String())
		b.WriteByte(' ')
	}
	b.WriteString(r.Prefix.String())
	if len(r.NextHops) == 1 {
		appendHop(b, r.NextHops[0])
	}
	if r.Table != 0 {
		b.WriteString(" table ")
		b.WriteString(strconv.Itoa(r.Table))
	}
	if r.Protocol != ProtocolUnspec {
		b.WriteString(" proto ")
		b.WriteString(r.Protocol.String())
	}
	if r.Metric != 0 {
		b.WriteString(" metric ")
		b.WriteString(strconv.FormatUint(uint64(r.Metric), 10))
	}
	if len(r.NextHops) > 1 {
		for _, h := range r.NextHops {
			b.WriteString(" nexthop")
			appendHop(b, h)
			b.WriteString(" weight ")
			b.WriteString(strconv.Itoa(h.Weight))
		}
	}
}

func appendHop(b *strings.Builder, h NextHop) {
	if h.Gateway.IsValid() {
		b.WriteString(" via ")
		b.WriteString(h.Gateway.String())
	}
	if h.IfIndex != 0 {
		b.WriteString(" dev ")
		b.WriteString(strconv.Itoa(h.IfIndex))
	}
}

// key identifies a route within a sink: one route per prefix and table.
type key struct {
	table  int
	prefix netip.Prefix
}

func keyOf(r Route) key { return key{canonicalTable(r.Table), r.Prefix} }

func (k key) String() string {
	if k.table == 0 {
		return k.prefix.String()
	}
	return k.prefix.String() + " table " + strconv.Itoa(k.table)
}

// checkKey validates a prefix and table as given to Sink.Delete.
func checkKey(p netip.Prefix, table int) error {
	switch {
	case !p.IsValid():
		return routeErr(p, "Prefix", "invalid prefix")
	case p != p.Masked():
		return routeErr(p, "Prefix", "host bits set (the network is %s)", p.Masked())
	case table < 0 || int64(table) > MaxTable:
		return routeErr(p, "Table", "%d out of range 0..%d", table, uint64(MaxTable))
	}
	return nil
}

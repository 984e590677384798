package ospf

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/switchless/routing/ospf/packet"
)

// This file decides which AS-external-LSAs this router originates (RFC
// 2328 §12.4.4): redistributed connected and static networks, routes an
// embedding program injects, and the default route of
// default-information originate. It also chooses their Link State IDs
// (Appendix E).

// Metrics used when none is configured (the defaults of FRR, which the
// switchless ring's operators know).
const (
	// DefaultExternalMetric is the metric of redistributed networks.
	DefaultExternalMetric = 20
	// DefaultOriginateMetric is the metric of the originated default
	// route.
	DefaultOriginateMetric = 10
	// MaxExternalMetric is the largest metric an AS-external-LSA can
	// carry; LSInfinity (0xffffff) means unreachable (§16.4 step 1).
	MaxExternalMetric = lsInfinity - 1
)

// MetricType is the type of an external metric (§2.3): type 1 metrics add
// to the internal cost, type 2 metrics are larger than any internal
// cost.
type MetricType uint8

// Metric types. The zero value means type 2, the usual default.
const (
	MetricTypeDefault MetricType = 0 // type 2
	MetricType1       MetricType = 1
	MetricType2       MetricType = 2
)

func (m MetricType) isType2() bool { return m != MetricType1 }

// String returns "1" or "2".
func (m MetricType) String() string {
	if m.isType2() {
		return "2"
	}
	return "1"
}

// MarshalText implements encoding.TextMarshaler.
func (m MetricType) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText accepts 1, 2, "type-1", "type-2", "e1", "e2".
func (m *MetricType) UnmarshalText(b []byte) error {
	switch strings.ToLower(string(b)) {
	case "1", "type-1", "type1", "e1":
		*m = MetricType1
	case "2", "type-2", "type2", "e2":
		*m = MetricType2
	default:
		return fmt.Errorf("%w: metric type %q: want 1 or 2", ErrInvalidConfig, b)
	}
	return nil
}

func (m MetricType) validate(field string) error {
	if m > MetricType2 {
		return fmt.Errorf("%w: %s = %d: want 1 or 2", ErrInvalidConfig, field, uint8(m))
	}
	return nil
}

// ExternalRoute is a route this router advertises as an AS-external-LSA.
type ExternalRoute struct {
	// Prefix is the destination, an IPv4 prefix (0.0.0.0/0 is the
	// default route).
	Prefix netip.Prefix
	// Metric is the external metric, 0 to MaxExternalMetric, used as
	// given.
	Metric uint32
	// MetricType is 1 or 2; zero means 2.
	MetricType MetricType
	// Tag is the external route tag (§A.4.5), for the operator's use.
	Tag uint32
	// Forwarding is the forwarding address: where traffic for Prefix
	// should go, when not to this router (§16.4 step 3). The zero Addr
	// and 0.0.0.0 mean this router.
	Forwarding netip.Addr
}

// Validate reports the first invalid field.
func (r ExternalRoute) Validate() error {
	if !r.Prefix.IsValid() || !r.Prefix.Addr().Is4() {
		return fmt.Errorf("%w: external route %v: Prefix: must be an IPv4 prefix", ErrInvalidConfig, r.Prefix)
	}
	if r.Prefix != r.Prefix.Masked() {
		return fmt.Errorf("%w: external route %v: Prefix: host bits set (the network is %v)", ErrInvalidConfig, r.Prefix, r.Prefix.Masked())
	}
	if r.Metric > MaxExternalMetric {
		return fmt.Errorf("%w: external route %v: Metric = %d: must be at most %d", ErrInvalidConfig, r.Prefix, r.Metric, MaxExternalMetric)
	}
	if err := r.MetricType.validate("MetricType"); err != nil {
		return fmt.Errorf("external route %v: %w", r.Prefix, err)
	}
	if f := r.Forwarding; f.IsValid() && (!f.Is4() || f.IsMulticast() || f.IsLoopback()) {
		return fmt.Errorf("%w: external route %v: Forwarding = %v: must be a unicast IPv4 address", ErrInvalidConfig, r.Prefix, f)
	}
	return nil
}

// RedistributeSource configures the redistribution of one source of
// routes into OSPF as AS-external-LSAs.
type RedistributeSource struct {
	// Enabled turns redistribution of the source on.
	Enabled bool
	// Metric is the external metric; zero means DefaultExternalMetric.
	Metric uint32
	// MetricType is 1 or 2; zero means 2.
	MetricType MetricType
	// Tag is the external route tag.
	Tag uint32
	// Routes are networks of this source known from the configuration,
	// in addition to those the program reports at run time
	// (Instance.SetConnected, Instance.SetStatic).
	Routes []netip.Prefix
}

func (s RedistributeSource) validate(field string) error {
	if s.Metric > MaxExternalMetric {
		return fmt.Errorf("%w: %s.Metric = %d: must be at most %d", ErrInvalidConfig, field, s.Metric, MaxExternalMetric)
	}
	if err := s.MetricType.validate(field + ".MetricType"); err != nil {
		return err
	}
	for i, p := range s.Routes {
		if !p.IsValid() || !p.Addr().Is4() || p != p.Masked() {
			return fmt.Errorf("%w: %s.Routes[%d] = %v: must be an IPv4 network (host bits zero)", ErrInvalidConfig, field, i, p)
		}
	}
	return nil
}

func (s RedistributeSource) route(p netip.Prefix) ExternalRoute {
	m := s.Metric
	if m == 0 {
		m = DefaultExternalMetric
	}
	return ExternalRoute{Prefix: p, Metric: m, MetricType: s.MetricType, Tag: s.Tag}
}

// Redistribute configures which routes enter OSPF as AS-external-LSAs. As
// in FRR, neither source ever redistributes a default route: that is what
// DefaultInformation is for.
type Redistribute struct {
	// Connected: networks attached to this router that OSPF does not run
	// on (reported with Instance.SetConnected; networks of OSPF
	// interfaces are left out, they are intra-area).
	Connected RedistributeSource
	// Static: static routes (Routes, and those reported with
	// Instance.SetStatic).
	Static RedistributeSource
}

// Validate reports the first invalid field.
func (r Redistribute) Validate() error {
	if err := r.Connected.validate("Redistribute.Connected"); err != nil {
		return err
	}
	return r.Static.validate("Redistribute.Static")
}

// DefaultInformation configures the origination of a default route
// (FRR's `default-information originate`).
type DefaultInformation struct {
	// Originate advertises 0.0.0.0/0 while this router has a default route
	// of its own (reported with Instance.SetDefaultRoute, or a static
	// 0.0.0.0/0 in Redistribute.Static.Routes).
	Originate bool
	// Always advertises it whether or not such a route exists.
	Always bool
	// Metric is the metric; zero means DefaultOriginateMetric.
	Metric uint32
	// MetricType is 1 or 2; zero means 2.
	MetricType MetricType
	// Tag is the external route tag.
	Tag uint32
}

// Validate reports the first invalid field.
func (d DefaultInformation) Validate() error {
	if d.Always && !d.Originate {
		return fmt.Errorf("%w: DefaultInformation.Always: needs Originate", ErrInvalidConfig)
	}
	if d.Metric > MaxExternalMetric {
		return fmt.Errorf("%w: DefaultInformation.Metric = %d: must be at most %d", ErrInvalidConfig, d.Metric, MaxExternalMetric)
	}
	return d.MetricType.validate("DefaultInformation.MetricType")
}

// defaultRoute is 0.0.0.0/0.
var defaultRoute = netip.PrefixFrom(netip.IPv4Unspecified(), 0)

// redistState is what the instance knows of the routes to redistribute.
type redistState struct {
	cfg            Redistribute
	def            DefaultInformation
	connected      []netip.Prefix // reported by SetConnected
	static         []netip.Prefix // reported by SetStatic
	injected       map[netip.Prefix]ExternalRoute
	defaultPresent bool // reported by SetDefaultRoute
}

func newRedistState(cfg Redistribute, def DefaultInformation) *redistState {
	return &redistState{cfg: cfg, def: def, injected: make(map[netip.Prefix]ExternalRoute)}
}

// originatingDefault reports whether default-information originate
// currently advertises a default route.
func (r *redistState) originatingDefault() bool {
	if !r.def.Originate {
		return false
	}
	return r.def.Always || r.defaultPresent || slices.Contains(r.cfg.Static.Routes, defaultRoute) ||
		slices.Contains(r.static, defaultRoute)
}

// wanted returns the external routes to advertise, one per prefix,
// sorted by prefix. Precedence, highest first: the originated default,
// injected routes, static, connected. ospfNets are the networks of the
// OSPF interfaces, which are never redistributed.
func (r *redistState) wanted(ospfNets []netip.Prefix) []ExternalRoute {
	out := make(map[netip.Prefix]ExternalRoute)
	add := func(src RedistributeSource, ps []netip.Prefix) {
		if !src.Enabled {
			return
		}
		for _, p := range ps {
			p = p.Masked()
			if p == defaultRoute || !p.Addr().Is4() || slices.Contains(ospfNets, p) {
				continue
			}
			out[p] = src.route(p)
		}
	}
	add(r.cfg.Connected, r.cfg.Connected.Routes)
	add(r.cfg.Connected, r.connected)
	add(r.cfg.Static, r.cfg.Static.Routes)
	add(r.cfg.Static, r.static)
	for p, er := range r.injected {
		out[p] = er
	}
	if r.originatingDefault() {
		m := r.def.Metric
		if m == 0 {
			m = DefaultOriginateMetric
		}
		out[defaultRoute] = ExternalRoute{Prefix: defaultRoute, Metric: m, MetricType: r.def.MetricType, Tag: r.def.Tag}
	}
	routes := make([]ExternalRoute, 0, len(out))
	for _, er := range out {
		routes = append(routes, er)
	}
	slices.SortFunc(routes, func(a, b ExternalRoute) int { return comparePrefix(a.Prefix, b.Prefix) })
	return routes
}

// externalLSAs builds the AS-external-LSAs for routes (sorted by prefix),
// headers without age, sequence number or checksum. Link State IDs follow
// Appendix E: the network address, except that when several networks
// share an address, every one but the shortest gets its host bits set
// (10.0.0.0/8 keeps 10.0.0.0, 10.0.0.0/16 becomes 10.0.255.255). A route
// whose ID would collide with another's is left out and returned in
// skipped.
func externalLSAs(rid netip.Addr, opts packet.Options, routes []ExternalRoute) (lsas []packet.LSA, skipped []ExternalRoute) {
	ids := make(map[netip.Addr]bool, len(routes))
	type pick struct {
		r  ExternalRoute
		id netip.Addr
	}
	picks := make([]pick, 0, len(routes))
	// Plain IDs first: routes are sorted by address then length, so the
	// first of each address is the shortest.
	for i, r := range routes {
		a := r.Prefix.Addr()
		if i > 0 && routes[i-1].Prefix.Addr() == a {
			continue
		}
		ids[a] = true
		picks = append(picks, pick{r, a})
	}
	for i, r := range routes {
		a := r.Prefix.Addr()
		if i == 0 || routes[i-1].Prefix.Addr() != a {
			continue
		}
		id := addrOfU32(u32Of(a) | ^maskOf(r.Prefix.Bits()))
		if ids[id] {
			skipped = append(skipped, r)
			continue
		}
		ids[id] = true
		picks = append(picks, pick{r, id})
	}
	for _, p := range picks {
		fwd := p.r.Forwarding
		if !fwd.IsValid() {
			fwd = netip.IPv4Unspecified()
		}
		lsas = append(lsas, packet.LSA{
			Header: packet.LSAHeader{Options: opts, Type: packet.LSTypeASExternal, ID: p.id, AdvRouter: rid},
			External: packet.ExternalLSA{
				NetworkMask:       packet.Mask(p.r.Prefix.Bits()),
				E:                 p.r.MetricType.isType2(),
				Metric:            p.r.Metric,
				ForwardingAddress: fwd,
				RouteTag:          p.r.Tag,
			},
		})
	}
	slices.SortFunc(lsas, func(a, b packet.LSA) int { return a.Header.ID.Compare(b.Header.ID) })
	return lsas, skipped
}

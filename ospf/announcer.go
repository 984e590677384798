package ospf

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/switchless/routing/ospf/packet"
)

// AnnouncePrefix is the anycast announcer's form of AddExternal (the
// anycast.Announcer interface, which this package does not import): p is
// advertised as an AS-external-LSA (RFC 2328 §12.4.4) of type 2 with the
// metric as its external cost, tag 0, forwarding to this router. Use
// ExternalAnnouncer for type 1 or a tag. Announcing again replaces the
// metric.
func (in *Instance) AnnouncePrefix(p netip.Prefix, metric uint32) error {
	return ExternalAnnouncer{Instance: in}.AnnouncePrefix(p, metric)
}

// WithdrawPrefix flushes the AS-external-LSA of p (§14.1); a prefix not
// announced is not an error.
func (in *Instance) WithdrawPrefix(p netip.Prefix) error {
	in.RemoveExternal(p)
	return nil
}

// ExternalAnnouncer announces prefixes through Instance as AS-external
// routes of a chosen type: with MetricType1 the metric is added to the
// cost to this router (a service nearest by topology wins), with
// MetricType2 (the zero value) it is compared alone and the internal cost
// breaks ties only (RFC 2328 §16.4).
type ExternalAnnouncer struct {
	Instance   *Instance
	MetricType MetricType
	Tag        uint32
}

// AnnouncePrefix advertises p at metric (0 to MaxExternalMetric).
func (a ExternalAnnouncer) AnnouncePrefix(p netip.Prefix, metric uint32) error {
	return a.Instance.AddExternal(ExternalRoute{Prefix: p, Metric: metric, MetricType: a.MetricType, Tag: a.Tag})
}

// WithdrawPrefix flushes p's AS-external-LSA.
func (a ExternalAnnouncer) WithdrawPrefix(p netip.Prefix) error {
	return a.Instance.WithdrawPrefix(p)
}

// StubAnnouncer announces prefixes through Instance as stub networks of
// this router's own router-LSA (RFC 2328 §12.4.1, link type 3), the way
// a router advertises a loopback address: a /32 is a host route, Link ID
// the address and Link Data 0xffffffff, the metric its cost. Unlike an
// AS-external route, a stub is intra-area (§16.1 stage 2): every router
// of the area prefers it to any AS-external path, compares replicas by
// the cost to each plus the metric (as MetricType1 does) and needs no AS
// boundary router. Each announcement or withdrawal re-originates the
// router-LSA (§12.4 "when the contents of the LSA change"), subject to
// MinLSInterval like every origination.
type StubAnnouncer struct {
	Instance *Instance
}

// AnnouncePrefix adds p (an IPv4 prefix, host bits zero: a /32 for a
// service address) as a stub link of metric 1 to MaxLinkMetric, or
// changes its metric.
func (a StubAnnouncer) AnnouncePrefix(p netip.Prefix, metric uint32) error {
	return a.Instance.AddStub(StubRoute{Prefix: p, Cost: metric})
}

// WithdrawPrefix removes p's stub link; a prefix not announced is not an
// error.
func (a StubAnnouncer) WithdrawPrefix(p netip.Prefix) error {
	a.Instance.RemoveStub(p)
	return nil
}

// StubRoute is a prefix the router-LSA advertises as a stub network of
// its own (AddStub), besides its interfaces' networks.
type StubRoute struct {
	Prefix netip.Prefix `json:"prefix"`
	// Cost is the link's metric, 1 to MaxLinkMetric: a router-LSA link
	// carries 16 bits (§A.4.2).
	Cost uint32 `json:"cost"`
}

// Validate reports an invalid field.
func (r StubRoute) Validate() error {
	if !r.Prefix.IsValid() || !r.Prefix.Addr().Is4() {
		return fmt.Errorf("%w: stub route %v: Prefix: must be an IPv4 prefix", ErrInvalidConfig, r.Prefix)
	}
	if r.Prefix != r.Prefix.Masked() {
		return fmt.Errorf("%w: stub route %v: Prefix: host bits set (the network is %v)", ErrInvalidConfig, r.Prefix, r.Prefix.Masked())
	}
	if r.Cost < 1 || r.Cost > MaxLinkMetric {
		return fmt.Errorf("%w: stub route %v: Cost = %d: must be 1 to %d (a router-LSA link metric is 16 bits, RFC 2328 §A.4.2)",
			ErrInvalidConfig, r.Prefix, r.Cost, MaxLinkMetric)
	}
	return nil
}

// AddStub advertises r as a stub link of the router-LSA (§12.4.1),
// replacing the cost of a stub added earlier for the same prefix; the
// router-LSA is originated again if its contents changed (§12.4).
func (in *Instance) AddStub(r StubRoute) error {
	if err := r.Validate(); err != nil {
		return err
	}
	in.mu.Lock()
	if c, ok := in.orig.stubs[r.Prefix]; !ok || c != uint16(r.Cost) {
		in.orig.stubs[r.Prefix] = uint16(r.Cost)
		in.orig.dirty = true
	}
	in.settleAndUnlock()
	return nil
}

// RemoveStub removes the stub link added for p (the router-LSA is
// originated again without it, §12.4) and reports whether there was one.
func (in *Instance) RemoveStub(p netip.Prefix) bool {
	in.mu.Lock()
	_, ok := in.orig.stubs[p]
	if ok {
		delete(in.orig.stubs, p)
		in.orig.dirty = true
	}
	in.settleAndUnlock()
	return ok
}

// StubRoutes returns the stub links added with AddStub, sorted by prefix.
func (in *Instance) StubRoutes() []StubRoute {
	in.mu.Lock()
	defer in.unlock()
	out := make([]StubRoute, 0, len(in.orig.stubs))
	for _, p := range in.sortedStubs() {
		out = append(out, StubRoute{Prefix: p, Cost: uint32(in.orig.stubs[p])})
	}
	return out
}

// sortedStubs returns the added stubs' prefixes in order, under the lock.
func (in *Instance) sortedStubs() []netip.Prefix {
	ps := slices.Collect(maps.Keys(in.orig.stubs))
	slices.SortFunc(ps, netip.Prefix.Compare)
	return ps
}

// appendStubs appends the added stubs to the router-LSA's links (§12.4.1
// type 3: Link ID the network, Link Data its mask, 0xffffffff for a
// host), in prefix order so that equal sets build equal LSAs.
func (in *Instance) appendStubs(links []packet.RouterLink) []packet.RouterLink {
	for _, p := range in.sortedStubs() {
		links = append(links, packet.RouterLink{ID: p.Addr(), Data: packet.Mask(p.Bits()), Type: packet.LinkStub, Metric: in.orig.stubs[p]})
	}
	return links
}

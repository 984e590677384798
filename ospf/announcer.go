package ospf

import "net/netip"

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

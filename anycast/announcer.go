package anycast

import (
	"context"
	"net/netip"
	"slices"
	"time"

	"github.com/switchless/routing/fib"
)

// Announcer is what a service drives: the routing protocol that tells the
// network where the service addresses are. *rip.Instance and
// *ospf.Instance (AS-external type 2; ospf.ExternalAnnouncer for type 1
// or a tag) satisfy it, and ospf.StubAnnouncer (a stub host route of the
// router-LSA); NewFIBAnnouncer puts the prefix in a kernel table. The
// package does not import any protocol.
//
// Methods are called one at a time, in order, outside the Instance's
// lock. An error is reported in the service's status and the call is
// retried at the service's next round.
type Announcer interface {
	// AnnouncePrefix originates p with metric, replacing its metric if p
	// is announced already.
	AnnouncePrefix(p netip.Prefix, metric uint32) error
	// WithdrawPrefix stops originating p. Withdrawing a prefix not
	// announced is not an error.
	WithdrawPrefix(p netip.Prefix) error
}

// FIBAnnouncer announces a prefix as a route in a fib.Sink (the kernel,
// through fib's netlink sink), for hosts that need only the route: the
// metric becomes the route's metric (Linux's priority), so that several
// announcers of one prefix order themselves in the kernel.
type FIBAnnouncer struct {
	sink     fib.Sink
	template fib.Route
	timeout  time.Duration
}

// NewFIBAnnouncer returns an Announcer that installs, for each announced
// prefix, template with that Prefix and Metric. The template's zero
// Protocol means fib.ProtocolAnycast; a template with neither NextHops nor
// a Type is refused by the sink at the first announcement, so give it the
// way to the service (a gateway, an interface index) or a local type.
// Each sink call is bounded by timeout (zero means 5 s).
func NewFIBAnnouncer(sink fib.Sink, template fib.Route, timeout time.Duration) *FIBAnnouncer {
	if template.Protocol == fib.ProtocolUnspec {
		template.Protocol = fib.ProtocolAnycast
	}
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	template.NextHops = slices.Clone(template.NextHops)
	return &FIBAnnouncer{sink: sink, template: template, timeout: timeout}
}

// AnnouncePrefix implements Announcer.
func (f *FIBAnnouncer) AnnouncePrefix(p netip.Prefix, metric uint32) error {
	r := f.template
	r.NextHops = slices.Clone(r.NextHops)
	r.Prefix, r.Metric = p, metric
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
	defer cancel()
	return f.sink.Replace(ctx, r)
}

// WithdrawPrefix implements Announcer.
func (f *FIBAnnouncer) WithdrawPrefix(p netip.Prefix) error {
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
	defer cancel()
	return f.sink.Delete(ctx, p, f.template.Table)
}

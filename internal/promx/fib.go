package promx

import (
	"context"
	"net/netip"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchless/routing/fib"
)

// FIBCounter is a fib.Sink that counts the writes it passes to another
// sink, for the protocols that do not count their own (rip, anycast's
// FIB announcer; ospf has ospf.FIBStats): it is a prometheus.Collector
// of
//
//	switchless_fib_routes{protocol}           gauge: routes written and not deleted since start
//	switchless_fib_writes_total{protocol,op}  counter: successful replaces and deletes
//	switchless_fib_write_errors_total{protocol} counter: writes the sink refused
//
// It passes fib.RouteValidator through, validating as the wrapped sink
// does (or accepting everything, if that one does not validate).
type FIBCounter struct {
	sink     fib.Sink
	protocol string

	descs
	fib fibDescs

	mu                        sync.Mutex
	routes                    map[fibKey]struct{}
	replaced, deleted, errors uint64
}

type fibKey struct {
	p     netip.Prefix
	table int
}

// NewFIBCounter wraps sink; protocol is the label of its metrics.
func NewFIBCounter(sink fib.Sink, protocol string) *FIBCounter {
	c := &FIBCounter{sink: sink, protocol: protocol, routes: map[fibKey]struct{}{}}
	c.fib = newFIBDescs(&c.descs)
	return c
}

// Replace implements fib.Sink.
func (c *FIBCounter) Replace(ctx context.Context, r fib.Route) error {
	err := c.sink.Replace(ctx, r)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.errors++
		return err
	}
	c.replaced++
	c.routes[fibKey{r.Prefix, r.Table}] = struct{}{}
	return nil
}

// Delete implements fib.Sink.
func (c *FIBCounter) Delete(ctx context.Context, p netip.Prefix, table int) error {
	err := c.sink.Delete(ctx, p, table)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.errors++
		return err
	}
	c.deleted++
	delete(c.routes, fibKey{p, table})
	return nil
}

// List implements fib.Sink.
func (c *FIBCounter) List(ctx context.Context) ([]fib.Route, error) { return c.sink.List(ctx) }

// ValidateRoute implements fib.RouteValidator by asking the wrapped sink.
func (c *FIBCounter) ValidateRoute(r fib.Route) error {
	if v, ok := c.sink.(fib.RouteValidator); ok {
		return v.ValidateRoute(r)
	}
	return nil
}

// Describe implements prometheus.Collector.
func (c *FIBCounter) Describe(ch chan<- *prometheus.Desc) { c.descs.describe(ch) }

// Collect implements prometheus.Collector.
func (c *FIBCounter) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	n, rep, del, errs := len(c.routes), c.replaced, c.deleted, c.errors
	c.mu.Unlock()
	c.fib.collect(out(ch), c.protocol, n, rep, del, errs)
}

var (
	_ fib.Sink           = (*FIBCounter)(nil)
	_ fib.RouteValidator = (*FIBCounter)(nil)
)

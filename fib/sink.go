package fib

import (
	"context"
	"net/netip"
)

// Sink is where a protocol puts its routes: an in-memory table, the Linux
// kernel, or a test double. A sink holds at most one route per (table,
// prefix); it is a protocol's own view, not the whole forwarding table.
//
// Contract, checked by fibtest.Conformance:
//   - Replace installs r as the sink's route for (r.Table, r.Prefix),
//     replacing whatever the sink held there, whatever its metric. It is
//     idempotent. An invalid route is rejected with an error wrapping
//     ErrInvalidRoute and nothing changes. A failed Replace leaves the
//     previous route in place: nothing is half-installed.
//   - Delete removes the sink's route for (table, p). A route that is not
//     there is not an error. An unmasked or invalid prefix, or a negative
//     table, is rejected with ErrInvalidRoute.
//   - List returns the sink's routes, and only those (never another
//     protocol's), in canonical form (Route.Canonical) and sorted by
//     Compare.
//
// Implementations are safe for concurrent use.
type Sink interface {
	Replace(ctx context.Context, r Route) error
	Delete(ctx context.Context, p netip.Prefix, table int) error
	List(ctx context.Context) ([]Route, error)
}

// RouteValidator is implemented by sinks that accept only part of what
// Route.Validate allows (the Linux kernel, for instance, refuses IPv6
// multipath next hops without a gateway). Sync calls ValidateRoute for
// every wanted route before writing anything, so such a route is rejected
// with nothing changed. Errors wrap ErrInvalidRoute; ValidateRoute includes
// the checks of Route.Validate.
type RouteValidator interface {
	ValidateRoute(r Route) error
}

// validateFor validates r for sink s: Route.Validate plus the sink's own
// restrictions when it has any.
func validateFor(s Sink, r Route) error {
	if v, ok := s.(RouteValidator); ok {
		return v.ValidateRoute(r)
	}
	return r.Validate()
}

package fibtest

import (
	"context"
	"net/netip"
	"sync"

	"github.com/switchless/routing/fib"
)

// Op names a Sink method, for Spy.
type Op string

// The operations a Spy counts.
const (
	OpReplace Op = "replace"
	OpDelete  Op = "delete"
	OpList    Op = "list"
)

// Spy wraps a Sink, counts the calls made to it and can make chosen calls
// fail. Tests use it to check that a protocol or Sync writes only what
// changed, and how they behave when the sink fails midway.
//
// A Spy passes RouteValidator through: it validates like the sink it wraps.
// It is safe for concurrent use.
type Spy struct {
	sink fib.Sink

	mu     sync.Mutex
	counts map[Op]int
	log    []Call
	fail   func(c Call) error
}

// Call is one call seen by a Spy. Route is the route given to Replace, or
// a route with just Prefix and Table for Delete, and zero for List.
type Call struct {
	Op    Op
	Route fib.Route
}

// NewSpy returns a Spy forwarding to s.
func NewSpy(s fib.Sink) *Spy { return &Spy{sink: s, counts: make(map[Op]int)} }

// FailWhen makes every later call for which f returns an error fail with
// that error, without reaching the wrapped sink. A nil f removes the hook.
// f runs with the Spy locked: it must not call the Spy.
func (s *Spy) FailWhen(f func(c Call) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = f
}

// Count returns how many calls of op were made (including failed ones).
func (s *Spy) Count(op Op) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[op]
}

// Writes returns the number of Replace and Delete calls made.
func (s *Spy) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[OpReplace] + s.counts[OpDelete]
}

// Calls returns every call made so far, in order.
func (s *Spy) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.log...)
}

// Reset forgets the counts and calls (not the failure hook).
func (s *Spy) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = make(map[Op]int)
	s.log = nil
}

func (s *Spy) record(c Call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[c.Op]++
	s.log = append(s.log, c)
	if s.fail != nil {
		return s.fail(c)
	}
	return nil
}

// Replace implements fib.Sink.
func (s *Spy) Replace(ctx context.Context, r fib.Route) error {
	if err := s.record(Call{Op: OpReplace, Route: r.Canonical()}); err != nil {
		return err
	}
	return s.sink.Replace(ctx, r)
}

// Delete implements fib.Sink.
func (s *Spy) Delete(ctx context.Context, p netip.Prefix, table int) error {
	if err := s.record(Call{Op: OpDelete, Route: fib.Route{Prefix: p, Table: table}}); err != nil {
		return err
	}
	return s.sink.Delete(ctx, p, table)
}

// List implements fib.Sink.
func (s *Spy) List(ctx context.Context) ([]fib.Route, error) {
	if err := s.record(Call{Op: OpList}); err != nil {
		return nil, err
	}
	return s.sink.List(ctx)
}

// ValidateRoute implements fib.RouteValidator by asking the wrapped sink.
func (s *Spy) ValidateRoute(r fib.Route) error {
	if v, ok := s.sink.(fib.RouteValidator); ok {
		return v.ValidateRoute(r)
	}
	return r.Validate()
}

var (
	_ fib.Sink           = (*Spy)(nil)
	_ fib.RouteValidator = (*Spy)(nil)
)

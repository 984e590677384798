package fib

import (
	"context"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/gaissmai/bart"
)

// Memory is a Sink that keeps routes in memory, one longest-prefix-match
// table (github.com/gaissmai/bart) per routing table. Simulations use it
// as a router's forwarding table: Lookup answers where a packet goes.
//
// The zero value is an empty table ready to use. A Memory is safe for
// concurrent use and must not be copied after first use.
type Memory struct {
	mu     sync.RWMutex
	tables map[int]*bart.Table[Route] // canonical table id → routes
	n      int

	// Change notification, see Watch.
	watchers []*watcher
	pending  []Change
	draining bool
}

// Change describes one change of a Memory's contents, as passed to the
// functions registered with Watch. Old is nil when a route was added, New
// is nil when it was deleted; both are set when a route was replaced by a
// different one. Routes are canonical and shared by all watchers: read
// them, do not modify them.
type Change struct {
	Old, New *Route
}

type watcher struct{ f func(Change) }

// NewMemory returns an empty Memory.
func NewMemory() *Memory { return &Memory{} }

// Replace implements Sink. Replacing a route by an Equal one changes
// nothing and notifies no watcher.
func (m *Memory) Replace(ctx context.Context, r Route) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	r = r.Canonical()
	m.mu.Lock()
	if m.tables == nil {
		m.tables = make(map[int]*bart.Table[Route])
	}
	t := m.tables[r.Table]
	if t == nil {
		t = new(bart.Table[Route])
		m.tables[r.Table] = t
	}
	old, had := t.Get(r.Prefix)
	if had && old.Equal(r) {
		m.mu.Unlock()
		return nil
	}
	t.Insert(r.Prefix, r)
	ch := Change{New: cloneRoute(r)}
	if had {
		ch.Old = &old // stored routes are never mutated in place
	} else {
		m.n++
	}
	m.notify(ch) // unlocks
	return nil
}

// Delete implements Sink.
func (m *Memory) Delete(ctx context.Context, p netip.Prefix, table int) error {
	if err := checkKey(p, table); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	table = canonicalTable(table)
	m.mu.Lock()
	t := m.tables[table]
	if t == nil {
		m.mu.Unlock()
		return nil
	}
	old, had := t.Get(p)
	if !had {
		m.mu.Unlock()
		return nil
	}
	t.Delete(p)
	m.n--
	if t.Size() == 0 {
		delete(m.tables, table)
	}
	m.notify(Change{Old: &old})
	return nil
}

// List implements Sink; it returns Routes.
func (m *Memory) List(ctx context.Context) ([]Route, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return m.Routes(), nil
}

// Routes returns every route, canonical and sorted by Compare.
func (m *Memory) Routes() []Route {
	m.mu.RLock()
	out := make([]Route, 0, m.n)
	ids := slices.Sorted(maps.Keys(m.tables))
	for _, id := range ids {
		for _, r := range m.tables[id].AllSorted() {
			r.NextHops = slices.Clone(r.NextHops)
			out = append(out, r)
		}
	}
	m.mu.RUnlock()
	// bart's CIDR order is Compare's order; checking costs less than
	// sorting.
	if !slices.IsSortedFunc(out, Compare) {
		slices.SortFunc(out, Compare)
	}
	return out
}

// Len returns the number of routes in all tables.
func (m *Memory) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.n
}

// Get returns the route for exactly prefix p in table.
func (m *Memory) Get(table int, p netip.Prefix) (Route, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	t := m.tables[canonicalTable(table)]
	if t == nil {
		return Route{}, false
	}
	r, ok := t.Get(p)
	if ok {
		r.NextHops = slices.Clone(r.NextHops)
	}
	return r, ok
}

// Lookup returns the route that forwards addr in table: the one with the
// longest prefix containing addr. Reject routes (TypeBlackhole, ...) are
// returned like any other; the caller decides what dropping means. An
// IPv4-mapped IPv6 address is looked up as IPv4.
func (m *Memory) Lookup(table int, addr netip.Addr) (Route, bool) {
	if !addr.IsValid() {
		return Route{}, false
	}
	addr = addr.Unmap().WithZone("")
	m.mu.RLock()
	defer m.mu.RUnlock()
	t := m.tables[canonicalTable(table)]
	if t == nil {
		return Route{}, false
	}
	r, ok := t.Lookup(addr)
	if ok {
		r.NextHops = slices.Clone(r.NextHops)
	}
	return r, ok
}

// String prints every route, one per line in the format of Route.String,
// sorted by Compare (table, then IPv4 before IPv6, then prefix). An empty
// Memory prints as the empty string; otherwise every line ends in "\n".
func (m *Memory) String() string {
	var b strings.Builder
	for _, r := range m.Routes() {
		r.appendTo(&b)
		b.WriteByte('\n')
	}
	return b.String()
}

// Watch registers f to be called with every later change, in the order
// the changes were made, and returns a function that unregisters it.
//
// Calls are serialised: f is never called concurrently with itself or
// with another watcher, and never while Memory holds its lock, so f may
// read and even modify the Memory (the resulting changes are delivered
// after the current one). When a single goroutine drives the Memory, as in
// a simulation on a ManualClock, every change is delivered before the
// Replace or Delete that made it returns; under concurrent writers a
// change may be delivered by another writer's goroutine, shortly after.
func (m *Memory) Watch(f func(Change)) (cancel func()) {
	w := &watcher{f: f}
	m.mu.Lock()
	m.watchers = append(slices.Clip(m.watchers), w)
	m.mu.Unlock()
	return func() {
		m.mu.Lock()
		i := slices.Index(m.watchers, w)
		if i >= 0 {
			m.watchers = slices.Delete(slices.Clone(m.watchers), i, i+1)
		}
		m.mu.Unlock()
	}
}

// notify queues ch for the watchers, unlocks m.mu and, unless another
// goroutine is already delivering, delivers everything queued in order.
// It must be called with m.mu held for writing.
func (m *Memory) notify(ch Change) {
	if len(m.watchers) == 0 {
		m.mu.Unlock()
		return
	}
	m.pending = append(m.pending, ch)
	if m.draining {
		m.mu.Unlock()
		return
	}
	m.draining = true
	for {
		batch, ws := m.pending, m.watchers
		m.pending = nil
		if len(batch) == 0 || len(ws) == 0 {
			break
		}
		m.mu.Unlock()
		m.deliver(batch, ws)
		m.mu.Lock()
	}
	m.draining = false
	m.mu.Unlock()
}

// deliver calls the watchers without holding m.mu. If a watcher panics,
// the Memory is left able to deliver later changes.
func (m *Memory) deliver(batch []Change, ws []*watcher) {
	ok := false
	defer func() {
		if !ok {
			m.mu.Lock()
			m.draining = false
			m.pending = nil
			m.mu.Unlock()
		}
	}()
	for _, c := range batch {
		for _, w := range ws {
			w.f(c)
		}
	}
	ok = true
}

func cloneRoute(r Route) *Route {
	r.NextHops = slices.Clone(r.NextHops)
	return &r
}

package ospf

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"slices"
	"sync"

	"github.com/switchless/routing/fib"
)

// DefaultFIBMetric is the kernel metric of installed routes when
// Config.FIBMetric is zero (the value FRR's zebra uses for OSPF).
const DefaultFIBMetric = 20

// fibSync keeps a fib.Sink in line with the routing table, writing only
// what changed. The calculation records what it wants under the
// instance's mutex (update*); the writes happen later, outside that mutex
// (flush), because a sink may block (netlink) or call back into the
// program (a fib.Memory watcher). flush always writes the latest wanted
// state, so flushes from several goroutines cannot apply changes out of
// order.
type fibSync struct {
	sink   fib.Sink
	table  int
	metric uint32
	log    *slog.Logger

	mu     sync.Mutex // guards want, dirty, resync; taken briefly
	want   map[netip.Prefix]fib.Route
	dirty  map[netip.Prefix]struct{}
	resync bool // the next flush compares everything with sink.List

	wmu       sync.Mutex // serialises flushes; never taken under the instance mutex
	installed map[netip.Prefix]fib.Route
	stats     FIBStats
}

// FIBStats counts what the routing table sent to the FIB.
type FIBStats struct {
	// Routes is the number of routes installed.
	Routes int `json:"routes"`
	// Replaced and Deleted count successful writes; Errors failed ones.
	Replaced uint64 `json:"replaced"`
	Deleted  uint64 `json:"deleted"`
	Errors   uint64 `json:"errors"`
	// LastError is the last write error ("" when none).
	LastError string `json:"last_error,omitempty"`
}

func newFIBSync(sink fib.Sink, table int, metric uint32, log *slog.Logger) *fibSync {
	if metric == 0 {
		metric = DefaultFIBMetric
	}
	return &fibSync{
		sink:      sink,
		table:     table,
		metric:    metric,
		log:       log,
		want:      make(map[netip.Prefix]fib.Route),
		dirty:     make(map[netip.Prefix]struct{}),
		installed: make(map[netip.Prefix]fib.Route),
		// The first flush reconciles with whatever the sink holds (routes
		// a previous run left behind).
		resync: true,
	}
}

// setWant records the wanted route for p (nil: none). Called with fs.mu
// held.
func (fs *fibSync) setWant(p netip.Prefix, r *fib.Route) {
	if r == nil {
		if _, ok := fs.want[p]; !ok {
			return
		}
		delete(fs.want, p)
	} else {
		if cur, ok := fs.want[p]; ok && cur.Equal(*r) {
			return
		}
		fs.want[p] = *r
	}
	fs.dirty[p] = struct{}{}
}

// updateFull records the routes of a new table. old is the table the
// previous update came from (nil to compare every entry): entries equal in
// both are skipped without converting them.
func (fs *fibSync) updateFull(old, cur *rib) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i := range cur.ents {
		e := &cur.ents[i]
		if old != nil {
			if o := old.get(e.key); o != nil && o.same(old, e, cur) {
				continue
			}
		}
		fs.setEntry(cur, e, e.key.prefix())
	}
	if old != nil {
		for i := range old.ents {
			o := &old.ents[i]
			if cur.get(o.key) == nil {
				fs.setWant(o.key.prefix(), nil)
			}
		}
	} else {
		// Without the previous table, anything wanted but absent now goes.
		for p := range fs.want {
			if cur.get(keyOfPrefix(p)) == nil {
				fs.setWant(p, nil)
			}
		}
	}
}

// updateKeys records the routes for some destinations of t (after an
// incremental recalculation).
func (fs *fibSync) updateKeys(t *rib, keys []pfxKey) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, k := range keys {
		fs.setEntry(t, t.get(k), k.prefix())
	}
}

func (fs *fibSync) setEntry(t *rib, e *ribEntry, p netip.Prefix) {
	if e == nil {
		fs.setWant(p, nil)
		return
	}
	r, ok := t.fibRoute(e, fs.table, fs.metric)
	if !ok {
		fs.setWant(p, nil)
		return
	}
	fs.setWant(p, &r)
}

// withdrawAll wants nothing: the next flush deletes every route.
func (fs *fibSync) withdrawAll() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for p := range fs.want {
		fs.setWant(p, nil)
	}
	fs.resync = true
}

// requestResync makes the next flush compare with the sink's own list.
func (fs *fibSync) requestResync() {
	fs.mu.Lock()
	fs.resync = true
	fs.mu.Unlock()
}

// pending reports whether a flush has work to do.
func (fs *fibSync) pending() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.resync || len(fs.dirty) > 0
}

// flush writes the differences between the wanted routes and what is
// installed: replacements first (make-before-break), then deletions. A
// failed write is logged and counted, and makes the next flush reconcile
// with the sink's own list; the error returned joins the failures.
func (fs *fibSync) flush(ctx context.Context) error {
	fs.wmu.Lock()
	defer fs.wmu.Unlock()

	fs.mu.Lock()
	resync := fs.resync
	fs.resync = false
	var keys []netip.Prefix
	wanted := make(map[netip.Prefix]fib.Route)
	if resync {
		clear(fs.dirty)
		for p, r := range fs.want {
			wanted[p] = r
		}
	} else {
		for p := range fs.dirty {
			keys = append(keys, p)
			if r, ok := fs.want[p]; ok {
				wanted[p] = r
			}
		}
		clear(fs.dirty)
	}
	fs.mu.Unlock()

	var err error
	if resync {
		err = fs.reconcile(ctx, wanted)
	} else {
		err = fs.apply(ctx, keys, wanted)
	}
	if err != nil {
		fs.mu.Lock()
		fs.resync = true
		fs.mu.Unlock()
		fs.stats.LastError = err.Error()
		fs.log.Warn("ospf: FIB update failed; will retry", "err", err)
	}
	fs.stats.Routes = len(fs.installed)
	return err
}

// apply writes the changes for keys.
func (fs *fibSync) apply(ctx context.Context, keys []netip.Prefix, wanted map[netip.Prefix]fib.Route) error {
	slices.SortFunc(keys, comparePrefix)
	var errs []error
	for _, p := range keys {
		w, ok := wanted[p]
		if !ok {
			continue
		}
		if cur, had := fs.installed[p]; had && cur.Equal(w) {
			continue
		}
		if err := fs.sink.Replace(ctx, w); err != nil {
			fs.stats.Errors++
			errs = append(errs, err)
			continue
		}
		fs.stats.Replaced++
		fs.installed[p] = w
	}
	for _, p := range keys {
		if _, ok := wanted[p]; ok {
			continue
		}
		if _, had := fs.installed[p]; !had {
			continue
		}
		if err := fs.sink.Delete(ctx, p, fs.table); err != nil {
			fs.stats.Errors++
			errs = append(errs, err)
			continue
		}
		fs.stats.Deleted++
		delete(fs.installed, p)
	}
	return errors.Join(errs...)
}

// reconcile makes the sink hold exactly the wanted routes, comparing them
// with the sink's own list (fib.Sync), and resets what is known to be
// installed.
func (fs *fibSync) reconcile(ctx context.Context, wanted map[netip.Prefix]fib.Route) error {
	want := make([]fib.Route, 0, len(wanted))
	for _, r := range wanted {
		want = append(want, r)
	}
	res, err := fib.Sync(ctx, fs.sink, want)
	if err != nil {
		fs.stats.Errors++
		// Sync undid its writes; what the sink holds is unknown here,
		// so compare with its list next time too.
		if routes, lerr := fs.sink.List(ctx); lerr == nil {
			clear(fs.installed)
			for _, r := range routes {
				if r.Table == fs.table || (fs.table == fib.TableMain && r.Table == 0) {
					fs.installed[r.Prefix] = r
				}
			}
		}
		return err
	}
	fs.stats.Replaced += uint64(len(res.Added) + len(res.Changed))
	fs.stats.Deleted += uint64(len(res.Deleted))
	clear(fs.installed)
	for p, r := range wanted {
		fs.installed[p] = r
	}
	return nil
}

// snapshot returns the counters (call with wmu not held by the caller).
func (fs *fibSync) snapshot() FIBStats {
	fs.wmu.Lock()
	defer fs.wmu.Unlock()
	s := fs.stats
	s.Routes = len(fs.installed)
	return s
}

package fib

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// SyncResult says what a successful Sync wrote.
type SyncResult struct {
	// Added lists the wanted routes the sink did not have.
	Added []Route
	// Changed lists the wanted routes that replaced a different route
	// for the same prefix and table.
	Changed []Route
	// Deleted lists the routes the sink had and Sync removed, as they were.
	Deleted []Route
}

// Writes returns the number of Replace and Delete calls Sync made.
func (r SyncResult) Writes() int { return len(r.Added) + len(r.Changed) + len(r.Deleted) }

// String summarises r, e.g. "2 added, 1 changed, 0 deleted".
func (r SyncResult) String() string {
	return strconv.Itoa(len(r.Added)) + " added, " + strconv.Itoa(len(r.Changed)) + " changed, " +
		strconv.Itoa(len(r.Deleted)) + " deleted"
}

// SyncError is returned by Sync when the sink failed a write. By then Sync
// has tried to undo every write it made, so that the sink holds what it
// held before the call.
type SyncError struct {
	// Op is the failed operation, "replace" or "delete".
	Op string
	// Route is the route Sync tried to replace, or the one it tried to delete.
	Route Route
	// Err is the sink's error (or the context's, if ctx ended midway).
	Err error
	// Undone is the number of earlier writes of this call that were
	// undone.
	Undone int
	// RollbackErr is nil when every earlier write was undone. Otherwise
	// the sink holds a mix of old and new routes: List it to know which.
	RollbackErr error
}

func (e *SyncError) Error() string {
	s := "fib: sync: " + e.Op + " " + keyOf(e.Route).String() + ": " + e.Err.Error()
	if e.RollbackErr != nil {
		return s + "; undid " + strconv.Itoa(e.Undone) + " earlier writes, then rollback failed: " + e.RollbackErr.Error()
	}
	return s + "; undid the " + strconv.Itoa(e.Undone) + " earlier writes"
}

// Unwrap returns the sink's error and the rollback error, if any.
func (e *SyncError) Unwrap() []error {
	if e.RollbackErr != nil {
		return []error{e.Err, e.RollbackErr}
	}
	return []error{e.Err}
}

// Sync makes the sink hold exactly the routes in want, writing only the
// differences.
//
// Contract:
//  1. Every wanted route is validated first (Route.Validate, plus the
//     sink's RouteValidator if it has one), and two wanted routes may not
//     share a prefix and table. On any problem Sync returns an error
//     wrapping ErrInvalidRoute that names want[i] and the field, and
//     writes nothing.
//  2. It lists the sink once and compares canonical forms: a wanted route
//     Equal to the sink's is not written, so a Sync that changes nothing
//     makes no write at all.
//  3. It writes make-before-break, in Compare order: first Replace for
//     every new or different route, then Delete for every route that is no
//     longer wanted. Traffic keeps a path while routes move.
//  4. If a write fails (or ctx ends) midway, Sync undoes the writes it
//     already made, in reverse order (Delete what it added, Replace back
//     what it changed or deleted), with a context that is not cancelled,
//     and returns a *SyncError. Each single write is itself all-or-nothing
//     (see Sink), so on a successful rollback the sink is exactly as it was
//     before the call; SyncError.RollbackErr says when it is not.
//
// The result lists what was written; it is empty when err is not nil.
func Sync(ctx context.Context, s Sink, want []Route) (SyncResult, error) {
	type wanted struct {
		r Route
		i int // index in want, for error messages
	}
	ws := make([]wanted, len(want))
	for i, r := range want {
		if err := validateFor(s, r); err != nil {
			return SyncResult{}, fmt.Errorf("fib: sync: want[%d]: %w", i, err)
		}
		ws[i] = wanted{r.Canonical(), i}
	}
	slices.SortFunc(ws, func(a, b wanted) int {
		if c := compareKey(a.r, b.r); c != 0 {
			return c
		}
		return a.i - b.i
	})
	for k := 1; k < len(ws); k++ {
		if compareKey(ws[k-1].r, ws[k].r) == 0 {
			return SyncResult{}, fmt.Errorf("fib: sync: want[%d]: %w", ws[k].i,
				routeErr(ws[k].r.Prefix, "Prefix", "same prefix and table as want[%d]", ws[k-1].i))
		}
	}

	have, err := s.List(ctx)
	if err != nil {
		return SyncResult{}, fmt.Errorf("fib: sync: list: %w", err)
	}
	if !slices.IsSortedFunc(have, Compare) {
		have = slices.Clone(have)
		slices.SortFunc(have, Compare)
	}

	// Merge the two sorted lists. A sink may list more than one route
	// for a key (a kernel table left with two metrics by a crash): such
	// a key is rewritten, and Replace leaves one route there.
	var writes, deletes []syncOp
	i, j := 0, 0
	for i < len(ws) || j < len(have) {
		c := 0
		switch {
		case i == len(ws):
			c = 1
		case j == len(have):
			c = -1
		default:
			c = compareKey(ws[i].r, have[j])
		}
		if c < 0 {
			writes = append(writes, syncOp{kind: opAdd, route: ws[i].r})
			i++
			continue
		}
		h, next := have[j], j+1
		for next < len(have) && compareKey(have[next], h) == 0 {
			next++
		}
		if c > 0 {
			deletes = append(deletes, syncOp{kind: opDelete, route: h})
		} else {
			if next-j > 1 || !h.Equal(ws[i].r) {
				writes = append(writes, syncOp{kind: opChange, route: ws[i].r, old: h})
			}
			i++
		}
		j = next
	}
	ops := append(writes, deletes...)

	var res SyncResult
	for i, op := range ops {
		err := ctx.Err()
		if err == nil {
			err = op.apply(ctx, s)
		}
		if err != nil {
			return SyncResult{}, rollback(ctx, s, ops[:i], op, err)
		}
		switch op.kind {
		case opAdd:
			res.Added = append(res.Added, op.route)
		case opChange:
			res.Changed = append(res.Changed, op.route)
		case opDelete:
			res.Deleted = append(res.Deleted, op.route)
		}
	}
	return res, nil
}

type opKind uint8

const (
	opAdd opKind = iota
	opChange
	opDelete
)

type syncOp struct {
	kind  opKind
	route Route // the wanted route (add, change) or the one to delete
	old   Route // change: the route it replaces
}

// compareKey orders routes by table, then prefix (Compare without metric).
func compareKey(a, b Route) int {
	if c := cmp.Compare(canonicalTable(a.Table), canonicalTable(b.Table)); c != 0 {
		return c
	}
	return comparePrefix(a.Prefix, b.Prefix)
}

func (op syncOp) apply(ctx context.Context, s Sink) error {
	if op.kind == opDelete {
		return s.Delete(ctx, op.route.Prefix, op.route.Table)
	}
	return s.Replace(ctx, op.route)
}

func (op syncOp) undo(ctx context.Context, s Sink) error {
	switch op.kind {
	case opAdd:
		return s.Delete(ctx, op.route.Prefix, op.route.Table)
	case opChange:
		return s.Replace(ctx, op.old)
	default:
		return s.Replace(ctx, op.route)
	}
}

// rollback undoes done in reverse order and builds the SyncError for the
// failed operation.
func rollback(ctx context.Context, s Sink, done []syncOp, failed syncOp, cause error) error {
	e := &SyncError{Op: "replace", Route: failed.route, Err: cause}
	if failed.kind == opDelete {
		e.Op = "delete"
	}
	ctx = context.WithoutCancel(ctx)
	var errs []error
	for i := len(done) - 1; i >= 0; i-- {
		if err := done[i].undo(ctx, s); err != nil {
			errs = append(errs, fmt.Errorf("undo %s: %w", done[i].route.Prefix, err))
			continue
		}
		e.Undone++
	}
	e.RollbackErr = errors.Join(errs...)
	return e
}

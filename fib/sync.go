package fib

import (
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
	wants := make([]Route, len(want))
	index := make(map[key]int, len(want))
	for i, r := range want {
		if err := validateFor(s, r); err != nil {
			return SyncResult{}, fmt.Errorf("fib: sync: want[%d]: %w", i, err)
		}
		k := keyOf(r)
		if j, dup := index[k]; dup {
			return SyncResult{}, fmt.Errorf("fib: sync: want[%d]: %w", i,
				routeErr(r.Prefix, "Prefix", "same prefix and table as want[%d]", j))
		}
		index[k] = i
		wants[i] = r.Canonical()
	}
	slices.SortFunc(wants, Compare)

	have, err := s.List(ctx)
	if err != nil {
		return SyncResult{}, fmt.Errorf("fib: sync: list: %w", err)
	}
	// A sink may list more than one route for a key (a kernel table left
	// with two metrics by a crash): such a key is rewritten, and Replace
	// leaves one route there.
	haveBy := make(map[key]Route, len(have))
	dirty := make(map[key]bool)
	for _, h := range have {
		k := keyOf(h)
		if _, dup := haveBy[k]; dup {
			dirty[k] = true
			continue
		}
		haveBy[k] = h
	}

	var ops []syncOp
	for _, w := range wants {
		k := keyOf(w)
		h, ok := haveBy[k]
		switch {
		case !ok:
			ops = append(ops, syncOp{kind: opAdd, route: w})
		case dirty[k] || !h.Equal(w):
			ops = append(ops, syncOp{kind: opChange, route: w, old: h})
		}
	}
	seen := make(map[key]bool)
	for _, h := range have {
		k := keyOf(h)
		if _, wanted := index[k]; wanted || seen[k] {
			continue
		}
		seen[k] = true
		ops = append(ops, syncOp{kind: opDelete, route: h})
	}

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

package fib_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/fib/fibtest"
)

// twoMetrics is a sink that also lists a second route, at another metric,
// for one prefix: the state a kernel is left in by a crash between adding
// a route's new metric and deleting its old one.
type twoMetrics struct {
	*fib.Memory
	extra *fib.Route
}

func (s *twoMetrics) List(ctx context.Context) ([]fib.Route, error) {
	rs, err := s.Memory.List(ctx)
	if s.extra != nil {
		rs = append(rs, *s.extra)
	}
	return rs, err
}

func (s *twoMetrics) Replace(ctx context.Context, r fib.Route) error {
	if s.extra != nil && r.Prefix == s.extra.Prefix {
		s.extra = nil
	}
	return s.Memory.Replace(ctx, r)
}

func (s *twoMetrics) Delete(ctx context.Context, p netip.Prefix, table int) error {
	if s.extra != nil && p == s.extra.Prefix {
		s.extra = nil
	}
	return s.Memory.Delete(ctx, p, table)
}

func TestSyncRewritesKeyListedTwice(t *testing.T) {
	ctx := context.Background()
	r := fib.Route{Prefix: mp("10.0.0.0/8"), NextHops: []fib.NextHop{gw1}, Metric: 5}
	stale := r
	stale.Metric = 9
	s := &twoMetrics{Memory: fib.NewMemory(), extra: &stale}
	if err := s.Memory.Replace(ctx, r); err != nil {
		t.Fatal(err)
	}
	res, err := fib.Sync(ctx, s, []fib.Route{r})
	if err != nil || len(res.Changed) != 1 {
		t.Fatalf("Sync = %v, %v; want the doubled route rewritten", res, err)
	}
	fibtest.CheckList(t, s, r)

	// Unwanted, it is deleted once.
	s.extra = &stale
	spy := fibtest.NewSpy(s)
	if res, err = fib.Sync(ctx, spy, nil); err != nil || spy.Writes() != 1 {
		t.Fatalf("Sync(nil) = %v, %v with %d writes; want one Delete", res, err, spy.Writes())
	}
	fibtest.CheckList(t, s)
}

func TestSyncReportsFailedRollback(t *testing.T) {
	ctx := context.Background()
	m := fib.NewMemory()
	old := fib.Route{Prefix: mp("10.0.0.0/8"), NextHops: []fib.NextHop{gw1}}
	if err := m.Replace(ctx, old); err != nil {
		t.Fatal(err)
	}
	spy := fibtest.NewSpy(m)
	boom, stuck := errors.New("boom"), errors.New("stuck")
	spy.FailWhen(func(c fibtest.Call) error {
		switch {
		case c.Op == fibtest.OpReplace && c.Route.Prefix == mp("10.2.0.0/16"):
			return boom
		case c.Op == fibtest.OpReplace && c.Route.Equal(old): // undoing the change
			return stuck
		}
		return nil
	})
	changed := old
	changed.NextHops = []fib.NextHop{gw2}
	want := []fib.Route{changed, {Prefix: mp("10.1.0.0/16"), NextHops: []fib.NextHop{gw3}}, {Prefix: mp("10.2.0.0/16"), NextHops: []fib.NextHop{gw3}}}
	_, err := fib.Sync(ctx, spy, want)
	var se *fib.SyncError
	if !errors.As(err, &se) || !errors.Is(err, boom) || !errors.Is(err, stuck) {
		t.Fatalf("Sync = %v, want a SyncError wrapping both failures", err)
	}
	if se.Undone != 1 || se.Op != "replace" || se.Route.Prefix != mp("10.2.0.0/16") {
		t.Fatalf("SyncError = %+v", se)
	}
	if !strings.Contains(err.Error(), "rollback failed") {
		t.Errorf("error %q does not say the rollback failed", err)
	}
	// The change could not be undone; the add was.
	fibtest.CheckList(t, m, changed)
}

type failingList struct{ fib.Sink }

func (failingList) List(context.Context) ([]fib.Route, error) { return nil, errors.New("dump failed") }

func TestSyncListError(t *testing.T) {
	spy := fibtest.NewSpy(failingList{fib.NewMemory()})
	if _, err := fib.Sync(context.Background(), spy, []fib.Route{{Prefix: mp("10.0.0.0/8"), NextHops: []fib.NextHop{gw1}}}); err == nil || spy.Writes() != 0 {
		t.Fatalf("Sync over a failing List = %v with %d writes", err, spy.Writes())
	}
}

func TestSyncResultString(t *testing.T) {
	r := fib.SyncResult{Added: make([]fib.Route, 2), Deleted: make([]fib.Route, 1)}
	if r.String() != "2 added, 0 changed, 1 deleted" || r.Writes() != 3 {
		t.Fatalf("%v, %d writes", r, r.Writes())
	}
}

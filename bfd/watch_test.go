package bfd

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/switchless/routing/bfd/packet"
)

// RFC 5882 §2 via routing.Liveness: Watch never calls notify itself, a
// second client of an Up session is told Up on another call stack, the
// last release takes the session AdminDown (§6.8.16) and deletes it
// after the peer's detection time, and no report starts after release.
func TestWatch_ContractAndRelease(t *testing.T) {
	p := newPair(t, fast(50), fast(50))
	p.start()
	p.until(5*time.Second, p.settled)
	inWatch := true
	var second []bool
	rel, err := p.a.in.Watch(p.a.in.order[0], addrA, addrB, func(up bool) {
		if inWatch {
			t.Error("notify called from inside Watch")
		}
		second = append(second, up)
	})
	if err != nil {
		t.Fatal(err)
	}
	inWatch = false
	if len(second) != 0 {
		t.Fatal("told before Watch returned")
	}
	p.clock.Advance(time.Millisecond)
	if !slices.Equal(second, []bool{true}) {
		t.Fatalf("second client told %v, want [true]", second)
	}
	if n := p.a.session(t).Clients; n != 2 {
		t.Fatalf("%d clients", n)
	}
	rel()
	rel() // idempotent
	if n := p.a.session(t).Clients; n != 1 {
		t.Fatalf("%d clients after one release", n)
	}
	// Release the first client too (pair.start's): the session goes
	// AdminDown; b sees it Down without a failure.
	p.a.mu.Lock()
	p.a.ups = nil
	p.a.mu.Unlock()
	relA := p.watch(p.a, addrA, addrB) // a third, to release below
	p.clock.Advance(time.Millisecond)
	relA()
	p.a.release() // the last client
	si := p.a.session(t)
	if si.State != packet.StateAdminDown || si.Diag != packet.DiagAdminDown {
		t.Fatalf("released session: %v %v, want AdminDown", si.State, si.Diag)
	}
	p.clock.Advance(time.Millisecond)
	if sb := p.b.session(t); sb.State != packet.StateDown || sb.RemoteState != packet.StateAdminDown {
		t.Fatalf("peer sees %v remote %v", sb.State, sb.RemoteState)
	}
	if got := p.b.told(); !slices.Equal(got, []bool{true}) {
		t.Errorf("peer's client told %v: AdminDown is not a failure", got)
	}
	p.clock.Advance(time.Second)
	if n := len(p.a.in.Sessions()); n != 0 {
		t.Errorf("%d sessions after the linger, want 0", n)
	}
	var deleted bool
	for _, e := range p.a.evs() {
		deleted = deleted || e.Kind == SessionDeleted
	}
	if !deleted {
		t.Error("no session-deleted event")
	}
	if got := p.a.told(); len(got) > 1 {
		t.Errorf("released clients told %v", got)
	}
}

// A client may Watch and release from inside notify, and the second
// Watch of a released session revives it.
func TestWatch_FromInsideNotify(t *testing.T) {
	p := newPair(t, fast(50), fast(50))
	p.start()
	var rel func()
	var got []bool
	var err error
	rel, err = p.a.in.Watch(p.a.in.order[0], addrA, addrB, func(up bool) {
		got = append(got, up)
		if up && rel != nil {
			rel()
			_, _ = p.a.in.Watch(p.a.in.order[0], addrA, addrB, func(bool) {})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	p.until(5*time.Second, p.settled)
	p.clock.Advance(time.Second)
	if !slices.Equal(got, []bool{true}) || !p.bothUp() {
		t.Errorf("told %v, up %v", got, p.bothUp())
	}
}

func TestWatch_Errors(t *testing.T) {
	p := newPair(t, fast(50), fast(50))
	name := p.a.in.order[0]
	for _, tc := range []struct {
		ifc  string
		peer netip.Addr
		fn   func(bool)
		want error
	}{
		{"nope", addrB, func(bool) {}, ErrNoInterface},
		{name, netip.Addr{}, func(bool) {}, ErrInvalidConfig},
		{name, netip.MustParseAddr("224.0.0.5"), func(bool) {}, ErrInvalidConfig},
		{name, addrB, nil, ErrInvalidConfig},
		{name, netip.MustParseAddr("fe80::1"), func(bool) {}, ErrInvalidConfig}, // no ipv6 on it
	} {
		if _, err := p.a.in.Watch(tc.ifc, addrA, tc.peer, tc.fn); !errors.Is(err, tc.want) {
			t.Errorf("Watch(%q, %v): %v, want %v", tc.ifc, tc.peer, err, tc.want)
		}
	}
	if err := p.a.in.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.a.in.Watch(name, addrA, addrB, func(bool) {}); !errors.Is(err, ErrStopped) {
		t.Errorf("after Stop: %v", err)
	}
	if err := p.a.in.Start(); !errors.Is(err, ErrStopped) {
		t.Errorf("Start after Stop: %v", err)
	}
}

// Stop sends AdminDown (§6.8.16) on every session: the peer goes Down
// at once, not after its detection time, and its client is not told of
// a failure.
func Test6_8_16_StopSendsAdminDown(t *testing.T) {
	p := newPair(t, fast(50), fast(50))
	p.start()
	p.until(5*time.Second, p.settled)
	p.a.tr.take()
	if err := p.a.in.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	ss := p.a.tr.take()
	if len(ss) != 3 {
		t.Fatalf("%d packets at Stop, want Detect Mult (3)", len(ss))
	}
	for _, s := range ss {
		if s.c.State != packet.StateAdminDown || s.c.Diag != packet.DiagAdminDown {
			t.Errorf("sent %v %v", s.c.State, s.c.Diag)
		}
	}
	p.clock.Advance(time.Millisecond)
	if s := p.b.session(t); s.State != packet.StateDown || s.LastDownDiag != packet.DiagNeighborDown {
		t.Errorf("peer: %v %v", s.State, s.LastDownDiag)
	}
}

package vrrp

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/netsim"
)

// nopTransport sends nothing and delivers nothing.
type nopTransport struct{}

func (nopTransport) Start(func(routing.Packet)) error { return nil }
func (nopTransport) Send(netip.Addr, []byte) error    { return nil }
func (nopTransport) JoinGroup(netip.Addr) error       { return nil }
func (nopTransport) LeaveGroup(netip.Addr) error      { return nil }
func (nopTransport) Close() error                     { return nil }

// New checks Env as it checks Config: each required field missing is an
// ErrInvalidConfig naming it, and nothing starts.
func TestNew_EnvRequired(t *testing.T) {
	clock := routing.NewManualClock(time.Time{})
	full := Env{Clock: clock, Transport: nopTransport{}, Addresses: NewMemoryAddresses(clock, nil)}
	if _, err := New(validConfig(), full); err != nil {
		t.Fatalf("full env: %v", err)
	}
	for _, tt := range []struct {
		field string
		mod   func(*Env)
	}{
		{"env.Clock", func(e *Env) { e.Clock = nil }},
		{"env.Transport", func(e *Env) { e.Transport = nil }},
		{"env.Addresses", func(e *Env) { e.Addresses = nil }},
	} {
		env := full
		tt.mod(&env)
		r, err := New(validConfig(), env)
		if r != nil || !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "invalid configuration: "+tt.field+": is nil") {
			t.Errorf("%s nil: New = %v, %v", tt.field, r, err)
		}
	}
	if clock.Pending() != 0 {
		t.Errorf("%d timers armed by rejected routers", clock.Pending())
	}
	want := "vrrp: invalid configuration: env.Clock: is nil (use routing.SystemClock() on real interfaces)"
	env := full
	env.Clock = nil
	if _, err := New(validConfig(), env); err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestRouter_Lifecycle(t *testing.T) {
	clock := routing.NewManualClock(time.Time{})
	r, err := New(validConfig(), Env{Clock: clock, Transport: nopTransport{}, Addresses: NewMemoryAddresses(clock, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start = %v, want ErrStarted", err)
	}
	if err := r.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); !errors.Is(err, ErrStopped) {
		t.Errorf("Start after Stop = %v, want ErrStopped", err)
	}
}

func TestEventKindString(t *testing.T) {
	for k, want := range map[EventKind]string{EventTransition: "transition", EventTrack: "track", 9: "EventKind(9)"} {
		if k.String() != want {
			t.Errorf("%d.String() = %q, want %q", k, k.String(), want)
		}
	}
}

// Track changes are events too, in order with the transitions they cause:
// the track goes down, then the forced Master leaves.
func TestSim_EventsTrackThenTransition(t *testing.T) {
	s := newSimLAN(t)
	a := s.add(Config{Priority: 200, Tracks: []Track{{Name: "uplink"}}})
	s.add(Config{Priority: 100})
	s.clock.Advance(5 * time.Second)
	s.requireMaster(a)
	a.events = nil
	if err := a.r.SetTrack("uplink", false); err != nil {
		t.Fatal(err)
	}
	if len(a.events) != 2 {
		t.Fatalf("events %+v, want a track change then a transition", a.events)
	}
	tr, tc := a.events[1], a.events[0]
	if tc.Kind != EventTrack || tc.Track.Name != "uplink" || tc.Track.Up || !tc.Track.Forced || tc.VRID != 1 {
		t.Errorf("track event %+v", tc)
	}
	if tr.Kind != EventTransition || tr.Transition.From != Master || tr.Transition.To != Backup || tr.Transition.Reason != ReasonTracking {
		t.Errorf("transition event %+v", tr)
	}
	if err := a.r.SetTrack("uplink", false); err != nil || len(a.events) != 2 {
		t.Errorf("setting the same state again: err %v, %d events", err, len(a.events))
	}
}

// OnEvent runs outside the router's lock: it may call the Router, even
// Stop.
func TestSim_OnEventMayCallRouter(t *testing.T) {
	s := newSimLAN(t)
	att, err := s.seg.Attach(s.net.Node("solo"), "eth0", netip.MustParsePrefix("192.0.2.9/24"))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := att.Transport(netsim.TransportConfig{IPProto: netsim.ProtoVRRP})
	if err != nil {
		t.Fatal(err)
	}
	addrs := NewMemoryAddresses(s.clock, nil)
	var r *Router
	var seen []State
	r, err = New(Config{VRID: 1, Address: netip.MustParsePrefix("192.0.2.9/24"), VirtualAddresses: []netip.Addr{simVIP}},
		Env{Clock: s.clock, Transport: tr, Addresses: addrs, OnEvent: func(e Event) {
			seen = append(seen, r.State())
			_ = r.Status()
			if e.Transition.To == Master {
				if err := r.Stop(context.Background()); err != nil {
					t.Errorf("Stop from OnEvent: %v", err)
				}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(5 * time.Second)
	if r.State() != Initialize || len(addrs.Owned()) != 0 {
		t.Fatalf("after Stop from OnEvent: state %v, owned %v", r.State(), addrs.Owned())
	}
	if len(seen) != 3 {
		t.Errorf("OnEvent saw states %v, want three events", seen)
	}
}

// ctxAddresses records whether the context of each call was live.
type ctxAddresses struct {
	*MemoryAddresses
	removeCtxErr []error
}

func (c *ctxAddresses) Remove(ctx context.Context, addrs []netip.Addr) error {
	c.removeCtxErr = append(c.removeCtxErr, ctx.Err())
	return c.MemoryAddresses.Remove(ctx, addrs)
}

// A Stop from OnEvent still gives the addresses up with a live context:
// the router's context is cancelled only once the shutdown's effects ran.
func TestSim_StopFromOnEventRemovesWithLiveContext(t *testing.T) {
	s := newSimLAN(t)
	att, err := s.seg.Attach(s.net.Node("solo"), "eth0", netip.MustParsePrefix("192.0.2.9/24"))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := att.Transport(netsim.TransportConfig{IPProto: netsim.ProtoVRRP})
	if err != nil {
		t.Fatal(err)
	}
	am := &ctxAddresses{MemoryAddresses: NewMemoryAddresses(s.clock, nil)}
	var r *Router
	r, err = New(Config{VRID: 1, Address: netip.MustParsePrefix("192.0.2.9/24"), VirtualAddresses: []netip.Addr{simVIP}},
		Env{Clock: s.clock, Transport: tr, Addresses: am, OnEvent: func(e Event) {
			if e.Transition.To == Master {
				_ = r.Stop(context.Background())
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(5 * time.Second)
	if len(am.removeCtxErr) != 1 || am.removeCtxErr[0] != nil || len(am.Owned()) != 0 {
		t.Fatalf("Remove calls with ctx errors %v, owned %v", am.removeCtxErr, am.Owned())
	}
	if r.ctx.Err() == nil {
		t.Error("the router's context outlived the drain")
	}
}

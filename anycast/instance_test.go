package anycast

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/health"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	vip  = netip.MustParsePrefix("192.0.2.25/32")
	vip2 = netip.MustParsePrefix("192.0.2.26/32")
)

// op is one call an Instance made, as the recorder saw it.
type op struct {
	at      time.Time
	what    string // "announce", "withdraw", "add", "remove"
	prefix  netip.Prefix
	metric  uint32
	aliased bool // whether the alias was on the host at the call
}

// recorder is an Announcer that records every call with the state of the
// address manager at that moment, and can be made to fail.
type recorder struct {
	clock routing.Clock
	addrs *MemoryAddresses

	mu   sync.Mutex
	ops  []op
	cur  map[netip.Prefix]uint32
	fail error
}

func newRecorder(c routing.Clock) *recorder {
	r := &recorder{clock: c, cur: map[netip.Prefix]uint32{}}
	r.addrs = NewMemoryAddresses(c, func(ch AddressChange) {
		what := "remove"
		if ch.Added {
			what = "add"
		}
		r.mu.Lock()
		r.ops = append(r.ops, op{at: ch.At, what: what, prefix: ch.Prefix, aliased: ch.Added})
		r.mu.Unlock()
	})
	return r
}

// aliased reports whether p's address is on the host; for a cover, one
// address inside it.
func (r *recorder) aliased(p netip.Prefix) bool {
	if p.Bits() == p.Addr().BitLen() {
		return r.addrs.Has(p)
	}
	return slices.ContainsFunc(r.addrs.Owned(), func(o netip.Prefix) bool { return p.Contains(o.Addr()) })
}

func (r *recorder) AnnouncePrefix(p netip.Prefix, m uint32) error {
	aliased := r.aliased(p)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.ops = append(r.ops, op{at: r.clock.Now(), what: "announce", prefix: p, metric: m, aliased: aliased})
	r.cur[p] = m
	return nil
}

func (r *recorder) WithdrawPrefix(p netip.Prefix) error {
	aliased := r.aliased(p)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.ops = append(r.ops, op{at: r.clock.Now(), what: "withdraw", prefix: p, aliased: aliased})
	delete(r.cur, p)
	return nil
}

func (r *recorder) setFail(err error) { r.mu.Lock(); r.fail = err; r.mu.Unlock() }

func (r *recorder) announced(p netip.Prefix) (uint32, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.cur[p]
	return m, ok
}

func (r *recorder) history() []op {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]op(nil), r.ops...)
}

// checkOrdering fails t if any announcement was made without the alias.
func (r *recorder) checkOrdering(t *testing.T) {
	t.Helper()
	for _, o := range r.history() {
		if o.what == "announce" && !o.aliased {
			t.Fatalf("announced %v at %v while its alias was missing", o.prefix, o.at)
		}
	}
}

// switchCheck is a programmatic check that fails while its error is set.
type switchCheck struct {
	err   atomic.Pointer[error]
	calls atomic.Int64
}

func (s *switchCheck) Check(context.Context) error {
	s.calls.Add(1)
	if e := s.err.Load(); e != nil {
		return *e
	}
	return nil
}

func (s *switchCheck) set(err error) {
	if err == nil {
		s.err.Store(nil)
	} else {
		s.err.Store(&err)
	}
}

type rig struct {
	t      *testing.T
	clock  *routing.ManualClock
	rec    *recorder
	inst   *Instance
	check  *switchCheck
	mu     sync.Mutex
	events []Event
}

func newRig(t *testing.T, mod func(*ServiceConfig)) *rig {
	t.Helper()
	c := routing.NewManualClock(epoch)
	r := &rig{t: t, clock: c, rec: newRecorder(c), check: &switchCheck{}}
	sc := ServiceConfig{Name: "smtp", Prefixes: []netip.Prefix{vip}, Checkers: []health.Checker{r.check},
		Interval: 100 * time.Millisecond, Rise: 2, Fall: 3, DrainTime: time.Second}
	if mod != nil {
		mod(&sc)
	}
	inst, err := New(Config{Services: []ServiceConfig{sc}}, Env{Clock: c, Announcer: r.rec, Addresses: r.rec.addrs,
		OnEvent: func(e Event) { r.mu.Lock(); r.events = append(r.events, e); r.mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	r.inst = inst
	return r
}

func (r *rig) status() ServiceStatus { return r.inst.Services()[0] }

// stop runs Stop while advancing the clock, and returns its error.
func stopAdvancing(t *testing.T, c *routing.ManualClock, inst *Instance, step time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- inst.Stop(context.Background()) }()
	for range 10000 {
		select {
		case err := <-done:
			return err
		default:
		}
		c.Advance(step)
		time.Sleep(time.Millisecond)
	}
	t.Fatal("Stop did not return")
	return nil
}

// Paper §3.4: the alias goes on first; the prefix is announced only after
// rise successful rounds.
func TestStartAliasFirstAnnounceAfterRise(t *testing.T) {
	r := newRig(t, nil)
	if err := r.inst.Start(); err != nil {
		t.Fatal(err)
	}
	if !r.rec.addrs.Has(vip) {
		t.Fatal("alias not on the host after Start")
	}
	if _, ok := r.rec.announced(vip); ok {
		t.Fatal("announced before any check")
	}
	r.clock.Advance(0) // round 1 (at Start)
	if _, ok := r.rec.announced(vip); ok || r.status().State != StateDown {
		t.Fatalf("announced after 1 of rise 2: %+v", r.status())
	}
	r.clock.Advance(100 * time.Millisecond) // round 2
	if m, ok := r.rec.announced(vip); !ok || m != 1 {
		t.Fatalf("after rise 2: announced %v at %d", ok, m)
	}
	st := r.status()
	if st.State != StateUp || len(st.Checks) != 1 || !st.Checks[0].OK() || !st.Prefixes[0].Announced || st.Prefixes[0].Metric != 1 {
		t.Fatalf("status %+v", st)
	}
	h := r.rec.history()
	if h[0].what != "add" || h[1].what != "announce" {
		t.Fatalf("order %+v", h)
	}
	if err := r.inst.Start(); !errors.Is(err, ErrStarted) {
		t.Fatalf("second Start: %v", err)
	}
}

// Paper §4.2 first method: a failed service withdraws after fall failures
// and comes back after rise successes; the alias stays meanwhile.
func TestSelfFailWithdrawsAfterFallAndReturns(t *testing.T) {
	r := newRig(t, nil)
	r.inst.Start()
	r.clock.Advance(100 * time.Millisecond)
	r.check.set(errors.New("postfix down"))
	r.clock.Advance(200 * time.Millisecond) // 2 failures of fall 3
	if _, ok := r.rec.announced(vip); !ok {
		t.Fatal("withdrawn before fall failures")
	}
	r.clock.Advance(100 * time.Millisecond) // third
	if _, ok := r.rec.announced(vip); ok {
		t.Fatal("still announced after fall failures")
	}
	st := r.status()
	if st.State != StateDown || st.Failures != 3 || st.Checks[0].Error == "" || !strings.Contains(st.Checks[0].Error, "postfix down") {
		t.Fatalf("status %+v", st)
	}
	if !r.rec.addrs.Has(vip) {
		t.Fatal("alias removed on a check failure: only maintenance and Stop remove it")
	}
	r.check.set(nil)
	r.clock.Advance(200 * time.Millisecond)
	if _, ok := r.rec.announced(vip); !ok {
		t.Fatal("not announced again after rise successes")
	}
	r.rec.checkOrdering(t)
}

func TestFailMetricAnnouncesFailMetric(t *testing.T) {
	r := newRig(t, func(s *ServiceConfig) { s.FailAction = FailMetric; s.Metric = 3 })
	r.inst.Start()
	r.clock.Advance(0)
	// Down from the start with FailAction metric: announced at 16 at once
	// (the alias is there).
	if m, ok := r.rec.announced(vip); !ok || m != 16 {
		t.Fatalf("down at start: %v %d, want 16", ok, m)
	}
	r.clock.Advance(100 * time.Millisecond)
	if m, _ := r.rec.announced(vip); m != 3 {
		t.Fatalf("up: metric %d, want 3", m)
	}
	r.check.set(errors.New("x"))
	r.clock.Advance(300 * time.Millisecond)
	if m, _ := r.rec.announced(vip); m != 16 {
		t.Fatalf("failed: metric %d, want 16", m)
	}
}

// Flapping is damped: alternate results never reach fall consecutive
// failures.
func TestFlappingDampedByFall(t *testing.T) {
	r := newRig(t, nil)
	r.inst.Start()
	r.clock.Advance(100 * time.Millisecond)
	for k := range 20 {
		if k%2 == 0 {
			r.check.set(errors.New("flap"))
		} else {
			r.check.set(nil)
		}
		r.clock.Advance(100 * time.Millisecond)
	}
	n := 0
	for _, o := range r.rec.history() {
		if o.what == "withdraw" {
			n++
		}
	}
	if n != 0 || r.status().State != StateUp {
		t.Fatalf("%d withdrawals while flapping; state %v", n, r.status().State)
	}
}

// Withdraw before remove: maintenance of a healthy service keeps it
// announced at DrainMetric for DrainTime (the network moves to the other
// replicas while this one answers), then withdraws it and removes the
// alias; leaving maintenance puts the alias back first and announces
// after rise.
func TestMaintenanceDrainOrdering(t *testing.T) {
	r := newRig(t, nil)
	r.inst.Start()
	r.clock.Advance(100 * time.Millisecond)
	t0 := r.clock.Now()
	if err := r.inst.SetMaintenance("smtp", true); err != nil {
		t.Fatal(err)
	}
	if m, ok := r.rec.announced(vip); !ok || m != DefaultDrainMetric {
		t.Fatalf("draining: announced %v at %d, want the drain metric %d", ok, m, DefaultDrainMetric)
	}
	r.clock.Advance(999 * time.Millisecond)
	if m, ok := r.rec.announced(vip); !ok || m != DefaultDrainMetric || !r.rec.addrs.Has(vip) {
		t.Fatalf("drain phase cut short: announced %v at %d, alias %v", ok, m, r.rec.addrs.Has(vip))
	}
	r.clock.Advance(time.Millisecond)
	if _, ok := r.rec.announced(vip); ok || r.rec.addrs.Has(vip) {
		t.Fatal("still announced or aliased after the drain time")
	}
	var aAt, wAt, rAt time.Time
	for _, o := range r.rec.history() {
		switch {
		case o.what == "announce" && o.metric == DefaultDrainMetric:
			aAt = o.at
		case o.what == "withdraw":
			wAt = o.at
		case o.what == "remove":
			rAt = o.at
		}
	}
	if !aAt.Equal(t0) || wAt.Sub(aAt) != time.Second || !rAt.Equal(wAt) {
		t.Fatalf("drain metric at %v, withdraw at %v, remove at %v (start %v)", aAt, wAt, rAt, t0)
	}
	if st := r.status(); st.State != StateMaintenance || !st.Maintenance {
		t.Fatalf("status %+v", st)
	}
	if err := r.inst.SetMaintenance("nope", true); !errors.Is(err, ErrUnknownService) {
		t.Fatalf("unknown service: %v", err)
	}
	r.inst.SetMaintenance("smtp", false)
	if !r.rec.addrs.Has(vip) {
		t.Fatal("alias not back after maintenance")
	}
	if _, ok := r.rec.announced(vip); ok {
		t.Fatal("announced at once after maintenance, before rise")
	}
	r.clock.Advance(200 * time.Millisecond)
	if _, ok := r.rec.announced(vip); !ok {
		t.Fatal("not announced after maintenance and rise")
	}
	r.rec.checkOrdering(t)
}

// A service that is down when it is drained has nothing to move: it is
// withdrawn at once and its alias removed DrainTime later.
func TestMaintenanceOfDownServiceWithdrawsAtOnce(t *testing.T) {
	r := newRig(t, func(s *ServiceConfig) { s.FailAction = FailMetric })
	r.check.set(errors.New("down"))
	r.inst.Start()
	r.clock.Advance(100 * time.Millisecond)
	if m, _ := r.rec.announced(vip); m != DefaultFailMetric {
		t.Fatalf("down: metric %d, want the fail metric", m)
	}
	r.inst.SetMaintenance("smtp", true)
	if _, ok := r.rec.announced(vip); ok || !r.rec.addrs.Has(vip) {
		t.Fatal("a down service in maintenance: want withdrawn at once, alias kept for the drain time")
	}
	r.clock.Advance(time.Second)
	if r.rec.addrs.Has(vip) {
		t.Fatal("alias kept past the drain time")
	}
	r.rec.checkOrdering(t)
}

// A prefix shared with a healthy service stays at that service's metric
// while the other drains, and keeps its alias after the drain.
func TestDrainOfSharedPrefixKeepsTheHealthyMetric(t *testing.T) {
	c := routing.NewManualClock(epoch)
	rec := newRecorder(c)
	mk := func(name string) ServiceConfig {
		return ServiceConfig{Name: name, Prefixes: []netip.Prefix{vip}, Checkers: []health.Checker{&switchCheck{}},
			Interval: 100 * time.Millisecond, Rise: 2, Fall: 3, DrainTime: time.Second, Metric: 2}
	}
	inst, err := New(Config{Services: []ServiceConfig{mk("smtp"), mk("submission")}}, Env{Clock: c, Announcer: rec, Addresses: rec.addrs})
	if err != nil {
		t.Fatal(err)
	}
	inst.Start()
	c.Advance(100 * time.Millisecond)
	inst.SetMaintenance("smtp", true)
	for range 20 {
		if m, ok := rec.announced(vip); !ok || m != 2 || !rec.addrs.Has(vip) {
			t.Fatalf("shared prefix while one service drains: announced %v at %d", ok, m)
		}
		c.Advance(100 * time.Millisecond)
	}
}

// anycast-healthchecker's check_disabled: the file's presence drains.
func TestMaintenanceFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "disabled")
	r := newRig(t, func(s *ServiceConfig) { s.MaintenanceFile = file })
	r.inst.Start()
	r.clock.Advance(100 * time.Millisecond)
	if _, ok := r.rec.announced(vip); !ok {
		t.Fatal("not announced")
	}
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(100 * time.Millisecond)
	if m, _ := r.rec.announced(vip); m != DefaultDrainMetric || r.status().State != StateMaintenance {
		t.Fatal("file present, not draining")
	}
	r.clock.Advance(time.Second)
	if _, ok := r.rec.announced(vip); ok {
		t.Fatal("still announced after the drain time")
	}
	if r.rec.addrs.Has(vip) {
		t.Fatal("alias kept in maintenance")
	}
	os.Remove(file)
	r.clock.Advance(300 * time.Millisecond)
	if _, ok := r.rec.announced(vip); !ok {
		t.Fatal("file removed, not announced again")
	}
}

// Stop drains (DrainMetric for the drain time), withdraws, removes:
// nothing is left.
func TestStopWithdrawBeforeRemoveLeavesNothing(t *testing.T) {
	r := newRig(t, nil)
	r.inst.Start()
	r.clock.Advance(100 * time.Millisecond)
	t0 := r.clock.Now()
	if err := stopAdvancing(t, r.clock, r.inst, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.rec.announced(vip); ok || len(r.rec.addrs.Owned()) != 0 {
		t.Fatalf("left behind: %v", r.rec.addrs.Owned())
	}
	var wAt, rAt time.Time
	for _, o := range r.rec.history() {
		switch o.what {
		case "withdraw":
			wAt = o.at
		case "remove":
			rAt = o.at
		}
	}
	// The clock runs on while Stop starts: the withdrawal a full drain
	// time after t0 or a step later, the removal with it.
	if d := wAt.Sub(t0); d < time.Second || d > 1100*time.Millisecond || !rAt.Equal(wAt) {
		t.Fatalf("withdraw at %v, remove at %v", wAt.Sub(t0), rAt.Sub(t0))
	}
	if st := r.status(); st.State != StateStopped {
		t.Fatalf("state %v", st.State)
	}
	if err := r.inst.Start(); !errors.Is(err, ErrStopped) {
		t.Fatalf("Start after Stop: %v", err)
	}
	calls := r.check.calls.Load()
	r.clock.Advance(time.Second)
	if r.check.calls.Load() != calls {
		t.Fatal("checks still run after Stop")
	}
}

// Stop with a done context removes at once, still withdrawing first.
func TestStopDeadlineStillWithdrawsFirst(t *testing.T) {
	r := newRig(t, nil)
	r.inst.Start()
	r.clock.Advance(100 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.inst.Stop(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Stop: %v", err)
	}
	h := r.rec.history()
	if len(r.rec.addrs.Owned()) != 0 || h[len(h)-2].what != "withdraw" || h[len(h)-1].what != "remove" {
		t.Fatalf("history %+v", h)
	}
}

// A failing announcer is reported and retried every round; the alias is
// never announced without a healthy check.
func TestAnnouncerErrorReportedAndRetried(t *testing.T) {
	r := newRig(t, nil)
	r.rec.setFail(errors.New("rip: not started"))
	r.inst.Start()
	r.clock.Advance(100 * time.Millisecond)
	st := r.status()
	if st.State != StateUp || st.Prefixes[0].Announced || !strings.Contains(st.Prefixes[0].Error, "not started") {
		t.Fatalf("status %+v", st)
	}
	r.rec.setFail(nil)
	r.clock.Advance(100 * time.Millisecond)
	st = r.status()
	if !st.Prefixes[0].Announced || st.Prefixes[0].Error != "" {
		t.Fatalf("not retried: %+v", st)
	}
	var errs int
	r.mu.Lock()
	for _, e := range r.events {
		if e.Kind == EventError {
			errs++
		}
	}
	r.mu.Unlock()
	if errs == 0 {
		t.Fatal("no error event")
	}
}

// An alias that cannot be added is never announced.
func TestAliasFailureBlocksAnnouncement(t *testing.T) {
	r := newRig(t, nil)
	r.rec.addrs.SetError(errors.New("EPERM"))
	r.inst.Start()
	r.clock.Advance(300 * time.Millisecond)
	if _, ok := r.rec.announced(vip); ok {
		t.Fatal("announced without the alias")
	}
	if st := r.status(); !strings.Contains(st.Prefixes[0].Error, "EPERM") {
		t.Fatalf("status %+v", st)
	}
	r.rec.addrs.SetError(nil)
	r.clock.Advance(100 * time.Millisecond)
	if _, ok := r.rec.announced(vip); !ok {
		t.Fatal("not announced once the alias could be added")
	}
	r.rec.checkOrdering(t)
}

// A check that hangs is cut at its timeout and is a failure.
func TestHungCheckCutAtTimeout(t *testing.T) {
	hang := health.CheckFunc(func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	ignore := health.CheckFunc(func(context.Context) error { select {} })
	for name, c := range map[string]health.Checker{"respects-ctx": hang, "ignores-ctx": ignore} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, func(s *ServiceConfig) {
				s.Checkers = []health.Checker{c}
				s.Timeout = 20 * time.Millisecond
				s.Rise = 1
			})
			r.inst.Start()
			r.clock.Advance(0)
			st := r.status()
			if st.State != StateDown || st.Failures != 1 || !strings.Contains(st.Checks[0].Error, "timed out") {
				t.Fatalf("status %+v", st)
			}
		})
	}
}

// A shared prefix is announced while any service is up, at the best
// metric among the healthy ones.
func TestSharedPrefixBestHealthyMetric(t *testing.T) {
	c := routing.NewManualClock(epoch)
	rec := newRecorder(c)
	a, b := &switchCheck{}, &switchCheck{}
	cfg := Config{Services: []ServiceConfig{
		{Name: "smtp", Prefixes: []netip.Prefix{vip, vip2}, Checkers: []health.Checker{a}, Interval: 100 * time.Millisecond, Rise: 1, Fall: 1, Metric: 1},
		{Name: "imap", Prefixes: []netip.Prefix{vip}, Checkers: []health.Checker{b}, Interval: 100 * time.Millisecond, Rise: 1, Fall: 1, Metric: 5},
	}}
	inst, err := New(cfg, Env{Clock: c, Announcer: rec, Addresses: rec.addrs})
	if err != nil {
		t.Fatal(err)
	}
	inst.Start()
	c.Advance(0)
	if m, _ := rec.announced(vip); m != 1 {
		t.Fatalf("both up: metric %d, want 1", m)
	}
	a.set(errors.New("down"))
	c.Advance(100 * time.Millisecond)
	if m, ok := rec.announced(vip); !ok || m != 5 {
		t.Fatalf("smtp down: %v %d, want 5 from imap", ok, m)
	}
	if _, ok := rec.announced(vip2); ok {
		t.Fatal("vip2 (smtp only) still announced")
	}
	b.set(errors.New("down"))
	c.Advance(100 * time.Millisecond)
	if _, ok := rec.announced(vip); ok {
		t.Fatal("announced with no healthy service")
	}
	// Maintenance of one service keeps the alias the other still needs.
	a.set(nil)
	b.set(nil)
	c.Advance(100 * time.Millisecond)
	inst.SetMaintenance("smtp", true)
	c.Advance(5 * time.Second)
	if !rec.addrs.Has(vip) || rec.addrs.Has(vip2) {
		t.Fatalf("owned %v: want vip kept (imap up), vip2 removed", rec.addrs.Owned())
	}
	if m, _ := rec.announced(vip); m != 5 {
		t.Fatalf("vip at %d, want imap's 5", m)
	}
	rec.checkOrdering(t)
}

// Peer policy (paper §4.2 second method): raised metric while the peer is
// healthy, lowered while it fails; the guard keeps a broken replica from
// lowering itself.
func TestPeerPolicyAndGuard(t *testing.T) {
	peer := &switchCheck{}
	r := newRig(t, func(s *ServiceConfig) {
		s.Policy = PolicyPeer
		s.PeerCheckers = []health.Checker{peer}
	})
	r.inst.Start()
	r.clock.Advance(100 * time.Millisecond)
	if m, _ := r.rec.announced(vip); m != 3 {
		t.Fatalf("peer healthy: metric %d, want 1+2", m)
	}
	peer.set(errors.New("peer down"))
	r.clock.Advance(300 * time.Millisecond)
	if m, _ := r.rec.announced(vip); m != 1 {
		t.Fatalf("peer failed: metric %d, want lowered to 1", m)
	}
	if st := r.status(); !st.PeerDown || st.PeerChecks[0].OK() {
		t.Fatalf("status %+v", st)
	}
	// The guard: our own service breaks too. We must not keep (or take)
	// the lowered metric: we fail as under the self policy.
	r.check.set(errors.New("self down"))
	r.clock.Advance(300 * time.Millisecond)
	if m, ok := r.rec.announced(vip); ok {
		t.Fatalf("broken replica still announced at %d while its peer is down", m)
	}
	for _, o := range r.rec.history() {
		if o.what == "announce" && o.metric == 1 && o.at.After(epoch.Add(700*time.Millisecond)) {
			t.Fatalf("broken replica lowered itself at %v", o.at.Sub(epoch))
		}
	}
	peer.set(nil)
	r.check.set(nil)
	r.clock.Advance(200 * time.Millisecond)
	if m, _ := r.rec.announced(vip); m != 3 {
		t.Fatalf("all healthy again: metric %d, want 3", m)
	}
}

// The guard from the start: a replica whose own check never passed is
// never announced even when its peer fails.
func TestPeerGuardBrokenFromStart(t *testing.T) {
	peer := &switchCheck{}
	peer.set(errors.New("peer down"))
	r := newRig(t, func(s *ServiceConfig) { s.Policy = PolicyPeer; s.PeerCheckers = []health.Checker{peer} })
	r.check.set(errors.New("self down"))
	r.inst.Start()
	r.clock.Advance(time.Second)
	if m, ok := r.rec.announced(vip); ok {
		t.Fatalf("broken replica announced at %d", m)
	}
}

func TestForeignAddressRefused(t *testing.T) {
	c := routing.NewManualClock(epoch)
	rec := newRecorder(c)
	rec.addrs.SetForeign(netip.MustParsePrefix("192.0.2.25/24"))
	_, err := New(Config{Services: []ServiceConfig{{Name: "s", Prefixes: []netip.Prefix{vip}, Checkers: []health.Checker{&switchCheck{}}}}},
		Env{Clock: c, Announcer: rec, Addresses: rec.addrs})
	if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "services[0].prefixes[0]") {
		t.Fatalf("err = %v", err)
	}
	// Our own alias, left by a previous run, is adopted.
	rec.addrs.SetForeign()
	rec.addrs.Add(context.Background(), vip)
	if _, err := New(Config{Services: []ServiceConfig{{Name: "s", Prefixes: []netip.Prefix{vip}, Checkers: []health.Checker{&switchCheck{}}}}},
		Env{Clock: c, Announcer: rec, Addresses: rec.addrs}); err != nil {
		t.Fatal(err)
	}
}

func TestNewEnvErrors(t *testing.T) {
	c := routing.NewManualClock(epoch)
	rec := newRecorder(c)
	cfg := Config{Services: []ServiceConfig{{Name: "s", Prefixes: []netip.Prefix{vip}, Checkers: []health.Checker{&switchCheck{}}}}}
	for name, env := range map[string]Env{
		"env.Clock":     {Announcer: rec, Addresses: rec.addrs},
		"env.Announcer": {Clock: c, Addresses: rec.addrs},
		"env.Addresses": {Clock: c, Announcer: rec},
	} {
		if _, err := New(cfg, env); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Events arrive in order, after the lock: OnEvent may call the instance.
func TestEventsInOrderAndReentrant(t *testing.T) {
	var inst *Instance
	var kinds []string
	c := routing.NewManualClock(epoch)
	rec := newRecorder(c)
	cfg := Config{Services: []ServiceConfig{{Name: "s", Prefixes: []netip.Prefix{vip}, Checkers: []health.Checker{&switchCheck{}}, Rise: 1}}}
	inst, err := New(cfg, Env{Clock: c, Announcer: rec, Addresses: rec.addrs, OnEvent: func(e Event) {
		kinds = append(kinds, e.Kind.String())
		_ = inst.Services() // re-entrant
	}})
	if err != nil {
		t.Fatal(err)
	}
	inst.Start()
	c.Advance(0)
	got := strings.Join(kinds, ",")
	if got != "alias-add,state,announce" {
		t.Fatalf("events %s", got)
	}
}

// A cover (a less-specific prefix of the VIP, no alias of its own) is
// announced with the service at its metric, only while the VIP's alias is
// on, drained with it, and withdrawn before the alias goes.
func TestCoverPrefixFollowsTheServiceAndItsAlias(t *testing.T) {
	cover := netip.MustParsePrefix("192.0.2.24/31")
	r := newRig(t, func(s *ServiceConfig) { s.CoverPrefixes = []netip.Prefix{cover}; s.Metric = 3 })
	r.inst.Start()
	if _, ok := r.rec.announced(cover); ok {
		t.Fatal("cover announced before rise")
	}
	r.clock.Advance(100 * time.Millisecond)
	if m, ok := r.rec.announced(cover); !ok || m != 3 {
		t.Fatalf("cover: announced %v at %d, want 3 with the service", ok, m)
	}
	st := r.status()
	if len(st.Prefixes) != 2 || !st.Prefixes[1].Cover || st.Prefixes[1].Aliased || st.Prefixes[0].Cover {
		t.Fatalf("status prefixes %+v", st.Prefixes)
	}
	r.check.set(errors.New("down"))
	r.clock.Advance(300 * time.Millisecond)
	if _, ok := r.rec.announced(cover); ok {
		t.Fatal("cover still announced with the service down")
	}
	r.check.set(nil)
	r.clock.Advance(200 * time.Millisecond)
	if m, ok := r.rec.announced(cover); !ok || m != 3 {
		t.Fatal("cover not back with the service")
	}
	if err := stopAdvancing(t, r.clock, r.inst, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var coverDrain, coverOut, vipGone time.Time
	for _, o := range r.rec.history() {
		switch {
		case o.prefix == cover && o.what == "announce" && o.metric == DefaultDrainMetric:
			coverDrain = o.at
		case o.prefix == cover && o.what == "withdraw":
			coverOut = o.at
		case o.prefix == vip && o.what == "remove":
			vipGone = o.at
		}
	}
	if coverDrain.IsZero() || coverOut.IsZero() || vipGone.IsZero() || vipGone.Before(coverOut) {
		t.Fatalf("stop: cover drained at %v, withdrawn at %v, VIP removed at %v", coverDrain, coverOut, vipGone)
	}
	if i, j := slices.IndexFunc(r.rec.history(), func(o op) bool { return o.prefix == cover && o.what == "withdraw" }),
		slices.IndexFunc(r.rec.history(), func(o op) bool { return o.prefix == vip && o.what == "remove" }); i > j {
		t.Fatal("the VIP's alias went before its cover was withdrawn")
	}
	r.rec.checkOrdering(t)
}

// TestCheckResultsCounted: each check's Passed and Failed count its
// results round by round, and together they are the rounds run.
func TestCheckResultsCounted(t *testing.T) {
	r := newRig(t, nil)
	if err := r.inst.Start(); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(100 * time.Millisecond) // rounds 1 and 2 pass
	r.check.set(errors.New("postfix down"))
	r.clock.Advance(300 * time.Millisecond) // rounds 3 to 5 fail
	st := r.status()
	if len(st.Checks) != 1 {
		t.Fatalf("checks %+v", st.Checks)
	}
	c := st.Checks[0]
	if c.Passed != 2 || c.Failed != 3 {
		t.Errorf("passed %d failed %d, want 2 and 3", c.Passed, c.Failed)
	}
	if c.Passed+c.Failed != st.Rounds {
		t.Errorf("passed %d + failed %d != %d rounds", c.Passed, c.Failed, st.Rounds)
	}
	r.check.set(nil)
	r.clock.Advance(100 * time.Millisecond)
	if c := r.status().Checks[0]; c.Passed != 3 || c.Failed != 3 {
		t.Errorf("after a pass: passed %d failed %d, want 3 and 3", c.Passed, c.Failed)
	}
}

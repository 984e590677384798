package anycast

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/health"
)

// rigService is the service newRig makes (before its mod).
func (r *rig) rigService() ServiceConfig {
	return ServiceConfig{Name: "smtp", Prefixes: []netip.Prefix{vip}, Checkers: []health.Checker{r.check},
		Interval: 100 * time.Millisecond, Rise: 2, Fall: 3, DrainTime: time.Second}
}

// upRig is a started rig whose service is up and announced.
func upRig(t *testing.T) *rig {
	t.Helper()
	r := newRig(t, nil)
	if err := r.inst.Start(); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(0)
	r.clock.Advance(100 * time.Millisecond)
	if m, ok := r.rec.announced(vip); !ok || m != 1 {
		t.Fatalf("not announced after rise: %v %d", ok, m)
	}
	return r
}

func (r *rig) reconf(svcs ...ServiceConfig) {
	r.t.Helper()
	if err := r.inst.Reconfigure(context.Background(), Config{Services: svcs}); err != nil {
		r.t.Fatalf("Reconfigure: %v", err)
	}
}

// opsSince returns the recorder's calls from index k on, for prefix p.
func (r *rig) opsSince(k int, p netip.Prefix) []op {
	var out []op
	for _, o := range r.rec.history()[k:] {
		if o.prefix == p {
			out = append(out, o)
		}
	}
	return out
}

func TestReconfigure_AddedServiceAliasFirstAnnounceAfterRise(t *testing.T) {
	r := upRig(t)
	k := len(r.rec.history())
	imap := &switchCheck{}
	r.reconf(r.rigService(), ServiceConfig{Name: "imap", Prefixes: []netip.Prefix{vip2}, Checkers: []health.Checker{imap},
		Interval: 100 * time.Millisecond, Rise: 2, Fall: 2})
	if !r.rec.addrs.Has(vip2) {
		t.Fatal("the added service's alias is not on the host")
	}
	if _, ok := r.rec.announced(vip2); ok {
		t.Fatal("announced before any check")
	}
	r.clock.Advance(0)
	if _, ok := r.rec.announced(vip2); ok {
		t.Fatal("announced after 1 of rise 2")
	}
	r.clock.Advance(100 * time.Millisecond)
	if _, ok := r.rec.announced(vip2); !ok {
		t.Fatal("not announced after rise 2")
	}
	if ops := r.opsSince(k, vip); len(ops) != 0 {
		t.Errorf("the untouched service's prefix saw %+v", ops)
	}
	r.rec.checkOrdering(t)
}

// A healthy service removed by a reload drains as Stop drains it: it
// stays announced at DrainMetric for DrainTime, so that the routers that
// know another replica move to it while this one still answers, then is
// withdrawn and its alias removed together.
func TestReconfigure_RemovedServiceDrainsAtRaisedMetric(t *testing.T) {
	r := upRig(t)
	k := len(r.rec.history())
	r.reconf()
	if m, ok := r.rec.announced(vip); !ok || m != DefaultDrainMetric {
		t.Fatalf("removed: announced %v at %d, want the drain metric %d", ok, m, DefaultDrainMetric)
	}
	if len(r.inst.Services()) != 0 {
		t.Errorf("services %+v", r.inst.Services())
	}
	r.clock.Advance(999 * time.Millisecond)
	if _, ok := r.rec.announced(vip); !ok || !r.rec.addrs.Has(vip) {
		t.Fatal("withdrawn or unaliased before the drain time")
	}
	r.clock.Advance(time.Millisecond)
	if _, ok := r.rec.announced(vip); ok || r.rec.addrs.Has(vip) {
		t.Fatal("still announced or aliased after the drain time")
	}
	ops := r.opsSince(k, vip)
	if len(ops) != 3 || ops[0].what != "announce" || ops[1].what != "withdraw" || ops[2].what != "remove" ||
		ops[1].at.Sub(ops[0].at) != time.Second || ops[2].at != ops[1].at {
		t.Errorf("ops %+v, want announce at the drain metric, withdraw 1s later, remove with it", ops)
	}
	// The removed service's rounds stopped, and nothing is left of it.
	calls := r.check.calls.Load()
	r.clock.Advance(time.Second)
	if got := r.check.calls.Load(); got != calls {
		t.Errorf("the removed service was checked %d more times", got-calls)
	}
	r.inst.mu.Lock()
	left := len(r.inst.prefixes) + len(r.inst.order) + len(r.inst.leaving)
	r.inst.mu.Unlock()
	if left != 0 {
		t.Errorf("%d prefix or service states left", left)
	}
	r.rec.checkOrdering(t)
}

// A removed service that is down has nothing to drain: withdrawn at
// once, its alias removed DrainTime later.
func TestReconfigure_RemovedDownServiceWithdrawsThenRemoves(t *testing.T) {
	r := upRig(t)
	r.check.set(errors.New("down"))
	r.clock.Advance(300 * time.Millisecond) // fall 3
	if _, ok := r.rec.announced(vip); ok {
		t.Fatal("still announced with the service down")
	}
	k := len(r.rec.history())
	r.reconf()
	r.clock.Advance(999 * time.Millisecond)
	if !r.rec.addrs.Has(vip) {
		t.Fatal("alias removed before the drain time")
	}
	r.clock.Advance(time.Millisecond)
	if r.rec.addrs.Has(vip) {
		t.Fatal("alias still there after the drain time")
	}
	if ops := r.opsSince(k, vip); len(ops) != 1 || ops[0].what != "remove" {
		t.Errorf("ops %+v, want the removal only", ops)
	}
}

// Stop while a removed service drains: Stop waits for the drain as for
// its own services and leaves nothing behind.
func TestReconfigure_StopDuringRemovedDrain(t *testing.T) {
	r := upRig(t)
	r.reconf()
	if err := stopAdvancing(t, r.clock, r.inst, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.rec.announced(vip); ok || len(r.rec.addrs.Owned()) != 0 {
		t.Fatalf("left behind: announced %v, owned %v", ok, r.rec.addrs.Owned())
	}
	r.rec.checkOrdering(t)
}

// Re-added under the same name during its drain, a service starts anew
// (alias on, announced after Rise) and the drain of the old one ends
// without taking the alias away.
func TestReconfigure_ReaddedDuringDrainKeepsAlias(t *testing.T) {
	r := upRig(t)
	r.reconf()
	r.clock.Advance(300 * time.Millisecond)
	r.reconf(r.rigService())
	r.clock.Advance(100 * time.Millisecond) // rounds: rise 2
	if m, ok := r.rec.announced(vip); !ok || m != 1 {
		t.Fatalf("re-added: announced %v at %d, want 1", ok, m)
	}
	r.clock.Advance(2 * time.Second) // the old drain ends
	if m, ok := r.rec.announced(vip); !ok || m != 1 || !r.rec.addrs.Has(vip) {
		t.Fatalf("after the old drain: announced %v at %d, aliased %v", ok, m, r.rec.addrs.Has(vip))
	}
	r.rec.checkOrdering(t)
}

func TestReconfigure_MetricChangeReannouncesOnly(t *testing.T) {
	r := upRig(t)
	k := len(r.rec.history())
	st := r.status()
	sc := r.rigService()
	sc.Metric = 5
	r.reconf(sc)
	ops := r.opsSince(k, vip)
	if len(ops) != 1 || ops[0].what != "announce" || ops[0].metric != 5 {
		t.Errorf("ops %+v, want one announce at 5", ops)
	}
	if got := r.status(); got.State != StateUp || got.Since != st.Since {
		t.Errorf("state %v since %v, want up since %v", got.State, got.Since, st.Since)
	}
}

func TestReconfigure_UnchangedDoesNothing(t *testing.T) {
	r := upRig(t)
	k := len(r.rec.history())
	st := r.status()
	r.reconf(r.rigService())
	r.clock.Advance(time.Second)
	if ops := r.rec.history()[k:]; len(ops) != 0 {
		t.Errorf("ops %+v", ops)
	}
	got := r.status()
	if got.Rounds != st.Rounds+10 || got.Successes != st.Successes+10 {
		t.Errorf("rounds %d→%d, successes %d→%d: cadence or counts disturbed", st.Rounds, got.Rounds, st.Successes, got.Successes)
	}
}

// The new checks replace the old ones; the state carries over: an up
// service stays announced until the new checks fail Fall rounds.
func TestReconfigure_ChecksReplacedWithHysteresisCarryOver(t *testing.T) {
	r := upRig(t)
	failing := &switchCheck{}
	failing.set(errors.New("down"))
	sc := r.rigService()
	sc.Checkers = []health.Checker{failing}
	r.reconf(sc)
	for k := range 2 {
		r.clock.Advance(100 * time.Millisecond)
		if _, ok := r.rec.announced(vip); !ok {
			t.Fatalf("withdrawn after %d failures of fall 3", k+1)
		}
	}
	if old := r.check.calls.Load(); old == 0 {
		t.Fatal("the old check never ran")
	}
	calls := r.check.calls.Load()
	r.clock.Advance(100 * time.Millisecond)
	if _, ok := r.rec.announced(vip); ok {
		t.Fatal("still announced after 3 failures of the new check")
	}
	if got := r.check.calls.Load(); got != calls {
		t.Errorf("the replaced check ran %d more times", got-calls)
	}
	// Down now: a passing check needs rise 2 of its own.
	sc.Checkers = []health.Checker{&switchCheck{}}
	r.reconf(sc)
	r.clock.Advance(100 * time.Millisecond)
	if _, ok := r.rec.announced(vip); ok {
		t.Fatal("announced after 1 success of rise 2")
	}
	r.clock.Advance(100 * time.Millisecond)
	if _, ok := r.rec.announced(vip); !ok {
		t.Fatal("not announced after rise 2")
	}
	r.rec.checkOrdering(t)
}

func TestReconfigure_PrefixesMoveAndSharedRuleHolds(t *testing.T) {
	c := &switchCheck{}
	r := newRig(t, func(s *ServiceConfig) { s.Checkers = []health.Checker{c} })
	smtp := ServiceConfig{Name: "smtp", Prefixes: []netip.Prefix{vip}, Checkers: []health.Checker{c},
		Interval: 100 * time.Millisecond, Rise: 1, Fall: 1, Metric: 1, DrainTime: time.Second}
	imap := ServiceConfig{Name: "imap", Prefixes: []netip.Prefix{vip}, Checkers: []health.Checker{c},
		Interval: 100 * time.Millisecond, Rise: 1, Fall: 1, Metric: 5, DrainTime: time.Second}
	r.reconf(smtp, imap) // before Start: replaces
	if err := r.inst.Start(); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(0)
	if m, _ := r.rec.announced(vip); m != 1 {
		t.Fatalf("shared vip at %d, want smtp's 1", m)
	}
	// vip leaves smtp: still imap's, at 5, alias kept; smtp takes vip2.
	smtp.Prefixes = []netip.Prefix{vip2}
	r.reconf(smtp, imap)
	r.clock.Advance(2 * time.Second)
	if m, ok := r.rec.announced(vip); !ok || m != 5 {
		t.Errorf("vip %v at %d, want imap's 5", ok, m)
	}
	if !r.rec.addrs.Has(vip) || !r.rec.addrs.Has(vip2) {
		t.Errorf("owned %v, want both", r.rec.addrs.Owned())
	}
	if m, ok := r.rec.announced(vip2); !ok || m != 1 {
		t.Errorf("vip2 %v at %d", ok, m)
	}
	// vip leaves imap too: withdrawn, removed after the drain.
	imap.Prefixes = []netip.Prefix{vip2}
	r.reconf(smtp, imap)
	if _, ok := r.rec.announced(vip); ok {
		t.Error("vip announced with no service")
	}
	r.clock.Advance(2 * time.Second)
	if r.rec.addrs.Has(vip) {
		t.Error("vip's alias still on the host")
	}
	st := r.inst.Services()
	if len(st) != 2 || len(st[0].Prefixes) != 1 || st[0].Prefixes[0].Prefix != vip2 {
		t.Errorf("services %+v", st)
	}
	r.rec.checkOrdering(t)
}

func TestReconfigure_InvalidChangesNothing(t *testing.T) {
	r := upRig(t)
	k := len(r.rec.history())
	bad := r.rigService()
	bad.Prefixes = nil
	if err := r.inst.Reconfigure(context.Background(), Config{Services: []ServiceConfig{bad}}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("no prefixes: %v", err)
	}
	foreign := netip.MustParsePrefix("192.0.2.99/32")
	r.rec.addrs.SetForeign(foreign)
	other := r.rigService()
	other.Name, other.Prefixes = "other", []netip.Prefix{foreign}
	if err := r.inst.Reconfigure(context.Background(), Config{Services: []ServiceConfig{r.rigService(), other}}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("foreign prefix: %v", err)
	}
	r.clock.Advance(time.Second)
	if ops := r.rec.history()[k:]; len(ops) != 0 {
		t.Errorf("ops %+v", ops)
	}
	if st := r.inst.Services(); len(st) != 1 || st[0].State != StateUp {
		t.Errorf("services %+v", st)
	}
}

func TestReconfigure_AfterStop(t *testing.T) {
	r := upRig(t)
	if err := stopAdvancing(t, r.clock, r.inst, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := r.inst.Reconfigure(context.Background(), Config{}); !errors.Is(err, ErrStopped) {
		t.Errorf("after Stop: %v", err)
	}
}

func TestReconfigure_IntervalTakesEffectNextRound(t *testing.T) {
	r := upRig(t) // rounds at 0 and 100ms; the next is due at 200ms
	sc := r.rigService()
	sc.Interval = time.Second
	r.reconf(sc)
	rounds := r.status().Rounds
	r.clock.Advance(900 * time.Millisecond) // 1s after the last round started
	if got := r.status().Rounds; got != rounds {
		t.Errorf("%d rounds before the new interval ran out", got-rounds)
	}
	r.clock.Advance(100 * time.Millisecond)
	if got := r.status().Rounds; got != rounds+1 {
		t.Errorf("%d rounds at the new interval, want 1", got-rounds)
	}
}

func TestReconfigure_PolicyChangeReannouncesOnly(t *testing.T) {
	r := upRig(t)
	k := len(r.rec.history())
	sc := r.rigService()
	sc.Policy = PolicyPeer
	sc.PeerCheckers = []health.Checker{&switchCheck{}}
	r.reconf(sc)
	ops := r.opsSince(k, vip)
	if len(ops) != 1 || ops[0].what != "announce" || ops[0].metric != 1+DefaultPeerRaise {
		t.Errorf("ops %+v, want one announce at %d (peers taken healthy)", ops, 1+DefaultPeerRaise)
	}
	r.clock.Advance(time.Second)
	if m, ok := r.rec.announced(vip); !ok || m != 1+DefaultPeerRaise {
		t.Errorf("announced %v at %d", ok, m)
	}
}

// TestReconfigure_ConcurrentWithRounds reconfigures on the system clock
// while rounds run (run with -race).
func TestReconfigure_ConcurrentWithRounds(t *testing.T) {
	clock := routing.SystemClock()
	rec := newRecorder(clock)
	inst, err := New(Config{}, Env{Clock: clock, Announcer: rec, Addresses: rec.addrs})
	if err != nil {
		t.Fatal(err)
	}
	if err := inst.Start(); err != nil {
		t.Fatal(err)
	}
	for k := range 100 {
		var svcs []ServiceConfig
		for j := range k % 3 {
			svcs = append(svcs, ServiceConfig{Name: fmt.Sprintf("s%d", j), Prefixes: []netip.Prefix{vip, vip2}[:1+j%2],
				Checkers: []health.Checker{&switchCheck{}}, Interval: time.Millisecond, Rise: 1, Fall: 1,
				Metric: uint32(1 + k%5), DrainTime: time.Millisecond})
		}
		if err := inst.Reconfigure(context.Background(), Config{Services: svcs}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Microsecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := inst.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if owned := rec.addrs.Owned(); len(owned) != 0 {
		t.Errorf("left on the host: %v", owned)
	}
	rec.checkOrdering(t)
}

func TestReconfigure_RemovedServiceWithTwoPrefixes(t *testing.T) {
	r := newRig(t, func(s *ServiceConfig) { s.Prefixes = []netip.Prefix{vip, vip2}; s.Rise = 1 })
	if err := r.inst.Start(); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(0)
	r.reconf()
	for _, p := range []netip.Prefix{vip, vip2} {
		if m, ok := r.rec.announced(p); !ok || m != DefaultDrainMetric {
			t.Errorf("%v: announced %v at %d, want the drain metric", p, ok, m)
		}
	}
	r.clock.Advance(time.Second)
	for _, p := range []netip.Prefix{vip, vip2} {
		if _, ok := r.rec.announced(p); ok {
			t.Errorf("%v still announced after the drain", p)
		}
	}
	if owned := r.rec.addrs.Owned(); len(owned) != 0 {
		t.Errorf("left on the host: %v", owned)
	}
}

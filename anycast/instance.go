package anycast

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/health"
)

// Env is what an Instance runs on.
type Env struct {
	// Clock paces the rounds and the drain times; required.
	Clock routing.Clock
	// Logger receives logs; nil discards.
	Logger *slog.Logger
	// Announcer tells the network; required.
	Announcer Announcer
	// Addresses puts the prefixes on the host; required (MemoryAddresses
	// in simulation, NetlinkAddresses on Linux).
	Addresses AddressManager
	// OnEvent, if set, receives the Instance's events after its lock is
	// released, one at a time and in order. It must not block for long; it
	// may call the Instance's methods.
	OnEvent func(Event)
}

// Instance runs the services of one host.
//
// Concurrency: each round runs its checks outside the lock, with a
// context deadline; its result is handled under the lock; the effects
// (announcer and address manager calls) run outside it, serialised by a
// second mutex in the order they were decided, so that Services never
// waits for a slow announcer.
type Instance struct {
	clock   routing.Clock
	log     *slog.Logger
	ann     Announcer
	addrs   AddressManager
	onEvent func(Event)

	effMu sync.Mutex // serialises effects; taken before mu, never after

	mu       sync.Mutex
	started  bool
	stopping bool
	stopped  bool
	services []*service
	byName   map[string]*service
	// leaving are services removed by Reconfigure while healthy, in
	// their DrainMetric phase: still attached to their prefixes until it
	// ends (drainRemoved).
	leaving  []*service
	prefixes map[netip.Prefix]*prefixState
	order    []netip.Prefix // prefixes in configuration order
	idle     chan struct{}  // closed when stopping and nothing is left

	evMu     sync.Mutex
	evq      []Event
	draining bool
}

type namedChecker struct {
	name    string
	check   health.Checker
	timeout time.Duration
}

type service struct {
	cfg         ServiceConfig // with defaults
	checks      []namedChecker
	peers       []namedChecker
	h           health.Hysteresis
	peer        health.Hysteresis // up while the peers are healthy
	state       State
	since       time.Time
	maintAPI    bool
	maintFile   bool
	results     []CheckResult
	peerResults []CheckResult
	// counts are the Passed and Failed of each check by name (name#2
	// for a second check of the same name), the peer checks' under
	// "peer:" and their name.
	counts       map[string][2]uint64
	timer        routing.Timer
	gen          uint64
	due          time.Time
	rounds       uint64
	maxLate      time.Duration
	prefixStates []*prefixState
	// drainUntil is when a drain of a healthy service (maintenance, Stop)
	// ends its DrainMetric phase; zero when not draining. drainTimer
	// syncs the prefixes then.
	drainUntil time.Time
	drainTimer routing.Timer
}

type prefixState struct {
	p           netip.Prefix
	services    []*service
	cover       bool           // a CoverPrefix: no alias of its own
	covered     []*prefixState // of a cover: the service prefixes it covers
	aliased     bool
	announced   bool
	metric      uint32
	withdrawnAt time.Time // when the last withdrawal succeeded
	removal     routing.Timer
	err         string
	// drainFloor is the DrainTime of the services a reconfiguration took
	// the prefix from, kept for its withdrawal (see detach).
	drainFloor time.Duration
}

// New validates cfg and env and returns an Instance; nothing runs until
// Start. A prefix that is another address of the host (HostAddresses not
// Ours) is refused with ErrInvalidConfig.
func New(cfg Config, env Env) (*Instance, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch {
	case env.Clock == nil:
		return nil, fmt.Errorf("%w: env.Clock: is nil (use routing.SystemClock())", ErrInvalidConfig)
	case env.Announcer == nil:
		return nil, fmt.Errorf("%w: env.Announcer: is nil", ErrInvalidConfig)
	case env.Addresses == nil:
		return nil, fmt.Errorf("%w: env.Addresses: is nil", ErrInvalidConfig)
	}
	in := &Instance{clock: env.Clock, log: env.Logger, ann: env.Announcer, addrs: env.Addresses,
		onEvent: env.OnEvent, byName: map[string]*service{}, prefixes: map[netip.Prefix]*prefixState{}}
	if in.log == nil {
		in.log = slog.New(slog.DiscardHandler)
	}
	now := in.clock.Now()
	for _, sc := range cfg.Services {
		d := sc.withDefaults()
		s := &service{cfg: d, h: health.NewHysteresis(d.Rise, d.Fall, false),
			peer: health.NewHysteresis(d.Rise, d.Fall, true), since: now}
		var err error
		if s.checks, err = checkers(d.Checks, d.Checkers, d.Timeout); err != nil {
			return nil, err
		}
		if s.peers, err = checkers(d.PeerChecks, d.PeerCheckers, d.Timeout); err != nil {
			return nil, err
		}
		for _, p := range d.Prefixes {
			ps := in.prefixes[p]
			if ps == nil {
				ps = &prefixState{p: p}
				in.prefixes[p] = ps
				in.order = append(in.order, p)
			}
			ps.services = append(ps.services, s)
			s.prefixStates = append(s.prefixStates, ps)
		}
		for _, c := range d.CoverPrefixes {
			ps := in.prefixes[c]
			if ps == nil {
				ps = &prefixState{p: c, cover: true}
				in.prefixes[c] = ps
				in.order = append(in.order, c)
			}
			for _, p := range d.Prefixes {
				if v := in.prefixes[p]; c.Contains(p.Addr()) && !slices.Contains(ps.covered, v) {
					ps.covered = append(ps.covered, v)
				}
			}
			ps.services = append(ps.services, s)
			s.prefixStates = append(s.prefixStates, ps)
		}
		in.services = append(in.services, s)
		in.byName[d.Name] = s
	}
	if err := in.checkForeign(); err != nil {
		return nil, err
	}
	return in, nil
}

func checkers(cs []CheckConfig, progs []health.Checker, timeout time.Duration) ([]namedChecker, error) {
	var out []namedChecker
	for _, c := range cs {
		ch, err := NewChecker(c)
		if err != nil {
			return nil, err
		}
		t := c.Timeout
		if t == 0 {
			t = timeout
		}
		out = append(out, namedChecker{name: c.label(), check: ch, timeout: t})
	}
	for k, c := range progs {
		out = append(out, namedChecker{name: fmt.Sprintf("checker[%d]", k), check: c, timeout: timeout})
	}
	return out, nil
}

// checkForeign refuses a service prefix that is another address of the
// host, through the address manager's view.
func (in *Instance) checkForeign() error {
	in.mu.Lock()
	cfgs := make([]ServiceConfig, 0, len(in.services))
	for _, s := range in.services {
		cfgs = append(cfgs, s.cfg)
	}
	in.mu.Unlock()
	return in.checkForeignServices(context.Background(), cfgs)
}

// Start puts every prefix's alias on the host and arms each service's
// first round at once; a prefix is announced only after Rise successful
// rounds. It does not block.
func (in *Instance) Start() error {
	in.mu.Lock()
	switch {
	case in.stopped || in.stopping:
		in.mu.Unlock()
		return ErrStopped
	case in.started:
		in.mu.Unlock()
		return ErrStarted
	}
	in.mu.Unlock()
	if err := in.checkForeign(); err != nil {
		return err
	}
	in.mu.Lock()
	in.started = true
	now := in.clock.Now()
	for _, s := range in.services {
		s.due = now
		in.armRound(s, 0)
	}
	order := slices.Clone(in.order)
	in.mu.Unlock()
	in.sync(order) // the aliases first
	return nil
}

// Run is Start, wait for ctx, Stop (bounded by 10 s beyond the longest
// drain time).
func (in *Instance) Run(ctx context.Context) error {
	if err := in.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	var drain time.Duration
	in.mu.Lock() // Reconfigure may change the services
	for _, s := range in.services {
		drain = max(drain, s.cfg.DrainTime)
	}
	for _, ps := range in.prefixes {
		drain = max(drain, ps.drainFloor)
	}
	in.mu.Unlock()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drain+10*time.Second)
	defer cancel()
	return in.Stop(sctx)
}

// Stop drains every service: a healthy one stays announced at DrainMetric
// for DrainTime, so that the network moves to the other replicas while it
// still answers, then is withdrawn and its aliases removed; the prefixes
// of the others are withdrawn at once and their aliases removed DrainTime
// later: withdraw before remove. It returns when
// nothing is left announced or aliased, or when ctx is done; then what is
// left is withdrawn and removed at once and ctx's error is returned.
// Stop leaves no alias and no announcement behind (errors of the
// announcer and the address manager are returned). It is idempotent.
func (in *Instance) Stop(ctx context.Context) error {
	in.mu.Lock()
	if in.stopped {
		in.mu.Unlock()
		return nil
	}
	if !in.stopping {
		in.stopping = true
		in.idle = make(chan struct{})
		now := in.clock.Now()
		for _, s := range in.services {
			s.gen++
			if s.timer != nil {
				s.timer.Stop()
				s.timer = nil
			}
			if s.state == StateUp {
				in.startDrain(s, now)
			}
		}
	}
	idle := in.idle
	order := slices.Clone(in.order)
	in.mu.Unlock()
	in.sync(order)
	var err error
	select {
	case <-idle:
	case <-ctx.Done():
		err = ctx.Err()
	}
	// Whatever is left (a deadline, a failing announcer): withdraw and
	// remove now.
	in.effMu.Lock()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	in.mu.Lock()
	for _, s := range in.services {
		in.endDrain(s)
	}
	for _, s := range in.leaving {
		in.endDrain(s)
	}
	in.mu.Unlock()
	for _, p := range in.coversFirst(in.order) {
		ps := in.prefixes[p]
		in.stopRemoval(ps)
		if ps.announced {
			if e := in.ann.WithdrawPrefix(p); e != nil {
				err = errors.Join(err, fmt.Errorf("anycast: withdraw %v: %w", p, e))
			}
		}
		if ps.aliased {
			if e := in.addrs.Remove(rctx, p); e != nil {
				err = errors.Join(err, fmt.Errorf("anycast: remove %v: %w", p, e))
			}
		}
	}
	in.mu.Lock()
	in.stopped = true
	now := in.clock.Now()
	for _, s := range in.services {
		in.setState(s, StateStopped, now)
	}
	for _, p := range in.order {
		ps := in.prefixes[p]
		if ps.announced {
			in.queue(Event{Kind: EventWithdraw, At: now, Prefix: p})
		}
		if ps.aliased {
			in.queue(Event{Kind: EventAliasRemove, At: now, Prefix: p})
		}
		ps.announced, ps.aliased = false, false
	}
	in.mu.Unlock()
	in.effMu.Unlock()
	in.drainEvents()
	return err
}

// SetMaintenance drains the named service (on) or brings it back (off),
// as its maintenance file does. Back from maintenance, the alias is put
// back and the service needs Rise successful rounds to be announced.
func (in *Instance) SetMaintenance(name string, on bool) error {
	in.mu.Lock()
	s := in.byName[name]
	if s == nil {
		in.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrUnknownService, name)
	}
	if in.stopped || in.stopping {
		in.mu.Unlock()
		return ErrStopped
	}
	s.maintAPI = on
	in.updateMaintenance(s, in.clock.Now())
	ps := s.syncList()
	in.mu.Unlock()
	in.sync(ps)
	return nil
}

// updateMaintenance applies the maintenance switches to s's state. mu
// is held.
func (in *Instance) updateMaintenance(s *service, now time.Time) {
	m := s.maintAPI || s.maintFile
	switch {
	case m && s.state != StateMaintenance:
		if s.state == StateUp {
			in.startDrain(s, now)
		}
		in.setState(s, StateMaintenance, now)
	case !m && s.state == StateMaintenance:
		in.endDrain(s)
		s.h = health.NewHysteresis(s.cfg.Rise, s.cfg.Fall, false)
		in.setState(s, StateDown, now)
	}
}

// startDrain starts the DrainMetric phase of a healthy service leaving
// service (maintenance, Stop): its prefixes stay announced, at
// DrainMetric, for DrainTime, so that every router that has another
// replica moves to it while this one still answers; then they are
// withdrawn and the aliases removed. mu is held.
func (in *Instance) startDrain(s *service, now time.Time) {
	in.endDrain(s)
	s.drainUntil = now.Add(s.cfg.DrainTime)
	ps := s.syncList()
	s.drainTimer = in.clock.AfterFunc(s.cfg.DrainTime, func() { in.sync(ps) })
}

// syncList is what a change of s syncs: its prefixes and covers.
func (s *service) syncList() []netip.Prefix {
	return append(slices.Clip(s.cfg.Prefixes), s.cfg.CoverPrefixes...)
}

// endDrain forgets s's drain. mu is held.
func (in *Instance) endDrain(s *service) {
	if s.drainTimer != nil {
		s.drainTimer.Stop()
		s.drainTimer = nil
	}
	s.drainUntil = time.Time{}
}

// Services returns a snapshot of every service, in configuration order.
func (in *Instance) Services() []ServiceStatus {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]ServiceStatus, 0, len(in.services))
	for _, s := range in.services {
		st := ServiceStatus{Name: s.cfg.Name, State: s.state, Policy: s.cfg.Policy,
			Maintenance: s.maintAPI || s.maintFile, PeerDown: s.cfg.Policy == PolicyPeer && !s.peer.Up(),
			Since: s.since, Successes: s.h.Successes(), Failures: s.h.Failures(),
			Checks: slices.Clone(s.results), PeerChecks: slices.Clone(s.peerResults),
			Rounds: s.rounds, MaxLateness: s.maxLate}
		for _, ps := range s.prefixStates {
			st.Prefixes = append(st.Prefixes, PrefixStatus{Prefix: ps.p, Cover: ps.cover, Aliased: ps.aliased,
				Announced: ps.announced, Metric: ps.metric, Error: ps.err})
		}
		out = append(out, st)
	}
	return out
}

// setState changes s's state and queues the event. mu is held.
func (in *Instance) setState(s *service, to State, now time.Time) {
	if s.state == to {
		return
	}
	in.queue(Event{Kind: EventState, At: now, Service: s.cfg.Name, From: s.state, To: to})
	in.log.Info("anycast: service state", "service", s.cfg.Name, "from", s.state, "to", to)
	s.state, s.since = to, now
}

// armRound arms s's next round d from now. mu is held.
func (in *Instance) armRound(s *service, d time.Duration) {
	g := s.gen
	s.timer = in.clock.AfterFunc(d, func() { in.round(s, g) })
}

// round runs one round of s's checks: outside the lock, each with its
// timeout; then the result under the lock; then the effects.
func (in *Instance) round(s *service, gen uint64) {
	in.mu.Lock()
	if s.gen != gen || in.stopping || in.stopped {
		in.mu.Unlock()
		return
	}
	now := in.clock.Now()
	if late := now.Sub(s.due); late > s.maxLate {
		s.maxLate = late
	}
	s.rounds++
	checks, peers := s.checks, s.peers
	if s.cfg.Policy != PolicyPeer {
		peers = nil
	}
	file := s.cfg.MaintenanceFile
	in.mu.Unlock()

	maintFile := false
	if file != "" {
		_, err := os.Stat(file)
		maintFile = err == nil
	}
	results, err := in.runChecks(checks)
	var peerResults []CheckResult
	var peerErr error
	if len(peers) > 0 {
		peerResults, peerErr = in.runChecks(peers)
	}

	in.mu.Lock()
	if s.gen != gen || in.stopping || in.stopped {
		in.mu.Unlock()
		return
	}
	now = in.clock.Now()
	s.count("", results)
	s.count("peer:", peerResults)
	s.results, s.peerResults = results, peerResults
	s.h.Observe(err)
	if len(peers) > 0 {
		s.peer.Observe(peerErr)
	}
	s.maintFile = maintFile
	in.updateMaintenance(s, now)
	if s.state != StateMaintenance {
		if s.h.Up() {
			in.setState(s, StateUp, now)
		} else {
			in.setState(s, StateDown, now)
		}
	}
	// Rounds are due every Interval from Start, whatever a round took; a
	// round that overran its slot starts the next one at once.
	s.due = s.due.Add(s.cfg.Interval)
	if s.due.Before(now) {
		s.due = now
	}
	in.armRound(s, s.due.Sub(now))
	ps := s.syncList()
	in.mu.Unlock()
	in.sync(ps) // also retries what failed last round
}

// count adds a round's results to s's counts and sets their Passed and
// Failed. mu is held.
func (s *service) count(prefix string, results []CheckResult) {
	if s.counts == nil {
		s.counts = map[string][2]uint64{}
	}
	seen := map[string]int{}
	for k := range results {
		r := &results[k]
		// Two checks may have one name (the same check twice): the
		// second counts as name#2.
		key := prefix + r.Name
		if seen[r.Name]++; seen[r.Name] > 1 {
			key += "#" + strconv.Itoa(seen[r.Name])
		}
		c := s.counts[key]
		if r.OK() {
			c[0]++
		} else {
			c[1]++
		}
		s.counts[key] = c
		r.Passed, r.Failed = c[0], c[1]
	}
}

// runChecks runs checks (concurrently when there are several), each
// under its own timeout, and returns their results and the first error.
func (in *Instance) runChecks(cs []namedChecker) ([]CheckResult, error) {
	out := make([]CheckResult, len(cs))
	errs := make([]error, len(cs))
	run := func(k int) {
		c := cs[k]
		start := in.clock.Now()
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		// A checker that ignores its context is abandoned at the timeout:
		// the round goes on without it.
		done := make(chan error, 1)
		go func() { done <- c.check.Check(ctx) }()
		var err error
		select {
		case err = <-done:
		case <-ctx.Done():
			err = health.ErrTimeout
		}
		if err == nil && ctx.Err() != nil {
			err = health.ErrTimeout // returned only because it was cut
		} else if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("%w (%v)", health.ErrTimeout, err)
		}
		cancel()
		out[k] = CheckResult{Name: c.name, Start: start, Duration: in.clock.Now().Sub(start)}
		if err != nil {
			out[k].Error = err.Error()
		}
		errs[k] = err
	}
	if len(cs) == 1 {
		run(0)
	} else {
		var wg sync.WaitGroup
		for k := range cs {
			wg.Go(func() { run(k) })
		}
		wg.Wait()
	}
	for k, err := range errs {
		if err != nil {
			return out, fmt.Errorf("%s: %w", cs[k].name, err)
		}
	}
	return out, nil
}

package vrrp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/loop"
	"github.com/switchless/routing/vrrp/packet"
)

// Transition reports a state change of a Router.
type Transition struct {
	VRID     uint8
	From, To State
	Reason   Reason
	Time     time.Time
	// Master is the Master's address as known after the change: this
	// router's own when To is Master, the sender of the last accepted
	// advertisement otherwise (invalid when unknown).
	Master   netip.Addr
	Priority uint8 // effective priority at the time
}

// Env is what a Router runs on: its clock, logger, transport, address
// manager and event callback. Config is what an operator writes; Env is
// wired by the program.
type Env struct {
	// Clock is the time source; required: routing.SystemClock() on real
	// interfaces, a routing.ManualClock in simulation.
	Clock routing.Clock
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// Transport sends and receives IP protocol 112 (TTL 255) on the
	// router's interface; required. Listen opens one on Linux; a Mux
	// shares one among the virtual routers of an interface.
	Transport routing.Transport
	// Addresses owns and announces the virtual addresses; required.
	// MemoryAddresses only records, for simulations.
	Addresses AddressManager
	// OnEvent, if set, receives the router's events (transitions, track
	// changes) after the router's lock is released, one at a time and in
	// order, on the goroutine that caused them. It must not block for
	// long; it may call the Router's methods (a Stop from OnEvent returns
	// before the shutdown's effects have run: they run as soon as OnEvent
	// returns).
	OnEvent func(Event)
}

// EventKind says what an Event reports.
type EventKind uint8

const (
	// EventTransition: the state changed; Event.Transition says how.
	EventTransition EventKind = iota + 1
	// EventTrack: a track went up or down; Event.Track says which, and
	// the priority that results.
	EventTrack
)

func (k EventKind) String() string {
	switch k {
	case EventTransition:
		return "transition"
	case EventTrack:
		return "track"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// MarshalText implements encoding.TextMarshaler.
func (k EventKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Event is one notification of a Router, delivered to Env.OnEvent.
type Event struct {
	Kind EventKind
	// Time is the clock's time of the event.
	Time time.Time
	// VRID is the router's.
	VRID uint8
	// Transition is set for EventTransition.
	Transition Transition
	// Track is set for EventTrack.
	Track TrackChange
}

// TrackChange reports a track that went up or down.
type TrackChange struct {
	Name string
	Up   bool
	// Err is the failing check's error when a Checker took the track
	// down, empty otherwise.
	Err string
	// Priority and Forced are the router's effective priority and
	// whether a weight-0 track holds it in Backup, after the change.
	Priority uint8
	Forced   bool
}

// Router is one VRRP virtual router on one interface: the state machine
// of RFC 5798 / RFC 3768 driven by a routing.Transport and a
// routing.Clock, owning its virtual addresses through an AddressManager.
//
// Every input (a received packet, a timer, an API call) is handled to
// completion under the router's lock (a loop.Mutex): a packet delivered
// while it is held is copied and queued, never waited for, and handled
// before the lock is released. The AddressManager and the OnEvent
// callback run after the lock is released, in order.
type Router struct {
	cfg Config
	// handleRx is deliver's handler, made once: a method value built
	// per packet would cost an allocation on every receive.
	handleRx func(routing.Packet)
	tr       routing.Transport
	addrs    AddressManager
	on       func(Event)
	log      *slog.Logger
	baseLog  *slog.Logger // Env.Logger, for a Reconfigure before Start
	clock    routing.Clock
	local    netip.Addr
	group    netip.Addr
	ctx      context.Context // for dataplane calls and checks; cancelled by Stop
	stop     context.CancelFunc

	// mu is held while an event is handled. A delivery that finds it held
	// posts itself instead of waiting (see deliver).
	mu       loop.Mutex
	running  bool
	starting bool // Start is opening the transport
	stopped  bool
	m        machine
	tracks   []*trackState

	adver, down     loop.Slot // Adver_Timer, Master_Down_Timer
	downSkew        bool
	downDeadline    time.Time
	announceDelay   loop.Slot
	announceRefresh loop.Slot
	announceBurst   []*loop.Slot

	stats Counters
	conf  conflicts
	rx    packet.Advertisement
	tx    packet.Advertisement
	buf   []byte

	fxMu      sync.Mutex
	fxDone    *sync.Cond // signalled when a drainer finishes
	fx        []effect
	draining  bool
	notifying bool // the drainer is inside OnEvent
	// cancelWhenDrained: Stop ran from OnEvent, so the drainer cancels
	// ctx once the shutdown's effects have run.
	cancelWhenDrained bool
}

// New returns a Router for cfg on env. It validates cfg and checks env: a
// nil clock, transport or address manager is an error wrapping
// ErrInvalidConfig. Nothing runs until Start.
func New(cfg Config, env Env) (*Router, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch {
	case env.Clock == nil:
		return nil, fmt.Errorf("%w: env.Clock: is nil (use routing.SystemClock() on real interfaces)", ErrInvalidConfig)
	case env.Transport == nil:
		return nil, fmt.Errorf("%w: env.Transport: is nil (use vrrp.Listen on a real interface, or a netsim transport)", ErrInvalidConfig)
	case env.Addresses == nil:
		return nil, fmt.Errorf("%w: env.Addresses: is nil (use NewNetlinkAddresses on Linux, or NewMemoryAddresses)", ErrInvalidConfig)
	}
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	cfg.VirtualAddresses = slices.Clone(cfg.VirtualAddresses)
	r := &Router{cfg: cfg, tr: env.Transport, addrs: env.Addresses, on: env.OnEvent, clock: env.Clock, local: cfg.Address.Addr()}
	r.handleRx = r.handle
	r.baseLog = env.Logger
	r.log = env.Logger.With("vrid", cfg.VRID, "iface", cfg.Interface, "version", int(cfg.Version))
	r.group = packet.GroupIPv4
	if !r.local.Is4() {
		r.group = packet.GroupIPv6
	}
	r.ctx, r.stop = context.WithCancel(context.Background())
	r.fxDone = sync.NewCond(&r.fxMu)
	r.m = machine{
		version:      cfg.Version,
		advInterval:  cfg.Interval,
		preempt:      !cfg.NoPreempt,
		preemptDelay: cfg.PreemptDelay,
		primary:      r.local,
		priority:     cfg.Priority,
	}
	for _, t := range cfg.Tracks {
		r.tracks = append(r.tracks, newTrackState(t))
	}
	r.tx = packet.Advertisement{Version: cfg.Version, VRID: cfg.VRID, Interval: cfg.Interval,
		Addresses: cfg.VirtualAddresses, AuthType: cfg.AuthType}
	copy(r.tx.AuthData[:], cfg.Password)
	r.stats.Drops = map[DropReason]uint64{}
	return r, nil
}

// Config returns the router's configuration with defaults applied.
func (r *Router) Config() Config {
	r.mu.Lock()
	defer r.unlock()
	return r.cfg
}

// Start starts the transport, joins the VRRP group (unless unicast peers
// are configured) and fires the Startup event (RFC 5798 §6.4.1). It does
// not block. A Router starts once: a second Start returns ErrStarted,
// Start after Stop ErrStopped.
func (r *Router) Start() error {
	r.mu.Lock()
	switch {
	case r.stopped:
		r.unlock()
		return ErrStopped
	case r.running || r.starting:
		r.unlock()
		return ErrStarted
	}
	r.starting = true
	r.unlock()
	fail := func(err error) error {
		r.mu.Lock()
		r.starting = false
		r.unlock()
		return err
	}
	if err := r.tr.Start(r.deliver); err != nil {
		return fail(fmt.Errorf("vrrp: start transport: %w", err))
	}
	if len(r.cfg.Peers) == 0 {
		if err := r.tr.JoinGroup(r.group); err != nil {
			_ = r.tr.Close()
			return fail(fmt.Errorf("vrrp: join %v: %w", r.group, err))
		}
	}
	r.mu.Lock()
	r.starting = false
	if r.stopped { // Stop ran meanwhile
		r.mu.Unlock()
		_ = r.tr.Close()
		return ErrStopped
	}
	r.running = true
	r.m.priority, r.m.forced = r.effectivePriority()
	r.log.Info("vrrp starting", "priority", r.m.priority, "interval", r.cfg.Interval, "vips", r.cfg.VirtualAddresses)
	tr, acts := r.m.startup(r.clock.Now())
	r.apply(tr, acts)
	for _, t := range r.tracks {
		if t.Checker != nil {
			r.armCheck(t)
		}
	}
	r.unlock()
	return nil
}

// Stop is the Shutdown event (RFC 5798 §6.4.2, §6.4.3): a Master sends a
// last advertisement with priority 0 and gives up its addresses. It then
// closes the transport. ctx bounds the address removal.
func (r *Router) Stop(ctx context.Context) error {
	r.mu.Lock()
	if !r.running {
		r.stopped = true // a Router that never ran does not start later
		r.unlock()
		return nil
	}
	tr, acts := r.m.shutdown(r.clock.Now())
	r.apply(tr, acts)
	r.running = false
	r.stopped = true
	r.stopTimers()
	r.mu.Unlock()
	err := r.flushCtx(ctx, true)
	r.fxMu.Lock()
	if r.notifying {
		// Stop from OnEvent: the drainer up the stack has yet to run
		// the shutdown's effects with r.ctx; it cancels r.ctx when done.
		r.cancelWhenDrained = true
	} else {
		r.stop()
	}
	r.fxMu.Unlock()
	if cerr := r.tr.Close(); cerr != nil && !errors.Is(cerr, net.ErrClosed) {
		err = errors.Join(err, cerr)
	}
	return err
}

// Run starts the router, waits for ctx to be done and stops it, giving the
// shutdown five seconds.
func (r *Router) Run(ctx context.Context) error {
	if err := r.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return r.Stop(sctx)
}

// State returns the current state.
func (r *Router) State() State {
	r.mu.Lock()
	defer r.unlock()
	return r.m.state
}

// Master returns the address of the current Master: this router's when it
// is Master, else the source of the last advertisement accepted, or the
// zero Addr when unknown.
func (r *Router) Master() netip.Addr {
	r.mu.Lock()
	defer r.unlock()
	return r.m.master
}

// SetTrack sets the state of a track without a Checker (for example an
// interface's link state) and applies the resulting priority at once.
func (r *Router) SetTrack(name string, up bool) error {
	r.mu.Lock()
	i := slices.IndexFunc(r.tracks, func(t *trackState) bool { return t.Name == name })
	if i < 0 {
		r.unlock()
		return fmt.Errorf("%w: %q", ErrNoTrack, name)
	}
	if r.tracks[i].h.Set(up) {
		r.trackChanged(i)
	}
	r.unlock()
	return nil
}

// trackChanged re-evaluates the priority after track i went up or down,
// and reports the change. r.mu is held.
func (r *Router) trackChanged(i int) {
	t := r.tracks[i]
	up := t.h.Up()
	prio, forced := r.effectivePriority()
	r.log.Info("vrrp track changed", "track", t.Name, "up", up, "priority", prio, "forced", forced)
	if r.on != nil {
		ch := TrackChange{Name: t.Name, Up: up, Priority: prio, Forced: forced}
		if !up {
			ch.Err = t.lastErr
		}
		r.enqueue(effect{kind: fxNotify, ev: Event{Kind: EventTrack, Time: r.clock.Now(), VRID: r.cfg.VRID, Track: ch}})
	}
	if !r.running {
		r.m.priority, r.m.forced = prio, forced
		return
	}
	if prio == r.m.priority && forced == r.m.forced {
		return
	}
	tr, acts := r.m.setPriority(r.clock.Now(), prio, forced)
	r.apply(tr, acts)
}

// effectivePriority applies the failing tracks to the configured priority.
func (r *Router) effectivePriority() (uint8, bool) {
	prio := int(r.cfg.Priority)
	forced, lowered := false, false
	for _, t := range r.tracks {
		if t.h.Up() {
			continue
		}
		if t.Weight == 0 {
			forced = true
			continue
		}
		prio -= t.Weight
		lowered = true
	}
	if lowered {
		prio = max(1, min(prio, 254))
	}
	return uint8(prio), forced
}

// apply carries out the actions of the state machine. r.mu is held.
func (r *Router) apply(tr *transition, acts []action) {
	now := r.clock.Now()
	for _, a := range acts {
		switch a.kind {
		case actSend:
			r.send(a.priority)
		case actArmAdver:
			r.armAdver(a.d)
		case actStopAdver:
			r.stopAdver()
		case actArmMasterDown:
			r.armDown(a.d, a.skew)
		case actCapMasterDown:
			if r.downDeadline.IsZero() || now.Add(a.d).Before(r.downDeadline) {
				r.armDown(a.d, r.downSkew)
			}
		case actStopMasterDown:
			r.stopDown()
		case actTakeAddresses:
			r.enqueue(effect{kind: fxAdd, addrs: r.cfg.VirtualAddresses})
			r.startAnnouncing()
		case actReleaseAddresses:
			r.stopAnnouncing()
			r.enqueue(effect{kind: fxRemove, addrs: r.cfg.VirtualAddresses})
		case actReannounce:
			r.stats.Reannouncements++
			r.log.Warn("vrrp another master was heard; announcing again")
			r.burst()
		}
	}
	if tr == nil {
		return
	}
	r.stats.Transitions++
	if r.stats.TransitionReasons == nil {
		r.stats.TransitionReasons = map[Reason]uint64{}
	}
	r.stats.TransitionReasons[tr.reason]++
	if tr.to == Master {
		r.stats.BecameMaster++
	}
	ev := Transition{VRID: r.cfg.VRID, From: tr.from, To: tr.to, Reason: tr.reason, Time: now,
		Master: r.m.master, Priority: r.m.priority}
	r.log.Info("vrrp transition", "from", tr.from, "to", tr.to, "reason", tr.reason, "master", r.m.master)
	if r.on != nil {
		r.enqueue(effect{kind: fxNotify, ev: Event{Kind: EventTransition, Time: now, VRID: r.cfg.VRID, Transition: ev}})
	}
}

// send transmits one advertisement with prio to the group or every peer.
func (r *Router) send(prio uint8) {
	r.tx.Priority = prio
	dsts := r.cfg.Peers
	if len(dsts) == 0 {
		dsts = []netip.Addr{r.group}
	}
	for _, dst := range dsts {
		b, err := r.tx.AppendBinary(r.buf[:0], r.local, dst, r.cfg.Checksum)
		if err != nil { // cannot happen with a validated Config
			r.log.Error("vrrp encode", "err", err)
			return
		}
		r.buf = b
		if err := r.tr.Send(dst, b); err != nil {
			r.stats.SendErrors++
			r.log.Warn("vrrp send", "dst", dst, "err", err)
			continue
		}
		r.stats.Sent++
		if prio == 0 {
			r.stats.SentPriorityZero++
		}
	}
}

// onTimer is the run of every timer slot: the timer's body is one event,
// handled under the lock while the router runs, its effects after.
func (r *Router) onTimer(body func()) {
	r.mu.Lock()
	if r.running {
		body()
	}
	r.unlock()
}

// unlock releases the router's lock, which first runs the deliveries
// posted while it was held, then carries out the effects decided by the
// event and by those deliveries, outside the lock. Every event ends so.
func (r *Router) unlock() {
	r.mu.Unlock()
	r.flush()
}

// armAdver (re)arms Adver_Timer (RFC 5798 §6.4.3).
func (r *Router) armAdver(d time.Duration) {
	due := r.clock.Now().Add(d)
	r.adver.Arm(r.clock, d, r.onTimer, func() {
		now := r.clock.Now()
		tr, acts := r.m.adverTimer(now, now.Sub(due))
		if tr != nil {
			r.log.Warn("vrrp: Adver_Timer fired late: paused past the Backups' Master_Down_Interval; stepping down", "late", now.Sub(due))
		}
		r.apply(tr, acts)
	})
}

func (r *Router) stopAdver() { r.adver.Stop() }

// armDown (re)arms Master_Down_Timer (RFC 5798 §6.4.2); skew tells that
// it runs for Skew_Time after a priority-0 advertisement.
func (r *Router) armDown(d time.Duration, skew bool) {
	r.downSkew = skew
	r.downDeadline = r.clock.Now().Add(d)
	r.down.Arm(r.clock, d, r.onTimer, func() {
		r.downDeadline = time.Time{}
		tr, acts := r.m.masterDown(r.clock.Now(), r.downSkew)
		r.apply(tr, acts)
	})
}

func (r *Router) stopDown() {
	r.down.Stop()
	r.downDeadline = time.Time{}
}

func (r *Router) stopTimers() {
	r.stopAdver()
	r.stopDown()
	r.stopAnnouncing()
	for _, t := range r.tracks {
		t.slot.Stop()
	}
}

// startAnnouncing schedules the announcements of a new Master: a burst of
// Count now, another after Delay, and one every Refresh.
func (r *Router) startAnnouncing() {
	r.stopAnnouncing()
	r.burst()
	a := r.cfg.Announce
	if a.Delay > 0 {
		r.announceDelay.Arm(r.clock, a.Delay, r.onTimer, r.burst)
	}
	if a.Refresh > 0 {
		r.armRefresh()
	}
}

func (r *Router) armRefresh() {
	r.announceRefresh.Arm(r.clock, r.cfg.Announce.Refresh, r.onTimer, func() {
		r.enqueue(effect{kind: fxAnnounce, addrs: r.cfg.VirtualAddresses})
		r.armRefresh()
	})
}

// burst announces once now and Count-1 more times, Interval apart. Bursts
// may overlap (a reannouncement during the Delay burst): each pending
// announcement has its own slot.
func (r *Router) burst() { r.burstOf(nil) }

// burstOf is burst for some addresses only (nil: every virtual address
// configured when each announcement is made).
func (r *Router) burstOf(only []netip.Addr) {
	addrs := func() []netip.Addr {
		if only != nil {
			return only
		}
		return r.cfg.VirtualAddresses
	}
	r.enqueue(effect{kind: fxAnnounce, addrs: addrs()})
	r.announceBurst = slices.DeleteFunc(r.announceBurst, func(s *loop.Slot) bool { return !s.Armed() })
	for i := 1; i < r.cfg.Announce.Count; i++ {
		s := new(loop.Slot)
		s.Arm(r.clock, time.Duration(i)*r.cfg.Announce.Interval, r.onTimer, func() {
			r.enqueue(effect{kind: fxAnnounce, addrs: addrs()})
		})
		r.announceBurst = append(r.announceBurst, s)
	}
}

func (r *Router) stopAnnouncing() {
	r.announceDelay.Stop()
	r.announceRefresh.Stop()
	for _, s := range r.announceBurst {
		s.Stop()
	}
	r.announceBurst = r.announceBurst[:0]
}

// effects run outside the mutex, in order.
type effectKind uint8

const (
	fxAdd effectKind = iota + 1
	fxRemove
	fxAnnounce
	fxNotify
)

type effect struct {
	kind  effectKind
	ev    Event
	addrs []netip.Addr // fxAdd, fxRemove, fxAnnounce: decided under the lock
}

func (r *Router) enqueue(e effect) {
	r.fxMu.Lock()
	r.fx = append(r.fx, e)
	r.fxMu.Unlock()
}

func (r *Router) flush() { _ = r.flushCtx(r.ctx, false) }

// flushCtx runs the queued effects unless another goroutine already does
// (then, with wait, it waits for that one to finish and drains what is
// left, unless it is called from OnEvent, whose drainer would wait for
// itself); it returns the errors of the effects it ran.
func (r *Router) flushCtx(ctx context.Context, wait bool) error {
	var errs []error
	r.fxMu.Lock()
	for wait && r.draining && !r.notifying {
		r.fxDone.Wait()
	}
	if r.draining {
		r.fxMu.Unlock()
		return nil
	}
	r.draining = true
	for len(r.fx) > 0 {
		e := r.fx[0]
		r.fx = r.fx[1:]
		r.fxMu.Unlock()
		if err := r.run(ctx, e); err != nil {
			errs = append(errs, err)
		}
		r.fxMu.Lock()
	}
	r.draining = false
	if r.cancelWhenDrained {
		r.stop()
	}
	r.fxDone.Broadcast()
	r.fxMu.Unlock()
	return errors.Join(errs...)
}

func (r *Router) run(ctx context.Context, e effect) error {
	var err error
	vips := e.addrs
	switch e.kind {
	case fxAdd:
		if err = r.addrs.Add(ctx, vips); err != nil {
			err = fmt.Errorf("vrrp: add %v: %w", vips, err)
		}
	case fxRemove:
		if err = r.addrs.Remove(ctx, vips); err != nil {
			err = fmt.Errorf("vrrp: remove %v: %w", vips, err)
		}
	case fxAnnounce:
		if err = r.addrs.Announce(ctx, vips); err != nil {
			err = fmt.Errorf("vrrp: announce %v: %w", vips, err)
		}
	case fxNotify:
		r.fxMu.Lock()
		r.notifying = true
		r.fxMu.Unlock()
		r.on(e.ev)
		r.fxMu.Lock()
		r.notifying = false
		r.fxMu.Unlock()
		return nil
	}
	r.mu.Lock()
	if e.kind == fxAnnounce {
		r.stats.Announcements++
	}
	if err != nil {
		r.stats.DataplaneErrors++
	}
	r.mu.Unlock()
	if err != nil {
		r.log.Error("vrrp dataplane", "err", err)
	}
	return err
}

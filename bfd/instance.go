package bfd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd/packet"
	"github.com/switchless/routing/internal/loop"
)

var _ routing.Liveness = (*Instance)(nil)

// Env is what an Instance runs on.
type Env struct {
	// Clock is required: routing.SystemClock() on real interfaces, a
	// routing.ManualClock in simulation.
	Clock routing.Clock
	// Logger receives the instance's logs; nil discards them.
	Logger *slog.Logger
	// Transports are the IPv4 transports, keyed by interface name: one
	// per configured interface (see Listen). Each receives UDP port 3784
	// and sends to the peer's port 3784 from a port in 49152–65535 with
	// TTL 255 (RFC 5881 §4, §5).
	Transports map[string]routing.UDPTransport
	// Transports6 are the IPv6 transports of the interfaces with IPv6
	// set, likewise.
	Transports6 map[string]routing.UDPTransport
	// OnEvent, if set, is told of the instance's events (see Event), one
	// at a time, outside the instance's lock.
	OnEvent func(Event)
}

func (env Env) validate(cfg Config) error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: env.%s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...))
	}
	if env.Clock == nil {
		return bad("Clock", "is nil (use routing.SystemClock() on real interfaces)")
	}
	names := make(map[string]bool, len(cfg.Interfaces))
	for _, ic := range cfg.Interfaces {
		names[ic.Name] = true
		if env.Transports[ic.Name] == nil {
			return bad("Transports", "has no transport for interface %q", ic.Name)
		}
		if ic.IPv6 && env.Transports6[ic.Name] == nil {
			return bad("Transports6", "has no transport for interface %q, which has ipv6 set", ic.Name)
		}
	}
	for _, m := range []struct {
		field string
		trs   map[string]routing.UDPTransport
	}{{"Transports", env.Transports}, {"Transports6", env.Transports6}} {
		for n := range m.trs {
			if !names[n] {
				return bad(m.field, "has a transport for %q, which is not a configured interface", n)
			}
		}
	}
	return nil
}

// iface is one configured interface.
type iface struct {
	cfg      InterfaceConfig // with defaults
	tr4, tr6 routing.UDPTransport
	started  []routing.UDPTransport
}

func (f *iface) transport(peer netip.Addr) routing.UDPTransport {
	if peer.Is4() {
		return f.tr4
	}
	return f.tr6
}

type sessKey struct {
	ifc  string
	peer netip.Addr
}

// Instance runs the BFD sessions of one host: those its clients ask for
// through Watch (it implements routing.Liveness) and the static peers of
// its Config. Every event (a packet, a timer, an API call) is handled to
// completion under one lock; client notifications and events are
// delivered after it, one at a time and in order.
type Instance struct {
	mu    loop.Mutex
	cfg   Config
	env   Env
	log   *slog.Logger
	rnd   *rand.Rand
	ifcs  map[string]*iface
	order []string

	sessions map[sessKey]*session
	byDisc   map[uint32]*session
	started  bool
	stopped  bool
	nextW    uint64
	rx       packet.Control // receive scratch
	txBuf    []byte
	stats    Stats

	effMu    sync.Mutex
	effects  []func()
	draining bool
}

// Stats are the instance's counters. Packets dropped are counted by the
// rule of RFC 5880 §6.8.6 (and RFC 5881 §5) that discards them; none of
// them changes any session.
type Stats struct {
	Received, Sent uint64
	// SendErrors counts transport Send failures.
	SendErrors uint64
	// DroppedTTL: a TTL or hop limit other than 255 (RFC 5881 §5).
	DroppedTTL uint64
	// DroppedMalformed: the packet did not decode (version, lengths).
	DroppedMalformed uint64
	// DroppedInvalid: Detect Mult zero, Multipoint set, My
	// Discriminator zero, or a zero Your Discriminator outside Down.
	DroppedInvalid uint64
	// DroppedNoSession: Your Discriminator matches no session, or a zero
	// one and no session to that source on that interface.
	DroppedNoSession uint64
	// DroppedAuth: the A bit does not match the session's
	// authentication, or the password or digest is wrong (§6.7).
	DroppedAuth uint64
	// DroppedReplay: a keyed packet whose sequence number is out of the
	// window (§6.7.3, §6.7.4).
	DroppedReplay uint64
}

// New validates cfg and env and returns a stopped Instance.
func New(cfg Config, env Env) (*Instance, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := env.validate(cfg); err != nil {
		return nil, err
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = uint64(env.Clock.Now().UnixNano())
	}
	in := &Instance{
		cfg:      cfg,
		env:      env,
		log:      log,
		rnd:      rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		ifcs:     make(map[string]*iface, len(cfg.Interfaces)),
		sessions: make(map[sessKey]*session),
		byDisc:   make(map[uint32]*session),
		txBuf:    make([]byte, 0, packet.MaxLen),
	}
	for _, ic := range cfg.Interfaces {
		f := &iface{cfg: ic.withDefaults(), tr4: env.Transports[ic.Name]}
		if ic.IPv6 {
			f.tr6 = env.Transports6[ic.Name]
		}
		in.ifcs[ic.Name] = f
		in.order = append(in.order, ic.Name)
	}
	return in, nil
}

func (in *Instance) lock() { in.mu.Lock() }

// unlock releases the lock (running deliveries queued meanwhile), then
// runs the effects queued so far, in order.
func (in *Instance) unlock() {
	in.mu.Unlock()
	in.drain()
}

// unlockLater releases the lock and has the queued effects run on the
// clock, not on this call stack: Watch and release never call notify
// themselves (routing.Liveness).
func (in *Instance) unlockLater() {
	in.mu.Unlock()
	in.effMu.Lock()
	pending := len(in.effects) > 0
	in.effMu.Unlock()
	if pending {
		in.env.Clock.AfterFunc(0, in.drain)
	}
}

// effect queues f to run after the lock is released. Called with mu held.
func (in *Instance) effect(f func()) {
	in.effMu.Lock()
	in.effects = append(in.effects, f)
	in.effMu.Unlock()
}

func (in *Instance) emit(e Event) {
	if in.env.OnEvent != nil {
		in.effect(func() { in.env.OnEvent(e) })
	}
}

// drain runs queued effects unless another call up some stack is
// already running them (it will run these too, in order).
func (in *Instance) drain() {
	in.effMu.Lock()
	if in.draining {
		in.effMu.Unlock()
		return
	}
	in.draining = true
	for len(in.effects) > 0 {
		f := in.effects[0]
		in.effects[0] = nil
		in.effects = in.effects[1:]
		in.effMu.Unlock()
		f()
		in.effMu.Lock()
	}
	in.effects = nil
	in.draining = false
	in.effMu.Unlock()
}

// run is the timers' wrapper: the body runs under the lock, while the
// instance runs, and the effects after it.
func (in *Instance) run(body func()) {
	in.lock()
	if in.started && !in.stopped {
		body()
	}
	in.unlock()
}

// Start starts the transports and the static sessions. It does not
// block.
func (in *Instance) Start() error {
	in.lock()
	defer in.unlock()
	switch {
	case in.stopped:
		return ErrStopped
	case in.started:
		return ErrStarted
	}
	in.started = true
	var errs []error
	for _, name := range in.order {
		f := in.ifcs[name]
		for _, tr := range []routing.UDPTransport{f.tr4, f.tr6} {
			if tr == nil {
				continue
			}
			if err := tr.Start(in.deliverer(f)); err != nil {
				errs = append(errs, fmt.Errorf("bfd: interface %s: start transport: %w", name, err))
				continue
			}
			f.started = append(f.started, tr)
		}
	}
	for _, p := range in.cfg.Peers {
		s := in.session(in.ifcs[p.Interface], p.Local, p.Peer.Unmap())
		s.static = true
	}
	return errors.Join(errs...)
}

func (in *Instance) deliverer(f *iface) func(routing.Packet) {
	handle := func(p routing.Packet) {
		if in.started && !in.stopped {
			in.receive(f, p)
		}
	}
	return func(p routing.Packet) { in.mu.Deliver(p, handle, in.unlock) }
}

// Stop takes every session AdminDown (RFC 5880 §6.8.16) so that peers
// and their clients do not treat the stop as a failure (RFC 5882 §3.2),
// sends that state to each peer DetectMult times back to back (the RFC's
// "for a Detection Time" would hold the stop for up to seconds; a peer
// that misses all of them times the session out), and closes the
// transports. Clients are not notified: AdminDown is not a failure. ctx
// bounds closing the transports.
func (in *Instance) Stop(ctx context.Context) error {
	in.lock()
	if in.stopped || !in.started {
		wasStarted := in.started
		in.stopped = true
		in.unlock()
		if !wasStarted {
			return loop.CloseAll(ctx, in.allTransports())
		}
		return nil
	}
	for _, s := range in.sortedSessions() {
		s.adminDown()
		for range s.detectMult {
			in.send(s, false)
		}
		s.stopTimers()
	}
	in.stopped = true
	var trs []routing.UDPTransport
	for _, name := range in.order {
		trs = append(trs, in.ifcs[name].started...)
	}
	in.unlock()
	return loop.CloseAll(ctx, trs)
}

func (in *Instance) allTransports() []routing.UDPTransport {
	var trs []routing.UDPTransport
	for _, name := range in.order {
		f := in.ifcs[name]
		for _, tr := range []routing.UDPTransport{f.tr4, f.tr6} {
			if tr != nil {
				trs = append(trs, tr)
			}
		}
	}
	return trs
}

// Run starts the instance, waits for ctx to be done, and stops it with a
// fresh 5-second context.
func (in *Instance) Run(ctx context.Context) error {
	if err := in.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return in.Stop(sctx)
}

// Watch implements routing.Liveness: it asks for the session to peer on
// the interface named ifName (creating it if no client or static peer
// has) and registers notify for its Up and failure reports (RFC 5882
// §2). If the session is already Up, notify(true) follows soon, on
// another call stack. local is our address on the link; unset, the
// transport's source is used. Watch before Start is allowed: the session
// starts with the instance.
func (in *Instance) Watch(ifName string, local, peer netip.Addr, notify func(up bool)) (release func(), err error) {
	peer, local = peer.Unmap(), local.Unmap()
	if notify == nil {
		return nil, fmt.Errorf("%w: Watch: notify is nil", ErrInvalidConfig)
	}
	if !peer.IsValid() || peer.IsMulticast() || peer.IsUnspecified() {
		return nil, fmt.Errorf("%w: Watch: peer %v is not a unicast address", ErrInvalidConfig, peer)
	}
	in.lock()
	defer in.unlockLater()
	if in.stopped {
		return nil, ErrStopped
	}
	f := in.ifcs[ifName]
	if f == nil {
		return nil, fmt.Errorf("%w: %q", ErrNoInterface, ifName)
	}
	if f.transport(peer) == nil {
		return nil, fmt.Errorf("%w: Watch: %v on %s: the interface has no IPv6 (interfaces[].ipv6)", ErrInvalidConfig, peer, ifName)
	}
	s := in.session(f, local, peer)
	in.nextW++
	w := &watch{id: in.nextW, notify: notify}
	s.watches = append(s.watches, w)
	if s.state == packet.StateUp {
		in.notify(w, true)
	}
	var once sync.Once
	return func() { once.Do(func() { in.release(s, w) }) }, nil
}

func (in *Instance) release(s *session, w *watch) {
	w.mu.Lock()
	w.released = true
	w.mu.Unlock()
	in.lock()
	defer in.unlockLater()
	for i, x := range s.watches {
		if x == w {
			s.watches = append(s.watches[:i], s.watches[i+1:]...)
			break
		}
	}
	if len(s.watches) == 0 && !s.static && !in.stopped {
		in.retire(s)
	}
}

// watch is one client's interest in a session.
type watch struct {
	id       uint64
	notify   func(bool)
	mu       sync.Mutex
	released bool
}

// notify queues a report to w. The released check is the report's start:
// once release has marked w, no report begins.
func (in *Instance) notify(w *watch, up bool) {
	in.effect(func() {
		w.mu.Lock()
		gone := w.released
		w.mu.Unlock()
		if !gone {
			w.notify(up)
		}
	})
}

// session returns the session to peer on f, creating it.
func (in *Instance) session(f *iface, local, peer netip.Addr) *session {
	k := sessKey{f.cfg.Name, peer}
	if s := in.sessions[k]; s != nil {
		if s.retiring {
			s.revive()
		}
		if !s.local.IsValid() && local.IsValid() {
			s.local = local
		}
		return s
	}
	s := newSession(in, f, local, peer, in.newDiscriminator())
	in.sessions[k] = s
	in.byDisc[s.localDisc] = s
	in.emit(Event{Kind: SessionAdded, Interface: f.cfg.Name, Peer: peer})
	in.log.Debug("bfd: session added", "interface", f.cfg.Name, "peer", peer, "discriminator", s.localDisc)
	s.start()
	return s
}

// newDiscriminator returns a random, unused, non-zero local
// discriminator (RFC 5880 §6.8.1: unique and nonzero, SHOULD be random).
func (in *Instance) newDiscriminator() uint32 {
	for {
		d := in.rnd.Uint32()
		if d != 0 && in.byDisc[d] == nil {
			return d
		}
	}
}

// retire takes a session no one wants AdminDown and deletes it after
// its peer's detection time, sending AdminDown meanwhile (§6.8.16).
func (in *Instance) retire(s *session) {
	s.adminDown()
	in.send(s, false)
	s.retiring = true
	linger := s.remoteDetectTime()
	s.detect.Arm(in.env.Clock, linger, in.run, func() { in.remove(s) })
}

func (in *Instance) remove(s *session) {
	s.stopTimers()
	delete(in.sessions, sessKey{s.ifc.cfg.Name, s.peer})
	delete(in.byDisc, s.localDisc)
	in.emit(Event{Kind: SessionDeleted, Interface: s.ifc.cfg.Name, Peer: s.peer})
}

func (in *Instance) sortedSessions() []*session {
	ss := make([]*session, 0, len(in.sessions))
	for _, s := range in.sessions {
		ss = append(ss, s)
	}
	sort.Slice(ss, func(i, j int) bool {
		if ss[i].ifc.cfg.Name != ss[j].ifc.cfg.Name {
			return ss[i].ifc.cfg.Name < ss[j].ifc.cfg.Name
		}
		return ss[i].peer.Less(ss[j].peer)
	})
	return ss
}

// Stats returns the instance's counters.
func (in *Instance) Stats() Stats {
	in.lock()
	defer in.unlock()
	return in.stats
}

// UpdateInterface changes the session parameters of a configured
// interface at run time. Sessions that are Up change their intervals
// with a Poll Sequence (RFC 5880 §6.5, §6.8.3), without a flap; the new
// authentication applies to the next packet. ic.Name selects the
// interface; IfIndex and IPv6 cannot change.
func (in *Instance) UpdateInterface(ic InterfaceConfig) error {
	if err := ic.validate("interface"); err != nil {
		return err
	}
	in.lock()
	defer in.unlock()
	f := in.ifcs[ic.Name]
	if f == nil {
		return fmt.Errorf("%w: %q", ErrNoInterface, ic.Name)
	}
	if ic.IPv6 != f.cfg.IPv6 {
		return cfgErr("interface.ipv6", "cannot change at run time")
	}
	ic.IfIndex = f.cfg.IfIndex
	f.cfg = ic.withDefaults()
	for _, s := range in.sortedSessions() {
		if s.ifc == f && !s.retiring && !in.stopped {
			s.reconfigure()
		}
	}
	return nil
}

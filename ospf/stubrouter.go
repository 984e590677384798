package ospf

import (
	"fmt"
	"slices"
	"time"

	"github.com/switchless/routing/internal/loop"
	"github.com/switchless/routing/ospf/packet"
)

// This file is RFC 6987 stub router advertisement: while the router
// cannot forward transit traffic well (it has just started and has no
// routes yet, or the operator is taking it out of service), its
// router-LSA gives every link to another router (point-to-point, transit,
// virtual) the cost MaxLinkMetric. The others' SPF still finds paths
// through it, but only where no other path exists; the paths to its own
// stub networks keep their costs (RFC 6987 §2), so traffic addressed to
// the router's own LANs still comes to it. The technique needs nothing
// from the other routers: any RFC 2328 router computes with the cost.

// MaxLinkMetric is the cost RFC 6987 §2 puts on a stub router's links to
// other routers: the largest a router-LSA link can carry.
const MaxLinkMetric = 0xffff

// StubRouter configures RFC 6987 stub router advertisement. The zero
// value is plain RFC 2328: never advertised.
type StubRouter struct {
	// OnStartup, when positive, advertises MaxLinkMetric from Start until
	// the routing table is complete and installed (RFC 6987 §3: "the
	// router is not ready to forward transit traffic"): at least one
	// adjacency is Full, no neighbour is still exchanging its database
	// (ExStart, Exchange or Loading; in one area, one synchronised
	// neighbour brings the whole database), a full SPF calculation has
	// run on that database and its routes are in the FIB. Then the
	// router-LSA is originated again with the configured costs (subject
	// to MinLSInterval, §12.4). OnStartup bounds the wait: at its end the
	// costs return whatever the state. FRR's `max-metric router-lsa
	// on-startup` holds for a fixed time; this ends when the router is
	// ready, and OnStartup is only the upper bound.
	OnStartup time.Duration
	// Administrative advertises MaxLinkMetric for as long as it is set
	// (RFC 6987 §1: taking a router out of the transit path before
	// maintenance; FRR's `max-metric router-lsa administrative`).
	// Reconfigure sets and clears it in place.
	Administrative bool
}

// Validate reports an invalid field.
func (s StubRouter) Validate() error {
	if s.OnStartup < 0 || s.OnStartup > 24*time.Hour {
		return fmt.Errorf("%w: StubRouter.OnStartup = %v: must be 0 (off) to 24h", ErrInvalidConfig, s.OnStartup)
	}
	return nil
}

// stubState is the instance's stub router state, under its mutex.
type stubState struct {
	// startup is set from Start until the routing table is complete and
	// installed, or OnStartup passed.
	startup bool
	// ready is set by the SPF run that found the database synchronised:
	// the startup state ends once its routes are in the FIB.
	ready bool
	timer loop.Slot // OnStartup's bound
	// since is when the startup state began; ended when it ended.
	since, ended time.Time
}

// active reports whether the router-LSA carries MaxLinkMetric now.
func (in *Instance) stubActive() bool {
	return in.stub.startup || in.cfg.StubRouter.Administrative
}

// stubStart begins the startup state (Start).
func (in *Instance) stubStart() {
	d := in.cfg.StubRouter.OnStartup
	if d <= 0 {
		return
	}
	in.stub.startup, in.stub.ready = true, false
	in.rt.stubReady.Store(false)
	in.stub.since, in.stub.ended = in.clock.Now(), time.Time{}
	in.emit(Event{Kind: EventStubRouter, Stub: true})
	in.arm(&in.stub.timer, d, func() {
		if in.stub.startup {
			in.log.Warn("ospf: stub router: on-startup bound reached before the routes were installed; advertising the configured costs",
				"on_startup", d)
			in.stubEnd()
		}
	})
}

// stubResume begins the startup state again when the instance finds it
// was paused (a frozen VM, SIGSTOP): a Hello Timer fired later than the
// interface's RouterDeadInterval, so its neighbours have declared it dead
// (§10.3 InactivityTimer), and the routes it kept through the pause lead
// through adjacencies that are gone. Coming back, it is a router
// starting again, and RFC 6987 §3's reason holds: until its database is
// exchanged again and its routes are back in the FIB, it advertises
// MaxLinkMetric so that no neighbour routes transit traffic through it.
// Only with StubRouter.OnStartup set, which also bounds it.
func (in *Instance) stubResume(late time.Duration) {
	if in.stub.startup || in.cfg.StubRouter.OnStartup <= 0 {
		return
	}
	in.log.Warn("ospf: paused longer than RouterDeadInterval: the neighbors have declared this router dead; advertising as a stub router until the routes are installed again (RFC 6987 §3)",
		"late", late)
	in.stubStart()
	in.orig.dirty = true
}

// stubEnd ends the startup state, under the lock: the router-LSA is
// originated again with the configured costs.
func (in *Instance) stubEnd() {
	if !in.stub.startup {
		return
	}
	in.stub.startup, in.stub.ready = false, false
	in.rt.stubReady.Store(false)
	in.stub.ended = in.clock.Now()
	in.disarm(&in.stub.timer)
	in.orig.dirty = true
	in.log.Info("ospf: stub router: routes installed, advertising the configured costs (RFC 6987 §3)",
		"after", in.stub.ended.Sub(in.stub.since))
	in.emit(Event{Kind: EventStubRouter, Stub: in.stubActive()})
}

// databaseSynchronised reports whether at least one adjacency is Full and
// no neighbour is still exchanging its database: in one area, the
// database then holds everything the routing table needs.
func (in *Instance) databaseSynchronised() bool {
	full := false
	for _, ifc := range in.ifaces {
		for _, n := range ifc.nbrs {
			switch n.state {
			case NbrExStart, NbrExchange, NbrLoading:
				return false
			case NbrFull:
				full = true
			}
		}
	}
	return full
}

// ownRouterLSACurrent reports whether the database holds this router's
// router-LSA as it would build it now: an origination held back by
// MinLSInterval (§12.4) leaves a calculation on the old one, which lacks
// the adjacencies just formed.
func (in *Instance) ownRouterLSACurrent() bool {
	want := in.buildRouterLSA()
	e := in.db.get(want.Header.Key())
	if e == nil || e.isMaxAge(in.clock.Now()) {
		return false
	}
	return e.lsa.Router.Flags == want.Router.Flags && slices.EqualFunc(e.lsa.Router.Links, want.Router.Links, func(a, b packet.RouterLink) bool {
		return a.ID == b.ID && a.Data == b.Data && a.Type == b.Type && a.Metric == b.Metric && slices.Equal(a.TOS, b.TOS)
	})
}

// stubComplete reports whether a calculation now would give the
// complete table: the database is synchronised and holds our own
// router-LSA as it is.
func (in *Instance) stubComplete() bool {
	return in.databaseSynchronised() && in.ownRouterLSACurrent()
}

// stubProgress runs at the end of every input while in the startup
// state (settle). A router in its startup state has no routes to protect
// from churn: RFC 8405's back-off damps an unstable network, and the
// loading of a first database (each LSA an event, easily past
// TIME_TO_LEARN) is not one. So once the database is complete, the
// calculation on it runs after INITIAL_SPF_DELAY, not a SHORT or LONG
// delay later.
func (in *Instance) stubProgress() {
	if in.stub.ready || !in.stubComplete() {
		return
	}
	in.rt.sched.expedite(in.rt.sched.cfg.InitialDelay)
}

// stubSPFRan is called after every full SPF calculation, under the lock.
func (in *Instance) stubSPFRan() {
	if in.stub.startup && in.stubComplete() {
		in.stub.ready = true
		in.rt.stubReady.Store(true)
		if in.rt.fib == nil {
			in.stubEnd() // nothing to install
		}
	}
}

// stubInstalled is called after a FIB write succeeded, outside the lock.
func (rs *routingState) stubInstalled() {
	in := rs.in
	in.mu.Lock()
	if in.life != lifeRunning || !in.stub.ready || rs.fib.pending() {
		in.unlock()
		return
	}
	in.stubEnd()
	in.settleAndUnlock()
}

// applyStub gives the router-LSA's links to other routers MaxLinkMetric
// while the router is a stub router (RFC 6987 §2); stub links keep their
// cost.
func (in *Instance) applyStub(links []packet.RouterLink) {
	if !in.stubActive() {
		return
	}
	for i := range links {
		if links[i].Type != packet.LinkStub {
			links[i].Metric = MaxLinkMetric
		}
	}
}

// StubRouterStatus is the RFC 6987 state of an instance.
type StubRouterStatus struct {
	// Active reports MaxLinkMetric advertised now; Startup that it is
	// the startup state, Administrative the configuration's.
	Active, Startup, Administrative bool
	// Since is when the startup state began, Ended when it ended (zero
	// while it lasts or when it never began).
	Since, Ended time.Time
}

// StubRouter returns the RFC 6987 stub router state.
func (in *Instance) StubRouter() StubRouterStatus {
	in.mu.Lock()
	defer in.unlock()
	return StubRouterStatus{Active: in.stubActive(), Startup: in.stub.startup,
		Administrative: in.cfg.StubRouter.Administrative, Since: in.stub.since, Ended: in.stub.ended}
}

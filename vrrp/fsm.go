package vrrp

import (
	"fmt"
	"github.com/switchless/routing/vrrp/packet"
	"net/netip"
	"time"
)

// State is the state of a virtual router (RFC 5798 §6.4, RFC 3768 §6.4).
type State uint8

const (
	// Initialize waits for the Startup event (RFC 5798 §6.4.1).
	Initialize State = iota
	// Backup monitors the Master (RFC 5798 §6.4.2).
	Backup
	// Master owns and forwards for the virtual addresses (RFC 5798 §6.4.3).
	Master
)

func (s State) String() string {
	switch s {
	case Initialize:
		return "Initialize"
	case Backup:
		return "Backup"
	case Master:
		return "Master"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Reason says why a transition happened.
type Reason uint8

const (
	// ReasonStartup: Startup event, priority below 255 (RFC 5798 §6.4.1).
	ReasonStartup Reason = iota + 1
	// ReasonOwner: Startup event as the address owner, priority 255
	// (RFC 5798 §6.4.1).
	ReasonOwner
	// ReasonMasterDown: Master_Down_Timer fired, no Master was heard
	// (RFC 5798 §6.4.2).
	ReasonMasterDown
	// ReasonMasterShutdown: the Master sent priority 0 and
	// Master_Down_Timer, set to Skew_Time, fired (RFC 5798 §6.4.2).
	ReasonMasterShutdown
	// ReasonPreempted: an advertisement with a higher priority, or the same
	// priority from a higher primary address, arrived while Master
	// (RFC 5798 §6.4.3).
	ReasonPreempted
	// ReasonShutdown: the Shutdown event (RFC 5798 §6.4.2, §6.4.3).
	ReasonShutdown
	// ReasonTracking: a tracked object with weight 0 failed, forcing
	// Backup (this package's tracking; see Track).
	ReasonTracking
	// ReasonPreempting: a Backup whose priority a reconfiguration raised
	// above the Master's (or whose Preempt_Mode it set) heard the
	// lower-priority Master and took over after Skew_Time (RFC 5798 §6.4.2
	// discards that advertisement; see Router.Reconfigure).
	ReasonPreempting
	// ReasonPaused: Adver_Timer fired more than four Advertisement
	// Intervals late, longer than any Backup waits (Master_Down_Interval
	// is 3 × the interval plus a Skew_Time below one): the process or
	// host was paused, a Backup has taken over, and this router steps
	// down silently (an advertisement at its priority would preempt the
	// new Master at once) and comes back as a Backup does (RFC 5798 has
	// no word on a paused Master; this package's rule).
	ReasonPaused
)

func (r Reason) String() string {
	switch r {
	case ReasonStartup:
		return "startup"
	case ReasonOwner:
		return "address owner"
	case ReasonMasterDown:
		return "master down"
	case ReasonMasterShutdown:
		return "master sent priority 0"
	case ReasonPreempted:
		return "preempted"
	case ReasonShutdown:
		return "shutdown"
	case ReasonTracking:
		return "tracking forces backup"
	case ReasonPreempting:
		return "preempting a lower-priority master"
	case ReasonPaused:
		return "paused past master down"
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// actionKind is what the state machine asks its runner to do.
type actionKind uint8

const (
	actSend             actionKind = iota + 1 // send an ADVERTISEMENT with priority
	actArmAdver                               // (re)arm Adver_Timer to d
	actStopAdver                              // cancel Adver_Timer
	actArmMasterDown                          // (re)arm Master_Down_Timer to d
	actStopMasterDown                         // cancel Master_Down_Timer
	actTakeAddresses                          // own the VIPs and announce them (GARP / unsolicited NA)
	actReleaseAddresses                       // give the VIPs up
	actReannounce                             // announce the VIPs again (a split brain resolved)
	actCapMasterDown                          // arm Master_Down_Timer to d unless it runs out sooner
)

type action struct {
	kind     actionKind
	d        time.Duration
	priority uint8
	skew     bool // actArmMasterDown to Skew_Time after a priority-0 advert
}

func (a action) String() string {
	switch a.kind {
	case actSend:
		return fmt.Sprintf("send(prio=%d)", a.priority)
	case actArmAdver:
		return fmt.Sprintf("armAdver(%v)", a.d)
	case actStopAdver:
		return "stopAdver"
	case actArmMasterDown:
		if a.skew {
			return fmt.Sprintf("armMasterDown(skew %v)", a.d)
		}
		return fmt.Sprintf("armMasterDown(%v)", a.d)
	case actStopMasterDown:
		return "stopMasterDown"
	case actTakeAddresses:
		return "takeAddresses"
	case actReleaseAddresses:
		return "releaseAddresses"
	case actReannounce:
		return "reannounce"
	case actCapMasterDown:
		return fmt.Sprintf("capMasterDown(%v)", a.d)
	}
	return "?"
}

// machine is the sans-I/O state machine of one virtual router: events in,
// actions out, time passed in. It owns no timers or sockets.
type machine struct {
	version      packet.Version
	advInterval  time.Duration // Advertisement_Interval, configured
	preempt      bool          // Preempt_Mode
	preemptDelay time.Duration
	primary      netip.Addr // local primary address, for the tie-break

	priority uint8 // effective priority, after tracking
	forced   bool  // a weight-0 tracked object is down: never become Master

	state             State
	masterAdvInterval time.Duration // Master_Adver_Interval (v3, learned)
	master            netip.Addr    // address of the current Master, if known
	lowerSince        time.Time     // first advert from a lower-priority Master, for the preempt delay
	lastReannounce    time.Time
	// preemptNext is set by a reconfiguration in Backup: the next
	// advertisement discarded because we may preempt its sender arms
	// Master_Down_Timer to Skew_Time (preempting tells that it did).
	preemptNext, preempting bool
	out                     []action
}

// skewTime is Skew_Time: RFC 5798 §6.1 ((256-Priority) *
// Master_Adver_Interval / 256) for v3, RFC 3768 §6.1 ((256-Priority)/256 s)
// for v2.
func (m *machine) skewTime() time.Duration {
	if m.version == packet.V2 {
		return time.Duration(256-int(m.priority)) * time.Second / 256
	}
	return time.Duration(256-int(m.priority)) * m.masterAdvInterval / 256
}

// masterDownInterval is Master_Down_Interval: 3 * Master_Adver_Interval +
// Skew_Time (RFC 5798 §6.1), 3 * Advertisement_Interval + Skew_Time for v2
// (RFC 3768 §6.1).
func (m *machine) masterDownInterval() time.Duration {
	if m.version == packet.V2 {
		return 3*m.advInterval + m.skewTime()
	}
	return 3*m.masterAdvInterval + m.skewTime()
}

func (m *machine) emit(kind actionKind, d time.Duration, prio uint8) {
	m.out = append(m.out, action{kind: kind, d: d, priority: prio})
}

// transition is the result of an event that changed the state.
type transition struct {
	from, to State
	reason   Reason
}

// startup is the Startup event (RFC 5798 §6.4.1, RFC 3768 §6.4.1).
func (m *machine) startup(now time.Time) (*transition, []action) {
	m.out = m.out[:0]
	if m.state != Initialize {
		return nil, m.out
	}
	m.masterAdvInterval = m.advInterval
	if m.priority == 255 && !m.forced {
		return m.becomeMaster(now, ReasonOwner), m.out
	}
	m.toBackup(now)
	return &transition{Initialize, Backup, ReasonStartup}, m.out
}

// becomeMaster is the common "transition to Master" of §6.4.1 and §6.4.2:
// send an advertisement, announce the addresses, arm Adver_Timer.
func (m *machine) becomeMaster(now time.Time, why Reason) *transition {
	from := m.state
	m.emit(actStopMasterDown, 0, 0)
	m.emit(actSend, 0, m.priority)
	m.emit(actTakeAddresses, 0, 0)
	m.emit(actArmAdver, m.advInterval, 0)
	m.state = Master
	m.master = m.primary
	m.lowerSince = time.Time{}
	m.preemptNext, m.preempting = false, false
	return &transition{from, Master, why}
}

// toBackup enters Backup with a fresh Master_Down_Timer (RFC 5798 §6.4.1,
// §6.4.3).
func (m *machine) toBackup(now time.Time) {
	m.state = Backup
	m.lowerSince = time.Time{}
	m.preemptNext, m.preempting = false, false
	m.emit(actArmMasterDown, m.masterDownInterval(), 0)
}

// shutdown is the Shutdown event (RFC 5798 §6.4.2, §6.4.3): a Master
// sends one last advertisement with priority 0 so that a Backup takes over
// after Skew_Time rather than Master_Down_Interval.
func (m *machine) shutdown(now time.Time) (*transition, []action) {
	m.out = m.out[:0]
	from := m.state
	switch m.state {
	case Initialize:
		return nil, m.out
	case Backup:
		m.emit(actStopMasterDown, 0, 0)
	case Master:
		m.emit(actStopAdver, 0, 0)
		m.emit(actSend, 0, 0)
		m.emit(actReleaseAddresses, 0, 0)
	}
	m.state = Initialize
	m.master = netip.Addr{}
	return &transition{from, Initialize, ReasonShutdown}, m.out
}

// masterDown is Master_Down_Timer firing in Backup (RFC 5798 §6.4.2).
// afterZero tells that the timer had been shortened to Skew_Time by a
// priority-0 advertisement.
func (m *machine) masterDown(now time.Time, afterZero bool) (*transition, []action) {
	m.out = m.out[:0]
	if m.state != Backup {
		return nil, m.out
	}
	if m.forced {
		// Tracking holds us in Backup: keep watching for a Master.
		m.master = netip.Addr{}
		m.emit(actArmMasterDown, m.masterDownInterval(), 0)
		return nil, m.out
	}
	why := ReasonMasterDown
	switch {
	case afterZero:
		why = ReasonMasterShutdown
	case m.preempting:
		why = ReasonPreempting
	}
	return m.becomeMaster(now, why), m.out
}

// adverTimer is Adver_Timer firing in Master (RFC 5798 §6.4.3), late
// by late (ReasonPaused when that is past any Backup's
// Master_Down_Interval).
func (m *machine) adverTimer(now time.Time, late time.Duration) (*transition, []action) {
	m.out = m.out[:0]
	if m.state != Master {
		return nil, m.out
	}
	if late > 4*m.advInterval {
		m.emit(actReleaseAddresses, 0, 0)
		m.toBackup(now)
		return &transition{Master, Backup, ReasonPaused}, m.out
	}
	m.emit(actSend, 0, m.priority)
	m.emit(actArmAdver, m.advInterval, 0)
	return nil, m.out
}

// advert is a valid ADVERTISEMENT for this virtual router, already past
// every check of RFC 5798 §7.1 (TTL, checksum, VRID, addresses, source).
func (m *machine) advert(now time.Time, src netip.Addr, prio uint8, interval time.Duration) (*transition, []action) {
	m.out = m.out[:0]
	switch m.state {
	case Backup:
		m.backupAdvert(now, src, prio, interval)
	case Master:
		return m.masterAdvert(now, src, prio, interval), m.out
	}
	return nil, m.out
}

// backupAdvert is RFC 5798 §6.4.2 "If an ADVERTISEMENT is received"
// (RFC 3768 §6.4.2 for v2).
func (m *machine) backupAdvert(now time.Time, src netip.Addr, prio uint8, interval time.Duration) {
	if prio == 0 {
		// The Master is leaving: take over after Skew_Time.
		m.preempting = false
		m.out = append(m.out, action{kind: actArmMasterDown, d: m.skewTime(), skew: true})
		return
	}
	preempt := m.preempt || m.priority == 255 // the owner always preempts (§6.1)
	if !preempt || prio >= m.priority || m.forced {
		m.accept(src, interval)
		m.lowerSince = time.Time{}
		return
	}
	// A lower-priority Master and we may preempt: discard the advert so
	// that Master_Down_Timer expires, unless the preempt delay holds us.
	if m.preemptDelay > 0 && m.priority != 255 {
		if m.lowerSince.IsZero() {
			m.lowerSince = now
		}
		if now.Sub(m.lowerSince) < m.preemptDelay {
			m.accept(src, interval)
			return
		}
	}
	if m.preemptNext {
		// A reconfiguration made us able to preempt, and this fresh
		// advertisement shows the Master is inferior: further ones
		// would tell nothing more, so take over after Skew_Time (as
		// after a priority 0 advertisement, so that a better Backup
		// still wins) rather than Master_Down_Interval after the last
		// advertisement accepted.
		m.preemptNext, m.preempting = false, true
		m.emit(actCapMasterDown, m.skewTime(), 0)
	}
}

// accept takes an advertisement as coming from the Master: learn its
// interval (v3) and reset Master_Down_Timer.
func (m *machine) accept(src netip.Addr, interval time.Duration) {
	if m.version == packet.V3 && interval > 0 {
		m.masterAdvInterval = interval
	}
	m.master = src
	m.preemptNext, m.preempting = false, false
	m.emit(actArmMasterDown, m.masterDownInterval(), 0)
}

// masterAdvert is RFC 5798 §6.4.3 "If an ADVERTISEMENT is received"
// (RFC 3768 §6.4.3 for v2).
func (m *machine) masterAdvert(now time.Time, src netip.Addr, prio uint8, interval time.Duration) *transition {
	if prio == 0 {
		// Another router leaves while we are Master: answer at once so
		// that its Backups do not take over after Skew_Time.
		m.emit(actSend, 0, m.priority)
		m.emit(actArmAdver, m.advInterval, 0)
		return nil
	}
	if prio > m.priority || (prio == m.priority && src.Compare(m.primary) > 0) {
		// Step down (§6.4.3), but first advertise once more, as if our
		// Adver_Timer had fired just before: when a split brain heals
		// and the other Master's advertisement reaches us first, ours
		// is what tells it that hosts may have learnt our MAC for the
		// addresses, so that it announces them again (below). In an
		// ordinary preemption the new Master discards it and announces
		// its addresses once more, which is harmless.
		m.emit(actSend, 0, m.priority)
		m.emit(actStopAdver, 0, 0)
		m.emit(actReleaseAddresses, 0, 0)
		if m.version == packet.V3 && interval > 0 {
			m.masterAdvInterval = interval
		}
		m.toBackup(now)
		m.master = src
		return &transition{Master, Backup, ReasonPreempted}
	}
	// Discard: a lower Master exists, so the LAN was split and just healed.
	// Send at once so it steps down, and announce our addresses again so
	// that hosts it misled learn our MAC (at most once per
	// Master_Down_Interval).
	m.emit(actSend, 0, m.priority)
	m.emit(actArmAdver, m.advInterval, 0)
	if m.lastReannounce.IsZero() || now.Sub(m.lastReannounce) >= m.masterDownInterval() {
		m.lastReannounce = now
		m.emit(actReannounce, 0, 0)
	}
	return nil
}

// setPriority applies a new effective priority and forced flag from
// tracking. A Master that becomes forced leaves like a shutdown (priority
// 0 advertisement) but stays in Backup; a Master whose priority drops keeps
// advertising the lower value so that a preempting Backup takes over.
func (m *machine) setPriority(now time.Time, prio uint8, forced bool) (*transition, []action) {
	m.out = m.out[:0]
	m.priority, m.forced = prio, forced
	return m.priorityChanged(now), m.out
}

// priorityChanged is setPriority's effect, appended to m.out.
func (m *machine) priorityChanged(now time.Time) *transition {
	if m.state == Master && m.forced {
		m.emit(actStopAdver, 0, 0)
		m.emit(actSend, 0, 0)
		m.emit(actReleaseAddresses, 0, 0)
		m.toBackup(now)
		m.master = netip.Addr{}
		return &transition{Master, Backup, ReasonTracking}
	}
	if m.state == Master {
		// Advertise the new priority now rather than at the next tick.
		m.emit(actSend, 0, m.priority)
		m.emit(actArmAdver, m.advInterval, 0)
	}
	return nil
}

// reconf is what a reconfiguration changes in the state machine.
type reconf struct {
	advInterval  time.Duration
	preempt      bool
	preemptDelay time.Duration
	priority     uint8
	forced       bool
	// advertise: the advertisement's contents (addresses,
	// authentication, checksum) changed, so a Master sends one now.
	advertise bool
}

// reconfigure applies a new configuration to a running machine
// (Router.Reconfigure). Nothing is sent and no timer is touched for what
// did not change.
//
//   - Master: a forced Master steps down as for tracking; otherwise a
//     new priority, interval or advertisement content is advertised at
//     once (RFC 5798 §6.4.3: Adver_Timer restarts with the new
//     Advertisement_Interval), so that a Backup that now beats it
//     preempts (§6.4.2) and v3 Backups learn the new
//     Master_Adver_Interval.
//   - Backup: becoming the address owner (priority 255) takes over at
//     once, as the owner does at Startup (§6.4.1). Otherwise, if
//     Master_Down_Interval changed (priority for Skew_Time, and the
//     interval for v2, where it is the configured one: RFC 3768 §6.1),
//     Master_Down_Timer is shortened to it if it would run out later, and
//     never lengthened: a Master that is already silent is not given
//     longer. The next lower-priority advertisement preempts after
//     Skew_Time (see backupAdvert).
func (m *machine) reconfigure(now time.Time, c reconf) (*transition, []action) {
	m.out = m.out[:0]
	prevMDI := m.masterDownInterval()
	changed := c.advInterval != m.advInterval || c.priority != m.priority || c.forced != m.forced
	m.advInterval, m.preempt, m.preemptDelay = c.advInterval, c.preempt, c.preemptDelay
	m.priority, m.forced = c.priority, c.forced
	switch m.state {
	case Master:
		if m.forced || changed || c.advertise {
			return m.priorityChanged(now), m.out
		}
	case Backup:
		if m.priority == 255 && !m.forced {
			return m.becomeMaster(now, ReasonOwner), m.out
		}
		if !m.preempt {
			m.lowerSince = time.Time{}
		}
		m.preemptNext = !m.forced
		if mdi := m.masterDownInterval(); mdi != prevMDI {
			m.emit(actCapMasterDown, mdi, 0)
		}
	}
	return nil, m.out
}

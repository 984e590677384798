package vrrp

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/vrrp/packet"
)

// DropReason says why a received packet was discarded. Every drop is
// counted; none changes the router's state.
type DropReason uint8

const (
	// DropTTL: TTL or hop limit not 255 (RFC 3768 §7.1, RFC 5798 §7.1).
	DropTTL DropReason = iota + 1
	// DropTruncated: shorter than the header and address count require.
	DropTruncated
	// DropVersion: not the configured VRRP version.
	DropVersion
	// DropType: not an ADVERTISEMENT.
	DropType
	// DropChecksum: the checksum does not verify.
	DropChecksum
	// DropAuthType: VRRPv2 authentication type IP AH or unknown, or not
	// the configured one (RFC 3768 §5.3.6).
	DropAuthType
	// DropAuth: VRRPv2 simple password mismatch.
	DropAuth
	// DropVRID: the VRID is not this router's (misconfiguration).
	DropVRID
	// DropAddressList: the address list differs from the configured one
	// and the sender is not the owner (misconfiguration, RFC 5798 §7.1).
	DropAddressList
	// DropInterval: VRRPv2 advertisement interval differs from the
	// configured one (misconfiguration, RFC 3768 §7.1).
	DropInterval
	// DropSource: the source is not a unicast peer or not in AllowFrom.
	DropSource
	// DropFamily: bad address family or count.
	DropFamily
	// DropOwner: this router owns the addresses (priority 255), so others'
	// advertisements are discarded (RFC 5798 §7.1).
	DropOwner
	// DropLoop: our own advertisement came back.
	DropLoop
	// DropNotRunning: the router is not started or already stopped.
	DropNotRunning
	dropReasons
)

func (d DropReason) String() string {
	switch d {
	case DropTTL:
		return "ttl"
	case DropTruncated:
		return "truncated"
	case DropVersion:
		return "version"
	case DropType:
		return "type"
	case DropChecksum:
		return "checksum"
	case DropAuthType:
		return "auth-type"
	case DropAuth:
		return "auth"
	case DropVRID:
		return "vrid"
	case DropAddressList:
		return "address-list"
	case DropInterval:
		return "interval"
	case DropSource:
		return "source"
	case DropFamily:
		return "family"
	case DropOwner:
		return "owner"
	case DropLoop:
		return "loop"
	case DropNotRunning:
		return "not-running"
	}
	return fmt.Sprintf("DropReason(%d)", uint8(d))
}

// Counters are a router's statistics.
type Counters struct {
	Received         uint64 // advertisements accepted into the state machine
	Sent             uint64
	SentPriorityZero uint64
	SendErrors       uint64
	Transitions      uint64
	// TransitionReasons counts Transitions by their Reason; reasons never
	// seen are absent.
	TransitionReasons map[Reason]uint64
	BecameMaster      uint64
	Announcements     uint64 // bursts' single announcements made
	Reannouncements   uint64 // after hearing another Master (split brain healed)
	// Misconfigured counts advertisements whose VRID, address list or
	// (VRRPv2) interval disagree with ours (RFC 5798 §7.1), dropped or not.
	Misconfigured   uint64
	DataplaneErrors uint64
	Drops           map[DropReason]uint64
}

// Status is a snapshot of a router, plain values for printing and export.
type Status struct {
	VRID               uint8
	Interface          string
	Version            packet.Version
	State              State
	Master             netip.Addr
	Address            netip.Addr
	VirtualAddresses   []netip.Addr
	ConfiguredPriority uint8
	Priority           uint8 // effective, after tracking
	Forced             bool  // a weight-0 track holds the router in Backup
	Interval           time.Duration
	// MasterAdverInterval is Master_Adver_Interval (v3: learned from the
	// Master) and MasterDownInterval the derived Master_Down_Interval.
	MasterAdverInterval time.Duration
	MasterDownInterval  time.Duration
	// MasterDownIn is the time left on Master_Down_Timer in Backup.
	MasterDownIn time.Duration
	Tracks       []TrackStatus
	Counters     Counters
	// Conflicts are the routers heard disagreeing with this one, by
	// source and reason (at most 64).
	Conflicts []Conflict
}

// TrackStatus is the state of one track.
type TrackStatus struct {
	Name    string
	Up      bool
	Weight  int
	Changes uint64
	LastErr string
}

// Status returns a snapshot of the router.
func (r *Router) Status() Status {
	r.mu.Lock()
	defer r.unlock()
	s := Status{
		VRID: r.cfg.VRID, Interface: r.cfg.Interface, Version: r.cfg.Version, State: r.m.state,
		Master: r.m.master, Address: r.local, VirtualAddresses: append([]netip.Addr(nil), r.cfg.VirtualAddresses...),
		ConfiguredPriority: r.cfg.Priority, Priority: r.m.priority, Forced: r.m.forced, Interval: r.cfg.Interval,
		MasterAdverInterval: r.m.masterAdvInterval, MasterDownInterval: r.m.masterDownInterval(),
		Counters: r.stats,
	}
	if !r.downDeadline.IsZero() {
		s.MasterDownIn = r.downDeadline.Sub(r.clock.Now())
	}
	s.Counters.Drops = make(map[DropReason]uint64, len(r.stats.Drops))
	for k, v := range r.stats.Drops {
		s.Counters.Drops[k] = v
	}
	s.Conflicts = r.conflictList()
	s.Counters.TransitionReasons = maps.Clone(r.stats.TransitionReasons)
	for _, t := range r.tracks {
		s.Tracks = append(s.Tracks, TrackStatus{Name: t.Name, Up: t.h.Up(), Weight: t.Weight, Changes: t.h.Changes(), LastErr: t.lastErr})
	}
	return s
}

// Dropped returns how many packets were dropped for reason.
func (r *Router) Dropped(reason DropReason) uint64 {
	r.mu.Lock()
	defer r.unlock()
	return r.stats.Drops[reason]
}

// deliver is the transport's callback. It never waits for the router's
// lock: a packet that arrives while an event is in progress, on another
// goroutine or further up this one's stack (a transport that delivers
// from inside Send), is copied and posted, and the holder handles it
// before it releases the lock, then carries out its effects.
func (r *Router) deliver(p routing.Packet) {
	r.mu.Deliver(p, r.handleRx, r.unlock)
}

// handle is one received packet as an event. r.mu is held.
func (r *Router) handle(p routing.Packet) {
	if reason := r.receive(p); reason != 0 {
		r.stats.Drops[reason]++
		r.log.Debug("vrrp drop", "src", p.Src, "reason", reason)
	}
}

// receive applies the checks of RFC 5798 §7.1 (RFC 3768 §7.1 for v2) in
// order and feeds a valid advertisement to the state machine. It returns
// the reason of a drop, or 0. r.mu is held.
func (r *Router) receive(p routing.Packet) DropReason {
	if !r.running {
		return DropNotRunning
	}
	if p.Src == r.local {
		return DropLoop
	}
	// §7.1: MUST verify that the IP TTL / hop limit is 255.
	if p.TTL != packet.TTL {
		return DropTTL
	}
	a := &r.rx
	if err := a.Decode(p.Payload, p.Src, p.Dst, r.cfg.Checksum); err != nil {
		return decodeReason(err)
	}
	// §7.1: MUST verify the version.
	if a.Version != r.cfg.Version {
		return DropVersion
	}
	// §7.1: MUST verify that the VRID is configured on the interface.
	if a.VRID != r.cfg.VRID {
		// Only without a Mux (which sorts by VRID and counts the
		// others): a transport of our own that hears other VRIDs.
		r.stats.Misconfigured++
		return DropVRID
	}
	if !r.allowed(p.Src) {
		return DropSource
	}
	if r.cfg.Version == packet.V2 {
		// RFC 2338 §7.1 as kept by RFC 3768: the authentication type must
		// match, and a simple password must be equal.
		if a.AuthType != r.cfg.AuthType {
			return DropAuthType
		}
		if a.AuthType == packet.AuthSimple && a.AuthData != r.tx.AuthData {
			return DropAuth
		}
		// RFC 3768 §7.1: the Adver Interval MUST be the configured one.
		if a.Interval != r.cfg.Interval {
			r.conflict("interval", p.Src, a)
			return DropInterval
		}
	}
	// §7.1: ... and that the local router is not the address owner.
	if r.m.priority == 255 && !r.m.forced {
		return DropOwner
	}
	// §7.1: MAY verify the address list; if it differs, log, and drop
	// unless the sender is the owner (priority 255).
	if !sameAddresses(a.Addresses, r.cfg.VirtualAddresses) {
		r.conflict("address-list", p.Src, a)
		if a.Priority != 255 {
			return DropAddressList
		}
	} else if a.Priority == 255 && !slices.Contains(a.Addresses, p.Src) {
		// The owner's advertisements come from the virtual address it
		// owns; this one claims priority 255 from elsewhere. The RFC
		// accepts it (no check is specified); it is reported.
		r.conflict("owner-claim", p.Src, a)
	}
	r.stats.Received++
	tr, acts := r.m.advert(r.clock.Now(), p.Src, a.Priority, a.Interval)
	r.apply(tr, acts)
	return 0
}

func (r *Router) allowed(src netip.Addr) bool {
	if len(r.cfg.Peers) == 0 && len(r.cfg.AllowFrom) == 0 {
		return true
	}
	for _, p := range r.cfg.Peers {
		if p == src {
			return true
		}
	}
	for _, p := range r.cfg.AllowFrom {
		if p.Contains(src) {
			return true
		}
	}
	return false
}

// sameAddresses compares two address lists as sets, without allocating.
func sameAddresses(a, b []netip.Addr) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			if x == y {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func decodeReason(err error) DropReason {
	switch {
	case errors.Is(err, packet.ErrTruncated):
		return DropTruncated
	case errors.Is(err, packet.ErrVersion):
		return DropVersion
	case errors.Is(err, packet.ErrType):
		return DropType
	case errors.Is(err, packet.ErrChecksum):
		return DropChecksum
	case errors.Is(err, packet.ErrAuthType):
		return DropAuthType
	}
	return DropFamily
}

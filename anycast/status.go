package anycast

import (
	"net/netip"
	"time"
)

// State is a service's state.
type State uint8

const (
	// StateDown: the alias is on the host but the checks have not passed
	// Rise times in a row (at start) or failed Fall times (later); the
	// prefixes are withdrawn or at FailMetric.
	StateDown State = iota
	// StateUp: healthy and announced.
	StateUp
	// StateMaintenance: drained by its maintenance file or SetMaintenance;
	// withdrawn, the alias removed after DrainTime.
	StateMaintenance
	// StateStopped: the Instance stopped.
	StateStopped
)

var stateNames = [...]string{"down", "up", "maintenance", "stopped"}

// String returns the state's lower-case name.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state(?)"
}

// MarshalText implements encoding.TextMarshaler, for `show -json`.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ServiceStatus is a snapshot of one service.
type ServiceStatus struct {
	Name        string
	State       State
	Policy      Policy
	Maintenance bool
	// PeerDown reports, with PolicyPeer, that the peer checks have failed
	// Fall times: a healthy replica then announces its lowered Metric.
	PeerDown bool
	// Since is when State last changed.
	Since time.Time
	// Successes and Failures are the consecutive rounds so far.
	Successes, Failures int
	// Checks and PeerChecks are the last round's results, in
	// configuration order (Checks, then Checkers).
	Checks, PeerChecks []CheckResult
	// Prefixes say what is on the host and what is announced.
	Prefixes []PrefixStatus
	// Rounds counts the check rounds; MaxLateness is the largest delay of a
	// round past its due time (rounds are due every Interval from Start).
	Rounds      uint64
	MaxLateness time.Duration
}

// CheckResult is the outcome of one check.
type CheckResult struct {
	Name     string
	Start    time.Time
	Duration time.Duration
	// Error is empty on success.
	Error string
	// Passed and Failed count the check's results since the Instance
	// started, this one included (a check keeps its counts across a
	// Reconfigure that keeps its name).
	Passed, Failed uint64
}

// OK reports whether the check passed.
func (r CheckResult) OK() bool { return r.Error == "" }

// PrefixStatus is one prefix of a service as the host has it: shared by
// every service that lists it.
type PrefixStatus struct {
	Prefix netip.Prefix
	// Cover: one of the service's CoverPrefixes, which has no alias.
	Cover bool
	// Aliased: the address is on the host's interface.
	Aliased bool
	// Announced and Metric: what the announcer was last told.
	Announced bool
	Metric    uint32
	// Error is the last announcer or address error, empty once a retry
	// succeeded.
	Error string
}

// EventKind says what an Event reports.
type EventKind uint8

const (
	// EventState: a service changed state (From, To).
	EventState EventKind = iota + 1
	// EventAnnounce: a prefix was announced at Metric.
	EventAnnounce
	// EventWithdraw: a prefix was withdrawn.
	EventWithdraw
	// EventAliasAdd and EventAliasRemove: the alias was put on or taken
	// off the host.
	EventAliasAdd
	EventAliasRemove
	// EventError: an announcer or address manager call failed (Err); it is
	// retried.
	EventError
)

var kindNames = [...]string{"?", "state", "announce", "withdraw", "alias-add", "alias-remove", "error"}

// String returns the kind's name.
func (k EventKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(?)"
}

// Event is one notification of Env.OnEvent.
type Event struct {
	Kind    EventKind
	At      time.Time
	Service string       // EventState
	Prefix  netip.Prefix // prefix events
	From    State        // EventState
	To      State        // EventState
	Metric  uint32       // EventAnnounce
	Err     error        // EventError
}

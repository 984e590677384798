package lab

import (
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"
)

// Stack is the control plane the lab runs on the two servers. The campus
// routers run FRR's zebra and ripd with either.
type Stack uint8

const (
	// Ours is examples/anycastd on each server: its embedded RIP speaker
	// toward the campus router and a tcp_banner check every 100 ms.
	Ours Stack = iota
	// Reference is the paper's method: FRR ripd on each server with
	// `redistribute connected metric M` and a cron-style shell loop that
	// checks the service every 60 s and sets metric 16 when it fails.
	Reference
)

func (s Stack) String() string {
	if s == Reference {
		return "reference"
	}
	return "ours"
}

// ParseStack reads "ours" or "reference".
func ParseStack(s string) (Stack, error) {
	switch s {
	case "ours":
		return Ours, nil
	case "reference", "ref", "frr":
		return Reference, nil
	}
	return 0, fmt.Errorf("stack %q: want ours or reference", s)
}

// Mode is the metric configuration of the paper: failover or nearest-site
// load balancing. The two differ only in the metrics the servers announce.
type Mode uint8

const (
	// Failover is MA=1, MB=3: both campuses reach A while it is healthy.
	Failover Mode = iota
	// LB is MA=MB=1: each campus reaches its own server.
	LB
)

func (m Mode) String() string {
	if m == LB {
		return "lb"
	}
	return "failover"
}

// ParseMode reads "failover" or "lb".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "failover":
		return Failover, nil
	case "lb":
		return LB, nil
	}
	return 0, fmt.Errorf("mode %q: want failover or lb", s)
}

// Metrics returns the metrics servers A and B announce in mode m (the
// paper's MA and MB).
func (m Mode) Metrics() (ma, mb uint32) {
	if m == LB {
		return 1, 1
	}
	return 1, 3
}

// Home returns the server each campus's client reaches while both
// servers are healthy: failover sends both to A, load balancing each to
// its own campus's server.
func (m Mode) Home() [2]string {
	if m == LB {
		return [2]string{"a", "b"}
	}
	return [2]string{"a", "a"}
}

// Faults are the scenarios, in the order the lab runs them. Each fault on
// server A is followed by the step that undoes it, measured too.
var Faults = []Fault{
	{ID: "stop", Name: "service stops on a", Undo: "return", UndoName: "service returns on a"},
	{ID: "kill", Name: "a's routing daemon killed (SIGKILL)", Undo: "restart", UndoName: "a's routing daemon restarted"},
	{ID: "poweroff", Name: "a powers off (SIGSTOP, links up, blackholed)", Undo: "boot", UndoName: "a boots"},
	{ID: "drain", Name: "a drained", Undo: "undrain", UndoName: "a back from drain"},
}

// Fault is one scenario and its undoing.
type Fault struct {
	ID, Name       string
	Undo, UndoName string
}

// ParseFaults reads a comma-separated list of fault IDs; empty means all.
func ParseFaults(s string) ([]Fault, error) {
	if s == "" {
		return Faults, nil
	}
	var out []Fault
	for _, id := range strings.Split(s, ",") {
		found := false
		for _, f := range Faults {
			if f.ID == id {
				out = append(out, f)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("scenario %q: want stop, kill, poweroff or drain", id)
		}
	}
	return out, nil
}

// RIPTimers are the RIP timers every RIP speaker of the lab runs.
type RIPTimers struct {
	Update, Timeout, Garbage time.Duration
}

// Fast is `timers basic 5 15 10`, the fastest FRR accepts (every timer at
// least 5 s) and our rip.FastTimers: a powered-off server is forgotten
// after 15 s.
var Fast = RIPTimers{5 * time.Second, 15 * time.Second, 10 * time.Second}

// RFC are RFC 2453's 30/180/120 s, FRR's defaults and the paper's.
var RFC = RIPTimers{30 * time.Second, 180 * time.Second, 120 * time.Second}

// Options configure one lab run: one stack, one mode, a list of faults.
type Options struct {
	Stack Stack
	Mode  Mode
	// Faults are run in order, each followed by its undoing; nil runs
	// Faults.
	Faults []Fault
	// Timers are the RIP timers of routers and servers; zero means Fast.
	Timers RIPTimers
	// OursUpdate is the regular update interval of anycastd's RIP speaker
	// on the servers (Ours only); zero means Timers.Update. The routers'
	// timers stay Timers: a server that sends more often gets its
	// alternative to the routers sooner (they keep only the best route,
	// so a withdrawn a's campuses wait for b's next update).
	OursUpdate time.Duration
	// OursTrigger, when set, is the damping of the servers' triggered
	// updates (Ours only): trigger_min OursTrigger, trigger_max twice
	// that, instead of RFC 2453 §3.10.1's 1 to 5 s. A host originating
	// one route has no storm to damp; its withdrawal then leaves at once.
	OursTrigger time.Duration
	// Cover: b, the failover backup, also announces the VIP's covering
	// /31 (Ours only; anycast.ServiceConfig.CoverPrefixes), which the
	// routers fall back to by longest-prefix match the moment a's /32 is
	// withdrawn, before RIP carries b's /32.
	Cover bool
	// Anycastd is the anycastd binary (required for Ours).
	Anycastd string
	// Helper is a binary whose `serve` subcommand runs Serve: the lab's
	// own (os.Executable in examples/anycastlab). Required.
	Helper string
	// Dir holds configurations and logs; empty means a temporary
	// directory, removed at the end unless Keep.
	Dir  string
	Keep bool
	// Out receives the timeline; nil discards.
	Out io.Writer
	// Prefix starts every namespace name; empty means "al".
	Prefix string
	// Settle is how long every probe of both campuses must reach the
	// expected server before a step ends; zero means 6 s: FRR damps a
	// triggered update for up to 5 s after the previous one (RFC 2453
	// §3.10.1), so a fault sooner would measure the damping of the
	// previous step's updates rather than its own convergence.
	Settle time.Duration
	// StepTimeout bounds each step; zero means 60 s plus three RIP
	// timeouts plus the settle time.
	StepTimeout time.Duration
}

// VIP is the anycast service address on the loopback of both servers.
var VIP = netip.MustParsePrefix("198.18.0.25/32")

// CoverPrefix is the VIP's covering /31 that b announces with Options.Cover.
var CoverPrefix = netip.MustParsePrefix("198.18.0.24/31")

// Port is the service's TCP port: SMTP.
const Port = 25

// ProbeInterval is the period of each client's TCP probes to the VIP.
const ProbeInterval = 10 * time.Millisecond

// ProbeTimeout bounds one probe: connect and read the banner.
const ProbeTimeout = 150 * time.Millisecond

// Result is one step of one run, seen from both campuses.
type Result struct {
	Stack Stack
	Mode  Mode
	ID    string
	Name  string
	// Campus are the clients c1 (campus 1) and c2 (campus 2).
	Campus [2]CampusResult
	// Settled reports that both campuses reached the expected servers,
	// and kept reaching them for the settle time, within the step's
	// timeout; Took is how long the step lasted.
	Settled bool
	Took    time.Duration
}

// CampusResult is what one client saw during a step.
type CampusResult struct {
	// Want is the server the client should reach at the end; Got is the
	// server that answered its last probe ("" for none).
	Want, Got string
	// Outage is the longest run of failed probes times ProbeInterval;
	// Lost counts every failed probe.
	Outage time.Duration
	Lost   int
	// Moved is the time from the fault to the first probe of the final
	// stretch answered by Want (zero if it never moved away).
	Moved time.Duration
}

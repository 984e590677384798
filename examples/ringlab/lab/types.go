package lab

import (
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/switchless/routing/ring"
)

// Stack is the control plane the lab runs on the ring's nodes.
type Stack uint8

const (
	// Ours is examples/ringd on every node.
	Ours Stack = iota
	// FRR is the reference: FRR's zebra and ospfd on every node (and
	// bfdd with the fast profile), staticd for the edges' static
	// default, keepalived for VRRP at the edges.
	FRR
)

func (s Stack) String() string {
	if s == FRR {
		return "frr"
	}
	return "ours"
}

// Options configure a lab run.
type Options struct {
	// N is the number of ring nodes; 0 means 5.
	N int
	// Profile is the timer profile. For Ours it is the ring's profile;
	// for FRR, ProfileFast means `ip ospf dead-interval minimal
	// hello-multiplier 4` and keepalived VRRPv3 with advert_int 0.1, and
	// ProfileRFC hello 1 s, dead 3 s and keepalived VRRPv2 every 1 s.
	Profile ring.Profile
	Stack   Stack
	// Ringd is the ringd binary (required for Ours).
	Ringd string
	// Dir holds every configuration, runtime directory and log; empty
	// means a new temporary directory, removed at the end unless Keep.
	Dir  string
	Keep bool
	// Out receives the progress and the timeline; nil discards.
	Out io.Writer
	// Prefix starts every namespace name; empty means "rl".
	Prefix string
	// Settle is how long every server must answer (losing at most two
	// probes in a row) before a step ends; 0 means the profile's
	// ring.Profile.QuietTime, at least 6 s (FRR's LSA throttle).
	Settle time.Duration
	// Debug runs ringd with log_level debug (every route it writes).
	Debug bool
	// Steps selects scenarios by ID ("S0", "S1", ...); empty runs all.
	// S0 always runs.
	Steps []string
	// NoEastWest leaves out the east-west probes between servers on
	// different nodes (EastWestPairs), which otherwise run beside the
	// gateway's, one fping per source server at the same interval.
	NoEastWest bool
	// NoUplink builds MeshSpec(N) instead of the paper's ring: no
	// upstream LAN, gateway, VRRP or default, a host address on every
	// node, and the steps without edges (S0, S2, S2r, S3, S3r, S2f,
	// S2fr), measured by the east-west probes alone. The reference runs
	// FRR's zebra, ospfd and bfdd, no keepalived.
	NoUplink bool
}

// Spec returns the ring the options build: ring.PaperSpec(N) or, with
// NoUplink, MeshSpec(N).
func (o Options) Spec() ring.Spec {
	n := o.N
	if n == 0 {
		n = 5
	}
	if o.NoUplink {
		return MeshSpec(n, o.Profile)
	}
	return ring.PaperSpec(n, o.Profile)
}

// MeshSpec is a ring of n nodes without uplink, as the simulator's
// no-uplink tests build it: n1 … nN, each serving 10.i.0.0/24 (the node
// at .1) and carrying the host address 10.254.254.i/32, ring links
// carved from 10.255.0.0/24. With n = 3 it is the full mesh of a
// three-node storage cluster; examples/ringlab/testdata/mesh3.yaml is
// its ringd configuration, for ringsim -config.
func MeshSpec(n int, p ring.Profile) ring.Spec {
	s := ring.Spec{LinkPool: netip.MustParsePrefix("10.255.0.0/24"), Profile: p}
	for i := range n {
		s.Nodes = append(s.Nodes, ring.NodeSpec{Name: fmt.Sprintf("n%d", i+1), LANs: []netip.Prefix{
			netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i + 1), 0, 1}), 24),
			netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 254, 254, byte(i + 1)}), 32),
		}})
	}
	return s
}

// ProbeInterval is the period of the gateway's probes to each server.
const ProbeInterval = 10 * time.Millisecond

// Result is the measurement of one scenario.
type Result struct {
	ID, Name string
	// Outage is the longest run of lost probes to one server that was
	// reachable before the fault, times the probe interval (S0: the time
	// until every server answered).
	Outage time.Duration
	// Worst names the server of the longest run and when it began.
	Worst string
	// Converged is the time from the fault until every server of a
	// running node answered and kept answering.
	Converged time.Duration
	// Healed is, for a step that heals the ring (S0, S4, S2r, S3r), the
	// time until the daemons reported it whole: every adjacency Full,
	// the VIP on the master edge and only there.
	Healed time.Duration
	// Reachable reports that every server of a running node answered
	// for the settle time at the end of the step.
	Reachable bool
	// Unreachable lists the servers that did not.
	Unreachable []string
	// Limit is a generous bound on the outage derived from the
	// configured timers (see Limits), zero when none applies; Why says
	// how.
	Limit time.Duration
	Why   string
	// EastWest is the longest run of lost probes between two servers on
	// different nodes (or to a node's host address) that answered
	// before the fault, times the probe interval (S0: the time until
	// every pair answered); EastWestWorst names the pair and when it
	// began. Without uplink they are also Outage and Worst.
	EastWest      time.Duration
	EastWestWorst string
	// EastWestProbed and GatewayProbed report which probes ran.
	EastWestProbed, GatewayProbed bool
}

// WithinLimit reports whether the outage and the east-west outage are
// within Limit (true when no limit applies).
func (r Result) WithinLimit() bool {
	return r.Limit == 0 || (r.Outage <= r.Limit && r.EastWest <= r.Limit)
}

// Limit is a generous outage bound with its reasoning.
type Limit struct {
	Limit time.Duration
	Why   string
}

// Limits are the generous outage bounds the configured timers of the ring
// imply for our stack, by scenario ID, with the reasoning. They are not
// targets (the targets are ten times lower): a scenario that exceeds one
// has waited for a timer it should not have, such as a dead interval when
// a link went down.
func Limits(s ring.Spec) (map[string]Limit, error) {
	cfgs, err := s.BuildAll()
	if err != nil {
		return nil, err
	}
	tm := s.Profile.Timers()
	var hold time.Duration
	var backupPrio uint8
	for _, c := range cfgs {
		hold = max(hold, c.RoutingHold)
		if c.Role == ring.BackupEdge {
			backupPrio = c.VRRP.Priority
		}
	}
	// RFC 5798 §6.1: Master_Down_Interval = 3 × Master_Adver_Interval +
	// Skew_Time, Skew_Time = (256 − Priority) × Master_Adver_Interval /
	// 256, for the backup edge's priority.
	mdi := 3*tm.VRRPInterval + time.Duration(256-int(backupPrio))*tm.VRRPInterval/256
	s0 := fmt.Sprintf("routing hold %v + Master_Down %v + 1 s of daemon start", hold, mdi)
	if !s.Upstream.Prefix.IsValid() {
		// No uplink, no VRRP.
		mdi = 0
		s0 = fmt.Sprintf("routing hold %v + 1 s of daemon start", hold)
	}
	dead := tm.DeadInterval
	deadWhy := fmt.Sprintf("dead interval %v: the links went down, nothing may wait for a dead interval", dead)
	frozen := frozenLimits(tm, mdi)
	interval, _, fall := ring.AnycastTiming(s.Profile)
	s5 := time.Duration(fall)*interval + anycastSlack
	return map[string]Limit{
		"S0":   {hold + mdi + time.Second, s0},
		"S1":   {mdi + dead, fmt.Sprintf("Master_Down %v + dead interval %v", mdi, dead)},
		"S4":   {dead, "dead interval: the returning edge takes the VIP only once its routes are in"},
		"S2":   {dead, deadWhy},
		"S2r":  {dead, "dead interval: a returning node must not disturb the others"},
		"S3":   {dead, deadWhy},
		"S3r":  {dead, "dead interval: a restored link must not disturb traffic"},
		"S1f":  frozen[0],
		"S4f":  {dead, "dead interval: the rebooted edge takes the VIP only once its routes are in"},
		"S2f":  frozen[1],
		"S2fr": {dead, "dead interval: a returning node must not disturb the others"},
		"S5":   {s5, fmt.Sprintf("anycast check fall %d × %v + %v of SPF and route writes", fall, interval, anycastSlack)},
		"S5r":  {dead, "dead interval: a returning replica must not disturb traffic"},
	}, nil
}

// frozenLimits are the limits of S1f and S2f. A frozen node's neighbours
// learn of it only when a timer runs out. Without BFD that is the dead
// interval (the target is one dead interval). With BFD it is the
// detection time (RFC 5880 §6.8.4; OSPF then kills the adjacency, RFC
// 5882 §4.1): the limit is twice that plus slack for the SPF, the route
// writes and a busy two-core machine, and stays at half the dead
// interval, so that a ring that waited for the dead interval instead
// (BFD not up, or not acted on) fails it. The target, as in the
// simulation, is 200 ms.
func frozenLimits(tm ring.Timers, mdi time.Duration) [2]Limit {
	dead := tm.DeadInterval
	d := tm.BFDDetectTime()
	if d == 0 {
		return [2]Limit{
			{2*dead + mdi, fmt.Sprintf("2 × dead interval %v + Master_Down %v: the neighbours give up on the frozen master after one dead interval", dead, mdi)},
			{2 * dead, fmt.Sprintf("2 × dead interval %v: the neighbours give up on the frozen node after one", dead)},
		}
	}
	slack := frozenSlack
	l := min(max(mdi, 2*d)+slack, dead/2)
	return [2]Limit{
		{l, fmt.Sprintf("max(Master_Down %v, 2 × BFD detection %v) + %v, at most half the dead interval %v: BFD, not the dead interval, must drop the frozen master", mdi, d, slack, dead)},
		{min(2*d+slack, dead/2), fmt.Sprintf("2 × BFD detection %v + %v, at most half the dead interval %v: BFD, not the dead interval, must drop the frozen node", d, slack, dead)},
	}
}

// anycastSlack is what the limit of S5 allows beyond the anycast check's
// detection: the LSA's flooding, the SPF at the master edge and a busy
// machine.
const anycastSlack = 500 * time.Millisecond

// frozenSlack is what the limits of S1f and S2f allow beyond twice the
// BFD detection time: SPF, route writes and the scheduling of a busy
// two-core machine running every node, the probes and the daemons.
const frozenSlack = 150 * time.Millisecond

// EastWestPairs returns the east-west probe pairs of a ring with cost
// plan p, by node index: each node's server to the server two nodes
// further east (a pair whose traffic crosses a node, so that a dying node
// between them counts), and, for every ring link that none of those
// pairs' probes or replies cross on the planned costs (the paper's ring
// keeps one link between two High costs for failures; pairs whose two
// ways cost the same are hashed onto either, and count for neither), the
// two nodes at its ends when their traffic takes it. The load stays at
// about one pair per node, and every ring link that carries any traffic
// on the planned costs carries some pair (in the paper's 3-ring, the link
// between the inner node and the backup edge carries none until a
// failure). Without uplink, in a 3-ring the pairs are the three pairs of
// nodes, each once.
func EastWestPairs(p ring.Plan) [][2]int {
	n := len(p.Nodes)
	out := make([][2]int, 0, n+2)
	crossed := make([]bool, n) // link i: between node i and i+1
	for i := range n {
		pr := [2]int{i, (i + 2) % n}
		out = append(out, pr)
		for _, l := range plannedLinks(p, pr[0], pr[1]) {
			crossed[l] = true
		}
		for _, l := range plannedLinks(p, pr[1], pr[0]) {
			crossed[l] = true
		}
	}
	for i, c := range crossed {
		// The pair's probe or its reply takes the link itself.
		if !c && (len(plannedLinks(p, i, (i+1)%n)) == 1 || len(plannedLinks(p, (i+1)%n, i)) == 1) {
			out = append(out, [2]int{i, (i + 1) % n})
		}
	}
	return out
}

// plannedLinks returns the ring links (link i between node i and i+1)
// that traffic from node a to node b crosses on the plan's costs, none
// when both ways cost the same.
func plannedLinks(p ring.Plan, a, b int) []int {
	n := len(p.Nodes)
	var east, west int
	var eastLinks, westLinks []int
	for i := a; i != b; i = (i + 1) % n {
		east += int(p.Nodes[i].EastCost)
		eastLinks = append(eastLinks, i)
	}
	for i := a; i != b; i = (i - 1 + n) % n {
		west += int(p.Nodes[i].WestCost)
		westLinks = append(westLinks, (i-1+n)%n)
	}
	switch {
	case east < west:
		return eastLinks
	case west < east:
		return westLinks
	}
	return nil
}

package ring

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/ospf"
)

// ErrInvalidConfig is wrapped by every error Spec.Validate, NewNode (for
// an environment that does not match the node) and HostConfig.Validate
// return; the message names the field and the reason.
var ErrInvalidConfig = errors.New("ring: invalid configuration")

// ErrRestartRequired is wrapped by Node.Reconfigure's error for a change
// it cannot apply in place (the node's name, role, addresses or
// interfaces, BFD on or off); the message names the field. Nothing has
// changed then: the node runs its previous configuration.
var ErrRestartRequired = errors.New("ring: restart required")

// MaxNodes bounds the size of a ring. A ring is a small thing: every node
// forwards the traffic of the nodes behind it, and the cost plan keeps
// every path cost inside OSPF's 16-bit interface metric.
const MaxNodes = 64

// Spec declares a switchless ring: N virtual routers cabled in a ring of
// routed point-to-point links, each serving its own server LANs, two of
// them (the edges) also on the upstream LAN with the upstream gateway,
// sharing the gateway's next hop through VRRP and originating the default
// route into OSPF.
//
// Nodes[i] is cabled to Nodes[(i+1)%N]: link i runs from node i's east
// interface to node i+1's west interface.
type Spec struct {
	// Nodes are the virtual routers in ring order; at least 3.
	Nodes []NodeSpec
	// Links are the subnets of the ring links, /31 or /30: Links[i] joins
	// Nodes[i] (the lower address) and Nodes[(i+1)%N] (the next one).
	// When empty, the links are numbered from LinkPool.
	Links []netip.Prefix
	// LinkPool is carved into consecutive /31s, one per ring link, when
	// Links is empty.
	LinkPool netip.Prefix
	// Upstream is the LAN shared with the upstream gateway.
	Upstream Upstream
	// Profile selects the protocol timers; the zero value is ProfileRFC.
	Profile Profile
	// Anycast, if set, is a health-checked anycast service on the
	// servers of some nodes (scenarios S5, S5r; see AnycastSpec and
	// HostConfig.Anycast).
	Anycast *AnycastSpec
	// BaseCost is the OSPF cost of a preferred ring interface; zero means
	// 10. See PlanCosts.
	BaseCost uint16
	// BFDAuth, when set, authenticates the BFD sessions of every ring
	// link (RFC 5880 §6.7; meticulous keyed SHA1 is the strongest). Both
	// ends of a link must agree, so it is ring-wide. Nil runs them
	// unauthenticated; single-hop BFD already requires TTL 255 (RFC 5881
	// §5), so only a host on the ring link itself could inject packets.
	BFDAuth *bfd.Auth
	// OSPFAuth, when set, authenticates OSPF on every ring link (RFC 2328
	// Appendix D, RFC 5709: MD5 or HMAC-SHA). Both ends of a link must
	// agree, so it is ring-wide. Keys roll over without a flap: packets
	// are verified with the key their Key ID names and signed with the
	// first listed key (ospf.AuthConfig), so an operator adds the new key
	// second on every node, then moves it first on every node, then
	// removes the old one, a SIGHUP each time. Nil runs OSPF
	// unauthenticated.
	OSPFAuth *ospf.AuthConfig
	// Topology is how the nodes are cabled; the zero value is the ring
	// described above. TopologyChain cables them in a line with static
	// routes only (see TopologyChain): 2 nodes or more, N-1 links, a
	// single edge, and none of the settings above that need OSPF, BFD
	// or VRRP.
	Topology Topology
}

// NodeSpec is one virtual router of the ring.
type NodeSpec struct {
	// Name identifies the node ("vr1"); unique, non-empty.
	Name string
	// RouterID is the node's OSPF router ID. Zero means the address of
	// its first server LAN, or, without LANs, of its west ring interface.
	RouterID netip.Addr
	// LANs are the node's own addresses on its server LANs with the LANs'
	// prefix lengths, such as 10.1.1.1/24. They are advertised into OSPF
	// as stub networks (passive interfaces).
	LANs []netip.Prefix
}

// Upstream describes the upstream LAN: the gateway, the VRRP virtual
// router that is the gateway's next hop into the ring, and the two edge
// nodes on the LAN.
type Upstream struct {
	// Prefix is the upstream LAN, such as 192.0.2.0/24.
	Prefix netip.Prefix
	// Gateway is the upstream router: the edges' static default route
	// points at it, and it routes every server LAN to VIP.
	Gateway netip.Addr
	// VIP is the VRRP virtual address.
	VIP netip.Addr
	// VRID is the VRRP virtual router ID; zero means 1.
	VRID uint8
	// Edges are the two nodes on the upstream LAN. The edge with the
	// higher VRRP priority is the master edge: its default route is
	// preferred everywhere in the ring. When Edges is zero, the first node
	// is the master edge (priority 200) at the LAN's .2 host address and
	// the last node is the backup edge (priority 100) at .3.
	Edges [2]Edge
	// Second, when set, makes the edges active-active (OpenStack L3HA's
	// load spreading): a second VRRP virtual router on the upstream LAN
	// whose master is the backup edge (the priorities mirrored), so that
	// each edge is master of one group and backup of the other. Both
	// edges then originate the default with the same metric, every node
	// exits through its nearer edge (PlanCosts), and the gateway routes
	// each server LAN to the VIP of the group whose master is that LAN's
	// exit edge (Spec.GatewayRoutes). When an edge fails, the other one
	// takes both groups. Needs the upstream LAN and both edges; nil runs
	// one group, VIP and VRID above.
	Second *Group
}

// Group is the second VRRP virtual router of active-active edges
// (Upstream.Second).
type Group struct {
	// VIP is its virtual address, a host on the upstream LAN other than
	// the gateway, the edges and Upstream.VIP.
	VIP netip.Addr
	// VRID is its virtual router ID, other than Upstream.VRID; zero
	// means Upstream.VRID + 1.
	VRID uint8
}

// Edge is a node on the upstream LAN.
type Edge struct {
	// Node names the node.
	Node string
	// Address is the node's address on the upstream LAN.
	Address netip.Addr
	// Priority is its VRRP priority, 1..254 (255 would make it the
	// address owner, which a shared VIP is not).
	Priority uint8
}

// Profile is a set of protocol timers for the whole ring.
type Profile uint8

const (
	// ProfileRFC uses the protocols' default timers: OSPF hellos every
	// 10 s (dead 40 s), VRRPv3 adverts every 1 s.
	ProfileRFC Profile = iota
	// ProfileFast detects failures in well under a second: OSPF fast
	// hellos (dead interval 1 s, 4 hellos a second, as FRR's
	// `dead-interval minimal hello-multiplier 4`), VRRPv3 adverts every
	// 20 ms, LSAs throttled to one per 50 ms, SPF 10 ms after a
	// change, and BFD on every ring link at 50 ms × 3, so that a
	// neighbour that hangs with its links up is declared dead within
	// 150 ms instead of the 1 s dead interval (see Timers.BFDInterval for
	// the price on a loaded host). Link-down events act at once in both
	// profiles.
	ProfileFast
)

func (p Profile) String() string {
	switch p {
	case ProfileRFC:
		return "rfc"
	case ProfileFast:
		return "fast"
	}
	return fmt.Sprintf("profile(%d)", uint8(p))
}

// ParseProfile returns the profile named s ("rfc" or "fast").
func ParseProfile(s string) (Profile, error) {
	switch s {
	case "rfc", "":
		return ProfileRFC, nil
	case "fast":
		return ProfileFast, nil
	}
	return 0, fmt.Errorf("%w: Profile: %q is neither \"rfc\" nor \"fast\"", ErrInvalidConfig, s)
}

// Timers are the protocol timers a profile stands for.
type Timers struct {
	// HelloInterval and DeadInterval are OSPF's; with HelloMultiplier
	// set, HelloInterval is zero and DeadInterval is 1 s.
	HelloInterval, DeadInterval time.Duration
	HelloMultiplier             int
	// VRRPInterval is the VRRPv3 advertisement interval.
	VRRPInterval time.Duration
	// MinLSInterval and MinLSArrival are OSPF's LSA throttles (RFC 2328
	// Appendix B; FRR's `timers throttle lsa all` and `timers lsa
	// min-arrival`). The RFC's 5 s and 1 s would hold every adjacency
	// change back for seconds; the fast profile lowers them.
	MinLSInterval, MinLSArrival time.Duration
	// RetransmitInterval is OSPF's RxmtInterval on the ring links. An LSA
	// a neighbor discards under MinLSArrival (§13 step 5a) is only sent
	// again after it, so it must shrink with the throttles.
	RetransmitInterval time.Duration
	// BFDInterval is the BFD interval on the ring links (east and west,
	// never the server LANs): both bfd.DesiredMinTxInterval and
	// bfd.RequiredMinRxInterval (RFC 5880 §6.8.1), once the session is
	// Up (before, BFD sends one packet a second, §6.8.3). BFDMultiplier
	// is bfd.DetectMult; zero means 3. A neighbour whose BFD packets stop
	// for BFDMultiplier × BFDInterval (§6.8.4) has its OSPF adjacency
	// killed at once (RFC 5882 §4.1, RFC 2328 §10.3 KillNbr) instead of
	// when DeadInterval runs out. Zero BFDInterval runs no BFD.
	//
	// ProfileFast: 50 ms × 3 (150 ms). ProfileRFC: off.
	//
	// The price is false positives: BFD is software here, and a
	// scheduling stall of a detection time (150 ms of the fast profile,
	// which a busy hypervisor, a stolen CPU or a long GC pause can cost)
	// on either end takes the session Down and flaps the adjacency,
	// with the SPF runs and traffic shifts that go with it. On such a
	// host raise the interval (ringd: timers.bfd_interval) or the
	// multiplier; the dead interval still catches a real hang.
	BFDInterval   time.Duration
	BFDMultiplier int
}

// BFDDetectTime is the BFD detection time the timers give a session whose
// peer uses the same timers (RFC 5880 §6.8.4): BFDMultiplier (3 when
// zero) × BFDInterval; zero when BFD is off.
func (t Timers) BFDDetectTime() time.Duration {
	if t.BFDInterval <= 0 {
		return 0
	}
	m := t.BFDMultiplier
	if m == 0 {
		m = 3
	}
	return time.Duration(m) * t.BFDInterval
}

// Timers returns the timers of the profile.
func (p Profile) Timers() Timers {
	if p == ProfileFast {
		return Timers{DeadInterval: time.Second, HelloMultiplier: 4, VRRPInterval: 20 * time.Millisecond,
			MinLSInterval: 50 * time.Millisecond, MinLSArrival: 25 * time.Millisecond,
			RetransmitInterval: 250 * time.Millisecond,
			BFDInterval:        50 * time.Millisecond, BFDMultiplier: 3}
	}
	return Timers{HelloInterval: 10 * time.Second, DeadInterval: 40 * time.Second, VRRPInterval: time.Second,
		MinLSInterval: 5 * time.Second, MinLSArrival: time.Second, RetransmitInterval: 5 * time.Second}
}

// Helpers shared by Validate and the builders.

func specErr(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...))
}

// PaperSpec is the ring of the source design with n nodes, the one
// examples/ringsim simulates and examples/ringlab builds: vr1 … vrN, each
// serving 10.i.0.0/24 (the node at .1), ring links carved from
// 10.255.0.0/24, the upstream LAN 192.0.2.0/24 with the gateway at .1 and
// the VIP at .254 (VRID 10), and the default edges: vr1 the master edge
// (.2, priority 200) and vrN the backup edge (.3, priority 100). With 4
// nodes or more, the anycast service 10.254.0.25 runs on the servers of
// vr2 and vr4 (scenario S5).
func PaperSpec(n int, p Profile) Spec {
	s := Spec{
		LinkPool: netip.MustParsePrefix("10.255.0.0/24"),
		Upstream: Upstream{
			Prefix:  netip.MustParsePrefix("192.0.2.0/24"),
			Gateway: netip.MustParseAddr("192.0.2.1"),
			VIP:     netip.MustParseAddr("192.0.2.254"),
			VRID:    10,
		},
		Profile: p,
	}
	if n >= 4 {
		// Two replicas not adjacent to each other: vr2 next to the
		// master edge (the gateway's traffic reaches it first) and vr4.
		s.Anycast = &AnycastSpec{VIP: netip.MustParseAddr("10.254.0.25"), Replicas: []string{"vr2", "vr4"}}
	}
	for i := 1; i <= n; i++ {
		s.Nodes = append(s.Nodes, NodeSpec{
			Name: fmt.Sprintf("vr%d", i),
			LANs: []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("10.%d.0.1/24", i))},
		})
	}
	return s
}

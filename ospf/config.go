package ospf

import (
	"fmt"
	"net/netip"
	"time"
)

// NetworkType is the OSPF network type of an interface (RFC 2328 §1.2,
// §9 "Type").
type NetworkType uint8

// Network types. The zero value is broadcast.
const (
	// NetworkBroadcast is a multi-access network with multicast (an
	// Ethernet segment): DR/BDR election, network-LSAs.
	NetworkBroadcast NetworkType = iota
	// NetworkPointToPoint joins exactly two routers; no election, and
	// hellos are not checked for the network mask (§10.5).
	NetworkPointToPoint
	// NetworkNBMA is recognised but not supported: Validate rejects it.
	NetworkNBMA
	// NetworkPointToMultipoint is recognised but not supported: Validate
	// rejects it.
	NetworkPointToMultipoint
)

var networkTypeNames = [...]string{
	NetworkBroadcast:         "broadcast",
	NetworkPointToPoint:      "point-to-point",
	NetworkNBMA:              "nbma",
	NetworkPointToMultipoint: "point-to-multipoint",
}

// String returns "broadcast", "point-to-point", "nbma" or
// "point-to-multipoint".
func (t NetworkType) String() string {
	if int(t) < len(networkTypeNames) {
		return networkTypeNames[t]
	}
	return fmt.Sprintf("NetworkType(%d)", uint8(t))
}

// MarshalText implements encoding.TextMarshaler.
func (t NetworkType) MarshalText() ([]byte, error) {
	if int(t) >= len(networkTypeNames) {
		return nil, fmt.Errorf("%w: network type %d", ErrInvalidConfig, uint8(t))
	}
	return []byte(t.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler. It accepts the names
// String returns and the short forms "p2p" and "p2mp".
func (t *NetworkType) UnmarshalText(b []byte) error {
	switch string(b) {
	case "broadcast":
		*t = NetworkBroadcast
	case "point-to-point", "p2p":
		*t = NetworkPointToPoint
	case "nbma", "non-broadcast":
		*t = NetworkNBMA
	case "point-to-multipoint", "p2mp":
		*t = NetworkPointToMultipoint
	default:
		return fmt.Errorf("%w: unknown network type %q (want broadcast or point-to-point)", ErrInvalidConfig, b)
	}
	return nil
}

// Defaults applied to zero configuration fields (RFC 2328 Appendix C.3
// unless noted).
const (
	DefaultHelloInterval = 10 * time.Second // C.3 HelloInterval
	DefaultDeadFactor    = 4                // C.3 RouterDeadInterval = 4 × HelloInterval
	DefaultRxmtInterval  = 5 * time.Second  // C.3 RxmtInterval
	DefaultTransmitDelay = 1 * time.Second  // C.3 InfTransDelay
	DefaultPriority      = 1                // C.3 Router Priority
	// DefaultCost is the interface output cost when none is configured.
	// RFC 2328 leaves it to configuration (C.3); 10 is BIRD's default
	// and what most operators expect of an Ethernet link.
	DefaultCost = 10
	// DefaultMTU is the interface MTU advertised in DD packets (§10.6,
	// A.3.3) when none is configured: Ethernet.
	DefaultMTU = 1500
)

// Config configures an Instance. Zero fields take the RFC defaults.
type Config struct {
	// RouterID identifies this router in the OSPF domain (§1.2): an IPv4
	// address, not 0.0.0.0. Required.
	RouterID netip.Addr
	// AreaID is the area of every interface. Only the backbone, 0.0.0.0
	// (or the zero value), is supported for now.
	AreaID netip.Addr
	// Interfaces are the OSPF interfaces, one per IP interface.
	Interfaces []InterfaceConfig

	// MinLSInterval is the least time between two originations of one
	// LSA (§12.4, Appendix B); zero means the RFC's 5 s. Lower it, as
	// FRR's `timers throttle lsa all`, for sub-second convergence: with
	// the RFC value a router-LSA that lists a new adjacency can wait up
	// to 5 s behind the one originated at start.
	MinLSInterval time.Duration
	// MinLSArrival is the least time between two accepted floodings of
	// one LSA (§13 step 5a, Appendix B); zero means the RFC's 1 s. FRR
	// calls it `timers lsa min-arrival`. It must not exceed the
	// MinLSInterval of the routers around, or their new instances are
	// discarded until retransmitted; Validate checks it against ours.
	MinLSArrival time.Duration

	// Routing (see routing.go).

	// MaxPaths is the number of equal-cost next hops kept per
	// destination (ECMP), 1 to 256; zero means DefaultMaxPaths.
	MaxPaths int
	// FIBTable is the table of installed routes; zero is the main table.
	FIBTable int
	// FIBMetric is the metric of installed routes; zero means
	// DefaultFIBMetric.
	FIBMetric uint32
	// SPF is the RFC 8405 back-off of shortest-path calculations.
	SPF SPFBackoff
	// Redistribute selects the routes advertised as AS-external-LSAs.
	Redistribute Redistribute
	// DefaultInformation originates a default route.
	DefaultInformation DefaultInformation
	// StubRouter is RFC 6987 stub router advertisement: MaxLinkMetric on
	// the links to other routers while starting or administratively. The
	// zero value never advertises it.
	StubRouter StubRouter
	// ExternalLSDBLimit is RFC 1765's ospfExtLsdbLimit: the most
	// non-default AS-external-LSAs the database holds (0: no limit). It
	// must be the same on every router of the domain. See overflow.go's
	// description in the package documentation.
	ExternalLSDBLimit int
	// ExitOverflowInterval is RFC 1765's ospfExitOverflowInterval: how
	// long OverflowState lasts; zero, the RFC's default, keeps it until a
	// restart.
	ExitOverflowInterval time.Duration
}

// InterfaceConfig configures one OSPF interface (RFC 2328 §9, C.3).
type InterfaceConfig struct {
	// Name is the interface name, unique in the Config ("eth0"). It keys
	// the transports given to New and the InterfaceUp/InterfaceDown calls.
	Name string
	// IfIndex is the kernel interface index, when known; received packets
	// carry it. Zero means unknown (not checked).
	IfIndex int
	// Prefix is the interface's IPv4 address and prefix length, such as
	// 10.0.0.1/24 (§9 "IP interface address" and "IP interface mask").
	Prefix netip.Prefix
	// Network is the network type; zero is broadcast. NBMA and
	// point-to-multipoint are rejected by Validate as not supported.
	Network NetworkType
	// Cost is the interface output cost advertised in the router-LSA
	// (§12.4.1); zero means DefaultCost.
	Cost uint16
	// Priority is the Router Priority (§9, §9.4); nil means 1. A
	// priority of 0 makes the router ineligible to become DR or BDR, so
	// the pointer distinguishes it from "not set".
	Priority *uint8
	// HelloInterval is the time between hellos (§9 HelloInterval), whole
	// seconds from 1 s to 65535 s; zero means 10 s. Must be zero when
	// HelloMultiplier is set.
	HelloInterval time.Duration
	// RouterDeadInterval is the time without hellos after which a
	// neighbor is declared down (§9 RouterDeadInterval), whole seconds,
	// greater than HelloInterval; zero means 4 × HelloInterval.
	RouterDeadInterval time.Duration
	// HelloMultiplier, when non-zero, selects fast hellos the way FRR's
	// `ip ospf dead-interval minimal hello-multiplier N` does:
	// RouterDeadInterval is 1 s, N hellos (2..20) are sent per second,
	// and hellos advertise a HelloInterval of 0, which is what a peer
	// configured the same way expects (§10.5 compares the advertised
	// values).
	HelloMultiplier int
	// RetransmitInterval is RxmtInterval (§9): the time before a DD, LS
	// Request or unacknowledged LSA is sent again; zero means 5 s.
	RetransmitInterval time.Duration
	// TransmitDelay is InfTransDelay (§9), added to the LS age of LSAs
	// sent on the interface, whole seconds; zero means 1 s.
	TransmitDelay time.Duration
	// Passive advertises the interface's network in the router-LSA but
	// sends no hellos and forms no adjacencies on it.
	Passive bool
	// Auth is the interface's authentication (RFC 2328 Appendix D,
	// RFC 5709); the zero value is none (AuType 0).
	Auth AuthConfig
	// MTU is the interface MTU advertised in DD packets and checked
	// against the neighbor's (§10.6); zero means 1500.
	MTU int
	// MTUIgnore accepts DD packets whose interface MTU exceeds ours
	// (FRR's `ip ospf mtu-ignore`), instead of dropping them as §10.6
	// asks.
	MTUIgnore bool
	// BFD asks Env.Liveness for a BFD session (RFC 5880, RFC 5882) to
	// every neighbor on the interface that reaches 2-Way, and kills the
	// neighbor (§10.3 KillNbr) as soon as its session goes Down, instead
	// of waiting for RouterDeadInterval: FRR's `ip ospf bfd`. New
	// rejects it when Env.Liveness is nil.
	BFD bool
}

// Validate reports the first invalid field of the configuration, naming
// it, wrapped in ErrInvalidConfig (or ErrNotImplemented).
func (c Config) Validate() error {
	if !c.RouterID.Is4() || c.RouterID.IsUnspecified() {
		return fmt.Errorf("%w: RouterID: must be a non-zero IPv4 address, got %v", ErrInvalidConfig, c.RouterID)
	}
	if c.AreaID.IsValid() && c.AreaID != netip.IPv4Unspecified() {
		return fmt.Errorf("%w: AreaID: %v: only the backbone area 0.0.0.0 is implemented", ErrNotImplemented, c.AreaID)
	}
	names := make(map[string]bool, len(c.Interfaces))
	idx := make(map[int]string, len(c.Interfaces))
	for i, ic := range c.Interfaces {
		if err := ic.validate(); err != nil {
			//lint:ignore ST1005 the message starts with the field it names
			return fmt.Errorf("Interfaces[%d] (%s): %w", i, ic.Name, err)
		}
		if names[ic.Name] {
			return fmt.Errorf("%w: Interfaces[%d].Name: %q appears twice", ErrInvalidConfig, i, ic.Name)
		}
		names[ic.Name] = true
		if ic.IfIndex != 0 {
			if other, dup := idx[ic.IfIndex]; dup {
				return fmt.Errorf("%w: Interfaces[%d].IfIndex: %d is also %q's", ErrInvalidConfig, i, ic.IfIndex, other)
			}
			idx[ic.IfIndex] = ic.Name
		}
	}
	if err := c.validateLSTimers(); err != nil {
		return err
	}
	if err := c.StubRouter.Validate(); err != nil {
		return err
	}
	if err := c.validateOverflow(); err != nil {
		return err
	}
	return c.validateRouting()
}

func (c Config) validateLSTimers() error {
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"MinLSInterval", c.MinLSInterval}, {"MinLSArrival", c.MinLSArrival}} {
		if f.d < 0 || f.d > time.Hour {
			return fmt.Errorf("%w: %s = %v: must be between 0 (the RFC default) and 1h", ErrInvalidConfig, f.name, f.d)
		}
	}
	if c.minLSArrival() > c.minLSInterval() {
		return fmt.Errorf("%w: MinLSArrival = %v: exceeds MinLSInterval %v, so neighbors configured alike would discard our own new instances",
			ErrInvalidConfig, c.minLSArrival(), c.minLSInterval())
	}
	return nil
}

// minLSInterval is MinLSInterval with the RFC default applied.
func (c Config) minLSInterval() time.Duration {
	if c.MinLSInterval == 0 {
		return MinLSInterval
	}
	return c.MinLSInterval
}

// minLSArrival is MinLSArrival with the RFC default applied.
func (c Config) minLSArrival() time.Duration {
	if c.MinLSArrival == 0 {
		return MinLSArrival
	}
	return c.MinLSArrival
}

func (ic InterfaceConfig) validate() error {
	bad := func(field string, v any, why string) error {
		return fmt.Errorf("%w: %s = %v: %s", ErrInvalidConfig, field, v, why)
	}
	secs := func(field string, d time.Duration, max time.Duration) error {
		switch {
		case d < 0:
			return bad(field, d, "must not be negative")
		case d%time.Second != 0:
			return bad(field, d, "must be whole seconds (it is carried in seconds)")
		case d > max:
			return bad(field, d, fmt.Sprintf("must be at most %v", max))
		}
		return nil
	}
	if ic.Name == "" {
		return bad("Name", `""`, "is required")
	}
	if ic.IfIndex < 0 {
		return bad("IfIndex", ic.IfIndex, "must not be negative")
	}
	if !ic.Prefix.IsValid() || !ic.Prefix.Addr().Is4() {
		return bad("Prefix", ic.Prefix, "must be an IPv4 address with prefix length, such as 10.0.0.1/24")
	}
	if a := ic.Prefix.Addr(); a.IsUnspecified() || a.IsMulticast() || a.IsLoopback() {
		return bad("Prefix", ic.Prefix, "must be a unicast interface address")
	}
	switch ic.Network {
	case NetworkBroadcast, NetworkPointToPoint:
	case NetworkNBMA, NetworkPointToMultipoint:
		return fmt.Errorf("%w: Network = %v: only broadcast and point-to-point are implemented", ErrNotImplemented, ic.Network)
	default:
		return bad("Network", ic.Network, "unknown network type")
	}
	if ic.Network == NetworkBroadcast && ic.Prefix.Bits() > 30 {
		return bad("Prefix", ic.Prefix, "a broadcast network needs a prefix of /30 or shorter")
	}
	if err := secs("HelloInterval", ic.HelloInterval, 65535*time.Second); err != nil {
		return err
	}
	if err := secs("RouterDeadInterval", ic.RouterDeadInterval, 1<<31*time.Second); err != nil {
		return err
	}
	if err := secs("TransmitDelay", ic.TransmitDelay, 3600*time.Second); err != nil {
		return err
	}
	if ic.HelloMultiplier != 0 {
		switch {
		case ic.HelloMultiplier < 2 || ic.HelloMultiplier > 20:
			return bad("HelloMultiplier", ic.HelloMultiplier, "must be 0 (off) or 2..20 hellos per second")
		case ic.HelloInterval != 0:
			return bad("HelloInterval", ic.HelloInterval, "must be zero with HelloMultiplier (fast hellos advertise 0)")
		case ic.RouterDeadInterval != 0 && ic.RouterDeadInterval != time.Second:
			return bad("RouterDeadInterval", ic.RouterDeadInterval, "must be zero or 1s with HelloMultiplier")
		}
	} else if ic.RouterDeadInterval != 0 && ic.RouterDeadInterval <= ic.helloInterval() {
		return bad("RouterDeadInterval", ic.RouterDeadInterval, fmt.Sprintf("must exceed HelloInterval (%v)", ic.helloInterval()))
	}
	if ic.RetransmitInterval < 0 {
		return bad("RetransmitInterval", ic.RetransmitInterval, "must not be negative")
	}
	if ic.RetransmitInterval != 0 && ic.RetransmitInterval < 10*time.Millisecond {
		return bad("RetransmitInterval", ic.RetransmitInterval, "must be at least 10ms")
	}
	if ic.MTU != 0 && (ic.MTU < 576 || ic.MTU > 65535) {
		return bad("MTU", ic.MTU, "must be 0 (1500) or 576..65535")
	}
	if err := ic.Auth.Validate(); err != nil {
		//lint:ignore ST1005 the message starts with the field it names
		return fmt.Errorf("Auth: %w", err)
	}
	return nil
}

// Effective values: the configured ones or the defaults.

func (ic InterfaceConfig) helloInterval() time.Duration {
	if ic.HelloMultiplier > 0 {
		return 0
	}
	if ic.HelloInterval == 0 {
		return DefaultHelloInterval
	}
	return ic.HelloInterval
}

// helloPeriod is how often hellos are sent: HelloInterval, or
// 1 s / HelloMultiplier for fast hellos.
func (ic InterfaceConfig) helloPeriod() time.Duration {
	if ic.HelloMultiplier > 0 {
		return time.Second / time.Duration(ic.HelloMultiplier)
	}
	return ic.helloInterval()
}

func (ic InterfaceConfig) deadInterval() time.Duration {
	switch {
	case ic.HelloMultiplier > 0:
		return time.Second
	case ic.RouterDeadInterval != 0:
		return ic.RouterDeadInterval
	}
	return DefaultDeadFactor * ic.helloInterval()
}

func (ic InterfaceConfig) rxmtInterval() time.Duration {
	if ic.RetransmitInterval == 0 {
		return DefaultRxmtInterval
	}
	return ic.RetransmitInterval
}

func (ic InterfaceConfig) transmitDelay() time.Duration {
	if ic.TransmitDelay == 0 {
		return DefaultTransmitDelay
	}
	return ic.TransmitDelay
}

func (ic InterfaceConfig) priority() uint8 {
	if ic.Priority == nil {
		return DefaultPriority
	}
	return *ic.Priority
}

func (ic InterfaceConfig) cost() uint16 {
	if ic.Cost == 0 {
		return DefaultCost
	}
	return ic.Cost
}

func (ic InterfaceConfig) mtu() int {
	if ic.MTU == 0 {
		return DefaultMTU
	}
	return ic.MTU
}

// Priority returns a pointer to p, for InterfaceConfig.Priority.
func Priority(p uint8) *uint8 { return &p }

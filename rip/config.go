package rip

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/rip/packet"
)

// Errors of the Instance and its configuration.
var (
	// ErrInvalidConfig is wrapped by every configuration and environment
	// error (a *ConfigError naming the field) and by bad API arguments.
	ErrInvalidConfig = errors.New("rip: invalid configuration")
	// ErrRestartRequired is wrapped by Instance.Reconfigure's error for a
	// change that cannot be applied to a running instance (an
	// interface's prefix, fib_table, fib_metric); the message names the
	// field by its YAML key.
	ErrRestartRequired = errors.New("rip: change requires a restart")
	// ErrStarted is returned by a second Start.
	ErrStarted = errors.New("rip: instance already started")
	// ErrStopped is returned by Start, Announce and Withdraw after Stop:
	// an Instance runs once.
	ErrStopped = errors.New("rip: instance stopped")
	// ErrNoInterface is returned by InterfaceDown and InterfaceUp for a
	// name that is not configured.
	ErrNoInterface = errors.New("rip: no such interface")
)

// ConfigError reports one bad configuration field by its YAML key, such
// as "interfaces[1].auth.keys[0].id", and the reason. It unwraps to
// ErrInvalidConfig.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("rip: invalid configuration: %s: %s", e.Field, e.Reason)
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

func cfgErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// RFC 2453 defaults for zero fields.
const (
	DefaultUpdate            = 30 * time.Second  // §3.8 regular update
	DefaultTimeout           = 180 * time.Second // §3.8 route timeout
	DefaultGarbageCollection = 120 * time.Second // §3.8 deletion delay
	DefaultTriggerMin        = 1 * time.Second   // §3.10.1 damping, lower bound
	DefaultTriggerMax        = 5 * time.Second   // §3.10.1 damping, upper bound
	// MaxMaxPaths bounds Config.MaxPaths.
	MaxMaxPaths = 64
	// MinTimer is the smallest Timers.Update, Timeout and
	// GarbageCollection Validate accepts when they are set (zero means the
	// RFC's): below a second is a busy send loop on a real clock, and
	// FRR's smallest `timers basic` is 5 s. Simulations on a virtual clock
	// run minutes in milliseconds of real time, so they need no smaller.
	MinTimer = time.Second
)

// Timers are the protocol timers of RFC 2453 §3.8 and §3.10.1. Zero
// fields take the RFC values; Update, Timeout and GarbageCollection, when
// set, are at least MinTimer (1 s).
type Timers struct {
	// Update is the interval of regular updates (30 s), each one offset
	// by a random ±1/6 of it so routers do not synchronise (§3.8).
	Update time.Duration
	// Timeout is how long a learnt route lives without being refreshed
	// (180 s).
	Timeout time.Duration
	// GarbageCollection is how long an unreachable route is still
	// advertised at metric 16 before it is deleted (120 s).
	GarbageCollection time.Duration
	// TriggerMin and TriggerMax bound the random delay between two
	// triggered updates (§3.10.1: 1 to 5 s).
	TriggerMin, TriggerMax time.Duration
}

// FastTimers is the fast profile: 5 s updates, 15 s timeout, 10 s
// garbage collection, the smallest `timers basic` FRR ripd accepts, for
// labs and interop tests that cannot wait minutes. Triggered updates keep
// the RFC's 1–5 s damping.
func FastTimers() Timers {
	return Timers{Update: 5 * time.Second, Timeout: 15 * time.Second, GarbageCollection: 10 * time.Second}
}

func (t Timers) withDefaults() Timers {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&t.Update, DefaultUpdate)
	def(&t.Timeout, DefaultTimeout)
	def(&t.GarbageCollection, DefaultGarbageCollection)
	def(&t.TriggerMin, DefaultTriggerMin)
	def(&t.TriggerMax, DefaultTriggerMax)
	return t
}

// SplitHorizon chooses what an interface's updates say about routes
// learnt through it (RFC 2453 §3.4.3).
type SplitHorizon uint8

// Split horizon modes. The zero value is poisoned reverse.
const (
	// SplitPoisonedReverse advertises them at metric 16.
	SplitPoisonedReverse SplitHorizon = iota
	// SplitSimple leaves them out.
	SplitSimple
	// SplitNone advertises them like any other route.
	SplitNone
)

var splitNames = [...]string{"poisoned-reverse", "simple", "none"}

// String returns "poisoned-reverse", "simple" or "none".
func (s SplitHorizon) String() string {
	if int(s) < len(splitNames) {
		return splitNames[s]
	}
	return fmt.Sprintf("SplitHorizon(%d)", uint8(s))
}

// MarshalText implements encoding.TextMarshaler.
func (s SplitHorizon) MarshalText() ([]byte, error) {
	if int(s) >= len(splitNames) {
		return nil, fmt.Errorf("%w: split horizon %d", ErrInvalidConfig, uint8(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *SplitHorizon) UnmarshalText(b []byte) error {
	for i, n := range splitNames {
		if n == string(b) {
			*s = SplitHorizon(i)
			return nil
		}
	}
	return fmt.Errorf("%w: unknown split horizon %q (want poisoned-reverse, simple or none)", ErrInvalidConfig, b)
}

// AuthMode is an interface's authentication.
type AuthMode uint8

// Authentication modes. The zero value is none.
const (
	AuthNone     AuthMode = iota
	AuthPassword          // RFC 2453 §4.1 simple password
	AuthCrypto            // RFC 4822 keyed MD5 or HMAC-SHA, per key
)

var authNames = [...]string{"none", "password", "crypto"}

// String returns "none", "password" or "crypto".
func (a AuthMode) String() string {
	if int(a) < len(authNames) {
		return authNames[a]
	}
	return fmt.Sprintf("AuthMode(%d)", uint8(a))
}

// MarshalText implements encoding.TextMarshaler.
func (a AuthMode) MarshalText() ([]byte, error) {
	if int(a) >= len(authNames) {
		return nil, fmt.Errorf("%w: auth mode %d", ErrInvalidConfig, uint8(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *AuthMode) UnmarshalText(b []byte) error {
	for i, n := range authNames {
		if n == string(b) {
			*a = AuthMode(i)
			return nil
		}
	}
	return fmt.Errorf("%w: unknown auth mode %q (want none, password or crypto)", ErrInvalidConfig, b)
}

// AuthConfig is an interface's authentication. Messages are sent
// authenticated and received messages must be.
type AuthConfig struct {
	Mode AuthMode
	// Password is the simple password of AuthPassword, 1 to 16 bytes.
	Password string
	// Keys are the RFC 4822 keys of AuthCrypto. The one sent with is the
	// key in its send lifetime that started last (the highest ID among
	// equals); a received message is accepted with the key of its key ID
	// if that key is in its accept lifetime.
	Keys []KeyConfig
}

// KeyConfig is one cryptographic key (RFC 4822 §2.1) with its lifetimes.
type KeyConfig struct {
	// ID is the key ID, 1 to 255. Required.
	ID int
	// Algorithm is the digest; zero is keyed MD5.
	Algorithm packet.Algorithm
	// Secret is the key, required; MD5 uses its first 16 bytes.
	Secret string
	// SendStart/SendEnd and AcceptStart/AcceptEnd are the lifetimes;
	// zero values are unbounded.
	SendStart, SendEnd     time.Time
	AcceptStart, AcceptEnd time.Time
	// PlainHMACKey uses a secret longer than the digest as the HMAC key
	// unchanged, as BIRD 2 does, instead of hashing it first (RFC 4822
	// §2.5); secrets up to the digest length are the same either way.
	PlainHMACKey bool
	// ShortDataLen sends the Auth Data Len field as the digest length
	// alone (16 for MD5: FRR's `auth-length rfc`; 32 for HMAC-SHA-256:
	// what BIRD 2 sends) instead of the digest plus the 4-byte trailer
	// header (20 for MD5: FRR's default `old-ripd`, and BIRD's MD5).
	// Both are accepted on receive.
	ShortDataLen bool
}

func (k KeyConfig) key() packet.Key {
	alg := k.Algorithm
	if alg == 0 {
		alg = packet.AlgMD5
	}
	return packet.Key{ID: uint8(k.ID), Algorithm: alg, Secret: []byte(k.Secret), PlainHMACKey: k.PlainHMACKey, ShortDataLen: k.ShortDataLen}
}

func within(t, start, end time.Time) bool {
	return (start.IsZero() || !t.Before(start)) && (end.IsZero() || t.Before(end))
}

// InterfaceConfig configures RIP on one interface.
type InterfaceConfig struct {
	// Name is the interface name, unique in the Config; it keys
	// Env.Transports and the InterfaceDown/InterfaceUp calls.
	Name string
	// IfIndex is the kernel interface index, put in the FIB next hops;
	// zero lets the kernel find the interface from the gateway.
	IfIndex int
	// Prefix is the interface's IPv4 address and prefix length
	// (10.0.0.1/24): the directly connected network of §3.9.2, announced
	// as a connected route, and the source of our messages.
	Prefix netip.Prefix
	// Passive receives and learns but sends no updates, and answers only
	// requests from ports other than 520 (monitoring).
	Passive bool
	// NoMulticast sends updates only to Neighbors instead of 224.0.0.9,
	// for links without multicast.
	NoMulticast bool
	// Neighbors are unicast neighbours sent every update and request in
	// addition to (or, with NoMulticast, instead of) the group.
	Neighbors []netip.Addr
	// SplitHorizon is the §3.4.3 mode; zero is poisoned reverse.
	SplitHorizon SplitHorizon
	// MetricIn is added to the metric of every route received on the
	// interface (the interface cost of §3.9.2), 1 to 15; zero means 1.
	MetricIn int
	// MetricOut is added to the metric of every route sent on the
	// interface, 0 to 15 (an offset list).
	MetricOut int
	// V2Only ignores RIP-1 messages (the §4.1 compatibility switch set
	// to RIP-2 only); by default version 1 responses are accepted.
	V2Only bool
	// Auth is the interface's authentication.
	Auth AuthConfig
	// BFD asks Env.Liveness for a BFD session (RFC 5880, RFC 5882) to
	// each neighbour on the interface, from its first valid response
	// (and to each of Neighbors from Start): when one goes Down the
	// routes learnt from that neighbour expire at once instead of after
	// the 180 s timeout, and when it comes Up the neighbour is asked for
	// its table. New rejects it when Env.Liveness is nil.
	BFD bool
}

// StaticRoute is a route originated by configuration.
type StaticRoute struct {
	Prefix netip.Prefix
	// NextHop, if set, is advertised in the next hop field (§4.4) on
	// the interface whose network holds it.
	NextHop netip.Addr
	// Interface, if set, names the interface the route leaves by: split
	// horizon treats it as learnt there.
	Interface string
	// Metric is 1 to 15; zero means 1.
	Metric int
	Tag    uint16
}

// DefaultInformation originates a default route, 0.0.0.0/0, as ospf's
// DefaultInformation does: FRR ospfd's default-information originate
// [always]. (FRR ripd's default-information originate is Always.)
type DefaultInformation struct {
	// Originate advertises 0.0.0.0/0 while this router has a default
	// route of its own, reported with Instance.SetDefaultRoute (for "only
	// while the kernel has one").
	Originate bool
	// Always advertises it whether or not such a route exists; it needs
	// Originate.
	Always bool
	// Metric is 1 to 15; zero means 1.
	Metric int
	Tag    uint16
}

// Config configures an Instance. Zero fields mean the RFC defaults.
type Config struct {
	// Interfaces are the RIP interfaces; their networks are announced as
	// connected routes with metric 1.
	Interfaces []InterfaceConfig
	// Timers are the protocol timers; zero fields are the RFC's.
	Timers Timers
	// MaxPaths is how many equal-metric next hops a route keeps (FRR's
	// allow-ecmp), 1 to MaxMaxPaths; zero means 1: no ECMP.
	MaxPaths int
	// MaxRoutesPerNeighbor bounds the routes one neighbour can make this
	// router hold (as BIRD's import limit; RFC 2453 leaves it open): a
	// neighbour that already gives the table that many next hops has
	// further new destinations ignored, counted as DropRouteLimit, while
	// its existing routes are refreshed and changed as usual. Zero means
	// no limit.
	MaxRoutesPerNeighbor int
	// Static routes are announced as configured.
	Static []StaticRoute
	// DefaultInformation originates 0.0.0.0/0.
	DefaultInformation DefaultInformation
	// FIBTable is the table learnt routes are installed in, 0 to
	// fib.MaxTable; zero is main.
	FIBTable int
	// FIBMetric is the metric of installed routes; zero means the RIP
	// metric of each route.
	FIBMetric uint32
	// Seed seeds the random jitter of updates; zero derives one from the
	// interfaces, so a simulation replays and routers still differ.
	Seed uint64
}

// Validate reports the first bad field of c by its YAML key.
func (c *Config) Validate() error {
	t := c.Timers.withDefaults()
	for _, f := range []struct {
		name    string
		d       time.Duration
		bounded bool // at least MinTimer when set
	}{
		{"timers.update", c.Timers.Update, true}, {"timers.timeout", c.Timers.Timeout, true},
		{"timers.garbage_collection", c.Timers.GarbageCollection, true},
		{"timers.trigger_min", c.Timers.TriggerMin, false}, {"timers.trigger_max", c.Timers.TriggerMax, false},
	} {
		if f.d < 0 {
			return cfgErr(f.name, "must not be negative")
		}
		if f.bounded && f.d > 0 && f.d < MinTimer {
			return cfgErr(f.name, "%v is below %v", f.d, MinTimer)
		}
	}
	if t.Timeout <= t.Update {
		return cfgErr("timers.timeout", "%v must exceed timers.update %v", t.Timeout, t.Update)
	}
	if t.TriggerMax < t.TriggerMin {
		return cfgErr("timers.trigger_max", "%v is below timers.trigger_min %v", t.TriggerMax, t.TriggerMin)
	}
	if c.MaxPaths < 0 || c.MaxPaths > MaxMaxPaths {
		return cfgErr("max_paths", "%d is not 1 to %d", c.MaxPaths, MaxMaxPaths)
	}
	if c.MaxRoutesPerNeighbor < 0 {
		return cfgErr("max_routes_per_neighbor", "%d is negative (0: no limit)", c.MaxRoutesPerNeighbor)
	}
	if c.FIBTable < 0 || int64(c.FIBTable) > fib.MaxTable {
		return cfgErr("fib_table", "%d is not 0 to %d", c.FIBTable, int64(fib.MaxTable))
	}
	if len(c.Interfaces) == 0 {
		return cfgErr("interfaces", "at least one is required")
	}
	names := map[string]int{}
	for i := range c.Interfaces {
		if err := c.validateInterface(i, names); err != nil {
			return err
		}
	}
	statics := map[netip.Prefix]int{}
	for i, s := range c.Static {
		f := fmt.Sprintf("static[%d]", i)
		if !s.Prefix.IsValid() || !s.Prefix.Addr().Is4() || s.Prefix.Masked() != s.Prefix {
			return cfgErr(f+".prefix", "%v is not a masked IPv4 prefix", s.Prefix)
		}
		// One origin per prefix: connected wins over static, static over
		// default-information, so a second one would be silently shadowed.
		if j, dup := statics[s.Prefix]; dup {
			return cfgErr(f+".prefix", "%v is also static[%d]", s.Prefix, j)
		}
		statics[s.Prefix] = i
		for k, ic := range c.Interfaces {
			if ic.Prefix.Masked() == s.Prefix {
				return cfgErr(f+".prefix", "%v is the network of interfaces[%d] (a connected route)", s.Prefix, k)
			}
		}
		if s.Prefix.Bits() == 0 && c.DefaultInformation.Originate {
			return cfgErr(f+".prefix", "%v is also originated by default_information", s.Prefix)
		}
		if s.NextHop.IsValid() && !s.NextHop.Is4() {
			return cfgErr(f+".next_hop", "%v is not IPv4", s.NextHop)
		}
		if s.Metric < 0 || s.Metric >= packet.Infinity {
			return cfgErr(f+".metric", "%d is not 1 to 15", s.Metric)
		}
		if _, ok := names[s.Interface]; s.Interface != "" && !ok {
			return cfgErr(f+".interface", "unknown interface %q", s.Interface)
		}
	}
	if c.DefaultInformation.Always && !c.DefaultInformation.Originate {
		return cfgErr("default_information.always", "needs default_information.originate")
	}
	if m := c.DefaultInformation.Metric; m < 0 || m >= packet.Infinity {
		return cfgErr("default_information.metric", "%d is not 1 to 15", m)
	}
	return nil
}

func (c *Config) validateInterface(i int, names map[string]int) error {
	ic := &c.Interfaces[i]
	f := fmt.Sprintf("interfaces[%d]", i)
	if ic.Name == "" {
		return cfgErr(f+".name", "is required")
	}
	if j, dup := names[ic.Name]; dup {
		return cfgErr(f+".name", "%q is also interfaces[%d]", ic.Name, j)
	}
	names[ic.Name] = i
	if !ic.Prefix.IsValid() || !ic.Prefix.Addr().Is4() || ic.Prefix.Bits() > 31 {
		return cfgErr(f+".prefix", "%v is not an IPv4 address/length with room for a neighbour", ic.Prefix)
	}
	for j := range i {
		o := c.Interfaces[j].Prefix
		if o.IsValid() && o.Overlaps(ic.Prefix) {
			return cfgErr(f+".prefix", "%v overlaps interfaces[%d].prefix %v", ic.Prefix, j, o)
		}
	}
	for k, n := range ic.Neighbors {
		nf := fmt.Sprintf("%s.neighbors[%d]", f, k)
		if !n.Is4() || !ic.Prefix.Contains(n) || n == ic.Prefix.Addr() {
			return cfgErr(nf, "%v is not another address of %v", n, ic.Prefix.Masked())
		}
		// §3.9.2 ignores responses from these, so no neighbour has them
		// (a /31 has neither, RFC 3021).
		if ic.Prefix.Bits() < 31 && n == ic.Prefix.Masked().Addr() {
			return cfgErr(nf, "%v is the network address of %v", n, ic.Prefix.Masked())
		}
		if isBroadcast(ic.Prefix.Masked(), n) {
			return cfgErr(nf, "%v is the broadcast address of %v", n, ic.Prefix.Masked())
		}
	}
	if ic.NoMulticast && len(ic.Neighbors) == 0 && !ic.Passive {
		return cfgErr(f+".neighbors", "no_multicast needs at least one neighbour")
	}
	if int(ic.SplitHorizon) >= len(splitNames) {
		return cfgErr(f+".split_horizon", "unknown mode %d", ic.SplitHorizon)
	}
	if ic.MetricIn < 0 || ic.MetricIn >= packet.Infinity {
		return cfgErr(f+".metric_in", "%d is not 1 to 15", ic.MetricIn)
	}
	if ic.MetricOut < 0 || ic.MetricOut >= packet.Infinity {
		return cfgErr(f+".metric_out", "%d is not 0 to 15", ic.MetricOut)
	}
	a := ic.Auth
	// Secrets for a mode not chosen would be ignored, so a misspelt or
	// missing mode would run unauthenticated.
	if a.Password != "" && a.Mode != AuthPassword {
		return cfgErr(f+".auth.password", "set, but auth.mode is %v, not password", a.Mode)
	}
	if len(a.Keys) > 0 && a.Mode != AuthCrypto {
		return cfgErr(f+".auth.keys", "set, but auth.mode is %v, not crypto", a.Mode)
	}
	switch a.Mode {
	case AuthNone:
	case AuthPassword:
		if a.Password == "" || len(a.Password) > 16 {
			return cfgErr(f+".auth.password", "must be 1 to 16 bytes")
		}
	case AuthCrypto:
		if len(a.Keys) == 0 {
			return cfgErr(f+".auth.keys", "at least one is required for crypto")
		}
		ids := map[int]int{}
		for k, key := range a.Keys {
			kf := fmt.Sprintf("%s.auth.keys[%d]", f, k)
			if key.ID == 0 {
				return cfgErr(kf+".id", "is required")
			}
			if key.ID < 1 || key.ID > 255 {
				return cfgErr(kf+".id", "%d is not 1 to 255", key.ID)
			}
			if j, dup := ids[key.ID]; dup {
				return cfgErr(kf+".id", "%d is also keys[%d]", key.ID, j)
			}
			ids[key.ID] = k
			if key.Algorithm != 0 && key.Algorithm.Size() == 0 {
				return cfgErr(kf+".algorithm", "unknown algorithm %d", key.Algorithm)
			}
			if key.Secret == "" {
				return cfgErr(kf+".secret", "is required")
			}
			if !key.SendEnd.IsZero() && !key.SendEnd.After(key.SendStart) {
				return cfgErr(kf+".send_end", "is not after send_start")
			}
			if !key.AcceptEnd.IsZero() && !key.AcceptEnd.After(key.AcceptStart) {
				return cfgErr(kf+".accept_end", "is not after accept_start")
			}
		}
	default:
		return cfgErr(f+".auth.mode", "unknown mode %d", a.Mode)
	}
	return nil
}

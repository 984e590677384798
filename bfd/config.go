package bfd

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/switchless/routing/bfd/packet"
)

// Errors of the Instance and its configuration.
var (
	// ErrInvalidConfig is wrapped by every configuration and environment
	// error (a *ConfigError naming the field) and by bad API arguments.
	ErrInvalidConfig = errors.New("bfd: invalid configuration")
	// ErrStarted is returned by a second Start.
	ErrStarted = errors.New("bfd: instance already started")
	// ErrStopped is returned by Start and Watch after Stop: an Instance
	// runs once.
	ErrStopped = errors.New("bfd: instance stopped")
	// ErrNoInterface is returned by Watch and UpdateInterface for an
	// interface that is not configured.
	ErrNoInterface = errors.New("bfd: no such interface")
)

// ConfigError reports one bad configuration field by its YAML key, such
// as "interfaces[1].detect_multiplier", and the reason. It unwraps to
// ErrInvalidConfig.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("bfd: invalid configuration: %s: %s", e.Field, e.Reason)
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

func cfgErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Defaults for zero fields. RFC 5880 leaves the intervals to the
// operator; these are FRR bfdd's (300 ms × 3), so a session between the
// two comes up with the same detection time either way.
const (
	DefaultMinTx      = 300 * time.Millisecond
	DefaultMinRx      = 300 * time.Millisecond
	DefaultDetectMult = 3
	// SlowTx is the transmit interval while a session is not Up: RFC
	// 5880 §6.8.3 requires at least one second.
	SlowTx = time.Second
	// MinInterval is the smallest MinTx and MinRx Validate accepts when
	// set: below 10 ms a software BFD on a general-purpose host is all
	// false positives, and FRR's and BIRD's smallest are 10 ms too.
	MinInterval = 10 * time.Millisecond
	// MaxInterval is the largest MinTx and MinRx: the wire carries
	// microseconds in 32 bits (RFC 5880 §4.1), about 71 minutes; a minute
	// is plenty.
	MaxInterval = time.Minute
	// MaxDetectMult is the largest Detect Mult the wire carries.
	MaxDetectMult = 255
)

// Config is an Instance's configuration: the interfaces BFD may run on,
// their session parameters, and static sessions.
type Config struct {
	// Interfaces lists the interfaces sessions may run on, with the
	// parameters of every session on each. Watch on an interface not
	// listed is refused.
	Interfaces []InterfaceConfig
	// Peers are sessions kept up for as long as the instance runs,
	// whether or not a protocol watches them, as FRR's `peer A interface
	// X` and BIRD's `neighbor A dev "X"`.
	Peers []PeerConfig
	// Seed seeds the transmit jitter (RFC 5880 §6.8.7) and the local
	// discriminators: the same seed gives the same packets in
	// simulation. Zero takes the clock's time at New.
	Seed uint64
}

// InterfaceConfig is the session parameters on one interface (RFC 5880
// §6.8.1 bfd.DesiredMinTxInterval, bfd.RequiredMinRxInterval,
// bfd.DetectMult, bfd.AuthType). Zero fields take the defaults.
type InterfaceConfig struct {
	// Name is the interface name, the key of Env.Transports.
	Name string
	// IfIndex is the interface index; Listen fills it in when zero.
	IfIndex int
	// IPv6 also runs sessions to IPv6 (link-local or global) peers on
	// the interface, over Env.Transports6 (RFC 5881 §4).
	IPv6 bool
	// MinTx is bfd.DesiredMinTxInterval: how often we would like to send
	// once Up (300 ms). The interval used is the larger of it and the
	// peer's Required Min RX (§6.8.7).
	MinTx time.Duration
	// MinRx is bfd.RequiredMinRxInterval: how often we can take the
	// peer's packets (300 ms).
	MinRx time.Duration
	// DetectMult is bfd.DetectMult (3): the peer's detection time is
	// this times the negotiated interval (§6.8.4).
	DetectMult int
	// Passive is the passive role of §6.1: send nothing until the peer
	// has been heard.
	Passive bool
	// Auth, when set, authenticates every packet sent and requires it of
	// every packet received (§6.7).
	Auth *Auth
}

// Auth is a session's authentication (RFC 5880 §4.2–4.4, §6.7).
type Auth struct {
	// Type is the authentication type: packet.AuthSimplePassword,
	// AuthKeyedMD5, AuthMeticulousKeyedMD5, AuthKeyedSHA1 or
	// AuthMeticulousKeyedSHA1.
	Type packet.AuthType
	// KeyID is the Auth Key ID sent and required.
	KeyID uint8
	// Key is the password (1–16 bytes, simple) or the secret (up to 16
	// bytes for MD5, 20 for SHA1; shorter keys are zero-padded, as FRR
	// and BIRD do).
	Key []byte
}

// PeerConfig is one static session.
type PeerConfig struct {
	// Interface names an entry of Config.Interfaces.
	Interface string
	// Peer is the neighbour's address on that interface.
	Peer netip.Addr
	// Local is our address; unset, the transport's source address is
	// used and sessions are keyed by the peer alone.
	Local netip.Addr
}

// Validate reports the first invalid field as a *ConfigError, naming it
// by its YAML key.
func (c Config) Validate() error {
	seen := make(map[string]int, len(c.Interfaces))
	for i, ic := range c.Interfaces {
		if err := ic.validate(fmt.Sprintf("interfaces[%d]", i)); err != nil {
			return err
		}
		if j, dup := seen[ic.Name]; dup {
			return cfgErr(fmt.Sprintf("interfaces[%d].name", i), "%q is also interfaces[%d]", ic.Name, j)
		}
		seen[ic.Name] = i
	}
	type key struct {
		ifc  string
		peer netip.Addr
	}
	peers := make(map[key]int, len(c.Peers))
	for i, p := range c.Peers {
		f := fmt.Sprintf("peers[%d]", i)
		j, ok := seen[p.Interface]
		switch {
		case !ok:
			return cfgErr(f+".interface", "%q is not in interfaces", p.Interface)
		case !p.Peer.IsValid():
			return cfgErr(f+".peer", "is required")
		case p.Peer.IsMulticast() || p.Peer.IsUnspecified():
			return cfgErr(f+".peer", "%v is not a unicast address", p.Peer)
		case p.Peer.Unmap().Is6() && !c.Interfaces[j].IPv6:
			return cfgErr(f+".peer", "%v is IPv6 but interfaces[%d] (%s) does not have ipv6 set", p.Peer, j, p.Interface)
		case p.Local.IsValid() && p.Local.Unmap().Is4() != p.Peer.Unmap().Is4():
			return cfgErr(f+".local", "%v is not of the family of peer %v", p.Local, p.Peer)
		}
		k := key{p.Interface, p.Peer.Unmap()}
		if d, dup := peers[k]; dup {
			return cfgErr(f+".peer", "%v on %s is also peers[%d]", p.Peer, p.Interface, d)
		}
		peers[k] = i
	}
	return nil
}

func (ic InterfaceConfig) validate(f string) error {
	if ic.Name == "" {
		return cfgErr(f+".name", "is required")
	}
	if ic.IfIndex < 0 {
		return cfgErr(f+".ifindex", "must not be negative, got %d", ic.IfIndex)
	}
	for _, t := range []struct {
		key string
		d   time.Duration
	}{{"min_tx", ic.MinTx}, {"min_rx", ic.MinRx}} {
		if t.d != 0 && (t.d < MinInterval || t.d > MaxInterval) {
			return cfgErr(f+"."+t.key, "%v is outside %v to %v", t.d, MinInterval, MaxInterval)
		}
		if t.d%time.Microsecond != 0 {
			return cfgErr(f+"."+t.key, "%v is not a whole number of microseconds (RFC 5880 §4.1)", t.d)
		}
	}
	if ic.DetectMult < 0 || ic.DetectMult > MaxDetectMult {
		return cfgErr(f+".detect_multiplier", "%d is outside 1 to %d", ic.DetectMult, MaxDetectMult)
	}
	if ic.Auth != nil {
		if err := ic.Auth.validate(f + ".auth"); err != nil {
			return err
		}
	}
	return nil
}

func (a *Auth) validate(f string) error {
	switch a.Type {
	case packet.AuthSimplePassword:
		if len(a.Key) < 1 || len(a.Key) > packet.MaxPasswordLen {
			return cfgErr(f+".key", "a simple password is 1 to %d bytes, got %d (RFC 5880 §4.2)", packet.MaxPasswordLen, len(a.Key))
		}
	case packet.AuthKeyedMD5, packet.AuthMeticulousKeyedMD5:
		if len(a.Key) < 1 || len(a.Key) > packet.MD5KeyLen {
			return cfgErr(f+".key", "an MD5 key is 1 to %d bytes, got %d (RFC 5880 §4.3)", packet.MD5KeyLen, len(a.Key))
		}
	case packet.AuthKeyedSHA1, packet.AuthMeticulousKeyedSHA1:
		if len(a.Key) < 1 || len(a.Key) > packet.SHA1KeyLen {
			return cfgErr(f+".key", "a SHA1 key is 1 to %d bytes, got %d (RFC 5880 §4.4)", packet.SHA1KeyLen, len(a.Key))
		}
	default:
		return cfgErr(f+".type", "%v is not one of simple, keyed-md5, meticulous-keyed-md5, keyed-sha1, meticulous-keyed-sha1", a.Type)
	}
	return nil
}

// withDefaults returns ic with zero fields replaced by the defaults.
func (ic InterfaceConfig) withDefaults() InterfaceConfig {
	if ic.MinTx == 0 {
		ic.MinTx = DefaultMinTx
	}
	if ic.MinRx == 0 {
		ic.MinRx = DefaultMinRx
	}
	if ic.DetectMult == 0 {
		ic.DetectMult = DefaultDetectMult
	}
	return ic
}

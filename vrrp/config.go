package vrrp

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/switchless/routing/health"
	"github.com/switchless/routing/vrrp/packet"
)

// Errors of the package. Every error wraps one of them (or a codec error
// of package packet), so test with errors.Is.
var (
	// ErrInvalidConfig is wrapped by every error of Config.Validate and
	// of New's checks of Env; the message names the field and the reason.
	ErrInvalidConfig = errors.New("vrrp: invalid configuration")
	// ErrRestartRequired is wrapped by Router.Reconfigure's error for a
	// change that cannot be applied to a running router (VRID, Interface,
	// Version, Address); the message names the field.
	ErrRestartRequired = errors.New("vrrp: change requires a restart")
	// ErrStarted is returned by a second Start.
	ErrStarted = errors.New("vrrp: router already started")
	// ErrStopped is returned by Start after Stop: a Router runs once.
	ErrStopped = errors.New("vrrp: router stopped")
	// ErrNoTrack is returned by SetTrack for a name that is not a track.
	ErrNoTrack = errors.New("vrrp: no such track")
)

// Defaults of RFC 5798 §5.2.4 / §5.2.7 and RFC 3768 §5.3.4 / §5.3.7, and
// of this package's announcements.
const (
	DefaultPriority = 100
	DefaultInterval = time.Second

	DefaultAnnounceCount    = 3
	DefaultAnnounceInterval = 100 * time.Millisecond

	DefaultCheckInterval = time.Second
	DefaultRise          = 2
	DefaultFall          = 2
)

// Config configures one virtual router on one interface. Zero fields mean
// the RFC defaults; Validate reports what is wrong, naming the field.
type Config struct {
	// Version is V2 (RFC 3768, IPv4 only) or V3 (RFC 5798). Zero means V3.
	Version packet.Version
	// VRID is the Virtual Router Identifier, 1..255 (RFC 5798 §5.2.3).
	VRID uint8
	// Priority is this router's priority, 1..255; 255 means this router
	// owns the virtual addresses (RFC 5798 §5.2.4). Zero means 100.
	Priority uint8
	// Interval is Advertisement_Interval. Zero means 1 s. VRRPv2 needs
	// whole seconds, 1..255 s; VRRPv3 needs centiseconds, 10 ms..40.95 s.
	Interval time.Duration
	// NoPreempt clears Preempt_Mode (RFC 5798 §6.1, default true): a
	// higher-priority Backup then does not take over from a working
	// Master. The address owner always preempts.
	NoPreempt bool
	// PreemptDelay holds a Backup that could preempt a lower-priority
	// Master for this long after it first hears it (as keepalived's
	// preempt_delay). Zero preempts at once.
	PreemptDelay time.Duration
	// AcceptMode lets a non-owner Master accept packets sent to the
	// virtual addresses (RFC 5798 §6.1, default false). A virtual address
	// outside every subnet of the interface needs it.
	AcceptMode bool

	// Interface names the interface, for logs and the Linux glue.
	Interface string
	// Address is this router's primary address on the interface with its
	// prefix length (192.0.2.2/24): the source of its advertisements and
	// the tie-break between equal priorities (RFC 5798 §6.4.3). For IPv6
	// it is the interface's link-local address.
	Address netip.Prefix
	// Subnets are further prefixes configured on the interface. A virtual
	// address must lie in Address's subnet or one of these unless
	// AcceptMode is set.
	Subnets []netip.Prefix
	// VirtualAddresses are the addresses of the virtual router, all of
	// Address's family. For IPv6 the first must be link-local
	// (RFC 5798 §5.2.9).
	VirtualAddresses []netip.Addr

	// Peers, when set, makes the router send its advertisements to each
	// of them by unicast instead of to the multicast group, and accept
	// advertisements only from them.
	Peers []netip.Addr
	// AllowFrom, when set, restricts the sources whose advertisements
	// count to these prefixes (and to Peers). Others are dropped and
	// counted as DropSource.
	AllowFrom []netip.Prefix

	// AuthType and Password are VRRPv2 authentication (RFC 2338 §5.3.6,
	// kept by RFC 3768 for compatibility): AuthNone or AuthSimple with a
	// password of at most 8 bytes.
	AuthType packet.AuthType
	Password string
	// Checksum selects the VRRPv3 IPv4 checksum computation; see
	// ChecksumNoPseudoHeader.
	Checksum packet.ChecksumMode

	// Tracks lower the priority or force Backup while they fail.
	Tracks []Track
	// Announce configures gratuitous ARP / unsolicited NA.
	Announce AnnounceConfig
}

// AnnounceConfig sets when a new Master announces its virtual addresses
// with gratuitous ARP (IPv4) or unsolicited Neighbor Advertisements (IPv6),
// RFC 5798 §6.4.1 and §6.4.2.
type AnnounceConfig struct {
	// Count is how many announcements each burst sends; zero means 3.
	Count int
	// Interval spaces the announcements of a burst; zero means 100 ms.
	Interval time.Duration
	// Delay, when set, sends a second burst this long after becoming
	// Master (keepalived's garp_master_delay).
	Delay time.Duration
	// Refresh, when set, repeats one burst periodically while Master.
	Refresh time.Duration
}

// Track is a tracked object. While it fails, the router's priority is
// lowered by Weight or, with Weight 0, the router is forced to Backup (a
// Master leaves sending priority 0). Several failing tracks add their
// weights; the result is kept within 1..254. The address owner with a
// failing track is no longer the owner (it drops below 255).
//
// A Track with a Checker is polled every Interval, each check bounded by
// Timeout: Fall consecutive failures mark it failed, Rise consecutive
// successes mark it healthy again (a health.Hysteresis). It starts
// healthy. A Track without a Checker is driven by Router.SetTrack
// (interface link state, for example).
type Track struct {
	// Name identifies the track in Router.SetTrack, logs and Status.
	Name string
	// Weight lowers the priority while failing; 0 forces Backup.
	Weight int
	// Checker, if set, is polled.
	Checker health.Checker
	// Interval between checks; zero means 1 s.
	Interval time.Duration
	// Timeout bounds one check, at most Interval; zero means Interval.
	Timeout time.Duration
	// Rise and Fall are the consecutive results needed to change state;
	// zero means 2.
	Rise, Fall int
}

// withDefaults returns c with zero fields replaced by their defaults.
func (c Config) withDefaults() Config {
	if c.Version == 0 {
		c.Version = packet.V3
	}
	if c.Priority == 0 {
		c.Priority = DefaultPriority
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.Announce.Count == 0 {
		c.Announce.Count = DefaultAnnounceCount
	}
	if c.Announce.Interval == 0 {
		c.Announce.Interval = DefaultAnnounceInterval
	}
	tracks := make([]Track, len(c.Tracks))
	for i, t := range c.Tracks {
		if t.Interval == 0 {
			t.Interval = DefaultCheckInterval
		}
		if t.Timeout == 0 {
			t.Timeout = t.Interval
		}
		if t.Rise == 0 {
			t.Rise = DefaultRise
		}
		if t.Fall == 0 {
			t.Fall = DefaultFall
		}
		tracks[i] = t
	}
	c.Tracks = tracks
	return c
}

func cfgErr(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...))
}

// Validate reports the first problem of c, naming the field.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.Version != packet.V2 && c.Version != packet.V3 {
		return cfgErr("Version", "%d is neither 2 nor 3", uint8(c.Version))
	}
	if c.VRID == 0 {
		return cfgErr("VRID", "must be 1..255 (RFC 5798 §5.2.3)")
	}
	switch c.Version {
	case packet.V2:
		if c.Interval%time.Second != 0 || c.Interval > packet.MaxV2Interval || c.Interval < 0 {
			return cfgErr("Interval", "%v: VRRPv2 needs whole seconds, 1..255 (RFC 3768 §5.3.7)", c.Interval)
		}
	case packet.V3:
		if c.Interval%packet.MinV3Interval != 0 || c.Interval > packet.MaxV3Interval || c.Interval < 0 {
			return cfgErr("Interval", "%v: VRRPv3 needs centiseconds, 10ms..40.95s (RFC 5798 §5.2.7)", c.Interval)
		}
	}
	if c.PreemptDelay < 0 {
		return cfgErr("PreemptDelay", "%v is negative", c.PreemptDelay)
	}
	if !c.Address.IsValid() {
		return cfgErr("Address", "the interface's primary address with prefix length is required")
	}
	local := c.Address.Addr()
	v4 := local.Is4()
	if c.Version == packet.V2 && !v4 {
		return cfgErr("Address", "%v: VRRPv2 is IPv4 only (RFC 3768)", local)
	}
	if !v4 && !local.IsLinkLocalUnicast() {
		return cfgErr("Address", "%v: an IPv6 virtual router advertises from its link-local address (RFC 5798 §5.1.2.1)", local)
	}
	if len(c.VirtualAddresses) == 0 {
		return cfgErr("VirtualAddresses", "at least one is required")
	}
	if len(c.VirtualAddresses) > 255 {
		return cfgErr("VirtualAddresses", "%d is more than the 255 an advertisement carries", len(c.VirtualAddresses))
	}
	seen := make(map[netip.Addr]bool, len(c.VirtualAddresses))
	owns := 0
	for i, vip := range c.VirtualAddresses {
		field := fmt.Sprintf("VirtualAddresses[%d]", i)
		if !vip.IsValid() || vip.Is4() != v4 || vip.Is4In6() {
			return cfgErr(field, "%v is not an %s address like Address", vip, family(v4))
		}
		if vip.IsMulticast() || vip.IsUnspecified() || vip.IsLoopback() {
			return cfgErr(field, "%v cannot be a virtual address", vip)
		}
		if seen[vip] {
			return cfgErr(field, "%v is listed twice", vip)
		}
		seen[vip] = true
		if !v4 && i == 0 && !vip.IsLinkLocalUnicast() {
			return cfgErr(field, "%v: the first IPv6 virtual address must be link-local (RFC 5798 §5.2.9)", vip)
		}
		if vip == local {
			owns++
		}
		for _, s := range c.Subnets {
			if vip == s.Addr() {
				owns++
			}
		}
		if !c.AcceptMode && !c.inSubnet(vip) {
			return cfgErr(field, "%v is outside every subnet of the interface; set AcceptMode to use it", vip)
		}
	}
	if c.Priority == 255 && owns == 0 {
		return cfgErr("Priority", "255 is for the address owner, but no address of the interface is a virtual address (RFC 5798 §5.2.4)")
	}
	for i, s := range c.Subnets {
		if !s.IsValid() || s.Addr().Is4() != v4 {
			return cfgErr(fmt.Sprintf("Subnets[%d]", i), "%v is not an %s prefix", s, family(v4))
		}
	}
	for i, p := range c.Peers {
		if !p.IsValid() || p.Is4() != v4 || p.IsMulticast() || p == local {
			return cfgErr(fmt.Sprintf("Peers[%d]", i), "%v is not another %s unicast address", p, family(v4))
		}
	}
	for i, p := range c.AllowFrom {
		if !p.IsValid() || p.Addr().Is4() != v4 {
			return cfgErr(fmt.Sprintf("AllowFrom[%d]", i), "%v is not an %s prefix", p, family(v4))
		}
	}
	switch c.AuthType {
	case packet.AuthNone:
		if c.Password != "" {
			return cfgErr("Password", "set without AuthType AuthSimple")
		}
	case packet.AuthSimple:
		if c.Version != packet.V2 {
			return cfgErr("AuthType", "authentication exists only in VRRPv2 (RFC 5798 §9)")
		}
		if len(c.Password) == 0 || len(c.Password) > 8 {
			return cfgErr("Password", "must be 1..8 bytes")
		}
	default:
		return cfgErr("AuthType", "%v is not supported; IP AH was removed by RFC 3768 §5.3.6", c.AuthType)
	}
	if c.Checksum != packet.ChecksumPseudoHeader && c.Checksum != packet.ChecksumNoPseudoHeader {
		return cfgErr("Checksum", "unknown mode %d", c.Checksum)
	}
	if c.Announce.Count < 0 || c.Announce.Interval < 0 || c.Announce.Delay < 0 || c.Announce.Refresh < 0 {
		return cfgErr("Announce", "negative count or duration")
	}
	names := map[string]bool{}
	for i, t := range c.Tracks {
		field := fmt.Sprintf("Tracks[%d]", i)
		if t.Name == "" || names[t.Name] {
			return cfgErr(field+".Name", "%q is empty or repeated", t.Name)
		}
		names[t.Name] = true
		if t.Weight < 0 || t.Weight > 254 {
			return cfgErr(field+".Weight", "%d is not 0..254", t.Weight)
		}
		if t.Interval < 0 || t.Timeout < 0 || t.Rise < 0 || t.Fall < 0 {
			return cfgErr(field, "negative interval, timeout, rise or fall")
		}
		if t.Checker != nil && t.Timeout > t.Interval {
			return cfgErr(field+".Timeout", "%v is longer than the interval %v", t.Timeout, t.Interval)
		}
	}
	return nil
}

// inSubnet reports whether a lies in a subnet of the interface.
func (c Config) inSubnet(a netip.Addr) bool {
	if c.Address.Masked().Contains(a) {
		return true
	}
	for _, s := range c.Subnets {
		if s.Masked().Contains(a) {
			return true
		}
	}
	return false
}

func family(v4 bool) string {
	if v4 {
		return "IPv4"
	}
	return "IPv6"
}

// ValidateSet checks virtual routers meant to run side by side on one host:
// each must be valid, and no two may share a VRID and address family on the
// same interface (RFC 5798 §5.2.3: the VRID identifies the virtual router
// on a LAN), and no two may share a virtual address (a link-local one:
// on the same interface).
func ValidateSet(cfgs []Config) error {
	type key struct {
		iface string
		v4    bool
		vrid  uint8
	}
	type vip struct {
		addr  netip.Addr
		iface string // link-local addresses only: their scope
	}
	seen := map[key]int{}
	vips := map[vip]int{}
	for i, c := range cfgs {
		if err := c.Validate(); err != nil {
			return fmt.Errorf("router %d: %w", i, err)
		}
		k := key{c.Interface, c.Address.Addr().Is4(), c.VRID}
		if j, dup := seen[k]; dup {
			return fmt.Errorf("router %d: %w: VRID: %d on interface %q is already used by router %d",
				i, ErrInvalidConfig, c.VRID, c.Interface, j)
		}
		seen[k] = i
		// Two virtual routers with one address would both answer for
		// it when both are Master (on one LAN or two); a link-local
		// address is only unique on its link.
		for n, a := range c.VirtualAddresses {
			v := vip{addr: a}
			if a.IsLinkLocalUnicast() {
				v.iface = c.Interface
			}
			if j, dup := vips[v]; dup {
				return fmt.Errorf("router %d: %w: VirtualAddresses[%d]: %v is also a virtual address of router %d",
					i, ErrInvalidConfig, n, a, j)
			}
			vips[v] = i
		}
	}
	return nil
}

package anycast

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/switchless/routing/health"
)

// Sentinel errors, named as in every protocol package of the suite.
var (
	// ErrInvalidConfig is wrapped by every error of Validate and New; the
	// message names the field by its YAML key (services[2].checks[0].timeout).
	ErrInvalidConfig = errors.New("anycast: invalid configuration")
	// ErrRestartRequired is declared as in every protocol package for a
	// change Reconfigure cannot apply in place; every anycast field can
	// change in place, so Reconfigure does not return it today.
	ErrRestartRequired = errors.New("anycast: change requires a restart")
	// ErrStarted is returned by a second Start.
	ErrStarted = errors.New("anycast: instance already started")
	// ErrStopped is returned by Start after Stop: an Instance runs once.
	ErrStopped = errors.New("anycast: instance stopped")
	// ErrUnknownService is returned by SetMaintenance for a name no
	// service has.
	ErrUnknownService = errors.New("anycast: unknown service")
)

// Defaults for the zero fields of ServiceConfig and CheckConfig.
const (
	// DefaultInterval is the time between the starts of two check rounds.
	DefaultInterval = time.Second
	// DefaultRise and DefaultFall are the consecutive successful and failed
	// rounds that bring a service up and take it down.
	DefaultRise = 2
	DefaultFall = 2
	// DefaultMetric is the preferred metric (the paper's MA = 1).
	DefaultMetric = 1
	// DefaultFailMetric is the metric of a failed service with
	// FailAction "metric": RIP's infinity, which rip treats as a withdrawal
	// (RFC 2453 §3.8; paper §3.4).
	DefaultFailMetric = 16
	// DefaultPeerRaise is how much the peer policy raises every replica's
	// metric (paper §4.2: pre-raised by 2).
	DefaultPeerRaise = 2
	// DefaultDrainTime is how long a drained prefix stays announced at
	// DrainMetric (or, for a prefix that was not up, how long a withdrawn
	// prefix keeps its alias) so that the network can move: a RIP
	// triggered update and its damping timer, 1 to 5 s (RFC 2453
	// §3.10.1). Where a site router can learn the other replica only from
	// that replica's regular update (a RIP router keeps one route), use
	// the update interval plus that, 35 s.
	DefaultDrainTime = 5 * time.Second
	// DefaultDrainMetric is the metric a drained service is announced at
	// for DrainTime before it is withdrawn: worse than the other replicas'
	// (1 to 3 in the paper) so that every router moves to them while this
	// replica still answers, and low enough to stay below RIP's infinity
	// three hops away (12 + 3 < 16).
	DefaultDrainMetric = 12
	// DefaultBanner is the greeting a tcp_banner check expects: SMTP's 220
	// (RFC 5321 §4.2), the paper's service.
	DefaultBanner = "220"
	// DefaultDNSType is the query type of a dns check.
	DefaultDNSType = "A"
)

// Policy selects how a service's health moves its announcement (paper §4.2).
type Policy string

const (
	// PolicySelf (the zero value): the replica checks its own service; on
	// failure its announcement goes to FailMetric or is withdrawn (paper
	// §3.4 and the first method of §4.2).
	PolicySelf Policy = "self"
	// PolicyPeer: every replica announces Metric+PeerRaise and lowers its
	// own to Metric while a peer replica's check (PeerChecks, against the
	// peer's real address) fails (second method of §4.2).
	//
	// The paper warns that a replica which is itself broken would, under
	// the bare peer method, lower its metric as soon as it sees its peer
	// fail and so attract all the traffic. This package guards against
	// it: the replica's own Checks are required with this policy too, and
	// a replica whose own check fails never lowers its metric; it fails as
	// under PolicySelf.
	PolicyPeer Policy = "peer"
)

// FailAction is what a failed service does with its prefixes.
type FailAction string

const (
	// FailWithdraw (the zero value): withdraw the prefix. RIP advertises
	// it at metric 16 in a triggered update, then deletes it (§3.8).
	FailWithdraw FailAction = "withdraw"
	// FailMetric: keep announcing at FailMetric. With RIP and 16 this is a
	// withdrawal too; with OSPF it keeps a route of last resort.
	FailMetric FailAction = "metric"
)

// Config is what an operator writes: the services of one host.
type Config struct {
	// Services are announced independently; names are unique. A prefix
	// may be in several services: it is announced while any of them is
	// healthy, at the lowest metric among the healthy ones.
	Services []ServiceConfig `yaml:"services"`
}

// ServiceConfig is one health-checked service.
type ServiceConfig struct {
	// Name identifies the service in status, events and SetMaintenance.
	// Required, unique.
	Name string `yaml:"name"`
	// Prefixes are the service addresses, host routes only (/32, /128).
	// Required.
	Prefixes []netip.Prefix `yaml:"prefixes"`
	// CoverPrefixes are less-specific prefixes announced with the
	// service, each covering at least one of its Prefixes, at the same
	// metric and under the same rules, with no address of their own: they
	// are announced only while a covered prefix's alias is on the host,
	// and withdrawn before it goes. A backup replica announces the cover
	// of the VIP that the primary announces as a /32: when the primary's
	// /32 is withdrawn the routers' longest-prefix match falls back to the
	// cover at once, without waiting for the routing protocol to carry the
	// backup's /32 (a RIP router keeps one route per destination and
	// learns the backup's only from a neighbour's next update, damped for
	// 1 to 5 s after the withdrawal's, RFC 2453 §3.9.2, §3.10.1).
	CoverPrefixes []netip.Prefix `yaml:"cover_prefixes"`
	// Checks must all pass for a round to succeed. At least one check or
	// one Checker is required.
	Checks []CheckConfig `yaml:"checks"`
	// Checkers are programmatic checks, for embedders and simulations;
	// they count like Checks. Not in YAML.
	Checkers []health.Checker `yaml:"-"`
	// Interval is the time between the starts of two rounds; zero means
	// DefaultInterval.
	Interval time.Duration `yaml:"interval"`
	// Timeout bounds each check of a round, 0 < Timeout <= Interval; zero
	// means Interval. A check's own Timeout may be shorter.
	Timeout time.Duration `yaml:"timeout"`
	// Rise and Fall are the consecutive successful and failed rounds that
	// bring the service up and take it down; zero means DefaultRise and
	// DefaultFall. A service starts down: it is announced only after Rise
	// successful rounds.
	Rise int `yaml:"rise"`
	Fall int `yaml:"fall"`
	// Metric is the metric announced while healthy (with PolicyPeer: the
	// lowered one); zero means DefaultMetric.
	Metric uint32 `yaml:"metric"`
	// FailAction is what a failed service does; zero means FailWithdraw.
	FailAction FailAction `yaml:"fail_action"`
	// FailMetric is the metric of FailAction "metric"; zero means
	// DefaultFailMetric.
	FailMetric uint32 `yaml:"fail_metric"`
	// Policy is PolicySelf (zero) or PolicyPeer.
	Policy Policy `yaml:"policy"`
	// PeerChecks check the peer replicas' real addresses (PolicyPeer only,
	// required there); PeerCheckers are their programmatic form.
	PeerChecks   []CheckConfig    `yaml:"peer_checks"`
	PeerCheckers []health.Checker `yaml:"-"`
	// PeerRaise is added to Metric while peers are healthy (PolicyPeer);
	// zero means DefaultPeerRaise.
	PeerRaise uint32 `yaml:"peer_raise"`
	// DrainTime is how long a drain (maintenance, Stop) announces a healthy
	// service at DrainMetric before withdrawing it and removing its alias,
	// so that the network moves to the other replicas while this one still
	// answers; for a service that was not up, how long the withdrawn prefix
	// keeps its alias. Zero means DefaultDrainTime.
	DrainTime time.Duration `yaml:"drain_time"`
	// DrainMetric is the metric of a draining service; it must exceed the
	// metric announced while healthy (Metric, plus PeerRaise with the peer
	// policy). Zero means DefaultDrainMetric.
	DrainMetric uint32 `yaml:"drain_metric"`
	// MaintenanceFile, when set, is a path whose presence (checked every
	// round, like anycast-healthchecker's check_disabled) drains the
	// service as SetMaintenance(name, true) does.
	MaintenanceFile string `yaml:"maintenance_file"`
}

// CheckConfig is one check of a service.
type CheckConfig struct {
	// Type is tcp, tcp_banner, http, https, dns, icmp or exec.
	Type string `yaml:"type"`
	// Name labels the check in status; zero means Type and target.
	Name string `yaml:"name"`
	// Address is the target: host:port for tcp, tcp_banner and dns (dns
	// defaults to port 53), a host for icmp.
	Address string `yaml:"address"`
	// URL is the target of http and https.
	URL string `yaml:"url"`
	// Timeout bounds this check; zero means the service's Timeout, and it
	// may not exceed it.
	Timeout time.Duration `yaml:"timeout"`
	// Expect is the prefix the first line of a tcp_banner greeting must
	// start with (zero means DefaultBanner), or the substring an http body
	// must contain (zero means any body).
	Expect string `yaml:"expect"`
	// Status are the acceptable HTTP status codes; zero means 200 to 399.
	Status []int `yaml:"status"`
	// InsecureSkipVerify and ServerName configure https.
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
	ServerName         string `yaml:"server_name"`
	// Query and QType are the dns question (QType zero means A); the
	// answer must hold at least one record of that type.
	Query string `yaml:"query"`
	QType string `yaml:"qtype"`
	// Command and Args are the exec check: exit status 0 is a success.
	Command string   `yaml:"command"`
	Args    []string `yaml:"args"`
}

func boolInt(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

func cfgErr(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...))
}

// withDefaults returns s with its zero fields set to the defaults.
func (s ServiceConfig) withDefaults() ServiceConfig {
	if s.Interval == 0 {
		s.Interval = DefaultInterval
	}
	if s.Timeout == 0 {
		s.Timeout = s.Interval
	}
	if s.Rise == 0 {
		s.Rise = DefaultRise
	}
	if s.Fall == 0 {
		s.Fall = DefaultFall
	}
	if s.Metric == 0 {
		s.Metric = DefaultMetric
	}
	if s.FailAction == "" {
		s.FailAction = FailWithdraw
	}
	if s.FailMetric == 0 {
		s.FailMetric = DefaultFailMetric
	}
	if s.Policy == "" {
		s.Policy = PolicySelf
	}
	if s.PeerRaise == 0 {
		s.PeerRaise = DefaultPeerRaise
	}
	if s.DrainTime == 0 {
		s.DrainTime = DefaultDrainTime
	}
	if s.DrainMetric == 0 {
		s.DrainMetric = DefaultDrainMetric
	}
	return s
}

// Validate reports the first invalid field by its YAML key and the reason,
// wrapping ErrInvalidConfig. An exec check's command is looked up in PATH.
// Whether a prefix is another address of the host is checked by New
// against the address manager.
func (c Config) Validate() error {
	names := map[string]int{}
	for i, s := range c.Services {
		f := fmt.Sprintf("services[%d]", i)
		if s.Name == "" {
			return cfgErr(f+".name", "required")
		}
		if j, dup := names[s.Name]; dup {
			return cfgErr(f+".name", "%q: already the name of services[%d]", s.Name, j)
		}
		names[s.Name] = i
		if err := s.validate(f); err != nil {
			return err
		}
	}
	return nil
}

func (s ServiceConfig) validate(f string) error {
	if len(s.Prefixes) == 0 {
		return cfgErr(f+".prefixes", "required")
	}
	seen := map[netip.Prefix]bool{}
	for k, p := range s.Prefixes {
		pf := fmt.Sprintf("%s.prefixes[%d]", f, k)
		if !p.IsValid() {
			return cfgErr(pf, "%v: not a prefix", p)
		}
		if p.Bits() != p.Addr().BitLen() {
			return cfgErr(pf, "%v: not a host route (want /%d)", p, p.Addr().BitLen())
		}
		if p.Addr().Zone() != "" || !p.Addr().IsGlobalUnicast() {
			return cfgErr(pf, "%v: not a unicast service address", p)
		}
		if seen[p] {
			return cfgErr(pf, "%v: listed twice", p)
		}
		seen[p] = true
	}
	for k, c := range s.CoverPrefixes {
		cf := fmt.Sprintf("%s.cover_prefixes[%d]", f, k)
		switch {
		case !c.IsValid():
			return cfgErr(cf, "%v: not a prefix", c)
		case c != c.Masked():
			return cfgErr(cf, "%v: host bits set (want %v)", c, c.Masked())
		case c.Bits() == 0:
			return cfgErr(cf, "%v: a default route covers everything, not a service", c)
		case c.Bits() == c.Addr().BitLen():
			return cfgErr(cf, "%v: a host route is a service address: list it in prefixes", c)
		case seen[c]:
			return cfgErr(cf, "%v: listed twice", c)
		case !slices.ContainsFunc(s.Prefixes, func(p netip.Prefix) bool { return p.IsValid() && c.Contains(p.Addr()) }):
			return cfgErr(cf, "%v: covers none of the service's prefixes", c)
		}
		seen[c] = true
	}
	if s.Interval < 0 {
		return cfgErr(f+".interval", "%v: must be positive", s.Interval)
	}
	d := s.withDefaults()
	if s.Timeout < 0 || d.Timeout > d.Interval {
		return cfgErr(f+".timeout", "%v: must be within 0..interval (%v)", s.Timeout, d.Interval)
	}
	if s.Rise < 0 {
		return cfgErr(f+".rise", "%d: must be at least 1", s.Rise)
	}
	if s.Fall < 0 {
		return cfgErr(f+".fall", "%d: must be at least 1", s.Fall)
	}
	switch d.FailAction {
	case FailWithdraw, FailMetric:
	default:
		return cfgErr(f+".fail_action", "%q: want withdraw or metric", s.FailAction)
	}
	if d.FailAction == FailMetric && d.FailMetric <= d.Metric {
		return cfgErr(f+".fail_metric", "%d: must exceed metric (%d)", d.FailMetric, d.Metric)
	}
	if s.DrainTime < 0 {
		return cfgErr(f+".drain_time", "%v: must not be negative", s.DrainTime)
	}
	if len(s.Checks)+len(s.Checkers) == 0 {
		return cfgErr(f+".checks", "at least one check is required")
	}
	for k, c := range s.Checks {
		if err := c.validate(fmt.Sprintf("%s.checks[%d]", f, k), d.Timeout); err != nil {
			return err
		}
	}
	for k, c := range s.Checkers {
		if c == nil {
			return cfgErr(fmt.Sprintf("%s.checkers[%d]", f, k), "is nil")
		}
	}
	switch d.Policy {
	case PolicySelf:
		if len(s.PeerChecks)+len(s.PeerCheckers) > 0 {
			return cfgErr(f+".peer_checks", "only with policy peer")
		}
	case PolicyPeer:
		if d.FailAction == FailMetric && d.Metric+d.PeerRaise >= d.FailMetric {
			return cfgErr(f+".peer_raise", "%d: metric+peer_raise (%d) must stay below fail_metric (%d)", d.PeerRaise, d.Metric+d.PeerRaise, d.FailMetric)
		}
		if len(s.PeerChecks)+len(s.PeerCheckers) == 0 {
			return cfgErr(f+".peer_checks", "required with policy peer")
		}
		for k, c := range s.PeerChecks {
			if err := c.validate(fmt.Sprintf("%s.peer_checks[%d]", f, k), d.Timeout); err != nil {
				return err
			}
		}
		for k, c := range s.PeerCheckers {
			if c == nil {
				return cfgErr(fmt.Sprintf("%s.peer_checkers[%d]", f, k), "is nil")
			}
		}
	default:
		return cfgErr(f+".policy", "%q: want self or peer", s.Policy)
	}
	if up := d.Metric + d.PeerRaise*boolInt(d.Policy == PolicyPeer); d.DrainMetric <= up {
		return cfgErr(f+".drain_metric", "%d: must exceed the metric announced while healthy (%d), or a drain would not move the traffic away", d.DrainMetric, up)
	}
	return nil
}

func (c CheckConfig) validate(f string, svcTimeout time.Duration) error {
	if c.Timeout < 0 || c.Timeout > svcTimeout {
		return cfgErr(f+".timeout", "%v: must be within 0..the service's timeout (%v)", c.Timeout, svcTimeout)
	}
	needAddr := func() error {
		if c.Address == "" {
			return cfgErr(f+".address", "required for type %s", c.Type)
		}
		return nil
	}
	switch c.Type {
	case "tcp", "tcp_banner":
		if err := needAddr(); err != nil {
			return err
		}
		if _, _, err := splitHostPort(c.Address, ""); err != nil {
			return cfgErr(f+".address", "%q: %v", c.Address, err)
		}
	case "dns":
		if err := needAddr(); err != nil {
			return err
		}
		if _, _, err := splitHostPort(c.Address, "53"); err != nil {
			return cfgErr(f+".address", "%q: %v", c.Address, err)
		}
		if c.Query == "" {
			return cfgErr(f+".query", "required for type dns")
		}
		if _, err := parseQType(c.QType); err != nil {
			return cfgErr(f+".qtype", "%v", err)
		}
	case "icmp":
		if err := needAddr(); err != nil {
			return err
		}
		if _, err := netip.ParseAddr(c.Address); err != nil {
			return cfgErr(f+".address", "%q: not an IP address", c.Address)
		}
	case "http", "https":
		u, err := url.Parse(c.URL)
		if c.URL == "" || err != nil || u.Host == "" {
			return cfgErr(f+".url", "%q: want %s://host[:port]/path", c.URL, c.Type)
		}
		if u.Scheme != c.Type {
			return cfgErr(f+".url", "%q: scheme must be %s", c.URL, c.Type)
		}
		for k, s := range c.Status {
			if s < 100 || s > 599 {
				return cfgErr(fmt.Sprintf("%s.status[%d]", f, k), "%d: not an HTTP status", s)
			}
		}
	case "exec":
		if c.Command == "" {
			return cfgErr(f+".command", "required for type exec")
		}
		if _, err := exec.LookPath(c.Command); err != nil {
			return cfgErr(f+".command", "%q: %v", c.Command, err)
		}
	case "":
		return cfgErr(f+".type", "required")
	default:
		return cfgErr(f+".type", "%q: want tcp, tcp_banner, http, https, dns, icmp or exec", c.Type)
	}
	if c.Type != "http" && c.Type != "https" && (c.InsecureSkipVerify || c.ServerName != "" || len(c.Status) > 0) {
		return cfgErr(f+".type", "%s: insecure_skip_verify, server_name and status are for http(s)", c.Type)
	}
	return nil
}

// label returns the check's name in status.
func (c CheckConfig) label() string {
	if c.Name != "" {
		return c.Name
	}
	switch c.Type {
	case "http", "https":
		return c.URL
	case "exec":
		return "exec " + strings.Join(append([]string{c.Command}, c.Args...), " ")
	}
	return c.Type + " " + c.Address
}

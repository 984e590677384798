package main

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/switchless/routing/anycast"
	"github.com/switchless/routing/internal/confrules"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/ospfconf"
	"github.com/switchless/routing/internal/ripconf"
	"github.com/switchless/routing/ospf"
)

// File is anycastd's YAML configuration.
type File struct {
	// Addresses says where the service addresses go.
	Addresses AddressesConfig `yaml:"addresses"`
	// Speaker is the protocol that announces them: rip (the default when
	// a rip block is given), ospf (the default when an ospf block is
	// given) or kernel (a route per prefix in the main table,
	// anycast.NewFIBAnnouncer).
	Speaker string `yaml:"speaker"`
	// RIP is ripd's configuration, the same keys (package ripconf), for
	// speaker rip.
	RIP *ripconf.File `yaml:"rip"`
	// OSPF is ospfd's configuration, the same keys (package ospfconf),
	// for speaker ospf.
	OSPF *ospfconf.File `yaml:"ospf"`
	// OSPFAnnounce is how speaker ospf announces a prefix:
	// external-type1 (the default: an AS-external-LSA of type 1, the
	// metric added to the cost to this server, as a RIP metric adds to
	// the hops), external-type2 (the metric compared alone, the cost to
	// the server breaking ties) or stub (a host route of the server's
	// router-LSA, intra-area, cost to the server plus the metric, which
	// must then be at most 65535). See ospf.ExternalAnnouncer and
	// ospf.StubAnnouncer.
	OSPFAnnounce string `yaml:"ospf_announce"`
	// Services are anycast.ServiceConfig in YAML, keys as tagged there.
	Services []anycast.ServiceConfig `yaml:"services"`
	// Status is the unix socket `anycastd show` talks to; Socket is the
	// same under ripd's name. At most one of them is set.
	Status string `yaml:"status"`
	Socket string `yaml:"socket"`
	// LogFormat is text (the default) or json; rip.log_format when
	// unset.
	LogFormat string `yaml:"log_format"`
	// MetricsListen is the host:port serving Prometheus metrics at
	// /metrics; rip.metrics_listen when unset; empty is off.
	MetricsListen string `yaml:"metrics_listen"`
}

// AddressesConfig is anycast.NetlinkConfig in YAML.
type AddressesConfig struct {
	// Interface carries the service addresses; zero means lo.
	Interface string `yaml:"interface"`
	// Dummy creates a dummy interface named Interface if it is missing.
	Dummy bool `yaml:"dummy"`
	// Label is the IPv4 address label; zero means <interface>:anycast.
	Label string `yaml:"label"`
}

// Speakers.
const (
	speakerRIP    = "rip"
	speakerOSPF   = "ospf"
	speakerKernel = "kernel"
)

// OSPF announce modes (ospf_announce).
const (
	announceExternal1 = "external-type1"
	announceExternal2 = "external-type2"
	announceStub      = "stub"
)

// defaultSocket is the status socket when the configuration names none.
const defaultSocket = "/run/anycastd.sock"

// Loaded is a parsed configuration.
type Loaded struct {
	File
	// RIPConf is the parsed rip block (speaker rip).
	RIPConf *ripconf.Loaded
	// OSPFConf is the parsed ospf block (speaker ospf).
	OSPFConf *ospfconf.Loaded
	path     string
	root     yaml.Node
}

// LoadConfig reads and strictly decodes path; every error says
// "path:LINE: key: why".
func LoadConfig(path string) (*Loaded, error) {
	return daemonkit.LoadFile(path, ParseConfig)
}

// ParseConfig is LoadConfig on bytes; path names them in errors.
func ParseConfig(path string, b []byte) (*Loaded, error) {
	l := &Loaded{path: path}
	root, err := daemonkit.ParseYAML(path, b, &l.File)
	if root != nil {
		l.root = *root
	}
	if err != nil {
		if root != nil {
			return nil, ripconf.NameKeys(path, &l.root, err)
		}
		return nil, err
	}
	if err := l.validate(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Loaded) errAt(path []any, format string, args ...any) error {
	return daemonkit.ErrAt(l.path, &l.root, path, format, args...)
}

// speaker is the configured speaker with its default.
func (l *Loaded) speaker() string {
	switch {
	case l.Speaker != "":
		return l.Speaker
	case l.RIP != nil && l.OSPF == nil:
		return speakerRIP
	case l.OSPF != nil && l.RIP == nil:
		return speakerOSPF
	}
	return ""
}

// ospfAnnounce is the configured OSPF announce mode with its default.
func (l *Loaded) ospfAnnounce() string { return cmp.Or(l.OSPFAnnounce, announceExternal1) }

// metricsListen is the metrics server's address: the configuration's,
// else the rip or ospf block's.
func (l *Loaded) metricsListen() string {
	switch {
	case l.MetricsListen != "":
		return l.MetricsListen
	case l.RIP != nil:
		return l.RIP.MetricsListen
	case l.OSPF != nil:
		return l.OSPF.MetricsListen
	}
	return ""
}

// socket is the status socket: the configuration's, else defaultSocket.
func (l *Loaded) socket() string { return cmp.Or(l.Status, l.Socket, defaultSocket) }

// anycastConfig is the services as package anycast takes them.
func (l *Loaded) anycastConfig() anycast.Config {
	return anycast.Config{Services: l.Services}
}

// netlinkConfig is the address manager's configuration.
func (l *Loaded) netlinkConfig() anycast.NetlinkConfig {
	return anycast.NetlinkConfig{Interface: l.Addresses.Interface, Dummy: l.Addresses.Dummy, Label: l.Addresses.Label}
}

// validate checks everything that does not need the kernel.
func (l *Loaded) validate() error {
	f := &l.File
	if f.Status != "" && f.Socket != "" {
		return l.errAt([]any{"socket"}, "give the status socket once (status or socket)")
	}
	if why := daemonkit.CheckLogFormat(f.LogFormat); why != "" {
		return l.errAt([]any{"log_format"}, "%s", why)
	}
	if why := daemonkit.CheckListen(f.MetricsListen); why != "" {
		return l.errAt([]any{"metrics_listen"}, "%s", why)
	}
	if a := f.Addresses; a.Label != "" {
		ifname := cmp.Or(a.Interface, "lo")
		if !strings.HasPrefix(a.Label, ifname) || len(a.Label) > 15 {
			return l.errAt([]any{"addresses", "label"}, "%q must start with the interface name %q and be at most 15 bytes", a.Label, ifname)
		}
	}
	if a := f.Addresses.Interface; a != "" {
		if err := confrules.IfName(a); err != nil {
			return l.errAt([]any{"addresses", "interface"}, "%v", err)
		}
	}
	switch l.speaker() {
	case speakerRIP:
		if f.RIP == nil {
			return l.errAt([]any{"speaker"}, "speaker rip needs a rip block")
		}
		if f.OSPF != nil {
			return l.errAt([]any{"ospf"}, "only with speaker ospf")
		}
	case speakerOSPF:
		if f.OSPF == nil {
			return l.errAt([]any{"speaker"}, "speaker ospf needs an ospf block")
		}
		if f.RIP != nil {
			return l.errAt([]any{"rip"}, "only with speaker rip")
		}
	case speakerKernel:
		if f.RIP != nil {
			return l.errAt([]any{"rip"}, "only with speaker rip")
		}
		if f.OSPF != nil {
			return l.errAt([]any{"ospf"}, "only with speaker ospf")
		}
	case "":
		if f.RIP != nil && f.OSPF != nil {
			return l.errAt([]any{"speaker"}, "required with both a rip and an ospf block: rip or ospf (one speaker announces the services)")
		}
		return l.errAt([]any{"speaker"}, "required: rip, ospf or kernel")
	default:
		return l.errAt([]any{"speaker"}, "%q is not rip, ospf or kernel", f.Speaker)
	}
	if f.OSPFAnnounce != "" {
		switch {
		case l.speaker() != speakerOSPF:
			return l.errAt([]any{"ospf_announce"}, "only with speaker ospf")
		case f.OSPFAnnounce != announceExternal1 && f.OSPFAnnounce != announceExternal2 && f.OSPFAnnounce != announceStub:
			return l.errAt([]any{"ospf_announce"}, "%q is not external-type1, external-type2 or stub", f.OSPFAnnounce)
		}
	}
	if f.RIP != nil {
		if f.RIP.Socket != "" {
			return l.errAt([]any{"rip", "socket"}, "anycastd has one status socket: the top-level status")
		}
		if f.RIP.Redistribute.Connected != nil {
			// The service addresses are connected networks of the host:
			// redistributing them would announce them without their checks.
			return l.errAt([]any{"rip", "redistribute", "connected"}, "anycastd announces the service prefixes itself; redistributing connected networks would announce them unchecked")
		}
		rl, err := ripconf.Embedded(l.path, &l.root, []any{"rip"}, *f.RIP)
		if err != nil {
			return err
		}
		l.RIPConf = rl
	}
	if f.OSPF != nil {
		if err := l.validateOSPF(); err != nil {
			return err
		}
	}
	if len(f.Services) == 0 {
		return l.errAt([]any{"services"}, "at least one service is required")
	}
	if err := l.validateExplicit(); err != nil {
		return err
	}
	if err := l.check(l.anycastConfig()); err != nil {
		return err
	}
	if l.speaker() == speakerOSPF {
		return l.validateOSPFMetrics()
	}
	return nil
}

// validateOSPF checks the ospf block: ospfd's keys (package ospfconf)
// less what anycastd does otherwise or does not follow.
func (l *Loaded) validateOSPF() error {
	o := l.OSPF
	switch {
	case o.Socket != "":
		return l.errAt([]any{"ospf", "socket"}, "anycastd has one status socket: the top-level status")
	case o.Redistribute.Connected != nil:
		// The service addresses are connected networks of the host.
		return l.errAt([]any{"ospf", "redistribute", "connected"}, "anycastd announces the service prefixes itself; redistributing connected networks would announce them unchecked")
	case o.DefaultInformation.Originate && !o.DefaultInformation.Always:
		return l.errAt([]any{"ospf", "default_information", "originate"}, "anycastd does not follow the kernel's default route; originate needs always: true")
	case o.FIB.KeepOnStart:
		return l.errAt([]any{"ospf", "fib", "keep_on_start"}, "anycastd's speaker starts and stops with the daemon; its routes are not kept across a restart")
	}
	ol, err := ospfconf.Embedded(l.path, &l.root, []any{"ospf"}, *o)
	if err != nil {
		return err
	}
	l.OSPFConf = ol
	return nil
}

// validateOSPFMetrics holds every metric a service can announce to what
// the OSPF announce mode carries: a router-LSA link's 16 bits for stub
// (RFC 2328 §A.4.2), an AS-external-LSA's 24 bits below LSInfinity
// otherwise (§A.4.5). OSPF metrics are costs: 16 is not infinity, and a
// failed service is withdrawn (its LSA flushed or its link removed), not
// announced at 16, unless fail_action is metric.
func (l *Loaded) validateOSPFMetrics() error {
	limit, what := uint32(ospf.MaxExternalMetric), "an AS-external-LSA's metric is below LSInfinity (RFC 2328 §A.4.5)"
	if l.ospfAnnounce() == announceStub {
		limit, what = ospf.MaxLinkMetric, "a router-LSA link's metric is 16 bits (RFC 2328 §A.4.2) with ospf_announce stub"
	}
	type announced struct {
		key    string
		metric uint64
	}
	for i, s := range l.Services {
		metric := uint64(cmp.Or(s.Metric, anycast.DefaultMetric))
		all := []announced{{"metric", metric}}
		if s.Policy == anycast.PolicyPeer {
			all = append(all, announced{"peer_raise", metric + uint64(cmp.Or(s.PeerRaise, anycast.DefaultPeerRaise))})
		}
		all = append(all, announced{"drain_metric", uint64(cmp.Or(s.DrainMetric, anycast.DefaultDrainMetric))})
		if s.FailAction == anycast.FailMetric {
			all = append(all, announced{"fail_metric", uint64(cmp.Or(s.FailMetric, anycast.DefaultFailMetric))})
		}
		for _, a := range all {
			if a.metric > uint64(limit) {
				return l.errAt([]any{"services", i, a.key}, "announces metric %d: at most %d: %s", a.metric, limit, what)
			}
		}
	}
	return nil
}

// validateExplicit refuses the services' values written in the file that
// anycast.Config reads as "the default" when zero (an interval, a
// timeout, a rise or fall of 0), and holds the check timers to the rule
// vrrpd's track scripts follow (package confrules): a round's timeout
// shorter than its interval.
func (l *Loaded) validateExplicit() error {
	for i, s := range l.Services {
		has := func(k ...any) bool { return confrules.Has(&l.root, append([]any{"services", i}, k...)...) }
		at := func(k ...any) []any { return append([]any{"services", i}, k...) }
		for _, c := range []struct {
			key string
			n   int
		}{{"rise", s.Rise}, {"fall", s.Fall}} {
			if has(c.key) {
				if err := confrules.Count(c.n); err != nil {
					return l.errAt(at(c.key), "%v", err)
				}
			}
		}
		interval := s.Interval
		if !has("interval") {
			interval = anycast.DefaultInterval
		} else if err := confrules.Positive(interval); err != nil {
			return l.errAt(at("interval"), "%v", err)
		}
		if has("timeout") {
			if key, err := confrules.CheckTimers(interval, s.Timeout); err != nil {
				return l.errAt(at(key), "%v", err)
			}
		}
		for k, c := range s.Checks {
			if has("checks", k, "timeout") {
				if err := confrules.Positive(c.Timeout); err != nil {
					return l.errAt(at("checks", k, "timeout"), "%v", err)
				}
			}
		}
	}
	return nil
}

// check runs anycast.Config.Validate and points its error at a line: the
// library names the field by its YAML key ("services[1].checks[0].timeout").
func (l *Loaded) check(cfg anycast.Config) error {
	err := cfg.Validate()
	if err == nil {
		return nil
	}
	if !errors.Is(err, anycast.ErrInvalidConfig) {
		return fmt.Errorf("%s: %w", l.path, err)
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(err.Error(), anycast.ErrInvalidConfig.Error()), ": ")
	field, reason, ok := strings.Cut(rest, ": ")
	if !ok {
		return fmt.Errorf("%s: %s", l.path, rest)
	}
	return l.errAt(ripconf.YAMLPath(field), "%s", reason)
}

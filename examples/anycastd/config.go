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
	"github.com/switchless/routing/internal/ripconf"
)

// File is anycastd's YAML configuration.
type File struct {
	// Addresses says where the service addresses go.
	Addresses AddressesConfig `yaml:"addresses"`
	// Speaker is the protocol that announces them: rip (the default when
	// a rip block is given) or kernel (a route per prefix in the main
	// table, anycast.NewFIBAnnouncer). ospf is not supported yet.
	Speaker string `yaml:"speaker"`
	// RIP is ripd's configuration, the same keys (package ripconf), for
	// speaker rip.
	RIP *ripconf.File `yaml:"rip"`
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
	speakerKernel = "kernel"
)

// defaultSocket is the status socket when the configuration names none.
const defaultSocket = "/run/anycastd.sock"

// Loaded is a parsed configuration.
type Loaded struct {
	File
	// RIPConf is the parsed rip block (speaker rip).
	RIPConf *ripconf.Loaded
	path    string
	root    yaml.Node
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
	if l.Speaker == "" && l.RIP != nil {
		return speakerRIP
	}
	return l.Speaker
}

// metricsListen is the metrics server's address: the configuration's,
// else the rip block's.
func (l *Loaded) metricsListen() string {
	if l.MetricsListen == "" && l.RIP != nil {
		return l.RIP.MetricsListen
	}
	return l.MetricsListen
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
	case speakerKernel:
		if f.RIP != nil {
			return l.errAt([]any{"rip"}, "only with speaker rip")
		}
	case "ospf":
		return l.errAt([]any{"speaker"}, "ospf is not supported by anycastd yet; use rip or kernel")
	case "":
		return l.errAt([]any{"speaker"}, "required: rip or kernel")
	default:
		return l.errAt([]any{"speaker"}, "%q is not rip or kernel", f.Speaker)
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
	if len(f.Services) == 0 {
		return l.errAt([]any{"services"}, "at least one service is required")
	}
	if err := l.validateExplicit(); err != nil {
		return err
	}
	return l.check(l.anycastConfig())
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

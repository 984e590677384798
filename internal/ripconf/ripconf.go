// Package ripconf is ripd's YAML configuration (the File model, strict
// decoding with "FILE:LINE: key.path: reason" errors, the bfd: blocks
// through package bfdconf) and its translation to rip.Config, shared by
// examples/ripd and examples/anycastd (which embeds the same keys under
// rip:).
package ripconf

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/internal/bfdconf"
	"github.com/switchless/routing/internal/confrules"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/rip"
	"github.com/switchless/routing/rip/packet"
)

// File is ripd's YAML configuration. Zero fields take the defaults of
// rip.Config (the RFC's).
type File struct {
	// Socket is the unix socket `ripd show` talks to.
	Socket string `yaml:"socket"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// LogFormat is text (the default) or json.
	LogFormat string `yaml:"log_format"`
	// MetricsListen is the host:port serving Prometheus metrics at
	// /metrics; empty is off.
	MetricsListen string `yaml:"metrics_listen"`
	// Profile is rfc (the default: 30/180/120 s) or fast (5/15/10 s,
	// rip.FastTimers); Timers fields override it one by one.
	Profile string `yaml:"profile"`
	// Timers are the RFC 2453 §3.8 and §3.10.1 timers.
	Timers TimersConfig `yaml:"timers"`
	// MaxPaths is the number of equal-metric next hops per route (ECMP,
	// FRR's allow-ecmp); 0 or 1 is no ECMP.
	MaxPaths int `yaml:"max_paths"`
	// MaxRoutesPerNeighbor bounds the routes one neighbour can give the
	// table (rip.Config.MaxRoutesPerNeighbor); 0 is no limit.
	MaxRoutesPerNeighbor int `yaml:"max_routes_per_neighbor"`
	// FIB says where routes go in the kernel.
	FIB FIBConfig `yaml:"fib"`
	// Interfaces are the RIP interfaces.
	Interfaces []InterfaceConfig `yaml:"interfaces"`
	// Static routes are originated as configured.
	Static []StaticConfig `yaml:"static"`
	// Redistribute selects routes of the kernel to advertise.
	Redistribute RedistributeConfig `yaml:"redistribute"`
	// DefaultInformation originates 0.0.0.0/0 (unconditionally, as FRR
	// ripd's default-information originate).
	DefaultInformation DefaultInfoConfig `yaml:"default_information"`
	// BFD is the defaults of the BFD sessions of the interfaces with bfd
	// (see package bfdconf).
	BFD bfdconf.Defaults `yaml:"bfd"`
}

// TimersConfig is rip.Timers in YAML.
type TimersConfig struct {
	Update            time.Duration `yaml:"update"`
	Timeout           time.Duration `yaml:"timeout"`
	GarbageCollection time.Duration `yaml:"garbage_collection"`
	TriggerMin        time.Duration `yaml:"trigger_min"`
	TriggerMax        time.Duration `yaml:"trigger_max"`
}

// FIBConfig configures the kernel routing table.
type FIBConfig struct {
	// Disabled computes routes without installing them.
	Disabled bool `yaml:"disabled"`
	// Table is the kernel table; 0 is main.
	Table int `yaml:"table"`
	// Metric is the kernel metric of installed routes; 0 means the RIP
	// metric of each route.
	Metric uint32 `yaml:"metric"`
	// RTProtocol is the rtm_protocol routes are tagged with; 0 means
	// fib.RTProtoRIP (244).
	RTProtocol uint8 `yaml:"rt_protocol"`
}

// InterfaceConfig is one RIP interface.
type InterfaceConfig struct {
	// Name is the kernel interface name.
	Name string `yaml:"name"`
	// Prefix is the interface address with prefix length; by default the
	// interface's first IPv4 address, followed as it changes.
	Prefix       *netip.Prefix    `yaml:"prefix"`
	Passive      bool             `yaml:"passive"`
	NoMulticast  bool             `yaml:"no_multicast"`
	Neighbors    []netip.Addr     `yaml:"neighbors"`
	SplitHorizon rip.SplitHorizon `yaml:"split_horizon"`
	MetricIn     int              `yaml:"metric_in"`
	MetricOut    int              `yaml:"metric_out"`
	V2Only       bool             `yaml:"v2_only"`
	Auth         AuthConfig       `yaml:"auth"`
	// BFD runs a BFD session to each neighbour heard on the interface
	// (RFC 5882): true, or the session parameters overriding the
	// top-level bfd block. A session going Down drops the neighbour's
	// routes at once instead of after the timeout.
	BFD bfdconf.Interface `yaml:"bfd"`
}

// AuthConfig is the interface authentication.
type AuthConfig struct {
	// Mode is none, password or crypto.
	Mode     rip.AuthMode `yaml:"mode"`
	Password string       `yaml:"password"`
	Keys     []KeyConfig  `yaml:"keys"`
}

// KeyConfig is one RFC 4822 key; lifetimes are RFC 3339 timestamps, an
// absent one unbounded.
type KeyConfig struct {
	ID int `yaml:"id"`
	// Algorithm is md5 (the default), hmac-sha-1, hmac-sha-256,
	// hmac-sha-384 or hmac-sha-512.
	Algorithm   string    `yaml:"algorithm"`
	Secret      string    `yaml:"secret"`
	SendStart   time.Time `yaml:"send_start"`
	SendEnd     time.Time `yaml:"send_end"`
	AcceptStart time.Time `yaml:"accept_start"`
	AcceptEnd   time.Time `yaml:"accept_end"`
}

// StaticConfig is rip.StaticRoute in YAML.
type StaticConfig struct {
	Prefix    netip.Prefix `yaml:"prefix"`
	NextHop   netip.Addr   `yaml:"next_hop"`
	Interface string       `yaml:"interface"`
	Metric    int          `yaml:"metric"`
	Tag       uint16       `yaml:"tag"`
}

// RedistributeConfig selects redistributed routes.
type RedistributeConfig struct {
	// Connected advertises the networks of the interfaces that do not
	// run RIP (loopback addresses other than 127/8 included), followed as
	// they change.
	Connected *SourceConfig `yaml:"connected"`
}

// SourceConfig is one redistributed source; present means enabled.
type SourceConfig struct {
	// Metric is 1 to 15; zero means 1.
	Metric int    `yaml:"metric"`
	Tag    uint16 `yaml:"tag"`
}

// DefaultInfoConfig is `default-information originate`.
type DefaultInfoConfig struct {
	Originate bool   `yaml:"originate"`
	Metric    int    `yaml:"metric"`
	Tag       uint16 `yaml:"tag"`
}

// Loaded is a parsed configuration with what is needed to point at lines.
type Loaded struct {
	File
	path string
	root yaml.Node
	// prefix is the YAML path of the File in its document: nil for
	// ripd, [rip] in anycastd's.
	prefix []any
	// bfd are the BFD parameters of the interfaces with bfd, by name.
	bfd map[string]bfdconf.Session
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
	if err != nil {
		return nil, err
	}
	l.root = *root
	if err := l.validate(); err != nil {
		return nil, err
	}
	return l, nil
}

// errAt formats an error at the line of the node at path (keys and
// sequence indexes), or of its nearest existing parent.
func (l *Loaded) errAt(path []any, format string, args ...any) error {
	return daemonkit.ErrAt(l.path, &l.root, append(slices.Clone(l.prefix), path...), format, args...)
}

// NameKeys returns err as it is: daemonkit.DecodeYAMLStrict, which
// ParseYAML uses, names the key of every decoding error itself now. New
// callers need not call it.
func NameKeys(file string, root *yaml.Node, err error) error { return err }

// Embedded validates f, decoded (strictly) as the value at prefix of the
// YAML document root of the file path, as ParseConfig does after decoding:
// errors name the keys with prefix ("rip.interfaces[0].bfd...").
func Embedded(path string, root *yaml.Node, prefix []any, f File) (*Loaded, error) {
	l := &Loaded{File: f, path: path, root: *root, prefix: slices.Clone(prefix)}
	if err := l.validate(); err != nil {
		return nil, err
	}
	return l, nil
}

// validate checks everything that does not need the kernel.
func (l *Loaded) validate() error {
	f := &l.File
	switch f.LogLevel {
	case "", "debug", "info", "warn", "error":
	default:
		return l.errAt([]any{"log_level"}, "%q is not debug, info, warn or error", f.LogLevel)
	}
	if why := daemonkit.CheckLogFormat(f.LogFormat); why != "" {
		return l.errAt([]any{"log_format"}, "%s", why)
	}
	if why := daemonkit.CheckListen(f.MetricsListen); why != "" {
		return l.errAt([]any{"metrics_listen"}, "%s", why)
	}
	switch f.Profile {
	case "", "rfc", "fast":
	default:
		return l.errAt([]any{"profile"}, "%q is not rfc or fast", f.Profile)
	}
	if p := f.FIB.RTProtocol; p >= 1 && p <= 3 {
		return l.errAt([]any{"fib", "rt_protocol"}, "%d is reserved by the kernel; use 4..255", p)
	}
	for i, ic := range f.Interfaces {
		for k, kc := range ic.Auth.Keys {
			if _, err := kc.algorithm(); err != nil {
				return l.errAt([]any{"interfaces", i, "auth", "keys", k, "algorithm"}, "%q is not md5, hmac-sha-1, hmac-sha-256, hmac-sha-384 or hmac-sha-512", kc.Algorithm)
			}
		}
	}
	if err := l.validateExplicit(); err != nil {
		return err
	}
	def, err := f.BFD.Parse(l.path, l.key("bfd"))
	if err != nil {
		return err
	}
	l.bfd = map[string]bfdconf.Session{}
	for i, ic := range f.Interfaces {
		on, s, err := ic.BFD.Parse(l.path, l.key("interfaces", i, "bfd"), def)
		if err != nil {
			return err
		}
		if on {
			l.bfd[ic.Name] = s
		}
	}
	if s := f.Redistribute.Connected; s != nil && (s.Metric < 0 || s.Metric >= packet.Infinity) {
		return l.errAt([]any{"redistribute", "connected", "metric"}, "%d is not 1 to 15", s.Metric)
	}
	// The library validates the rest (timers at least rip.MinTimer, auth
	// secrets only with their mode, fib.table, static prefixes). Interface addresses are not known
	// yet: those not configured get a placeholder network of their own
	// (198.18.0.0/15, for benchmarks), their neighbours placeholders on
	// it; the kernel's are checked when the instance starts.
	cfg := l.RIPConfig(func(i int) netip.Prefix {
		if p := f.Interfaces[i].Prefix; p != nil {
			return *p
		}
		return Placeholder(i)
	})
	for i := range cfg.Interfaces {
		if f.Interfaces[i].Prefix == nil {
			for k := range cfg.Interfaces[i].Neighbors {
				n := cfg.Interfaces[i].Neighbors[k]
				if !n.Is4() || n.IsMulticast() || n.IsUnspecified() {
					return l.errAt([]any{"interfaces", i, "neighbors", k}, "%v is not an IPv4 unicast address", n)
				}
				cfg.Interfaces[i].Neighbors[k] = Placeholder(i).Addr().Next()
			}
		}
	}
	return l.Check(cfg)
}

// validateExplicit refuses values written in the file that rip.Config
// cannot tell from absent ones (zero means its default there) or cannot
// see: a timer or a metric of 0 (RFC 2453 §3.4.2: metrics are 1 to 15),
// interface names Linux refuses, a neighbour listed twice.
func (l *Loaded) validateExplicit() error {
	f := &l.File
	has := func(k ...any) bool { return confrules.Has(&l.root, l.key(k...)...) }
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"update", f.Timers.Update}, {"timeout", f.Timers.Timeout}, {"garbage_collection", f.Timers.GarbageCollection}} {
		if has("timers", d.key) && d.v == 0 {
			if err := confrules.Positive(d.v); err != nil {
				return l.errAt([]any{"timers", d.key}, "%v", err)
			}
		}
	}
	const metric = "0: a RIP metric is 1 to 15 (RFC 2453 §3.4.2); leave the key out for 1"
	for i, ic := range f.Interfaces {
		if err := confrules.IfName(ic.Name); err != nil && ic.Name != "" {
			return l.errAt([]any{"interfaces", i, "name"}, "%v", err)
		}
		if has("interfaces", i, "metric_in") && ic.MetricIn == 0 {
			return l.errAt([]any{"interfaces", i, "metric_in"}, "0: the interface cost is 1 to 15 (RFC 2453 §3.4.2); leave the key out for 1")
		}
		seen := map[netip.Addr]int{}
		for k, n := range ic.Neighbors {
			if j, dup := seen[n]; dup {
				return l.errAt([]any{"interfaces", i, "neighbors", k}, "%v is also neighbors[%d]", n, j)
			}
			seen[n] = k
		}
	}
	for k, st := range f.Static {
		if has("static", k, "metric") && st.Metric == 0 {
			return l.errAt([]any{"static", k, "metric"}, metric)
		}
	}
	if has("redistribute", "connected", "metric") && f.Redistribute.Connected != nil && f.Redistribute.Connected.Metric == 0 {
		return l.errAt([]any{"redistribute", "connected", "metric"}, metric)
	}
	if has("default_information", "metric") && f.DefaultInformation.Metric == 0 {
		return l.errAt([]any{"default_information", "metric"}, metric)
	}
	return nil
}

// key is the YAML path k below the File's prefix.
func (l *Loaded) key(k ...any) []any { return append(slices.Clone(l.prefix), k...) }

// Placeholder is the stand-in network of interface i during validation.
func Placeholder(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18 + byte(i>>8&1), byte(i), 1}), 24)
}

// Check runs rip.Config.Validate and points its error at a line: the
// library names the field by its YAML key ("interfaces[1].auth.keys[0].id").
func (l *Loaded) Check(cfg rip.Config) error {
	err := cfg.Validate()
	if err == nil {
		return nil
	}
	var ce *rip.ConfigError
	if !errors.As(err, &ce) {
		return fmt.Errorf("%s: %w", l.path, err)
	}
	return l.errAt(YAMLPath(cmp.Or(ripdKeys[ce.Field], ce.Field)), "%s", ce.Reason)
}

// ripdKeys are the rip.Config keys that ripd's YAML spells otherwise.
var ripdKeys = map[string]string{"fib_table": "fib.table", "fib_metric": "fib.metric"}

// YAMLPath splits "interfaces[1].auth.keys[0].id" into its keys and
// indexes.
func YAMLPath(field string) []any {
	var path []any
	for _, part := range strings.Split(field, ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name != "" {
			path = append(path, name)
		}
		for rest != "" {
			idx, after, _ := strings.Cut(rest, "]")
			if n, err := strconv.Atoi(idx); err == nil {
				path = append(path, n)
			}
			_, rest, _ = strings.Cut(after, "[")
		}
	}
	return path
}

// HasBFD reports whether the interface name has bfd.
func (l *Loaded) HasBFD(name string) bool {
	_, ok := l.bfd[name]
	return ok
}

// BFDConfig is the BFD configuration of cfg's interfaces with bfd (their
// IfIndex as set), without interfaces when none has it.
func (l *Loaded) BFDConfig(cfg rip.Config) bfd.Config {
	var bc bfd.Config
	for _, ic := range cfg.Interfaces {
		if s, ok := l.bfd[ic.Name]; ok && ic.BFD {
			bc.Interfaces = append(bc.Interfaces, s.InterfaceConfig(ic.Name, ic.IfIndex))
		}
	}
	return bc
}

func (k KeyConfig) algorithm() (packet.Algorithm, error) {
	if k.Algorithm == "" {
		return packet.AlgMD5, nil
	}
	return packet.ParseAlgorithm(strings.ToLower(k.Algorithm))
}

// timers are the profile's timers with the configured fields on top.
func (l *Loaded) timers() rip.Timers {
	var t rip.Timers
	if l.Profile == "fast" {
		t = rip.FastTimers()
	}
	set := func(d *time.Duration, v time.Duration) {
		if v != 0 {
			*d = v
		}
	}
	set(&t.Update, l.Timers.Update)
	set(&t.Timeout, l.Timers.Timeout)
	set(&t.GarbageCollection, l.Timers.GarbageCollection)
	set(&t.TriggerMin, l.Timers.TriggerMin)
	set(&t.TriggerMax, l.Timers.TriggerMax)
	return t
}

// RIPConfig builds the library configuration, interface i having address
// addr(i). IfIndex and the redistributed routes are left for the caller.
func (l *Loaded) RIPConfig(addr func(i int) netip.Prefix) rip.Config {
	f := &l.File
	cfg := rip.Config{
		Timers:               l.timers(),
		MaxPaths:             f.MaxPaths,
		MaxRoutesPerNeighbor: f.MaxRoutesPerNeighbor,
		FIBTable:             f.FIB.Table,
		FIBMetric:            f.FIB.Metric,
		DefaultInformation: rip.DefaultInformation{
			// FRR ripd's originate is unconditional: rip's Always.
			Originate: f.DefaultInformation.Originate, Always: f.DefaultInformation.Originate,
			Metric: f.DefaultInformation.Metric, Tag: f.DefaultInformation.Tag,
		},
	}
	for i, ic := range f.Interfaces {
		a := rip.AuthConfig{Mode: ic.Auth.Mode, Password: ic.Auth.Password}
		for _, kc := range ic.Auth.Keys {
			alg, _ := kc.algorithm() // checked by validate
			a.Keys = append(a.Keys, rip.KeyConfig{
				ID: kc.ID, Algorithm: alg, Secret: kc.Secret,
				SendStart: kc.SendStart, SendEnd: kc.SendEnd, AcceptStart: kc.AcceptStart, AcceptEnd: kc.AcceptEnd,
			})
		}
		cfg.Interfaces = append(cfg.Interfaces, rip.InterfaceConfig{
			Name: ic.Name, Prefix: addr(i), Passive: ic.Passive, NoMulticast: ic.NoMulticast,
			Neighbors: append([]netip.Addr(nil), ic.Neighbors...), SplitHorizon: ic.SplitHorizon,
			MetricIn: ic.MetricIn, MetricOut: ic.MetricOut, V2Only: ic.V2Only, Auth: a,
			BFD: l.HasBFD(ic.Name),
		})
	}
	for _, s := range f.Static {
		cfg.Static = append(cfg.Static, rip.StaticRoute{Prefix: s.Prefix, NextHop: s.NextHop, Interface: s.Interface, Metric: s.Metric, Tag: s.Tag})
	}
	return cfg
}

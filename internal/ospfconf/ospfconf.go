// Package ospfconf is ospfd's YAML configuration (the File model, strict
// decoding with "FILE:LINE: key.path: reason" errors, the bfd: blocks
// through package bfdconf) and its translation to ospf.Config, shared by
// examples/ospfd and examples/anycastd (which embeds the same keys under
// ospf:).
package ospfconf

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/bfdconf"
	"github.com/switchless/routing/internal/confrules"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/ospf/packet"
)

// File is ospfd's YAML configuration. Zero fields take the defaults of
// ospf.Config (the RFC's, or FRR's where the RFC leaves a choice).
type File struct {
	// RouterID is the OSPF Router ID (required).
	RouterID netip.Addr `yaml:"router_id"`
	// Socket is the unix socket `ospfd show` talks to.
	Socket string `yaml:"socket"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// LogFormat is text (the default) or json.
	LogFormat string `yaml:"log_format"`
	// MetricsListen is the host:port serving Prometheus metrics at
	// /metrics; empty is off.
	MetricsListen string `yaml:"metrics_listen"`
	// MaxPaths is the number of equal-cost next hops per route (ECMP).
	MaxPaths int `yaml:"max_paths"`
	// FIB says where routes go in the kernel.
	FIB FIBConfig `yaml:"fib"`
	// SPF is the RFC 8405 back-off of route calculations.
	SPF SPFConfig `yaml:"spf"`
	// Interfaces are the OSPF interfaces (area 0).
	Interfaces []InterfaceConfig `yaml:"interfaces"`
	// Redistribute selects routes advertised as AS-external-LSAs.
	Redistribute RedistributeConfig `yaml:"redistribute"`
	// DefaultInformation is FRR's `default-information originate`.
	DefaultInformation DefaultInfoConfig `yaml:"default_information"`
	// BFD is the defaults of the BFD sessions of the interfaces with bfd
	// (see package bfdconf).
	BFD bfdconf.Defaults `yaml:"bfd"`
	// StubRouter is RFC 6987 stub router advertisement
	// (ospf.Config.StubRouter): the router-LSA's links to other routers
	// at the maximum cost while starting or administratively.
	StubRouter StubRouterConfig `yaml:"stub_router"`
	// ExternalLSDBLimit is RFC 1765's ospfExtLsdbLimit: the most
	// non-default AS-external-LSAs the database holds; 0 (the default)
	// is no limit. It must be the same on every router of the domain.
	ExternalLSDBLimit int `yaml:"external_lsdb_limit"`
	// ExitOverflowInterval is RFC 1765's ospfExitOverflowInterval: how
	// long the overflow state lasts; 0 (the RFC's default) keeps it until
	// a restart. Only with external_lsdb_limit.
	ExitOverflowInterval time.Duration `yaml:"exit_overflow_interval"`
	// MinLSInterval is the least time between two originations of one
	// LSA (RFC 2328 §12.4, Appendix B; FRR's `timers throttle lsa all`);
	// absent means the RFC's 5 s.
	MinLSInterval time.Duration `yaml:"min_ls_interval"`
	// MinLSArrival is the least time between two accepted floodings of
	// one LSA (§13 step 5a; FRR's `timers lsa min-arrival`); absent means
	// the RFC's 1 s, or min_ls_interval when that is shorter. At most
	// min_ls_interval.
	MinLSArrival time.Duration `yaml:"min_ls_arrival"`
}

// StubRouterConfig is ospf.StubRouter in YAML (RFC 6987).
type StubRouterConfig struct {
	// OnStartup, when set, advertises the maximum cost from start until
	// the routing table is complete and installed, at most this long
	// (FRR's `max-metric router-lsa on-startup`); 0 is off. A reload
	// applies it from the next start only.
	OnStartup time.Duration `yaml:"on_startup"`
	// Administrative advertises the maximum cost while set (FRR's
	// `max-metric router-lsa administrative`); a reload sets and clears
	// it in place.
	Administrative bool `yaml:"administrative"`
}

// FIBConfig configures the kernel routing table.
type FIBConfig struct {
	// Disabled computes routes without installing them.
	Disabled bool `yaml:"disabled"`
	// Table is the kernel table; 0 is main.
	Table int `yaml:"table"`
	// Metric is the kernel metric of installed routes; 0 means 20.
	Metric uint32 `yaml:"metric"`
	// RTProtocol is the rtm_protocol routes are tagged with; 0 means
	// fib.RTProtoOSPF (243).
	RTProtocol uint8 `yaml:"rt_protocol"`
	// KeepOnStart adopts routes a previous run left instead of deleting
	// them at start (forwarding continues across a restart).
	KeepOnStart bool `yaml:"keep_on_start"`
}

// SPFConfig is ospf.SPFBackoff in YAML.
type SPFConfig struct {
	InitialDelay time.Duration `yaml:"initial_delay"`
	ShortDelay   time.Duration `yaml:"short_delay"`
	LongDelay    time.Duration `yaml:"long_delay"`
	TimeToLearn  time.Duration `yaml:"time_to_learn"`
	HoldDown     time.Duration `yaml:"hold_down"`
}

// InterfaceConfig is one OSPF interface.
type InterfaceConfig struct {
	// Name is the kernel interface name.
	Name string `yaml:"name"`
	// Network is broadcast (default) or point-to-point.
	Network ospf.NetworkType `yaml:"network"`
	// Address is the interface address with prefix length; by default the
	// interface's first IPv4 address, followed as it changes.
	Address            *netip.Prefix `yaml:"address"`
	Cost               uint16        `yaml:"cost"`
	Priority           *uint8        `yaml:"priority"`
	HelloInterval      time.Duration `yaml:"hello_interval"`
	DeadInterval       time.Duration `yaml:"dead_interval"`
	HelloMultiplier    int           `yaml:"hello_multiplier"`
	RetransmitInterval time.Duration `yaml:"retransmit_interval"`
	TransmitDelay      time.Duration `yaml:"transmit_delay"`
	Passive            bool          `yaml:"passive"`
	MTU                int           `yaml:"mtu"`
	MTUIgnore          bool          `yaml:"mtu_ignore"`
	Auth               AuthConfig    `yaml:"auth"`
	// BFD runs a BFD session to each neighbor of 2-Way or more on the
	// interface (RFC 5882): true, or the session parameters overriding
	// the top-level bfd block. A session going Down kills the neighbor
	// at once instead of after the dead interval.
	BFD bfdconf.Interface `yaml:"bfd"`
}

// AuthConfig is the interface authentication.
type AuthConfig struct {
	// Type is none, simple or crypto (the algorithm is per key).
	Type string `yaml:"type"`
	// Password is the simple password (at most 8 bytes).
	Password string `yaml:"password"`
	// Keys are the cryptographic keys.
	Keys []KeyConfig `yaml:"keys"`
	// StrictReplay rejects equal cryptographic sequence numbers too.
	StrictReplay bool `yaml:"strict_replay"`
}

// KeyConfig is one cryptographic key.
type KeyConfig struct {
	ID uint8 `yaml:"id"`
	// Algorithm is md5, hmac-sha-1, hmac-sha-256, hmac-sha-384 or
	// hmac-sha-512.
	Algorithm string `yaml:"algorithm"`
	Secret    string `yaml:"secret"`
}

// RedistributeConfig selects redistributed routes.
type RedistributeConfig struct {
	// Connected advertises the networks of the other interfaces (those
	// not running OSPF, loopback addresses included), followed as they
	// change.
	Connected *SourceConfig `yaml:"connected"`
	// Static advertises the listed routes.
	Static *SourceConfig `yaml:"static"`
}

// SourceConfig is one redistributed source; present means enabled.
type SourceConfig struct {
	Metric     uint32          `yaml:"metric"`
	MetricType ospf.MetricType `yaml:"metric_type"`
	Tag        uint32          `yaml:"tag"`
	Routes     []netip.Prefix  `yaml:"routes"`
}

// DefaultInfoConfig is `default-information originate`: the default route
// is advertised while the kernel has one that ospfd did not install (or
// always).
type DefaultInfoConfig struct {
	Originate  bool            `yaml:"originate"`
	Always     bool            `yaml:"always"`
	Metric     uint32          `yaml:"metric"`
	MetricType ospf.MetricType `yaml:"metric_type"`
	Tag        uint32          `yaml:"tag"`
}

// Loaded is a parsed configuration with what is needed to point at lines.
type Loaded struct {
	File
	path string
	root yaml.Node
	// prefix is the YAML path of the File in its document: nil for
	// ospfd, [ospf] in anycastd's.
	prefix []any
	// bfd are the BFD parameters of the interfaces with bfd, by name.
	bfd map[string]bfdconf.Session
}

// LoadConfig reads and strictly decodes path; every error says
// "path:LINE: what: why".
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
	return daemonkit.ErrAt(l.path, &l.root, l.key(path...), format, args...)
}

// key is the YAML path k below the File's prefix.
func (l *Loaded) key(k ...any) []any { return append(slices.Clone(l.prefix), k...) }

// has reports whether the file writes the key k (below the prefix).
func (l *Loaded) has(k ...any) bool { return confrules.Has(&l.root, l.key(k...)...) }

// Embedded validates f, decoded (strictly) as the value at prefix of the
// YAML document root of the file path, as ParseConfig does after decoding:
// errors name the keys with prefix ("ospf.interfaces[0].cost: ...").
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
	if !f.RouterID.IsValid() {
		return l.errAt([]any{"router_id"}, "required (an IPv4 address)")
	}
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
	if f.FIB.Table < 0 || int64(f.FIB.Table) > fib.MaxTable {
		return l.errAt([]any{"fib", "table"}, "%d out of range", f.FIB.Table)
	}
	if p := f.FIB.RTProtocol; p >= 1 && p <= 3 {
		return l.errAt([]any{"fib", "rt_protocol"}, "%d is reserved by the kernel; use 4..255", p)
	}
	if len(f.Interfaces) == 0 {
		return l.errAt([]any{"interfaces"}, "at least one interface is required")
	}
	names := map[string]int{}
	for i, ic := range f.Interfaces {
		if ic.Name == "" {
			return l.errAt([]any{"interfaces", i, "name"}, "required")
		}
		if j, dup := names[ic.Name]; dup {
			return l.errAt([]any{"interfaces", i, "name"}, "%q is already interfaces[%d]", ic.Name, j)
		}
		names[ic.Name] = i
		if _, err := ic.auth(); err != nil {
			return l.errAt([]any{"interfaces", i, "auth"}, "%v", err)
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
	// The library validates the rest; interface addresses are not known
	// yet, so a placeholder stands in for those not configured.
	cfg, err := l.OSPFConfig(func(i int) netip.Prefix {
		if a := f.Interfaces[i].Address; a != nil {
			return *a
		}
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}), 24)
	})
	if err != nil {
		return err
	}
	return l.Check(cfg)
}

// validateExplicit refuses values written in the file that ospf.Config
// cannot tell from absent ones (zero means its default there) or cannot
// see at all: interface names Linux refuses, one address on two
// interfaces, a route redistributed twice.
func (l *Loaded) validateExplicit() error {
	f := &l.File
	if l.has("max_paths") && f.MaxPaths == 0 {
		return l.errAt([]any{"max_paths"}, "0: must be 1–256 (leave the key out for 16)")
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"min_ls_interval", f.MinLSInterval}, {"min_ls_arrival", f.MinLSArrival}} {
		if l.has(d.key) {
			if err := confrules.Positive(d.v); err != nil {
				return l.errAt([]any{d.key}, "%v", err)
			}
		}
	}
	if l.has("exit_overflow_interval") && !l.has("external_lsdb_limit") {
		// RFC 1765 §2.4: the interval ends the overflow state the limit
		// enters; alone it does nothing.
		return l.errAt([]any{"exit_overflow_interval"}, "only with external_lsdb_limit (RFC 1765 §2.4: it ends the overflow state the limit enters)")
	}
	addrs := map[netip.Addr]int{}
	for i, ic := range f.Interfaces {
		at := func(key string) []any { return []any{"interfaces", i, key} }
		if err := confrules.IfName(ic.Name); err != nil {
			return l.errAt(at("name"), "%v", err)
		}
		if l.has("interfaces", i, "cost") && ic.Cost == 0 {
			return l.errAt(at("cost"), "0: an interface's output cost is 1–65535 (RFC 2328 §C.3); leave the key out for the default")
		}
		for _, d := range []struct {
			key string
			v   time.Duration
		}{{"hello_interval", ic.HelloInterval}, {"dead_interval", ic.DeadInterval},
			{"retransmit_interval", ic.RetransmitInterval}, {"transmit_delay", ic.TransmitDelay}} {
			if l.has("interfaces", i, d.key) {
				if err := confrules.Positive(d.v); err != nil {
					return l.errAt(at(d.key), "%v", err)
				}
			}
		}
		if l.has("interfaces", i, "hello_multiplier") {
			if err := confrules.AtLeast1(ic.HelloMultiplier); err != nil {
				return l.errAt(at("hello_multiplier"), "%v", err)
			}
		}
		if a := ic.Address; a != nil {
			if j, dup := addrs[a.Addr()]; dup {
				return l.errAt(at("address"), "%v is also interfaces[%d]'s address", a.Addr(), j)
			}
			addrs[a.Addr()] = i
		}
	}
	for _, src := range []struct {
		key string
		s   *SourceConfig
	}{{"connected", f.Redistribute.Connected}, {"static", f.Redistribute.Static}} {
		if src.s == nil {
			continue
		}
		seen := map[netip.Prefix]int{}
		for k, p := range src.s.Routes {
			if j, dup := seen[p]; dup {
				return l.errAt([]any{"redistribute", src.key, "routes", k}, "%v is also routes[%d]", p, j)
			}
			seen[p] = k
		}
	}
	return nil
}

// Check runs ospf.Config.Validate and says its error in the file's
// terms: "FILE:LINE: interfaces[1].dead_interval: 5s: must exceed
// hello_interval (10s)", the Go field names of ospf.Config turned into
// the YAML keys.
func (l *Loaded) Check(cfg ospf.Config) error {
	err := cfg.Validate()
	if err == nil {
		return nil
	}
	msg := err.Error()
	var path []any
	if m := ifPrefixRE.FindStringSubmatch(msg); m != nil {
		i, _ := strconv.Atoi(m[1])
		path, msg = []any{"interfaces", i}, msg[len(m[0]):]
	}
	msg = strings.TrimPrefix(strings.TrimPrefix(msg, ospf.ErrInvalidConfig.Error()+": "), ospf.ErrNotImplemented.Error()+": ")
	for strings.HasPrefix(msg, "Auth: ") {
		path = append(path, "auth")
		msg = strings.TrimPrefix(strings.TrimPrefix(msg, "Auth: "), ospf.ErrInvalidConfig.Error()+": ")
	}
	if m := libFieldRE.FindStringSubmatch(msg); m != nil {
		path = append(path, yamlPath(m[1])...)
		msg = msg[len(m[0]):]
	}
	return l.errAt(path, "%s", goWords.Replace(msg))
}

var (
	// ifPrefixRE is the "Interfaces[i] (name): " of an interface's error.
	ifPrefixRE = regexp.MustCompile(`^Interfaces\[(\d+)\] \([^)]*\): `)
	// libFieldRE is the field an ospf.Config error names, before " = "
	// and its value or ": ".
	libFieldRE  = regexp.MustCompile(`^([A-Z][A-Za-z0-9]*(?:\[\d+\])?(?:\.[A-Z][A-Za-z0-9]*(?:\[\d+\])?)*)(?: = |: )`)
	fieldPartRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9]*)|\[(\d+)\]`)
	// fieldKeys are the ospf.Config fields whose YAML key is not their
	// name in snake_case.
	fieldKeys = map[string][]any{
		"RouterDeadInterval": {"dead_interval"}, "Prefix": {"address"}, "IfIndex": {"name"},
		"SPF": {"spf"}, "FIBTable": {"fib", "table"}, "FIBMetric": {"fib", "metric"}, "ID": {"id"},
		"MTU": {"mtu"}, "RouterID": {"router_id"}, "BFD": {"bfd"},
		"ExternalLSDBLimit": {"external_lsdb_limit"}, "MinLSInterval": {"min_ls_interval"}, "MinLSArrival": {"min_ls_arrival"},
	}
	// goWords are the field names the reasons mention.
	goWords = strings.NewReplacer("RouterDeadInterval", "dead_interval", "HelloInterval", "hello_interval",
		"HelloMultiplier", "hello_multiplier", "RetransmitInterval", "retransmit_interval",
		"InitialDelay", "initial_delay", "ShortDelay", "short_delay", "LongDelay", "long_delay",
		"TimeToLearn", "time_to_learn", "HoldDown", "hold_down", "needs Originate", "needs originate: true",
		"MinLSInterval", "min_ls_interval")
	snakeRE = regexp.MustCompile(`([a-z0-9])([A-Z])`)
)

// yamlPath turns an ospf.Config field ("Redistribute.Static.Routes[0]")
// into its YAML path.
func yamlPath(field string) []any {
	var out []any
	for _, m := range fieldPartRE.FindAllStringSubmatch(field, -1) {
		switch {
		case m[2] != "":
			n, _ := strconv.Atoi(m[2])
			out = append(out, n)
		case fieldKeys[m[1]] != nil:
			out = append(out, fieldKeys[m[1]]...)
		default:
			out = append(out, strings.ToLower(snakeRE.ReplaceAllString(m[1], "${1}_${2}")))
		}
	}
	return out
}

func (ic InterfaceConfig) auth() (ospf.AuthConfig, error) { return ic.Auth.OSPF() }

// OSPF converts the auth block to the library's configuration (ringd's
// ospf_auth reads the same block).
func (c AuthConfig) OSPF() (ospf.AuthConfig, error) {
	a := ospf.AuthConfig{Password: c.Password}
	if c.StrictReplay {
		a.Replay = ospf.ReplayStrict
	}
	switch c.Type {
	case "", "none":
		a.Type = packet.AuthNull
	case "simple":
		a.Type = packet.AuthSimple
	case "crypto", "md5", "hmac":
		a.Type = packet.AuthCrypto
	default:
		return a, fmt.Errorf("type %q: want none, simple or crypto", c.Type)
	}
	for k, kc := range c.Keys {
		alg, ok := algorithm(strings.ToLower(kc.Algorithm))
		if !ok {
			return a, fmt.Errorf("keys[%d].algorithm %q: want md5 or hmac-sha-1/256/384/512", k, kc.Algorithm)
		}
		a.Keys = append(a.Keys, ospf.Key{ID: kc.ID, Algorithm: alg, Secret: []byte(kc.Secret)})
	}
	return a, nil
}

// algorithm is the key algorithm of a YAML name.
func algorithm(name string) (packet.Algorithm, bool) {
	switch name {
	case "", "md5":
		return packet.AlgMD5, true
	case "hmac-sha-1", "sha1":
		return packet.AlgHMACSHA1, true
	case "hmac-sha-256", "sha256":
		return packet.AlgHMACSHA256, true
	case "hmac-sha-384", "sha384":
		return packet.AlgHMACSHA384, true
	case "hmac-sha-512", "sha512":
		return packet.AlgHMACSHA512, true
	}
	return 0, false
}

// AuthFromOSPF is the auth block of a library configuration, for writing
// one back (the inverse of AuthConfig.OSPF; key lifetimes have no YAML).
func AuthFromOSPF(a ospf.AuthConfig) AuthConfig {
	c := AuthConfig{Password: a.Password, StrictReplay: a.Replay == ospf.ReplayStrict}
	switch a.Type {
	case packet.AuthSimple:
		c.Type = "simple"
	case packet.AuthCrypto:
		c.Type = "crypto"
	default:
		c.Type = "none"
	}
	for _, k := range a.Keys {
		name := "md5"
		for _, n := range []string{"hmac-sha-1", "hmac-sha-256", "hmac-sha-384", "hmac-sha-512"} {
			if alg, _ := algorithm(n); alg == k.Algorithm {
				name = n
			}
		}
		c.Keys = append(c.Keys, KeyConfig{ID: k.ID, Algorithm: name, Secret: string(k.Secret)})
	}
	return c
}

// OSPFConfig builds the library configuration, interface i having address
// addr(i). IfIndex and the FIB are left for the caller.
func (l *Loaded) OSPFConfig(addr func(i int) netip.Prefix) (ospf.Config, error) {
	f := &l.File
	cfg := ospf.Config{
		RouterID:  f.RouterID,
		MaxPaths:  f.MaxPaths,
		FIBTable:  f.FIB.Table,
		FIBMetric: f.FIB.Metric,
		SPF: ospf.SPFBackoff{
			InitialDelay: f.SPF.InitialDelay, ShortDelay: f.SPF.ShortDelay, LongDelay: f.SPF.LongDelay,
			TimeToLearn: f.SPF.TimeToLearn, HoldDown: f.SPF.HoldDown,
		},
		DefaultInformation: ospf.DefaultInformation{
			Originate: f.DefaultInformation.Originate, Always: f.DefaultInformation.Always,
			Metric: f.DefaultInformation.Metric, MetricType: f.DefaultInformation.MetricType, Tag: f.DefaultInformation.Tag,
		},
		StubRouter:           ospf.StubRouter{OnStartup: f.StubRouter.OnStartup, Administrative: f.StubRouter.Administrative},
		ExternalLSDBLimit:    f.ExternalLSDBLimit,
		ExitOverflowInterval: f.ExitOverflowInterval,
		MinLSInterval:        f.MinLSInterval,
		MinLSArrival:         f.MinLSArrival,
	}
	if f.MinLSArrival == 0 && f.MinLSInterval > 0 && f.MinLSInterval < ospf.MinLSArrival {
		// Our own new instances must be accepted by routers configured
		// alike (ospf.Config.Validate).
		cfg.MinLSArrival = f.MinLSInterval
	}
	if s := f.Redistribute.Connected; s != nil {
		cfg.Redistribute.Connected = ospf.RedistributeSource{Enabled: true, Metric: s.Metric, MetricType: s.MetricType, Tag: s.Tag, Routes: s.Routes}
	}
	if s := f.Redistribute.Static; s != nil {
		cfg.Redistribute.Static = ospf.RedistributeSource{Enabled: true, Metric: s.Metric, MetricType: s.MetricType, Tag: s.Tag, Routes: s.Routes}
	}
	for i, ic := range f.Interfaces {
		a, err := ic.auth()
		if err != nil {
			return cfg, l.errAt([]any{"interfaces", i, "auth"}, "%v", err)
		}
		cfg.Interfaces = append(cfg.Interfaces, ospf.InterfaceConfig{
			Name: ic.Name, Prefix: addr(i), Network: ic.Network, Cost: ic.Cost, Priority: ic.Priority,
			HelloInterval: ic.HelloInterval, RouterDeadInterval: ic.DeadInterval, HelloMultiplier: ic.HelloMultiplier,
			RetransmitInterval: ic.RetransmitInterval, TransmitDelay: ic.TransmitDelay, Passive: ic.Passive,
			Auth: a, MTU: ic.MTU, MTUIgnore: ic.MTUIgnore, BFD: l.HasBFD(ic.Name),
		})
	}
	return cfg, nil
}

// HasBFD reports whether the interface name has bfd.
func (l *Loaded) HasBFD(name string) bool {
	_, ok := l.bfd[name]
	return ok
}

// BFDConfig is the BFD configuration of cfg's interfaces with bfd (their
// IfIndex as set), without interfaces when none has it.
func (l *Loaded) BFDConfig(cfg ospf.Config) bfd.Config {
	var bc bfd.Config
	for _, ic := range cfg.Interfaces {
		if s, ok := l.bfd[ic.Name]; ok && ic.BFD {
			bc.Interfaces = append(bc.Interfaces, s.InterfaceConfig(ic.Name, ic.IfIndex))
		}
	}
	return bc
}

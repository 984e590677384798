package main

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/switchless/routing/internal/confrules"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/vrrp"
	"github.com/switchless/routing/vrrp/packet"
)

// File is vrrpd's YAML configuration.
type File struct {
	// Socket is the unix socket the status is served on.
	Socket string `yaml:"socket"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// LogFormat is text (the default) or json.
	LogFormat string `yaml:"log_format"`
	// MetricsListen is the host:port serving Prometheus metrics at
	// /metrics; empty is off.
	MetricsListen string `yaml:"metrics_listen"`
	// Routers are the virtual routers, any number, on any interfaces.
	Routers []RouterConfig `yaml:"routers"`
}

// RouterConfig is one virtual router. Zero fields take the RFC defaults
// of vrrp.Config.
type RouterConfig struct {
	Name      string `yaml:"name"`
	Interface string `yaml:"interface"`
	VRID      uint8  `yaml:"vrid"`
	Version   int    `yaml:"version"` // 2 or 3 (default 3)
	Priority  uint8  `yaml:"priority"`
	// Interval is Advertisement_Interval ("1s", "100ms").
	Interval     time.Duration `yaml:"interval"`
	Preempt      *bool         `yaml:"preempt"` // default true
	PreemptDelay time.Duration `yaml:"preempt_delay"`
	Accept       bool          `yaml:"accept"`
	// Address is the primary address with prefix length; by default the
	// interface's first IPv4 address (VRRPv3 over IPv6: its link-local).
	Address          *netip.Prefix  `yaml:"address"`
	VirtualAddresses []netip.Addr   `yaml:"virtual_addresses"`
	UnicastPeers     []netip.Addr   `yaml:"unicast_peers"`
	AllowFrom        []netip.Prefix `yaml:"allow_from"`
	// Password enables VRRPv2 simple authentication.
	Password string `yaml:"password"`
	// V3ChecksumAsV2 computes the VRRPv3 IPv4 checksum without the
	// pseudo-header, like keepalived's v3_checksum_as_v2.
	V3ChecksumAsV2 bool `yaml:"v3_checksum_as_v2"`
	// MACVLAN puts the virtual addresses on a macvlan with the virtual MAC.
	MACVLAN  string         `yaml:"macvlan"`
	Announce AnnounceConfig `yaml:"announce"`
	// TrackInterfaces lower the priority (or, with weight 0, force Backup)
	// while an interface is down. The router's own interface is always
	// tracked with weight 0 unless listed here with another weight.
	TrackInterfaces []TrackInterface `yaml:"track_interfaces"`
	TrackScripts    []TrackScript    `yaml:"track_scripts"`
	// Notify is a command and its arguments, run on every transition with
	// NAME STATE REASON appended and VRRP_* variables in the environment.
	Notify []string `yaml:"notify"`
}

// AnnounceConfig is vrrp.AnnounceConfig in YAML.
type AnnounceConfig struct {
	Count    int           `yaml:"count"`
	Interval time.Duration `yaml:"interval"`
	Delay    time.Duration `yaml:"delay"`
	Refresh  time.Duration `yaml:"refresh"`
}

// TrackInterface tracks an interface's link state.
type TrackInterface struct {
	Name   string `yaml:"name"`
	Weight int    `yaml:"weight"`
}

// TrackScript tracks a command's exit status (0 = healthy).
type TrackScript struct {
	Name     string        `yaml:"name"`
	Command  []string      `yaml:"command"`
	Interval time.Duration `yaml:"interval"`
	Timeout  time.Duration `yaml:"timeout"`
	Rise     int           `yaml:"rise"`
	Fall     int           `yaml:"fall"`
	Weight   int           `yaml:"weight"`
}

// Loaded is a parsed configuration with what is needed to point at lines.
type Loaded struct {
	File
	path string
	root yaml.Node
}

// LoadConfig reads and strictly decodes path: unknown fields, wrong types
// and semantic errors are reported as "path:LINE: ...".
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
	if err := l.validateStatic(); err != nil {
		return nil, err
	}
	return l, nil
}

// at formats an error at the line of router i's key (a YAML key or a
// dotted path below the router such as track_scripts[1].timeout):
// "FILE:LINE: routers[i].KEY: reason".
func (l *Loaded) at(i int, key string, format string, args ...any) error {
	return daemonkit.ErrAt(l.path, &l.root, l.ypath(i, key), format, args...)
}

// ypath is the YAML path of router i's key.
func (l *Loaded) ypath(i int, key string) []any {
	path := []any{"routers", i}
	for _, m := range keyPartRE.FindAllStringSubmatch(key, -1) {
		if m[1] != "" {
			path = append(path, m[1])
		} else {
			n, _ := strconv.Atoi(m[2])
			path = append(path, n)
		}
	}
	return path
}

var (
	keyPartRE = regexp.MustCompile(`([a-z0-9_]+)|\[(\d+)\]`)
	// libFieldRE finds the field a vrrp.Config error names.
	libFieldRE = regexp.MustCompile(`^(?:router (\d+): )?vrrp: invalid configuration: ([A-Za-z]+)(?:\[(\d+)\])?(?:\.([A-Za-z]+))?: `)
	// libRouterRE finds the other routers a vrrp.ValidateSet error names.
	libRouterRE = regexp.MustCompile(`\brouter (\d+)\b`)
)

// fieldKeys maps vrrp.Config field names (as Validate names them) to YAML
// keys.
var fieldKeys = map[string]string{
	"VirtualAddresses": "virtual_addresses", "VRID": "vrid", "Version": "version",
	"Priority": "priority", "PreemptDelay": "preempt_delay", "Interval": "interval",
	"Address": "address", "Subnets": "interface", "Peers": "unicast_peers", "AllowFrom": "allow_from",
	"AuthType": "password", "Password": "password", "Announce": "announce",
	"Checksum": "v3_checksum_as_v2", "Name": "name", "Weight": "weight", "Timeout": "timeout",
}

// reasonWords turns the Go names a vrrp.Config error's reason may use
// into the file's.
var reasonWords = strings.NewReplacer("set AcceptMode", "set accept: true", "like Address", "like address")

// libErr turns an error of vrrp.Config.Validate or vrrp.ValidateSet about
// router i (or the router it names) into "FILE:LINE: routers[i].KEY:
// reason", the Go field names replaced by the YAML keys.
func (l *Loaded) libErr(i int, err error) error {
	msg := err.Error()
	m := libFieldRE.FindStringSubmatch(msg)
	if m == nil {
		return l.at(i, "", "%s", strings.TrimPrefix(msg, "vrrp: invalid configuration: "))
	}
	if m[1] != "" {
		i, _ = strconv.Atoi(m[1])
	}
	reason := libRouterRE.ReplaceAllString(reasonWords.Replace(msg[len(m[0]):]), "routers[$1]")
	field, idx, sub := m[2], m[3], m[4]
	key := fieldKeys[field]
	switch {
	case field == "Tracks" && idx != "":
		n, _ := strconv.Atoi(idx)
		key = l.trackKey(i, n)
		if sub != "" {
			key += "." + fieldKeys[sub]
		}
	case field == "Subnets":
	case idx != "":
		key += "[" + idx + "]"
	}
	return l.at(i, key, "%s", reason)
}

// trackKey is the YAML key of router i's vrrp.Config.Tracks[n] as
// vrrpConfig builds them: the track_interfaces, the router's own
// interface unless listed, then the track_scripts.
func (l *Loaded) trackKey(i, n int) string {
	rc := l.Routers[i]
	if n < len(rc.TrackInterfaces) {
		return fmt.Sprintf("track_interfaces[%d]", n)
	}
	n -= len(rc.TrackInterfaces)
	if !slices.ContainsFunc(rc.TrackInterfaces, func(t TrackInterface) bool { return t.Name == rc.Interface }) {
		if n == 0 {
			return "interface"
		}
		n--
	}
	return fmt.Sprintf("track_scripts[%d]", n)
}

// has reports whether router i's key was written in the file.
func (l *Loaded) has(i int, key ...any) bool {
	return confrules.Has(&l.root, append([]any{"routers", i}, key...)...)
}

// validateStatic checks what can be checked without the interfaces.
func (l *Loaded) validateStatic() error {
	if len(l.Routers) == 0 {
		return fmt.Errorf("%s:%d: routers: at least one is required", l.path, daemonkit.Line(&l.root, []any{"routers"}))
	}
	switch l.LogLevel {
	case "", "debug", "info", "warn", "error":
	default:
		return daemonkit.ErrAt(l.path, &l.root, []any{"log_level"}, "%q is not debug, info, warn or error", l.LogLevel)
	}
	if why := daemonkit.CheckLogFormat(l.LogFormat); why != "" {
		return daemonkit.ErrAt(l.path, &l.root, []any{"log_format"}, "%s", why)
	}
	if why := daemonkit.CheckListen(l.MetricsListen); why != "" {
		return daemonkit.ErrAt(l.path, &l.root, []any{"metrics_listen"}, "%s", why)
	}
	names := map[string]int{}
	var cfgs []vrrp.Config
	for i, rc := range l.Routers {
		if rc.Name == "" {
			return l.at(i, "name", "required")
		}
		if j, dup := names[rc.Name]; dup {
			return l.at(i, "name", "%q is already routers[%d]'s", rc.Name, j)
		}
		names[rc.Name] = i
		if err := l.validateRules(i); err != nil {
			return err
		}
		cfg, err := rc.vrrpConfig(l.placeholderAddress(rc), nil)
		if err != nil {
			return l.libErr(i, err)
		}
		// The interface's subnets are only known at start: check VIPs
		// against them then (see Resolve).
		cfg.AcceptMode = true
		if err := cfg.Validate(); err != nil {
			return l.libErr(i, err)
		}
		cfgs = append(cfgs, cfg)
	}
	return l.validateSet(cfgs)
}

// validateSet checks the routers side by side (vrrp.ValidateSet: one
// VRID per interface and family, one router per virtual address),
// pointing at the second router of a clash.
func (l *Loaded) validateSet(cfgs []vrrp.Config) error {
	if err := vrrp.ValidateSet(cfgs); err != nil {
		return l.libErr(0, err)
	}
	return nil
}

// validateRules checks router i's values by the rules vrrpd shares with
// ringd (package confrules) and those vrrp.Config cannot see: a zero
// written in the file where vrrp.Config reads zero as the default.
func (l *Loaded) validateRules(i int) error {
	rc := l.Routers[i]
	if err := confrules.IfName(rc.Interface); err != nil {
		if rc.Interface == "" {
			return l.at(i, "interface", "required")
		}
		return l.at(i, "interface", "%v", err)
	}
	if !l.has(i, "vrid") {
		return l.at(i, "vrid", "required: 1–255 (RFC 5798 §5.2.3)")
	}
	if err := confrules.VRID(rc.VRID); err != nil {
		return l.at(i, "vrid", "%v", err)
	}
	if l.has(i, "priority") {
		if err := confrules.Priority(rc.Priority, false); err != nil {
			return l.at(i, "priority", "%v", err)
		}
	}
	if l.has(i, "interval") && rc.Interval <= 0 {
		return l.at(i, "interval", "%v: must be positive (leave it out for %v)", rc.Interval, vrrp.DefaultInterval)
	}
	if rc.MACVLAN != "" || l.has(i, "macvlan") {
		if err := confrules.IfName(rc.MACVLAN); err != nil {
			return l.at(i, "macvlan", "%v", err)
		}
		if rc.MACVLAN == rc.Interface {
			return l.at(i, "macvlan", "%q is the router's interface", rc.MACVLAN)
		}
	}
	for k, ti := range rc.TrackInterfaces {
		if err := confrules.IfName(ti.Name); err != nil {
			return l.at(i, fmt.Sprintf("track_interfaces[%d].name", k), "%v", err)
		}
	}
	for k, s := range rc.TrackScripts {
		key := fmt.Sprintf("track_scripts[%d]", k)
		if len(s.Command) == 0 || s.Command[0] == "" {
			return l.at(i, key+".command", "required")
		}
		for _, c := range []struct {
			name string
			n    int
		}{{"rise", s.Rise}, {"fall", s.Fall}} {
			if l.has(i, "track_scripts", k, c.name) {
				if err := confrules.Count(c.n); err != nil {
					return l.at(i, key+"."+c.name, "%v", err)
				}
			}
		}
		interval := s.Interval
		if !l.has(i, "track_scripts", k, "interval") {
			interval = vrrp.DefaultCheckInterval
		}
		timeout := s.Timeout
		if !l.has(i, "track_scripts", k, "timeout") {
			timeout = interval / 2
		}
		if sub, err := confrules.CheckTimers(interval, timeout); err != nil {
			return l.at(i, key+"."+sub, "%v", err)
		}
	}
	if l.has(i, "notify") {
		if len(rc.Notify) == 0 {
			return l.at(i, "notify", "empty command")
		}
		if err := confrules.Script(rc.Notify[0]); err != nil {
			return l.at(i, "notify[0]", "%v", err)
		}
	}
	return nil
}

// placeholderAddress stands for the interface address before the
// interfaces are known: the configured one, else one of the VIPs' family.
func (l *Loaded) placeholderAddress(rc RouterConfig) netip.Prefix {
	if rc.Address != nil {
		return *rc.Address
	}
	if len(rc.VirtualAddresses) > 0 && rc.VirtualAddresses[0].Is6() {
		return netip.MustParsePrefix("fe80::1/64")
	}
	if len(rc.VirtualAddresses) > 0 {
		return netip.PrefixFrom(rc.VirtualAddresses[0], 32)
	}
	return netip.MustParsePrefix("192.0.2.1/32")
}

// vrrpConfig builds the library configuration for rc with the interface
// address and subnets.
func (rc RouterConfig) vrrpConfig(addr netip.Prefix, subnets []netip.Prefix) (vrrp.Config, error) {
	c := vrrp.Config{
		VRID: rc.VRID, Priority: rc.Priority, Interval: rc.Interval,
		PreemptDelay: rc.PreemptDelay, AcceptMode: rc.Accept, Interface: rc.Interface,
		Address: addr, Subnets: subnets, VirtualAddresses: rc.VirtualAddresses,
		Peers: rc.UnicastPeers, AllowFrom: rc.AllowFrom,
		Announce: vrrp.AnnounceConfig{Count: rc.Announce.Count, Interval: rc.Announce.Interval, Delay: rc.Announce.Delay, Refresh: rc.Announce.Refresh},
	}
	switch rc.Version {
	case 0, 3:
		c.Version = packet.V3
	case 2:
		c.Version = packet.V2
	default:
		return c, fmt.Errorf("%w: Version: %d is neither 2 nor 3", vrrp.ErrInvalidConfig, rc.Version)
	}
	if rc.Preempt != nil && !*rc.Preempt {
		c.NoPreempt = true
	}
	if rc.Password != "" {
		c.AuthType, c.Password = packet.AuthSimple, rc.Password
	}
	if rc.V3ChecksumAsV2 {
		c.Checksum = packet.ChecksumNoPseudoHeader
	}
	ownIface := false
	for _, ti := range rc.TrackInterfaces {
		c.Tracks = append(c.Tracks, vrrp.Track{Name: "if:" + ti.Name, Weight: ti.Weight})
		ownIface = ownIface || ti.Name == rc.Interface
	}
	if !ownIface {
		c.Tracks = append(c.Tracks, vrrp.Track{Name: "if:" + rc.Interface})
	}
	for _, s := range rc.TrackScripts {
		c.Tracks = append(c.Tracks, vrrp.Track{Name: "script:" + s.Name, Weight: s.Weight,
			Checker: commandChecker(s.Command), Interval: s.Interval, Timeout: s.Timeout, Rise: s.Rise, Fall: s.Fall})
	}
	return c, nil
}

// complete builds router i's configuration from its interface's addresses
// (in kernel order): the primary address is the configured one, else the
// first IPv4 (IPv6: link-local) address; the others are its subnets. A
// virtual address found on the interface (left by a previous run) is
// neither. The result is validated, errors pointing at the line.
func (l *Loaded) complete(i int, ifaddrs []netip.Prefix) (vrrp.Config, error) {
	rc := l.Routers[i]
	v6 := len(rc.VirtualAddresses) > 0 && rc.VirtualAddresses[0].Is6()
	var primary netip.Prefix
	var subnets []netip.Prefix
	for _, p := range ifaddrs {
		if p.Addr().Is6() != v6 {
			continue
		}
		if slices.Contains(rc.VirtualAddresses, p.Addr()) && rc.Priority != 255 {
			continue
		}
		if !primary.IsValid() && (!v6 || p.Addr().IsLinkLocalUnicast()) {
			primary = p
			continue
		}
		subnets = append(subnets, p)
	}
	if rc.Address != nil {
		primary = *rc.Address
	}
	if !primary.IsValid() {
		return vrrp.Config{}, l.at(i, "interface", "interface %q has no usable address", rc.Interface)
	}
	cfg, err := rc.vrrpConfig(primary, subnets)
	if err != nil {
		return cfg, l.libErr(i, err)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, l.libErr(i, err)
	}
	return cfg, nil
}

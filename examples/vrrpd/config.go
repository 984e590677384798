package main

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

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

// at formats an error at the line of router i's key (or of the router).
func (l *Loaded) at(i int, key string, format string, args ...any) error {
	line := l.line(i, key)
	name := l.Routers[i].Name
	return fmt.Errorf("%s:%d: routers[%d] (%s): %s", l.path, line, i, name, fmt.Sprintf(format, args...))
}

// line finds the line of routers[i].key in the YAML, or of routers[i].
func (l *Loaded) line(i int, key string) int {
	doc := &l.root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	routers := mapValue(doc, "routers")
	if routers == nil || routers.Kind != yaml.SequenceNode || i >= len(routers.Content) {
		return doc.Line
	}
	r := routers.Content[i]
	for j := 0; j+1 < len(r.Content); j += 2 {
		if r.Content[j].Value == key {
			return r.Content[j].Line
		}
	}
	return r.Line
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for j := 0; j+1 < len(n.Content); j += 2 {
		if n.Content[j].Value == key {
			return n.Content[j+1]
		}
	}
	return nil
}

// fieldKeys maps vrrp.Config field names (as Validate names them) to YAML
// keys, to point at the right line.
var fieldKeys = []struct{ field, key string }{
	{"VirtualAddresses", "virtual_addresses"}, {"VRID", "vrid"}, {"Version", "version"},
	{"Priority", "priority"}, {"PreemptDelay", "preempt_delay"}, {"Interval", "interval"},
	{"Address", "address"}, {"Subnets", "address"}, {"Peers", "unicast_peers"}, {"AllowFrom", "allow_from"},
	{"AuthType", "password"}, {"Password", "password"}, {"Announce", "announce"}, {"Tracks", "track_scripts"},
}

func keyOf(err error) string {
	msg := err.Error()
	i := strings.Index(msg, "invalid configuration: ")
	if i < 0 {
		return ""
	}
	rest := msg[i+len("invalid configuration: "):]
	for _, fk := range fieldKeys {
		if strings.HasPrefix(rest, fk.field) {
			return fk.key
		}
	}
	return ""
}

// validateStatic checks what can be checked without the interfaces.
func (l *Loaded) validateStatic() error {
	if len(l.Routers) == 0 {
		return fmt.Errorf("%s: routers: at least one is required", l.path)
	}
	switch l.LogLevel {
	case "", "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("%s:%d: log_level: %q is not debug, info, warn or error", l.path, l.topLine("log_level"), l.LogLevel)
	}
	if why := daemonkit.CheckLogFormat(l.LogFormat); why != "" {
		return fmt.Errorf("%s:%d: log_format: %s", l.path, l.topLine("log_format"), why)
	}
	names := map[string]int{}
	var cfgs []vrrp.Config
	for i, rc := range l.Routers {
		if rc.Name == "" {
			return l.at(i, "name", "name: required")
		}
		if j, dup := names[rc.Name]; dup {
			return l.at(i, "name", "name: %q is already routers[%d]", rc.Name, j)
		}
		names[rc.Name] = i
		if rc.Interface == "" {
			return l.at(i, "interface", "interface: required")
		}
		for k, s := range rc.TrackScripts {
			if len(s.Command) == 0 {
				return l.at(i, "track_scripts", "track_scripts[%d].command: required", k)
			}
		}
		if len(rc.Notify) > 0 && rc.Notify[0] == "" {
			return l.at(i, "notify", "notify: empty command")
		}
		cfg, err := rc.vrrpConfig(l.placeholderAddress(rc), nil)
		if err != nil {
			return l.at(i, keyOf(err), "%v", err)
		}
		// The interface's subnets are only known at start: check VIPs
		// against them then (see Resolve).
		cfg.AcceptMode = true
		if err := cfg.Validate(); err != nil {
			return l.at(i, keyOf(err), "%v", err)
		}
		cfgs = append(cfgs, cfg)
	}
	return l.validateSet(cfgs)
}

func (l *Loaded) topLine(key string) int {
	doc := &l.root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	for j := 0; j+1 < len(doc.Content); j += 2 {
		if doc.Content[j].Value == key {
			return doc.Content[j].Line
		}
	}
	return doc.Line
}

// validateSet rejects two routers with one VRID on one interface and
// family (RFC 5798 §5.2.3), pointing at the second one's vrid.
func (l *Loaded) validateSet(cfgs []vrrp.Config) error {
	if err := vrrp.ValidateSet(cfgs); err != nil {
		var i int
		if _, scanErr := fmt.Sscanf(err.Error(), "router %d:", &i); scanErr == nil && i < len(l.Routers) {
			key := keyOf(err)
			if strings.Contains(err.Error(), "is already used by router") {
				key = "vrid"
			}
			return l.at(i, key, "%s", strings.TrimPrefix(err.Error(), "router "+strconv.Itoa(i)+": "))
		}
		return fmt.Errorf("%s: %w", l.path, err)
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
		return cfg, l.at(i, keyOf(err), "%v", err)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, l.at(i, keyOf(err), "%v", err)
	}
	return cfg, nil
}

package ringconf

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/bfd/packet"
	"github.com/switchless/routing/internal/confrules"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/ospfconf"
	"github.com/switchless/routing/ring"
)

// ErrInvalid is wrapped by every error about the file itself (syntax,
// unknown keys, types, node and interface map). Errors Spec.Validate
// finds wrap ring.ErrInvalidConfig instead.
var ErrInvalid = errors.New("ringconf: invalid configuration")

// File is a ringd configuration file: the ring's spec and this node's
// place in it.
type File struct {
	// Node names the node this daemon runs (one of Nodes).
	Node string `yaml:"node"`
	// Interfaces maps each of the node's ring interface names (east,
	// west, up at an edge, lan0, lan1, ... for its server LANs) to a Linux
	// interface name.
	Interfaces map[string]string `yaml:"interfaces"`
	// Socket is the unix socket `ringd show` talks to.
	Socket string `yaml:"socket,omitempty"`
	// LogLevel is debug, info (default), warn or error.
	LogLevel string `yaml:"log_level,omitempty"`
	// LogFormat is text (the default) or json.
	LogFormat string `yaml:"log_format,omitempty"`
	// MetricsListen is the host:port serving Prometheus metrics at
	// /metrics; empty is off.
	MetricsListen string `yaml:"metrics_listen,omitempty"`
	// VRRPMacvlan, when set at an edge, is the name of a macvlan on the
	// upstream interface that carries the VRRP virtual MAC and the VIP
	// (see vrrp.NetlinkConfig.MACVLAN). Empty: the VIP goes on the
	// upstream interface itself, announced by gratuitous ARP.
	VRRPMacvlan string `yaml:"vrrp_macvlan,omitempty"`
	// VRRPMacvlanSecond is the macvlan of upstream.second's VIP, with
	// that group's virtual MAC: required with vrrp_macvlan at an edge of
	// an active-active ring.
	VRRPMacvlanSecond string `yaml:"vrrp_macvlan_second,omitempty"`
	// Timers overrides timers of the profile on this node.
	Timers *Timers `yaml:"timers,omitempty"`
	// Costs overrides the cost plan's OSPF costs of this node's ring
	// interfaces (ring.PlanCosts). SIGHUP applies a change in place: the
	// node re-originates its router-LSA, no adjacency is touched.
	Costs *Costs `yaml:"costs,omitempty"`
	// Spec is the whole ring, the same on every node.
	Spec Spec `yaml:",inline"`
}

// Spec is ring.Spec in YAML.
type Spec struct {
	// Profile is "rfc" (default) or "fast".
	Profile string `yaml:"profile,omitempty"`
	// BaseCost is the cost of a preferred ring interface; 0 means 10.
	BaseCost uint16 `yaml:"base_cost,omitempty"`
	// BFDAuth authenticates every ring link's BFD sessions
	// (ring.Spec.BFDAuth), the same on every node.
	BFDAuth *BFDAuth `yaml:"bfd_auth,omitempty"`
	// OSPFAuth authenticates OSPF on every ring link
	// (ring.Spec.OSPFAuth), ospfd's auth block: `ospf_auth: {type:
	// crypto, keys: [{id: 1, algorithm: hmac-sha-256, secret: ...}]}`.
	// The first key signs; every listed key verifies.
	OSPFAuth *ospfconf.AuthConfig `yaml:"ospf_auth,omitempty"`
	// LinkPool is carved into /31s, one per ring link, when Links is
	// empty.
	LinkPool Prefix `yaml:"link_pool,omitempty"`
	// Links are the ring links' subnets: Links[i] joins Nodes[i] and
	// Nodes[i+1].
	Links []Prefix `yaml:"links,omitempty"`
	// Upstream is the upstream LAN; left out, the ring has no uplink
	// (no VRRP, no default: the nodes reach each other and nobody else).
	Upstream Upstream `yaml:"upstream,omitempty"`
	// Nodes are the virtual routers in ring order.
	Nodes []Node `yaml:"nodes"`
	// Anycast is the ring's health-checked anycast service (ring.
	// AnycastSpec, scenario S5): a replica node routes VIP to its first
	// server and announces it into OSPF while the server answers a
	// tcp_banner check ("220") on port 25.
	Anycast *Anycast `yaml:"anycast,omitempty"`
	// Topology is "ring" (default) or "chain" (ring.TopologyChain: the
	// nodes cabled in a line, static routes only, one edge in
	// upstream.edges or the first node, no vip, vrid, priority,
	// bfd_auth, ospf_auth, base_cost, anycast, timers or costs).
	Topology string `yaml:"topology,omitempty"`
}

// BFDAuth is ring.Spec.BFDAuth in YAML: `bfd_auth: {type:
// meticulous-keyed-sha1, key_id: 1, key: "..."}`. Type is simple,
// keyed-md5, meticulous-keyed-md5, keyed-sha1 or meticulous-keyed-sha1
// (RFC 5880 §6.7); the key is 1 to 16 bytes (20 for SHA1).
type BFDAuth struct {
	Type  string `yaml:"type"`
	KeyID uint8  `yaml:"key_id,omitempty"`
	Key   string `yaml:"key"`
}

// Node is ring.NodeSpec in YAML.
type Node struct {
	Name     string   `yaml:"name"`
	RouterID Addr     `yaml:"router_id,omitempty"`
	LANs     []Prefix `yaml:"lans,omitempty"`
}

// Upstream is ring.Upstream in YAML. Edges is empty (the first node is
// the master edge at .2, the last the backup edge at .3) or has two
// entries.
type Upstream struct {
	Prefix  Prefix `yaml:"prefix"`
	Gateway Addr   `yaml:"gateway"`
	VIP     Addr   `yaml:"vip"`
	VRID    uint8  `yaml:"vrid,omitempty"`
	Edges   []Edge `yaml:"edges,omitempty"`
	// Second makes the edges active-active (ring.Upstream.Second): a
	// second VRRP group, master at the backup edge, and each half of the
	// ring's LANs exits through its nearer edge; the gateway routes each
	// LAN to its group's VIP (ringsim and `ringd check` print which).
	Second *Group `yaml:"second,omitempty"`
}

// Group is ring.Group in YAML: upstream.second's vip and vrid (zero or
// left out: upstream.vrid + 1).
type Group struct {
	VIP  Addr  `yaml:"vip"`
	VRID uint8 `yaml:"vrid,omitempty"`
}

// Anycast is ring.AnycastSpec in YAML.
type Anycast struct {
	// VIP is the service address, on no ring network.
	VIP Addr `yaml:"vip"`
	// Replicas name the nodes whose first server runs the service.
	Replicas []string `yaml:"replicas"`
}

// Edge is ring.Edge in YAML.
type Edge struct {
	Node     string `yaml:"node"`
	Address  Addr   `yaml:"address"`
	Priority uint8  `yaml:"priority"`
}

// Timers overrides the profile's timers on one node (ring.Timers). An
// absent key keeps the profile's value.
type Timers struct {
	// BFDInterval is the BFD interval on the ring links (ring.Timers.
	// BFDInterval: Desired Min TX and Required Min RX), a Go duration
	// such as "100ms": 10ms to 1m, or 0 to run no BFD. The fast profile's
	// is 50ms; raise it on a loaded host, where a scheduling stall of
	// the detection time flaps the adjacencies.
	BFDInterval *Duration `yaml:"bfd_interval,omitempty"`
	// BFDMultiplier is BFD's Detect Mult, 1 to 255 (the profile's is 3).
	BFDMultiplier *int `yaml:"bfd_multiplier,omitempty"`
}

// Costs overrides the OSPF output cost of the node's east and west ring
// interfaces, 1 to 65535 (RFC 2328 §C.3). An absent key keeps the plan's.
type Costs struct {
	East *uint16 `yaml:"east,omitempty"`
	West *uint16 `yaml:"west,omitempty"`
}

// profileMult is the profile's BFD Detect Mult (3 when it leaves it to
// the default).
func profileMult(p ring.Profile) int {
	if m := p.Timers().BFDMultiplier; m > 0 {
		return m
	}
	return 3
}

// Duration is a time.Duration that decodes from a Go duration string
// ("50ms") with the line of the value in its error.
type Duration struct{ time.Duration }

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return typeErr(n, "%q is not a duration such as 50ms", n.Value)
	}
	d.Duration = v
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// Addr is a netip.Addr that decodes from a YAML scalar with the line of
// the value in its error.
type Addr struct{ netip.Addr }

// UnmarshalYAML implements yaml.Unmarshaler.
func (a *Addr) UnmarshalYAML(n *yaml.Node) error {
	v, err := netip.ParseAddr(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return typeErr(n, "%q is not an IP address", n.Value)
	}
	a.Addr = v
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (a Addr) MarshalYAML() (any, error) { return a.String(), nil }

// IsZero reports whether a is unset (for omitempty).
func (a Addr) IsZero() bool { return !a.IsValid() }

// Prefix is a netip.Prefix that decodes from a YAML scalar with the line
// of the value in its error.
type Prefix struct{ netip.Prefix }

// UnmarshalYAML implements yaml.Unmarshaler.
func (p *Prefix) UnmarshalYAML(n *yaml.Node) error {
	v, err := netip.ParsePrefix(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return typeErr(n, "%q is not an address with a prefix length", n.Value)
	}
	p.Prefix = v
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (p Prefix) MarshalYAML() (any, error) { return p.String(), nil }

// IsZero reports whether p is unset (for omitempty).
func (p Prefix) IsZero() bool { return !p.IsValid() }

func typeErr(n *yaml.Node, format string, args ...any) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, fmt.Sprintf(format, args...))}}
}

// Ring returns the ring.Spec s stands for. It checks the profile's name
// only; ring.Spec.Validate checks the rest.
func (s Spec) Ring() (ring.Spec, error) {
	prof, err := ring.ParseProfile(s.Profile)
	if err != nil {
		return ring.Spec{}, err
	}
	topo, err := ring.ParseTopology(s.Topology)
	if err != nil {
		return ring.Spec{}, err
	}
	out := ring.Spec{
		Topology: topo,
		LinkPool: s.LinkPool.Prefix,
		Profile:  prof,
		BaseCost: s.BaseCost,
		Upstream: ring.Upstream{
			Prefix:  s.Upstream.Prefix.Prefix,
			Gateway: s.Upstream.Gateway.Addr,
			VIP:     s.Upstream.VIP.Addr,
			VRID:    s.Upstream.VRID,
		},
	}
	for _, l := range s.Links {
		out.Links = append(out.Links, l.Prefix)
	}
	if a := s.BFDAuth; a != nil {
		t, err := packet.ParseAuthType(a.Type)
		if err != nil {
			return ring.Spec{}, err
		}
		out.BFDAuth = &bfd.Auth{Type: t, KeyID: a.KeyID, Key: []byte(a.Key)}
	}
	if a := s.OSPFAuth; a != nil {
		oa, err := a.OSPF()
		if err != nil {
			return ring.Spec{}, err
		}
		out.OSPFAuth = &oa
	}
	if g := s.Upstream.Second; g != nil {
		out.Upstream.Second = &ring.Group{VIP: g.VIP.Addr, VRID: g.VRID}
	}
	for k, e := range s.Upstream.Edges {
		if k < len(out.Upstream.Edges) {
			out.Upstream.Edges[k] = ring.Edge{Node: e.Node, Address: e.Address.Addr, Priority: e.Priority}
		}
	}
	if a := s.Anycast; a != nil {
		out.Anycast = &ring.AnycastSpec{VIP: a.VIP.Addr, Replicas: a.Replicas}
	}
	for _, nd := range s.Nodes {
		ns := ring.NodeSpec{Name: nd.Name, RouterID: nd.RouterID.Addr}
		for _, l := range nd.LANs {
			ns.LANs = append(ns.LANs, l.Prefix)
		}
		out.Nodes = append(out.Nodes, ns)
	}
	return out, nil
}

// FromSpec returns the YAML form of s.
func FromSpec(s ring.Spec) Spec {
	out := Spec{
		Profile:  s.Profile.String(),
		BaseCost: s.BaseCost,
		LinkPool: Prefix{s.LinkPool},
		Upstream: Upstream{
			Prefix:  Prefix{s.Upstream.Prefix},
			Gateway: Addr{s.Upstream.Gateway},
			VIP:     Addr{s.Upstream.VIP},
			VRID:    s.Upstream.VRID,
		},
	}
	for _, l := range s.Links {
		out.Links = append(out.Links, Prefix{l})
	}
	if a := s.BFDAuth; a != nil {
		out.BFDAuth = &BFDAuth{Type: a.Type.String(), KeyID: a.KeyID, Key: string(a.Key)}
	}
	if a := s.OSPFAuth; a != nil {
		oa := ospfconf.AuthFromOSPF(*a)
		out.OSPFAuth = &oa
	}
	if g := s.Upstream.Second; g != nil {
		out.Upstream.Second = &Group{VIP: Addr{g.VIP}, VRID: g.VRID}
	}
	if s.Upstream.Edges != [2]ring.Edge{} {
		for _, e := range s.Upstream.Edges {
			if e == (ring.Edge{}) && s.Topology == ring.TopologyChain {
				break // a chain's single edge
			}
			out.Upstream.Edges = append(out.Upstream.Edges, Edge{Node: e.Node, Address: Addr{e.Address}, Priority: e.Priority})
		}
	}
	if a := s.Anycast; a != nil {
		out.Anycast = &Anycast{VIP: Addr{a.VIP}, Replicas: a.Replicas}
	}
	if s.Topology != ring.TopologyRing {
		out.Topology = s.Topology.String()
	}
	for _, nd := range s.Nodes {
		n := Node{Name: nd.Name, RouterID: Addr{nd.RouterID}}
		for _, l := range nd.LANs {
			n.LANs = append(n.LANs, Prefix{l})
		}
		out.Nodes = append(out.Nodes, n)
	}
	return out
}

// Marshal returns f as YAML that Parse reads back.
func (f File) Marshal() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Config is a parsed and validated file.
type Config struct {
	File
	// Ring is the validated ring.
	Ring ring.Spec
	// Node is this node's configuration (ring.Spec.Build).
	Node ring.NodeConfig
	// Linux maps the node's ring interface names to Linux names: exactly
	// the node's interfaces.
	Linux map[string]string

	path string
	root yaml.Node
}

// Path returns the file name errors are reported against.
func (c *Config) Path() string { return c.path }

// Error is a problem of a configuration file at a line.
type Error struct {
	Path string
	// Line is the 1-based line of the offending key or value; 0 when no
	// line applies (an empty file).
	Line int
	// Field is the YAML path of the offending value (upstream.edges[1].node),
	// empty for syntax errors.
	Field  string
	Reason string
	// Err is ErrInvalid or ring.ErrInvalidConfig.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Load reads and parses the file at path.
func Load(path string) (*Config, error) {
	return daemonkit.LoadFile(path, Parse)
}

// Parse decodes b strictly, validates the ring and the node's interface
// map, and builds the node's configuration. path names b in errors.
func Parse(path string, b []byte) (*Config, error) {
	c := &Config{path: path}
	if err := daemonkit.DecodeYAMLStrict(path, b, &c.File); err != nil {
		var errs []error
		for _, e := range daemonkit.YAMLErrors(err) {
			errs = append(errs, &Error{Path: e.File, Line: e.Line, Field: e.Key, Reason: e.Reason, Err: ErrInvalid})
		}
		if len(errs) == 0 {
			return nil, &Error{Path: path, Reason: err.Error(), Err: ErrInvalid}
		}
		return nil, errors.Join(errs...)
	}
	if err := yaml.Unmarshal(b, &c.root); err != nil {
		return nil, &Error{Path: path, Reason: err.Error(), Err: ErrInvalid}
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// errAt returns an error about the value at the YAML path (keys and
// sequence indexes), at its line or its nearest existing parent's.
func (c *Config) errAt(base error, path []any, format string, args ...any) error {
	return &Error{Path: c.path, Line: daemonkit.Line(&c.root, path), Field: daemonkit.PathString(path), Reason: fmt.Sprintf(format, args...), Err: base}
}

// specFields maps ring.Spec's Go field names (as Validate names them) to
// YAML keys.
var specFields = map[string]string{
	"Nodes": "nodes", "Name": "name", "RouterID": "router_id", "LANs": "lans",
	"Links": "links", "LinkPool": "link_pool", "Upstream": "upstream",
	"Prefix": "prefix", "Gateway": "gateway", "VIP": "vip", "VRID": "vrid",
	"Edges": "edges", "Node": "node", "Address": "address", "Priority": "priority",
	"Profile": "profile", "BaseCost": "base_cost",
	"BFDAuth": "bfd_auth", "Type": "type", "Key": "key", "OSPFAuth": "ospf_auth", "Keys": "keys", "Password": "password",
	"Anycast": "anycast", "Replicas": "replicas", "Topology": "topology", "Second": "second",
}

var (
	specFieldRE = regexp.MustCompile(`invalid configuration: ([A-Za-z0-9_.\[\]]+): `)
	// goFieldRE finds other fields a reason mentions ("overlaps
	// Nodes[1].LANs[0]", "is also Upstream.VIP").
	goFieldRE   = regexp.MustCompile(`\b(?:Nodes|Links|Upstream)(?:\[\d+\]|\.[A-Z][A-Za-z]*)*`)
	fieldPartRE = regexp.MustCompile(`([A-Za-z]+)|\[(\d+)\]`)
)

// specPath turns "Upstream.Edges[1].Node" into its YAML path.
func specPath(field string) []any {
	var out []any
	for _, m := range fieldPartRE.FindAllStringSubmatch(field, -1) {
		if m[1] != "" {
			k, ok := specFields[m[1]]
			if !ok {
				return out
			}
			out = append(out, k)
		} else {
			i, _ := strconv.Atoi(m[2])
			out = append(out, i)
		}
	}
	return out
}

// validate checks the ring, the node and the interface map.
func (c *Config) validate() error {
	f := &c.File
	switch f.LogLevel {
	case "", "debug", "info", "warn", "error":
	default:
		return c.errAt(ErrInvalid, []any{"log_level"}, "%q is not debug, info, warn or error", f.LogLevel)
	}
	if why := daemonkit.CheckLogFormat(f.LogFormat); why != "" {
		return c.errAt(ErrInvalid, []any{"log_format"}, "%s", why)
	}
	if why := daemonkit.CheckListen(f.MetricsListen); why != "" {
		return c.errAt(ErrInvalid, []any{"metrics_listen"}, "%s", why)
	}
	chain := f.Spec.Topology == ring.TopologyChain.String()
	switch n := len(f.Spec.Upstream.Edges); {
	case f.Spec.Topology != "" && f.Spec.Topology != ring.TopologyRing.String() && !chain:
		return c.errAt(ErrInvalid, []any{"topology"}, "%q is neither ring nor chain", f.Spec.Topology)
	case chain && n > 1:
		return c.errAt(ErrInvalid, []any{"upstream", "edges"}, "%d edges: a chain has one (none means its first node); a second would need VRRP to share the gateway's next hop", n)
	case !chain && n != 0 && n != 2 && f.Spec.Upstream.Second != nil:
		return c.errAt(ErrInvalid, []any{"upstream", "edges"}, "%d edges: active-active with a single edge (upstream.second needs a master edge of its own): give none (first and last node) or two", n)
	case !chain && n != 0 && n != 2:
		return c.errAt(ErrInvalid, []any{"upstream", "edges"}, "%d edges: give none (first and last node) or two", n)
	}
	if chain {
		for _, k := range []string{"timers", "costs", "vrrp_macvlan"} {
			if confrules.Has(&c.root, k) {
				return c.errAt(ErrInvalid, []any{k}, "a chain runs static routes only: no BFD, OSPF or VRRP to tune")
			}
		}
	}
	if a := f.Spec.BFDAuth; a != nil {
		if _, err := packet.ParseAuthType(a.Type); err != nil || a.Type == "none" {
			return c.errAt(ErrInvalid, []any{"bfd_auth", "type"}, "%q is not one of simple, keyed-md5, meticulous-keyed-md5, keyed-sha1, meticulous-keyed-sha1", a.Type)
		}
	}
	if a := f.Spec.OSPFAuth; a != nil {
		if _, err := a.OSPF(); err != nil {
			return c.errAt(ErrInvalid, []any{"ospf_auth"}, "%v", err)
		}
	}
	if err := c.validateVRRP(); err != nil {
		return err
	}
	rs, err := f.Spec.Ring()
	if err != nil {
		return c.errAt(ring.ErrInvalidConfig, []any{"profile"}, "%q is neither rfc nor fast", f.Spec.Profile)
	}
	if err := rs.Validate(); err != nil {
		return c.specErr(err)
	}
	c.Ring = rs
	if f.Node == "" {
		return c.errAt(ErrInvalid, []any{"node"}, "required: the name of the node this daemon runs")
	}
	nc, err := rs.Build(f.Node)
	if err != nil {
		var names []string
		for _, n := range rs.Nodes {
			names = append(names, n.Name)
		}
		return c.errAt(ErrInvalid, []any{"node"}, "%q is not a node of the ring (%s)", f.Node, strings.Join(names, ", "))
	}
	c.Node = nc
	if err := c.applyTimers(); err != nil {
		return err
	}
	if err := c.applyCosts(); err != nil {
		return err
	}
	return c.validateInterfaces()
}

// applyTimers checks the timers: keys and puts them in the node's
// configuration.
func (c *Config) applyTimers() error {
	t := c.File.Timers
	if t == nil {
		return nil
	}
	tm := &c.Node.Timers
	if d := t.BFDInterval; d != nil {
		at := []any{"timers", "bfd_interval"}
		switch iv := d.Duration; {
		case iv < 0:
			return c.errAt(ErrInvalid, at, "%v is negative (0 runs no BFD)", iv)
		case iv > 0 && iv < bfd.MinInterval:
			return c.errAt(ErrInvalid, at, "%v is below %v: a BFD in software that fast on a general-purpose host reports failures that are scheduling stalls (0 runs no BFD)", iv, bfd.MinInterval)
		case iv > bfd.MaxInterval:
			return c.errAt(ErrInvalid, at, "%v is above %v", iv, bfd.MaxInterval)
		case iv%time.Microsecond != 0:
			return c.errAt(ErrInvalid, at, "%v is not a whole number of microseconds (RFC 5880 §4.1 carries microseconds)", iv)
		}
		tm.BFDInterval = d.Duration
	}
	if m := t.BFDMultiplier; m != nil {
		at := []any{"timers", "bfd_multiplier"}
		switch {
		case *m == 0:
			return c.errAt(ErrInvalid, at, "0 is not a Detect Mult: the detection time would be zero (RFC 5880 §6.8.4) and the peer discards packets that carry it (§6.8.6); leave the key out for the profile's %d, or set bfd_interval: 0 to run no BFD", profileMult(c.Ring.Profile))
		case *m < 0 || *m > bfd.MaxDetectMult:
			return c.errAt(ErrInvalid, at, "%d is outside 1 to %d", *m, bfd.MaxDetectMult)
		case tm.BFDInterval == 0:
			return c.errAt(ErrInvalid, at, "BFD is off (profile %v runs none, or timers.bfd_interval is 0): set timers.bfd_interval to run it", c.Ring.Profile)
		}
		tm.BFDMultiplier = *m
	}
	return nil
}

// applyCosts checks the costs: keys and puts them in the node's
// configuration, on the ring interface and its OSPF interface.
func (c *Config) applyCosts() error {
	cs := c.File.Costs
	if cs == nil {
		return nil
	}
	for _, o := range []struct {
		key, ifname string
		v           *uint16
	}{{"east", ring.IfEast, cs.East}, {"west", ring.IfWest, cs.West}} {
		if o.v == nil {
			continue
		}
		if *o.v == 0 {
			return c.errAt(ErrInvalid, []any{"costs", o.key}, "0: an interface's output cost is 1–65535 (RFC 2328 §C.3); leave the key out for the plan's")
		}
		for i := range c.Node.Interfaces {
			if c.Node.Interfaces[i].Name == o.ifname {
				c.Node.Interfaces[i].Cost = *o.v
			}
		}
		for i := range c.Node.OSPF.Interfaces {
			if c.Node.OSPF.Interfaces[i].Name == o.ifname {
				c.Node.OSPF.Interfaces[i].Cost = *o.v
			}
		}
	}
	return nil
}

// validateVRRP checks the upstream virtual router's values by the rules
// ringd shares with vrrpd (package confrules): a zero written in the file
// is refused where ring.Spec reads zero as the default.
func (c *Config) validateVRRP() error {
	u := c.File.Spec.Upstream
	if confrules.Has(&c.root, "upstream", "vrid") {
		if err := confrules.VRID(u.VRID); err != nil {
			return c.errAt(ring.ErrInvalidConfig, []any{"upstream", "vrid"}, "%v", err)
		}
	}
	if confrules.Has(&c.root, "upstream", "second", "vrid") && u.Second != nil {
		if err := confrules.VRID(u.Second.VRID); err != nil {
			return c.errAt(ring.ErrInvalidConfig, []any{"upstream", "second", "vrid"}, "%v", err)
		}
	}
	for k, e := range u.Edges {
		if confrules.Has(&c.root, "upstream", "edges", k, "priority") {
			if err := confrules.Priority(e.Priority, true); err != nil {
				return c.errAt(ring.ErrInvalidConfig, []any{"upstream", "edges", k, "priority"}, "%v", err)
			}
		}
	}
	return nil
}

// GrowthFrom checks c's ring as a growth step of the running ring of old
// (ring.PlanGrowth: one node cabled in between two neighbours); an error
// names c's file, line and YAML key, as a validation error does.
func (c *Config) GrowthFrom(old *Config) (ring.Growth, error) {
	g, err := ring.PlanGrowth(old.Ring, c.Ring)
	if err != nil {
		return ring.Growth{}, c.specErr(err)
	}
	return g, nil
}

// specErr points a ring.Spec.Validate error at its line.
func (c *Config) specErr(err error) error {
	msg := err.Error()
	m := specFieldRE.FindStringSubmatchIndex(msg)
	if m == nil {
		return &Error{Path: c.path, Line: daemonkit.Line(&c.root, nil), Reason: msg, Err: err}
	}
	path := specPath(msg[m[2]:m[3]])
	reason := goFieldRE.ReplaceAllStringFunc(msg[m[1]:], func(f string) string { return daemonkit.PathString(specPath(f)) })
	return &Error{Path: c.path, Line: daemonkit.Line(&c.root, path), Field: daemonkit.PathString(path), Reason: reason, Err: err}
}

// validateInterfaces checks that the map names exactly the node's
// interfaces, each a distinct, plausible Linux interface name.
func (c *Config) validateInterfaces() error {
	var want []string
	for _, ifc := range c.Node.Interfaces {
		want = append(want, ifc.Name)
	}
	var keys []string
	for k := range c.Interfaces {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(want, k) {
			return c.errAt(ErrInvalid, []any{"interfaces", k}, "node %s has no interface %q (it has %s)", c.Node.Name, k, strings.Join(want, ", "))
		}
	}
	used := map[string]string{}
	c.Linux = map[string]string{}
	for _, w := range want {
		lx, ok := c.Interfaces[w]
		if !ok {
			return c.errAt(ErrInvalid, []any{"interfaces"}, "no Linux interface for %q (node %s needs %s)", w, c.Node.Name, strings.Join(want, ", "))
		}
		if err := confrules.IfName(lx); err != nil {
			return c.errAt(ErrInvalid, []any{"interfaces", w}, "%v", err)
		}
		if other, dup := used[lx]; dup {
			return c.errAt(ErrInvalid, []any{"interfaces", w}, "%q is also %s's interface", lx, other)
		}
		used[lx] = w
		c.Linux[w] = lx
	}
	if c.VRRPMacvlan != "" {
		if !c.Node.IsEdge() {
			return c.errAt(ErrInvalid, []any{"vrrp_macvlan"}, "node %s is not an edge: it runs no VRRP", c.Node.Name)
		}
		if err := confrules.IfName(c.VRRPMacvlan); err != nil {
			return c.errAt(ErrInvalid, []any{"vrrp_macvlan"}, "%v", err)
		}
		if other, dup := used[c.VRRPMacvlan]; dup {
			return c.errAt(ErrInvalid, []any{"vrrp_macvlan"}, "%q is %s's interface", c.VRRPMacvlan, other)
		}
	}
	if m := c.VRRPMacvlanSecond; m != "" || c.VRRPMacvlan != "" && c.Node.SecondVRRP != nil {
		switch {
		case c.Node.SecondVRRP == nil:
			return c.errAt(ErrInvalid, []any{"vrrp_macvlan_second"}, "node %s runs no second VRRP group (upstream.second)", c.Node.Name)
		case m == "":
			return c.errAt(ErrInvalid, []any{"vrrp_macvlan"}, "needs vrrp_macvlan_second beside it at an active-active edge: each group has its own virtual MAC")
		case m == c.VRRPMacvlan:
			return c.errAt(ErrInvalid, []any{"vrrp_macvlan_second"}, "%q is also vrrp_macvlan", m)
		}
		if err := confrules.IfName(m); err != nil {
			return c.errAt(ErrInvalid, []any{"vrrp_macvlan_second"}, "%v", err)
		}
		if other, dup := used[m]; dup {
			return c.errAt(ErrInvalid, []any{"vrrp_macvlan_second"}, "%q is %s's interface", m, other)
		}
	}
	return nil
}

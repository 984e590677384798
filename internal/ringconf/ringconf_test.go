package ringconf

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchless/routing/bfd/packet"
	"github.com/switchless/routing/ospf"
	ospfpacket "github.com/switchless/routing/ospf/packet"
	"github.com/switchless/routing/ring"
)

const good = `# a 5-node ring
node: vr1
interfaces:
  east: e1
  west: w1
  up: u1
  lan0: l1
socket: /run/ringd-vr1.sock
profile: fast
link_pool: 10.255.0.0/24
upstream:
  prefix: 192.0.2.0/24
  gateway: 192.0.2.1
  vip: 192.0.2.254
  vrid: 10
  edges:
    - {node: vr1, address: 192.0.2.2, priority: 200}
    - {node: vr5, address: 192.0.2.3, priority: 100}
nodes:
  - {name: vr1, lans: [10.1.0.1/24]}
  - {name: vr2, lans: [10.2.0.1/24]}
  - {name: vr3, lans: [10.3.0.1/24]}
  - {name: vr4, lans: [10.4.0.1/24]}
  - {name: vr5, lans: [10.5.0.1/24]}
`

func paperSpec(n int) ring.Spec {
	s := ring.Spec{
		LinkPool: netip.MustParsePrefix("10.255.0.0/24"),
		Upstream: ring.Upstream{
			Prefix:  netip.MustParsePrefix("192.0.2.0/24"),
			Gateway: netip.MustParseAddr("192.0.2.1"),
			VIP:     netip.MustParseAddr("192.0.2.254"),
			VRID:    10,
			Edges: [2]ring.Edge{
				{Node: "vr1", Address: netip.MustParseAddr("192.0.2.2"), Priority: 200},
				{Node: fmt.Sprintf("vr%d", n), Address: netip.MustParseAddr("192.0.2.3"), Priority: 100},
			},
		},
		Profile: ring.ProfileFast,
	}
	for i := 1; i <= n; i++ {
		s.Nodes = append(s.Nodes, ring.NodeSpec{
			Name: fmt.Sprintf("vr%d", i),
			LANs: []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("10.%d.0.1/24", i))},
		})
	}
	return s
}

func TestParseGood(t *testing.T) {
	c, err := Parse("good.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(paperSpec(5), c.Ring, cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
		cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("spec (-want +got):\n%s", diff)
	}
	if c.Node.Name != "vr1" || c.Node.Role != ring.MasterEdge {
		t.Errorf("node %s role %v, want vr1 master edge", c.Node.Name, c.Node.Role)
	}
	want := map[string]string{"east": "e1", "west": "w1", "up": "u1", "lan0": "l1"}
	if diff := cmp.Diff(want, c.Linux); diff != "" {
		t.Errorf("Linux map (-want +got):\n%s", diff)
	}
}

// TestRoundTrip: FromSpec and Marshal write what Parse reads back as the
// same spec, for several ring sizes, with and without explicit edges and
// links.
func TestRoundTrip(t *testing.T) {
	for _, n := range []int{3, 4, 5, 8} {
		for _, variant := range []string{"edges", "default-edges", "links", "anycast", "no-uplink", "ospf-auth"} {
			t.Run(fmt.Sprintf("%d-%s", n, variant), func(t *testing.T) {
				s := paperSpec(n)
				switch variant {
				case "default-edges":
					s.Upstream.Edges = [2]ring.Edge{}
					s.Profile = ring.ProfileRFC
					s.BaseCost = 7
				case "links":
					s.LinkPool = netip.Prefix{}
					for i := range n {
						s.Links = append(s.Links, netip.MustParsePrefix(fmt.Sprintf("10.254.%d.0/30", i)))
					}
					s.Nodes[1].RouterID = netip.MustParseAddr("1.1.1.1")
				case "anycast":
					s.Anycast = &ring.AnycastSpec{VIP: netip.MustParseAddr("10.254.0.25"), Replicas: []string{"vr2", "vr3"}}
				case "ospf-auth":
					s.OSPFAuth = &ospf.AuthConfig{Type: ospfpacket.AuthCrypto, Keys: []ospf.Key{
						{ID: 2, Algorithm: ospfpacket.AlgHMACSHA256, Secret: []byte("new")},
						{ID: 1, Algorithm: ospfpacket.AlgMD5, Secret: []byte("old")}}}
				case "no-uplink":
					// Issue 15: no upstream LAN, VRRP or default.
					s.Upstream = ring.Upstream{}
				}
				nc, err := s.Build("vr2")
				if err != nil {
					t.Fatal(err)
				}
				f := File{Node: "vr2", Interfaces: map[string]string{}, Spec: FromSpec(s)}
				for _, ifc := range nc.Interfaces {
					f.Interfaces[ifc.Name] = "x" + ifc.Name
				}
				b, err := f.Marshal()
				if err != nil {
					t.Fatal(err)
				}
				c, err := Parse("rt.yaml", b)
				if err != nil {
					t.Fatalf("%v\n%s", err, b)
				}
				if diff := cmp.Diff(s, c.Ring, cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
					cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
					t.Errorf("spec (-want +got):\n%s\n%s", diff, b)
				}
			})
		}
	}
}

// TestParseErrors: every error names the file, the line of the offending
// key or value, and the reason; nothing is returned with it.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		want           string // substring, after "bad.yaml:"
		spec           bool   // wraps ring.ErrInvalidConfig
	}{
		{"unknown key", "socket:", "sockett:", `8: unknown key "sockett" in the top level; did you mean "socket"?`, false},
		{"bad address", "gateway: 192.0.2.1", "gateway: 192.0.2.x", `13: upstream.gateway: "192.0.2.x" is not an IP address`, false},
		{"bad prefix", "[10.3.0.1/24]", "[10.3.0.1/33]", `22: nodes[2].lans[0]: "10.3.0.1/33" is not an address with a prefix length`, false},
		{"wrong type", "vrid: 10", "vrid: ten", `15: upstream.vrid: "ten" is not a number`, false},
		{"priority range", "priority: 100}", "priority: 300}", "18: upstream.edges[1].priority: 300 is not a number from 0 to 255", false},
		{"profile", "profile: fast", "profile: turbo", `9: profile: "turbo" is neither rfc nor fast`, true},
		{"overlap", "[10.3.0.1/24]", "[10.2.0.9/16]", "22: nodes[2].lans[0]: 10.2.0.0/16 overlaps", true},
		{"gateway off LAN", "gateway: 192.0.2.1", "gateway: 198.51.100.1", "13: upstream.gateway: 198.51.100.1 is not a host", true},
		{"edge not a node", "{node: vr5, address", "{node: vr9, address", `18: upstream.edges[1].node: "vr9" is not a node`, true},
		{"one edge", "    - {node: vr5, address: 192.0.2.3, priority: 100}\n", "", "16: upstream.edges: 1 edges", false},
		{"too few nodes", "  - {name: vr2, lans: [10.2.0.1/24]}\n  - {name: vr3, lans: [10.3.0.1/24]}\n  - {name: vr4, lans: [10.4.0.1/24]}\n", "", "19: nodes: a ring needs at least 3 nodes", true},
		{"node missing", "node: vr1\n", "", "2: node: required", false},
		{"node unknown", "node: vr1", "node: vr7", `2: node: "vr7" is not a node of the ring (vr1, vr2, vr3, vr4, vr5)`, false},
		{"interface missing", "  lan0: l1\n", "", `3: interfaces: no Linux interface for "lan0"`, false},
		{"interface unknown", "  lan0: l1\n", "  lan0: l1\n  lan1: l2\n", `8: interfaces.lan1: node vr1 has no interface "lan1"`, false},
		{"interface twice", "lan0: l1", "lan0: e1", `7: interfaces.lan0: "e1" is also east's interface`, false},
		{"interface name", "lan0: l1", "lan0: a/b", `7: interfaces.lan0: "a/b" contains`, false},
		{"log level", "profile: fast", "profile: fast\nlog_level: loud", `10: log_level: "loud"`, false},
		{"macvlan on inner", "node: vr1\ninterfaces:\n  east: e1\n  west: w1\n  up: u1\n", "node: vr2\nvrrp_macvlan: vm\ninterfaces:\n  east: e1\n  west: w1\n", `3: vrrp_macvlan: node vr2 is not an edge`, false},
		{"syntax", "nodes:", "nodes: [", "bad.yaml:", false},
		{"cost 0", "profile: fast", "profile: fast\ncosts: {east: 0}", `10: costs.east: 0: an interface's output cost is 1–65535`, false},
		{"log format", "profile: fast", "profile: fast\nlog_format: xml", `10: log_format: "xml" is not text or json`, false},
		{"metrics listen", "profile: fast", "profile: fast\nmetrics_listen: foo", `10: metrics_listen: "foo": must be host:port`, false},
		{"bfd interval type", "profile: fast", "profile: fast\ntimers:\n  bfd_interval: 50", `11: timers.bfd_interval: "50" is not a duration`, false},
		{"bfd interval small", "profile: fast", "profile: fast\ntimers:\n  bfd_interval: 5ms", `11: timers.bfd_interval: 5ms is below 10ms`, false},
		{"bfd interval big", "profile: fast", "profile: fast\ntimers:\n  bfd_interval: 2m", `11: timers.bfd_interval: 2m0s is above 1m0s`, false},
		{"bfd interval negative", "profile: fast", "profile: fast\ntimers:\n  bfd_interval: -50ms", `11: timers.bfd_interval: -50ms is negative`, false},
		{"bfd interval ns", "profile: fast", "profile: fast\ntimers:\n  bfd_interval: 50000001ns", `11: timers.bfd_interval: 50.000001ms is not a whole number of microseconds`, false},
		{"bfd multiplier 0", "profile: fast", "profile: fast\ntimers:\n  bfd_interval: 100ms\n  bfd_multiplier: 0", `12: timers.bfd_multiplier: 0 is not a Detect Mult`, false},
		{"bfd multiplier 256", "profile: fast", "profile: fast\ntimers: {bfd_multiplier: 256}", `10: timers.bfd_multiplier: 256 is outside 1 to 255`, false},
		{"bfd multiplier without bfd", "profile: fast", "profile: rfc\ntimers: {bfd_multiplier: 5}", `10: timers.bfd_multiplier: BFD is off (profile rfc`, false},
		{"timers unknown key", "profile: fast", "profile: fast\ntimers: {bfd_intervall: 1s}", `10: unknown key "bfd_intervall" in timers; did you mean "bfd_interval"?`, false},
		{"bfd auth type", "profile: fast", "profile: fast\nbfd_auth:\n  type: sha256\n  key: k", `11: bfd_auth.type: "sha256" is not one of`, false},
		{"bfd auth key", "profile: fast", "profile: fast\nbfd_auth:\n  type: keyed-md5\n  key: seventeen-bytes-k", `12: bfd_auth.key: an MD5 key is 1 to 16 bytes, got 17`, true},
		{"ospf auth algorithm", "profile: fast", "profile: fast\nospf_auth:\n  type: crypto\n  keys: [{id: 1, algorithm: sha3, secret: k}]", `10: ospf_auth: keys[0].algorithm "sha3": want md5 or hmac-sha-1/256/384/512`, false},
		{"ospf auth no key", "profile: fast", "profile: fast\nospf_auth: {type: crypto}", `10: ospf_auth.keys: cryptographic authentication needs at least one key`, true},
		{"anycast replica unknown", "profile: fast", "profile: fast\nanycast:\n  vip: 10.254.0.25\n  replicas: [vr2, vr9]", `12: anycast.replicas[1]: "vr9" is not a node`, true},
		{"anycast vip on a LAN", "profile: fast", "profile: fast\nanycast:\n  vip: 10.3.0.25\n  replicas: [vr2]", `11: anycast.vip: 10.3.0.25 is on vr3's server LAN`, true},
		{"anycast no replicas", "profile: fast", "profile: fast\nanycast: {vip: 10.254.0.25}", `10: anycast.replicas: empty`, true},
		{"anycast unknown key", "profile: fast", "profile: fast\nanycast: {vip: 10.254.0.25, replicas: [vr2], check: x}", `10: unknown key "check" in anycast`, false},
		{"bfd auth no key", "profile: fast", "profile: fast\nbfd_auth: {type: keyed-sha1}", `10: bfd_auth.key: a SHA1 key is 1 to 20 bytes, got 0`, true},
		{"vrid zero", "vrid: 10", "vrid: 0", "15: upstream.vrid: 0 is not a VRID: must be 1–255 (RFC 5798 §5.2.3)", true},
		{"priority zero", "priority: 100}", "priority: 0}", "18: upstream.edges[1].priority: 0 is reserved for a Master resigning (RFC 5798 §5.2.4): use 1–254", true},
		{"priority owner", "priority: 200}", "priority: 255}", "17: upstream.edges[0].priority: 255 is the address owner's (RFC 5798 §5.2.4), and a shared VIP has no owner: use 1–254", true},
		{"macvlan too long", "node: vr1\n", "node: vr1\nvrrp_macvlan: vrrp-upstream-vr1-0\n", `3: vrrp_macvlan: "vrrp-upstream-vr1-0" is 19 bytes, longer than the 15 Linux allows (IFNAMSIZ)`, false},
		{"interface too long", "lan0: l1", "lan0: server-lan-00001", `7: interfaces.lan0: "server-lan-00001" is 16 bytes, longer than the 15 Linux allows (IFNAMSIZ)`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := strings.Replace(good, tc.from, tc.to, 1)
			if in == good {
				t.Fatalf("replacement %q not in the file", tc.from)
			}
			c, err := Parse("bad.yaml", []byte(in))
			if err == nil {
				t.Fatalf("no error; parsed %+v", c.Ring)
			}
			if c != nil {
				t.Errorf("config returned with the error")
			}
			if !strings.Contains(err.Error(), "bad.yaml:"+strings.TrimPrefix(tc.want, "bad.yaml:")) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if got := errors.Is(err, ring.ErrInvalidConfig); got != tc.spec {
				t.Errorf("errors.Is(err, ring.ErrInvalidConfig) = %v, want %v (%v)", got, tc.spec, err)
			}
			if !tc.spec && !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
		})
	}
}

// TestParseCosts: costs: overrides the plan's cost of this node's ring
// interfaces, on the interface and on its OSPF interface, and leaves the
// other one at the plan's.
func TestParseCosts(t *testing.T) {
	plain, err := Parse("t.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("t.yaml", []byte(good+"costs: {west: 333}\n"))
	if err != nil {
		t.Fatal(err)
	}
	cost := func(c *Config, name string) (uint16, uint16) {
		ifc, _ := c.Node.Interface(name)
		for _, oc := range c.Node.OSPF.Interfaces {
			if oc.Name == name {
				return ifc.Cost, oc.Cost
			}
		}
		return ifc.Cost, 0
	}
	if a, b := cost(c, ring.IfWest); a != 333 || b != 333 {
		t.Errorf("west costs %d (interface) and %d (OSPF), want 333", a, b)
	}
	ea, eb := cost(c, ring.IfEast)
	pa, pb := cost(plain, ring.IfEast)
	if ea != pa || eb != pb || pa == 0 {
		t.Errorf("east costs %d/%d, want the plan's %d/%d", ea, eb, pa, pb)
	}
}

// TestParseTimers: timers: overrides the profile's BFD timers on this
// node only, and bfd_interval: 0 turns BFD off.
func TestParseTimers(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		iv         time.Duration
		mult       int
	}{
		{"none", "", 50 * time.Millisecond, 3},
		{"interval", "timers:\n  bfd_interval: 200ms\n", 200 * time.Millisecond, 3},
		{"both", "timers: {bfd_interval: 100ms, bfd_multiplier: 5}\n", 100 * time.Millisecond, 5},
		{"off", "timers: {bfd_interval: 0s}\n", 0, 3},
		{"off, bare zero", "timers: {bfd_interval: 0}\n", 0, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("t.yaml", []byte(good+tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Node.Timers; got.BFDInterval != tc.iv || got.BFDMultiplier != tc.mult {
				t.Errorf("BFD %v × %d, want %v × %d", got.BFDInterval, got.BFDMultiplier, tc.iv, tc.mult)
			}
			if c.Ring.Profile.Timers().BFDInterval != 50*time.Millisecond {
				t.Error("the override changed the profile")
			}
			out, err := c.File.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse("again.yaml", out)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if again.Node.Timers != c.Node.Timers {
				t.Errorf("round trip: %+v, want %+v\n%s", again.Node.Timers, c.Node.Timers, out)
			}
		})
	}
	// bfd_auth reaches the spec and every node, and round-trips.
	c, err := Parse("auth.yaml", []byte(good+"bfd_auth: {type: meticulous-keyed-sha1, key_id: 7, key: ring-secret}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a := c.Node.BFDAuth; a == nil || a.Type != packet.AuthMeticulousKeyedSHA1 || a.KeyID != 7 || string(a.Key) != "ring-secret" {
		t.Errorf("node BFD auth %+v", a)
	}
	out, err := c.File.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if again, err := Parse("again.yaml", out); err != nil || again.Node.BFDAuth == nil || string(again.Node.BFDAuth.Key) != "ring-secret" {
		t.Errorf("round trip: %v\n%s", err, out)
	}
	// The RFC profile runs BFD only when asked.
	rfc := strings.Replace(good, "profile: fast", "profile: rfc\ntimers: {bfd_interval: 300ms}", 1)
	c, err = Parse("rfc.yaml", []byte(rfc))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Node.Timers; got.BFDInterval != 300*time.Millisecond || got.BFDDetectTime() != 900*time.Millisecond {
		t.Errorf("rfc with bfd_interval 300ms: %v × %d", got.BFDInterval, got.BFDMultiplier)
	}
}

func TestParseEmpty(t *testing.T) {
	_, err := Parse("empty.yaml", nil)
	if err == nil || err.Error() != "empty.yaml: the file is empty" {
		t.Fatalf("got %v", err)
	}
}

// TestErrorsCollected: several type errors are all reported, each at its
// line.
func TestErrorsCollected(t *testing.T) {
	in := strings.Replace(strings.Replace(good, "vrid: 10", "vrid: x", 1), "vip: 192.0.2.254", "vip: nope", 1)
	_, err := Parse("two.yaml", []byte(in))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"two.yaml:14: upstream.vip: \"nope\" is not an IP address", "two.yaml:15: upstream.vrid: \"x\" is not a number"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("node: a\nnodes: [{name: a}, {name: b}, {name: c}]\nlink_pool: 10.0.0.0/24\nupstream: {prefix: 192.0.2.0/24, gateway: 192.0.2.1, vip: 192.0.2.9}\n"))
	f.Add([]byte("interfaces: {east: [1, 2]}\nupstream: {edges: [{}, {}, {}]}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse("fuzz.yaml", b)
		if err == nil {
			// Whatever parses builds and round-trips.
			out, merr := c.File.Marshal()
			if merr != nil {
				t.Fatalf("marshal: %v", merr)
			}
			if _, err := Parse("again.yaml", out); err != nil {
				t.Fatalf("re-parse of marshalled config: %v\n%s", err, out)
			}
		} else if err.Error() == "" {
			t.Fatal("empty error")
		}
	})
}

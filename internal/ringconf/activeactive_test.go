package ringconf

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/switchless/routing/ring"
)

const secondLine = "  second: {vip: 192.0.2.253, vrid: 11}\n"

// goodAA is good with active-active edges (upstream.second on line 16).
var goodAA = strings.Replace(good, "  vrid: 10\n", "  vrid: 10\n"+secondLine, 1)

// TestParse_ActiveActive: upstream.second becomes ring.Upstream.Second,
// the node's config carries the second virtual router with the other
// edge's priority, and FromSpec writes it back.
func TestParse_ActiveActive(t *testing.T) {
	c, err := Parse("aa.yaml", []byte(goodAA))
	if err != nil {
		t.Fatal(err)
	}
	g := c.Ring.Upstream.Second
	if g == nil || g.VIP != netip.MustParseAddr("192.0.2.253") || g.VRID != 11 {
		t.Fatalf("Upstream.Second = %+v", g)
	}
	nc, err := c.Ring.Build("vr1")
	if err != nil {
		t.Fatal(err)
	}
	if v := nc.SecondVRRP; v == nil || v.VRID != 11 || v.Priority != 100 || v.VirtualAddresses[0] != g.VIP {
		t.Fatalf("vr1's second group %+v, want VRID 11, priority 100 (vr5's), VIP %v", v, g.VIP)
	}
	if back := FromSpec(c.Ring).Upstream.Second; back == nil || back.VIP.Addr != g.VIP || back.VRID != 11 {
		t.Errorf("FromSpec: %+v", back)
	}
	plain, err := Parse("t.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if plain.Ring.Upstream.Second != nil {
		t.Error("a file without upstream.second is active-active")
	}
	mv, err := Parse("mv.yaml", []byte(strings.Replace(goodAA, "node: vr1\n", "node: vr1\nvrrp_macvlan: vm1\nvrrp_macvlan_second: vm2\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if mv.VRRPMacvlanSecond != "vm2" {
		t.Errorf("vrrp_macvlan_second = %q", mv.VRRPMacvlanSecond)
	}
	if _, err := Parse("mv.yaml", []byte(strings.Replace(good, "node: vr1\n", "node: vr1\nvrrp_macvlan_second: vm2\n", 1))); err == nil || !strings.Contains(err.Error(), "vrrp_macvlan_second: node vr1 runs no second VRRP group") {
		t.Errorf("vrrp_macvlan_second without upstream.second: %v", err)
	}
}

// TestParseErrors_ActiveActive (issue 15, bad input): what active-active
// edges cannot be given is refused at its line, with its field and why.
func TestParseErrors_ActiveActive(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		want           string
		spec           bool
	}{
		{"same vrid", "vrid: 11}", "vrid: 10}", "16: upstream.second.vrid: 10 is also upstream.vrid", true},
		{"vrid zero", "vrid: 11}", "vrid: 0}", "16: upstream.second.vrid: 0 is not a VRID", true},
		{"same vip", "vip: 192.0.2.253,", "vip: 192.0.2.254,", "16: upstream.second.vip: address 192.0.2.254 is also upstream.vip", true},
		{"vip off the LAN", "vip: 192.0.2.253,", "vip: 198.51.100.9,", "16: upstream.second.vip: 198.51.100.9 is not a host on the upstream LAN 192.0.2.0/24", true},
		{"vip an edge's", "vip: 192.0.2.253,", "vip: 192.0.2.3,", "16: upstream.second.vip: address 192.0.2.3 is also upstream.edges[1].address", true},
		{"vip the gateway", "vip: 192.0.2.253,", "vip: 192.0.2.1,", "16: upstream.second.vip: address 192.0.2.1 is also upstream.gateway", true},
		{"single edge", "    - {node: vr5, address: 192.0.2.3, priority: 100}\n", "", "17: upstream.edges: 1 edges: active-active with a single edge", false},
		{"unknown key", "vrid: 11}", "vrid: 11, prio: 5}", `unknown key "prio" in upstream.second`, false},
		{"macvlan alone", "node: vr1\n", "node: vr1\nvrrp_macvlan: vm1\n", "3: vrrp_macvlan: needs vrrp_macvlan_second beside it at an active-active edge", false},
		{"macvlans equal", "node: vr1\n", "node: vr1\nvrrp_macvlan: vm1\nvrrp_macvlan_second: vm1\n", `4: vrrp_macvlan_second: "vm1" is also vrrp_macvlan`, false},
		{"second macvlan an interface", "node: vr1\n", "node: vr1\nvrrp_macvlan_second: e1\n", `3: vrrp_macvlan_second: "e1" is east's interface`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := strings.Replace(goodAA, tc.from, tc.to, 1)
			if in == goodAA {
				t.Fatalf("replacement %q not in the file", tc.from)
			}
			_, err := Parse("bad.yaml", []byte(in))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if got := errors.Is(err, ring.ErrInvalidConfig); got != tc.spec {
				t.Errorf("errors.Is(err, ring.ErrInvalidConfig) = %v, want %v (%v)", got, tc.spec, err)
			}
		})
	}
}

package main

import (
	"strings"
	"testing"

	"github.com/switchless/routing/internal/ringconf"
)

// ringFile is a valid ringd file of node vr1, a ring edge running VRRP.
const ringFile = `node: vr1
interfaces: {east: e1, west: w1, up: u1}
link_pool: 10.255.0.0/24
upstream:
  prefix: 192.0.2.0/24
  gateway: 192.0.2.1
  vip: 192.0.2.254
  vrid: 10
  edges:
    - {node: vr1, address: 192.0.2.2, priority: 200}
    - {node: vr3, address: 192.0.2.3, priority: 100}
nodes: [{name: vr1}, {name: vr2}, {name: vr3}]
`

// vrrpdFile is a valid vrrpd file with the same virtual router.
const vrrpdFile = `routers:
  - name: up
    interface: u1
    vrid: 10
    priority: 200
    virtual_addresses: [192.0.2.254]
`

// TestSharedRules_VRRPDAndRingd: vrrpd and ringd configure the same
// virtual router; each bad value is refused by both with the same reason
// (package confrules), only the key differing.
func TestSharedRules_VRRPDAndRingd(t *testing.T) {
	for _, tc := range []struct {
		name               string
		vrrpdFrom, vrrpdTo string
		ringFrom, ringTo   string
		vrrpdKey, ringKey  string
		reason             string
	}{
		{"vrid 0 (RFC 5798 §5.2.3)", "vrid: 10", "vrid: 0", "vrid: 10", "vrid: 0",
			"x.yaml:4: routers[0].vrid", "x.yaml:8: upstream.vrid",
			"0 is not a VRID: must be 1–255 (RFC 5798 §5.2.3)"},
		{"priority 0 (RFC 5798 §5.2.4)", "priority: 200", "priority: 0", "priority: 200", "priority: 0",
			"x.yaml:5: routers[0].priority", "x.yaml:10: upstream.edges[0].priority",
			"0 is reserved for a Master resigning (RFC 5798 §5.2.4): use 1–254"},
		{"macvlan name over IFNAMSIZ", "vrid: 10", "vrid: 10\n    macvlan: vrrp-upstream-0010", "node: vr1", "node: vr1\nvrrp_macvlan: vrrp-upstream-0010",
			"x.yaml:5: routers[0].macvlan", "x.yaml:2: vrrp_macvlan",
			`"vrrp-upstream-0010" is 18 bytes, longer than the 15 Linux allows (IFNAMSIZ)`},
		{"interface name over IFNAMSIZ", "interface: u1", "interface: upstream-lan-0001", "up: u1", "up: upstream-lan-0001",
			"x.yaml:3: routers[0].interface", "x.yaml:2: interfaces.up",
			`"upstream-lan-0001" is 17 bytes, longer than the 15 Linux allows (IFNAMSIZ)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := strings.Replace(vrrpdFile, tc.vrrpdFrom, tc.vrrpdTo, 1)
			r := strings.Replace(ringFile, tc.ringFrom, tc.ringTo, 1)
			if v == vrrpdFile || r == ringFile {
				t.Fatal("replacement not in the file")
			}
			_, err := ParseConfig("x.yaml", []byte(v))
			if want := tc.vrrpdKey + ": " + tc.reason; err == nil || err.Error() != want {
				t.Errorf("vrrpd: %v\nwant  %s", err, want)
			}
			_, err = ringconf.Parse("x.yaml", []byte(r))
			if want := tc.ringKey + ": " + tc.reason; err == nil || err.Error() != want {
				t.Errorf("ringd: %v\nwant  %s", err, want)
			}
		})
	}
	if _, err := ParseConfig("x.yaml", []byte(vrrpdFile)); err != nil {
		t.Errorf("vrrpd: good file: %v", err)
	}
	if _, err := ringconf.Parse("x.yaml", []byte(ringFile)); err != nil {
		t.Errorf("ringd: good file: %v", err)
	}
}

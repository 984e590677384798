package vrrp

import (
	"context"
	"errors"
	"fmt"
	"github.com/switchless/routing/health"
	"github.com/switchless/routing/vrrp/packet"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func validConfig() Config {
	return Config{VRID: 7, Interface: "eth0", Address: netip.MustParsePrefix("192.0.2.2/24"),
		VirtualAddresses: []netip.Addr{netip.MustParseAddr("192.0.2.100")}}
}

func TestConfigValidate(t *testing.T) {
	if err := validConfig().Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	v6 := func(c *Config) {
		c.Address = netip.MustParsePrefix("fe80::2/64")
		c.VirtualAddresses = []netip.Addr{netip.MustParseAddr("fe80::1"), netip.MustParseAddr("2001:db8::1")}
		c.Subnets = []netip.Prefix{netip.MustParsePrefix("2001:db8::2/64")}
	}
	okCases := map[string]func(c *Config){
		"v6":    v6,
		"owner": func(c *Config) { c.Priority = 255; c.VirtualAddresses = []netip.Addr{netip.MustParseAddr("192.0.2.2")} },
		"outside_subnet_accept": func(c *Config) {
			c.AcceptMode = true
			c.VirtualAddresses = []netip.Addr{netip.MustParseAddr("203.0.113.1")}
		},
		"in_other_subnet": func(c *Config) {
			c.Subnets = []netip.Prefix{netip.MustParsePrefix("203.0.113.2/24")}
			c.VirtualAddresses = []netip.Addr{netip.MustParseAddr("203.0.113.1")}
		},
		"v2_auth": func(c *Config) { c.Version = packet.V2; c.AuthType = packet.AuthSimple; c.Password = "12345678" },
		"v3_10ms": func(c *Config) { c.Interval = 10 * time.Millisecond },
	}
	for name, f := range okCases {
		c := validConfig()
		f(&c)
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := []struct {
		name, field string
		f           func(c *Config)
	}{
		{"vrid_0", "VRID", func(c *Config) { c.VRID = 0 }},
		{"version_4", "Version", func(c *Config) { c.Version = 4 }},
		{"v2_subsecond", "Interval", func(c *Config) { c.Version = packet.V2; c.Interval = 500 * time.Millisecond }},
		{"v3_5ms", "Interval", func(c *Config) { c.Interval = 5 * time.Millisecond }},
		{"v3_41s", "Interval", func(c *Config) { c.Interval = 41 * time.Second }},
		{"negative_interval", "Interval", func(c *Config) { c.Interval = -time.Second }},
		{"no_address", "Address", func(c *Config) { c.Address = netip.Prefix{} }},
		{"v2_ipv6", "Address", func(c *Config) { v6(c); c.Version = packet.V2 }},
		{"v6_global_source", "Address", func(c *Config) { v6(c); c.Address = netip.MustParsePrefix("2001:db8::2/64") }},
		{"no_vips", "VirtualAddresses", func(c *Config) { c.VirtualAddresses = nil }},
		{"vip_outside_subnet", "VirtualAddresses[0]", func(c *Config) { c.VirtualAddresses = []netip.Addr{netip.MustParseAddr("203.0.113.1")} }},
		{"vip_family", "VirtualAddresses[0]", func(c *Config) { c.VirtualAddresses = []netip.Addr{netip.MustParseAddr("2001:db8::1")} }},
		{"vip_dup", "VirtualAddresses[1]", func(c *Config) { c.VirtualAddresses = append(c.VirtualAddresses, c.VirtualAddresses[0]) }},
		{"vip_multicast", "VirtualAddresses[0]", func(c *Config) { c.AcceptMode = true; c.VirtualAddresses = []netip.Addr{packet.GroupIPv4} }},
		{"v6_first_not_link_local", "VirtualAddresses[0]", func(c *Config) { v6(c); c.VirtualAddresses = c.VirtualAddresses[1:] }},
		{"owner_not_owning", "Priority", func(c *Config) { c.Priority = 255 }},
		{"peer_self", "Peers[0]", func(c *Config) { c.Peers = []netip.Addr{c.Address.Addr()} }},
		{"v3_auth", "AuthType", func(c *Config) { c.AuthType = packet.AuthSimple; c.Password = "x" }},
		{"ip_ah", "AuthType", func(c *Config) { c.Version = packet.V2; c.AuthType = packet.AuthIPAH }},
		{"long_password", "Password", func(c *Config) { c.Version = packet.V2; c.AuthType = packet.AuthSimple; c.Password = "123456789" }},
		{"password_without_auth", "Password", func(c *Config) { c.Password = "x" }},
		{"track_weight", "Tracks[0].Weight", func(c *Config) { c.Tracks = []Track{{Name: "a", Weight: 300}} }},
		{"track_dup", "Tracks[1].Name", func(c *Config) { c.Tracks = []Track{{Name: "a"}, {Name: "a"}} }},
		{"track_timeout_over_interval", "Tracks[0].Timeout", func(c *Config) {
			c.Tracks = []Track{{Name: "a", Checker: health.CheckFunc(func(context.Context) error { return nil }), Interval: time.Second, Timeout: 2 * time.Second}}
		}},
		{"preempt_delay", "PreemptDelay", func(c *Config) { c.PreemptDelay = -1 }},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.f(&c)
			err := c.Validate()
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.field+":") {
				t.Fatalf("Validate = %v, want an ErrInvalidConfig naming %s", err, tt.field)
			}
		})
	}
}

func TestValidateSet_DuplicateVRIDOnInterface(t *testing.T) {
	a, b := validConfig(), validConfig()
	b.VirtualAddresses = []netip.Addr{netip.MustParseAddr("192.0.2.101")}
	err := ValidateSet([]Config{a, b})
	if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "VRID") {
		t.Fatalf("duplicate VRID: %v", err)
	}
	b.Interface = "eth1" // same VRID on another LAN is fine
	if err := ValidateSet([]Config{a, b}); err != nil {
		t.Fatal(err)
	}
	b.Interface, b.VRID = "eth0", 8
	if err := ValidateSet([]Config{a, b}); err != nil {
		t.Fatal(err)
	}
}

// TestValidateSet_DuplicateVirtualAddress: two virtual routers (other
// VRIDs, other interfaces) must not both answer for one address; an IPv6
// link-local virtual address is unique on its link only.
func TestValidateSet_DuplicateVirtualAddress(t *testing.T) {
	a, b := validConfig(), validConfig()
	b.VRID, b.Interface = a.VRID+1, "eth1"
	b.VirtualAddresses = []netip.Addr{netip.MustParseAddr("192.0.2.101"), a.VirtualAddresses[0]}
	err := ValidateSet([]Config{a, b})
	want := fmt.Sprintf("router 1: vrrp: invalid configuration: VirtualAddresses[1]: %v is also a virtual address of router 0", a.VirtualAddresses[0])
	if !errors.Is(err, ErrInvalidConfig) || err.Error() != want {
		t.Fatalf("duplicate VIP: %v, want %q", err, want)
	}
	ll := func(iface string) Config {
		return Config{VRID: 1, Interface: iface, Address: netip.MustParsePrefix("fe80::2/64"),
			VirtualAddresses: []netip.Addr{netip.MustParseAddr("fe80::1")}}
	}
	if err := ValidateSet([]Config{ll("eth0"), ll("eth1")}); err != nil {
		t.Fatalf("one link-local VIP on two links: %v", err)
	}
	c := ll("eth0")
	c.VRID = 2
	if err := ValidateSet([]Config{ll("eth0"), c}); err == nil {
		t.Fatal("one link-local VIP twice on one link accepted")
	}
}

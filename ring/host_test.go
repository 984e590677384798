package ring

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// HostConfig.Validate names the YAML key of what is wrong with the
// interface mapping, and OpenHost refuses before it opens anything.
func TestHostConfig_Validate(t *testing.T) {
	s := PaperSpec(5, ProfileFast)
	edge, err := s.Build("vr1")
	if err != nil {
		t.Fatal(err)
	}
	inner, err := s.Build("vr3")
	if err != nil {
		t.Fatal(err)
	}
	full := func(c NodeConfig) map[string]string {
		m := map[string]string{}
		for i, ifc := range c.Interfaces {
			m[ifc.Name] = "eth" + string(rune('0'+i))
		}
		return m
	}
	if err := (HostConfig{Interfaces: full(edge)}).Validate(edge); err != nil {
		t.Fatalf("complete mapping: %v", err)
	}
	vip := netip.MustParseAddr("10.254.0.25")
	missing := full(edge)
	delete(missing, IfUpstream)
	dup := full(inner)
	dup[IfWest] = dup[IfEast]
	extra := full(inner)
	extra["lan7"] = "eth9"
	for _, tc := range []struct {
		name string
		cfg  NodeConfig
		hc   HostConfig
		want string
	}{
		{"missing", edge, HostConfig{Interfaces: missing}, "interfaces.up: no Linux interface"},
		{"duplicate", inner, HostConfig{Interfaces: dup}, "is already interfaces."},
		{"unknown", inner, HostConfig{Interfaces: extra}, "interfaces.lan7: node vr3 has no such interface"},
		{"macvlan at inner node", inner, HostConfig{Interfaces: full(inner), MACVLAN: "vip0"}, "vrrp_macvlan: only an edge"},
		{"anycast server off lan0", inner, HostConfig{Interfaces: full(inner), Anycast: &HostAnycast{VIP: vip, Server: netip.MustParseAddr("10.2.0.2")}}, "anycast.server: 10.2.0.2 is not a server on lan0"},
		{"anycast server is the node", inner, HostConfig{Interfaces: full(inner), Anycast: &HostAnycast{VIP: vip, Server: netip.MustParseAddr("10.3.0.1")}}, "anycast.server"},
		{"anycast vip", inner, HostConfig{Interfaces: full(inner), Anycast: &HostAnycast{Server: netip.MustParseAddr("10.3.0.2")}}, "anycast.vip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.hc.Validate(tc.cfg)
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want ErrInvalidConfig with %q", err, tc.want)
			}
			if h, err := OpenHost(context.Background(), tc.cfg, tc.hc); h != nil || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("OpenHost = %v, %v; want nil and the same error", h, err)
			}
		})
	}
}

// Spec.HostAnycast gives a replica node its server (the first host of its
// first LAN) and the profile's check timing, and nothing to the others.
func TestSpec_HostAnycast(t *testing.T) {
	s := PaperSpec(5, ProfileFast)
	a := s.HostAnycast("vr2")
	iv, rise, fall := AnycastTiming(ProfileFast)
	want := HostAnycast{VIP: netip.MustParseAddr("10.254.0.25"), Server: netip.MustParseAddr("10.2.0.2"), Interval: iv, Rise: rise, Fall: fall}
	if a == nil || *a != want {
		t.Fatalf("HostAnycast(vr2) = %+v, want %+v", a, want)
	}
	for _, n := range []string{"vr1", "vr3", "vr9"} {
		if a := s.HostAnycast(n); a != nil {
			t.Errorf("HostAnycast(%s) = %+v, want nil", n, a)
		}
	}
	nc, err := s.Build("vr4")
	if err != nil {
		t.Fatal(err)
	}
	hc := HostConfig{Interfaces: map[string]string{}, Anycast: s.HostAnycast("vr4")}
	for _, ifc := range nc.Interfaces {
		hc.Interfaces[ifc.Name] = "x" + ifc.Name
	}
	if err := hc.Validate(nc); err != nil {
		t.Errorf("Validate(vr4 replica) = %v", err)
	}
	s.Anycast = nil
	if a := s.HostAnycast("vr2"); a != nil {
		t.Errorf("no anycast: HostAnycast(vr2) = %+v", a)
	}
}

package ring

import (
	"context"
	"errors"
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

package vrrp

import (
	"context"
	"errors"
	"net/netip"
	"runtime"
	"strings"
	"testing"

	"github.com/switchless/routing"
)

func TestListenConfig_Validate(t *testing.T) {
	good := ListenConfig{Interface: "eth0", Source: netip.MustParseAddr("192.0.2.1")}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	good6 := ListenConfig{Interface: "eth0", IPv6: true, Source: netip.MustParseAddr("fe80::1")}
	if err := good6.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]ListenConfig{
		"Interface": {Source: good.Source},
		"Source":    {Interface: "eth0"},
		"family":    {Interface: "eth0", IPv6: true, Source: good.Source},
		"v4_as_v6":  {Interface: "eth0", Source: netip.MustParseAddr("fe80::1")},
		"global_v6": {Interface: "eth0", IPv6: true, Source: netip.MustParseAddr("2001:db8::1")},
	} {
		err := c.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "ListenConfig.") {
			t.Errorf("%s: %v", name, err)
		}
		// Listen validates before it opens anything, on every platform.
		if tr, err := Listen(context.Background(), c); tr != nil || !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: Listen = %v, %v", name, tr, err)
		}
	}
}

func TestListen_NoSuchInterface(t *testing.T) {
	tr, err := Listen(context.Background(), ListenConfig{Interface: "vrrp-none0", Source: netip.MustParseAddr("192.0.2.1")})
	if err == nil || tr != nil {
		t.Fatalf("Listen on a missing interface = %v, %v", tr, err)
	}
	if runtime.GOOS != "linux" && !errors.Is(err, routing.ErrUnsupported) {
		t.Errorf("off Linux: %v, want routing.ErrUnsupported", err)
	}
}

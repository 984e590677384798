package rip

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/rip/packet"
)

func TestConfig_ValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		field string
		mod   func(c *Config)
	}{
		{"interfaces: at least one", func(c *Config) { c.Interfaces = nil }},
		{"interfaces[1].name: is required", func(c *Config) { c.Interfaces[1].Name = "" }},
		{"interfaces[1].name: \"eth0\" is also interfaces[0]", func(c *Config) { c.Interfaces[1].Name = "eth0" }},
		{"interfaces[1].prefix: 10.0.0.128/25 overlaps interfaces[0].prefix", func(c *Config) { c.Interfaces[1].Prefix = pfx("10.0.0.128/25") }},
		{"interfaces[0].prefix", func(c *Config) { c.Interfaces[0].Prefix = pfx("2001:db8::1/64") }},
		{"interfaces[0].neighbors[0]", func(c *Config) { c.Interfaces[0].Neighbors = []netip.Addr{ip("10.9.0.1")} }},
		{"interfaces[0].metric_in", func(c *Config) { c.Interfaces[0].MetricIn = 16 }},
		{"interfaces[0].metric_out", func(c *Config) { c.Interfaces[0].MetricOut = -1 }},
		{"interfaces[0].split_horizon", func(c *Config) { c.Interfaces[0].SplitHorizon = 9 }},
		{"interfaces[0].auth.password: must be 1 to 16 bytes", func(c *Config) { c.Interfaces[0].Auth.Mode = AuthPassword }},
		{"interfaces[0].auth.keys: at least one", func(c *Config) { c.Interfaces[0].Auth.Mode = AuthCrypto }},
		{"interfaces[1].auth.keys[0].id: is required", func(c *Config) {
			c.Interfaces[1].Auth = AuthConfig{Mode: AuthCrypto, Keys: []KeyConfig{{Secret: "x"}}}
		}},
		{"interfaces[1].auth.keys[1].id: 1 is also keys[0]", func(c *Config) {
			c.Interfaces[1].Auth = AuthConfig{Mode: AuthCrypto, Keys: []KeyConfig{{ID: 1, Secret: "x"}, {ID: 1, Secret: "y"}}}
		}},
		{"interfaces[1].auth.keys[0].secret: is required", func(c *Config) {
			c.Interfaces[1].Auth = AuthConfig{Mode: AuthCrypto, Keys: []KeyConfig{{ID: 1}}}
		}},
		{"interfaces[1].auth.keys[0].send_end", func(c *Config) {
			c.Interfaces[1].Auth = AuthConfig{Mode: AuthCrypto, Keys: []KeyConfig{{ID: 1, Secret: "x", SendStart: epoch, SendEnd: epoch}}}
		}},
		{"interfaces[1].auth.keys[0].algorithm", func(c *Config) {
			c.Interfaces[1].Auth = AuthConfig{Mode: AuthCrypto, Keys: []KeyConfig{{ID: 1, Secret: "x", Algorithm: 42}}}
		}},
		{"timers.timeout: 30s must exceed timers.update", func(c *Config) { c.Timers.Timeout = 30 * time.Second }},
		{"timers.timeout", func(c *Config) {
			c.Timers = Timers{Update: 20 * time.Second, Timeout: 10 * time.Second, GarbageCollection: 5 * time.Second}
		}},
		{"timers.trigger_max", func(c *Config) { c.Timers.TriggerMin = 6 * time.Second }},
		{"timers.update: must not be negative", func(c *Config) { c.Timers.Update = -1 }},
		{"max_paths", func(c *Config) { c.MaxPaths = 65 }},
		{"static[0].interface: unknown interface \"eth7\"", func(c *Config) { c.Static = []StaticRoute{{Prefix: pfx("192.0.2.0/24"), Interface: "eth7"}} }},
		{"static[0].prefix", func(c *Config) { c.Static = []StaticRoute{{Prefix: netip.PrefixFrom(ip("192.0.2.1"), 24)}} }},
		{"static[0].metric", func(c *Config) { c.Static = []StaticRoute{{Prefix: pfx("192.0.2.0/24"), Metric: 16}} }},
		{"default_information.metric", func(c *Config) { c.DefaultInformation.Metric = 20 }},
		{"default_information.always: needs default_information.originate", func(c *Config) { c.DefaultInformation.Always = true }},
		// Gaps found by the ripd review (one case per rule).
		{"fib_table: -5 is not 0 to 4294967295", func(c *Config) { c.FIBTable = -5 }},
		{"interfaces[0].auth.password: set, but auth.mode is none, not password", func(c *Config) { c.Interfaces[0].Auth.Password = "x" }},
		{"interfaces[0].auth.keys: set, but auth.mode is password, not crypto", func(c *Config) {
			c.Interfaces[0].Auth = AuthConfig{Mode: AuthPassword, Password: "x", Keys: []KeyConfig{{ID: 1, Secret: "y"}}}
		}},
		{"interfaces[0].neighbors[0]: 10.0.0.0 is the network address of 10.0.0.0/24", func(c *Config) { c.Interfaces[0].Neighbors = []netip.Addr{ip("10.0.0.0")} }},
		{"interfaces[0].neighbors[0]: 10.0.0.255 is the broadcast address of 10.0.0.0/24", func(c *Config) { c.Interfaces[0].Neighbors = []netip.Addr{ip("10.0.0.255")} }},
		{"static[1].prefix: 192.0.2.0/24 is also static[0]", func(c *Config) {
			c.Static = []StaticRoute{{Prefix: pfx("192.0.2.0/24")}, {Prefix: pfx("192.0.2.0/24"), Metric: 3}}
		}},
		{"static[0].prefix: 10.0.1.0/24 is the network of interfaces[1]", func(c *Config) { c.Static = []StaticRoute{{Prefix: pfx("10.0.1.0/24")}} }},
		{"static[0].prefix: 0.0.0.0/0 is also originated by default_information", func(c *Config) {
			c.Static = []StaticRoute{{Prefix: pfx("0.0.0.0/0")}}
			c.DefaultInformation.Originate = true
		}},
		{"timers.update: 1ns is below 1s", func(c *Config) { c.Timers = Timers{Update: 1, Timeout: 2} }},
		{"timers.timeout: 999ms is below 1s", func(c *Config) { c.Timers.Timeout = 999 * time.Millisecond }},
		{"timers.garbage_collection: 500ms is below 1s", func(c *Config) { c.Timers.GarbageCollection = 500 * time.Millisecond }},
	} {
		c := rigConfig()
		tc.mod(&c)
		err := c.Validate()
		var ce *ConfigError
		if !errors.Is(err, ErrInvalidConfig) || !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("want %q, got %v", tc.field, err)
		}
	}
	c := rigConfig()
	c.Timers = FastTimers()
	c.Interfaces[0].Auth = AuthConfig{Mode: AuthCrypto, Keys: []KeyConfig{{ID: 1, Secret: "x", Algorithm: packet.AlgHMACSHA512}}}
	if err := c.Validate(); err != nil {
		t.Fatalf("fast timers with crypto: %v", err)
	}
	// The bounds themselves are accepted: a /31 neighbour (no network or
	// broadcast address, RFC 3021), timers of exactly MinTimer.
	c = rigConfig()
	c.Interfaces[0].Prefix = pfx("10.0.0.0/31")
	c.Interfaces[0].Neighbors = []netip.Addr{ip("10.0.0.1")}
	c.Timers = Timers{Update: MinTimer, Timeout: 2 * MinTimer, GarbageCollection: MinTimer}
	if err := c.Validate(); err != nil {
		t.Fatalf("/31 neighbour, 1 s timers: %v", err)
	}
}

func TestNew_EnvMatchesConfig(t *testing.T) {
	tr := func() routing.UDPTransport { return &fakeTr{} }
	for _, tc := range []struct {
		field string
		env   Env
	}{
		{"env.Clock: is required", Env{Transports: trMap("eth0", tr(), "eth1", tr())}},
		{"env.Transports: is required", Env{Clock: newRigClock()}},
		{"env.Transports[\"eth1\"]: missing", Env{Clock: newRigClock(), Transports: trMap("eth0", tr())}},
		{"env.Transports[\"eth9\"]: no such interface", Env{Clock: newRigClock(), Transports: trMap("eth0", tr(), "eth1", tr(), "eth9", tr())}},
	} {
		_, err := New(rigConfig(), tc.env)
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("want %q, got %v", tc.field, err)
		}
	}
}

func TestLifecycle(t *testing.T) {
	r := newRig(t, nil)
	if err := r.inst.Start(); !errors.Is(err, ErrStarted) {
		t.Fatalf("second Start: %v", err)
	}
	if err := r.inst.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := r.inst.Stop(t.Context()); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	r.advance(time.Hour)
	if r.clock.Pending() != 0 {
		t.Fatalf("%d timers still armed after Stop", r.clock.Pending())
	}
}

func TestSplitHorizonText(t *testing.T) {
	for _, s := range []SplitHorizon{SplitPoisonedReverse, SplitSimple, SplitNone} {
		b, _ := s.MarshalText()
		var got SplitHorizon
		if err := got.UnmarshalText(b); err != nil || got != s {
			t.Fatalf("%v: %v %v", s, got, err)
		}
	}
	var a AuthMode
	if err := a.UnmarshalText([]byte("crypto")); err != nil || a != AuthCrypto {
		t.Fatal(a, err)
	}
	if err := a.UnmarshalText([]byte("md4")); !errors.Is(err, ErrInvalidConfig) {
		t.Fatal(err)
	}
}

func TestRun_StopsWhenContextEnds(t *testing.T) {
	tr0, tr1 := &fakeTr{}, &fakeTr{}
	inst, err := New(rigConfig(), Env{Clock: routing.SystemClock(), Transports: trMap("eth0", tr0, "eth1", tr1)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- inst.Run(ctx) }()
	time.Sleep(10 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	inst.lock()
	closed := tr0.closed && tr1.closed
	inst.unlock()
	if !closed {
		t.Fatal("transports not closed")
	}
}

func TestStopBeforeStartClosesTransports(t *testing.T) {
	tr0, tr1 := &fakeTr{}, &fakeTr{}
	inst, err := New(rigConfig(), Env{Clock: newRigClock(), Transports: trMap("eth0", tr0, "eth1", tr1)})
	if err != nil {
		t.Fatal(err)
	}
	if err := inst.Stop(t.Context()); err != nil || !tr0.closed || !tr1.closed {
		t.Fatalf("Stop: %v, closed %v %v", err, tr0.closed, tr1.closed)
	}
	if err := inst.Start(); !errors.Is(err, ErrStopped) {
		t.Fatalf("Start after Stop: %v", err)
	}
}

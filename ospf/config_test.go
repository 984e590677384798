package ospf

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/ospf/packet"
)

func validConfig() Config {
	return Config{
		RouterID: netip.MustParseAddr("1.1.1.1"),
		Interfaces: []InterfaceConfig{
			{Name: "eth0", Prefix: netip.MustParsePrefix("10.0.0.1/24")},
			{Name: "eth1", Prefix: netip.MustParsePrefix("10.0.1.1/30"), Network: NetworkPointToPoint},
		},
	}
}

func TestConfigValidate(t *testing.T) {
	if err := validConfig().Validate(); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	cases := []struct {
		name  string
		mod   func(*Config)
		field string
		is    error
	}{
		{"no router ID", func(c *Config) { c.RouterID = netip.Addr{} }, "RouterID", ErrInvalidConfig},
		{"router ID 0.0.0.0", func(c *Config) { c.RouterID = netip.IPv4Unspecified() }, "RouterID", ErrInvalidConfig},
		{"IPv6 router ID", func(c *Config) { c.RouterID = netip.MustParseAddr("::1") }, "RouterID", ErrInvalidConfig},
		{"area 1", func(c *Config) { c.AreaID = netip.MustParseAddr("0.0.0.1") }, "AreaID", ErrNotImplemented},
		{"NBMA", func(c *Config) { c.Interfaces[0].Network = NetworkNBMA }, "Network", ErrNotImplemented},
		{"point-to-multipoint", func(c *Config) { c.Interfaces[0].Network = NetworkPointToMultipoint }, "Network", ErrNotImplemented},
		{"unknown network type", func(c *Config) { c.Interfaces[0].Network = 9 }, "Network", ErrInvalidConfig},
		{"no name", func(c *Config) { c.Interfaces[0].Name = "" }, "Name", ErrInvalidConfig},
		{"duplicate name", func(c *Config) { c.Interfaces[1].Name = "eth0" }, "Name", ErrInvalidConfig},
		{"duplicate ifindex", func(c *Config) { c.Interfaces[0].IfIndex, c.Interfaces[1].IfIndex = 3, 3 }, "IfIndex", ErrInvalidConfig},
		{"negative ifindex", func(c *Config) { c.Interfaces[0].IfIndex = -1 }, "IfIndex", ErrInvalidConfig},
		{"no prefix", func(c *Config) { c.Interfaces[0].Prefix = netip.Prefix{} }, "Prefix", ErrInvalidConfig},
		{"IPv6 prefix", func(c *Config) { c.Interfaces[0].Prefix = netip.MustParsePrefix("2001:db8::1/64") }, "Prefix", ErrInvalidConfig},
		{"multicast address", func(c *Config) { c.Interfaces[0].Prefix = netip.MustParsePrefix("224.0.0.5/24") }, "Prefix", ErrInvalidConfig},
		{"/32 on broadcast", func(c *Config) { c.Interfaces[0].Prefix = netip.MustParsePrefix("10.0.0.1/32") }, "Prefix", ErrInvalidConfig},
		{"fractional hello", func(c *Config) { c.Interfaces[0].HelloInterval = 1500 * time.Millisecond }, "HelloInterval", ErrInvalidConfig},
		{"negative hello", func(c *Config) { c.Interfaces[0].HelloInterval = -time.Second }, "HelloInterval", ErrInvalidConfig},
		{"hello too long", func(c *Config) { c.Interfaces[0].HelloInterval = 70000 * time.Second }, "HelloInterval", ErrInvalidConfig},
		{"dead below hello", func(c *Config) { c.Interfaces[0].RouterDeadInterval = 5 * time.Second }, "RouterDeadInterval", ErrInvalidConfig},
		{"fractional dead", func(c *Config) { c.Interfaces[0].RouterDeadInterval = 40500 * time.Millisecond }, "RouterDeadInterval", ErrInvalidConfig},
		{"multiplier 1", func(c *Config) { c.Interfaces[0].HelloMultiplier = 1 }, "HelloMultiplier", ErrInvalidConfig},
		{"multiplier with hello", func(c *Config) { c.Interfaces[0].HelloMultiplier = 4; c.Interfaces[0].HelloInterval = time.Second }, "HelloInterval", ErrInvalidConfig},
		{"multiplier with dead 3s", func(c *Config) {
			c.Interfaces[0].HelloMultiplier = 4
			c.Interfaces[0].RouterDeadInterval = 3 * time.Second
		}, "RouterDeadInterval", ErrInvalidConfig},
		{"negative retransmit", func(c *Config) { c.Interfaces[0].RetransmitInterval = -1 }, "RetransmitInterval", ErrInvalidConfig},
		{"tiny retransmit", func(c *Config) { c.Interfaces[0].RetransmitInterval = time.Millisecond }, "RetransmitInterval", ErrInvalidConfig},
		{"fractional transmit delay", func(c *Config) { c.Interfaces[0].TransmitDelay = time.Millisecond }, "TransmitDelay", ErrInvalidConfig},
		{"MTU too small", func(c *Config) { c.Interfaces[0].MTU = 100 }, "MTU", ErrInvalidConfig},
		{"MTU too large", func(c *Config) { c.Interfaces[0].MTU = 70000 }, "MTU", ErrInvalidConfig},
		{"bad auth", func(c *Config) { c.Interfaces[0].Auth = AuthConfig{Type: packet.AuthCrypto} }, "Keys", ErrInvalidConfig},
		{"long password", func(c *Config) { c.Interfaces[0].Auth = AuthConfig{Type: packet.AuthSimple, Password: "123456789"} }, "Password", ErrInvalidConfig},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := validConfig()
			c.mod(&cfg)
			err := cfg.Validate()
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.field) {
				t.Errorf("error %q: want %v naming %s", err, c.is, c.field)
			}
			if _, nerr := New(cfg, Env{Clock: routing.NewManualClock(time.Time{})}); nerr == nil {
				t.Error("New accepted an invalid config")
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	ic := InterfaceConfig{}
	if ic.helloInterval() != 10*time.Second || ic.deadInterval() != 40*time.Second || ic.rxmtInterval() != 5*time.Second ||
		ic.transmitDelay() != time.Second || ic.priority() != 1 || ic.cost() != 10 || ic.mtu() != 1500 {
		t.Errorf("defaults: hello %v dead %v rxmt %v delay %v prio %d cost %d mtu %d", ic.helloInterval(), ic.deadInterval(),
			ic.rxmtInterval(), ic.transmitDelay(), ic.priority(), ic.cost(), ic.mtu())
	}
	ic = InterfaceConfig{HelloInterval: 2 * time.Second, Priority: Priority(0)}
	if ic.deadInterval() != 8*time.Second || ic.priority() != 0 {
		t.Errorf("dead %v prio %d, want 8s and 0", ic.deadInterval(), ic.priority())
	}
	ic = InterfaceConfig{HelloMultiplier: 5}
	if ic.helloInterval() != 0 || ic.helloPeriod() != 200*time.Millisecond || ic.deadInterval() != time.Second {
		t.Errorf("fast hellos: advertised %v, period %v, dead %v", ic.helloInterval(), ic.helloPeriod(), ic.deadInterval())
	}
}

func TestNewTransports(t *testing.T) {
	clock := routing.NewManualClock(time.Time{})
	cfg := validConfig()
	if _, err := New(cfg, Env{Clock: clock, Transports: map[string]routing.Transport{"eth0": &fakeTransport{}}}); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "eth1") {
		t.Errorf("missing transport: %v", err)
	}
	trs := map[string]routing.Transport{"eth0": &fakeTransport{}, "eth1": &fakeTransport{}, "eth9": &fakeTransport{}}
	if _, err := New(cfg, Env{Clock: clock, Transports: trs}); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "eth9") {
		t.Errorf("extra transport: %v", err)
	}
	delete(trs, "eth9")
	in, err := New(cfg, Env{Clock: clock, Transports: trs})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Start(); err != nil {
		t.Fatal(err)
	}
	if err := in.Start(); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start: %v", err)
	}
	if err := in.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := in.Stop(t.Context()); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestNetworkTypeText(t *testing.T) {
	for _, s := range []string{"broadcast", "point-to-point", "p2p", "nbma", "point-to-multipoint", "p2mp"} {
		var nt NetworkType
		if err := nt.UnmarshalText([]byte(s)); err != nil {
			t.Errorf("%q: %v", s, err)
		}
		b, _ := nt.MarshalText()
		var back NetworkType
		if err := back.UnmarshalText(b); err != nil || back != nt {
			t.Errorf("%q round trip: %q -> %v", s, b, back)
		}
	}
	var nt NetworkType
	if err := nt.UnmarshalText([]byte("ptp")); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("unknown type: %v", err)
	}
}

// New checks Env against Config and names the field and the reason;
// nothing starts (the transports are not touched).
func TestNewEnv(t *testing.T) {
	clock := routing.NewManualClock(time.Time{})
	cfg := validConfig()
	both := func() map[string]routing.Transport {
		return map[string]routing.Transport{"eth0": &fakeTransport{}, "eth1": &fakeTransport{}}
	}
	for _, c := range []struct {
		name string
		env  Env
		want string
	}{
		{"nil clock", Env{Transports: both()}, "ospf: invalid configuration: env.Clock: is nil (use routing.SystemClock() on real interfaces)"},
		{"nil transports", Env{Clock: clock}, "ospf: invalid configuration: env.Transports: is nil"},
		{"missing transport", Env{Clock: clock, Transports: map[string]routing.Transport{"eth0": &fakeTransport{}}},
			`ospf: invalid configuration: env.Transports: no transport for interface "eth1"`},
		{"nil transport", Env{Clock: clock, Transports: map[string]routing.Transport{"eth0": &fakeTransport{}, "eth1": nil}},
			`ospf: invalid configuration: env.Transports: no transport for interface "eth1"`},
		{"extra transport", Env{Clock: clock, Transports: func() map[string]routing.Transport {
			m := both()
			m["eth9"] = &fakeTransport{}
			return m
		}()}, `ospf: invalid configuration: env.Transports: "eth9" is not a configured interface`},
	} {
		t.Run(c.name, func(t *testing.T) {
			in, err := New(cfg, c.env)
			if in != nil || !errors.Is(err, ErrInvalidConfig) || err.Error() != c.want {
				t.Fatalf("New = %v, %v; want nil and %q", in, err, c.want)
			}
			for name, tr := range c.env.Transports {
				if ft, ok := tr.(*fakeTransport); ok && ft.deliver != nil {
					t.Errorf("transport %s was started", name)
				}
			}
		})
	}
}

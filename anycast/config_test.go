package anycast

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/health"
)

func TestValidateNamesYAMLKeys(t *testing.T) {
	ok := func() ServiceConfig {
		return ServiceConfig{Name: "smtp", Prefixes: []netip.Prefix{vip},
			Checks: []CheckConfig{{Type: "tcp", Address: "127.0.0.1:25"}}}
	}
	cases := []struct {
		mod  func(c *Config)
		want string
	}{
		{func(c *Config) { c.Services[0].Name = "" }, "services[0].name: required"},
		{func(c *Config) { c.Services = append(c.Services, ok()) }, "services[1].name: \"smtp\": already the name of services[0]"},
		{func(c *Config) { c.Services[0].Prefixes = nil }, "services[0].prefixes: required"},
		{func(c *Config) { c.Services[0].Prefixes = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")} }, "services[0].prefixes[0]: 192.0.2.0/24: not a host route"},
		{func(c *Config) { c.Services[0].Prefixes = []netip.Prefix{netip.MustParsePrefix("2001:db8::/64")} }, "not a host route (want /128)"},
		{func(c *Config) { c.Services[0].Prefixes = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} }, "not a unicast service address"},
		{func(c *Config) { c.Services[0].Prefixes = []netip.Prefix{vip, vip} }, "services[0].prefixes[1]"},
		{func(c *Config) { c.Services[0].Interval = time.Second; c.Services[0].Timeout = 2 * time.Second }, "services[0].timeout"},
		{func(c *Config) { c.Services[0].Checks[0].Timeout = 2 * time.Second }, "services[0].checks[0].timeout"},
		{func(c *Config) { c.Services[0].Checks = nil }, "services[0].checks: at least one"},
		{func(c *Config) { c.Services[0].Checks[0].Type = "smtp" }, "services[0].checks[0].type"},
		{func(c *Config) { c.Services[0].Checks[0].Address = "" }, "services[0].checks[0].address: required"},
		{func(c *Config) { c.Services[0].Checks[0] = CheckConfig{Type: "http", URL: "ftp://x/"} }, "services[0].checks[0].url"},
		{func(c *Config) {
			c.Services[0].Checks[0] = CheckConfig{Type: "http", URL: "http://x/", Status: []int{99}}
		}, "services[0].checks[0].status[0]"},
		{func(c *Config) { c.Services[0].Checks[0] = CheckConfig{Type: "dns", Address: "127.0.0.1"} }, "services[0].checks[0].query"},
		{func(c *Config) {
			c.Services[0].Checks[0] = CheckConfig{Type: "dns", Address: "127.0.0.1", Query: "a", QType: "BOGUS"}
		}, "services[0].checks[0].qtype"},
		{func(c *Config) { c.Services[0].Checks[0] = CheckConfig{Type: "icmp", Address: "host"} }, "services[0].checks[0].address"},
		{func(c *Config) { c.Services[0].Checks[0] = CheckConfig{Type: "exec", Command: "no-such-command-xyz"} }, "services[0].checks[0].command"},
		{func(c *Config) { c.Services[0].Policy = "both" }, "services[0].policy"},
		{func(c *Config) { c.Services[0].Policy = PolicyPeer }, "services[0].peer_checks: required with policy peer"},
		{func(c *Config) { c.Services[0].PeerCheckers = []health.Checker{&switchCheck{}} }, "services[0].peer_checks: only with policy peer"},
		{func(c *Config) { c.Services[0].FailAction = "drop" }, "services[0].fail_action"},
		{func(c *Config) { c.Services[0].FailAction = FailMetric; c.Services[0].Metric = 16 }, "services[0].fail_metric"},
		{func(c *Config) { c.Services[0].Checkers = []health.Checker{nil} }, "services[0].checkers[0]"},
		{func(c *Config) { c.Services[0].DrainTime = -1 }, "services[0].drain_time"},
		{func(c *Config) {
			c.Services[0].CoverPrefixes = []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}
		}, "services[0].cover_prefixes[0]: 198.51.100.0/24: covers none"},
		{func(c *Config) { c.Services[0].CoverPrefixes = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")} }, "services[0].cover_prefixes[0]: 0.0.0.0/0: a default route"},
		{func(c *Config) {
			c.Services[0].CoverPrefixes = []netip.Prefix{netip.PrefixFrom(c.Services[0].Prefixes[0].Addr(), 24)}
		}, "host bits set"},
		{func(c *Config) { c.Services[0].CoverPrefixes = []netip.Prefix{c.Services[0].Prefixes[0]} }, "a host route is a service address"},
		{func(c *Config) { c.Services[0].Metric, c.Services[0].DrainMetric = 3, 3 }, "services[0].drain_metric: 3: must exceed the metric announced while healthy (3)"},
		{func(c *Config) {
			c.Services[0].Policy, c.Services[0].PeerCheckers = PolicyPeer, []health.Checker{&switchCheck{}}
			c.Services[0].Metric, c.Services[0].DrainMetric = 1, 3
		}, "services[0].drain_metric: 3: must exceed the metric announced while healthy (3)"},
		{func(c *Config) {
			c.Services[0].Policy, c.Services[0].PeerCheckers = PolicyPeer, []health.Checker{&switchCheck{}}
			c.Services[0].FailAction, c.Services[0].Metric = FailMetric, 14
		}, "services[0].peer_raise"},
	}
	for _, tc := range cases {
		c := Config{Services: []ServiceConfig{ok()}}
		tc.mod(&c)
		err := c.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want %q, got %v", tc.want, err)
		}
	}
	if err := (Config{Services: []ServiceConfig{ok()}}).Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestDefaults(t *testing.T) {
	d := ServiceConfig{}.withDefaults()
	if d.Interval != DefaultInterval || d.Timeout != DefaultInterval || d.Rise != DefaultRise || d.Fall != DefaultFall ||
		d.Metric != 1 || d.FailMetric != 16 || d.PeerRaise != 2 || d.Policy != PolicySelf || d.FailAction != FailWithdraw || d.DrainTime != DefaultDrainTime {
		t.Fatalf("defaults %+v", d)
	}
}

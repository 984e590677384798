package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/anycast"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/ospf"
)

// TestShowEveryView renders every view in JSON (checked against the
// daemons' JSON convention) and as text from the status of one healthy
// and one failing service.
func TestShowEveryView(t *testing.T) {
	at := time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
	services := func() []anycast.ServiceStatus {
		return []anycast.ServiceStatus{
			{Name: "dns", State: anycast.StateUp, Since: at, Successes: 3, Rounds: 10, MaxLateness: 1500 * time.Microsecond,
				Checks:   []anycast.CheckResult{{Name: "udp53", Start: at, Duration: 2345 * time.Microsecond}},
				Prefixes: []anycast.PrefixStatus{{Prefix: netip.MustParsePrefix("192.0.2.53/32"), Aliased: true, Announced: true, Metric: 1}}},
			{Name: "smtp", State: anycast.StateDown, Policy: anycast.PolicyPeer, Failures: 2,
				Checks:   []anycast.CheckResult{{Name: "tcp25", Start: at, Duration: time.Second, Error: "timeout"}},
				Prefixes: []anycast.PrefixStatus{{Prefix: netip.MustParsePrefix("192.0.2.25/32")}}},
		}
	}
	want := map[string][]string{
		"services": {"speaker: none", "dns", "up", "192.0.2.53/32 (metric 1)", "udp53: ok in 2.345ms", "smtp", "down", "peer", "tcp25: timeout in 1s"},
		"bfd":      {"no BFD sessions"},
	}
	for _, view := range views() {
		if view == "config" {
			continue // served by serveStatus itself: TestShowConfig
		}
		t.Run(view, func(t *testing.T) {
			v, err := answer(statusSources{speaker: "none", services: services}, view)
			if view == "rip" || view == "ospf" {
				if err == nil {
					t.Fatalf("%s view without its speaker answered", view)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			raw, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if p := daemonkit.LintJSON(raw); p != nil {
				t.Errorf("JSON convention: %q\n%s", p, raw)
			}
			var text bytes.Buffer
			if err := show(&text, view, raw, false); err != nil {
				t.Fatalf("show: %v", err)
			}
			for _, w := range want[view] {
				if !strings.Contains(text.String(), w) {
					t.Errorf("text lacks %q:\n%s", w, text.String())
				}
			}
		})
	}
	// The ospf view: neighbours, and each prefix originated with how and
	// at which metric.
	vip := netip.MustParsePrefix("192.0.2.25/32")
	ov := ospfView(netip.MustParseAddr("10.255.0.2"), announceStub,
		[]ospf.NeighborStatus{{Interface: "eth0", RouterID: netip.MustParseAddr("10.255.0.1"), Addr: netip.MustParseAddr("10.0.0.1"), State: ospf.NbrFull}},
		[]ospf.StubRoute{{Prefix: vip, Cost: 3}},
		[]ospf.ExternalRoute{{Prefix: netip.MustParsePrefix("192.0.2.53/32"), Metric: 5, MetricType: ospf.MetricType1}, {Prefix: netip.MustParsePrefix("198.51.100.0/24"), Metric: 20}})
	raw, _ := json.Marshal(ov)
	if p := daemonkit.LintJSON(raw); p != nil {
		t.Errorf("ospf view JSON convention: %q\n%s", p, raw)
	}
	var otext bytes.Buffer
	if err := show(&otext, "ospf", raw, false); err != nil {
		t.Fatalf("show ospf: %v", err)
	}
	for _, w := range []string{"router id: 10.255.0.2, announced as stub", "10.255.0.1", "eth0", "Full", "192.0.2.25/32", "stub", "192.0.2.53/32", "external-type1", "198.51.100.0/24", "external-type2"} {
		if !strings.Contains(otext.String(), w) {
			t.Errorf("ospf view text lacks %q:\n%s", w, otext.String())
		}
	}
	if !strings.Contains(otext.String(), "192.0.2.25/32  stub            3") && !regexp.MustCompile(`192\.0\.2\.25/32\s+stub\s+3\n`).MatchString(otext.String()) {
		t.Errorf("ospf view text lacks the VIP as a stub at metric 3:\n%s", otext.String())
	}

	raw, _ = json.Marshal(ripRoutes(nil))
	var text bytes.Buffer
	if err := show(&text, "rip", raw, false); err != nil || !strings.Contains(text.String(), "PREFIX") {
		t.Errorf("rip view: %v\n%s", err, text.String())
	}
}

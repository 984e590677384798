package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/anycast"
	daemonkit "github.com/switchless/routing/internal/daemon"
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
			v, err := answer("none", services, nil, nil, view)
			if view == "rip" {
				if err == nil {
					t.Fatal("rip view without a RIP speaker answered")
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
	raw, _ := json.Marshal(ripRoutes(nil))
	var text bytes.Buffer
	if err := show(&text, "rip", raw, false); err != nil || !strings.Contains(text.String(), "PREFIX") {
		t.Errorf("rip view: %v\n%s", err, text.String())
	}
}

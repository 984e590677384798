package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/ospf"
)

// twoRouters runs r1 and r2 on a simulated point-to-point link (and r1 on
// a broadcast stub) until Full, r1 redistributing one external route.
func twoRouters(t *testing.T) *ospf.Instance {
	t.Helper()
	clock := routing.NewManualClock(time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC))
	net := netsim.New(clock, 1, nil)
	n1, n2 := net.Node("r1"), net.Node("r2")
	a, b, err := net.Link(n1, n2, netsim.LinkConfig{
		AAddrs: []netip.Prefix{netip.MustParsePrefix("10.0.12.1/30")},
		BAddrs: []netip.Prefix{netip.MustParsePrefix("10.0.12.2/30")},
	})
	if err != nil {
		t.Fatal(err)
	}
	lan, _, err := net.Link(n1, net.Node("host"), netsim.LinkConfig{
		AAddrs: []netip.Prefix{netip.MustParsePrefix("10.1.0.1/24")},
		BAddrs: []netip.Prefix{netip.MustParsePrefix("10.1.0.2/24")},
	})
	if err != nil {
		t.Fatal(err)
	}
	start := func(rid string, ifs []ospf.InterfaceConfig, atts []*netsim.Attachment, ext []ospf.ExternalRoute) *ospf.Instance {
		trs := map[string]routing.Transport{}
		for i, att := range atts {
			tr, err := att.Transport(netsim.TransportConfig{IPProto: netsim.ProtoOSPF})
			if err != nil {
				t.Fatal(err)
			}
			ifs[i].Name = att.Name()
			trs[att.Name()] = tr
		}
		in, err := ospf.New(ospf.Config{RouterID: netip.MustParseAddr(rid), Interfaces: ifs},
			ospf.Env{Clock: clock, Transports: trs})
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { in.Stop(context.Background()) })
		for _, r := range ext {
			if err := in.AddExternal(r); err != nil {
				t.Fatal(err)
			}
		}
		return in
	}
	r1 := start("1.1.1.1", []ospf.InterfaceConfig{
		{Prefix: netip.MustParsePrefix("10.0.12.1/30"), Network: ospf.NetworkPointToPoint},
		{Prefix: netip.MustParsePrefix("10.1.0.1/24"), Network: ospf.NetworkBroadcast},
	}, []*netsim.Attachment{a, lan}, []ospf.ExternalRoute{{Prefix: netip.MustParsePrefix("198.51.100.0/24"), Metric: 20, Tag: 7}})
	start("2.2.2.2", []ospf.InterfaceConfig{{Prefix: netip.MustParsePrefix("10.0.12.2/30"), Network: ospf.NetworkPointToPoint}},
		[]*netsim.Attachment{b}, nil)
	clock.Advance(60 * time.Second)
	if ns := r1.Neighbors(); len(ns) != 1 || ns[0].State != ospf.NbrFull {
		t.Fatalf("neighbors %+v", ns)
	}
	return r1
}

// TestShowEveryView renders every view of a running instance in JSON
// (checked against the daemons' JSON convention) and as text, which must
// decode what the daemon sent and print no zero address.
func TestShowEveryView(t *testing.T) {
	in := twoRouters(t)
	want := map[string][]string{
		"neighbors":  {"2.2.2.2", "full", "10.0.12.2"},
		"database":   {"router", "1.1.1.1", "2.2.2.2"},
		"routes":     {"10.0.12.0/30", "intra-area"},
		"interfaces": {"point-to-point", "10.0.12.1/30", "10.1.0.1/24"},
		"spf":        {"router ID", "1.1.1.1", "198.51.100.0/24 metric 20", "quiet"},
		"bfd":        {"no BFD sessions"},
	}
	for _, view := range views {
		if view == "config" {
			continue // served by serveStatus itself: TestShowConfig
		}
		t.Run(view, func(t *testing.T) {
			v, err := answer(in, nil, view)
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
			var js, text bytes.Buffer
			if err := show(&js, view, raw, true); err != nil {
				t.Fatalf("show -json: %v", err)
			}
			if err := show(&text, view, raw, false); err != nil {
				t.Fatalf("show: %v", err)
			}
			if strings.Contains(text.String(), "invalid") || strings.Contains(text.String(), "0001-01-01") {
				t.Errorf("text:\n%s", text.String())
			}
			for _, w := range want[view] {
				if !strings.Contains(text.String(), w) {
					t.Errorf("text lacks %q:\n%s", w, text.String())
				}
			}
		})
	}
}

// TestShowInterfaces_PointToPointHasNoDR: no DR or BDR on a
// point-to-point link (RFC 2328 §9.4 elects them on broadcast and NBMA
// networks only): "-" in the table, no key in the JSON.
func TestShowInterfaces_PointToPointHasNoDR(t *testing.T) {
	in := twoRouters(t)
	raw, _ := json.Marshal(interfaceViews(in.Interfaces()))
	var b bytes.Buffer
	if err := show(&b, "interfaces", raw, false); err != nil {
		t.Fatal(err)
	}
	var p2p string
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.Contains(l, "10.0.12.1/30") {
			p2p = l
		}
	}
	if f := strings.Fields(p2p); len(f) != 9 || f[5] != "-" || f[6] != "-" {
		t.Errorf("point-to-point row %q, want DR and BDR -:\n%s", p2p, b.String())
	}
	var vs []map[string]any
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if _, dr := v["dr"]; dr && v["network"] == "point-to-point" {
			t.Errorf("point-to-point interface with a DR: %v", v)
		}
	}
}

package promx

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchless/routing"
	"github.com/switchless/routing/anycast"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/promx/promxtest"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/vrrp"
)

// gather collects cs through a pedantic registry, which fails on a
// metric that Describe did not announce or that breaks the naming rules.
func gather(t *testing.T, cs ...prometheus.Collector) promxtest.Families {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			t.Fatal(err)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return promxtest.FromGathered(mfs)
}

func TestLabel(t *testing.T) {
	for in, want := range map[string]string{
		"2-Way": "2_way", "auth-type": "auth_type", "master sent priority 0": "master_sent_priority_0",
		"Point-to-point": "point_to_point", "Full": "full", " x--y ": "x_y", "AdminDown": "admindown",
	} {
		if got := Label(in); got != want {
			t.Errorf("Label(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOSPF_RFC2328_10_1_NeighborsFullAndCounters runs two instances on a
// simulated point-to-point link to Full (RFC 2328 §10.1) and scrapes the
// first: one neighbor in state full, hello counters that grow, an SPF
// histogram fed by the events.
func TestOSPF_RFC2328_10_1_NeighborsFullAndCounters(t *testing.T) {
	clock := routing.NewManualClock(time.Time{})
	n := netsim.New(clock, 1, nil)
	a, bb, err := n.Link(n.Node("r1"), n.Node("r2"), netsim.LinkConfig{
		AAddrs: []netip.Prefix{netip.MustParsePrefix("10.0.12.1/30")},
		BAddrs: []netip.Prefix{netip.MustParsePrefix("10.0.12.2/30")},
	})
	if err != nil {
		t.Fatal(err)
	}
	var c *OSPF
	var r1 *ospf.Instance
	// r2 redistributes a static route: r1 installs it.
	static := ospf.RedistributeSource{Enabled: true, Routes: []netip.Prefix{netip.MustParsePrefix("10.99.0.0/16")}}
	start := func(rid string, att *netsim.Attachment, addr string, onEvent func(ospf.Event), ext ospf.RedistributeSource) *ospf.Instance {
		tr, err := att.Transport(netsim.TransportConfig{IPProto: netsim.ProtoOSPF})
		if err != nil {
			t.Fatal(err)
		}
		cfg := ospf.Config{
			RouterID:   netip.MustParseAddr(rid),
			Interfaces: []ospf.InterfaceConfig{{Name: att.Name(), Prefix: netip.MustParsePrefix(addr), Network: ospf.NetworkPointToPoint}},
		}
		cfg.Redistribute.Static = ext
		in, err := ospf.New(cfg, ospf.Env{Clock: clock, Transports: map[string]routing.Transport{att.Name(): tr}, FIB: fib.NewMemory(), OnEvent: onEvent})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = in.Stop(context.Background()) })
		return in
	}
	c = NewOSPF(func() *ospf.Instance { return r1 })
	r1 = start("1.1.1.1", a, "10.0.12.1/30", c.OnEvent, ospf.RedistributeSource{})
	r2 := start("2.2.2.2", bb, "10.0.12.2/30", nil, static)
	if mfs := gather(t, NewOSPF(func() *ospf.Instance { return nil })); len(mfs) != 1 {
		t.Errorf("no instance: %d families, want only the SPF histogram", len(mfs))
	}
	for _, in := range []*ospf.Instance{r1, r2} {
		if err := in.Start(); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(60 * time.Second)
	first := gather(t, c)
	first.RequireTypes(t, promxtest.Gauges("switchless_ospf_neighbors", "switchless_ospf_interface_state", "switchless_ospf_lsas",
		"switchless_ospf_routes", "switchless_fib_routes"),
		promxtest.Counters("switchless_ospf_packets_received_total", "switchless_ospf_packets_sent_total",
			"switchless_ospf_spf_runs_total", "switchless_fib_writes_total"),
		promxtest.Histograms("switchless_ospf_spf_duration_seconds"))
	if v, _ := first.Value("switchless_ospf_neighbors", map[string]string{"interface": a.Name(), "state": "full"}); v != 1 {
		t.Errorf("full neighbors %v, want 1", v)
	}
	if v, _ := first.Value("switchless_ospf_neighbors", map[string]string{"interface": a.Name(), "state": "init"}); v != 0 {
		t.Errorf("init neighbors %v, want 0", v)
	}
	if v, _ := first.Value("switchless_ospf_interface_state", map[string]string{"state": "point_to_point"}); v != 1 {
		t.Errorf("interface state point_to_point %v, want 1", v)
	}
	if v, _ := first.Value("switchless_ospf_lsas", map[string]string{"type": "router"}); v != 2 {
		t.Errorf("router-LSAs %v, want 2", v)
	}
	runs, _ := first.Value("switchless_ospf_spf_runs_total", nil)
	if h, _ := first.Value("switchless_ospf_spf_duration_seconds", nil); runs < 1 || h != runs {
		t.Errorf("SPF runs %v, histogram count %v: want equal and at least 1", runs, h)
	}
	if v, _ := first.Value("switchless_fib_routes", map[string]string{"protocol": "ospf"}); v < 1 {
		t.Errorf("FIB routes %v, want the peer's network at least", v)
	}
	hello := map[string]string{"interface": a.Name(), "type": "hello"}
	h1, _ := first.Value("switchless_ospf_packets_received_total", hello)
	clock.Advance(30 * time.Second)
	h2, _ := gather(t, c).Value("switchless_ospf_packets_received_total", hello)
	if h1 < 1 || h2 <= h1 {
		t.Errorf("hellos received %v then %v: want growing", h1, h2)
	}
}

// TestVRRP_RFC5798_6_4_MasterAndTransitions: a lone router becomes Master
// after Master_Down_Interval (RFC 5798 §6.4.2); the state gauge says
// master and the transitions counter names both reasons.
func TestVRRP_RFC5798_6_4_MasterAndTransitions(t *testing.T) {
	clock := routing.NewManualClock(time.Time{})
	n := netsim.New(clock, 1, nil)
	seg, err := n.Segment("lan", netsim.SegmentConfig{})
	if err != nil {
		t.Fatal(err)
	}
	addr := netip.MustParsePrefix("192.0.2.1/24")
	att, err := seg.Attach(n.Node("r1"), "eth0", addr)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := att.Transport(netsim.TransportConfig{IPProto: netsim.ProtoVRRP, Src: addr.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	r, err := vrrp.New(vrrp.Config{VRID: 7, Interface: "eth0", Address: addr, Priority: 100,
		VirtualAddresses: []netip.Addr{netip.MustParseAddr("192.0.2.100")}},
		vrrp.Env{Clock: clock, Transport: tr, Addresses: vrrp.NewMemoryAddresses(clock, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	c := NewVRRP(func() []VRRPRouter { return []VRRPRouter{{Name: "gw", Router: r}} })
	before := gather(t, c)
	if v, _ := before.Value("switchless_vrrp_state", map[string]string{"router": "gw", "state": "backup"}); v != 1 {
		t.Errorf("backup %v before Master_Down_Interval, want 1", v)
	}
	clock.Advance(5 * time.Second)
	mfs := gather(t, c)
	mfs.RequireTypes(t, promxtest.Gauges("switchless_vrrp_state", "switchless_vrrp_master_info"),
		promxtest.Counters("switchless_vrrp_transitions_total", "switchless_vrrp_advertisements_sent_total"))
	for state, want := range map[string]float64{"master": 1, "backup": 0, "initialize": 0} {
		if v, ok := mfs.Value("switchless_vrrp_state", map[string]string{"router": "gw", "state": state}); !ok || v != want {
			t.Errorf("state %s = %v (%v), want %v", state, v, ok, want)
		}
	}
	if _, ok := mfs.Value("switchless_vrrp_master_info", map[string]string{"router": "gw", "master": "192.0.2.1"}); !ok {
		t.Error("master_info does not name our address")
	}
	for reason, want := range map[string]float64{"startup": 1, "master_down": 1, "preempted": 0} {
		if v, _ := mfs.Value("switchless_vrrp_transitions_total", map[string]string{"reason": reason}); v != want {
			t.Errorf("transitions %s = %v, want %v", reason, v, want)
		}
	}
	if v, _ := mfs.Value("switchless_vrrp_advertisements_sent_total", nil); v < 1 {
		t.Errorf("advertisements sent %v, want some", v)
	}
	// A second router with our VRID and another address list: a
	// conflict (vrrp.Conflict), counted per source.
	addr2 := netip.MustParsePrefix("192.0.2.2/24")
	att2, err := seg.Attach(n.Node("r2"), "eth0", addr2)
	if err != nil {
		t.Fatal(err)
	}
	tr2, err := att2.Transport(netsim.TransportConfig{IPProto: netsim.ProtoVRRP, Src: addr2.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := vrrp.New(vrrp.Config{VRID: 7, Interface: "eth0", Address: addr2, Priority: 50,
		VirtualAddresses: []netip.Addr{netip.MustParseAddr("192.0.2.200")}},
		vrrp.Env{Clock: clock, Transport: tr2, Addresses: vrrp.NewMemoryAddresses(clock, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r2.Stop(context.Background()) })
	clock.Advance(5 * time.Second)
	mfs = gather(t, c)
	mfs.RequireTypes(t, promxtest.Counters("switchless_vrrp_conflict_advertisements_total"))
	if v, ok := mfs.Value("switchless_vrrp_conflict_advertisements_total", map[string]string{"router": "gw", "source": "192.0.2.2", "reason": "address_list"}); !ok || v < 1 {
		t.Errorf("conflicting advertisements from 192.0.2.2: %v (present %v)", v, ok)
	}
}

// TestFIBCounter counts successful writes, refused ones, and the routes
// held.
func TestFIBCounter(t *testing.T) {
	ctx := context.Background()
	mem := fib.NewMemory()
	c := NewFIBCounter(mem, "rip")
	p := netip.MustParsePrefix("10.1.0.0/16")
	r := fib.Route{Prefix: p, NextHops: []fib.NextHop{{Gateway: netip.MustParseAddr("192.0.2.1"), IfIndex: 2}}}
	if err := c.Replace(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := c.Replace(ctx, fib.Route{Prefix: netip.MustParsePrefix("10.2.0.0/16"), NextHops: r.NextHops}); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, netip.MustParsePrefix("10.2.0.0/16"), 0); err != nil {
		t.Fatal(err)
	}
	bad := fib.Route{Prefix: netip.PrefixFrom(netip.MustParseAddr("10.3.0.1"), 16)} // host bits set
	if err := c.Replace(ctx, bad); err == nil {
		t.Log("memory sink took a prefix with host bits; errors not exercised by it")
	}
	mfs := gather(t, c)
	if v, _ := mfs.Value("switchless_fib_routes", map[string]string{"protocol": "rip"}); v != 1 {
		t.Errorf("routes %v, want 1", v)
	}
	if v, _ := mfs.Value("switchless_fib_writes_total", map[string]string{"op": "delete"}); v != 1 {
		t.Errorf("deletes %v, want 1", v)
	}
	failing := NewFIBCounter(failSink{}, "anycast")
	if err := failing.Replace(ctx, r); err == nil {
		t.Fatal("failSink accepted a route")
	}
	if v, _ := gather(t, failing).Value("switchless_fib_write_errors_total", nil); v != 1 {
		t.Errorf("errors %v, want 1", v)
	}
}

type failSink struct{}

var errRefused = errors.New("refused")

func (failSink) Replace(context.Context, fib.Route) error        { return errRefused }
func (failSink) Delete(context.Context, netip.Prefix, int) error { return errRefused }
func (failSink) List(context.Context) ([]fib.Route, error)       { return nil, nil }

// TestAnycast_StatesAndDuplicateCheckNames: the service's state gauge
// per state, the prefix's announcement, and two checks of one name
// exported as name and name#2 (one label set twice fails a scrape).
func TestAnycast_StatesAndDuplicateCheckNames(t *testing.T) {
	p := netip.MustParsePrefix("198.18.0.25/32")
	c := NewAnycast(func() []anycast.ServiceStatus {
		return []anycast.ServiceStatus{{
			Name: "smtp", State: anycast.StateUp, Rounds: 5,
			Checks: []anycast.CheckResult{
				{Name: "tcp 127.0.0.1:25", Duration: time.Millisecond, Passed: 5},
				{Name: "tcp 127.0.0.1:25", Duration: time.Millisecond, Passed: 4, Failed: 1, Error: "refused"},
			},
			Prefixes: []anycast.PrefixStatus{{Prefix: p, Aliased: true, Announced: true, Metric: 3}},
		}}
	})
	m := gather(t, c)
	m.RequireTypes(t, promxtest.Gauges("switchless_anycast_service_state", "switchless_anycast_prefix_metric"),
		promxtest.Counters("switchless_anycast_check_results_total", "switchless_anycast_check_rounds_total"))
	for state, want := range map[string]float64{"up": 1, "down": 0, "maintenance": 0, "stopped": 0} {
		if v, ok := m.Value("switchless_anycast_service_state", map[string]string{"service": "smtp", "state": state}); !ok || v != want {
			t.Errorf("state %s = %v (%v), want %v", state, v, ok, want)
		}
	}
	if v, _ := m.Value("switchless_anycast_prefix_metric", map[string]string{"prefix": p.String()}); v != 3 {
		t.Errorf("announced metric %v, want 3", v)
	}
	for name, want := range map[string]float64{"tcp 127.0.0.1:25": 0, "tcp 127.0.0.1:25#2": 1} {
		if v, ok := m.Value("switchless_anycast_check_results_total", map[string]string{"check": name, "result": "fail"}); !ok || v != want {
			t.Errorf("%q failures %v (%v), want %v", name, v, ok, want)
		}
	}
}

// Command importer is what a user of github.com/switchless/routing writes
// in a module of their own, using only what the documentation shows: three
// OSPF routers in a line, a VRRP pair on a LAN and a RIP pair, all on the
// public simulator in virtual time. TestSeparateModule builds and runs it.
package main

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/rip"
	"github.com/switchless/routing/vrrp"
	"github.com/switchless/routing/vrrp/packet"
)

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func main() {
	ospfLine()
	vrrpPair()
	ripPair()
}

// ospfLine: r1 - r2 - r3 on point-to-point links, each with a stub LAN.
func ospfLine() {
	clock := routing.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	n := netsim.New(clock, 1, nil)
	r1, r2, r3 := n.Node("r1"), n.Node("r2"), n.Node("r3")
	a12, b12, err := n.Link(r1, r2, netsim.LinkConfig{AAddrs: []netip.Prefix{pfx("10.0.12.1/30")}, BAddrs: []netip.Prefix{pfx("10.0.12.2/30")}})
	must(err)
	a23, b23, err := n.Link(r2, r3, netsim.LinkConfig{AAddrs: []netip.Prefix{pfx("10.0.23.1/30")}, BAddrs: []netip.Prefix{pfx("10.0.23.2/30")}})
	must(err)
	type port struct {
		att    *netsim.Attachment
		prefix netip.Prefix
	}
	start := func(rid string, lan netip.Prefix, ports ...port) *ospf.Instance {
		cfg := ospf.Config{RouterID: netip.MustParseAddr(rid)}
		trs := map[string]routing.Transport{}
		for _, p := range ports {
			tr, err := p.att.Transport(netsim.TransportConfig{IPProto: netsim.ProtoOSPF})
			must(err)
			trs[p.att.Name()] = tr
			cfg.Interfaces = append(cfg.Interfaces, ospf.InterfaceConfig{Name: p.att.Name(), Prefix: p.prefix, Network: ospf.NetworkPointToPoint})
		}
		cfg.Interfaces = append(cfg.Interfaces, ospf.InterfaceConfig{Name: "lan", Prefix: lan, Passive: true})
		trs["lan"] = nopTransport{}
		in, err := ospf.New(cfg, ospf.Env{Clock: clock, Transports: trs, FIB: fib.NewMemory()})
		must(err)
		must(in.Start())
		return in
	}
	i1 := start("1.1.1.1", pfx("10.0.1.1/24"), port{a12, pfx("10.0.12.1/30")})
	start("2.2.2.2", pfx("10.0.2.1/24"), port{b12, pfx("10.0.12.2/30")}, port{a23, pfx("10.0.23.1/30")})
	i3 := start("3.3.3.3", pfx("10.0.3.1/24"), port{b23, pfx("10.0.23.2/30")})
	clock.Advance(time.Minute)
	show := func(name string, in *ospf.Instance, p netip.Prefix) {
		r, ok := in.RoutingTable().Lookup(p)
		if !ok || len(r.NextHops) == 0 {
			fmt.Printf("ospf: %s has no route to %v\n", name, p)
			return
		}
		fmt.Printf("ospf: %s reaches %v via %v cost %d\n", name, p, r.NextHops[0].Gateway, r.Cost)
	}
	show("r1", i1, pfx("10.0.3.0/24"))
	show("r3", i3, pfx("10.0.1.0/24"))
}

// nopTransport is a passive interface's transport: nothing is sent or
// received on it. A user's own Transport is any type with these methods.
type nopTransport struct{}

func (nopTransport) Start(func(routing.Packet)) error { return nil }
func (nopTransport) Send(netip.Addr, []byte) error    { return nil }
func (nopTransport) JoinGroup(netip.Addr) error       { return nil }
func (nopTransport) LeaveGroup(netip.Addr) error      { return nil }
func (nopTransport) Close() error                     { return nil }

// vrrpPair: a (priority 200) and b (100) share 192.0.2.100.
func vrrpPair() {
	clock := routing.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	n := netsim.New(clock, 2, nil)
	lan, err := n.Segment("lan", netsim.SegmentConfig{})
	must(err)
	start := func(name string, last byte, prio uint8) *vrrp.Router {
		addr := netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 0, 2, last}), 24)
		att, err := lan.Attach(n.Node(name), "eth0", addr)
		must(err)
		tr, err := att.Transport(netsim.TransportConfig{IPProto: packet.IPProtocol})
		must(err)
		r, err := vrrp.New(vrrp.Config{
			VRID: 10, Priority: prio, Interface: "eth0", Address: addr,
			VirtualAddresses: []netip.Addr{netip.MustParseAddr("192.0.2.100")},
		}, vrrp.Env{Clock: clock, Transport: tr, Addresses: vrrp.NewMemoryAddresses(clock, nil)})
		must(err)
		must(r.Start())
		return r
	}
	a, b := start("a", 1, 200), start("b", 2, 100)
	clock.Advance(5 * time.Second)
	fmt.Printf("vrrp: a is %v, b is %v\n", a.Status().State, b.Status().State)
	must(a.Stop(context.Background()))
	clock.Advance(2 * time.Second)
	fmt.Printf("vrrp: b is %v after a stopped\n", b.Status().State)
}

// ripPair: x announces a LAN, y learns it and loses it at x's graceful
// stop.
func ripPair() {
	clock := routing.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	n := netsim.New(clock, 3, nil)
	px, py := pfx("10.9.0.1/30"), pfx("10.9.0.2/30")
	ax, ay, err := n.Link(n.Node("x"), n.Node("y"), netsim.LinkConfig{AAddrs: []netip.Prefix{px}, BAddrs: []netip.Prefix{py}})
	must(err)
	start := func(att *netsim.Attachment, p netip.Prefix, sink fib.Sink) *rip.Instance {
		tr, err := att.Transport(netsim.TransportConfig{UDPPort: netsim.PortRIP})
		must(err)
		in, err := rip.New(rip.Config{Interfaces: []rip.InterfaceConfig{{Name: att.Name(), IfIndex: att.Index(), Prefix: p}}},
			rip.Env{Clock: clock, Transports: map[string]routing.UDPTransport{att.Name(): tr}, FIB: sink})
		must(err)
		must(in.Start())
		return in
	}
	x := start(ax, px, nil)
	yfib := fib.NewMemory()
	y := start(ay, py, yfib)
	lan := pfx("192.168.10.0/24")
	must(x.Announce(lan, 1, 0))
	clock.Advance(10 * time.Second)
	if r, ok := y.Route(lan); ok {
		fmt.Printf("rip: y learnt %v metric %d\n", lan, r.Metric)
	}
	must(x.Stop(context.Background()))
	clock.Advance(time.Second)
	if r, ok := y.Route(lan); !ok || r.Metric >= 16 {
		fmt.Printf("rip: y withdrew %v after x stopped\n", lan)
	}
}

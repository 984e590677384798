package bfd

import (
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd/packet"
	"github.com/switchless/routing/netsim"
)

// RFC 5881 §4: a single-hop session between IPv6 link-local addresses
// comes Up over the IPv6 transports, beside an IPv4 session on the same
// interface.
func TestRFC5881_IPv6LinkLocalSession(t *testing.T) {
	clock := routing.NewManualClock(time.Time{})
	n := netsim.New(clock, 1, nil)
	lla, llb := netip.MustParseAddr("fe80::a"), netip.MustParseAddr("fe80::b")
	x, y, err := n.Link(n.Node("a"), n.Node("b"), netsim.LinkConfig{
		AAddrs: []netip.Prefix{netip.PrefixFrom(addrA, 30), netip.PrefixFrom(lla, 64)},
		BAddrs: []netip.Prefix{netip.PrefixFrom(addrB, 30), netip.PrefixFrom(llb, 64)},
	})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(att *netsim.Attachment, seed uint64) *Instance {
		tc := netsim.TransportConfig{UDPPort: netsim.PortBFD, SrcPort: netsim.PortBFDSrcMin, TTL: 255}
		t4, err := att.Transport(tc)
		if err != nil {
			t.Fatal(err)
		}
		tc.IPv6 = true
		t6, err := att.Transport(tc)
		if err != nil {
			t.Fatal(err)
		}
		ic := fast(50)
		ic.Name, ic.IPv6 = att.Name(), true
		in, err := New(Config{Interfaces: []InterfaceConfig{ic}, Seed: seed}, Env{Clock: clock,
			Transports:  map[string]routing.UDPTransport{att.Name(): t4},
			Transports6: map[string]routing.UDPTransport{att.Name(): t6}})
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Start(); err != nil {
			t.Fatal(err)
		}
		return in
	}
	a, b := mk(x, 1), mk(y, 2)
	for _, w := range []struct {
		in    *Instance
		ifc   string
		local netip.Addr
		peer  netip.Addr
	}{{a, x.Name(), lla, llb}, {b, y.Name(), llb, lla}, {a, x.Name(), addrA, addrB}, {b, y.Name(), addrB, addrA}} {
		if _, err := w.in.Watch(w.ifc, w.local, w.peer, func(bool) {}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(5 * time.Second)
	for _, in := range []*Instance{a, b} {
		ss := in.Sessions()
		if len(ss) != 2 || ss[0].State != packet.StateUp || ss[1].State != packet.StateUp {
			t.Fatalf("sessions %+v", ss)
		}
	}
	if st := a.Stats(); st.DroppedTTL+st.DroppedNoSession+st.DroppedMalformed != 0 {
		t.Errorf("drops %+v", st)
	}
}

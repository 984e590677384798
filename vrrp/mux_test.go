package vrrp

import (
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/vrrp/packet"
)

// TestMux runs two virtual routers (VRIDs 1 and 2) over one simulated
// transport per host: each elects independently, and an advertisement
// for VRID 3 is counted by the Mux, not as a misconfiguration of either.
func TestMux(t *testing.T) {
	s := newSimLAN(t)
	type host struct {
		mux     *Mux
		routers []*Router
	}
	vips := []netip.Addr{netip.MustParseAddr("192.0.2.101"), netip.MustParseAddr("192.0.2.102")}
	var hosts []*host
	for i := range 2 {
		addr := netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}), 24)
		att, err := s.seg.Attach(s.net.Node(string(rune('a'+i))), "eth0", addr)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := att.Transport(netsim.TransportConfig{IPProto: netsim.ProtoVRRP})
		if err != nil {
			t.Fatal(err)
		}
		h := &host{mux: NewMux(tr)}
		for v := range 2 {
			sub, err := h.mux.Transport(uint8(v + 1))
			if err != nil {
				t.Fatal(err)
			}
			// Host a wins VRID 1, host b wins VRID 2.
			prio := uint8(100)
			if i == v {
				prio = 200
			}
			r, err := New(Config{VRID: uint8(v + 1), Priority: prio, Address: addr, VirtualAddresses: vips[v : v+1]},
				Env{Clock: s.clock, Transport: sub, Addresses: NewMemoryAddresses(s.clock, nil)})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Start(); err != nil {
				t.Fatal(err)
			}
			h.routers = append(h.routers, r)
		}
		if _, err := h.mux.Transport(1); err == nil {
			t.Error("VRID 1 taken twice")
		}
		hosts = append(hosts, h)
	}
	s.clock.Advance(5 * time.Second)
	for i, h := range hosts {
		for v, r := range h.routers {
			want := Backup
			if i == v {
				want = Master
			}
			if r.State() != want {
				t.Errorf("host %d VRID %d: %v, want %v", i, v+1, r.State(), want)
			}
			if r.Status().Counters.Misconfigured != 0 {
				t.Errorf("host %d VRID %d counted misconfigurations", i, v+1)
			}
		}
	}
	in := newInjector(s)
	src := netip.MustParseAddr("192.0.2.9")
	in.send(src, 255, encode(t, packet.Advertisement{Version: packet.V3, VRID: 3, Priority: 100, Interval: time.Second, Addresses: vips[:1]}, src, 0))
	for i, h := range hosts {
		if h.mux.UnknownVRID() != 1 {
			t.Errorf("host %d: unknown VRID %d", i, h.mux.UnknownVRID())
		}
	}
	// Closing every router closes the shared transport.
	sub, _ := hosts[0].mux.Transport(9)
	_ = sub.Close()
	if err := sub.Send(packet.GroupIPv4, nil); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Close: %v", err)
	}
}

func TestStatusJSONNames(t *testing.T) {
	b, err := json.Marshal(Status{State: Master, Version: packet.V3, Counters: Counters{Drops: map[DropReason]uint64{DropTTL: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"State":"Master"`, `"Version":"VRRPv3"`, `"Drops":{"ttl":2}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
}

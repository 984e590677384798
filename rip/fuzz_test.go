package rip

import (
	"testing"
	"time"

	"github.com/switchless/routing/rip/packet"
)

// FuzzReceive feeds arbitrary messages to an instance (on an interface
// with crypto auth and one without, from port 520 and another): nothing
// panics, every route keeps a metric of 1 to 16 and every reachable
// learnt route has a next hop on a connected network.
func FuzzReceive(f *testing.F) {
	for _, m := range []packet.Message{
		resp(rte("172.16.0.0/16", 1), rte("0.0.0.0/0", 3)),
		{Command: packet.Request, Version: 2, Entries: []packet.Entry{{Metric: 16}}},
		{Command: packet.Response, Version: 1, Entries: []packet.Entry{{Family: 2, Addr: ip("10.0.5.0"), Mask: ip("0.0.0.0"), NextHop: ip("0.0.0.0"), Metric: 2}}},
	} {
		b, _ := m.AppendBinary(nil)
		f.Add(b, uint8(0), uint16(520))
		f.Add(b, uint8(1), uint16(5000))
	}
	f.Fuzz(func(t *testing.T, b []byte, ifc uint8, port uint16) {
		r := newRig(t, func(c *Config) {
			c.MaxPaths = 4
			c.Interfaces[1].Auth = AuthConfig{Mode: AuthCrypto, Keys: []KeyConfig{{ID: 1, Secret: "k"}}}
		})
		name := []string{"eth0", "eth1"}[ifc%2]
		src := []string{"10.0.0.2", "10.0.1.2"}[ifc%2]
		r.deliverRaw(name, ip(src), port, b)
		r.advance(time.Minute)
		for _, rt := range r.inst.Routes() {
			if rt.Metric < 1 || rt.Metric > 16 {
				t.Fatalf("route %+v", rt)
			}
			for _, h := range rt.NextHops {
				if !pfx("10.0.0.0/23").Contains(h.Gateway) {
					t.Fatalf("next hop off-link: %+v", rt)
				}
			}
		}
	})
}

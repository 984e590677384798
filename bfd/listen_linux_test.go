package bfd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/nstest"
)

// RFC 5881 §4: source ports are in 49152..65535, start at the
// interface's own offset and wrap around within the range.
func TestRFC5881_4_SrcPortCandidates(t *testing.T) {
	for _, c := range []struct {
		ifindex, i int
		want       uint16
	}{
		{2, 0, 49154},
		{2, 1, 49155},
		{16383, 0, 65535},
		{16383, 1, 49152},
		{16384 + 5, 0, 49157},
		{0, 0, 49152},
	} {
		if got := srcPortCandidate(c.ifindex, c.i); got != c.want {
			t.Errorf("srcPortCandidate(%d, %d) = %d, want %d", c.ifindex, c.i, got, c.want)
		}
	}
	for ifindex := range 3 * srcPorts {
		for i := range srcPortTries {
			if p := srcPortCandidate(ifindex, i); p < srcPortMin {
				t.Fatalf("srcPortCandidate(%d, %d) = %d, below %d", ifindex, i, p, srcPortMin)
			}
		}
	}
}

type srcPorter interface{ SrcPort() uint16 }

// bfdSockets counts the UDP sockets on port 3784 bound to veth0 in ns,
// as the kernel sees them.
func bfdSockets(t *testing.T, ns *nstest.NS) int {
	t.Helper()
	return strings.Count(ns.Exec(t, "ss", "-uanH"), "%veth0:3784 ")
}

// Listen in two namespaces joined by a veth pair (RFC 5881 §4, §5): the
// kernel shows sockets on port 3784 for IPv4 and IPv6; a Control packet
// sent over each family arrives on the other side with TTL (hop limit)
// 255, from the interface's source port 49152 + ifindex%16384; a second
// Listen on the same interface takes the next port; a bad interface
// fails Listen and closes what it had opened.
func TestListen_RFC5881_4_TwoNamespaces(t *testing.T) {
	nstest.RequireRoot(t)
	na, nb := nstest.New(t, "bfda"), nstest.New(t, "bfdb")
	nstest.Veth(t, na, "veth0", nb, "veth0")
	na.Exec(t, "ip", "addr", "add", "10.0.0.1/24", "dev", "veth0")
	nb.Exec(t, "ip", "addr", "add", "10.0.0.2/24", "dev", "veth0")
	na.Exec(t, "ip", "-6", "addr", "add", "fe80::a/64", "dev", "veth0", "nodad")
	nb.Exec(t, "ip", "-6", "addr", "add", "fe80::b/64", "dev", "veth0", "nodad")
	ctx := context.Background()

	bad := Config{Interfaces: []InterfaceConfig{{Name: "veth0", IPv6: true}, {Name: "nosuch0"}}}
	if v4, v6, err := Listen(ctx, &bad, na.Name(), nil); err == nil || !strings.Contains(err.Error(), "nosuch0") || v4 != nil || v6 != nil {
		t.Fatalf("Listen with a missing interface = %v, %v, %v; want an error naming nosuch0", v4, v6, err)
	}
	if n := bfdSockets(t, na); n != 0 {
		t.Errorf("%d sockets on port 3784 left open after the failed Listen", n)
	}
	twice := Config{Interfaces: []InterfaceConfig{{Name: "veth0"}, {Name: "veth0"}}}
	if _, _, err := Listen(ctx, &twice, na.Name(), nil); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("Listen with veth0 twice = %v, want ErrInvalidConfig", err)
	}
	if n := bfdSockets(t, na); n != 0 {
		t.Errorf("%d sockets on port 3784 left open after Listen with veth0 twice", n)
	}

	listen := func(ns *nstest.NS) (v4, v6 routing.UDPTransport, ifindex int) {
		cfg := Config{Interfaces: []InterfaceConfig{{Name: "veth0", IPv6: true}}}
		t4, t6, err := Listen(ctx, &cfg, ns.Name(), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []map[string]routing.UDPTransport{t4, t6} {
			for _, tr := range m {
				t.Cleanup(func() { _ = tr.Close() })
			}
		}
		if want := ns.LinkIndex(t, "veth0"); cfg.Interfaces[0].IfIndex != want {
			t.Fatalf("Listen filled IfIndex %d, want %d", cfg.Interfaces[0].IfIndex, want)
		}
		if len(t4) != 1 || len(t6) != 1 || t4["veth0"] == nil || t6["veth0"] == nil {
			t.Fatalf("Listen = %v, %v; want one transport each for veth0", t4, t6)
		}
		return t4["veth0"], t6["veth0"], cfg.Interfaces[0].IfIndex
	}
	a4, a6, idxA := listen(na)
	b4, b6, idxB := listen(nb)
	if n := bfdSockets(t, nb); n != 2 {
		t.Errorf("ss in b shows %d sockets on veth0 port 3784, want 2 (IPv4 and IPv6)", n)
	}
	got := make(chan routing.Packet, 64)
	deliver := func(p routing.Packet) {
		p.Payload = bytes.Clone(p.Payload)
		select {
		case got <- p:
		default:
		}
	}
	for _, tr := range []routing.UDPTransport{a4, a6} {
		if err := tr.Start(func(routing.Packet) {}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tr := range []routing.UDPTransport{b4, b6} {
		if err := tr.Start(deliver); err != nil {
			t.Fatal(err)
		}
	}

	wantPort := srcPortCandidate(idxA, 0)
	for _, c := range []struct {
		name     string
		tr       routing.UDPTransport
		src, dst netip.Addr
	}{
		{"IPv4", a4, netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")},
		{"IPv6", a6, netip.MustParseAddr("fe80::a"), netip.MustParseAddr("fe80::b")},
	} {
		if p := c.tr.(srcPorter).SrcPort(); p != wantPort {
			t.Errorf("%s: SrcPort() = %d, want %d", c.name, p, wantPort)
		}
		payload := []byte("control packet over " + c.name)
		var p routing.Packet
		nstest.Eventually(t, 5*time.Second, func() error {
			if err := c.tr.Send(c.dst, payload); err != nil {
				return err
			}
			for {
				select {
				case p = <-got:
					if bytes.Equal(p.Payload, payload) {
						return nil
					}
				case <-time.After(50 * time.Millisecond):
					return fmt.Errorf("%s: nothing received yet", c.name)
				}
			}
		})
		if p.TTL != 255 || p.SrcPort != wantPort || p.SrcPort < srcPortMin || p.Src != c.src || p.Dst != c.dst || p.IfIndex != idxB {
			t.Errorf("%s: got %v:%d -> %v TTL %d on %d, want %v:%d -> %v TTL 255 on %d",
				c.name, p.Src, p.SrcPort, p.Dst, p.TTL, p.IfIndex, c.src, wantPort, c.dst, idxB)
		}
	}

	// The port is taken by a's transports: another Listen on the same
	// interface moves on to the next one.
	again := Config{Interfaces: []InterfaceConfig{{Name: "veth0"}}}
	v4, _, err := Listen(ctx, &again, na.Name(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := v4["veth0"].(srcPorter).SrcPort(); p != srcPortCandidate(idxA, 1) {
		t.Errorf("second Listen on a/veth0 sends from %d, want %d", p, srcPortCandidate(idxA, 1))
	}
	if err := v4["veth0"].Close(); err != nil {
		t.Fatal(err)
	}
}

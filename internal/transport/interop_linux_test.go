package transport

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/nstest"
)

// keepalived is a real VRRP peer: its advertisements reach our raw
// transport with TTL 255 and the VRRP header first (no IP header), and
// our advertisements, sent with the transport's defaults, are accepted by
// it with TTL 255 (RFC 3768 7.1; keepalived logs any other TTL), so a
// higher priority makes it leave MASTER (RFC 3768 6.4.3).
func TestIP_InteropKeepalivedVRRP(t *testing.T) {
	bin := nstest.RequireBinary(t, "keepalived")
	p := newPair(t, false)
	dir := nstest.TempDir(t)
	conf := filepath.Join(dir, "keepalived.conf")
	const vrid = 51
	err := os.WriteFile(conf, []byte(fmt.Sprintf(`global_defs {
	router_id trpeer
}
vrrp_instance V1 {
	state MASTER
	interface veth0
	virtual_router_id %d
	priority 150
	advert_int 1
	virtual_ipaddress {
		10.0.0.100/24
	}
}
`, vrid)), 0o644)
	must(t, err)
	peer := p.a.Start(t, bin, "-n", "-l", "-D", "-P", "-f", conf,
		"-p", filepath.Join(dir, "keepalived.pid"), "-r", filepath.Join(dir, "vrrp.pid"))

	r := listenIP(t, IPConfig{Namespace: p.b.Name(), Interface: "veth0", Protocol: ProtocolVRRP})
	in := newInbox[routing.Packet]()
	group := netip.MustParseAddr("224.0.0.18") // RFC 3768 5.2.2
	must(t, r.JoinGroup(group))
	must(t, r.Start(in.packet))

	var adv routing.Packet
	select {
	case adv = <-in.ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("no advertisement from keepalived in 10 s; its output:\n%s", peer.Output())
	}
	if adv.Src != addrA0 || adv.Dst != group || adv.TTL != 255 || adv.IfIndex != p.bIdx0 {
		t.Errorf("keepalived advertisement %+v, want %v -> %v TTL 255 on %d", adv, addrA0, group, p.bIdx0)
	}
	// RFC 3768 5.3: version 2, type 1, VRID, priority, one address.
	if len(adv.Payload) < 20 || adv.Payload[0] != 0x21 || adv.Payload[1] != vrid || adv.Payload[2] != 150 || adv.Payload[3] != 1 {
		t.Fatalf("payload % x is not keepalived's VRRPv2 advertisement", adv.Payload)
	}
	if got := netip.AddrFrom4([4]byte(adv.Payload[8:12])); got != netip.MustParseAddr("10.0.0.100") {
		t.Errorf("advertised address %v, want 10.0.0.100", got)
	}

	// keepalived starts in BACKUP and is MASTER once it advertises; only
	// a BACKUP transition logged after that counts.
	var mark int
	nstest.Eventually(t, 5*time.Second, func() error {
		out := peer.Output()
		if mark = strings.LastIndex(out, "Entering MASTER STATE"); mark < 0 {
			return fmt.Errorf("keepalived advertises but did not log MASTER:\n%s", out)
		}
		return nil
	})
	ours := vrrp2Advert(vrid, 200, netip.MustParseAddr("10.0.0.100"))
	nstest.Eventually(t, 10*time.Second, func() error {
		if err := r.Send(group, ours); err != nil {
			return err
		}
		if out := peer.Output(); !strings.Contains(out[mark:], "Entering BACKUP STATE") {
			return fmt.Errorf("keepalived still master; output:\n%s", out)
		}
		return nil
	})
	// keepalived logs, and tolerates, a wrong TTL; the RFC drops it.
	if out := peer.Output(); strings.Contains(out, "invalid TTL") {
		t.Errorf("keepalived saw a wrong TTL from us:\n%s", out)
	}
}

// BIRD is a real OSPF and RIP peer: its OSPF hellos reach our raw
// transport with TTL 1 and exactly the OSPF packet as payload (the length
// in the OSPF header equals the payload length: no IP header, no
// options); its RIP-2 responses reach our UDP transport from port 520
// with TTL 1; and it answers a RIP request our transport sent, unicast to
// our port 520 (RFC 2453 3.9.1).
func TestInterop_BIRD(t *testing.T) {
	bin := nstest.RequireBinary(t, "bird")
	p := newPair(t, false)
	dir := nstest.TempDir(t)
	conf := filepath.Join(dir, "bird.conf")
	must(t, os.WriteFile(conf, []byte(`router id 10.0.0.1;
protocol device { scan time 1; }
protocol static { ipv4; route 10.9.0.0/24 blackhole; }
protocol ospf v2 {
	ipv4 { import none; export none; };
	area 0 { interface "veth0" { hello 1; }; };
}
protocol rip {
	ipv4 { import none; export all; };
	interface "veth0" { update time 1; };
}
`), 0o644))
	peer := p.a.Start(t, bin, "-f", "-c", conf, "-s", filepath.Join(dir, "bird.ctl"), "-P", filepath.Join(dir, "bird.pid"))

	ospf := listenIP(t, IPConfig{Namespace: p.b.Name(), Interface: "veth0", Protocol: ProtocolOSPF})
	rip := listenUDP(t, UDPConfig{Namespace: p.b.Name(), Interface: "veth0"})
	hellos, updates := newInbox[routing.Packet](), newInbox[routing.Packet]()
	must(t, ospf.JoinGroup(allSPFRouters))
	must(t, ospf.Start(hellos.packet))
	must(t, rip.JoinGroup(ripGroup))
	must(t, rip.Start(updates.packet))

	select {
	case h := <-hellos.ch:
		if h.Src != addrA0 || h.Dst != allSPFRouters || h.TTL != 1 || h.IfIndex != p.bIdx0 {
			t.Errorf("BIRD hello %+v, want %v -> %v TTL 1 on %d", h, addrA0, allSPFRouters, p.bIdx0)
		}
		// RFC 2328 A.3.1: version 2, type 1 (Hello), packet length.
		if len(h.Payload) < 24 || h.Payload[0] != 2 || h.Payload[1] != 1 ||
			int(binary.BigEndian.Uint16(h.Payload[2:4])) != len(h.Payload) {
			t.Errorf("payload % x is not exactly an OSPF hello", h.Payload)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no OSPF hello from BIRD in 10 s; its output:\n%s", peer.Output())
	}

	isOurRoute := func(d routing.Packet) bool {
		// RFC 2453 4: command 2 (response), version 2, then 20-byte
		// entries: AFI 2, tag, address, mask, next hop, metric.
		if len(d.Payload) < 24 || d.Payload[0] != 2 || d.Payload[1] != 2 {
			return false
		}
		for e := d.Payload[4:]; len(e) >= 20; e = e[20:] {
			if netip.AddrFrom4([4]byte(e[4:8])) == netip.MustParseAddr("10.9.0.0") {
				return true
			}
		}
		return false
	}
	deadline := time.After(10 * time.Second)
	for got := false; !got; {
		select {
		case d := <-updates.ch:
			if d.Dst != ripGroup || !isOurRoute(d) {
				continue
			}
			got = true
			if d.Src != addrA0 || d.SrcPort != PortRIP || d.TTL != 1 || d.IfIndex != p.bIdx0 {
				t.Errorf("BIRD RIP update %+v, want %v:520 -> %v TTL 1 on %d", d, addrA0, ripGroup, p.bIdx0)
			}
		case <-deadline:
			t.Fatalf("no RIP update with 10.9.0.0/24 from BIRD in 10 s; its output:\n%s", peer.Output())
		}
	}

	// A whole-table request (RFC 2453 3.9.1: one entry, AFI 0, metric 16)
	// sent unicast to BIRD: the response comes back unicast to us.
	req := []byte{1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16}
	nstest.Eventually(t, 10*time.Second, func() error {
		must(t, rip.Send(addrA0, req))
		for {
			select {
			case d := <-updates.ch:
				if d.Dst == addrB0 && d.SrcPort == PortRIP && isOurRoute(d) {
					return nil
				}
			case <-time.After(200 * time.Millisecond):
				return fmt.Errorf("no unicast answer to our request")
			}
		}
	})
}

// vrrp2Advert builds a VRRPv2 advertisement (RFC 3768 5.3) with no
// authentication and a 1 s interval.
func vrrp2Advert(vrid, prio byte, vip netip.Addr) []byte {
	b := []byte{0x21, vrid, prio, 1, 0, 1, 0, 0}
	b = append(b, vip.AsSlice()...)
	b = append(b, make([]byte, 8)...) // authentication data
	var sum uint32
	for i := 0; i < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(b[6:], ^uint16(sum))
	return b
}

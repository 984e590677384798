package nstest

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"

	"golang.org/x/net/ipv4"
)

// Injector is a hostile or broken neighbour for tests (issue 16): a raw
// IPv4 socket of one protocol in a namespace, on one interface, that
// sends whatever it is given — packets built with the suite's codecs and
// then corrupted — from any source address, with any TTL. It writes the
// IP header itself, so the source may be an invented neighbour's.
type Injector struct {
	t     testing.TB
	conn  *ipv4.RawConn
	ifi   *net.Interface
	proto int
	// Sent counts the packets sent.
	Sent int
}

// NewInjector opens a raw socket of IP protocol proto (89 OSPF, 112
// VRRP, 17 UDP) in ns, sending out ifname. It is closed at the end of
// the test.
func NewInjector(t testing.TB, ns *NS, ifname string, proto int) *Injector {
	t.Helper()
	j := &Injector{t: t, proto: proto}
	err := ns.Do(func() error {
		ifi, err := net.InterfaceByName(ifname)
		if err != nil {
			return err
		}
		pc, err := net.ListenPacket(fmt.Sprintf("ip4:%d", proto), "0.0.0.0")
		if err != nil {
			return err
		}
		rc, err := ipv4.NewRawConn(pc)
		if err != nil {
			_ = pc.Close()
			return err
		}
		if err := rc.SetMulticastInterface(ifi); err != nil {
			_ = rc.Close()
			return err
		}
		if err := rc.SetMulticastLoopback(false); err != nil {
			_ = rc.Close()
			return err
		}
		j.conn, j.ifi = rc, ifi
		return nil
	})
	if err != nil {
		t.Fatalf("injector in %s on %s: %v", ns.Name(), ifname, err)
	}
	t.Cleanup(func() { _ = j.conn.Close() })
	return j
}

// Send sends payload from src to dst with the given TTL (IP header
// written here; the kernel fills in the checksum and the ID).
func (j *Injector) Send(src, dst netip.Addr, ttl int, payload []byte) {
	j.t.Helper()
	h := &ipv4.Header{Version: 4, Len: ipv4.HeaderLen, TOS: 0xc0, TotalLen: ipv4.HeaderLen + len(payload),
		TTL: ttl, Protocol: j.proto, Src: src.AsSlice(), Dst: dst.AsSlice()}
	cm := &ipv4.ControlMessage{IfIndex: j.ifi.Index}
	if err := j.conn.WriteTo(h, payload, cm); err != nil {
		j.t.Fatalf("inject %d bytes %v -> %v: %v", len(payload), src, dst, err)
	}
	j.Sent++
}

// UDP wraps payload in a UDP header from sport to dport (checksum 0:
// none, which IPv4 allows), for an Injector of protocol 17.
func UDP(sport, dport uint16, payload []byte) []byte {
	b := make([]byte, 8+len(payload))
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)))
	copy(b[8:], payload)
	return b
}

// RSS returns the resident set size of process pid in KiB (VmRSS of
// /proc/pid/status), for memory bounds under attack.
func RSS(t testing.TB, pid int) int {
	t.Helper()
	var kb int
	if err := scanProcStatus(pid, "VmRSS:", &kb); err != nil {
		t.Fatalf("RSS of %d: %v", pid, err)
	}
	return kb
}

func scanProcStatus(pid int, key string, v *int) error {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			_, err := fmt.Sscanf(strings.TrimSpace(rest), "%d", v)
			return err
		}
	}
	return fmt.Errorf("no %s in /proc/%d/status", key, pid)
}

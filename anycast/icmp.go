package anycast

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// icmpCheck sends one ICMP echo request and waits for its reply. It uses
// an unprivileged ping socket (SOCK_DGRAM, "udp4"/"udp6" in x/net/icmp),
// which Linux allows to the groups in net.ipv4.ping_group_range and needs
// no root; when that is refused it falls back to a raw socket
// ("ip4:icmp"/"ip6:ipv6-icmp"), which needs CAP_NET_RAW.
type icmpCheck struct {
	addr netip.Addr
}

func newICMPCheck(s string) (icmpCheck, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return icmpCheck{}, fmt.Errorf("%w: icmp address %q", ErrInvalidConfig, s)
	}
	return icmpCheck{addr: a.Unmap()}, nil
}

func (c icmpCheck) Check(ctx context.Context) error {
	v6 := c.addr.Is6()
	dgram, raw, proto := "udp4", "ip4:icmp", 1
	var typ, reply icmp.Type = ipv4.ICMPTypeEcho, ipv4.ICMPTypeEchoReply
	if v6 {
		dgram, raw, proto = "udp6", "ip6:ipv6-icmp", 58
		typ, reply = ipv6.ICMPTypeEchoRequest, ipv6.ICMPTypeEchoReply
	}
	var dst net.Addr
	conn, err := icmp.ListenPacket(dgram, "")
	if err == nil {
		dst = &net.UDPAddr{IP: c.addr.AsSlice()}
	} else if conn, err = icmp.ListenPacket(raw, ""); err == nil {
		dst = &net.IPAddr{IP: c.addr.AsSlice()}
	} else {
		return fmt.Errorf("icmp: no ping socket (net.ipv4.ping_group_range) nor raw socket: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	id, seq := os.Getpid()&0xffff, int(time.Now().UnixNano()&0xffff)
	msg := icmp.Message{Type: typ, Body: &icmp.Echo{ID: id, Seq: seq, Data: []byte("anycast")}}
	b, err := msg.Marshal(nil)
	if err != nil {
		return err
	}
	if _, err := conn.WriteTo(b, dst); err != nil {
		return fmt.Errorf("icmp: %w", err)
	}
	buf := make([]byte, 1500)
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			return fmt.Errorf("icmp: %w", err)
		}
		m, err := icmp.ParseMessage(proto, buf[:n])
		if err != nil || m.Type != reply {
			continue
		}
		// On a ping socket the kernel rewrites the ID; match on Seq.
		if e, ok := m.Body.(*icmp.Echo); ok && e.Seq == seq {
			return nil
		}
	}
}

//go:build linux

package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/ringconf"
	"github.com/switchless/routing/internal/transport"
	"github.com/switchless/routing/vrrp/packet"
)

// heard is one virtual router heard on the upstream LAN.
type heard struct {
	vrid      uint8
	src       netip.Addr
	priority  uint8
	addresses []netip.Addr
}

// listenVRIDs is `ringd check -listen D` on an edge: it listens on the
// upstream interface for D, lists every virtual router heard, and warns
// of one that uses the configured VRID with other addresses. Two virtual
// routers with one VRID share one virtual MAC, 00-00-5E-00-01-{VRID}
// (RFC 5798 §7.3), and the LAN's switches and neighbours then send one's
// traffic to the other (issue 15's virtual-MAC hygiene). The other edge
// of the ring, advertising our VRID with our VIP, is no collision. It
// returns whether a collision was heard.
func listenVRIDs(ctx context.Context, c *ringconf.Config, d time.Duration, out io.Writer) (bool, error) {
	ifname := c.Linux["up"]
	tr, err := transport.ListenIP(ctx, transport.IPConfig{Interface: ifname, Protocol: transport.ProtocolVRRP})
	if err != nil {
		return false, fmt.Errorf("listen on %s: %w", ifname, err)
	}
	defer tr.Close()
	var mu sync.Mutex
	seen := map[string]heard{}
	if err := tr.Start(func(p routing.Packet) {
		var a packet.Advertisement
		if a.Decode(p.Payload, p.Src, p.Dst, 0) != nil || p.TTL != packet.TTL {
			return
		}
		mu.Lock()
		seen[fmt.Sprintf("%03d %v", a.VRID, p.Src)] = heard{vrid: a.VRID, src: p.Src, priority: a.Priority, addresses: slices.Clone(a.Addresses)}
		mu.Unlock()
	}); err != nil {
		return false, err
	}
	if err := tr.JoinGroup(packet.GroupIPv4); err != nil {
		return false, fmt.Errorf("join %v on %s: %w", packet.GroupIPv4, ifname, err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
	mu.Lock()
	defer mu.Unlock()
	vrid := c.Ring.Upstream.VRID
	if vrid == 0 {
		vrid = 1
	}
	ours := []netip.Addr{c.Ring.Upstream.VIP}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(out, "%s: listened %v on %s (up): %d virtual routers heard\n", c.Path(), d, ifname, len(keys))
	collision := false
	for _, k := range keys {
		h := seen[k]
		fmt.Fprintf(out, "  VRID %d from %v, priority %d, addresses %v\n", h.vrid, h.src, h.priority, h.addresses)
		if h.vrid == vrid && !slices.Equal(h.addresses, ours) {
			collision = true
			fmt.Fprintf(out, "%s: warning: upstream.vrid %d is in use on the LAN by %v with addresses %v, not this ring's %v: both would share the virtual MAC 00-00-5e-00-01-%02x; pick another vrid\n",
				c.Path(), vrid, h.src, h.addresses, ours, vrid)
		}
	}
	return collision, nil
}

package rip

import (
	"net/netip"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/loop"
	"github.com/switchless/routing/rip/packet"
)

// neighbor is a router heard on an interface (RFC 1724's peer table).
type neighbor struct {
	addr       netip.Addr
	ifc        *iface
	lastHeard  time.Time
	version    uint8
	badPackets uint64
	badRoutes  uint64
	seq        uint32 // last accepted RFC 4822 sequence number
	hasSeq     bool
	timer      loop.Slot
}

func (i *Instance) drop(f *iface, n *neighbor, r DropReason) {
	i.stats.Dropped[r]++
	if r >= DropV1MustBeZero {
		f.stats.BadRoutes++
		if n != nil {
			n.badRoutes++
		}
		return
	}
	f.stats.BadPackets++
	if n != nil {
		n.badPackets++
	}
}

func (i *Instance) receive(f *iface, p routing.Packet) {
	i.stats.Received++
	f.stats.Received++
	m := &i.rx // reused: receive never runs re-entrantly (see deliverer)
	if err := m.Decode(p.Payload); err != nil {
		i.log.Debug("rip: bad message", "interface", f.cfg.Name, "src", p.Src, "err", err)
		i.drop(f, f.neigh[p.Src], DropMalformed)
		return
	}
	src := p.Src.Unmap()
	if i.own[src] {
		i.drop(f, nil, DropOwnAddress)
		return
	}
	switch m.Command {
	case packet.Request:
		i.stats.RequestsReceived++
		i.request(f, m, p, src)
	case packet.Response:
		i.stats.ResponsesReceived++
		i.response(f, m, p, src)
	}
}

// authenticate checks m against the interface's authentication (§4.1,
// RFC 4822), including the per-neighbour sequence number.
func (i *Instance) authenticate(f *iface, n *neighbor, m *packet.Message, b []byte) (DropReason, bool) {
	a := f.cfg.Auth
	if a.Mode == AuthNone {
		return 0, true // §4.1: authentication we do not use is ignored
	}
	if m.Version < 2 || m.Auth.Type == packet.AuthNone {
		return DropAuthMissing, false
	}
	switch a.Mode {
	case AuthPassword:
		if m.Auth.Type != packet.AuthPassword {
			return DropAuthType, false
		}
		if m.Auth.Password != f.pw {
			return DropAuthMismatch, false
		}
		return 0, true
	case AuthCrypto:
		if m.Auth.Type != packet.AuthCrypto {
			return DropAuthType, false
		}
		now := i.clock.Now()
		var key *KeyConfig
		for k := range f.keys {
			if f.keys[k].ID == int(m.Auth.KeyID) && within(now, f.keys[k].AcceptStart, f.keys[k].AcceptEnd) {
				key = &f.keys[k]
			}
		}
		if key == nil {
			return DropAuthKey, false
		}
		if err := packet.Verify(b, key.key()); err != nil {
			return DropAuthMismatch, false
		}
		if n != nil && n.hasSeq && m.Auth.Seq < n.seq {
			return DropReplay, false
		}
		return 0, true
	}
	return DropAuthType, false
}

// request answers a request (§3.9.1) to the requester's address and port.
func (i *Instance) request(f *iface, m *packet.Message, p routing.Packet, src netip.Addr) {
	monitor := p.SrcPort != ripPort
	if !monitor && f.cfg.Passive {
		i.drop(f, nil, DropPassive)
		return
	}
	if !monitor && !f.net.Contains(src) {
		i.drop(f, nil, DropNotConnected)
		return
	}
	if r, ok := i.authenticate(f, f.neigh[src], m, p.Payload); !ok {
		i.drop(f, f.neigh[src], r)
		return
	}
	if len(m.Entries) == 0 {
		return // §3.9.1: a request without entries is ignored
	}
	to := netip.AddrPortFrom(src, p.SrcPort)
	i.stats.RequestsAnswered++
	if m.WholeTable() {
		// The whole table, as a regular update to that one address;
		// split horizon only for routers (port 520), not for monitors.
		i.sendTable(f, []netip.AddrPort{to}, false, false, monitor)
		return
	}
	// Specific entries: look each up, answer in the same order, with no
	// split horizon (§3.9.1: this is a diagnostic).
	out := make([]packet.Entry, 0, len(m.Entries))
	for _, e := range m.Entries {
		e.Metric = packet.Infinity
		if pr, ok := e.Prefix(); ok && e.Family == packet.FamilyInet {
			if r := i.routes[pr]; r != nil {
				e.Metric = uint32(min(r.metric+f.cfg.MetricOut, packet.Infinity))
				e.Tag = r.tag
			}
		}
		out = append(out, e)
	}
	i.sendEntries(f, []netip.AddrPort{to}, m.Version, out)
}

// ripPort is the RIP UDP port (RFC 2453 §3.9.2: responses come from it).
const ripPort = 520

// response processes a response (§3.9.2).
func (i *Instance) response(f *iface, m *packet.Message, p routing.Packet, src netip.Addr) {
	if p.SrcPort != ripPort {
		i.drop(f, nil, DropBadPort)
		return
	}
	if !f.net.Contains(src) || src == f.net.Addr() || isBroadcast(f.net, src) {
		i.drop(f, nil, DropNotConnected)
		return
	}
	if m.Version == 1 && f.cfg.V2Only {
		i.drop(f, f.neigh[src], DropVersion)
		return
	}
	n := f.neigh[src]
	if r, ok := i.authenticate(f, n, m, p.Payload); !ok {
		i.drop(f, n, r)
		return
	}
	n = i.heard(f, src, m)
	for _, e := range m.Entries {
		i.entry(f, n, m.Version, e)
	}
	i.triggered()
	i.ask()
}

// ask sends a whole-table request (§3.9.1) on every active interface
// when a learnt route was lost (its next hop advertised 16, or it timed
// out) with no other path: RIP keeps one route per destination (§3.9.2),
// so a neighbour that knows another path would otherwise tell it only at
// its next regular update (§3.8, up to 35 s later). The answers are
// unicast responses, processed as any (§3.9.2), and split horizon applies
// to them. As InterfaceDown and a BFD session going Down already do.
// At most one round per Timers.TriggerMin, the damping of §3.10.1, so
// that a neighbour whose routes time out one by one does not cause a
// request each.
func (i *Instance) ask() {
	if !i.askAround {
		return
	}
	i.askAround = false
	now := i.clock.Now()
	if !i.askedAt.IsZero() && now.Sub(i.askedAt) < i.timers.TriggerMin {
		return
	}
	i.askedAt = now
	i.stats.LossRequests++
	for _, f := range i.ifaces {
		if !f.cfg.Passive && !f.down {
			i.sendRequest(f)
		}
	}
}

func isBroadcast(net netip.Prefix, a netip.Addr) bool {
	if net.Bits() >= 31 {
		return false
	}
	b := a.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	host := ^uint32(0) >> net.Bits()
	return v&host == host
}

// heard records a valid message from neighbour src.
func (i *Instance) heard(f *iface, src netip.Addr, m *packet.Message) *neighbor {
	n := f.neigh[src]
	if n == nil {
		n = &neighbor{addr: src, ifc: f}
		f.neigh[src] = n
		i.emit(Event{Kind: NeighborSeen, Neighbor: src, Interface: f.cfg.Name})
		// RFC 5882: watched from its first valid response (bfd.go).
		i.bfdWatch(f, src, false)
	}
	n.lastHeard = i.clock.Now()
	n.version = m.Version
	if m.Auth.Type == packet.AuthCrypto && f.cfg.Auth.Mode == AuthCrypto {
		n.seq, n.hasSeq = m.Auth.Seq, true
	}
	if !n.timer.Armed() {
		i.armNeighbor(f, n, i.timers.Timeout)
	}
	return n
}

// armNeighbor arms the neighbour's timeout, re-armed for the rest when
// it was heard meanwhile.
func (i *Instance) armNeighbor(f *iface, n *neighbor, d time.Duration) {
	i.arm(&n.timer, d, func() {
		if left := n.lastHeard.Add(i.timers.Timeout).Sub(i.clock.Now()); left > 0 {
			i.armNeighbor(f, n, left)
			return
		}
		delete(f.neigh, n.addr)
		i.bfdForget(f, n.addr)
		i.emit(Event{Kind: NeighborLost, Neighbor: n.addr, Interface: f.cfg.Name})
	})
}

// entry validates and applies one route entry (§3.9.2, §4.4, §4.1 for
// version 1).
func (i *Instance) entry(f *iface, n *neighbor, version uint8, e packet.Entry) {
	if e.Family != packet.FamilyInet {
		if e.Family != packet.FamilyAuth {
			i.drop(f, n, DropEntryFamily)
		}
		return
	}
	if e.Metric < 1 || e.Metric > packet.Infinity {
		i.drop(f, n, DropEntryMetric)
		return
	}
	var p netip.Prefix
	if version == 1 {
		zero := netip.AddrFrom4([4]byte{})
		if e.Tag != 0 || e.Mask != zero || e.NextHop != zero {
			i.drop(f, n, DropV1MustBeZero)
			return
		}
		p = v1Prefix(f.net, e.Addr)
	} else {
		var ok bool
		if p, ok = e.Prefix(); !ok {
			i.drop(f, n, DropEntryAddress)
			return
		}
	}
	if !usable(p) {
		i.drop(f, n, DropEntryAddress)
		return
	}
	gw := n.addr
	if nh := e.NextHop; version > 1 && nh.IsValid() && !nh.IsUnspecified() {
		// §4.4: a next hop on our network is used; anything else is
		// taken as 0.0.0.0, the sender.
		if f.net.Contains(nh) && !i.own[nh] && !isBroadcast(f.net, nh) && nh != f.net.Addr() {
			gw = nh
		} else {
			i.stats.NextHopIgnored++
		}
	}
	metric := min(int(e.Metric)+f.cost, packet.Infinity)
	i.learn(f, n.addr, gw, p, metric, e.Tag)
}

// usable rejects destinations §3.9.2 has ignored: class D and E,
// loopback, and network 0 other than the default route.
func usable(p netip.Prefix) bool {
	a := p.Addr()
	if p.Bits() == 0 {
		return a.IsUnspecified()
	}
	b := a.As4()
	return b[0] != 0 && b[0] != 127 && b[0] < 224
}

// v1Prefix infers a RIP-1 destination's mask (RFC 1058 §3.7, RFC 2453
// §4.1): the receiving interface's mask for a subnet of its own classful
// network, the classful mask otherwise, and a host route when host bits
// are set beyond it.
func v1Prefix(ifnet netip.Prefix, a netip.Addr) netip.Prefix {
	if a.IsUnspecified() {
		return netip.PrefixFrom(a, 0)
	}
	b := a.As4()
	class := 8
	switch {
	case b[0] >= 192:
		class = 24
	case b[0] >= 128:
		class = 16
	}
	bits := class
	if ifnet.Bits() > class && netip.PrefixFrom(a, class).Masked() == netip.PrefixFrom(ifnet.Addr(), class).Masked() {
		bits = ifnet.Bits()
	}
	if p := netip.PrefixFrom(a, bits); p.Masked() == p {
		return p
	}
	return netip.PrefixFrom(a, 32)
}

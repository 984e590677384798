package rip

import (
	"net/netip"
	"time"

	"github.com/switchless/routing/rip/packet"
)

// triggered sends a triggered update of the changed routes (§3.10.1):
// at once if the damping timer is idle, then arms it for 1 to 5 s; while
// it runs, changes wait for it.
func (i *Instance) triggered() {
	if !i.pending || !i.started || i.stopped || i.triggerWait.Armed() {
		return
	}
	i.stats.TriggeredUpdates++
	i.update(true, false)
	i.armTrigger()
}

func (i *Instance) armTrigger() {
	d := i.timers.TriggerMin
	if span := i.timers.TriggerMax - i.timers.TriggerMin; span > 0 {
		d += time.Duration(i.rnd.Int64N(int64(span) + 1))
	}
	i.arm(&i.triggerWait, d, func() {
		if i.pending {
			i.stats.TriggeredUpdates++
			i.update(true, false)
			i.armTrigger()
		}
	})
}

// update sends an update on every active interface (not passive, not
// down): the changed routes
// only (triggered), or the whole table (regular, §3.8), or the whole
// table at metric 16 (final, at Stop). The change flags are cleared.
func (i *Instance) update(onlyChanged, final bool) {
	if !onlyChanged && !final {
		i.stats.RegularUpdates++
	}
	for _, f := range i.ifaces {
		if f.cfg.Passive || f.down || len(f.dsts) == 0 {
			continue
		}
		f.stats.SentUpdates++
		i.sendTable(f, f.dsts, onlyChanged, final, false)
	}
	for _, r := range i.sorted() {
		r.changed = false
	}
	i.pending = false
}

// learntOn reports whether split horizon applies to r on f: r was learnt
// through f, or originated with f as its interface.
func (r *route) learntOn(f *iface) bool {
	if r.local != nil {
		return r.local.ifc == f
	}
	for _, h := range r.hops {
		if h.ifc == f {
			return true
		}
	}
	return false
}

// sendTable sends the table (or its changed routes) on f to dsts, with
// split horizon unless noSplit (§3.4.3, §3.10).
func (i *Instance) sendTable(f *iface, dsts []netip.AddrPort, onlyChanged, final, noSplit bool) {
	per := packet.MaxEntries
	if f.cfg.Auth.Mode != AuthNone {
		per-- // the authentication entry takes one slot (§4.1)
	}
	es := i.msg.Entries[:0]
	for _, r := range i.sorted() {
		if onlyChanged && !r.changed {
			continue
		}
		metric := r.metric
		var nh netip.Addr
		if r.local != nil && r.local.source == SourceConnected && r.local.ifc == f {
			continue // a network is not advertised onto itself
		}
		if !noSplit && r.learntOn(f) {
			switch f.cfg.SplitHorizon {
			case SplitSimple:
				continue
			case SplitPoisonedReverse:
				metric = packet.Infinity
			}
		}
		// §4.4: tell the neighbours of a better next hop on their own
		// network, saving a hop through us.
		if r.local != nil {
			if g := r.local.nextHop; g.IsValid() && f.net.Contains(g) {
				nh = g
			}
		} else if len(r.hops) > 0 && r.hops[0].ifc == f && f.net.Contains(r.hops[0].gateway) {
			nh = r.hops[0].gateway
		}
		if final {
			metric = packet.Infinity
		}
		metric = min(metric+f.cfg.MetricOut, packet.Infinity)
		es = append(es, packet.Entry{
			Family: packet.FamilyInet, Tag: r.tag,
			Addr: r.prefix.Addr(), Mask: maskOf(r.prefix),
			NextHop: nh, Metric: uint32(metric),
		})
		if len(es) == per {
			i.sendEntries(f, dsts, 2, es)
			es = es[:0]
		}
	}
	if len(es) > 0 {
		i.sendEntries(f, dsts, 2, es)
	}
	i.msg.Entries = es[:0]
}

func maskOf(p netip.Prefix) netip.Addr {
	m := ^uint32(0) << (32 - p.Bits())
	if p.Bits() == 0 {
		m = 0
	}
	return netip.AddrFrom4([4]byte{byte(m >> 24), byte(m >> 16), byte(m >> 8), byte(m)})
}

// sendRequest asks the neighbours on f for their whole table (§3.9.1).
func (i *Instance) sendRequest(f *iface) {
	es := append(i.msg.Entries[:0], packet.Entry{Metric: packet.Infinity})
	i.sendMessage(f, f.dsts, packet.Request, 2, es)
	i.msg.Entries = es[:0]
}

// sendRequestTo asks one neighbour on f for its whole table (§3.9.1).
func (i *Instance) sendRequestTo(f *iface, to netip.AddrPort) {
	es := append(i.msg.Entries[:0], packet.Entry{Metric: packet.Infinity})
	i.sendMessage(f, []netip.AddrPort{to}, packet.Request, 2, es)
	i.msg.Entries = es[:0]
}

func (i *Instance) sendEntries(f *iface, dsts []netip.AddrPort, version uint8, es []packet.Entry) {
	i.sendMessage(f, dsts, packet.Response, version, es)
}

// sendKey is the key f signs with now: the one in its send lifetime that
// started last, the highest ID among equals.
func (i *Instance) sendKey(f *iface) (KeyConfig, bool) {
	now := i.clock.Now()
	var best KeyConfig
	found := false
	for _, k := range f.keys {
		if !within(now, k.SendStart, k.SendEnd) {
			continue
		}
		if !found || k.SendStart.After(best.SendStart) || (k.SendStart.Equal(best.SendStart) && k.ID > best.ID) {
			best, found = k, true
		}
	}
	return best, found
}

// sendMessage encodes, authenticates and sends one message to dsts.
func (i *Instance) sendMessage(f *iface, dsts []netip.AddrPort, cmd packet.Command, version uint8, es []packet.Entry) {
	m := &i.msg
	m.Command, m.Version, m.Entries = cmd, version, es
	m.Auth = packet.Auth{Data: m.Auth.Data[:0]}
	var key KeyConfig
	switch f.cfg.Auth.Mode {
	case AuthPassword:
		m.Auth.Type, m.Auth.Password = packet.AuthPassword, f.pw
	case AuthCrypto:
		k, ok := i.sendKey(f)
		if !ok {
			i.log.Warn("rip: no key in its send lifetime, not sending", "interface", f.cfg.Name)
			i.stats.SendErrors++
			return
		}
		key = k
		pk := k.key()
		a := pk.Auth(f.seq)
		f.seq++
		a.Data = append(m.Auth.Data[:0], a.Data...)
		m.Auth = a
	}
	b, err := m.AppendBinary(i.buf[:0])
	if err != nil {
		i.log.Error("rip: encode", "err", err)
		i.stats.SendErrors++
		return
	}
	i.buf = b
	if f.cfg.Auth.Mode == AuthCrypto {
		if err := packet.Sign(b, key.key()); err != nil {
			i.log.Error("rip: sign", "err", err)
			i.stats.SendErrors++
			return
		}
	}
	for _, d := range dsts {
		if d.Port() == ripPort {
			err = f.tr.Send(d.Addr(), b)
		} else {
			err = f.tr.SendTo(d, b)
		}
		if err != nil {
			i.stats.SendErrors++
			i.log.Debug("rip: send", "interface", f.cfg.Name, "dst", d, "err", err)
			continue
		}
		i.stats.Sent++
		f.stats.Sent++
	}
}

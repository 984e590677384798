package ospf

import (
	"hash/fnv"
	"net/netip"
	"slices"
	"time"

	"github.com/switchless/routing/internal/loop"
	"github.com/switchless/routing/ospf/packet"
)

// originState is the bookkeeping of LSA origination (§12.4).
type originState struct {
	// dirty asks settle to recompute the self-originated LSAs.
	dirty bool
	// stopping suppresses origination while Stop flushes.
	stopping bool
	// last is when each LSA was last originated, for MinLSInterval.
	last map[packet.LSAKey]time.Time
	// wrap marks LSAs whose MaxSequenceNumber instance is being flushed
	// before a new one starts from InitialSequenceNumber (§12.1.6).
	wrap map[packet.LSAKey]bool
	// deferred fires when an origination held back by MinLSInterval may
	// proceed.
	deferred   loop.Slot
	deferredAt time.Time
	// flags are the router-LSA flags set by other parts of the package
	// (E for an AS boundary router, once redistribution exists).
	flags packet.RouterFlags
	// sources are further providers of self-originated LSAs (such as
	// AS-external-LSAs of redistributed routes). buildSelf includes what
	// they return, headers without age, sequence number or checksum, so
	// originateAll keeps them up to date instead of flushing them as
	// unwanted. They run under the instance mutex.
	sources []func() []packet.LSA
	// stubs are the stub links added with AddStub (announcer.go): prefix
	// to cost.
	stubs map[netip.Prefix]uint16
}

func (o *originState) init() {
	o.stubs = make(map[netip.Prefix]uint16)
	o.last = make(map[packet.LSAKey]time.Time)
	o.wrap = make(map[packet.LSAKey]bool)
}

func (o *originState) wrapPending(k packet.LSAKey) bool {
	if o.wrap[k] {
		delete(o.wrap, k)
		return true
	}
	return false
}

func (o *originState) stop(in *Instance) {
	in.disarm(&o.deferred)
	o.dirty = false
}

// deferUntil arranges for origination to be retried at t.
func (o *originState) deferUntil(in *Instance, t time.Time) {
	if o.deferred.Armed() && !o.deferredAt.After(t) {
		return
	}
	o.deferredAt = t
	in.arm(&o.deferred, t.Sub(in.clock.Now()), func() {
		o.deferredAt = time.Time{}
		o.dirty = true
	})
}

// originateAll brings the self-originated LSAs in line with the router's
// state: the router-LSA (§12.4.1), a network-LSA for every broadcast
// network where it is DR with at least one adjacency (§12.4.2), and a
// flush (§14.1) of any self-originated LSA no longer wanted.
func (in *Instance) originateAll() {
	in.orig.dirty = false
	if in.orig.stopping {
		return
	}
	now := in.clock.Now()
	want := in.buildSelf()
	wanted := make(map[packet.LSAKey]bool, len(want))
	for i := range want {
		wanted[want[i].Header.Key()] = true
		in.originate(&want[i], false)
	}
	for _, k := range in.selfKeys() {
		if wanted[k] {
			continue
		}
		if e := in.db.get(k); e != nil && !e.isMaxAge(now) {
			in.prematureAge(e)
		}
	}
}

// selfKeys returns the keys of the LSAs advertised by this router, sorted.
func (in *Instance) selfKeys() []packet.LSAKey {
	keys := make([]packet.LSAKey, 0, len(in.db.self))
	for k := range in.db.self {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	return keys
}

// buildSelf returns the LSAs this router wants in the database now, with
// headers lacking age, sequence number and checksum.
func (in *Instance) buildSelf() []packet.LSA {
	out := []packet.LSA{in.buildRouterLSA()}
	for _, ifc := range in.ifaces {
		if l, ok := ifc.buildNetworkLSA(); ok {
			out = append(out, l)
		}
	}
	for _, src := range in.orig.sources {
		for _, l := range src() {
			l.Header.AdvRouter = in.rid
			if in.suppressedInOverflow(l.Header.Key()) {
				continue // RFC 1765 §2.3.2: flushed as unwanted
			}
			out = append(out, l)
		}
	}
	return out
}

// buildRouterLSA builds the router-LSA (§12.4.1).
func (in *Instance) buildRouterLSA() packet.LSA {
	l := packet.LSA{Header: packet.LSAHeader{Options: in.options(), Type: packet.LSTypeRouter, ID: in.rid, AdvRouter: in.rid}}
	l.Router.Flags = in.orig.flags
	for _, ifc := range in.ifaces {
		l.Router.Links = ifc.appendLinks(l.Router.Links)
	}
	l.Router.Links = in.appendStubs(l.Router.Links) // AddStub's
	in.applyStub(l.Router.Links)                    // RFC 6987 §2
	return l
}

// appendLinks appends the router-LSA links describing the interface
// (§12.4.1.1 point-to-point, §12.4.1.2 broadcast).
func (ifc *iface) appendLinks(links []packet.RouterLink) []packet.RouterLink {
	cost := ifc.cfg.cost()
	bits := ifc.cfg.Prefix.Bits()
	stub := func() packet.RouterLink {
		if bits == 32 {
			return packet.RouterLink{ID: ifc.addr, Data: packet.Mask(32), Type: packet.LinkStub, Metric: cost}
		}
		return packet.RouterLink{ID: ifc.prefix.Addr(), Data: packet.Mask(bits), Type: packet.LinkStub, Metric: cost}
	}
	switch {
	case ifc.state == IfDown:
		// §12.4.1: nothing for a down interface.
		return links
	case ifc.state == IfLoopback:
		// §12.4.1: a looped-back interface is a host route of cost 0.
		return append(links, packet.RouterLink{ID: ifc.addr, Data: packet.Mask(32), Type: packet.LinkStub, Metric: 0})
	case ifc.cfg.Passive:
		// A passive interface has no neighbors: its network is a stub.
		return append(links, stub())
	case ifc.p2p():
		// §12.4.1.1: a point-to-point link to each Full neighbor...
		var nbrAddr netip.Addr
		for _, n := range ifc.nbrs {
			if n.state == NbrFull {
				links = append(links, packet.RouterLink{ID: n.rid, Data: ifc.addr, Type: packet.LinkPointToPoint, Metric: cost})
			}
			if n.state >= NbrInit && !nbrAddr.IsValid() {
				nbrAddr = n.addr
			}
		}
		// ...and, whatever the neighbor's state, a stub link: the
		// subnet (option 2) or, on a /32, the neighbor's address as a
		// host route (option 1).
		switch {
		case bits < 32:
			links = append(links, stub())
		case nbrAddr.IsValid():
			links = append(links, packet.RouterLink{ID: nbrAddr, Data: packet.Mask(32), Type: packet.LinkStub, Metric: cost})
		}
		return links
	default:
		// §12.4.1.2: a transit link when the router is DR with at least
		// one adjacency or is Full with the DR; otherwise a stub.
		if ifc.state != IfWaiting && ifc.dr.IsValid() {
			transit := false
			for _, n := range ifc.nbrs {
				if n.state == NbrFull && (ifc.state == IfDR || n.addr == ifc.dr) {
					transit = true
					break
				}
			}
			if transit {
				return append(links, packet.RouterLink{ID: ifc.dr, Data: ifc.addr, Type: packet.LinkTransit, Metric: cost})
			}
		}
		return append(links, stub())
	}
}

// buildNetworkLSA builds the network-LSA of a broadcast network on which
// the router is DR and fully adjacent to at least one router (§12.4.2).
func (ifc *iface) buildNetworkLSA() (packet.LSA, bool) {
	if ifc.p2p() || ifc.cfg.Passive || ifc.state != IfDR {
		return packet.LSA{}, false
	}
	var full []netip.Addr
	for _, n := range ifc.nbrs {
		if n.state == NbrFull {
			full = append(full, n.rid)
		}
	}
	if len(full) == 0 {
		return packet.LSA{}, false
	}
	slices.SortFunc(full, netip.Addr.Compare)
	in := ifc.in
	l := packet.LSA{Header: packet.LSAHeader{Options: in.options(), Type: packet.LSTypeNetwork, ID: ifc.addr, AdvRouter: in.rid}}
	l.Network.NetworkMask = packet.Mask(ifc.cfg.Prefix.Bits())
	l.Network.AttachedRouters = append([]netip.Addr{in.rid}, full...)
	return l, true
}

// originate installs and floods a new instance of a self-originated LSA
// (§12.4) if its contents differ from the database copy, or always with
// force. It honours MinLSInterval (§12.4) and the sequence-number wrap of
// §12.1.6.
func (in *Instance) originate(d *packet.LSA, force bool) {
	now := in.clock.Now()
	k := d.Header.Key()
	if in.orig.wrap[k] {
		return // §12.1.6: wait for the old instance to leave
	}
	cur := in.db.get(k)
	d.Header.Age, d.Header.Seq, d.Header.Checksum = 0, 0, 0
	raw, err := d.AppendBinary(nil)
	if err != nil {
		in.log.Error("ospf: encode self-originated LSA", "lsa", k, "err", err)
		return
	}
	if cur != nil && !force && cur.selfMade && !cur.isMaxAge(now) &&
		cur.hdr.Options == d.Header.Options && string(cur.raw[packet.LSAHeaderLen:]) == string(raw[packet.LSAHeaderLen:]) {
		return
	}
	// §12.4: at most one new instance per MinLSInterval. The limit is on
	// how fast this router changes its own LSAs; it does not hold back
	// the §13.4 replacement of an instance this router did not make (one
	// left from before a restart): every router would route on that
	// stale copy until the interval passed.
	if t, ok := in.orig.last[k]; ok && (cur == nil || cur.selfMade) && now.Sub(t) < in.cfg.minLSInterval() {
		in.orig.deferUntil(in, t.Add(in.cfg.minLSInterval()))
		return
	}
	seq := int32(packet.InitialSequenceNumber)
	if cur != nil {
		if cur.hdr.Seq == packet.MaxSequenceNumber {
			// §12.1.6: the sequence space is exhausted: flush the
			// instance and start again once it has left every database.
			if !cur.isMaxAge(now) {
				in.prematureAge(cur)
			}
			in.orig.wrap[k] = true
			return
		}
		if cur.hdr.Seq >= packet.InitialSequenceNumber {
			seq = cur.hdr.Seq + 1
		}
	}
	d.Header.Seq = seq
	raw, err = d.AppendBinary(raw[:0])
	if err != nil {
		in.log.Error("ospf: encode self-originated LSA", "lsa", k, "err", err)
		return
	}
	var l packet.LSA
	if err := l.Decode(raw); err != nil {
		in.log.Error("ospf: decode self-originated LSA", "lsa", k, "err", err)
		return
	}
	e := newEntry(raw, l, now)
	e.selfMade = true
	in.orig.last[k] = now
	if in.debugEnabled() {
		in.log.Debug("ospf: originate", "type", k.Type.String(), "id", k.ID.String(), "seq", seq)
	}
	in.install(e)
	in.flood(e, nil)
}

// refreshJitterMax is how much earlier than LSRefreshTime a
// self-originated LSA may be refreshed: LSAs originated together (a
// thousand redistributed routes at start, every LSA after a restart)
// would otherwise be refreshed together, every 30 minutes, in one burst
// of LS Updates and acknowledgments across the area (FRR spreads its
// refreshes over a minute for the same reason). A tenth of
// LSRefreshTime: three minutes.
const refreshJitterMax = lsRefresh / 10

// refreshJitter is the refresh advance of one instance of a
// self-originated LSA, in [0, refreshJitterMax): a hash of the LSA's key
// and sequence number, so that LSAs originated at the same moment part
// ways, each refresh draws anew, and the same run makes the same
// packets (no random source; the simulation stays deterministic).
func refreshJitter(k packet.LSAKey, seq int32) time.Duration {
	h := fnv.New64a()
	id, adv := k.ID.As4(), k.AdvRouter.As4()
	_, _ = h.Write([]byte{byte(k.Type), id[0], id[1], id[2], id[3], adv[0], adv[1], adv[2], adv[3],
		byte(seq >> 24), byte(seq >> 16), byte(seq >> 8), byte(seq)})
	return time.Duration(h.Sum64() % uint64(refreshJitterMax/time.Second) * uint64(time.Second))
}

// refreshSelf re-originates a self-originated LSA every LSRefreshTime
// (§12.4 "LSRefreshTime"), less its refreshJitter, even unchanged, so
// that it never ages out.
func (in *Instance) refreshSelf(e *dbEntry) {
	if in.orig.stopping {
		return
	}
	for _, d := range in.buildSelf() {
		if d.Header.Key() == e.hdr.Key() {
			in.originate(&d, true)
			return
		}
	}
	if !e.isMaxAge(in.clock.Now()) {
		in.prematureAge(e)
	}
}

// selfOriginatedReceived is §13.4: a neighbor flooded a newer instance of
// an LSA that is ours (left over from before a restart, or a Router ID
// collision). If we still want the LSA, a new instance one sequence
// number past the received one is originated; otherwise the received one
// is flushed.
func (in *Instance) selfOriginatedReceived(e *dbEntry) {
	if in.orig.stopping {
		return
	}
	if e.hdr.AdvRouter == in.rid {
		for _, d := range in.buildSelf() {
			if d.Header.Key() == e.hdr.Key() {
				in.originate(&d, true)
				return
			}
		}
	}
	if !e.isMaxAge(in.clock.Now()) {
		in.prematureAge(e)
	}
}

// flushSelfOriginated flushes every self-originated LSA (§14.1), for Stop.
func (in *Instance) flushSelfOriginated() {
	in.orig.stopping = true
	in.orig.dirty = false
	now := in.clock.Now()
	for _, k := range in.selfKeys() {
		if e := in.db.get(k); e != nil && !e.isMaxAge(now) {
			in.prematureAge(e)
		}
	}
}

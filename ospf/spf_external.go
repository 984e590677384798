package ospf

import (
	"cmp"
	"slices"

	"github.com/switchless/routing/ospf/packet"
)

// This file is the calculation of AS-external routes (RFC 2328 §16.4, with
// the preference rules of §16.4.1) and its incremental form (§16.6): when
// only AS-external-LSAs change, the routes to the destinations they
// describe are recomputed against the last routing table, without a new
// shortest-path tree.

// extLSA is an AS-external-LSA reduced to what §16.4 uses.
type extLSA struct {
	key    packet.LSAKey
	adv    uint32
	dest   pfxKey // Link State ID masked with the network mask
	pid    int32  // dest's number in the prefixTable
	e2     bool   // type 2 metric
	metric uint32
	fwd    uint32
	tag    uint32
}

// extDB indexes the AS-external-LSAs by destination.
type extDB struct {
	byKey  map[packet.LSAKey]*extLSA
	byDest map[pfxKey][]*extLSA
	pfx    *prefixTable
}

func newExtDB(pfx *prefixTable) *extDB {
	return &extDB{byKey: make(map[packet.LSAKey]*extLSA), byDest: make(map[pfxKey][]*extLSA), pfx: pfx}
}

// set installs an AS-external-LSA (not at MaxAge) and returns the
// destinations whose routes it may change (the old and the new one, which
// differ when the network mask changed).
func (x *extDB) set(l *packet.LSA, out []pfxKey) []pfxKey {
	k := l.Header.Key()
	bits, ok := packet.MaskBits(l.External.NetworkMask)
	if !ok {
		return x.drop(k, out) // a non-contiguous mask describes no destination
	}
	dest := makePfxKey(u32Of(k.ID), bits)
	pid := x.pfx.ref(dest) // before drop, so the number is kept
	out = x.drop(k, out)
	e := &extLSA{
		key:    k,
		adv:    u32Of(k.AdvRouter),
		dest:   dest,
		pid:    pid,
		e2:     l.External.E,
		metric: l.External.Metric,
		fwd:    u32Of(l.External.ForwardingAddress),
		tag:    l.External.RouteTag,
	}
	x.byKey[k] = e
	list := append(x.byDest[e.dest], e)
	// Keep a deterministic order: equal paths keep the attributes
	// (tag, forwarding address) of the first LSA.
	slices.SortFunc(list, func(a, b *extLSA) int {
		if c := cmp.Compare(a.adv, b.adv); c != 0 {
			return c
		}
		return a.key.ID.Compare(b.key.ID)
	})
	x.byDest[e.dest] = list
	if len(out) == 0 || out[len(out)-1] != e.dest {
		out = append(out, e.dest)
	}
	return out
}

// drop removes an AS-external-LSA and appends its destination to out.
func (x *extDB) drop(k packet.LSAKey, out []pfxKey) []pfxKey {
	e, ok := x.byKey[k]
	if !ok {
		return out
	}
	delete(x.byKey, k)
	x.pfx.unref(e.pid)
	list := x.byDest[e.dest]
	if i := slices.Index(list, e); i >= 0 {
		list = slices.Delete(list, i, i+1)
	}
	if len(list) == 0 {
		delete(x.byDest, e.dest)
	} else {
		x.byDest[e.dest] = list
	}
	return append(out, e.dest)
}

// externals adds the AS-external routes of every destination to t (§16.4),
// which holds the intra-area routes of a fresh calculation.
func (x *extDB) externals(t *rib, in *spfInput, scratch *[]nexthop) {
	for dest, list := range x.byDest {
		x.route(t, in, dest, list[0].pid, list, scratch)
	}
}

// recompute brings the routes to dests up to date after AS-external-LSAs
// changed (§16.6): a destination with an intra- or inter-area route is
// left alone; otherwise its external route is recalculated from every
// AS-external-LSA describing it. It returns the destinations whose entry
// changed.
func (x *extDB) recompute(t *rib, in *spfInput, dests []pfxKey, scratch *[]nexthop, changed []pfxKey) []pfxKey {
	for _, dest := range dests {
		old := t.get(dest)
		if old != nil && !old.pathType.IsExternal() {
			continue // §16.6: internal routes take precedence
		}
		var before ribEntry
		had := old != nil
		if had {
			before = *old
			t.remove(dest)
		}
		if list := x.byDest[dest]; len(list) > 0 {
			x.route(t, in, dest, list[0].pid, list, scratch)
		}
		now := t.get(dest)
		switch {
		case now == nil && had, now != nil && !had, now != nil && !now.same(t, &before, t):
			changed = append(changed, dest)
		}
	}
	return changed
}

// route calculates the AS-external route to dest from the LSAs describing
// it (§16.4 steps 1–6) and enters it in t.
func (x *extDB) route(t *rib, in *spfInput, dest pfxKey, pid int32, list []*extLSA, scratch *[]nexthop) {
	if e := t.get(dest); e != nil && !e.pathType.IsExternal() {
		// §16.4 step 6: intra- and inter-area paths are always
		// preferred over external ones.
		return
	}
	maxPaths := max(in.maxPaths, 1)
	var best ribEntry
	var bestNH []nexthop
	found := false
	for _, l := range list {
		// Step 1: a cost of LSInfinity describes no route.
		if l.metric >= lsInfinity {
			continue
		}
		// Step 2: our own AS-external-LSAs are not used.
		if l.adv == in.root {
			continue
		}
		// Step 3: the ASBR must be reachable; with a forwarding address,
		// the path goes to that address instead, which an intra- or
		// inter-area route must cover.
		asbr, ok := t.routers[l.adv]
		if !ok || asbr.flags&packet.RouterFlagE == 0 {
			continue
		}
		var x uint32
		var nh []nexthop
		if l.fwd == 0 {
			x, nh = asbr.cost, t.nhs(asbr.hops)
		} else {
			if in.isOwnAddr(l.fwd) {
				continue // forwarding to ourselves would loop
			}
			fe := t.match(l.fwd, func(e *ribEntry) bool { return !e.pathType.IsExternal() })
			if fe == nil {
				continue
			}
			x = fe.cost
			*scratch = (*scratch)[:0]
			for _, h := range t.nhs(fe.hops) {
				// A forwarding address on an attached network is itself
				// the gateway.
				if h.gw == 0 {
					h.gw = l.fwd
				}
				*scratch = append(*scratch, h)
			}
			nh = sortNH(*scratch)
		}
		if len(nh) == 0 {
			continue
		}
		// Step 4: type 1 cost is X+Y; type 2 keeps X and Y apart.
		cand := ribEntry{key: dest, pid: pid, adv: l.adv, fwd: l.fwd, tag: l.tag}
		if l.e2 {
			cand.pathType, cand.cost, cand.cost2 = PathExternal2, x, l.metric
		} else {
			cand.pathType, cand.cost = PathExternal1, x+l.metric
		}
		if !found {
			best, found = cand, true
			bestNH = append(bestNH[:0], nh[:min(len(nh), maxPaths)]...)
			continue
		}
		// Steps 5–6: keep the preferred path; equal paths (through
		// several ASBRs or forwarding addresses) add their next hops.
		// §16.4.1 prefers intra-area paths through non-backbone areas
		// when RFC1583Compatibility is off; with the backbone as the
		// only area every ASBR path is a backbone path, so no rule
		// separates them.
		switch c := compareExternal(&cand, &best); {
		case c < 0:
			best = cand
			bestNH = append(bestNH[:0], nh[:min(len(nh), maxPaths)]...)
		case c == 0:
			bestNH = mergeNH(nil, bestNH, nh, maxPaths)
		}
	}
	if !found {
		return
	}
	best.hops = t.intern(bestNH)
	t.put(best)
}

// compareExternal orders two external paths to one destination (§16.4 step
// 6): type 1 before type 2; type 1 paths by cost; type 2 paths by type 2
// cost, then by the cost to the ASBR or forwarding address.
func compareExternal(a, b *ribEntry) int {
	if a.pathType != b.pathType {
		return cmp.Compare(a.pathType, b.pathType)
	}
	if a.pathType == PathExternal2 {
		if c := cmp.Compare(a.cost2, b.cost2); c != 0 {
			return c
		}
	}
	return cmp.Compare(a.cost, b.cost)
}

// isOwnAddr reports whether a is the address of one of our interfaces.
func (in *spfInput) isOwnAddr(a uint32) bool {
	for i := range in.ifaces {
		if in.ifaces[i].addr == a {
			return true
		}
	}
	return false
}

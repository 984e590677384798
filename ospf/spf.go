package ospf

import (
	"math/bits"
	"net/netip"
	"slices"

	"github.com/switchless/routing/ospf/packet"
)

// This file is the intra-area shortest-path calculation of RFC 2328 §16.1
// with the next hops of §16.1.1. The area's router- and network-LSAs are
// compiled into a graph (topology) as they change, so that a calculation
// walks plain slices and 32-bit identifiers instead of decoding LSAs. The
// calculation is per area: inter-area (§16.2, §16.3) routes would be added
// to the same routing table after every area's tree is built; only the
// backbone exists today.

// lsInfinity is LSInfinity for 24-bit metrics (RFC 2328 Appendix B).
const lsInfinity = 0xffffff

// DefaultMaxPaths is the number of equal-cost next hops kept per
// destination when Config.MaxPaths is zero.
const DefaultMaxPaths = 16

// spfIface is one interface of the calculating router as the SPF needs it:
// the outgoing interface of next hops (§16.1.1) is found from the Link Data
// of the root's router-LSA links, which is the interface address.
type spfIface struct {
	name    string
	ifIndex int
	addr    uint32 // interface address
	bits    int    // prefix length
}

// contains reports whether a is on the interface's subnet.
func (f *spfIface) contains(a uint32) bool {
	m := maskOf(f.bits)
	return a&m == f.addr&m
}

// spfState is the scratch space of one calculation, reused across runs.
type spfState struct {
	vs      []vstate
	marks   []uint8        // per vertex: markNone, markCandidate or markTree
	buckets [65][]heapItem // radix heap of candidates
	last    uint64         // last priority popped
	size    int            // candidates in the heap
	arena   []nexthop      // next-hop sets of the vertices; append-only in a run
	tmp     []nexthop
	merge   []nexthop
}

// vstate is the per-vertex state of a calculation, kept together so that
// touching a vertex touches one cache line. It is valid only for vertices
// whose mark is not markNone. The marks are a separate byte array, small
// enough to stay in the L1 cache: most links examined lead to a vertex
// already on the tree (§16.1 step 2b), which the mark alone tells.
type vstate struct {
	dist  uint32
	nhOff int32  // next-hop set: arena[nhOff:nhOff+nhLen]
	nhLen uint16 //
}

const (
	markNone uint8 = iota
	markCandidate
	markTree
)

// heapItem orders candidates (§16.1 step 3): least distance first, and at
// equal distance networks before routers, so that transit networks are
// on the tree before the routers behind them. The order among vertices of
// equal distance and kind does not change the result: next-hop sets are
// unions, truncated to the lowest entries.
type heapItem struct {
	prio uint64
	v    int32
	net  bool // v is a network (the priority's low bit may be raised)
}

func prioOf(dist uint32, network bool, v int32) uint64 {
	k := uint64(1)
	if network {
		k = 0
	}
	return uint64(dist)<<1 | k
}

func (s *spfState) reset(n int) {
	s.vs = slices.Grow(s.vs[:0], n)[:n]
	s.marks = slices.Grow(s.marks[:0], n)[:n]
	clear(s.marks)
	for i := range s.buckets {
		s.buckets[i] = s.buckets[i][:0]
	}
	s.last, s.size = 0, 0
	s.arena = s.arena[:0]
}

func (s *spfState) nh(v int32) []nexthop {
	st := &s.vs[v]
	return s.arena[st.nhOff : st.nhOff+int32(st.nhLen)]
}

// setNH gives v a copy of nh.
func (s *spfState) setNH(v int32, nh []nexthop) {
	st := &s.vs[v]
	st.nhOff = int32(len(s.arena))
	st.nhLen = uint16(len(nh))
	s.arena = append(s.arena, nh...)
}

// shareNH gives v the same next-hop set as from: sets are never modified
// once in the arena, so inheriting a parent's hops (§16.1.1) copies
// nothing.
func (s *spfState) shareNH(v, from int32) {
	s.vs[v].nhOff, s.vs[v].nhLen = s.vs[from].nhOff, s.vs[from].nhLen
}

// The candidate list is a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan):
// Dijkstra pops priorities in non-decreasing order, so items can be kept
// in buckets by the highest bit in which they differ from the last one
// popped. It has lazy deletion: a shorter path to a candidate pushes it
// again, and the stale item is skipped when popped. A priority below the
// last one popped (a zero-cost link to a vertex of lower index, or to a
// network from a router) is raised to it, which pops it next, as §16.1
// step 3 wants for networks at equal distance.

func radixBucket(k, last uint64) int {
	if k == last {
		return 0
	}
	return bits.Len64(k ^ last)
}

func (s *spfState) push(v int32, prio uint64, net bool) {
	if prio < s.last {
		prio = s.last
	}
	b := radixBucket(prio, s.last)
	s.buckets[b] = append(s.buckets[b], heapItem{prio, v, net})
	s.size++
}

// pop removes a least item and returns it; the heap must not be empty.
func (s *spfState) pop() heapItem {
	if len(s.buckets[0]) == 0 {
		i := 1
		for len(s.buckets[i]) == 0 {
			i++
		}
		b := s.buckets[i]
		m := b[0].prio
		for _, it := range b[1:] {
			m = min(m, it.prio)
		}
		s.last = m
		for _, it := range b {
			j := radixBucket(it.prio, m)
			s.buckets[j] = append(s.buckets[j], it)
		}
		s.buckets[i] = b[:0]
	}
	b := s.buckets[0]
	it := b[len(b)-1]
	s.buckets[0] = b[:len(b)-1]
	s.size--
	return it
}

// mergeNH returns the union of two sorted next-hop sets, sorted, without
// duplicates, and truncated to max entries.
func mergeNH(dst, a, b []nexthop, max int) []nexthop {
	dst = dst[:0]
	i, j := 0, 0
	for (i < len(a) || j < len(b)) && len(dst) < max {
		switch {
		case j == len(b):
			dst = append(dst, a[i])
			i++
		case i == len(a):
			dst = append(dst, b[j])
			j++
		default:
			switch c := compareNH(a[i], b[j]); {
			case c < 0:
				dst = append(dst, a[i])
				i++
			case c > 0:
				dst = append(dst, b[j])
				j++
			default:
				dst = append(dst, a[i])
				i++
				j++
			}
		}
	}
	return dst
}

// sortNH sorts a small next-hop set and removes duplicates.
func sortNH(nh []nexthop) []nexthop {
	slices.SortFunc(nh, compareNH)
	return slices.Compact(nh)
}

// spfInput is what a calculation needs besides the graph.
type spfInput struct {
	root     uint32     // the calculating router's Router ID
	area     netip.Addr // the area (the backbone)
	ifaces   []spfIface // the calculating router's interfaces
	maxPaths int        // ECMP limit, ≥ 1
}

// ifaceByData returns the root interface a link of the root's router-LSA
// leaves through: the one whose address is the Link Data (§12.4.1), or,
// for unnumbered links, whose ifIndex is.
func (in *spfInput) ifaceByData(data uint32) int32 {
	for i := range in.ifaces {
		if in.ifaces[i].addr == data {
			return int32(i)
		}
	}
	for i := range in.ifaces {
		if in.ifaces[i].ifIndex != 0 && uint32(in.ifaces[i].ifIndex) == data {
			return int32(i)
		}
	}
	return -1
}

// ifaceFor returns the root interface whose subnet holds addr.
func (in *spfInput) ifaceFor(addr uint32) int32 {
	best, bestBits := int32(-1), -1
	for i := range in.ifaces {
		f := &in.ifaces[i]
		if f.contains(addr) && f.bits > bestBits {
			best, bestBits = int32(i), f.bits
		}
	}
	return best
}

// backLink looks in w's links for one of type typ towards id (§16.1 step
// 2b, the bidirectional check) and returns its Link Data. When ifc is not
// nil, a link whose Link Data lies on ifc's subnet is preferred (parallel
// point-to-point links between the same two routers).
func backLink(w *vertex, typ packet.LinkType, id uint32, ifc *spfIface) (uint32, bool) {
	found, data := false, uint32(0)
	for k := range w.links {
		lk := &w.links[k]
		if lk.typ != typ || lk.id != id {
			continue
		}
		if ifc == nil || ifc.contains(lk.data) {
			return lk.data, true
		}
		if !found {
			found, data = true, lk.data
		}
	}
	return data, found
}

// attached reports whether network vertex n lists router rid.
func attached(n *vertex, rid uint32) bool {
	for k := range n.links {
		if n.links[k].id == rid {
			return true
		}
	}
	return false
}

// calculate runs §16.1 over the graph and returns the intra-area routing
// table: network entries for transit networks (stage 1) and stub networks
// (stage 2), and router entries for area border and AS boundary routers.
// dst, when not nil, is a table whose storage is reused.
func (t *topology) calculate(s *spfState, in *spfInput, dst *rib) *rib {
	maxPaths := max(in.maxPaths, 1)
	t.dijkstra(s, in, maxPaths)
	if dst == nil {
		dst = newRIB(t.pfx, in.ifaces, in.area)
	} else {
		dst.reset(in.ifaces, in.area)
	}
	t.fillRIB(s, in, dst, maxPaths)
	return dst
}

// dijkstra builds the shortest-path tree (§16.1 stage 1) with next hops
// (§16.1.1) into s. It walks the resolved graph (topology.adj) whose links
// already passed the bidirectional check of step 2b; only the root's links
// are resolved afresh, since their next hops depend on the interfaces.
func (t *topology) dijkstra(s *spfState, in *spfInput, maxPaths int) {
	s.reset(len(t.verts))
	ri, ok := t.routers[in.root]
	if !ok {
		return // no router-LSA of our own yet: an empty tree
	}
	t.buildAdj()
	// §16.1 step 1: the tree starts as the root alone.
	s.vs[ri] = vstate{}
	s.marks[ri] = markCandidate
	s.push(ri, prioOf(0, false, ri), false)
	for s.size > 0 {
		top := s.pop()
		vi := top.v
		vs := &s.vs[vi]
		if s.marks[vi] == markTree || uint32(top.prio>>1) != vs.dist {
			continue // stale: a shorter path pushed it again
		}
		s.marks[vi] = markTree
		dv := vs.dist
		if vi == ri {
			t.relaxRoot(s, in, ri, maxPaths)
			continue
		}
		// §16.1 step 2: examine the links of the vertex just added.
		vnet := top.net
		// §16.1.1: routers behind a network inherit its next hops unless
		// the network is directly attached to the root.
		direct := vnet && hasDirect(s.nh(vi))
		sg := t.adjSeg[vi]
		for _, a := range t.adj[sg.off:sg.end] {
			wi := a.to
			// Step 2b: vertices already on the tree are done.
			wm := s.marks[wi]
			if wm == markTree {
				continue
			}
			dw, wnet := dv, false
			if !vnet {
				dw += a.w &^ alinkNet
				wnet = a.w&alinkNet != 0
			}
			// Step 2d: a longer path than the candidate's is no use.
			if wm == markCandidate && dw > s.vs[wi].dist {
				continue
			}
			if !direct {
				// The next hops are the parent's own set.
				s.relaxShared(wi, vi, dw, wnet, maxPaths)
				continue
			}
			s.relax(wi, dw, wnet, s.hopsBehind(vi, a.w), maxPaths)
		}
	}
}

// relaxRoot examines the root's own links (§16.1 step 2 for the root),
// resolving each with the interface it leaves by.
func (t *topology) relaxRoot(s *spfState, in *spfInput, ri int32, maxPaths int) {
	v := &t.verts[ri]
	for k := range v.links {
		lk := &v.links[k]
		var f *spfIface
		ifc := in.ifaceByData(lk.data)
		if ifc >= 0 {
			f = &in.ifaces[ifc]
		}
		wi, addrOnNet, ok := t.resolve(v, lk, f)
		if !ok {
			continue
		}
		wm := s.marks[wi]
		if wm == markTree {
			continue
		}
		dw := uint32(lk.cost)
		if wm == markCandidate && dw > s.vs[wi].dist {
			continue
		}
		s.relax(wi, dw, t.verts[wi].kind == vxNetwork, s.rootHops(lk, ifc, addrOnNet), maxPaths)
	}
}

// relax offers candidate wi a path of cost dw with next hops nh (§16.1
// step 2d): a new candidate or a shorter path takes these next hops only,
// an equal-cost one adds them (ECMP).
func (s *spfState) relax(wi int32, dw uint32, wnet bool, nh []nexthop, maxPaths int) {
	ws := &s.vs[wi]
	if s.marks[wi] == markNone || dw < ws.dist {
		s.setNH(wi, nh)
		ws.dist, s.marks[wi] = dw, markCandidate
		s.push(wi, prioOf(dw, wnet, wi), wnet)
		return
	}
	s.merge = mergeNH(s.merge, s.nh(wi), nh, maxPaths)
	if !slices.Equal(s.merge, s.nh(wi)) {
		s.setNH(wi, s.merge)
	}
}

// relaxShared is relax with vi's own next-hop set, which is shared rather
// than copied.
func (s *spfState) relaxShared(wi, vi int32, dw uint32, wnet bool, maxPaths int) {
	ws, vs := &s.vs[wi], &s.vs[vi]
	if s.marks[wi] == markNone || dw < ws.dist {
		s.shareNH(wi, vi)
		ws.dist, s.marks[wi] = dw, markCandidate
		s.push(wi, prioOf(dw, wnet, wi), wnet)
		return
	}
	if ws.nhOff == vs.nhOff && ws.nhLen == vs.nhLen {
		return // the same set: the union adds nothing
	}
	s.merge = mergeNH(s.merge, s.nh(wi), s.nh(vi), maxPaths)
	if !slices.Equal(s.merge, s.nh(wi)) {
		s.setNH(wi, s.merge)
	}
}

// resolve finds the vertex a link leads to and applies the bidirectional
// check of §16.1 step 2b. It returns the far vertex (-1 when there is
// none), and, for a router reached from a network or over a
// point-to-point link, the Link Data of its link back (its address on the
// link). ifc, for the root's links, prefers the back link on that
// interface's subnet.
func (t *topology) resolve(v *vertex, lk *vlink, ifc *spfIface) (int32, uint32, bool) {
	switch {
	case v.kind == vxNetwork:
		// A network's links are its attached routers; each must list the
		// network back with a transit link.
		wi, ok := t.routers[lk.id]
		if !ok {
			return -1, 0, false
		}
		back, ok := backLink(&t.verts[wi], packet.LinkTransit, v.id, nil)
		return wi, back, ok
	case lk.typ == packet.LinkPointToPoint:
		wi, ok := t.routers[lk.id]
		if !ok {
			return -1, 0, false
		}
		back, ok := backLink(&t.verts[wi], packet.LinkPointToPoint, v.id, ifc)
		return wi, back, ok
	case lk.typ == packet.LinkTransit:
		// The network must list the router among its attached routers.
		wi, ok := t.network(lk.id)
		if !ok {
			return -1, 0, false
		}
		return wi, 0, attached(&t.verts[wi], v.id)
	}
	return -1, 0, false
}

// rootHops returns the next hop of a vertex reached over one of the
// root's own links (§16.1.1): the outgoing interface is the one the link
// leaves by. A network is directly attached (no gateway); a router over a
// point-to-point link is reached at its address on the link, the Link
// Data of its link back to us.
func (s *spfState) rootHops(lk *vlink, ifc int32, addrOnNet uint32) []nexthop {
	s.tmp = s.tmp[:0]
	if ifc < 0 {
		return s.tmp // no such interface (yet): no usable hop
	}
	if lk.typ == packet.LinkPointToPoint && !looksUnnumbered(addrOnNet) {
		s.tmp = append(s.tmp, nexthop{ifc: ifc, gw: addrOnNet})
	} else {
		s.tmp = append(s.tmp, nexthop{ifc: ifc})
	}
	return s.tmp
}

// hopsBehind returns, sorted, the next hops of a router reached through
// network vi, which is directly attached to the root (§16.1.1): the
// router's own address on the network, addrOnNet, is the gateway of the
// network's direct hops; hops the network inherited from a router stay.
func (s *spfState) hopsBehind(vi int32, addrOnNet uint32) []nexthop {
	s.tmp = s.tmp[:0]
	for _, h := range s.nh(vi) {
		if h.gw == 0 {
			h.gw = addrOnNet
		}
		s.tmp = append(s.tmp, h)
	}
	if len(s.tmp) > 1 {
		s.tmp = sortNH(s.tmp)
	}
	return s.tmp
}

// fillRIB turns the tree into routing table entries: transit networks
// (§16.1 step 2 and the routing table update of step 4), routers with the
// B or E bit, and stub networks (§16.1 stage 2). Entries do not depend on
// the order vertices are visited in (costs are minima, next hops unions,
// the Link State Origin of equal paths the lowest router), so vertices are
// walked in memory order.
func (t *topology) fillRIB(s *spfState, in *spfInput, dst *rib, maxPaths int) {
	ri, ok := t.routers[in.root]
	if !ok {
		return
	}
	for vi := range int32(len(t.verts)) {
		if s.marks[vi] != markTree {
			continue
		}
		v := &t.verts[vi]
		d := s.vs[vi].dist
		switch v.kind {
		case vxRouter:
			if vi != ri && v.flags&(packet.RouterFlagB|packet.RouterFlagE) != 0 {
				dst.routers[v.id] = routerPath{flags: v.flags, cost: d, hops: dst.intern(s.nh(vi))}
			}
		case vxNetwork:
			nh := s.nh(vi)
			dst.addIntra(v.net, d, v.adv, hasDirect(nh), dst.intern(nh), maxPaths, &s.merge)
		}
	}
	// Stage 2: stub networks.
	for vi := range int32(len(t.verts)) {
		v := &t.verts[vi]
		if v.kind != vxRouter || len(v.stubs) == 0 || s.marks[vi] != markTree {
			continue
		}
		d := s.vs[vi].dist
		if vi != ri {
			// Every stub of a router shares its next-hop set.
			vnh := dst.intern(s.nh(vi))
			for _, st := range v.stubs {
				dst.addIntra(st.pid, d+uint32(st.cost), v.id, false, vnh, maxPaths, &s.merge)
			}
			continue
		}
		// Stubs of our own router-LSA: attached to one of our interfaces
		// (or a loopback address), routed by the kernel.
		for _, st := range v.stubs {
			s.tmp = s.tmp[:0]
			key := t.pfx.keys[st.pid]
			if ifc := in.ifaceFor(key.addr()); ifc >= 0 && in.ifaces[ifc].bits <= key.bits() {
				s.tmp = append(s.tmp, nexthop{ifc: ifc})
			}
			dst.addIntra(st.pid, d+uint32(st.cost), v.id, true, dst.intern(s.tmp), maxPaths, &s.merge)
		}
	}
}

// looksUnnumbered reports whether a point-to-point link's Link Data is an
// interface index (an unnumbered link, §12.4.1.1) rather than an address:
// indexes are small numbers, addresses in 0.0.0.0/8 are not usable.
func looksUnnumbered(data uint32) bool { return data < 1<<24 }

func hasDirect(nh []nexthop) bool {
	for _, h := range nh {
		if h.gw == 0 {
			return true
		}
	}
	return false
}

// addIntra records an intra-area path to key: a new entry, a better one
// replacing the old, or an equal-cost one adding its next hops (§16.1
// stage 2). nh is interned in t.
func (t *rib) addIntra(pid int32, cost, adv uint32, connected bool, nh nhRef, maxPaths int, scratch *[]nexthop) {
	if int(nh.n) > maxPaths {
		nh.n = uint16(maxPaths)
	}
	if i := t.byPid[pid]; i > 0 {
		e := &t.ents[i-1]
		switch {
		case cost > e.cost:
		case cost == e.cost:
			*scratch = mergeNH(*scratch, t.nhs(e.hops), t.nhs(nh), maxPaths)
			if !slices.Equal(*scratch, t.nhs(e.hops)) {
				e.hops = t.intern(*scratch)
			}
			e.connected = e.connected || connected
			e.adv = min(e.adv, adv)
		default:
			*e = ribEntry{key: e.key, pid: pid, pathType: PathIntraArea, connected: connected, cost: cost, adv: adv, hops: nh}
		}
		return
	}
	t.pfx.refID(pid)
	t.ents = append(t.ents, ribEntry{key: t.pfx.keys[pid], pid: pid, pathType: PathIntraArea, connected: connected, cost: cost, adv: adv, hops: nh})
	t.byPid[pid] = int32(len(t.ents))
}

// routeCalc is an instance's routing table calculation: the area graph,
// the AS-external-LSAs, scratch space, and the table of the last
// calculation. It is fed database changes one at a time and decides what
// each needs: a router- or network-LSA change needs a new tree (§16.1); an
// AS-external-LSA change needs only its destination recomputed (§16.6).
type routeCalc struct {
	pfx   *prefixTable
	topo  *topology
	ext   *extDB
	st    spfState
	in    spfInput
	cur   *rib // table of the last calculation (nil before the first)
	spare *rib // storage of an older table, reused by the next full run
	// dirtyExt are destinations whose AS-external-LSAs changed since the
	// last calculation; needFull is set by graph changes.
	dirtyExt []pfxKey
	needFull bool
	scratch  []nexthop
	fullRuns uint64
	extRuns  uint64
}

func newRouteCalc(in spfInput) *routeCalc {
	if in.maxPaths <= 0 {
		in.maxPaths = DefaultMaxPaths
	}
	pfx := newPrefixTable()
	return &routeCalc{topo: newTopology(pfx), ext: newExtDB(pfx), pfx: pfx, in: in, needFull: true}
}

// lsa feeds one database change: l is the LSA as now installed, or nil
// when key left the database or reached MaxAge (§16.1 uses no MaxAge
// LSA). It reports whether the change needs a full calculation.
func (c *routeCalc) lsa(key packet.LSAKey, l *packet.LSA) bool {
	switch key.Type {
	case packet.LSTypeRouter, packet.LSTypeNetwork:
		var changed bool
		if l != nil {
			changed = c.topo.set(l)
		} else {
			changed = c.topo.remove(key)
		}
		c.needFull = c.needFull || changed
		return changed
	case packet.LSTypeASExternal:
		if l != nil {
			c.dirtyExt = c.ext.set(l, c.dirtyExt)
		} else {
			c.dirtyExt = c.ext.drop(key, c.dirtyExt)
		}
	}
	// Summary-LSAs (§16.2, §16.3) would be handled here once other areas
	// exist; NSSA and opaque LSAs do not enter this calculation.
	return false
}

// full runs the whole calculation: the tree and intra-area routes (§16.1),
// then every AS-external route (§16.4). It returns the previous table
// (nil the first time) and the new one; the previous table stays valid
// until the next call to full.
func (c *routeCalc) full() (old, cur *rib) {
	old = c.cur
	next := c.topo.calculate(&c.st, &c.in, c.spare)
	c.ext.externals(next, &c.in, &c.scratch)
	c.spare = old
	c.cur = next
	c.needFull = false
	c.dirtyExt = c.dirtyExt[:0]
	c.fullRuns++
	return old, next
}

// externalsOnly recomputes the destinations of the AS-external-LSAs that
// changed since the last calculation (§16.6), patching the current table,
// and returns the destinations whose entry changed. Before the first full
// calculation there is nothing to patch.
func (c *routeCalc) externalsOnly() []pfxKey {
	if c.cur == nil || len(c.dirtyExt) == 0 {
		c.dirtyExt = c.dirtyExt[:0]
		return nil
	}
	slices.Sort(c.dirtyExt)
	dests := slices.Compact(c.dirtyExt)
	changed := c.ext.recompute(c.cur, &c.in, dests, &c.scratch, nil)
	c.dirtyExt = c.dirtyExt[:0]
	c.extRuns++
	return changed
}

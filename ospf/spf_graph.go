package ospf

import (
	"slices"

	"github.com/switchless/routing/ospf/packet"
)

// The area graph the shortest-path calculation walks: router- and
// network-LSAs compiled into vertices and links as they change (RFC 2328
// §16.1), with the far end of each link resolved once and cached until
// either end changes.

type vertexKind uint8

const (
	vxFree    vertexKind = iota // slot unused
	vxRouter                    // a router-LSA
	vxNetwork                   // a network-LSA (a transit network)
)

// vlink is a link of a vertex towards another vertex. For a router it is a
// point-to-point or transit link of its router-LSA; for a network it is an
// attached router of its network-LSA (typ 0, cost 0 as §16.1 step 2 says).
type vlink struct {
	typ  packet.LinkType
	id   uint32 // Link ID: neighbor Router ID, or the DR's interface address
	data uint32 // Link Data: the router's interface address (or ifIndex)
	cost uint16 // TOS 0 metric

	// The far end as last resolved, cached across calculations: the
	// vertex (-1 none), whether it passed the bidirectional check, and
	// its Link Data back. stamp says when the answer was computed: the
	// far vertex's ver, or the topology's structGen when there was no
	// far vertex; 0 means not cached.
	to    int32
	ok    bool
	toNet bool // the far vertex is a network
	back  uint32
	stamp uint64
}

// alink is a link of the resolved graph the calculation walks (see
// topology.adj): one that passed the bidirectional check of §16.1 step 2b,
// with its far vertex. w depends on the vertex the link belongs to: for a
// router it is the TOS 0 metric, with alinkNet set when the far vertex is a
// network; for a network (whose links lead to routers at cost 0) it is
// the far router's Link Data back, its address on the network (§16.1.1).
// Eight bytes, so that the links of eight vertices of degree 4 fill a few
// cache lines instead of one line per link.
type alink struct {
	to int32
	w  uint32
}

const alinkNet = 1 << 31

// vstub is a stub link of a router-LSA (§16.1 stage 2): its destination's
// number in the prefixTable, and its cost.
type vstub struct {
	pid  int32
	cost uint16
}

// vertex is one node of the area graph (§16.1).
type vertex struct {
	kind  vertexKind
	id    uint32 // Router ID, or the network-LSA's Link State ID
	adv   uint32 // advertising router
	flags packet.RouterFlags
	net   int32 // a network's prefix, numbered in the prefixTable
	// sameID chains network vertices sharing a Link State ID (a DR
	// change can leave two for a while); -1 ends the chain.
	sameID int32
	links  []vlink
	stubs  []vstub
}

// topology is an area's graph compiled from its router- and network-LSAs.
type topology struct {
	verts []vertex
	// vers holds, for each vertex, the topology's gen when it last
	// changed (or was released): cached link resolutions towards it
	// compare it. A separate array, so the check stays in cache.
	vers    []uint64
	free    []int32
	routers map[uint32]int32 // Router ID → vertex
	nets    map[netID]int32  // (Link State ID, advertising router) → vertex
	netHead map[uint32]int32 // Link State ID → first vertex of the sameID chain
	pfx     *prefixTable     // numbers of the destinations stubs and networks name
	// gen counts changes; structGen counts vertices added or removed.
	gen       uint64
	structGen uint64

	// adj is the graph as the calculation walks it: for each vertex a
	// region of adj with room for all of its links, whose first ones,
	// adj[adjSeg[i].off:adjSeg[i].end], are the links that resolved
	// (§16.1 step 2b), in router-/network-LSA order. One flat array of
	// 8-byte links instead of the 40-byte vlinks scattered per vertex
	// keeps Dijkstra's link traversal in few cache lines and free of
	// per-link cache checks. adjTo holds, slot for slot, the vertex each
	// link resolved to (-1 none), to find the regions a change makes
	// stale. adj is brought up to date by buildAdj.
	adj    []alink
	adjTo  []int32
	adjSeg []adjSeg
	// The state adj was built at: gen, structGen and the vertex count.
	// adjFixed says that every link's resolution was cached (no link
	// into a chain of network-LSAs sharing a Link State ID).
	adjGen, adjStruct uint64
	adjN              int
	adjOK, adjFixed   bool
	adjDirty          []int32 // scratch of patchAdj
}

// adjSeg is a vertex's region of topology.adj: it starts at off, its
// resolved links end at end, and it has room for room links.
type adjSeg struct {
	off, end, room int32
}

type netID struct{ id, adv uint32 }

func newTopology(pfx *prefixTable) *topology {
	return &topology{
		routers: make(map[uint32]int32),
		nets:    make(map[netID]int32),
		netHead: make(map[uint32]int32),
		pfx:     pfx,
	}
}

func (t *topology) alloc() int32 {
	if n := len(t.free); n > 0 {
		i := t.free[n-1]
		t.free = t.free[:n-1]
		return i
	}
	t.verts = append(t.verts, vertex{})
	t.vers = append(t.vers, 0)
	return int32(len(t.verts) - 1)
}

func (t *topology) release(i int32) {
	v := &t.verts[i]
	t.unrefPrefixes(v)
	*v = vertex{links: v.links[:0], stubs: v.stubs[:0], net: -1}
	t.free = append(t.free, i)
}

// unrefPrefixes drops the vertex's references to destination numbers.
func (t *topology) unrefPrefixes(v *vertex) {
	for _, st := range v.stubs {
		t.pfx.unref(st.pid)
	}
	if v.net >= 0 {
		t.pfx.unref(v.net)
	}
}

// set compiles a router- or network-LSA into the graph, replacing the
// previous instance, and reports whether it was one of those types. The
// caller passes only LSAs that are not at MaxAge (§16.1 ignores those).
func (t *topology) set(l *packet.LSA) bool {
	h := &l.Header
	var idx int32
	switch h.Type {
	case packet.LSTypeRouter:
		rid := u32Of(h.AdvRouter)
		if h.ID != h.AdvRouter {
			// §12.4.1: a router-LSA's Link State ID is its originator's
			// Router ID; anything else cannot be a vertex.
			return false
		}
		i, ok := t.routers[rid]
		if !ok {
			i = t.alloc()
			t.routers[rid] = i
			t.structGen++
		}
		idx = i
		v := &t.verts[i]
		if !ok {
			v.net = -1
		}
		v.kind, v.id, v.adv, v.flags, v.sameID = vxRouter, rid, rid, l.Router.Flags, -1
		// New references are taken before the old ones are dropped, so
		// an unchanged stub keeps its number.
		oldStubs := v.stubs
		v.links, v.stubs = v.links[:0], nil
		for k := range l.Router.Links {
			lk := &l.Router.Links[k]
			switch lk.Type {
			case packet.LinkPointToPoint, packet.LinkTransit:
				v.links = append(v.links, vlink{typ: lk.Type, id: u32Of(lk.ID), data: u32Of(lk.Data), cost: lk.Metric, to: -1})
			case packet.LinkStub:
				if bits, ok := packet.MaskBits(lk.Data); ok {
					v.stubs = append(v.stubs, vstub{pid: t.pfx.ref(makePfxKey(u32Of(lk.ID), bits)), cost: lk.Metric})
				}
			}
			// Virtual links (type 4) join the backbone through a transit
			// area (§15); with the backbone as the only area there are
			// none to follow.
		}
		for _, st := range oldStubs {
			t.pfx.unref(st.pid)
		}
	case packet.LSTypeNetwork:
		key := netID{u32Of(h.ID), u32Of(h.AdvRouter)}
		i, ok := t.nets[key]
		if !ok {
			i = t.alloc()
			t.nets[key] = i
			t.structGen++
			v := &t.verts[i]
			v.sameID, v.net = -1, -1
			if head, ok := t.netHead[key.id]; ok {
				v.sameID = head
			}
			t.netHead[key.id] = i
		}
		idx = i
		v := &t.verts[i]
		v.kind, v.id, v.adv, v.flags = vxNetwork, key.id, key.adv, 0
		bits, ok := packet.MaskBits(l.Network.NetworkMask)
		if !ok {
			bits = 32
		}
		oldNet := v.net
		v.net = t.pfx.ref(makePfxKey(key.id, bits))
		if oldNet >= 0 {
			t.pfx.unref(oldNet)
		}
		v.links, v.stubs = v.links[:0], v.stubs[:0]
		for _, r := range l.Network.AttachedRouters {
			v.links = append(v.links, vlink{id: u32Of(r), to: -1})
		}
	default:
		return false
	}
	t.gen++
	t.vers[idx] = t.gen
	return true
}

// remove drops the vertex of a router- or network-LSA that was flushed or
// reached MaxAge, and reports whether there was one.
func (t *topology) remove(k packet.LSAKey) bool {
	switch k.Type {
	case packet.LSTypeRouter:
		rid := u32Of(k.AdvRouter)
		i, ok := t.routers[rid]
		if !ok || k.ID != k.AdvRouter {
			return false
		}
		delete(t.routers, rid)
		t.gen++
		t.vers[i] = t.gen
		t.release(i)
	case packet.LSTypeNetwork:
		key := netID{u32Of(k.ID), u32Of(k.AdvRouter)}
		i, ok := t.nets[key]
		if !ok {
			return false
		}
		delete(t.nets, key)
		// Unlink i from its Link State ID chain.
		next := t.verts[i].sameID
		if head := t.netHead[key.id]; head == i {
			if next < 0 {
				delete(t.netHead, key.id)
			} else {
				t.netHead[key.id] = next
			}
		} else {
			for j := head; j >= 0; j = t.verts[j].sameID {
				if t.verts[j].sameID == i {
					t.verts[j].sameID = next
					break
				}
			}
		}
		t.gen++
		t.vers[i] = t.gen
		t.release(i)
	default:
		return false
	}
	t.structGen++
	return true
}

// buildAdj brings t.adj up to date with the graph. Every input of a
// link's resolution changes only through set and remove, which advance
// gen and the changed vertex's vers: when no vertex was added or removed
// (structGen), a region is stale only if its own vertex changed or a
// vertex one of its links resolved to did, and only those regions are
// redone. Anything else rebuilds the whole array.
func (t *topology) buildAdj() {
	if t.adjOK && t.adjGen == t.gen {
		return
	}
	if !t.adjOK || !t.adjFixed || t.adjStruct != t.structGen || t.adjN != len(t.verts) || !t.patchAdj() {
		t.rebuildAdj()
	}
	t.adjGen = t.gen
}

// rebuildAdj lays out every vertex's region afresh.
func (t *topology) rebuildAdj() {
	n := len(t.verts)
	t.adjSeg = slices.Grow(t.adjSeg[:0], n)[:n]
	t.adj, t.adjTo = t.adj[:0], t.adjTo[:0]
	t.adjFixed = true
	for vi := range t.verts {
		v := &t.verts[vi]
		off := int32(len(t.adj))
		m := len(v.links)
		if v.kind == vxFree {
			m = 0
		}
		t.adj = slices.Grow(t.adj, m)[:int(off)+m]
		t.adjTo = slices.Grow(t.adjTo, m)[:int(off)+m]
		t.adjSeg[vi] = adjSeg{off: off, room: int32(m)}
		if m > 0 {
			t.fillAdj(int32(vi))
		}
	}
	t.adjStruct, t.adjN, t.adjOK = t.structGen, n, true
}

// patchAdj redoes the regions that changes since the last build made
// stale, and reports false, having changed nothing, when a changed
// vertex's number of links no longer fits its region.
func (t *topology) patchAdj() bool {
	since := t.adjGen
	stale := func(vi int) bool {
		if t.vers[vi] > since {
			return true
		}
		sg := t.adjSeg[vi]
		for _, to := range t.adjTo[sg.off : sg.off+sg.room] {
			if to >= 0 && t.vers[to] > since {
				return true
			}
		}
		return false
	}
	t.adjDirty = t.adjDirty[:0]
	for vi := range t.verts {
		if !stale(vi) {
			continue
		}
		if int32(len(t.verts[vi].links)) != t.adjSeg[vi].room {
			return false
		}
		t.adjDirty = append(t.adjDirty, int32(vi))
	}
	for _, vi := range t.adjDirty {
		t.fillAdj(vi)
	}
	return true
}

// fillAdj resolves vertex vi's links into its region.
func (t *topology) fillAdj(vi int32) {
	v := &t.verts[vi]
	sg := &t.adjSeg[vi]
	sg.end = sg.off
	for k := range v.links {
		lk := &v.links[k]
		wi, back, ok := t.linkTo(v, lk)
		t.adjTo[sg.off+int32(k)] = wi
		if lk.stamp == 0 {
			t.adjFixed = false
		}
		if !ok {
			continue
		}
		a := alink{to: wi}
		switch {
		case v.kind == vxNetwork:
			a.w = back
		case lk.toNet:
			a.w = uint32(lk.cost) | alinkNet
		default:
			a.w = uint32(lk.cost)
		}
		t.adj[sg.end] = a
		sg.end++
	}
}

// linkTo returns the far vertex of a link and its Link Data back, as
// resolve does (§16.1 step 2b), from the link's cached resolution when
// neither end changed since it was computed, and caches a new one
// otherwise. lk.toNet is valid when ok.
func (t *topology) linkTo(v *vertex, lk *vlink) (int32, uint32, bool) {
	if st := lk.stamp; st != 0 && ((lk.to >= 0 && t.vers[lk.to] == st) || (lk.to < 0 && st == t.structGen)) {
		return lk.to, lk.back, lk.ok
	}
	wi, back, ok := t.resolve(v, lk, nil)
	lk.to, lk.ok, lk.back = wi, ok, back
	switch {
	case wi < 0:
		lk.stamp = t.structGen
	case v.kind == vxRouter && lk.typ == packet.LinkTransit && t.verts[wi].sameID >= 0:
		lk.stamp = 0 // several network-LSAs share the ID: not cached
	default:
		lk.stamp = t.vers[wi]
	}
	if ok {
		lk.toNet = t.verts[wi].kind == vxNetwork
	}
	return wi, back, ok
}

// network returns the network vertex a transit link with Link ID id leads
// to (§16.1 step 2: the network-LSA whose Link State ID is the Link ID).
// When a DR change leaves two network-LSAs with the same Link State ID,
// the one whose advertising router claims that address on a transit link
// of its own router-LSA (the current DR) is chosen.
func (t *topology) network(id uint32) (int32, bool) {
	head, ok := t.netHead[id]
	if !ok {
		return -1, false
	}
	if t.verts[head].sameID < 0 {
		return head, true
	}
	best := int32(-1)
	for j := head; j >= 0; j = t.verts[j].sameID {
		v := &t.verts[j]
		if ri, ok := t.routers[v.adv]; ok {
			for _, lk := range t.verts[ri].links {
				if lk.typ == packet.LinkTransit && lk.id == id && lk.data == id {
					return j, true
				}
			}
		}
		if best < 0 || v.adv < t.verts[best].adv {
			best = j
		}
	}
	return best, true
}

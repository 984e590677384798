package ospf

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"

	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/ospf/packet"
)

// PathType is the type of path a routing table entry describes (RFC 2328
// §11), in order of preference (§16.4 step 6, §16.4.1, §16.2).
type PathType uint8

// Path types.
const (
	PathIntraArea PathType = 1 // within the area (§16.1)
	PathInterArea PathType = 2 // through an area border router (§16.2)
	PathExternal1 PathType = 3 // AS-external, type 1 metric (§16.4)
	PathExternal2 PathType = 4 // AS-external, type 2 metric (§16.4)
)

var pathTypeNames = [...]string{
	PathIntraArea: "intra-area",
	PathInterArea: "inter-area",
	PathExternal1: "external-1",
	PathExternal2: "external-2",
}

// String returns "intra-area", "inter-area", "external-1" or "external-2".
func (t PathType) String() string {
	if t >= PathIntraArea && int(t) < len(pathTypeNames) {
		return pathTypeNames[t]
	}
	return fmt.Sprintf("PathType(%d)", uint8(t))
}

// MarshalText implements encoding.TextMarshaler (for JSON output).
func (t PathType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText accepts what MarshalText produces.
func (t *PathType) UnmarshalText(b []byte) error {
	for i, n := range pathTypeNames {
		if n != "" && n == string(b) {
			*t = PathType(i)
			return nil
		}
	}
	return fmt.Errorf("ospf: unknown path type %q", b)
}

// IsExternal reports whether t is an AS-external path type.
func (t PathType) IsExternal() bool { return t == PathExternal1 || t == PathExternal2 }

// NextHop is one way towards a destination: an outgoing OSPF interface and,
// unless the destination is on a network attached to it, the neighbor to
// forward to (RFC 2328 §16.1.1).
type NextHop struct {
	// Interface is the name of the outgoing OSPF interface.
	Interface string `json:"interface"`
	// IfIndex is its kernel index, when configured (0 otherwise).
	IfIndex int `json:"ifindex,omitempty"`
	// Gateway is the next router's address on that interface; the zero
	// Addr means the destination is directly attached.
	Gateway netip.Addr `json:"gateway,omitzero"`
}

func compareNextHop(a, b NextHop) int {
	if c := cmp.Compare(a.Interface, b.Interface); c != 0 {
		return c
	}
	if c := a.Gateway.Compare(b.Gateway); c != 0 {
		return c
	}
	return cmp.Compare(a.IfIndex, b.IfIndex)
}

// Route is one network entry of the OSPF routing table (RFC 2328 §11) as a
// plain value.
type Route struct {
	Prefix   netip.Prefix `json:"prefix"`
	PathType PathType     `json:"path_type"`
	// Area is the area of an intra- or inter-area path (zero for
	// externals).
	Area netip.Addr `json:"area,omitzero"`
	// Cost is the path's cost (§11 "Cost"): for intra-area and type 1
	// external paths the whole cost; for type 2 externals the cost of the
	// internal part, to the AS boundary router or forwarding address.
	Cost uint32 `json:"cost"`
	// Type2Cost is the type 2 external metric (§11 "Type 2 cost"), zero
	// for other path types.
	Type2Cost uint32 `json:"type2_cost,omitempty"`
	// Tag is the external route tag of an AS-external path.
	Tag uint32 `json:"tag,omitempty"`
	// AdvRouter is the advertising router of the LSA the path was built
	// from (§11 "Link State Origin"): the router or the DR of a transit
	// network for intra-area paths, the AS boundary router for externals.
	AdvRouter netip.Addr `json:"adv_router,omitzero"`
	// Forwarding is the forwarding address of an AS-external path when it
	// is not 0.0.0.0 (§16.4 step 3).
	Forwarding netip.Addr `json:"forwarding,omitzero"`
	// Connected reports a destination attached to one of this router's
	// interfaces (or a stub of its own router-LSA). The kernel already
	// routes it, so it is not installed in the FIB.
	Connected bool `json:"connected,omitempty"`
	// NextHops are the equal-cost next hops, sorted by interface then
	// gateway; more than one is ECMP.
	NextHops []NextHop `json:"nexthops"`
}

// Equal reports whether r and o are the same entry.
func (r Route) Equal(o Route) bool {
	return r.Prefix == o.Prefix && r.PathType == o.PathType && r.Area == o.Area &&
		r.Cost == o.Cost && r.Type2Cost == o.Type2Cost && r.Tag == o.Tag &&
		r.AdvRouter == o.AdvRouter && r.Forwarding == o.Forwarding &&
		r.Connected == o.Connected && slices.Equal(r.NextHops, o.NextHops)
}

// RouterRoute is a router entry of the routing table (RFC 2328 §11): a path
// to an area border router or an AS boundary router, which inter-area
// (§16.2) and AS-external (§16.4) routes are resolved through.
type RouterRoute struct {
	RouterID netip.Addr `json:"router_id"`
	// Flags are the B (area border) and E (AS boundary) bits of the
	// router's router-LSA.
	Flags    packet.RouterFlags `json:"flags"`
	Area     netip.Addr         `json:"area"`
	Cost     uint32             `json:"cost"`
	NextHops []NextHop          `json:"nexthops"`
}

// RoutingTable is the OSPF routing table (RFC 2328 §11) as plain values,
// safe to keep and modify.
type RoutingTable struct {
	// Routes are the network entries, sorted by prefix (address, then
	// length).
	Routes []Route `json:"routes"`
	// Routers are the entries for area border and AS boundary routers,
	// sorted by Router ID.
	Routers []RouterRoute `json:"routers"`
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return cmp.Compare(a.Bits(), b.Bits())
}

// Lookup returns the entry for exactly p.
func (t RoutingTable) Lookup(p netip.Prefix) (Route, bool) {
	i, ok := slices.BinarySearchFunc(t.Routes, p, func(r Route, p netip.Prefix) int { return comparePrefix(r.Prefix, p) })
	if !ok {
		return Route{}, false
	}
	return t.Routes[i], true
}

// Match returns the entry with the longest prefix containing a.
func (t RoutingTable) Match(a netip.Addr) (Route, bool) {
	for bits := a.BitLen(); bits >= 0; bits-- {
		p, err := a.Prefix(bits)
		if err != nil {
			break
		}
		if r, ok := t.Lookup(p); ok {
			return r, true
		}
	}
	return Route{}, false
}

// Router returns the router entry for id.
func (t RoutingTable) Router(id netip.Addr) (RouterRoute, bool) {
	i, ok := slices.BinarySearchFunc(t.Routers, id, func(r RouterRoute, id netip.Addr) int { return r.RouterID.Compare(id) })
	if !ok {
		return RouterRoute{}, false
	}
	return t.Routers[i], true
}

// TableDiff is what changed between two routing tables.
type TableDiff struct {
	// Added are entries for prefixes the old table did not have.
	Added []Route
	// Changed are the new entries for prefixes whose entry differs.
	Changed []Route
	// Removed are the old entries for prefixes the new table lacks.
	Removed []Route
}

// Empty reports whether nothing changed.
func (d TableDiff) Empty() bool { return len(d.Added)+len(d.Changed)+len(d.Removed) == 0 }

// DiffTables compares two routing tables' network entries.
func DiffTables(old, new RoutingTable) TableDiff {
	var d TableDiff
	i, j := 0, 0
	for i < len(old.Routes) || j < len(new.Routes) {
		switch {
		case j == len(new.Routes):
			d.Removed = append(d.Removed, old.Routes[i])
			i++
		case i == len(old.Routes):
			d.Added = append(d.Added, new.Routes[j])
			j++
		default:
			switch c := comparePrefix(old.Routes[i].Prefix, new.Routes[j].Prefix); {
			case c < 0:
				d.Removed = append(d.Removed, old.Routes[i])
				i++
			case c > 0:
				d.Added = append(d.Added, new.Routes[j])
				j++
			default:
				if !old.Routes[i].Equal(new.Routes[j]) {
					d.Changed = append(d.Changed, new.Routes[j])
				}
				i++
				j++
			}
		}
	}
	return d
}

// --- the internal, compact routing table ---

// nexthop is a next hop inside the SPF and the routing table: the index of
// one of the calculating router's interfaces (spfIface) and the gateway as
// a 32-bit address, 0 for a directly attached destination.
type nexthop struct {
	ifc int32
	gw  uint32
}

func compareNH(a, b nexthop) int {
	if a.ifc != b.ifc {
		return cmp.Compare(a.ifc, b.ifc)
	}
	return cmp.Compare(a.gw, b.gw)
}

// pfxKey packs an IPv4 prefix into a map key: address << 8 | length.
type pfxKey uint64

func keyOfPrefix(p netip.Prefix) pfxKey {
	return pfxKey(u32Of(p.Addr()))<<8 | pfxKey(p.Bits())
}

func makePfxKey(addr uint32, bits int) pfxKey {
	return pfxKey(addr&maskOf(bits))<<8 | pfxKey(bits)
}

func (k pfxKey) prefix() netip.Prefix {
	return netip.PrefixFrom(addrOfU32(uint32(k>>8)), int(k&0xff))
}

func (k pfxKey) addr() uint32 { return uint32(k >> 8) }
func (k pfxKey) bits() int    { return int(k & 0xff) }

// maskOf returns the 32-bit mask of a prefix length.
func maskOf(bits int) uint32 {
	if bits <= 0 {
		return 0
	}
	return ^uint32(0) << (32 - min(bits, 32))
}

func u32Of(a netip.Addr) uint32 {
	if !a.Is4() {
		return 0
	}
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

func addrOfU32(v uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// ribEntry is one network entry of the internal routing table.
type ribEntry struct {
	key       pfxKey
	pid       int32 // key's number in the prefixTable
	pathType  PathType
	connected bool
	cost      uint32
	cost2     uint32 // type 2 external metric
	tag       uint32
	adv       uint32 // Link State Origin's advertising router
	fwd       uint32 // external forwarding address
	hops      nhRef  // next hops, in the table's arena
}

// nhRef names a next-hop set in a table's arena. Entries hold no pointers,
// so a table of tens of thousands of them costs the garbage collector
// nothing to scan.
type nhRef struct {
	off int32
	n   uint16
}

// same reports whether e, in table t, equals o in table u.
func (e *ribEntry) same(t *rib, o *ribEntry, u *rib) bool {
	return e.sameAttrs(o) && slices.Equal(t.nhs(e.hops), u.nhs(o.hops))
}

func (e *ribEntry) sameAttrs(o *ribEntry) bool {
	return e.key == o.key && e.pathType == o.pathType && e.connected == o.connected &&
		e.cost == o.cost && e.cost2 == o.cost2 && e.tag == o.tag && e.adv == o.adv &&
		e.fwd == o.fwd && e.hops.n == o.hops.n
}

// routerPath is a router entry of the internal table (§11): the path to an
// area border or AS boundary router.
type routerPath struct {
	flags packet.RouterFlags
	cost  uint32
	hops  nhRef
}

// rib is the routing table as the SPF builds it: entries in a slice,
// indexed by the prefixTable number of their destination, next-hop sets
// as sub-slices of one arena. It is replaced wholesale by a full SPF and
// patched by the incremental external recomputation (§16.6).
type rib struct {
	ents    []ribEntry
	byPid   []int32 // prefix number → entry index + 1 (0: none)
	pfx     *prefixTable
	arena   []nexthop
	routers map[uint32]routerPath
	ifaces  []spfIface
	area    netip.Addr
}

func newRIB(pfx *prefixTable, ifaces []spfIface, area netip.Addr) *rib {
	t := &rib{pfx: pfx, routers: make(map[uint32]routerPath)}
	t.reset(ifaces, area)
	return t
}

// reset empties the table for reuse.
func (t *rib) reset(ifaces []spfIface, area netip.Addr) {
	for i := range t.ents {
		t.pfx.unref(t.ents[i].pid)
	}
	t.ents = t.ents[:0]
	n := len(t.pfx.keys)
	t.byPid = slices.Grow(t.byPid[:0], n)[:n]
	clear(t.byPid)
	t.arena = t.arena[:0]
	clear(t.routers)
	t.ifaces = ifaces
	t.area = area
}

// intern copies a next-hop set into the arena.
func (t *rib) intern(nh []nexthop) nhRef {
	r := nhRef{off: int32(len(t.arena)), n: uint16(len(nh))}
	t.arena = append(t.arena, nh...)
	return r
}

// nhs returns the next-hop set r names.
func (t *rib) nhs(r nhRef) []nexthop { return t.arena[r.off : r.off+int32(r.n) : r.off+int32(r.n)] }

func (t *rib) byID(pid int32) *ribEntry {
	if int(pid) >= len(t.byPid) {
		return nil
	}
	if i := t.byPid[pid]; i > 0 {
		return &t.ents[i-1]
	}
	return nil
}

func (t *rib) get(k pfxKey) *ribEntry {
	pid, ok := t.pfx.lookup(k)
	if !ok {
		return nil
	}
	// A number freed and given to another prefix since this table was
	// built points to an entry for a different key.
	if e := t.byID(pid); e != nil && e.key == k {
		return e
	}
	return nil
}

// put inserts or replaces the entry for e.key (e.hops interned, e.pid
// set).
func (t *rib) put(e ribEntry) {
	if int(e.pid) >= len(t.byPid) {
		t.byPid = append(t.byPid, make([]int32, int(e.pid)+1-len(t.byPid))...)
	}
	if i := t.byPid[e.pid]; i > 0 {
		t.ents[i-1] = e
		return
	}
	t.pfx.refID(e.pid)
	t.ents = append(t.ents, e)
	t.byPid[e.pid] = int32(len(t.ents))
}

// remove deletes the entry for k, moving the last entry into its slot.
func (t *rib) remove(k pfxKey) {
	e := t.get(k)
	if e == nil {
		return
	}
	pid := e.pid
	i := t.byPid[pid] - 1
	t.byPid[pid] = 0
	last := int32(len(t.ents) - 1)
	if i != last {
		t.ents[i] = t.ents[last]
		t.byPid[t.ents[i].pid] = i + 1
	}
	t.ents = t.ents[:last]
	t.pfx.unref(pid)
}

// prefixTable numbers the destinations LSAs name (stub networks, transit
// networks, AS-external destinations), so that a calculation indexes
// arrays instead of hashing prefixes. Numbers are reference-counted by the
// LSAs naming them and by the routing table entries for them (an entry
// outlives the LSA that made it until the next calculation), and reused
// once free.
type prefixTable struct {
	ids  map[pfxKey]int32
	keys []pfxKey
	refs []int32
	free []int32
}

func newPrefixTable() *prefixTable { return &prefixTable{ids: make(map[pfxKey]int32)} }

func (p *prefixTable) lookup(k pfxKey) (int32, bool) {
	id, ok := p.ids[k]
	return id, ok
}

// ref returns k's number, allocating one when k is new.
func (p *prefixTable) ref(k pfxKey) int32 {
	if id, ok := p.ids[k]; ok {
		p.refs[id]++
		return id
	}
	var id int32
	if n := len(p.free); n > 0 {
		id = p.free[n-1]
		p.free = p.free[:n-1]
		p.keys[id], p.refs[id] = k, 1
	} else {
		id = int32(len(p.keys))
		p.keys = append(p.keys, k)
		p.refs = append(p.refs, 1)
	}
	p.ids[k] = id
	return id
}

// refID takes one more reference to a number in use.
func (p *prefixTable) refID(id int32) { p.refs[id]++ }

// unref drops one reference to id.
func (p *prefixTable) unref(id int32) {
	if p.refs[id]--; p.refs[id] == 0 {
		delete(p.ids, p.keys[id])
		p.free = append(p.free, id)
	}
}

// match returns the entry with the longest prefix containing addr, among
// entries accepted by ok.
func (t *rib) match(addr uint32, ok func(*ribEntry) bool) *ribEntry {
	for bits := 32; bits >= 0; bits-- {
		if e := t.get(makePfxKey(addr, bits)); e != nil && ok(e) {
			return e
		}
	}
	return nil
}

func (t *rib) nextHops(nh []nexthop) []NextHop {
	if len(nh) == 0 {
		return []NextHop{}
	}
	out := make([]NextHop, len(nh))
	for i, h := range nh {
		ifc := t.ifaces[h.ifc]
		out[i] = NextHop{Interface: ifc.name, IfIndex: ifc.ifIndex}
		if h.gw != 0 {
			out[i].Gateway = addrOfU32(h.gw)
		}
	}
	slices.SortFunc(out, compareNextHop)
	return out
}

func (t *rib) route(e *ribEntry) Route {
	r := Route{
		Prefix:    e.key.prefix(),
		PathType:  e.pathType,
		Cost:      e.cost,
		Type2Cost: e.cost2,
		Tag:       e.tag,
		AdvRouter: addrOfU32(e.adv),
		Connected: e.connected,
		NextHops:  t.nextHops(t.nhs(e.hops)),
	}
	if !e.pathType.IsExternal() {
		r.Area = t.area
	}
	if e.fwd != 0 {
		r.Forwarding = addrOfU32(e.fwd)
	}
	return r
}

// table converts the internal table to plain values.
func (t *rib) table() RoutingTable {
	rt := RoutingTable{Routes: make([]Route, 0, len(t.ents)), Routers: make([]RouterRoute, 0, len(t.routers))}
	for i := range t.ents {
		rt.Routes = append(rt.Routes, t.route(&t.ents[i]))
	}
	slices.SortFunc(rt.Routes, func(a, b Route) int { return comparePrefix(a.Prefix, b.Prefix) })
	for id, p := range t.routers {
		rt.Routers = append(rt.Routers, RouterRoute{
			RouterID: addrOfU32(id), Flags: p.flags, Area: t.area, Cost: p.cost, NextHops: t.nextHops(t.nhs(p.hops)),
		})
	}
	slices.SortFunc(rt.Routers, func(a, b RouterRoute) int { return a.RouterID.Compare(b.RouterID) })
	return rt
}

// fibRoute converts an entry to the route the FIB gets, and false when the
// entry is not installed: connected destinations (the kernel routes them)
// and entries without a next hop. The kernel metric is a constant (as
// FRR's zebra installs every OSPF route with metric 20): a sink holds one
// route per prefix, and a cost change that keeps the next hops then
// writes nothing.
func (t *rib) fibRoute(e *ribEntry, table int, metric uint32) (fib.Route, bool) {
	if e.connected || e.hops.n == 0 {
		return fib.Route{}, false
	}
	r := fib.Route{
		Prefix:   e.key.prefix(),
		Metric:   metric,
		Table:    table,
		Protocol: fib.ProtocolOSPF,
		NextHops: make([]fib.NextHop, 0, e.hops.n),
	}
	for _, h := range t.nhs(e.hops) {
		nh := fib.NextHop{IfIndex: t.ifaces[h.ifc].ifIndex}
		if h.gw != 0 {
			nh.Gateway = addrOfU32(h.gw)
		}
		if nh.IfIndex == 0 && !nh.Gateway.IsValid() {
			continue // a direct hop on an interface of unknown index
		}
		r.NextHops = append(r.NextHops, nh)
	}
	if len(r.NextHops) == 0 {
		return fib.Route{}, false
	}
	return r.Canonical(), true
}

package ospf

import (
	"cmp"
	"container/heap"
	"iter"
	"net/netip"
	"slices"
	"time"

	"github.com/switchless/routing/ospf/packet"
)

// dbEntry is one LSA instance in the link-state database (RFC 2328 §12.2).
// An entry is never modified once installed, except for its bookkeeping
// fields: a new instance (even the same LSA prematurely aged) is a new
// entry, so that a retransmission list holding an entry holds exactly the
// instance that was flooded.
type dbEntry struct {
	hdr packet.LSAHeader // as installed: Age is the age at installedAt
	lsa packet.LSA       // decoded body (Header equal to hdr)
	raw []byte           // the LSA as encoded, LS age bytes as at installedAt

	installedAt time.Time
	// floodedAt is when the instance was installed from a neighbor's LS
	// Update (zero for self-originated or DD-learned instances); §13 step
	// 5a compares it with MinLSArrival.
	floodedAt time.Time
	// sentBackAt is when this instance was last sent back to a neighbor
	// holding an older one (§13 step 8, MinLSArrival).
	sentBackAt time.Time
	// ev are the positions (index+1, 0 for none) in the database's
	// event heap of the entry's MaxAge event and refresh event.
	ev [2]int
	// rxmtRefs counts the retransmission lists holding this entry; a
	// MaxAge entry is removed only at zero (§14).
	rxmtRefs int
	// maxAgeListed marks an entry already in the database's maxAged
	// list.
	maxAgeListed bool
	// selfMade marks an instance this router originated (not one of its
	// own LSAs learned back from a neighbor).
	selfMade bool
}

// age returns the LS age at now (§14): the installed age plus the seconds
// since, capped at MaxAge. DoNotAge LSAs (RFC 1793) keep their age.
func (e *dbEntry) age(now time.Time) uint16 {
	a := packet.LSAge(e.hdr.Age)
	if e.hdr.Age&packet.DoNotAge != 0 || a >= packet.MaxAge {
		return a
	}
	el := now.Sub(e.installedAt) / time.Second
	if el <= 0 {
		return a
	}
	if int64(a)+int64(el) >= packet.MaxAge {
		return packet.MaxAge
	}
	return a + uint16(el)
}

// header returns the LSA header with the age at now.
func (e *dbEntry) header(now time.Time) packet.LSAHeader {
	h := e.hdr
	h.Age = e.age(now) | e.hdr.Age&packet.DoNotAge
	return h
}

// isMaxAge reports whether the instance has reached MaxAge at now.
func (e *dbEntry) isMaxAge(now time.Time) bool { return e.age(now) >= packet.MaxAge }

// appendWire appends the LSA as transmitted at now on an interface with
// the given transmit delay: LS age incremented by InfTransDelay and capped
// at MaxAge (§13.3 step 5, §14). The checksum does not cover the age.
func (e *dbEntry) appendWire(b []byte, now time.Time, delay uint16) []byte {
	start := len(b)
	b = append(b, e.raw...)
	a := e.age(now)
	if a < packet.MaxAge {
		a += delay
		if a > packet.MaxAge {
			a = packet.MaxAge
		}
	}
	packet.PutLSAge(b[start:], a|e.hdr.Age&packet.DoNotAge)
	return b
}

// ageEvent is a pending aging action: an entry reaching MaxAge, or a
// self-originated entry due for its LSRefreshTime refresh.
type ageEvent struct {
	at      time.Time
	seq     uint64
	e       *dbEntry
	refresh bool
}

// ageHeap orders the events by time. Each entry knows where its events
// are (dbEntry.ev), so that an instance replaced or removed takes its
// events with it: a database refreshed every 30 minutes would otherwise
// keep, for the hour until their MaxAge events came due, every replaced
// instance alive, doubling its memory (TestSoak_LSDB100kRefresh).
type ageHeap []ageEvent

func (h ageHeap) Len() int { return len(h) }
func (h ageHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h ageHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].e.ev[h[i].kind()] = i + 1
	h[j].e.ev[h[j].kind()] = j + 1
}
func (h *ageHeap) Push(x any) {
	ev := x.(ageEvent)
	*h = append(*h, ev)
	ev.e.ev[ev.kind()] = len(*h)
}
func (h *ageHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = ageEvent{}
	*h = old[:len(old)-1]
	x.e.ev[x.kind()] = 0
	return x
}

// kind indexes dbEntry.ev: 0 for the MaxAge event, 1 for the refresh.
func (ev ageEvent) kind() int {
	if ev.refresh {
		return 1
	}
	return 0
}

// lsdb is the link-state database: the backbone area's LSAs and the
// AS-external LSAs (§12.2). It is owned by an Instance and only touched
// under its mutex.
type lsdb struct {
	m       map[packet.LSAKey]*dbEntry
	events  ageHeap
	evSeq   uint64
	maxAged []*dbEntry                 // MaxAge entries waiting for removal (§14)
	self    map[packet.LSAKey]struct{} // keys advertised by this router
	version uint64                     // incremented by every change
}

func newLSDB() *lsdb {
	return &lsdb{m: make(map[packet.LSAKey]*dbEntry), self: make(map[packet.LSAKey]struct{})}
}

func (db *lsdb) get(k packet.LSAKey) *dbEntry { return db.m[k] }

// schedule queues an aging event for e, replacing e's pending event of
// the same kind.
func (db *lsdb) schedule(at time.Time, e *dbEntry, refresh bool) {
	db.evSeq++
	ev := ageEvent{at: at, seq: db.evSeq, e: e, refresh: refresh}
	if i := e.ev[ev.kind()]; i > 0 {
		db.events[i-1] = ev
		heap.Fix(&db.events, i-1)
		return
	}
	heap.Push(&db.events, ev)
}

// cancel drops e's pending events: e is no longer the installed instance.
func (db *lsdb) cancel(e *dbEntry) {
	for k := range e.ev {
		if i := e.ev[k]; i > 0 {
			heap.Remove(&db.events, i-1)
		}
	}
}

// nextEvent returns the due time of the earliest aging event.
func (db *lsdb) nextEvent() (time.Time, bool) {
	if len(db.events) == 0 {
		return time.Time{}, false
	}
	return db.events[0].at, true
}

// popDue removes and returns the next event due at or before now whose
// entry is still the installed instance.
func (db *lsdb) popDue(now time.Time) (ageEvent, bool) {
	for len(db.events) > 0 && !db.events[0].at.After(now) {
		ev := heap.Pop(&db.events).(ageEvent)
		if db.m[ev.e.hdr.Key()] == ev.e {
			return ev, true
		}
	}
	return ageEvent{}, false
}

// sortedKeys returns every key in (type, Link State ID, advertising
// router) order: the deterministic order used wherever the database is
// walked to produce output.
func (db *lsdb) sortedKeys() []packet.LSAKey {
	keys := make([]packet.LSAKey, 0, len(db.m))
	for k := range db.m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	return keys
}

func compareKeys(a, b packet.LSAKey) int {
	if c := cmp.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	if c := a.ID.Compare(b.ID); c != 0 {
		return c
	}
	return a.AdvRouter.Compare(b.AdvRouter)
}

// LSAEntry is one LSA of the link-state database as a plain value, safe to
// keep and modify: a deep copy.
type LSAEntry struct {
	// LSA is the LSA with Header.Age set to its current age.
	LSA packet.LSA
	// SelfOriginated reports that this router is the advertising router.
	SelfOriginated bool
	// Installed is when this instance entered the database.
	Installed time.Time
}

// Key returns the LSA's identity.
func (e LSAEntry) Key() packet.LSAKey { return e.LSA.Header.Key() }

// snapshot returns a deep copy of e at now.
func (e *dbEntry) snapshot(now time.Time, rid netip.Addr) LSAEntry {
	var l packet.LSA
	if err := l.Decode(e.raw); err != nil {
		// Stored bytes decoded when installed; keep the installed value.
		l = e.lsa
	}
	l.Header = e.header(now)
	return LSAEntry{LSA: l, SelfOriginated: e.hdr.AdvRouter == rid, Installed: e.installedAt}
}

// LSDBFilter selects LSAs in Instance.LSDB: zero fields match anything.
type LSDBFilter struct {
	Type      packet.LSType
	ID        netip.Addr
	AdvRouter netip.Addr
}

func (f LSDBFilter) match(k packet.LSAKey) bool {
	return (f.Type == 0 || f.Type == k.Type) &&
		(!f.ID.IsValid() || f.ID == k.ID) &&
		(!f.AdvRouter.IsValid() || f.AdvRouter == k.AdvRouter)
}

// LSDBChange describes one change of the database, for in-package
// observers such as SPF scheduling (see Instance.onLSDBChange).
type LSDBChange struct {
	Key packet.LSAKey
	// Old and New are the headers of the previous and the new instance;
	// a zero Type means absent (an installation or a removal).
	Old, New packet.LSAHeader
	// Content reports that the contents changed in a way that matters to
	// the routing table (§13.2): body, options, or reaching or leaving
	// MaxAge. A refresh with only a new sequence number is false.
	Content bool
}

// seqAll iterates entries in key order.
func (db *lsdb) seqAll(f LSDBFilter) iter.Seq[*dbEntry] {
	return func(yield func(*dbEntry) bool) {
		var keys []packet.LSAKey
		if f.Type != 0 && f.ID.IsValid() && f.AdvRouter.IsValid() {
			keys = []packet.LSAKey{{Type: f.Type, ID: f.ID, AdvRouter: f.AdvRouter}}
		} else {
			for k := range db.m {
				if f.match(k) {
					keys = append(keys, k)
				}
			}
			slices.SortFunc(keys, compareKeys)
		}
		for _, k := range keys {
			if e := db.m[k]; e != nil {
				if !yield(e) {
					return
				}
			}
		}
	}
}

// sameContents reports whether two instances carry the same information
// for routing (§13.2): same options, same length and body, and neither or
// both at MaxAge.
func sameContents(a, b *dbEntry, now time.Time) bool {
	if a.hdr.Options != b.hdr.Options || a.hdr.Length != b.hdr.Length || len(a.raw) != len(b.raw) {
		return false
	}
	if a.isMaxAge(now) != b.isMaxAge(now) {
		return false
	}
	return string(a.raw[packet.LSAHeaderLen:]) == string(b.raw[packet.LSAHeaderLen:])
}

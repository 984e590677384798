package ospf

import (
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing/ospf/packet"
)

func TestLSDBReadAPIAndNotifications(t *testing.T) {
	h := newHarness(t, NetworkPointToPoint)
	var changes []LSDBChange
	h.in.onLSDBChange(func(c LSDBChange) { changes = append(changes, c) })
	if !h.takeLSDBEvent() {
		t.Fatal("no notification for the first router-LSA")
	}
	h.full()
	h.ackOurs()
	h.lsu(peerRouterLSA(t, "9.9.9.9", packet.InitialSequenceNumber, 1), peerRouterLSA(t, "7.7.7.7", packet.InitialSequenceNumber, 1))
	if !h.takeLSDBEvent() {
		t.Fatal("no notification after the LS Update")
	}
	all := h.in.LSDB(LSDBFilter{})
	if len(all) != 3 {
		t.Fatalf("%d LSAs, want 3", len(all))
	}
	// Sorted by type, Link State ID, advertising router.
	for i := 1; i < len(all); i++ {
		if compareKeys(all[i-1].Key(), all[i].Key()) >= 0 {
			t.Errorf("not sorted: %v before %v", all[i-1].Key(), all[i].Key())
		}
	}
	byAdv := h.in.LSDB(LSDBFilter{AdvRouter: netip.MustParseAddr("7.7.7.7")})
	if len(byAdv) != 1 || byAdv[0].SelfOriginated {
		t.Errorf("filter by advertising router: %+v", byAdv)
	}
	self := h.in.LSDB(LSDBFilter{Type: packet.LSTypeRouter, ID: h.rid, AdvRouter: h.rid})
	if len(self) != 1 || !self[0].SelfOriginated {
		t.Errorf("exact filter: %+v", self)
	}
	// Snapshots are copies.
	self[0].LSA.Router.Links[0].Metric = 9999
	if e, _ := h.in.LookupLSA(self[0].Key()); e.LSA.Router.Links[0].Metric == 9999 {
		t.Error("snapshot shares memory with the database")
	}
	// The in-package hook saw the installations, with Content set.
	saw := map[packet.LSAKey]bool{}
	for _, c := range changes {
		if c.Content {
			saw[c.Key] = true
		}
	}
	if !saw[packet.LSAKey{Type: packet.LSTypeRouter, ID: netip.MustParseAddr("7.7.7.7"), AdvRouter: netip.MustParseAddr("7.7.7.7")}] {
		t.Errorf("hook missed an installation: %+v", changes)
	}
	// Ages advance with the clock (§14).
	before, _ := h.in.LookupLSA(byAdv[0].Key())
	h.clock.Advance(10 * time.Second)
	after, _ := h.in.LookupLSA(byAdv[0].Key())
	if after.LSA.Header.Age != before.LSA.Header.Age+10 {
		t.Errorf("age %d -> %d after 10 s", before.LSA.Header.Age, after.LSA.Header.Age)
	}
	// A refresh that changes only the sequence number is not a content
	// change.
	changes = nil
	h.clock.Advance(MinLSArrival)
	h.lsu(peerRouterLSA(t, "7.7.7.7", packet.InitialSequenceNumber+1, 1))
	if len(changes) != 1 || changes[0].Content {
		t.Errorf("refresh reported as %+v, want one change without Content", changes)
	}
}

func TestDBEntryAge(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e := &dbEntry{hdr: packet.LSAHeader{Age: 100}, installedAt: t0}
	for _, c := range []struct {
		after time.Duration
		want  uint16
	}{{0, 100}, {999 * time.Millisecond, 100}, {time.Second, 101}, {3499 * time.Second, 3599}, {3500 * time.Second, packet.MaxAge}, {5 * time.Hour, packet.MaxAge}} {
		if got := e.age(t0.Add(c.after)); got != c.want {
			t.Errorf("age after %v = %d, want %d", c.after, got, c.want)
		}
	}
	dna := &dbEntry{hdr: packet.LSAHeader{Age: packet.DoNotAge | 5}, installedAt: t0}
	if got := dna.age(t0.Add(time.Hour)); got != 5 {
		t.Errorf("DoNotAge LSA aged to %d", got)
	}
	// appendWire adds InfTransDelay and caps at MaxAge.
	raw := make([]byte, packet.LSAHeaderLen)
	e.raw = raw
	b := e.appendWire(nil, t0.Add(3598*time.Second), 5)
	if got := uint16(b[0])<<8 | uint16(b[1]); got != packet.MaxAge {
		t.Errorf("wire age %d, want MaxAge", got)
	}
	b = e.appendWire(nil, t0, 1)
	if got := uint16(b[0])<<8 | uint16(b[1]); got != 101 {
		t.Errorf("wire age %d, want 101", got)
	}
}

func TestKeyList(t *testing.T) {
	var l keyList[int]
	k := func(i byte) packet.LSAKey {
		a := netip.AddrFrom4([4]byte{0, 0, 0, i})
		return packet.LSAKey{Type: packet.LSTypeRouter, ID: a, AdvRouter: a}
	}
	for i := byte(1); i <= 100; i++ {
		l.set(k(i), int(i))
	}
	for i := byte(1); i <= 100; i += 2 {
		l.del(k(i))
	}
	l.set(k(2), 200)
	if l.len() != 50 {
		t.Fatalf("len %d", l.len())
	}
	var order []int
	l.each(func(_ packet.LSAKey, v int) bool { order = append(order, v); return true })
	if len(order) != 50 || order[0] != 200 || order[1] != 4 || order[49] != 100 {
		t.Errorf("order %v", order)
	}
	if got := l.first(3); len(got) != 3 || got[2] != k(6) {
		t.Errorf("first(3) = %v", got)
	}
	if _, ok := l.get(k(3)); ok || !l.has(k(4)) {
		t.Error("get/has wrong after delete")
	}
	l.clear()
	if l.len() != 0 || l.has(k(4)) {
		t.Error("clear")
	}
}

// takeLSDBEvent reports whether an EventLSDBChanged came since the last
// call, and forgets the events so far.
func (h *harness) takeLSDBEvent() bool {
	got := false
	for _, e := range h.events {
		got = got || e.Kind == EventLSDBChanged
	}
	h.events = nil
	return got
}

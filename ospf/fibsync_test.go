package ospf

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"testing"

	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/fib/fibtest"
	"github.com/switchless/routing/ospf/packet"
)

type o5fibHarness struct {
	t    *testing.T
	mem  *fib.Memory
	spy  *fibtest.Spy
	fs   *fibSync
	calc *routeCalc
	lsas map[packet.LSAKey]*packet.LSA
}

func newO5FIB(t *testing.T, lsas []*packet.LSA) *o5fibHarness {
	h := &o5fibHarness{t: t, mem: fib.NewMemory(), lsas: map[packet.LSAKey]*packet.LSA{}}
	h.spy = fibtest.NewSpy(h.mem)
	h.fs = newFIBSync(h.spy, 0, 0, slog.New(slog.DiscardHandler))
	h.calc = newRouteCalc(spfInput{root: u32Of(o5ip("1.1.1.1")), area: netip.IPv4Unspecified(), ifaces: o5ring4Ifaces()})
	for _, l := range lsas {
		h.set(l)
	}
	return h
}

func (h *o5fibHarness) set(l *packet.LSA) {
	h.lsas[l.Header.Key()] = l
	h.calc.lsa(l.Header.Key(), l)
}

func (h *o5fibHarness) del(k packet.LSAKey) {
	delete(h.lsas, k)
	h.calc.lsa(k, nil)
}

// spf runs a full calculation and flushes; it returns the writes made.
func (h *o5fibHarness) spf() int {
	h.t.Helper()
	old, cur := h.calc.full()
	h.fs.updateFull(old, cur)
	return h.flush()
}

func (h *o5fibHarness) externals() int {
	h.t.Helper()
	h.fs.updateKeys(h.calc.cur, h.calc.externalsOnly())
	return h.flush()
}

func (h *o5fibHarness) flush() int {
	h.t.Helper()
	h.spy.Reset()
	if err := h.fs.flush(context.Background()); err != nil {
		h.t.Fatalf("flush: %v", err)
	}
	return h.spy.Writes()
}

func (h *o5fibHarness) want(lines ...string) {
	h.t.Helper()
	got := strings.TrimSpace(h.mem.String())
	if w := strings.Join(lines, "\n"); got != w {
		h.t.Errorf("FIB:\n%s\nwant:\n%s", got, w)
	}
}

func TestFIBSync_InstallsRoutingTable(t *testing.T) {
	h := newO5FIB(t, o5ring4())
	if n := h.spf(); n != 5 {
		t.Errorf("first sync wrote %d routes, want 5", n)
	}
	// Connected destinations are not installed; ECMP is one multipath
	// route.
	h.want(
		"10.0.23.0/30 via 10.0.12.2 dev 1 proto ospf metric 20",
		"10.0.34.0/30 via 10.0.14.2 dev 2 proto ospf metric 20",
		"192.168.0.2/32 via 10.0.12.2 dev 1 proto ospf metric 20",
		"192.168.0.3/32 proto ospf metric 20 nexthop via 10.0.12.2 dev 1 weight 1 nexthop via 10.0.14.2 dev 2 weight 1",
		"192.168.0.4/32 via 10.0.14.2 dev 2 proto ospf metric 20",
	)
	if s := h.fs.snapshot(); s.Routes != 5 || s.Errors != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestFIBSync_WritesOnlyDifferences(t *testing.T) {
	lsas := o5ring4()
	h := newO5FIB(t, lsas)
	h.spf()
	// The same database again: nothing written.
	h.set(lsas[1])
	if n := h.spf(); n != 0 {
		t.Errorf("unchanged table wrote %d times", n)
	}
	// R4's loopback gets dearer: a cost change with the same next hops
	// writes nothing (the kernel metric is constant).
	lsas[3].Router.Links[4].Metric = 5
	h.set(lsas[3])
	if n := h.spf(); n != 0 {
		t.Errorf("cost-only change wrote %d times", n)
	}
	// R2→R3 dearer: R3's loopback loses its ECMP path through R2 and so
	// does nothing else: exactly one write.
	lsas[1].Router.Links[2].Metric = 50
	h.set(lsas[1])
	if n := h.spf(); n != 1 {
		t.Errorf("one next-hop change wrote %d times", n)
	}
	if r, _ := h.mem.Get(0, netip.MustParsePrefix("192.168.0.3/32")); len(r.NextHops) != 1 {
		t.Errorf("R3 loopback %v, want one next hop", r)
	}
	// R2's router-LSA flushed: its loopback and the R2–R3 link's stub
	// (reached through R2 only... now through R4 and R3) change.
	h.del(lsas[1].Header.Key())
	h.spf()
	if _, ok := h.mem.Get(0, netip.MustParsePrefix("192.168.0.2/32")); ok {
		t.Error("R2's loopback still installed")
	}
	if r, ok := h.mem.Get(0, netip.MustParsePrefix("10.0.23.0/30")); !ok || r.NextHops[0].Gateway != o5ip("10.0.14.2") {
		t.Errorf("10.0.23.0/30 = %v, want via R4", r)
	}
	if h.spy.Count(fibtest.OpList) != 0 {
		t.Error("incremental flush listed the sink")
	}
}

func TestFIBSync_ExternalsIncrementally(t *testing.T) {
	lsas := o5ringASBR()
	h := newO5FIB(t, lsas)
	h.spf()
	def := o5ext("0.0.0.0/0", "3.3.3.3", true, 10, "", 0)
	h.set(def)
	if n := h.externals(); n != 1 {
		t.Errorf("new external wrote %d times", n)
	}
	r, ok := h.mem.Get(0, netip.MustParsePrefix("0.0.0.0/0"))
	if !ok || len(r.NextHops) != 2 {
		t.Fatalf("default = %v, want ECMP towards R3", r)
	}
	// A second originator nearer with the same metric takes over.
	def2 := o5ext("0.0.0.0/0", "2.2.2.2", true, 10, "", 0)
	h.set(def2)
	h.externals()
	if r, _ := h.mem.Get(0, netip.MustParsePrefix("0.0.0.0/0")); len(r.NextHops) != 1 || r.NextHops[0].Gateway != o5ip("10.0.12.2") {
		t.Errorf("default = %v, want via R2", r)
	}
	// Both withdrawn: the default goes.
	h.del(def.Header.Key())
	h.del(def2.Header.Key())
	h.externals()
	if _, ok := h.mem.Get(0, netip.MustParsePrefix("0.0.0.0/0")); ok {
		t.Error("default survived its LSAs")
	}
}

func TestFIBSync_FailedWriteIsRetriedByReconciling(t *testing.T) {
	h := newO5FIB(t, o5ring4())
	boom := errors.New("netlink: boom")
	bad := netip.MustParsePrefix("192.168.0.3/32")
	h.spy.FailWhen(func(c fibtest.Call) error {
		if c.Op == fibtest.OpReplace && c.Route.Prefix == bad {
			return boom
		}
		return nil
	})
	old, cur := h.calc.full()
	h.fs.updateFull(old, cur)
	if err := h.fs.flush(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("flush error %v, want %v", err, boom)
	}
	if s := h.fs.snapshot(); s.Errors == 0 || s.LastError == "" {
		t.Errorf("stats %+v do not count the failure", s)
	}
	if !h.fs.pending() {
		t.Fatal("nothing pending after a failed write")
	}
	h.spy.FailWhen(nil)
	if err := h.fs.flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.mem.Get(0, bad); !ok {
		t.Error("route not installed by the retry")
	}
	if h.mem.Len() != 5 {
		t.Errorf("FIB holds %d routes, want 5", h.mem.Len())
	}
}

func TestFIBSync_StartReclaimsAndStopWithdraws(t *testing.T) {
	h := newO5FIB(t, o5ring4())
	// A stale route from an earlier run is in the sink.
	stale := fib.Route{Prefix: netip.MustParsePrefix("203.0.113.0/24"), NextHops: []fib.NextHop{{IfIndex: 1}}, Protocol: fib.ProtocolOSPF}
	if err := h.mem.Replace(context.Background(), stale); err != nil {
		t.Fatal(err)
	}
	h.spf()
	if _, ok := h.mem.Get(0, stale.Prefix); ok {
		t.Error("stale route survived the first sync")
	}
	h.fs.withdrawAll()
	h.flush()
	if h.mem.Len() != 0 {
		t.Errorf("after withdrawal the FIB holds:\n%s", h.mem)
	}
}

package ospf

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/fib/fibtest"
	"github.com/switchless/routing/ospf/packet"
)

// r3Links returns r2's copy of r3's router-LSA links as "type metric"
// lines: what the rest of the ring computes with.
func r3Links(r *o5ring) (p2p []uint16, stubs map[string]uint16, ok bool) {
	a := netip.MustParseAddr("10.255.0.3")
	e, ok := r.r("r2").in.LookupLSA(packet.LSAKey{Type: packet.LSTypeRouter, ID: a, AdvRouter: a})
	if !ok || packet.LSAge(e.LSA.Header.Age) == packet.MaxAge {
		return nil, nil, false // none, or the flushed one of r3's last run
	}
	stubs = map[string]uint16{}
	for _, k := range e.LSA.Router.Links {
		switch k.Type {
		case packet.LinkPointToPoint:
			p2p = append(p2p, k.Metric)
		case packet.LinkStub:
			stubs[k.ID.String()] = k.Metric
		}
	}
	return p2p, stubs, true
}

// TestStubRouter_RFC6987_3_OnStartup: r3 restarts into a running ring
// with StubRouter.OnStartup. Its router-LSA gives its point-to-point
// links MaxLinkMetric (RFC 6987 §2) while its LAN keeps its cost; the
// ring sees the configured costs only once r3's FIB holds its whole
// table, so no router sends r3 transit traffic it cannot forward. The
// first calculation on the synchronised database runs after
// INITIAL_SPF_DELAY although the loading of the database put the RFC
// 8405 back-off past it.
func TestStubRouter_RFC6987_3_OnStartup(t *testing.T) {
	r := newO5Ring(t, 31)
	r.watchCarrier()
	r.startAll()
	r.until(60*time.Second, "FIBs converged", r.converged(o5bothDefaults))
	r.stop("r3")
	r.clock.Advance(20 * time.Second)

	var firstFull time.Time
	r.r("r3").onEvent = func(e Event) {
		if e.Kind == EventNeighborState && e.NewNeighbor == NbrFull && firstFull.IsZero() {
			firstFull = r.clock.Now()
		}
	}
	r.start("r3", func(c *Config) { c.StubRouter.OnStartup = time.Minute })
	sawMax := false
	start := r.clock.Now()
	for {
		p2p, stubs, ok := r3Links(r)
		if ok && len(p2p) > 0 {
			if stubs["192.168.3.0"] != DefaultCost {
				t.Fatalf("r3's LAN advertised at %d while a stub router, want its cost %d (RFC 6987 §2: stub links keep their cost)", stubs["192.168.3.0"], DefaultCost)
			}
			if slices.Contains(p2p, MaxLinkMetric) {
				sawMax = true
				for _, m := range p2p {
					if m != MaxLinkMetric {
						t.Fatalf("r3's p2p links %v: some at MaxLinkMetric, some not", p2p)
					}
				}
			} else {
				// The configured costs are out: r3's own table must be
				// complete already.
				want := r.expected("r3", o5bothDefaults)
				if got := r.fibOf("r3"); !slices.Equal(got, want) {
					t.Fatalf("r2 sees r3's configured costs %v (stub %+v, fib %+v, spf %+v) while r3's FIB is\n  %s\nwant\n  %s", p2p, r.r("r3").in.StubRouter(), r.r("r3").in.FIBStats(), r.r("r3").in.SPFStatus(), strings.Join(got, "\n  "), strings.Join(want, "\n  "))
				}
				break
			}
		}
		if r.clock.Now().Sub(start) > 30*time.Second {
			t.Fatalf("r3 still a stub router after 30 s: %+v", r.r("r3").in.StubRouter())
		}
		r.clock.Advance(time.Millisecond)
	}
	if !sawMax {
		t.Fatal("r2 never saw r3's links at MaxLinkMetric")
	}
	st := r.r("r3").in.StubRouter()
	if st.Active || st.Startup || st.Ended.IsZero() {
		t.Fatalf("r3's stub state after the end: %+v", st)
	}
	// r3's router-LSA naming its new adjacencies waits MinLSInterval
	// after the one Start originated (§12.4); the calculation on it then
	// runs after INITIAL_SPF_DELAY, where RFC 8405 alone, in LONG_WAIT
	// after the burst of the database's events, would wait
	// LONG_SPF_DELAY (another 5 s).
	if d := st.Ended.Sub(firstFull); d > MinLSInterval+DefaultSPFInitialDelay+10*time.Millisecond {
		t.Errorf("stub state ended %v after the first Full adjacency, want within MinLSInterval + INITIAL_SPF_DELAY (%v)", d, MinLSInterval+DefaultSPFInitialDelay)
	}
	t.Logf("r3: first adjacency Full at +%v, routes installed and stub state over %v later", firstFull.Sub(start), st.Ended.Sub(firstFull))
	r.until(30*time.Second, "ring converged", r.converged(o5bothDefaults))
}

// TestStubRouter_RFC6987_3_OnStartupBound: a router that never
// synchronises (its FIB refuses every write) leaves the stub state when
// OnStartup runs out, and says so.
func TestStubRouter_RFC6987_3_OnStartupBound(t *testing.T) {
	r := newO5Ring(t, 32)
	r.watchCarrier()
	r.startAll()
	r.until(60*time.Second, "FIBs converged", r.converged(o5bothDefaults))
	r.stop("r3")
	r.start("r3", func(c *Config) { c.StubRouter.OnStartup = 30 * time.Second })
	r.spies["r3"].FailWhen(func(fibtest.Call) error { return errors.New("netlink: no buffer space") })
	// r3's first instances cross MinLSInterval and its neighbours'
	// MinLSArrival (§12.4, §13 (5a)); the one naming its adjacencies
	// arrives within a retransmission.
	r.until(20*time.Second, "r2 sees r3's links at MaxLinkMetric", func() error {
		if p2p, _, _ := r3Links(r); len(p2p) == 0 || slices.ContainsFunc(p2p, func(m uint16) bool { return m != MaxLinkMetric }) {
			return fmt.Errorf("r3's p2p links %v", p2p)
		}
		return nil
	})
	if st := r.r("r3").in.StubRouter(); !st.Startup {
		t.Fatalf("r3 left the stub state with its FIB failing: %+v", st)
	}
	r.clock.AdvanceTo(r.r("r3").in.StubRouter().Since.Add(30*time.Second + time.Millisecond))
	if st := r.r("r3").in.StubRouter(); st.Startup || st.Active {
		t.Fatalf("r3 still a stub router after OnStartup: %+v", st)
	}
	r.until(10*time.Second, "r2 sees r3's costs", func() error {
		if p2p, _, _ := r3Links(r); len(p2p) == 0 || slices.Contains(p2p, MaxLinkMetric) {
			return fmt.Errorf("r3's p2p links %v", p2p)
		}
		return nil
	})
}

// TestStubRouter_RFC6987_1_Administrative: set by Reconfigure, the
// stub router advertisement moves the ring's transit traffic off r2 (r1
// reaches r3 the other way round, r2's LAN still through r2); cleared,
// the traffic comes back. Nothing else is reset.
func TestStubRouter_RFC6987_1_Administrative(t *testing.T) {
	r := newO5Ring(t, 33)
	r.watchCarrier()
	r.startAll()
	r.until(60*time.Second, "FIBs converged", r.converged(o5bothDefaults))
	r2 := r.r("r2").in
	cfg := curConfig(r2)
	cfg.StubRouter.Administrative = true
	if err := r2.Reconfigure(context.Background(), cfg, nil); err != nil {
		t.Fatal(err)
	}
	via := func(dst string) string {
		for _, l := range r.fibOf("r1") {
			if strings.HasPrefix(l, dst+" ") {
				return strings.TrimPrefix(l, dst+" ")
			}
		}
		return "none"
	}
	r.until(10*time.Second, "r1 routes to r3 around r2", func() error {
		if v := via("192.168.3.0/24"); v != "10.5.1.1@eth1" {
			return fmt.Errorf("r1 → r3's LAN via %s", v)
		}
		return nil
	})
	if v := via("192.168.2.0/24"); v != "10.1.2.2@eth0" {
		t.Errorf("r1 → r2's LAN via %s, want r2 still (its stub link keeps its cost)", v)
	}
	if st := r2.StubRouter(); !st.Active || !st.Administrative || st.Startup {
		t.Errorf("r2's stub state: %+v", st)
	}
	cfg.StubRouter.Administrative = false
	if err := r2.Reconfigure(context.Background(), cfg, nil); err != nil {
		t.Fatal(err)
	}
	r.until(10*time.Second, "ring back to its costs", r.converged(o5bothDefaults))
}

func TestStubRouter_Validate(t *testing.T) {
	cfg := Config{RouterID: netip.MustParseAddr("10.0.0.1"), StubRouter: StubRouter{OnStartup: -time.Second}}
	if err := cfg.Validate(); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "StubRouter.OnStartup") {
		t.Errorf("negative OnStartup: %v", err)
	}
}

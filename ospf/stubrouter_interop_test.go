//go:build linux

package ospf

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// TestInteropFRR_StubRouter_RFC6987: FRR ospfd computes with our stub
// router advertisement as RFC 6987 §2 promises any RFC 2328 router
// does: started with StubRouter.OnStartup, our router-LSA reaches FRR
// with its point-to-point link at MaxLinkMetric (65535), then, once our
// calculation has run on the synchronised database, with its cost; set
// Administrative by Reconfigure, back to 65535 without the adjacency
// being touched, and cleared, back to its cost.
func TestInteropFRR_StubRouter_RFC6987(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "ospfd")
	p := newNSPair(t, 1)
	f := startFRR(t, p.b, frrConf("10.0.0.2", ` ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4`))
	// MinLSInterval 2 s: each instance arrives past FRR's MinLSArrival
	// (1 s), which would discard the one in between (§13 (5a)).
	cfg := Config{RouterID: netip.MustParseAddr("10.0.0.1"), MinLSInterval: 2 * time.Second,
		StubRouter: StubRouter{OnStartup: time.Minute},
		Interfaces: []InterfaceConfig{{
			Name: "veth0", Prefix: netip.MustParsePrefix("10.0.0.1/24"), Network: NetworkPointToPoint,
			HelloInterval: time.Second, RouterDeadInterval: 4 * time.Second,
		}}}
	in := startOurs(t, p.a, cfg)
	f.waitFull(t, "10.0.0.1", 20*time.Second)
	ourFull(t, in, 1, 10*time.Second)
	// The instance naming the adjacency waits MinLSInterval behind the
	// first: it carries MaxLinkMetric, and the one after it the cost.
	var seen []int
	metricIs := func(want int) func() error {
		return func() error {
			_, m := f.ourRouterLSA(t, "10.0.0.1")
			if len(seen) == 0 || seen[len(seen)-1] != m {
				seen = append(seen, m)
			}
			if m != want {
				return errorf("FRR sees our point-to-point metric %d, want %d", m, want)
			}
			return nil
		}
	}
	nstest.Eventually(t, 15*time.Second, metricIs(DefaultCost))
	st := in.StubRouter()
	t.Logf("FRR saw our point-to-point metric go %v; stub state %v → %v", seen, st.Since.Format(time.StampMilli), st.Ended.Format(time.StampMilli))
	if !containsInt(seen, MaxLinkMetric) {
		t.Errorf("FRR never saw our link at MaxLinkMetric: %v", seen)
	}
	before := f.neighborDetail(t, "10.0.0.1")
	time.Sleep(2 * time.Second) // past MinLSInterval

	cfg.StubRouter.Administrative = true
	if err := in.Reconfigure(context.Background(), cfg, nil); err != nil {
		t.Fatal(err)
	}
	nstest.Eventually(t, 10*time.Second, metricIs(MaxLinkMetric))
	time.Sleep(2 * time.Second)
	cfg.StubRouter.Administrative = false
	if err := in.Reconfigure(context.Background(), cfg, nil); err != nil {
		t.Fatal(err)
	}
	nstest.Eventually(t, 10*time.Second, metricIs(DefaultCost))
	if after := f.neighborDetail(t, "10.0.0.1"); !after.full() || after.StateChanges != before.StateChanges {
		t.Errorf("FRR's neighbor went from %+v to %+v: the adjacency was touched", before, after)
	}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

//go:build linux

package ospf

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// TestInteropFRR_ReconfigureCost: ours and FRR Full on a point-to-point
// veth; our cost is changed with Reconfigure. FRR's copy of our
// router-LSA carries the new metric (§12.4: a new instance), and FRR's
// neighbor stayed Full throughout: its state-change counter did not move.
func TestInteropFRR_ReconfigureCost(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "ospfd")
	p := newNSPair(t, 1)
	f := startFRR(t, p.b, frrConf("10.0.0.2", ` ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4`))
	cfg := Config{RouterID: netip.MustParseAddr("10.0.0.1"), MinLSInterval: time.Second, Interfaces: []InterfaceConfig{{
		Name: "veth0", Prefix: netip.MustParsePrefix("10.0.0.1/24"), Network: NetworkPointToPoint,
		HelloInterval: time.Second, RouterDeadInterval: 4 * time.Second,
	}}}
	in := startOurs(t, p.a, cfg)
	f.waitFull(t, "10.0.0.1", 20*time.Second)
	ourFull(t, in, 1, 10*time.Second)
	f.sameDatabase(t, in, 2, 10*time.Second)
	// Our router-LSA listing the adjacency may wait MinLSInterval behind
	// the first one.
	var seq0 uint32
	nstest.Eventually(t, 10*time.Second, func() error {
		var m int
		if seq0, m = f.ourRouterLSA(t, "10.0.0.1"); m != DefaultCost {
			return errorf("FRR sees our point-to-point metric %d, want %d", m, DefaultCost)
		}
		return nil
	})
	before := f.neighborDetail(t, "10.0.0.1")
	t.Logf("FRR's neighbor before: %+v", before)
	// Past MinLSInterval, so that the new instance goes out at once.
	time.Sleep(time.Second)

	cfg.Interfaces[0].Cost = 77
	if err := in.Reconfigure(context.Background(), cfg, nil); err != nil {
		t.Fatal(err)
	}
	nstest.Eventually(t, 10*time.Second, func() error {
		seq, m := f.ourRouterLSA(t, "10.0.0.1")
		if m != 77 || seq != seq0+1 {
			return errorf("FRR sees our router-LSA %#x with metric %d, want %#x with 77", seq, m, seq0+1)
		}
		return nil
	})
	// A few more hellos, so that a reset would show.
	time.Sleep(2 * time.Second)
	after := f.neighborDetail(t, "10.0.0.1")
	t.Logf("FRR's neighbor after: %+v", after)
	if !after.full() || after.StateChanges != before.StateChanges {
		t.Errorf("FRR's neighbor went from %+v to %+v: the adjacency was touched", before, after)
	}
	for _, n := range in.Neighbors() {
		if n.State != NbrFull {
			t.Errorf("our neighbor %v is %v", n.RouterID, n.State)
		}
	}
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// frrNbrDetail is what `show ip ospf neighbor <id> detail json` says of
// an adjacency: its state and how many state changes it went through
// (FRR's nbr->state_change).
type frrNbrDetail struct {
	State        string `json:"nbrState"`
	StateChanges int    `json:"stateChangeCounter"`
}

func (d frrNbrDetail) full() bool { return strings.HasPrefix(d.State, "Full") }

func (f *frr) neighborDetail(t *testing.T, rid string) frrNbrDetail {
	t.Helper()
	var v map[string][]frrNbrDetail
	if err := f.jsonCmd("show ip ospf neighbor "+rid+" detail json", &v); err != nil {
		t.Fatal(err)
	}
	if len(v[rid]) != 1 {
		t.Fatalf("FRR lists %d neighbors %s: %+v", len(v[rid]), rid, v)
	}
	return v[rid][0]
}

// ourRouterLSA returns the sequence number of FRR's copy of the
// router-LSA of rid and the metric of its point-to-point link.
func (f *frr) ourRouterLSA(t *testing.T, rid string) (seq uint32, metric int) {
	t.Helper()
	var v struct {
		RouterLinkStates struct {
			Areas map[string][]struct {
				Seq   string `json:"lsaSeqNumber"`
				Links map[string]struct {
					Type   string `json:"linkType"`
					Metric int    `json:"tos0Metric"`
				} `json:"routerLinks"`
			} `json:"areas"`
		} `json:"routerLinkStates"`
	}
	if err := f.jsonCmd("show ip ospf database router "+rid+" json", &v); err != nil {
		t.Fatal(err)
	}
	lsas := v.RouterLinkStates.Areas["0.0.0.0"]
	if len(lsas) != 1 {
		t.Fatalf("FRR holds %d router-LSAs of %s", len(lsas), rid)
	}
	s, err := strconv.ParseUint(lsas[0].Seq, 16, 32)
	if err != nil {
		t.Fatal(err)
	}
	metric = -1
	for _, l := range lsas[0].Links {
		if strings.Contains(l.Type, "point-to-point") {
			metric = l.Metric
		}
	}
	return uint32(s), metric
}

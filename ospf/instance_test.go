package ospf

import (
	"slices"
	"testing"
	"time"

	"github.com/switchless/routing/internal/netsim"
)

// TestSimP2PFull: two routers on a point-to-point link reach Full (§10.3)
// and hold identical databases with both router-LSAs, each describing the
// point-to-point link and the stub subnet (§12.4.1.1).
func TestSimP2PFull(t *testing.T) {
	s := newSim(t, 1)
	s.router("r1", "1.1.1.1")
	s.router("r2", "2.2.2.2")
	s.link("r1", "r2", "10.0.12.0/30", netsim.Conditions{Latency: time.Millisecond})
	s.startAll()
	took := s.until(60*time.Second, "Full", s.fullCount(map[string]int{"r1": 1, "r2": 1}))
	t.Logf("Full after %v", took)
	s.until(10*time.Second, "identical LSDBs", s.sameLSDB(2))
	rl, ok := routerLSA(s.r("r1").in, "2.2.2.2")
	if !ok {
		t.Fatal("r1 lacks r2's router-LSA")
	}
	if got, want := linkTypes(rl), []string{"PointToPoint:1.1.1.1", "Stub:10.0.12.0"}; !slices.Equal(got, want) {
		t.Errorf("r2's router-LSA links = %v, want %v", got, want)
	}
	n, _ := s.r("r1").nbr("2.2.2.2")
	if n.Master {
		t.Errorf("r1 (lower Router ID) is master; §10.8 makes the higher Router ID master")
	}
}

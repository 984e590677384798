package ring

import (
	"fmt"
	"net/netip"
	"testing"
)

// BenchmarkSimRun runs every scenario of a ring, the work behind one
// `ringsim` invocation.
func BenchmarkSimRun(b *testing.B) {
	for _, prof := range []Profile{ProfileFast, ProfileRFC} {
		for _, n := range []int{5, 8} {
			b.Run(fmt.Sprintf("%v/N=%d", prof, n), func(b *testing.B) {
				spec := paperSpec(n)
				spec.Profile = prof
				b.ReportAllocs()
				for b.Loop() {
					s, err := NewSim(SimConfig{Spec: spec, Seed: 1})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := s.Run(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkTrace is one instant trace from the gateway to the server
// farthest from the master edge in a converged 8-node ring.
func BenchmarkTrace(b *testing.B) {
	s := coldStartedSim(b, 8)
	dst := netip.MustParseAddr("10.5.0.2")
	if tr := s.Trace(s.Gateway(), dst); !tr.OK() || len(tr.Hops) != 7 {
		b.Fatalf("%v", tr)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Trace(s.Gateway(), dst)
	}
}

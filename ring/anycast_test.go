package ring

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestAnycastSpec_Validate(t *testing.T) {
	bad := map[string]func(*Spec){
		"Anycast.VIP: invalid":           func(s *Spec) { s.Anycast.VIP = netip.Addr{} },
		"Anycast.VIP: on a server LAN":   func(s *Spec) { s.Anycast.VIP = netip.MustParseAddr("10.3.0.9") },
		"Anycast.VIP: on the upstream":   func(s *Spec) { s.Anycast.VIP = netip.MustParseAddr("192.0.2.9") },
		"Anycast.VIP: on a ring link":    func(s *Spec) { s.Anycast.VIP = netip.MustParseAddr("10.255.0.1") },
		"Anycast.VIP: IPv6":              func(s *Spec) { s.Anycast.VIP = netip.MustParseAddr("2001:db8::1") },
		"Anycast.Replicas: empty":        func(s *Spec) { s.Anycast.Replicas = nil },
		"Anycast.Replicas[1]: not node":  func(s *Spec) { s.Anycast.Replicas = []string{"vr2", "vr9"} },
		"Anycast.Replicas[1]: duplicate": func(s *Spec) { s.Anycast.Replicas = []string{"vr2", "vr2"} },
		"Anycast.Replicas[0]: no LAN":    func(s *Spec) { s.Nodes[1].LANs = nil },
	}
	for name, mod := range bad {
		t.Run(name, func(t *testing.T) {
			s := PaperSpec(5, ProfileFast)
			a := *s.Anycast
			s.Anycast = &a
			mod(&s)
			err := s.Validate()
			field := strings.SplitN(name, ":", 2)[0]
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), field+":") {
				t.Fatalf("err %v, want ErrInvalidConfig naming %s", err, field)
			}
		})
	}
	if s := PaperSpec(3, ProfileFast); s.Anycast != nil {
		t.Errorf("PaperSpec(3) has an anycast service %v: its replicas cannot be apart", s.Anycast)
	}
}

// TestSim_S5 measures S5 and S5r on the paper's 5-node ring over five
// seeds: when the service fails on vr2-srv0 (next to the master edge)
// the gateway's probes of the VIP move to vr4-srv0 within the health
// check's detection (fall 3 × 100 ms fast, × 1 s rfc) plus the SPF of
// the flushed AS-external-LSA, and within the 0.5 s on the fast
// profile (measured 200–270 ms, rfc 2.5–2.9 s); the outage is never shorter than two
// check intervals (the third failed check cannot come earlier), and the
// return costs nothing.
func TestSim_S5(t *testing.T) {
	for _, prof := range []Profile{ProfileFast, ProfileRFC} {
		iv, _, fall := prof.anycastTiming()
		limit := map[Profile]time.Duration{ProfileFast: 500 * time.Millisecond, ProfileRFC: 3500 * time.Millisecond}[prof]
		for seed := int64(1); seed <= 5; seed++ {
			t.Run(fmt.Sprintf("%v/seed=%d", prof, seed), func(t *testing.T) {
				t.Parallel()
				spec := PaperSpec(5, prof)
				s, err := NewSim(SimConfig{Spec: spec, Seed: seed})
				if err != nil {
					t.Fatal(err)
				}
				vip := spec.Anycast.VIP
				target := AnycastTarget(vip)
				for _, st := range s.Steps() {
					if st.ID != "S0" && st.ID != "S5" && st.ID != "S5r" {
						continue
					}
					r, err := s.RunStep(st)
					if err != nil {
						t.Fatal(err)
					}
					t.Logf("%s outage %v bound %v lost %v converged %v worst %s", r.ID, r.Outage, r.Bound, r.Lost, r.Converged, r.Worst)
					if !r.Reachable || r.Loops > 0 {
						t.Errorf("%s: reachable %v, %d loops: %v", r.ID, r.Reachable, r.Loops, s.Unreachable())
					}
					tr := s.Trace(s.Gateway(), vip)
					at := tr.Path()[len(tr.Path())-1]
					switch r.ID {
					case "S5":
						if at != "vr4-srv0" {
							t.Errorf("S5: the VIP is reached at %s (%v), want vr4-srv0", at, tr)
						}
						if !strings.HasPrefix(r.Worst, target+":") {
							t.Errorf("S5: the worst outage is %q, want the VIP's", r.Worst)
						}
						if r.Outage > limit || r.Outage > r.Bound {
							t.Errorf("S5: outage %v, over %v or the step's bound %v (%s)", r.Outage, limit, r.Bound, r.Why)
						}
						if min := time.Duration(fall-1) * iv; r.Outage < min {
							t.Errorf("S5: outage %v, shorter than %d check intervals: the failure was not measured", r.Outage, fall-1)
						}
					case "S5r":
						if at != "vr2-srv0" {
							t.Errorf("S5r: the VIP is reached at %s (%v), want vr2-srv0 back", at, tr)
						}
						if r.Lost != 0 {
							t.Errorf("S5r: %v of probes lost: %s", r.Lost, r.Worst)
						}
					}
				}
			})
		}
	}
}

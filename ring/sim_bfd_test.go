package ring

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/bfd/packet"
	"github.com/switchless/routing/ospf"
)

// freezeTarget is issue 13's target for S1f and S2f with the fast
// profile: BFD at 50 ms × 3 detects the frozen node in at most 150 ms
// (RFC 5880 §6.8.4), and SPF, flooding and the probe resolution fit in
// the rest.
const freezeTarget = 200 * time.Millisecond

// bfdDowns records, per step, the BFD sessions that went Down ("node:
// event text"), from a Sim's events.
type bfdDowns struct {
	cur  string
	down map[string][]string
}

func (b *bfdDowns) event(e Event) {
	switch {
	case e.Kind == EventScenario && !strings.Contains(e.Text, " done: "):
		b.cur, _, _ = strings.Cut(e.Text, ":")
	case e.Kind == EventBFD && strings.HasPrefix(e.Text, "session-down"):
		if b.down == nil {
			b.down = map[string][]string{}
		}
		b.down[b.cur] = append(b.down[b.cur], e.Node+": "+e.Text)
	}
}

// checkFreezeBFD checks a fast-profile step: a node that freezes with its
// links up (S1f, S2f) is routed around within freezeTarget, because both
// its neighbours' BFD sessions time out (diag 1, control detection time
// expired, RFC 5880 §6.8.4) and OSPF kills the adjacencies (RFC 5882
// §4.1) long before the 1 s dead interval; in no other step does a
// session time out (a link that goes down takes its sessions with it).
func checkFreezeBFD(t *testing.T, s *Sim, r Result, b *bfdDowns) {
	t.Helper()
	expired := packet.DiagControlDetectExpired.String()
	if r.ID != "S1f" && r.ID != "S2f" {
		for _, d := range b.down[r.ID] {
			if strings.Contains(d, expired) {
				t.Errorf("%s: a BFD session timed out: %s", r.ID, d)
			}
		}
		return
	}
	if r.Outage > freezeTarget || !r.WithinBound() {
		t.Errorf("%s: outage %v (bound %v, target %v): %s", r.ID, r.Outage, r.Bound, freezeTarget, r.Worst)
	}
	victim := s.nodes[s.r.edges[0].node].Name()
	if r.ID == "S2f" {
		victim, _ = s.busiestInner()
	}
	var got int
	for _, d := range b.down[r.ID] {
		if strings.Contains(d, expired) && !strings.HasPrefix(d, victim+":") {
			got++
		}
	}
	if got != 2 {
		t.Errorf("%s: %d neighbours of %s timed their BFD session out, want 2: %q", r.ID, got, victim, b.down[r.ID])
	}
}

// TestSim_BFDFreeze_Fast runs the freezes of the fast profile on more
// seeds than TestSim_Scenarios (which checks them once per ring size), so
// that the point of the freeze in the BFD transmit period varies: each
// time the frozen node is routed around within freezeTarget by BFD.
func TestSim_BFDFreeze_Fast(t *testing.T) {
	for _, n := range []int{4, 5} {
		for _, seed := range []int64{2, 3} {
			t.Run(fmt.Sprintf("N=%d/seed=%d", n, seed), func(t *testing.T) {
				t.Parallel()
				var b bfdDowns
				s, err := NewSim(SimConfig{Spec: PaperSpec(n, ProfileFast), Seed: seed, OnEvent: b.event})
				if err != nil {
					t.Fatal(err)
				}
				var steps []Step
				for _, st := range s.Steps() {
					switch st.ID {
					case "S0", "S1f", "S4f", "S2f":
						steps = append(steps, st)
					}
				}
				rs, err := s.Run(steps...)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rs {
					if !r.Reachable {
						t.Errorf("%s: unreachable at the end: %v", r.ID, s.Unreachable())
					}
					checkFreezeBFD(t, s, r, &b)
				}
			})
		}
	}
}

// TestSim_BFDSessions checks the sessions of a settled fast ring: one Up
// session per ring neighbour, at 50 ms with a 150 ms detection time, and
// OSPF's neighbours on the ring links watched by BFD; the RFC profile
// runs none.
func TestSim_BFDSessions(t *testing.T) {
	for _, prof := range []Profile{ProfileFast, ProfileRFC} {
		t.Run(prof.String(), func(t *testing.T) {
			s, err := NewSim(SimConfig{Spec: PaperSpec(4, prof), Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Run(s.Steps()[0]); err != nil {
				t.Fatal(err)
			}
			// The sessions come Up after the slow start of RFC 5880 §6.8.3
			// and the Poll Sequence that speeds them up.
			s.Advance(3 * time.Second)
			for _, sn := range s.nodes {
				node := sn.Node()
				ss := node.BFDSessions()
				if prof == ProfileRFC {
					if node.BFD() != nil || ss != nil {
						t.Errorf("%s: BFD runs with the RFC profile: %v", sn.Name(), ss)
					}
					continue
				}
				if len(ss) != 2 {
					t.Fatalf("%s: %d BFD sessions, want 2 (east, west): %+v", sn.Name(), len(ss), ss)
				}
				for _, si := range ss {
					ifc, _ := sn.Config().Interface(si.Interface)
					if si.Peer != ifc.Peer || si.State != packet.StateUp || si.Clients != 1 {
						t.Errorf("%s: session %s %v: state %v, %d clients; want Up to %v with OSPF its client", sn.Name(), si.Interface, si.Peer, si.State, si.Clients, ifc.Peer)
					}
					if si.TxInterval != 50*time.Millisecond || si.DetectTime != 150*time.Millisecond {
						t.Errorf("%s: session %s: tx %v, detect %v; want 50ms, 150ms", sn.Name(), si.Interface, si.TxInterval, si.DetectTime)
					}
				}
				for _, nb := range node.OSPF().Neighbors() {
					if nb.BFD != ospf.BFDUp {
						t.Errorf("%s: OSPF neighbor %v on %s: BFD %v", sn.Name(), nb.RouterID, nb.Interface, nb.BFD)
					}
				}
			}
		})
	}
}

// TestSim_BFDAuth: with Spec.BFDAuth every ring link's session comes Up
// authenticated (RFC 5880 §6.7), and a bad key is refused by Validate
// with the field.
func TestSim_BFDAuth(t *testing.T) {
	spec := PaperSpec(3, ProfileFast)
	spec.BFDAuth = &bfd.Auth{Type: packet.AuthMeticulousKeyedSHA1, KeyID: 1, Key: []byte("ring-secret")}
	s, err := NewSim(SimConfig{Spec: spec, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Run(s.Steps()[0]); err != nil {
		t.Fatal(err)
	}
	s.Advance(3 * time.Second)
	for _, sn := range s.nodes {
		for _, si := range sn.Node().BFDSessions() {
			if si.State != packet.StateUp || si.Auth != packet.AuthMeticulousKeyedSHA1 {
				t.Errorf("%s %s: %v auth %v", sn.Name(), si.Interface, si.State, si.Auth)
			}
		}
		if st := sn.Node().BFD().Stats(); st.DroppedAuth != 0 || st.DroppedReplay != 0 {
			t.Errorf("%s: drops %+v", sn.Name(), st)
		}
	}
	spec.BFDAuth = &bfd.Auth{Type: packet.AuthKeyedMD5, Key: make([]byte, 17)}
	if err := spec.Validate(); err == nil || !strings.Contains(err.Error(), "BFDAuth.Key") {
		t.Errorf("17-byte MD5 key: %v", err)
	}
}

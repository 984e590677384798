package ospf

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/ospf/packet"
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

// drState returns a router's view of DR and BDR on its first interface.
func drState(r *simRouter) (state InterfaceState, dr, bdr string) {
	st := r.in.Interfaces()[0]
	return st.State, st.DRID.String(), st.BDRID.String()
}

// agreeDR checks that every running router on the segment agrees on the
// DR and BDR (by Router ID) and that each one's state matches its role.
func (s *sim) agreeDR(dr, bdr string) func() error {
	return func() error {
		for _, r := range s.running() {
			st, d, b := drState(r)
			if d != dr || b != bdr {
				return fmt.Errorf("%s sees DR %s BDR %s (state %v), want DR %s BDR %s", r.name, d, b, st, dr, bdr)
			}
			want := IfDROther
			switch r.rid.String() {
			case dr:
				want = IfDR
			case bdr:
				want = IfBackup
			}
			if st != want {
				return fmt.Errorf("%s is %v, want %v", r.name, st, want)
			}
		}
		return nil
	}
}

// TestSimBroadcastElection: four routers on a segment elect the DR and
// BDR the RFC prescribes (§9.4: highest priority, then highest Router ID;
// priority 0 never), form adjacencies only with DR and BDR (§10.4), and
// after the DR dies the BDR takes over and a new BDR is elected; when the
// old DR returns with the highest priority it does not preempt.
func TestSimBroadcastElection(t *testing.T) {
	s := newSim(t, 2)
	prio := map[string]uint8{"r1": 1, "r2": 1, "r3": 2, "r4": 0}
	for i, n := range []string{"r1", "r2", "r3", "r4"} {
		r := s.router(n, fmt.Sprintf("%d.%d.%d.%d", i+1, i+1, i+1, i+1))
		p := prio[n]
		r.tweak = func(ic *InterfaceConfig) { ic.Priority = Priority(p) }
	}
	s.segment("lan", "10.0.0.0/24", netsim.Conditions{Latency: time.Millisecond}, "r1", "r2", "r3", "r4")
	s.startAll()

	took := s.until(90*time.Second, "election", s.agreeDR("3.3.3.3", "2.2.2.2"))
	t.Logf("DR/BDR elected after %v", took)
	// §10.4: DR and BDR are adjacent with everyone; DROthers only with
	// DR and BDR.
	s.until(30*time.Second, "adjacencies", s.fullCount(map[string]int{"r1": 2, "r2": 3, "r3": 3, "r4": 2}))
	if n, _ := s.r("r1").nbr("4.4.4.4"); n.State != NbrTwoWay {
		t.Errorf("r1-r4 (two DROthers) is %v, want 2-Way", n.State)
	}
	s.until(30*time.Second, "identical LSDBs", s.sameLSDB(4))
	// §12.4.2: the DR originates the network-LSA listing every router.
	nl := s.r("r1").in.LSDB(LSDBFilter{Type: packet.LSTypeNetwork})
	if len(nl) != 1 || nl[0].LSA.Header.AdvRouter.String() != "3.3.3.3" || len(nl[0].LSA.Network.AttachedRouters) != 4 {
		t.Fatalf("network-LSAs = %+v, want one from 3.3.3.3 with 4 routers", nl)
	}

	// The DR dies: after RouterDeadInterval the BDR becomes DR and r1
	// (priority 1, the only other eligible router) becomes BDR.
	s.r("r3").node.Crash()
	s.stop("r3")
	took = s.until(90*time.Second, "re-election", s.agreeDR("2.2.2.2", "1.1.1.1"))
	t.Logf("re-elected after %v", took)
	s.until(30*time.Second, "adjacencies after DR death", s.fullCount(map[string]int{"r1": 2, "r2": 2, "r4": 2}))

	// The old DR returns with the highest priority: non-preemptive.
	s.r("r3").node.Restart()
	s.start("r3")
	s.until(120*time.Second, "adjacencies after return", s.fullCount(map[string]int{"r1": 3, "r2": 3, "r3": 2, "r4": 2}))
	s.until(10*time.Second, "non-preemption", s.agreeDR("2.2.2.2", "1.1.1.1"))
	s.until(60*time.Second, "identical LSDBs after return", s.sameLSDB(4))
	nl = s.r("r4").in.LSDB(LSDBFilter{Type: packet.LSTypeNetwork})
	var live []string
	for _, e := range nl {
		if packet.LSAge(e.LSA.Header.Age) != packet.MaxAge {
			live = append(live, e.LSA.Header.AdvRouter.String())
		}
	}
	if !slices.Equal(live, []string{"2.2.2.2"}) {
		t.Errorf("live network-LSAs from %v, want only the new DR 2.2.2.2", live)
	}
}

// ring builds an n-router ring of point-to-point links.
func ring(t testing.TB, seed int64, n int, cond netsim.Conditions) *sim {
	s := newSim(t, seed)
	for i := 1; i <= n; i++ {
		s.router(fmt.Sprintf("r%d", i), fmt.Sprintf("10.255.0.%d", i))
	}
	for i := 1; i <= n; i++ {
		j := i%n + 1
		s.link(fmt.Sprintf("r%d", i), fmt.Sprintf("r%d", j), fmt.Sprintf("10.%d.%d.0/30", i, j), cond)
	}
	return s
}

func ringFull(s *sim, n int) func() error {
	want := map[string]int{}
	for i := 1; i <= n; i++ {
		want[fmt.Sprintf("r%d", i)] = 2
	}
	return s.fullCount(want)
}

// TestSimRing5: a 5-router ring converges to identical databases on every
// router (§13 flooding reaches everyone through the adjacencies).
func TestSimRing5(t *testing.T) {
	s := ring(t, 3, 5, netsim.Conditions{Latency: 2 * time.Millisecond})
	s.startAll()
	s.until(60*time.Second, "ring Full", ringFull(s, 5))
	took := s.until(30*time.Second, "identical LSDBs", s.sameLSDB(5))
	t.Logf("identical after a further %v", took)
	// Each router-LSA describes two point-to-point links and two stubs.
	for i := 1; i <= 5; i++ {
		rl, _ := routerLSA(s.r("r1").in, fmt.Sprintf("10.255.0.%d", i))
		if len(rl.Links) != 4 {
			t.Errorf("router %d has %d links, want 4: %v", i, len(rl.Links), linkTypes(rl))
		}
	}
}

// TestSimRing5LossJitter: the same ring with 20 % loss and jitter on every
// link still converges, within a bounded virtual time, thanks to
// retransmissions of DDs, LS Requests and LS Updates (RxmtInterval).
func TestSimRing5LossJitter(t *testing.T) {
	s := ring(t, 4, 5, netsim.Conditions{Latency: 2 * time.Millisecond, Jitter: 20 * time.Millisecond, Loss: 0.2})
	s.startAll()
	took := s.until(5*time.Minute, "ring Full under loss", ringFull(s, 5))
	t.Logf("Full after %v", took)
	took = s.until(5*time.Minute, "identical LSDBs under loss", s.sameLSDB(5))
	t.Logf("identical after a further %v", took)
	// Once the network is quiet, retransmission lists drain.
	s.until(2*time.Minute, "retransmission lists empty", func() error {
		for _, r := range s.running() {
			for _, n := range r.in.Neighbors() {
				if n.RetransmitList != 0 || n.RequestList != 0 {
					return fmt.Errorf("%s: neighbor %v has %d to retransmit, %d requested", r.name, n.RouterID, n.RetransmitList, n.RequestList)
				}
			}
		}
		return nil
	})
	st := s.r("r1").in.Stats()
	if st.Sent[packet.TypeLSUpdate] == 0 || st.Received[packet.TypeLSAck] == 0 {
		t.Errorf("no LS Updates or acks counted: %+v", st)
	}
}

// TestSimMaxAgeFlush: a router that stops gracefully flushes its LSAs by
// premature aging (§14.1); the MaxAge instances propagate round the ring
// and are then removed from every database (§14).
func TestSimMaxAgeFlush(t *testing.T) {
	s := ring(t, 5, 5, netsim.Conditions{Latency: 2 * time.Millisecond})
	s.startAll()
	s.until(60*time.Second, "ring Full", ringFull(s, 5))
	s.until(30*time.Second, "identical LSDBs", s.sameLSDB(5))
	gone := packet.LSAKey{Type: packet.LSTypeRouter, ID: netip.MustParseAddr("10.255.0.3"), AdvRouter: netip.MustParseAddr("10.255.0.3")}
	// Let MinLSArrival pass since the last change (§13 step 5a would
	// make the neighbors discard a flush arriving sooner).
	s.clock.Advance(2 * time.Second)
	s.stop("r3")
	// The flush reaches r1, two hops away, as a MaxAge instance...
	sawMaxAge := false
	s.until(10*time.Second, "flush seen", func() error {
		e, ok := s.r("r1").in.LookupLSA(gone)
		if ok && packet.LSAge(e.LSA.Header.Age) == packet.MaxAge {
			sawMaxAge = true
		}
		if !sawMaxAge {
			return fmt.Errorf("r1 holds %+v", e.LSA.Header)
		}
		return nil
	})
	// ...and is then removed everywhere, well before it could have aged.
	s.until(60*time.Second, "flush removed", func() error {
		for _, r := range s.running() {
			if _, ok := r.in.LookupLSA(gone); ok {
				return fmt.Errorf("%s still holds r3's router-LSA", r.name)
			}
		}
		return nil
	})
	s.until(60*time.Second, "identical LSDBs", s.sameLSDB(4))
}

// TestSimMTUMismatch: §10.6 rejects a DD whose Interface MTU exceeds ours,
// so the adjacency sticks in ExStart; with MTUIgnore on the smaller side
// it reaches Full.
func TestSimMTUMismatch(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		t.Run(fmt.Sprintf("MTUIgnore=%v", ignore), func(t *testing.T) {
			s := newSim(t, 6)
			s.router("r1", "1.1.1.1")
			s.router("r2", "2.2.2.2")
			s.link("r1", "r2", "10.0.12.0/30", netsim.Conditions{Latency: time.Millisecond, MTU: 9000})
			s.r("r1").ifcs[0].MTU = 1500
			s.r("r1").ifcs[0].MTUIgnore = ignore
			s.r("r2").ifcs[0].MTU = 9000
			s.startAll()
			if ignore {
				s.until(60*time.Second, "Full", s.fullCount(map[string]int{"r1": 1, "r2": 1}))
				return
			}
			s.clock.Advance(3 * time.Minute)
			n1, _ := s.r("r1").nbr("2.2.2.2")
			if n1.State != NbrExStart {
				t.Errorf("r1's neighbor is %v, want stuck in ExStart", n1.State)
			}
			if d := s.r("r1").in.Stats().Dropped[DropMTU]; d == 0 {
				t.Errorf("no DD dropped for MTU at r1")
			}
		})
	}
}

// TestSimDeterministic: the same seed gives the same run, to the packet.
func TestSimDeterministic(t *testing.T) {
	run := func() string {
		s := ring(t, 42, 5, netsim.Conditions{Latency: time.Millisecond, Jitter: 10 * time.Millisecond, Loss: 0.1})
		s.startAll()
		s.clock.Advance(3 * time.Minute)
		var b strings.Builder
		for _, r := range s.running() {
			st := r.in.Stats()
			fmt.Fprintf(&b, "%s %v %v %v\n%s", r.name, st.Sent, st.Received, st.Dropped, lsdbDigest(r.in))
		}
		fmt.Fprintf(&b, "%+v", s.net.Stats())
		return b.String()
	}
	a, b := run(), run()
	if a != b {
		t.Fatalf("two runs with the same seed differ:\n%s\n---\n%s", a, b)
	}
}

// watchCarrier makes carrier changes of every attachment of the running
// routers reach their instances at once, as a daemon following netlink
// link events would (§9.3 InterfaceDown/InterfaceUp, §10.3 LLDown).
func (s *sim) watchCarrier() {
	for _, name := range s.order {
		r := s.r(name)
		for ifname, att := range r.atts {
			ifname := ifname
			att.OnLinkState(func(up bool) {
				if r.in == nil {
					return
				}
				if up {
					_ = r.in.InterfaceUp(ifname)
				} else {
					_ = r.in.InterfaceDown(ifname)
				}
			})
		}
	}
}

// TestSimLinkCutTakesEffectAtOnce: a cut ring link is reported by the
// caller (InterfaceDown); both ends drop the adjacency at once instead of
// after RouterDeadInterval, every router learns the new topology, and the
// adjacency returns when the link is restored.
func TestSimLinkCutTakesEffectAtOnce(t *testing.T) {
	s := ring(t, 7, 5, netsim.Conditions{Latency: time.Millisecond})
	s.watchCarrier()
	s.startAll()
	s.until(60*time.Second, "ring Full", ringFull(s, 5))
	s.until(30*time.Second, "identical LSDBs", s.sameLSDB(5))

	link := s.net.LinkByName("r2/eth1-r3/eth0")
	if link == nil {
		t.Fatal("no link r2-r3")
	}
	link.Cut()
	if n, ok := s.r("r2").nbr("10.255.0.3"); ok {
		t.Fatalf("r2 still has r3 as %v right after the cut", n.State)
	}
	if st := s.r("r3").in.Interfaces()[0].State; st != IfDown {
		t.Fatalf("r3's interface is %v after the cut", st)
	}
	// Within MinLSInterval plus flooding, r5 sees that r2 no longer
	// lists r3.
	took := s.until(10*time.Second, "new topology", func() error {
		rl, _ := routerLSA(s.r("r5").in, "10.255.0.2")
		for _, l := range rl.Links {
			if l.Type == packet.LinkPointToPoint && l.ID.String() == "10.255.0.3" {
				return fmt.Errorf("r5 still sees r2-r3: %v", linkTypes(rl))
			}
		}
		return nil
	})
	t.Logf("topology change seen two hops away after %v", took)
	s.until(30*time.Second, "identical LSDBs after the cut", s.sameLSDB(5))

	link.Restore()
	s.until(60*time.Second, "ring Full again", ringFull(s, 5))
	s.until(30*time.Second, "identical LSDBs after restore", s.sameLSDB(5))
}

// TestSimAuthenticatedRing: MD5 on some links and HMAC-SHA-256 on others
// (RFC 2328 D.3, RFC 5709); one link with mismatched keys never forms an
// adjacency and its drops are counted, while flooding goes round the
// other way.
func TestSimAuthenticatedRing(t *testing.T) {
	s := newSim(t, 8)
	for i := 1; i <= 4; i++ {
		s.router(fmt.Sprintf("r%d", i), fmt.Sprintf("10.255.0.%d", i))
	}
	md5 := func(secret string) func(*InterfaceConfig) {
		return func(ic *InterfaceConfig) {
			ic.Auth = AuthConfig{Type: packet.AuthCrypto, Keys: []Key{{ID: 1, Algorithm: packet.AlgMD5, Secret: []byte(secret)}}}
		}
	}
	sha := func(ic *InterfaceConfig) {
		ic.Auth = AuthConfig{Type: packet.AuthCrypto, Keys: []Key{{ID: 2, Algorithm: packet.AlgHMACSHA256, Secret: []byte("sha")}}}
	}
	cond := netsim.Conditions{Latency: time.Millisecond}
	s.link("r1", "r2", "10.1.2.0/30", cond, md5("a"))
	s.link("r2", "r3", "10.2.3.0/30", cond, sha)
	s.link("r3", "r4", "10.3.4.0/30", cond, md5("b"))
	s.link("r4", "r1", "10.4.1.0/30", cond)
	// r1's side of r1-r2 uses another MD5 secret than r2's.
	s.r("r1").ifcs[0].Auth.Keys[0].Secret = []byte("not-a")
	s.startAll()
	s.until(60*time.Second, "adjacencies", s.fullCount(map[string]int{"r1": 1, "r2": 1, "r3": 2, "r4": 2}))
	s.until(30*time.Second, "identical LSDBs", s.sameLSDB(4))
	// r1's first hello left before r2 listened; its next one, a
	// HelloInterval later, meets r2's check.
	s.clock.Advance(DefaultHelloInterval)
	if d := s.r("r2").in.Stats().Dropped[DropAuth]; d == 0 {
		t.Error("r2 counted no authentication drops from r1's wrong key")
	}
	if _, ok := s.r("r2").nbr("10.255.0.1"); ok {
		t.Error("r2 has r1 as a neighbor despite the wrong key")
	}
}

// TestSimHostileLinksManySeeds: rings and a broadcast segment under loss,
// jitter, reordering and duplication, over many seeds: every run must
// converge to Full adjacencies and identical databases, and drain its
// retransmission lists, within a bounded virtual time.
func TestSimHostileLinksManySeeds(t *testing.T) {
	cond := netsim.Conditions{Latency: time.Millisecond, Jitter: 30 * time.Millisecond, Loss: 0.25,
		Reorder: 0.1, ReorderDelay: 50 * time.Millisecond, Duplicate: 0.05}
	seeds := 20
	if testing.Short() {
		seeds = 4
	}
	for seed := int64(100); seed < int64(100+seeds); seed++ {
		s := ring(t, seed, 5, cond)
		s.segment("lan", "10.9.0.0/24", cond, "r1", "r2", "r3")
		s.startAll()
		want := map[string]int{"r1": 4, "r2": 4, "r3": 4, "r4": 2, "r5": 2}
		s.until(10*time.Minute, fmt.Sprintf("seed %d Full", seed), s.fullCount(want))
		s.until(10*time.Minute, fmt.Sprintf("seed %d identical LSDBs", seed), s.sameLSDB(5))
		s.until(10*time.Minute, fmt.Sprintf("seed %d quiet", seed), func() error {
			for _, r := range s.running() {
				for _, n := range r.in.Neighbors() {
					if n.RetransmitList+n.RequestList != 0 {
						return fmt.Errorf("%s: %v has %d/%d", r.name, n.RouterID, n.RetransmitList, n.RequestList)
					}
				}
			}
			return nil
		})
	}
}

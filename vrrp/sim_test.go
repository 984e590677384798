package vrrp

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/switchless/routing"
	"github.com/switchless/routing/netsim"
)

var simVIP = netip.MustParseAddr("192.0.2.100")

// simNode is one VRRP router on the simulated LAN.
type simNode struct {
	name   string
	node   *netsim.Node
	att    *netsim.Attachment
	cfg    Config
	r      *Router
	addrs  *MemoryAddresses
	trans  []Transition
	events []Event
}

// simLAN is a broadcast segment on a manual clock with VRRP routers on it,
// addressed 192.0.2.1, .2, ... /24 in order of creation.
type simLAN struct {
	t     *testing.T
	clock *routing.ManualClock
	net   *netsim.Network
	seg   *netsim.Link
	nodes []*simNode
}

func newSimLAN(t *testing.T) *simLAN {
	clock := routing.NewManualClock(time.Time{})
	n := netsim.New(clock, 1, nil)
	seg, err := n.Segment("lan", netsim.SegmentConfig{Conditions: netsim.Conditions{Latency: 100 * time.Microsecond}})
	if err != nil {
		t.Fatal(err)
	}
	return &simLAN{t: t, clock: clock, net: n, seg: seg}
}

// add attaches a router configured by cfg (Address, VRID and VIP
// filled in when zero) without starting it.
func (s *simLAN) add(cfg Config) *simNode {
	s.t.Helper()
	i := len(s.nodes) + 1
	name := fmt.Sprintf("r%d", i)
	addr := netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), 24)
	nd := s.net.Node(name)
	att, err := s.seg.Attach(nd, "eth0", addr)
	if err != nil {
		s.t.Fatal(err)
	}
	if cfg.VRID == 0 {
		cfg.VRID = 1
	}
	if !cfg.Address.IsValid() {
		cfg.Address = addr
	}
	if cfg.VirtualAddresses == nil {
		cfg.VirtualAddresses = []netip.Addr{simVIP}
	}
	cfg.Interface = "eth0"
	sn := &simNode{name: name, node: nd, att: att, cfg: cfg}
	s.nodes = append(s.nodes, sn)
	sn.start(s.t, s)
	return sn
}

// start makes a fresh Router for the node (a Router starts once).
func (sn *simNode) start(t *testing.T, s *simLAN) {
	t.Helper()
	tr, err := sn.att.Transport(netsim.TransportConfig{IPProto: netsim.ProtoVRRP, Src: sn.cfg.Address.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	sn.addrs = NewMemoryAddresses(s.clock, nil)
	cfg := sn.cfg
	r, err := New(cfg, Env{Clock: s.clock, Transport: tr, Addresses: sn.addrs, OnEvent: func(e Event) {
		sn.events = append(sn.events, e)
		if e.Kind == EventTransition {
			sn.trans = append(sn.trans, e.Transition)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	sn.r = r
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
}

// masters returns the nodes in Master state.
func (s *simLAN) masters() []*simNode {
	var m []*simNode
	for _, n := range s.nodes {
		if n.r.State() == Master {
			m = append(m, n)
		}
	}
	return m
}

// requireMaster checks that want is the only Master, owns the VIP alone,
// and that every Backup knows it as the Master.
func (s *simLAN) requireMaster(want *simNode) {
	s.t.Helper()
	m := s.masters()
	if len(m) != 1 || m[0] != want {
		var names []string
		for _, n := range m {
			names = append(names, n.name)
		}
		s.t.Fatalf("masters %v, want [%s]", names, want.name)
	}
	for _, n := range s.nodes {
		owns := len(n.addrs.Owned()) > 0
		if owns != (n == want) {
			s.t.Errorf("%s owns %v", n.name, n.addrs.Owned())
		}
		if n != want && n.r.State() == Backup && n.r.Master() != want.cfg.Address.Addr() {
			s.t.Errorf("%s believes the master is %v, want %v", n.name, n.r.Master(), want.cfg.Address.Addr())
		}
	}
}

// lastTransition returns the node's last transition to state to.
func (sn *simNode) lastTransition(to State) (Transition, bool) {
	for i := len(sn.trans) - 1; i >= 0; i-- {
		if sn.trans[i].To == to {
			return sn.trans[i], true
		}
	}
	return Transition{}, false
}

func TestSim_6_4_ElectsByPriority(t *testing.T) {
	s := newSimLAN(t)
	a := s.add(Config{Priority: 100})
	b := s.add(Config{Priority: 200})
	c := s.add(Config{Priority: 150})
	s.clock.Advance(10 * time.Second)
	s.requireMaster(b)
	if tr, _ := b.lastTransition(Master); tr.Reason != ReasonMasterDown {
		t.Errorf("b became master by %v", tr.Reason)
	}
	// Only b ever became master: the shorter Skew_Time of the higher
	// priority wins the race (RFC 5798 §6.1).
	for _, n := range []*simNode{a, c} {
		if _, ok := n.lastTransition(Master); ok {
			t.Errorf("%s was master at some point", n.name)
		}
	}
}

func TestSim_6_4_3_EqualPriorityElectsHighestPrimaryAddress(t *testing.T) {
	s := newSimLAN(t)
	for range 3 {
		s.add(Config{Priority: 100})
	}
	s.clock.Advance(10 * time.Second)
	// All three time out together; the two lower addresses yield on
	// hearing 192.0.2.3 at equal priority.
	s.requireMaster(s.nodes[2])
	if tr, ok := s.nodes[0].lastTransition(Backup); !ok || tr.Reason != ReasonPreempted {
		t.Errorf("r1 last Backup transition %+v", tr)
	}
}

func TestSim_Preempt(t *testing.T) {
	for _, noPreempt := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoPreempt=%v", noPreempt), func(t *testing.T) {
			s := newSimLAN(t)
			low := s.add(Config{Priority: 100})
			s.clock.Advance(5 * time.Second)
			s.requireMaster(low)
			high := s.add(Config{Priority: 200, NoPreempt: noPreempt})
			joined := s.clock.Now()
			s.clock.Advance(10 * time.Second)
			if noPreempt {
				s.requireMaster(low) // §6.4.2: Preempt_Mode False accepts the lower Master
				return
			}
			s.requireMaster(high)
			tr, _ := high.lastTransition(Master)
			// §6.4.2: the lower Master's adverts are discarded, so high
			// takes over when its Master_Down_Timer runs out.
			mdi := 3*time.Second + time.Duration(56)*time.Second/256
			if got := tr.Time.Sub(joined); got != mdi {
				t.Errorf("preempted after %v, want Master_Down_Interval %v", got, mdi)
			}
		})
	}
}

func TestSim_PreemptDelay(t *testing.T) {
	s := newSimLAN(t)
	low := s.add(Config{Priority: 100})
	s.clock.Advance(5 * time.Second)
	high := s.add(Config{Priority: 200, PreemptDelay: 10 * time.Second})
	s.clock.Advance(9 * time.Second)
	s.requireMaster(low)
	s.clock.Advance(10 * time.Second)
	s.requireMaster(high)
}

// TestSim_6_4_2_MasterDeathTakeoverWithinMasterDownInterval crashes the
// Master at 1 s, 100 ms and 10 ms intervals and measures the takeover.
func TestSim_6_4_2_MasterDeathTakeoverWithinMasterDownInterval(t *testing.T) {
	for _, iv := range []time.Duration{time.Second, 100 * time.Millisecond, 10 * time.Millisecond} {
		t.Run(iv.String(), func(t *testing.T) {
			s := newSimLAN(t)
			m := s.add(Config{Priority: 200, Interval: iv})
			b := s.add(Config{Priority: 100, Interval: iv})
			s.clock.Advance(5 * time.Second)
			s.requireMaster(m)
			// Crash just after an advertisement reached b, the worst case.
			s.clock.Advance(iv / 2)
			crash := s.clock.Now()
			m.node.Crash()
			s.clock.Advance(5 * time.Second)
			tr, ok := b.lastTransition(Master)
			if !ok || tr.Reason != ReasonMasterDown {
				t.Fatalf("b did not take over: %+v", b.trans)
			}
			mdi := 3*iv + (256-100)*iv/256
			took := tr.Time.Sub(crash)
			if took > mdi || took < mdi-iv {
				t.Errorf("takeover after %v, want within (%v, %v]", took, mdi-iv, mdi)
			}
			t.Logf("interval %v: takeover %v after the crash (Master_Down_Interval %v)", iv, took, mdi)
		})
	}
}

// TestSim_6_4_3_ShutdownPriorityZeroTakeoverWithinSkewTime stops the
// Master cleanly: it sends priority 0 and the Backup takes over after
// Skew_Time instead of Master_Down_Interval.
func TestSim_6_4_3_ShutdownPriorityZeroTakeoverWithinSkewTime(t *testing.T) {
	s := newSimLAN(t)
	m := s.add(Config{Priority: 200})
	b := s.add(Config{Priority: 100})
	s.clock.Advance(5 * time.Second)
	s.requireMaster(m)
	stop := s.clock.Now()
	if err := m.r.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(m.addrs.Owned()) != 0 {
		t.Errorf("stopped master still owns %v", m.addrs.Owned())
	}
	if m.r.Status().Counters.SentPriorityZero != 1 {
		t.Errorf("priority 0 sent %d times", m.r.Status().Counters.SentPriorityZero)
	}
	s.clock.Advance(2 * time.Second)
	tr, ok := b.lastTransition(Master)
	if !ok || tr.Reason != ReasonMasterShutdown {
		t.Fatalf("b did not take over after priority 0: %+v", b.trans)
	}
	skew := (256 - 100) * time.Second / 256
	if took := tr.Time.Sub(stop); took > skew+time.Millisecond {
		t.Errorf("takeover after %v, want Skew_Time %v (+latency)", took, skew)
	}
}

// TestSim_6_4_1_Owner: the address owner becomes Master at once on
// startup, even with a Master in place, which yields to priority 255.
func TestSim_6_4_1_Owner(t *testing.T) {
	s := newSimLAN(t)
	other := s.add(Config{Priority: 254, VirtualAddresses: []netip.Addr{netip.MustParseAddr("192.0.2.2")}})
	s.clock.Advance(5 * time.Second)
	s.requireMaster(other)
	owner := s.add(Config{Priority: 255, VirtualAddresses: []netip.Addr{netip.MustParseAddr("192.0.2.2")}})
	if owner.r.State() != Master {
		t.Fatalf("owner in %v right after Start", owner.r.State())
	}
	if tr, _ := owner.lastTransition(Master); tr.Reason != ReasonOwner {
		t.Errorf("owner became master by %v", tr.Reason)
	}
	s.clock.Advance(time.Second)
	s.requireMaster(owner)
	if tr, _ := other.lastTransition(Backup); tr.Reason != ReasonPreempted {
		t.Errorf("other left Master by %v", tr.Reason)
	}
}

// TestSim_6_4_3_SplitBrainHeals cuts the LAN between two routers, lets
// both be Master, heals it, and checks that one Master remains and
// re-announces its addresses so that hosts forget the other one's MAC, in
// both orders of the heal:
//
//   - winner first heard: healed just after a advertised, b's next
//     advertisement reaches a while both are Master, a discards it,
//     answers and announces again (§6.4.3);
//   - loser first heard: healed just after b advertised, a's next
//     advertisement reaches b first, which steps down (§6.4.3) and
//     advertises once more as it does, so that a, which would otherwise
//     never hear of the split, announces again all the same.
func TestSim_6_4_3_SplitBrainHeals(t *testing.T) {
	for _, tc := range []struct {
		name       string
		loserFirst bool
	}{
		{name: "winner first heard"},
		{name: "loser first heard", loserFirst: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSimLAN(t)
			a := s.add(Config{Priority: 200})
			b := s.add(Config{Priority: 100})
			s.clock.Advance(5 * time.Second)
			s.requireMaster(a)
			before := len(a.addrs.Announcements())
			b.att.Cut()
			s.clock.Advance(5 * time.Second)
			if len(s.masters()) != 2 {
				t.Fatalf("%d masters during the split, want 2", len(s.masters()))
			}
			// Heal just after the chosen router advertised, so that the
			// other one's next advertisement is the first to cross.
			last := a
			if tc.loserFirst {
				last = b
			}
			sent := last.r.Status().Counters.Sent
			for last.r.Status().Counters.Sent == sent {
				s.clock.Advance(time.Millisecond)
			}
			b.att.Restore()
			bSent := b.r.Status().Counters.Sent
			s.clock.Advance(3 * time.Second)
			s.requireMaster(a)
			if tc.loserFirst {
				if tr, _ := b.lastTransition(Backup); tr.Reason != ReasonPreempted {
					t.Errorf("b left Master by %v", tr.Reason)
				}
				if got := b.r.Status().Counters.Sent - bSent; got != 1 {
					t.Errorf("b sent %d advertisements after the heal, want its last one", got)
				}
			}
			if a.r.Status().Counters.Reannouncements != 1 {
				t.Errorf("re-announcements %d, want 1", a.r.Status().Counters.Reannouncements)
			}
			if got := len(a.addrs.Announcements()) - before; got != DefaultAnnounceCount {
				t.Errorf("%d announcements after the heal, want a burst of %d", got, DefaultAnnounceCount)
			}
		})
	}
}

// fakeCheck is a Checker whose result the test sets.
type fakeCheck struct{ fail atomic.Bool }

func (f *fakeCheck) Check(context.Context) error {
	if f.fail.Load() {
		return errors.New("service down")
	}
	return nil
}

func TestSim_TrackingLowersPriority(t *testing.T) {
	s := newSimLAN(t)
	chk := &fakeCheck{}
	a := s.add(Config{Priority: 200, Tracks: []Track{{Name: "svc", Weight: 150, Checker: chk, Interval: time.Second, Rise: 2, Fall: 3}}})
	b := s.add(Config{Priority: 100})
	s.clock.Advance(5 * time.Second)
	s.requireMaster(a)
	chk.fail.Store(true)
	s.clock.Advance(2 * time.Second) // two failures: not yet (fall 3)
	if got := a.r.Status().Priority; got != 200 {
		t.Fatalf("priority %d after 2 failures, want 200", got)
	}
	s.clock.Advance(time.Second)
	if got := a.r.Status().Priority; got != 50 {
		t.Fatalf("priority %d after 3 failures, want 50", got)
	}
	s.clock.Advance(5 * time.Second)
	s.requireMaster(b) // b preempts the lowered master
	chk.fail.Store(false)
	s.clock.Advance(10 * time.Second)
	s.requireMaster(a) // healthy again: a preempts back
	if tr := a.r.Status().Tracks[0]; tr.Changes != 2 || !tr.Up {
		t.Errorf("track status %+v", tr)
	}
}

// TestSim_TrackingInterfaceDownForcesBackup drives a weight-0 track from
// the simulated link state: carrier loss forces Backup (priority 0 sent),
// carrier back lets the router preempt again.
func TestSim_TrackingInterfaceDownForcesBackup(t *testing.T) {
	s := newSimLAN(t)
	uplink := s.add(Config{Priority: 200, Tracks: []Track{{Name: "uplink"}}})
	b := s.add(Config{Priority: 100})
	// A second interface of uplink's node, tracked.
	wan, err := s.net.Segment("wan", netsim.SegmentConfig{})
	if err != nil {
		t.Fatal(err)
	}
	wanAtt, err := wan.Attach(uplink.node, "eth1", netip.MustParsePrefix("198.51.100.1/24"))
	if err != nil {
		t.Fatal(err)
	}
	wanAtt.OnLinkState(func(up bool) { _ = uplink.r.SetTrack("uplink", up) })
	s.clock.Advance(5 * time.Second)
	s.requireMaster(uplink)
	wanAtt.Cut()
	if uplink.r.State() != Backup || !uplink.r.Status().Forced {
		t.Fatalf("after carrier loss: %v forced=%v", uplink.r.State(), uplink.r.Status().Forced)
	}
	s.clock.Advance(2 * time.Second)
	s.requireMaster(b)
	if tr, _ := b.lastTransition(Master); tr.Reason != ReasonMasterShutdown {
		t.Errorf("b took over by %v, want the priority-0 path", tr.Reason)
	}
	s.clock.Advance(10 * time.Second)
	s.requireMaster(b) // forced: never takes over
	wanAtt.Restore()
	s.clock.Advance(5 * time.Second)
	s.requireMaster(uplink)
	if err := uplink.r.SetTrack("nope", true); !errors.Is(err, ErrNoTrack) {
		t.Errorf("SetTrack(nope) = %v", err)
	}
}

// TestSim_UnicastPeers runs two routers by unicast with allow-lists: a
// third router multicasting a higher priority is not listed and counts
// for nothing.
func TestSim_UnicastPeers(t *testing.T) {
	s := newSimLAN(t)
	p1, p2 := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	a := s.add(Config{Priority: 150, Peers: []netip.Addr{p2}})
	b := s.add(Config{Priority: 100, Peers: []netip.Addr{p1}})
	s.clock.Advance(5 * time.Second)
	s.requireMaster(a)
	stranger := s.add(Config{Priority: 250, Peers: []netip.Addr{p1, p2}})
	s.clock.Advance(10 * time.Second)
	if a.r.State() != Master || b.r.State() != Backup {
		t.Fatalf("a %v b %v after a stranger appeared", a.r.State(), b.r.State())
	}
	if a.r.Dropped(DropSource) == 0 || b.r.Dropped(DropSource) == 0 {
		t.Errorf("stranger's adverts not dropped by source: a %d b %d", a.r.Dropped(DropSource), b.r.Dropped(DropSource))
	}
	_ = stranger
}

// TestSim_Deterministic runs the same scenario twice and compares every
// transition time.
func TestSim_Deterministic(t *testing.T) {
	run := func() []string {
		s := newSimLAN(t)
		for i := range 4 {
			s.add(Config{Priority: uint8(100 + i%2*50), Interval: 20 * time.Millisecond})
		}
		s.clock.Advance(time.Second)
		s.nodes[3].node.Crash()
		s.clock.Advance(time.Second)
		var out []string
		for _, n := range s.nodes {
			for _, tr := range n.trans {
				out = append(out, fmt.Sprintf("%s %v %v->%v %v", n.name, tr.Time.UnixNano(), tr.From, tr.To, tr.Reason))
			}
		}
		return out
	}
	a, b := run(), run()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("runs differ:\n%v\n%v", a, b)
	}
}

// TestSim_AnnounceSchedule: on becoming Master a burst of Count
// announcements Interval apart, a second burst after Delay, one every
// Refresh; none after leaving Master.
func TestSim_AnnounceSchedule(t *testing.T) {
	s := newSimLAN(t)
	a := s.add(Config{Priority: 200, Announce: AnnounceConfig{Count: 2, Interval: 200 * time.Millisecond, Delay: 2 * time.Second, Refresh: 10 * time.Second}})
	s.clock.Advance(25 * time.Second)
	tr, _ := a.lastTransition(Master)
	var got []time.Duration
	for _, at := range a.addrs.Announcements() {
		got = append(got, at.Sub(tr.Time))
	}
	want := []time.Duration{0, 200 * time.Millisecond, 2 * time.Second, 2200 * time.Millisecond, 10 * time.Second, 20 * time.Second}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("announcements at %v, want %v", got, want)
	}
	if err := a.r.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(30 * time.Second)
	if n := len(a.addrs.Announcements()); n != len(want) {
		t.Errorf("%d announcements after Stop, want %d", n, len(want))
	}
}

// TestSim_6_4_TransitionReasonsCounted: Counters.TransitionReasons counts
// every transition by its reason, as the events report them: startup
// (§6.4.1), master down (§6.4.2), shutdown (§6.4.3) and the Backup's
// takeover after priority 0 (§6.4.2).
func TestSim_6_4_TransitionReasonsCounted(t *testing.T) {
	s := newSimLAN(t)
	m := s.add(Config{Priority: 200})
	b := s.add(Config{Priority: 100})
	s.clock.Advance(5 * time.Second)
	s.requireMaster(m)
	if err := m.r.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(2 * time.Second)
	for _, n := range []*simNode{m, b} {
		want := map[Reason]uint64{}
		for _, tr := range n.trans {
			want[tr.Reason]++
		}
		c := n.r.Status().Counters
		if diff := cmp.Diff(want, c.TransitionReasons); diff != "" {
			t.Errorf("%s: TransitionReasons (-events +counters):\n%s", n.name, diff)
		}
		var sum uint64
		for _, v := range c.TransitionReasons {
			sum += v
		}
		if sum != c.Transitions {
			t.Errorf("%s: reasons sum to %d, Transitions %d", n.name, sum, c.Transitions)
		}
	}
	if got := m.r.Status().Counters.TransitionReasons; got[ReasonMasterDown] != 1 || got[ReasonShutdown] != 1 {
		t.Errorf("master's reasons %v, want one master down and one shutdown", got)
	}
	if got := b.r.Status().Counters.TransitionReasons; got[ReasonMasterShutdown] != 1 {
		t.Errorf("backup's reasons %v, want one takeover after priority 0", got)
	}
}

package vrrp

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/vrrp/packet"
)

// reconfPair is a Master (priority 200) and a Backup (priority 100) after
// the election.
func reconfPair(t *testing.T) (*simLAN, *simNode, *simNode) {
	t.Helper()
	s := newSimLAN(t)
	m := s.add(Config{Priority: 200})
	b := s.add(Config{Priority: 100})
	s.clock.Advance(5 * time.Second)
	s.requireMaster(m)
	return s, m, b
}

func reconfigure(t *testing.T, n *simNode, edit func(*Config)) {
	t.Helper()
	cfg := n.cfg
	edit(&cfg)
	if err := n.r.Reconfigure(context.Background(), cfg); err != nil {
		t.Fatalf("%s: Reconfigure: %v", n.name, err)
	}
	n.cfg = cfg
}

func TestReconfigure_6_4_2_RaisedBackupPreemptsWithinIntervalPlusSkew(t *testing.T) {
	s, m, b := reconfPair(t)
	at := s.clock.Now()
	reconfigure(t, b, func(c *Config) { c.Priority = 250 })
	if b.r.State() != Backup {
		t.Fatalf("reconfigured backup is %v at once", b.r.State())
	}
	s.clock.Advance(5 * time.Second)
	s.requireMaster(b)
	tr, _ := b.lastTransition(Master)
	if tr.Reason != ReasonPreempting {
		t.Errorf("b became Master by %v, want %v", tr.Reason, ReasonPreempting)
	}
	// The next advertisement of m (within 1 s) proves it inferior; b
	// waits Skew_Time for priority 250, then takes over.
	limit := time.Second + (256-250)*time.Second/256 + time.Millisecond
	if took := tr.Time.Sub(at); took > limit {
		t.Errorf("took over %v after the reconfiguration, want at most %v", took, limit)
	}
	if tr, _ := m.lastTransition(Backup); tr.Reason != ReasonPreempted {
		t.Errorf("m stepped down by %v", tr.Reason)
	}
}

func TestReconfigure_6_4_2_RaisedBackupWithoutPreemptStays(t *testing.T) {
	s, m, b := reconfPair(t)
	reconfigure(t, b, func(c *Config) { c.Priority = 250; c.NoPreempt = true })
	s.clock.Advance(10 * time.Second)
	s.requireMaster(m)
	// Setting Preempt_Mode again takes over at the next advertisement.
	reconfigure(t, b, func(c *Config) { c.NoPreempt = false })
	s.clock.Advance(2 * time.Second)
	s.requireMaster(b)
}

func TestReconfigure_6_4_3_LoweredMasterAdvertisesAndIsPreempted(t *testing.T) {
	s, m, b := reconfPair(t)
	sent := m.r.Status().Counters.Sent
	at := s.clock.Now()
	reconfigure(t, m, func(c *Config) { c.Priority = 50 })
	if got := m.r.Status().Counters.Sent; got != sent+1 {
		t.Errorf("lowered master sent %d advertisements at once, want 1", got-sent)
	}
	if m.r.State() != Master {
		t.Fatalf("lowered master is %v at once", m.r.State())
	}
	s.clock.Advance(5 * time.Second)
	s.requireMaster(b)
	tr, _ := b.lastTransition(Master)
	// §6.4.2: b discards the priority-50 adverts; its Master_Down_Timer
	// was reset by the last priority-200 one, before the change.
	if mdi := 3*time.Second + 156*time.Second/256; tr.Time.Sub(at) > mdi {
		t.Errorf("b took over %v after the change, want within Master_Down_Interval %v", tr.Time.Sub(at), mdi)
	}
}

func TestReconfigure_VirtualAddressesFollowWithoutTransition(t *testing.T) {
	s, m, b := reconfPair(t)
	mt, bt := len(m.trans), len(b.trans)
	ann := len(m.addrs.Announcements())
	next := []netip.Addr{netip.MustParseAddr("192.0.2.101"), netip.MustParseAddr("192.0.2.102")}
	reconfigure(t, m, func(c *Config) { c.VirtualAddresses = next })
	reconfigure(t, b, func(c *Config) { c.VirtualAddresses = next })
	if got := m.addrs.Owned(); !sameAddresses(got, next) {
		t.Errorf("master owns %v, want %v", got, next)
	}
	if got := b.addrs.Owned(); len(got) != 0 {
		t.Errorf("backup owns %v", got)
	}
	s.clock.Advance(10 * time.Second)
	if len(m.trans) != mt || len(b.trans) != bt {
		t.Errorf("transitions after a VIP change: m %v, b %v", m.trans[mt:], b.trans[bt:])
	}
	s.requireMaster(m)
	// One burst (Announce.Count) for the added addresses.
	if got := len(m.addrs.Announcements()) - ann; got != DefaultAnnounceCount {
		t.Errorf("%d announcements after adding addresses, want %d", got, DefaultAnnounceCount)
	}
	if got := b.r.Dropped(DropAddressList); got != 0 {
		t.Errorf("backup dropped %d advertisements for their address list", got)
	}
}

func TestReconfigure_UnchangedSendsNothing(t *testing.T) {
	s, m, b := reconfPair(t)
	ms, bs := m.r.Status(), b.r.Status()
	reconfigure(t, m, func(*Config) {})
	reconfigure(t, b, func(*Config) {})
	if got := m.r.Status(); got.Counters.Sent != ms.Counters.Sent || got.Counters.Transitions != ms.Counters.Transitions {
		t.Errorf("master: sent %d→%d, transitions %d→%d", ms.Counters.Sent, got.Counters.Sent, ms.Counters.Transitions, got.Counters.Transitions)
	}
	if got := b.r.Status(); got.MasterDownIn != bs.MasterDownIn {
		t.Errorf("backup's Master_Down_Timer moved: %v → %v", bs.MasterDownIn, got.MasterDownIn)
	}
	if len(m.addrs.Announcements()) != DefaultAnnounceCount {
		t.Errorf("announcements %d, want only the first burst", len(m.addrs.Announcements()))
	}
	_ = s
}

func TestReconfigure_InvalidChangesNothing(t *testing.T) {
	_, m, _ := reconfPair(t)
	before := m.r.Config()
	sent := m.r.Status().Counters.Sent
	for name, edit := range map[string]func(*Config){
		"interval":  func(c *Config) { c.Priority = 50; c.Interval = 15 * time.Millisecond },
		"owner":     func(c *Config) { c.Priority = 255 },
		"no vips":   func(c *Config) { c.VirtualAddresses = nil },
		"track":     func(c *Config) { c.Priority = 50; c.Tracks = []Track{{Name: ""}} },
		"vip twice": func(c *Config) { c.VirtualAddresses = []netip.Addr{simVIP, simVIP} },
	} {
		cfg := m.cfg
		edit(&cfg)
		err := m.r.Reconfigure(context.Background(), cfg)
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err %v, want ErrInvalidConfig", name, err)
		}
	}
	if after := m.r.Config(); after.Priority != before.Priority || after.Interval != before.Interval ||
		!slices.Equal(after.VirtualAddresses, before.VirtualAddresses) || len(after.Tracks) != 0 {
		t.Errorf("config changed: %+v", after)
	}
	if got := m.r.Status().Counters.Sent; got != sent {
		t.Errorf("sent %d advertisements for rejected configurations", got-sent)
	}
}

func TestReconfigure_RestartRequired(t *testing.T) {
	_, m, _ := reconfPair(t)
	for field, edit := range map[string]func(*Config){
		"VRID":      func(c *Config) { c.VRID = 2 },
		"Interface": func(c *Config) { c.Interface = "eth1" },
		"Version":   func(c *Config) { c.Version = 2 },
		"Address":   func(c *Config) { c.Address = netip.MustParsePrefix("192.0.2.50/24") },
		"Peers":     func(c *Config) { c.Peers = []netip.Addr{netip.MustParseAddr("192.0.2.2")} },
	} {
		cfg := m.cfg
		cfg.Priority = 150 // a change that would apply, to see that it does not
		edit(&cfg)
		err := m.r.Reconfigure(context.Background(), cfg)
		if !errors.Is(err, ErrRestartRequired) {
			t.Errorf("%s: err %v, want ErrRestartRequired", field, err)
			continue
		}
		if !strings.Contains(err.Error(), field) {
			t.Errorf("%s: error %q does not name the field", field, err)
		}
	}
	if got := m.r.Config(); got.Priority != 200 || got.VRID != 1 {
		t.Errorf("config changed: priority %d, vrid %d", got.Priority, got.VRID)
	}
}

// TestReconfigure_6_4_1_BackupBecomingOwnerTakesOverAtOnce: priority 255
// (the backup now owns the virtual address) acts as the owner's Startup.
func TestReconfigure_6_4_1_BackupBecomingOwnerTakesOverAtOnce(t *testing.T) {
	s, m, b := reconfPair(t)
	reconfigure(t, b, func(c *Config) {
		c.Priority = 255
		c.Subnets = []netip.Prefix{netip.PrefixFrom(simVIP, 24)} // b owns 192.0.2.100
	})
	if b.r.State() != Master {
		t.Fatalf("new owner is %v", b.r.State())
	}
	if tr, _ := b.lastTransition(Master); tr.Reason != ReasonOwner {
		t.Errorf("reason %v", tr.Reason)
	}
	s.clock.Advance(time.Second)
	s.requireMaster(b)
	// Back to non-owner at 150: the owner Master stays Master and
	// advertises 150; m (200) preempts.
	reconfigure(t, b, func(c *Config) { c.Priority = 150; c.Subnets = nil })
	if b.r.State() != Master {
		t.Fatalf("former owner is %v at once", b.r.State())
	}
	s.clock.Advance(5 * time.Second)
	s.requireMaster(m)
}

func TestReconfigure_6_4_3_IntervalLearnedByBackup(t *testing.T) {
	s, m, b := reconfPair(t)
	reconfigure(t, m, func(c *Config) { c.Interval = 100 * time.Millisecond })
	s.clock.Advance(time.Millisecond)
	if got := b.r.Status().MasterAdverInterval; got != 100*time.Millisecond {
		t.Errorf("backup's Master_Adver_Interval %v, want 100ms (advertised at once)", got)
	}
	sent := m.r.Status().Counters.Sent
	s.clock.Advance(time.Second)
	if got := m.r.Status().Counters.Sent - sent; got != 10 {
		t.Errorf("%d advertisements in 1s at 100ms", got)
	}
	// The Backup's own interval (v3) does not change its Master_Down_Interval.
	down := b.r.Status().MasterDownInterval
	reconfigure(t, b, func(c *Config) { c.Interval = 2 * time.Second })
	if got := b.r.Status().MasterDownInterval; got != down {
		t.Errorf("backup Master_Down_Interval %v → %v", down, got)
	}
	s.clock.Advance(5 * time.Second)
	s.requireMaster(m)
}

func TestReconfigure_TracksKeepStateByName(t *testing.T) {
	s, m, b := reconfPair(t)
	reconfigure(t, m, func(c *Config) { c.Tracks = []Track{{Name: "uplink", Weight: 150}} })
	if err := m.r.SetTrack("uplink", false); err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(5 * time.Second)
	s.requireMaster(b) // 200-150 = 50 < 100
	// A kept track stays down; a lighter weight gives 200-50 = 150 and
	// m preempts back.
	reconfigure(t, m, func(c *Config) { c.Tracks = []Track{{Name: "uplink", Weight: 50}} })
	if st := m.r.Status(); st.Priority != 150 || len(st.Tracks) != 1 || st.Tracks[0].Up {
		t.Fatalf("after reweighting: priority %d, tracks %+v", st.Priority, st.Tracks)
	}
	s.clock.Advance(5 * time.Second)
	s.requireMaster(m)
	// Removing it restores 200.
	reconfigure(t, m, func(c *Config) { c.Tracks = nil })
	if got := m.r.Status().Priority; got != 200 {
		t.Errorf("priority %d after removing the track", got)
	}
	if err := m.r.SetTrack("uplink", true); !errors.Is(err, ErrNoTrack) {
		t.Errorf("SetTrack on a removed track: %v", err)
	}
}

func TestReconfigure_CheckerReplaced(t *testing.T) {
	s, m, _ := reconfPair(t)
	fail := checkerFunc(func(context.Context) error { return errors.New("down") })
	reconfigure(t, m, func(c *Config) {
		c.Tracks = []Track{{Name: "svc", Weight: 0, Checker: fail, Interval: time.Second, Rise: 1, Fall: 2}}
	})
	s.clock.Advance(1500 * time.Millisecond)
	if m.r.State() != Master {
		t.Fatal("one failure took the track down")
	}
	ok := checkerFunc(func(context.Context) error { return nil })
	reconfigure(t, m, func(c *Config) {
		c.Tracks = []Track{{Name: "svc", Weight: 0, Checker: ok, Interval: time.Second, Rise: 1, Fall: 2}}
	})
	s.clock.Advance(5 * time.Second)
	if m.r.State() != Master {
		t.Errorf("replaced checker: master is %v", m.r.State())
	}
	reconfigure(t, m, func(c *Config) {
		c.Tracks = []Track{{Name: "svc", Weight: 0, Checker: fail, Interval: time.Second, Rise: 1, Fall: 2}}
	})
	s.clock.Advance(3 * time.Second)
	if m.r.State() != Backup {
		t.Errorf("failing checker: master is %v", m.r.State())
	}
}

type checkerFunc func(context.Context) error

func (f checkerFunc) Check(ctx context.Context) error { return f(ctx) }

func TestReconfigure_BeforeStartAndAfterStop(t *testing.T) {
	clock := routing.NewManualClock(time.Time{})
	n := netsim.New(clock, 1, nil)
	seg, err := n.Segment("lan", netsim.SegmentConfig{})
	if err != nil {
		t.Fatal(err)
	}
	addr := netip.MustParsePrefix("192.0.2.1/24")
	att, err := seg.Attach(n.Node("r1"), "eth0", addr)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := att.Transport(netsim.TransportConfig{IPProto: netsim.ProtoVRRP, Src: addr.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{VRID: 1, Address: addr, Interface: "eth0", VirtualAddresses: []netip.Addr{simVIP}}
	r, err := New(cfg, Env{Clock: clock, Transport: tr, Addresses: NewMemoryAddresses(clock, nil)})
	if err != nil {
		t.Fatal(err)
	}
	cfg.VRID = 7 // before Start everything may change
	cfg.Priority = 120
	if err := r.Reconfigure(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	if st := r.Status(); st.VRID != 7 || st.Priority != 120 {
		t.Errorf("started with vrid %d priority %d", st.VRID, st.Priority)
	}
	if err := r.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := r.Reconfigure(context.Background(), cfg); !errors.Is(err, ErrStopped) {
		t.Errorf("after Stop: %v", err)
	}
}

// TestReconfigure_ConcurrentWithChecks reconfigures tracks and priority
// on the system clock while checks are in flight (run with -race): a
// check of a replaced track must not touch the new ones.
func TestReconfigure_ConcurrentWithChecks(t *testing.T) {
	clock := routing.SystemClock()
	cfg := Config{VRID: 1, Interval: 10 * time.Millisecond, Address: netip.MustParsePrefix("192.0.2.1/24"),
		Interface: "eth0", VirtualAddresses: []netip.Addr{simVIP}}
	r, err := New(cfg, Env{Clock: clock, Transport: nopTransport{}, Addresses: NewMemoryAddresses(clock, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	slow := checkerFunc(func(ctx context.Context) error {
		select {
		case <-time.After(time.Millisecond):
		case <-ctx.Done():
		}
		return nil
	})
	for k := range 100 {
		c := cfg
		c.Priority = uint8(100 + k%50)
		for j := range k % 4 {
			c.Tracks = append(c.Tracks, Track{Name: fmt.Sprintf("t%d", j), Weight: 10, Checker: slow,
				Interval: time.Millisecond, Timeout: time.Millisecond})
		}
		if err := r.Reconfigure(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Microsecond)
	}
	if err := r.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestReconfigure_UnchangedTracksKeepTheirCadence(t *testing.T) {
	s, m, _ := reconfPair(t)
	var calls int
	ok := &countChecker{n: &calls}
	reconfigure(t, m, func(c *Config) {
		c.Tracks = []Track{{Name: "svc", Weight: 10, Checker: ok, Interval: time.Second}}
	})
	s.clock.Advance(1500 * time.Millisecond) // one check, at 1 s
	for range 3 {
		reconfigure(t, m, func(*Config) {}) // same tracks, same checker
		s.clock.Advance(300 * time.Millisecond)
	}
	// Checks at 1 s and 2 s: re-arming on each reload would have put them
	// off to 1 s after the last one (2.4 s).
	if calls != 2 {
		t.Errorf("%d checks in 2.4 s at 1 s, want 2", calls)
	}
}

type countChecker struct{ n *int }

func (c *countChecker) Check(context.Context) error { *c.n++; return nil }

// TestMachine_Reconfigure walks the state machine's side of Reconfigure.
func TestMachine_Reconfigure(t *testing.T) {
	rc := func(prio uint8) reconf {
		return reconf{advInterval: time.Second, preempt: true, priority: prio}
	}
	m := newMachine(packet.V3, 100, true, Backup)
	if _, as := m.reconfigure(fsmT0, rc(100)); len(as) != 0 {
		t.Errorf("unchanged Backup: %s", acts(as))
	}
	// RFC 5798 §6.1: Master_Down_Interval for 200 is 3 s + 56/256 s.
	if _, as := m.reconfigure(fsmT0, rc(200)); acts(as) != "capMasterDown(3.21875s)" {
		t.Errorf("raised Backup: %q", acts(as))
	}
	// §6.4.2 discards the lower Master's advertisement; it proves the
	// Master inferior, so Skew_Time (56/256 s) is all that is left.
	if _, as := m.advert(fsmT0, fsmLow, 150, time.Second); acts(as) != "capMasterDown(218.75ms)" {
		t.Errorf("lower advert after the raise: %q", acts(as))
	}
	if tr, _ := m.masterDown(fsmT0, false); tr == nil || tr.reason != ReasonPreempting {
		t.Errorf("masterDown: %+v", tr)
	}
	// Only the first lower advertisement after a reconfiguration does so.
	m = newMachine(packet.V3, 200, true, Backup)
	if _, as := m.advert(fsmT0, fsmLow, 150, time.Second); len(as) != 0 {
		t.Errorf("lower advert without a reconfiguration: %q", acts(as))
	}
	m = newMachine(packet.V3, 200, true, Master)
	if _, as := m.reconfigure(fsmT0, rc(200)); len(as) != 0 {
		t.Errorf("unchanged Master: %s", acts(as))
	}
	if tr, as := m.reconfigure(fsmT0, reconf{advInterval: 2 * time.Second, preempt: true, priority: 200}); tr != nil || acts(as) != "send(prio=200) armAdver(2s)" {
		t.Errorf("new interval on a Master: %v %q", tr, acts(as))
	}
	if tr, as := m.reconfigure(fsmT0, reconf{advInterval: 2 * time.Second, preempt: true, priority: 200, forced: true}); tr == nil || tr.reason != ReasonTracking || acts(as) != "stopAdver send(prio=0) releaseAddresses armMasterDown(3.21875s)" {
		// v3: Master_Down_Interval from Master_Adver_Interval (1 s), not our own interval.
		t.Errorf("forced Master: %v %q", tr, acts(as))
	}
}

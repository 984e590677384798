package ring

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/ospf/packet"
	"github.com/switchless/routing/vrrp"
)

func TestNewNode_ChecksEnvironment(t *testing.T) {
	s := paperSpec(3)
	edge, _ := s.Build("vr1")
	inner, _ := s.Build("vr2")
	trs := func(c NodeConfig) map[string]routing.Transport {
		m := map[string]routing.Transport{}
		for _, ic := range c.OSPF.Interfaces {
			m[ic.Name] = nopTransport{}
		}
		return m
	}
	clock := routing.NewManualClock(time.Unix(0, 0))
	full := NodeEnv{Clock: clock, OSPF: trs(edge), VRRP: nopTransport{}, Addresses: vrrp.NewMemoryAddresses(nil, nil),
		FIB: fib.NewMemory(), StaticFIB: fib.NewMemory()}
	if _, err := NewNode(edge, full); err != nil {
		t.Fatalf("complete environment: %v", err)
	}
	if _, err := NewNode(inner, NodeEnv{Clock: clock, OSPF: trs(inner), FIB: fib.NewMemory()}); err != nil {
		t.Fatalf("inner node: %v", err)
	}
	for name, edit := range map[string]func(*NodeEnv){
		"no clock":        func(e *NodeEnv) { e.Clock = nil },
		"no FIB":          func(e *NodeEnv) { e.FIB = nil },
		"no static FIB":   func(e *NodeEnv) { e.StaticFIB = nil },
		"no VRRP":         func(e *NodeEnv) { e.VRRP = nil },
		"no VIP manager":  func(e *NodeEnv) { e.Addresses = nil },
		"missing OSPF tr": func(e *NodeEnv) { e.OSPF = map[string]routing.Transport{IfEast: nopTransport{}} },
	} {
		env := full
		edit(&env)
		if _, err := NewNode(edge, env); err == nil {
			t.Errorf("%s: NewNode accepted it", name)
		} else if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v does not wrap ErrInvalidConfig", name, err)
		}
	}
}

type nopTransport struct{}

func (nopTransport) Start(func(routing.Packet)) error { return nil }
func (nopTransport) Send(netip.Addr, []byte) error    { return nil }
func (nopTransport) JoinGroup(netip.Addr) error       { return nil }
func (nopTransport) LeaveGroup(netip.Addr) error      { return nil }
func (nopTransport) Close() error                     { return nil }

// An edge holds its static default exactly while the upstream interface
// has carrier, and VRRP's upstream track keeps it Backup without one.
func TestNode_StaticDefaultFollowsUpstreamCarrier(t *testing.T) {
	s := paperSpec(3)
	s.Profile = ProfileFast
	sim, err := NewSim(SimConfig{Spec: s})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	sim.Advance(10 * time.Second)
	vr1 := sim.Node("vr1")
	def := netip.MustParsePrefix("0.0.0.0/0")
	if _, ok := vr1.Kernel().Static.Get(0, def); !ok {
		t.Fatal("no static default at the master edge")
	}
	if st := vr1.Node().VRRP().State(); st != vrrp.Master {
		t.Fatalf("vr1 is %v", st)
	}
	up := vr1.Attachment(IfUpstream)
	up.Cut()
	if _, ok := vr1.Kernel().Static.Get(0, def); ok {
		t.Fatal("static default kept without carrier")
	}
	if st := vr1.Node().VRRP().State(); st != vrrp.Backup {
		t.Fatalf("vr1 without upstream carrier is %v, want Backup", st)
	}
	sim.Advance(time.Second)
	if st := sim.Node("vr3").Node().VRRP().State(); st != vrrp.Master {
		t.Fatalf("backup edge is %v after the master lost its uplink", st)
	}
	up.Restore()
	r, ok := vr1.Kernel().Static.Get(0, def)
	if !ok || r.NextHops[0].IfIndex != up.Index() || r.NextHops[0].Gateway != s.Upstream.Gateway {
		t.Fatalf("static default after restore: %v, %v", r, ok)
	}
	sim.Advance(time.Second)
	if st := vr1.Node().VRRP().State(); st != vrrp.Master {
		t.Fatalf("vr1 did not preempt after its uplink came back: %v", st)
	}
}

// A rebooted node's previous router-LSA is still in the ring, with a
// higher sequence number than anything the new incarnation has sent. OSPF
// supersedes it the moment it comes back (RFC 2328 §13.4: one sequence
// number past it, not held back by MinLSInterval), well within a dead
// interval, and no neighbor routes through the node on the stale copy
// meanwhile.
func TestNode_13_4_RebootSupersedesStaleLSA(t *testing.T) {
	s := coldStartedSim(t, 4)
	vr1, vr2 := s.Node("vr1"), s.Node("vr2")
	rid := vr1.Config().OSPF.RouterID
	stale := routerLSASeq(t, vr2, rid)
	if err := s.Freeze("vr1"); err != nil {
		t.Fatal(err)
	}
	s.Advance(3 * time.Second)
	if err := s.Reboot("vr1"); err != nil {
		t.Fatal(err)
	}
	rebooted := s.Elapsed()
	var superseded time.Duration
	const step = 5 * time.Millisecond
	for range 2000 {
		s.Advance(step)
		seq := routerLSASeq(t, vr2, rid)
		if seq == stale {
			for _, r := range vr2.Kernel().OSPF.Routes() {
				if len(r.NextHops) > 0 && r.NextHops[0].IfIndex == vr2.Attachment(IfWest).Index() &&
					r.Prefix != netip.MustParsePrefix("10.1.0.0/24") && r.Prefix != netip.MustParsePrefix("10.255.0.6/31") {
					t.Fatalf("at +%v vr2 routes %v through vr1 on its stale router-LSA", s.Elapsed()-rebooted, r)
				}
			}
			continue
		}
		if seq < stale {
			t.Fatalf("vr2 went back to an older router-LSA of vr1: %#x < %#x", uint32(seq), uint32(stale))
		}
		if superseded == 0 {
			superseded = s.Elapsed() - rebooted
		}
	}
	if superseded == 0 {
		t.Fatalf("vr2 still holds vr1's stale router-LSA %#x after %v", uint32(stale), 2000*step)
	}
	if dead := vr1.Config().Timers.DeadInterval; superseded > dead {
		t.Fatalf("stale router-LSA superseded %v after the reboot, more than a dead interval (%v)", superseded, dead)
	}
	t.Logf("stale router-LSA superseded %v after the reboot", superseded)
	if !s.AllReachable() {
		t.Fatalf("unreachable after the reboot: %v", s.Unreachable())
	}
}

func routerLSASeq(t *testing.T, sn *SimNode, rid netip.Addr) int32 {
	t.Helper()
	es := sn.Node().OSPF().LSDB(ospf.LSDBFilter{Type: packet.LSTypeRouter, ID: rid, AdvRouter: rid})
	if len(es) != 1 {
		t.Fatalf("%s holds %d router-LSAs of %v", sn.Name(), len(es), rid)
	}
	return es[0].LSA.Header.Seq
}

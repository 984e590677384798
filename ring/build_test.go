package ring

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/vrrp/packet"
)

func TestBuild_PaperRing(t *testing.T) {
	for _, prof := range []Profile{ProfileRFC, ProfileFast} {
		s := paperSpec(5)
		s.Profile = prof
		p, err := PlanCosts(s)
		if err != nil {
			t.Fatal(err)
		}
		cfgs, err := s.BuildAll()
		if err != nil {
			t.Fatal(err)
		}
		tm := prof.Timers()
		for i, c := range cfgs {
			if c.Name != s.Nodes[i].Name || c.Index != i || c.Role != p.Nodes[i].Role {
				t.Fatalf("%v node %d: name %q index %d role %v", prof, i, c.Name, c.Index, c.Role)
			}
			if err := c.OSPF.Validate(); err != nil {
				t.Fatalf("%v %s: OSPF config: %v", prof, c.Name, err)
			}
			one, err := s.Build(c.Name)
			if err != nil || one.OSPF.RouterID != c.OSPF.RouterID {
				t.Fatalf("Build(%s) = %v, %v; BuildAll gave router ID %v", c.Name, one.OSPF.RouterID, err, c.OSPF.RouterID)
			}
			costs := map[string]uint16{IfEast: p.Nodes[i].EastCost, IfWest: p.Nodes[i].WestCost}
			seen := map[string]bool{}
			for _, ic := range c.OSPF.Interfaces {
				seen[ic.Name] = true
				switch ic.Name {
				case IfEast, IfWest:
					if ic.Network != ospf.NetworkPointToPoint || ic.Passive {
						t.Errorf("%s/%s: network %v passive %v, want a point-to-point adjacency", c.Name, ic.Name, ic.Network, ic.Passive)
					}
					if ic.Cost != costs[ic.Name] {
						t.Errorf("%s/%s: cost %d, plan says %d", c.Name, ic.Name, ic.Cost, costs[ic.Name])
					}
					if tm.HelloMultiplier > 0 {
						if ic.HelloMultiplier != tm.HelloMultiplier || ic.HelloInterval != 0 {
							t.Errorf("%s/%s: fast hellos %d, interval %v", c.Name, ic.Name, ic.HelloMultiplier, ic.HelloInterval)
						}
					} else if ic.HelloInterval != tm.HelloInterval || ic.RouterDeadInterval != tm.DeadInterval {
						t.Errorf("%s/%s: hello %v dead %v", c.Name, ic.Name, ic.HelloInterval, ic.RouterDeadInterval)
					}
				case LANName(0):
					if !ic.Passive || ic.Prefix != s.Nodes[i].LANs[0] {
						t.Errorf("%s/lan0: passive %v prefix %v", c.Name, ic.Passive, ic.Prefix)
					}
				default:
					t.Errorf("%s: unexpected OSPF interface %q (the upstream LAN stays out of OSPF)", c.Name, ic.Name)
				}
			}
			if !seen[IfEast] || !seen[IfWest] || !seen[LANName(0)] {
				t.Errorf("%s: OSPF interfaces %v", c.Name, seen)
			}
			east, _ := c.Interface(IfEast)
			next, _ := cfgs[(i+1)%5].Interface(IfWest)
			if east.Peer != next.Prefix.Addr() || east.PeerNode != cfgs[(i+1)%5].Name {
				t.Errorf("%s east peer %v (%s), the next node's west is %v", c.Name, east.Peer, east.PeerNode, next.Prefix)
			}
			switch c.Role {
			case Inner:
				if c.VRRP != nil || len(c.Static) != 0 || c.DefaultMetric != 0 || c.IsEdge() {
					t.Errorf("inner %s has edge configuration", c.Name)
				}
				if _, ok := c.Interface(IfUpstream); ok {
					t.Errorf("inner %s has an upstream interface", c.Name)
				}
			default:
				wantMetric, wantPrio := uint32(MasterDefaultMetric), uint8(200)
				if c.Role == BackupEdge {
					wantMetric, wantPrio = BackupDefaultMetric, 100
				}
				if c.DefaultMetric != wantMetric {
					t.Errorf("%s: default metric %d, want %d", c.Name, c.DefaultMetric, wantMetric)
				}
				v := c.VRRP
				if v == nil {
					t.Fatalf("edge %s without VRRP", c.Name)
				}
				if err := v.Validate(); err != nil {
					t.Errorf("%s: VRRP config: %v", c.Name, err)
				}
				if v.Version != packet.V3 || v.VRID != 10 || v.Priority != wantPrio || v.Interval != tm.VRRPInterval ||
					v.NoPreempt || len(v.VirtualAddresses) != 1 || v.VirtualAddresses[0] != s.Upstream.VIP || v.Interface != IfUpstream {
					t.Errorf("%s: VRRP %+v", c.Name, *v)
				}
				up, ok := c.Interface(IfUpstream)
				if !ok || v.Address != up.Prefix || up.Prefix.Bits() != 24 {
					t.Errorf("%s: upstream %v, VRRP address %v", c.Name, up.Prefix, v.Address)
				}
				if len(c.Static) != 1 || c.Static[0].Prefix != netip.MustParsePrefix("0.0.0.0/0") ||
					c.Static[0].NextHops[0].Gateway != s.Upstream.Gateway || c.Static[0].Protocol != fib.ProtocolStatic {
					t.Errorf("%s: static %v", c.Name, c.Static)
				}
				if err := c.Static[0].Validate(); err != nil {
					t.Errorf("%s: static route: %v", c.Name, err)
				}
				if c.RoutingHold != RoutingHoldTimeout(prof) || c.RoutingHold < 2*tm.MinLSInterval+tm.DeadInterval {
					t.Errorf("%s: routing hold %v", c.Name, c.RoutingHold)
				}
			}
		}
	}
}

func TestBuild_UnknownNode(t *testing.T) {
	if _, err := paperSpec(4).Build("vr9"); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("Build(vr9) = %v, want ErrInvalidConfig", err)
	}
	s := paperSpec(4)
	s.Nodes = s.Nodes[:2]
	if _, err := s.BuildAll(); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("BuildAll on 2 nodes = %v", err)
	}
}

func TestBuild_WithIfIndex(t *testing.T) {
	c, err := paperSpec(3).Build("vr1")
	if err != nil {
		t.Fatal(err)
	}
	idx := map[string]int{IfEast: 7, IfWest: 8, IfUpstream: 9, LANName(0): 10}
	d := c.WithIfIndex(idx)
	for _, ic := range d.OSPF.Interfaces {
		if ic.IfIndex != idx[ic.Name] {
			t.Errorf("%s: ifindex %d", ic.Name, ic.IfIndex)
		}
	}
	if d.Static[0].NextHops[0].IfIndex != 9 {
		t.Errorf("static next hop %+v", d.Static[0].NextHops[0])
	}
	// The original is untouched.
	if c.OSPF.Interfaces[0].IfIndex != 0 || c.Static[0].NextHops[0].IfIndex != 0 {
		t.Error("WithIfIndex modified its receiver")
	}
	d.VRRP.Priority = 1
	if c.VRRP.Priority == 1 {
		t.Error("WithIfIndex shares the VRRP config")
	}
}

func TestBuild_SmallLANIsPointToPointPassive(t *testing.T) {
	s := paperSpec(3)
	s.Nodes[1].LANs = append(s.Nodes[1].LANs, netip.MustParsePrefix("10.9.9.0/31"))
	c, err := s.Build("vr2")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.OSPF.Validate(); err != nil {
		t.Fatal(err)
	}
	ic := c.OSPF.Interfaces[len(c.OSPF.Interfaces)-1]
	if ic.Name != "lan1" || !ic.Passive || ic.Network != ospf.NetworkPointToPoint {
		t.Fatalf("/31 LAN: %+v", ic)
	}
}

func TestProfileSPF(t *testing.T) {
	for _, p := range []Profile{ProfileRFC, ProfileFast} {
		if err := p.SPF().Validate(); err != nil {
			t.Errorf("%v: %v", p, err)
		}
	}
	if d := ProfileFast.SPF().InitialDelay; d > 20*time.Millisecond {
		t.Errorf("fast SPF initial delay %v", d)
	}
}

// QuietTime outlasts MinLSInterval (RFC 2328 §12.4) and the SPF
// back-off's HOLDDOWN (RFC 8405 §5.1) of the profile.
func TestProfileQuietTime(t *testing.T) {
	for _, c := range []struct {
		p    Profile
		want time.Duration
	}{
		{ProfileRFC, 8500 * time.Millisecond}, // HOLDDOWN 7.5 s > MinLSInterval 5 s
		{ProfileFast, 3 * time.Second},        // HOLDDOWN 2 s > MinLSInterval 50 ms
	} {
		if got := c.p.QuietTime(); got != c.want {
			t.Errorf("%v: QuietTime %v, want %v", c.p, got, c.want)
		}
		if got := c.p.QuietTime(); got <= c.p.Timers().MinLSInterval || got <= c.p.SPF().HoldDown {
			t.Errorf("%v: QuietTime %v within MinLSInterval or HOLDDOWN", c.p, got)
		}
	}
}

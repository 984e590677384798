package ring

import (
	"context"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/ospf/packet"
)

// routerLSASeqs is every node's router-LSA sequence number as node at
// holds them.
func routerLSASeqs(s *Sim, at string) map[string]int32 {
	out := map[string]int32{}
	for _, e := range s.Node(at).Node().OSPF().LSDB(ospf.LSDBFilter{Type: packet.LSTypeRouter}) {
		out[s.nameOfRouterID(e.LSA.Header.AdvRouter)] = e.LSA.Header.Seq
	}
	return out
}

// TestReconfigure_Cost_12_4: on a running 4-node ring, vr2's cost on the
// interface its route to vr4's LAN leaves by is raised above the other
// way's. RFC 2328 §12.4: the router-LSA's contents changed, so vr2
// originates exactly one new instance of it (sequence + 1) and nothing
// else; no adjacency anywhere leaves Full (a cost is no neighbour
// event); and vr2's route to vr4's LAN moves to the other ring
// interface, as the new cost says.
func TestReconfigure_Cost_12_4(t *testing.T) {
	spec := paperSpec(4)
	spec.Profile = ProfileFast
	var adj []Event
	watching := false
	s, err := NewSim(SimConfig{Spec: spec, OnEvent: func(e Event) {
		if watching && e.Kind == EventAdjacency {
			adj = append(adj, e)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunStep(s.Steps()[0]); err != nil {
		t.Fatal(err)
	}
	s.Advance(10 * time.Second) // past every MinLSInterval
	vr2 := s.Node("vr2")
	dst := netip.MustParseAddr("10.4.0.2")
	via := func() string {
		r, ok := vr2.Kernel().Lookup(dst)
		if !ok || len(r.NextHops) != 1 {
			t.Fatalf("vr2's route to %v: %+v (found %v)", dst, r, ok)
		}
		for _, ifc := range vr2.Config().Interfaces {
			if ifc.Peer == r.NextHops[0].Gateway {
				return ifc.Name
			}
		}
		t.Fatalf("vr2's route to %v leaves by no ring interface: %+v", dst, r)
		return ""
	}
	before := via()
	seqs := routerLSASeqs(s, "vr3")

	cfg := vr2.Node().Config()
	for i := range cfg.Interfaces {
		if cfg.Interfaces[i].Name == before {
			cfg.Interfaces[i].Cost = 60000
		}
	}
	for i := range cfg.OSPF.Interfaces {
		if cfg.OSPF.Interfaces[i].Name == before {
			cfg.OSPF.Interfaces[i].Cost = 60000
		}
	}
	watching = true
	if err := vr2.Node().Reconfigure(context.Background(), cfg, nil); err != nil {
		t.Fatal(err)
	}
	s.Advance(10 * time.Second)

	if after := via(); after == before {
		t.Errorf("vr2's route to %v still leaves by %s at cost 60000", dst, after)
	}
	got := routerLSASeqs(s, "vr3")
	for name, seq := range seqs {
		want := seq
		if name == "vr2" {
			want++
		}
		if got[name] != want {
			t.Errorf("vr3 holds %s's router-LSA %#x, want %#x (was %#x)", name, got[name], want, seq)
		}
	}
	if len(adj) > 0 {
		t.Errorf("adjacencies changed after the cost change: %v", adj)
	}
	for _, sn := range s.Nodes() {
		for _, nb := range sn.Node().OSPF().Neighbors() {
			if nb.State != ospf.NbrFull {
				t.Errorf("%s's neighbour %v on %s is %v", sn.Name(), nb.RouterID, nb.Interface, nb.State)
			}
		}
	}
	if c := vr2.Node().Config(); !reflect.DeepEqual(c, cfg) {
		t.Errorf("Config after Reconfigure is not the new one")
	}
}

// TestReconfigure_RejectedChangesNothing: what cannot be applied in
// place wraps ErrRestartRequired naming the field, an invalid change
// ErrInvalidConfig; either way the node keeps its configuration and sends
// nothing new (no router-LSA), and after Stop Reconfigure is ErrStopped.
func TestReconfigure_RejectedChangesNothing(t *testing.T) {
	s := coldStartedSim(t, 3)
	s.Advance(10 * time.Second)
	n := s.Node("vr2").Node()
	orig := n.Config()
	seqs := routerLSASeqs(s, "vr1")
	for _, tc := range []struct {
		name  string
		edit  func(c *NodeConfig)
		added map[string]routing.Transport
		want  error
		field string
	}{
		{"name", func(c *NodeConfig) { c.Name = "vr9" }, nil, ErrRestartRequired, "node"},
		{"router id", func(c *NodeConfig) { c.OSPF.RouterID = netip.MustParseAddr("10.9.9.9") }, nil, ErrRestartRequired, "router_id"},
		{"bfd off", func(c *NodeConfig) { c.Timers.BFDInterval = 0 }, nil, ErrRestartRequired, "timers.bfd_interval"},
		{"link address", func(c *NodeConfig) { c.Interfaces[0].Prefix = netip.MustParsePrefix("10.254.9.0/31") }, nil, ErrRestartRequired, "link_pool/links"},
		{"lan dropped", func(c *NodeConfig) { c.Interfaces = c.Interfaces[:len(c.Interfaces)-1] }, nil, ErrRestartRequired, "nodes[].lans"},
		{"dead < hello", func(c *NodeConfig) {
			c.OSPF.Interfaces[0].HelloMultiplier, c.OSPF.Interfaces[0].HelloInterval = 0, 10*time.Second
			c.OSPF.Interfaces[0].RouterDeadInterval = time.Second
			c.OSPF.Interfaces[0].Cost = 77 // must not be applied either
		}, nil, ErrInvalidConfig, "RouterDeadInterval"},
		{"added", func(*NodeConfig) {}, map[string]routing.Transport{"lan9": nopTransport{}}, ErrInvalidConfig, "added"},
	} {
		c := n.Config()
		c.Interfaces = append([]Interface(nil), c.Interfaces...)
		c.OSPF.Interfaces = append([]ospf.InterfaceConfig(nil), c.OSPF.Interfaces...)
		tc.edit(&c)
		err := n.Reconfigure(context.Background(), c, tc.added)
		if !errors.Is(err, tc.want) || !containsStr(err, tc.field) {
			t.Errorf("%s: %v, want %v naming %s", tc.name, err, tc.want, tc.field)
		}
		if !reflect.DeepEqual(n.Config(), orig) {
			t.Errorf("%s: the configuration changed", tc.name)
		}
	}
	s.Advance(10 * time.Second)
	if got := routerLSASeqs(s, "vr1"); !reflect.DeepEqual(got, seqs) {
		t.Errorf("router-LSAs went from %v to %v after rejected reconfigurations", seqs, got)
	}
	if err := n.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := n.Reconfigure(context.Background(), orig, nil); !errors.Is(err, ErrStopped) {
		t.Errorf("after Stop: %v", err)
	}
}

func containsStr(err error, s string) bool {
	return err != nil && strings.Contains(err.Error(), s)
}

// TestReconfigure_BFDAndVRRP: the master edge's BFD interval doubled and
// its VRRP priority dropped below the backup edge's, in place. RFC 5880
// §6.8.3: the ring links' sessions take the new interval by a Poll
// Sequence and stay Up (no adjacency leaves Full); RFC 5798 §6.4.3: the
// master advertises the lower priority and the backup edge, which now
// beats it, preempts.
func TestReconfigure_BFDAndVRRP(t *testing.T) {
	spec := paperSpec(3)
	spec.Profile = ProfileFast
	var adj, bfdDown []Event
	watching := false
	s, err := NewSim(SimConfig{Spec: spec, OnEvent: func(e Event) {
		if !watching {
			return
		}
		switch {
		case e.Kind == EventAdjacency:
			adj = append(adj, e)
		case e.Kind == EventBFD && strings.Contains(e.Text, "Down"):
			bfdDown = append(bfdDown, e)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunStep(s.Steps()[0]); err != nil {
		t.Fatal(err)
	}
	s.Advance(10 * time.Second)
	vr1, vr3 := s.Node("vr1").Node(), s.Node("vr3").Node()
	if st := vr1.VRRP().Status().State.String(); st != "Master" {
		t.Fatalf("vr1 is %s before", st)
	}
	cfg := vr1.Config()
	iv := 2 * cfg.Timers.BFDInterval
	cfg.Timers.BFDInterval = iv
	vc := *cfg.VRRP
	vc.Priority = 50
	cfg.VRRP = &vc
	watching = true
	if err := vr1.Reconfigure(context.Background(), cfg, nil); err != nil {
		t.Fatal(err)
	}
	s.Advance(5 * time.Second)
	if st := vr3.VRRP().Status().State.String(); st != "Master" {
		t.Errorf("vr3 is %s after vr1's priority fell to 50", st)
	}
	if st := vr1.VRRP().Status().State.String(); st != "Backup" {
		t.Errorf("vr1 is %s after its priority fell to 50", st)
	}
	for _, si := range vr1.BFDSessions() {
		if si.State.String() != "Up" || si.DesiredMinTx != iv {
			t.Errorf("vr1's BFD session on %s: %v, desired min tx %v, want Up at %v", si.Interface, si.State, si.DesiredMinTx, iv)
		}
	}
	if len(adj) > 0 || len(bfdDown) > 0 {
		t.Errorf("flaps after the reconfiguration: adjacencies %v, BFD %v", adj, bfdDown)
	}
}

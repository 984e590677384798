package ring

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// paperSpec is the five-router ring of the source design: VR1 and VR5 on
// the upstream LAN, one server LAN each.
func paperSpec(n int) Spec { return PaperSpec(n, ProfileRFC) }

func TestSpecValidate_Accepts(t *testing.T) {
	for _, n := range []int{3, 4, 5, 8, MaxNodes} {
		for _, p := range []Profile{ProfileRFC, ProfileFast} {
			if err := PaperSpec(n, p).Validate(); err != nil {
				t.Errorf("N=%d %v: %v", n, p, err)
			}
		}
	}
}

func TestSpecResolve_NumbersLinksAndEdges(t *testing.T) {
	r, err := paperSpec(5).resolve()
	if err != nil {
		t.Fatal(err)
	}
	// Link 4 closes the ring from vr5's east to vr1's west.
	if got, want := r.east[4], netip.MustParsePrefix("10.255.0.8/31"); got != want {
		t.Errorf("vr5 east = %v, want %v", got, want)
	}
	if got, want := r.west[0], netip.MustParsePrefix("10.255.0.9/31"); got != want {
		t.Errorf("vr1 west = %v, want %v", got, want)
	}
	if r.edges[0].node != 0 || r.edges[1].node != 4 {
		t.Errorf("edges = %d, %d; want vr1 master, vr5 backup", r.edges[0].node, r.edges[1].node)
	}
	if got := r.edges[1].addr; got != netip.MustParsePrefix("192.0.2.3/24") {
		t.Errorf("backup edge address %v", got)
	}
	if r.rid[2] != netip.MustParseAddr("10.3.0.1") {
		t.Errorf("router ID of vr3 = %v, want its first LAN address", r.rid[2])
	}
}

func TestSpecValidate_Rejects(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Spec)
		field string
	}{
		{"too few nodes", func(s *Spec) { s.Nodes = s.Nodes[:2] }, "Nodes"},
		{"duplicate name", func(s *Spec) { s.Nodes[3].Name = "vr1" }, "Nodes[3].Name"},
		{"empty name", func(s *Spec) { s.Nodes[1].Name = "" }, "Nodes[1].Name"},
		{"overlapping LANs", func(s *Spec) { s.Nodes[2].LANs[0] = netip.MustParsePrefix("10.1.0.2/16") }, "Nodes[2].LANs[0]"},
		{"LAN is network address", func(s *Spec) { s.Nodes[0].LANs[0] = netip.MustParsePrefix("10.1.0.0/24") }, "Nodes[0].LANs[0]"},
		{"LAN overlaps upstream", func(s *Spec) { s.Nodes[4].LANs[0] = netip.MustParsePrefix("192.0.2.129/25") }, "Nodes[4].LANs[0]"},
		{"link /29", func(s *Spec) {
			s.Links = make([]netip.Prefix, 5)
			for i := range s.Links {
				s.Links[i] = netip.MustParsePrefix(fmt.Sprintf("10.254.%d.0/29", i))
			}
		}, "Links[0]"},
		{"wrong link count", func(s *Spec) { s.Links = []netip.Prefix{netip.MustParsePrefix("10.254.0.0/31")} }, "Links"},
		{"overlapping links", func(s *Spec) {
			s.Links = make([]netip.Prefix, 5)
			for i := range s.Links {
				s.Links[i] = netip.MustParsePrefix(fmt.Sprintf("10.254.%d.0/31", i))
			}
			s.Links[3] = s.Links[1]
		}, "Links[3]"},
		{"pool too small", func(s *Spec) { s.LinkPool = netip.MustParsePrefix("10.255.0.0/30") }, "LinkPool"},
		{"no links", func(s *Spec) { s.LinkPool = netip.Prefix{} }, "LinkPool"},
		{"gateway off LAN", func(s *Spec) { s.Upstream.Gateway = netip.MustParseAddr("198.51.100.1") }, "Upstream.Gateway"},
		{"VIP off LAN", func(s *Spec) { s.Upstream.VIP = netip.MustParseAddr("198.51.100.1") }, "Upstream.VIP"},
		{"VIP equals gateway", func(s *Spec) { s.Upstream.VIP = s.Upstream.Gateway }, "Upstream.VIP"},
		{"edge not a node", func(s *Spec) {
			s.Upstream.Edges = [2]Edge{{"vr1", netip.MustParseAddr("192.0.2.2"), 200}, {"vr9", netip.MustParseAddr("192.0.2.3"), 100}}
		}, "Upstream.Edges[1].Node"},
		{"edge not on upstream LAN", func(s *Spec) {
			s.Upstream.Edges = [2]Edge{{"vr1", netip.MustParseAddr("10.1.0.1"), 200}, {"vr5", netip.MustParseAddr("192.0.2.3"), 100}}
		}, "Upstream.Edges[0].Address"},
		{"same edge twice", func(s *Spec) {
			s.Upstream.Edges = [2]Edge{{"vr1", netip.MustParseAddr("192.0.2.2"), 200}, {"vr1", netip.MustParseAddr("192.0.2.3"), 100}}
		}, "Upstream.Edges[1].Node"},
		{"equal priorities", func(s *Spec) {
			s.Upstream.Edges = [2]Edge{{"vr1", netip.MustParseAddr("192.0.2.2"), 100}, {"vr5", netip.MustParseAddr("192.0.2.3"), 100}}
		}, "Upstream.Edges[1].Priority"},
		{"owner priority", func(s *Spec) {
			s.Upstream.Edges = [2]Edge{{"vr1", netip.MustParseAddr("192.0.2.2"), 255}, {"vr5", netip.MustParseAddr("192.0.2.3"), 100}}
		}, "Upstream.Edges[0].Priority"},
		{"edge address is VIP", func(s *Spec) {
			s.Upstream.Edges = [2]Edge{{"vr1", s.Upstream.VIP, 200}, {"vr5", netip.MustParseAddr("192.0.2.3"), 100}}
		}, "Upstream.Edges[0].Address"},
		{"duplicate router ID", func(s *Spec) { s.Nodes[1].RouterID = netip.MustParseAddr("10.1.0.1") }, "Nodes[1].RouterID"},
		{"cost overflow", func(s *Spec) { s.BaseCost = 10000 }, "BaseCost"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := paperSpec(5)
			c.edit(&s)
			err := s.Validate()
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate() = %v, want ErrInvalidConfig", err)
			}
			if !strings.Contains(err.Error(), c.field+":") {
				t.Fatalf("error %q does not name field %s", err, c.field)
			}
		})
	}
}

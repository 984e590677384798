package ring

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
)

type nopUDPTransport struct{ nopTransport }

func (nopUDPTransport) SendTo(netip.AddrPort, []byte) error { return nil }

// A node of a profile with BFD needs a BFD transport on each ring link
// and runs OSPF with BFD there, never on the server LANs; without BFD in
// its timers it runs none.
func TestNewNode_BFDEnvironment(t *testing.T) {
	inner, err := PaperSpec(3, ProfileFast).Build("vr2")
	if err != nil {
		t.Fatal(err)
	}
	clock := routing.NewManualClock(time.Unix(0, 0))
	ospfTrs := map[string]routing.Transport{}
	for _, ic := range inner.OSPF.Interfaces {
		ospfTrs[ic.Name] = nopTransport{}
	}
	env := func(bfdIfs ...string) NodeEnv {
		e := NodeEnv{Clock: clock, OSPF: ospfTrs, FIB: fib.NewMemory(), BFD: map[string]routing.UDPTransport{}}
		for _, n := range bfdIfs {
			e.BFD[n] = nopUDPTransport{}
		}
		return e
	}
	n, err := NewNode(inner, env(IfEast, IfWest))
	if err != nil {
		t.Fatalf("complete environment: %v", err)
	}
	if n.BFD() == nil {
		t.Fatal("the fast profile runs no BFD")
	}
	for _, ic := range n.ospfConfig().Interfaces {
		if want := ic.Name == IfEast || ic.Name == IfWest; ic.BFD != want {
			t.Errorf("OSPF interface %s: BFD %v, want %v", ic.Name, ic.BFD, want)
		}
	}
	for name, e := range map[string]NodeEnv{
		"no BFD transports": env(),
		"west missing":      env(IfEast),
		"a server LAN too":  env(IfEast, IfWest, LANName(0)),
	} {
		if _, err := NewNode(inner, e); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: NewNode: %v, want ErrInvalidConfig", name, err)
		}
	}
	for name, tm := range map[string]func(*Timers){
		"interval below 10ms": func(t *Timers) { t.BFDInterval = 5 * time.Millisecond },
		"negative interval":   func(t *Timers) { t.BFDInterval = -time.Millisecond },
		"multiplier 256":      func(t *Timers) { t.BFDMultiplier = 256 },
	} {
		c := inner
		tm(&c.Timers)
		if _, err := NewNode(c, env(IfEast, IfWest)); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: NewNode: %v, want ErrInvalidConfig", name, err)
		}
	}
	off := inner
	off.Timers.BFDInterval = 0
	n, err = NewNode(off, env())
	if err != nil {
		t.Fatalf("BFD off: %v", err)
	}
	if n.BFD() != nil || n.BFDSessions() != nil {
		t.Error("BFD runs with a zero BFDInterval")
	}
	for _, ic := range n.ospfConfig().Interfaces {
		if ic.BFD {
			t.Errorf("OSPF interface %s has BFD with BFD off", ic.Name)
		}
	}
}

// A node that stops gracefully takes its BFD sessions AdminDown (RFC 5880
// §6.8.16) after OSPF let them go: its neighbours see the peer's
// AdminDown, which is no failure (RFC 5882 §3.2), and no session of
// theirs times out.
func TestNode_StopTakesBFDAdminDown(t *testing.T) {
	var events []Event
	s, err := NewSim(SimConfig{Spec: PaperSpec(4, ProfileFast), Seed: 2, OnEvent: func(e Event) {
		if e.Kind == EventBFD {
			events = append(events, e)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Run(s.Steps()[0]); err != nil {
		t.Fatal(err)
	}
	s.Advance(3 * time.Second)
	events = nil
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.Node("vr2").Node().Stop(ctx); err != nil {
		t.Fatal(err)
	}
	s.Advance(500 * time.Millisecond)
	admin := map[string]bool{}
	for _, e := range events {
		if e.Node == "vr2" {
			continue
		}
		switch {
		case strings.HasPrefix(e.Text, "session-peer-admin-down"):
			admin[e.Node] = true
		case strings.HasPrefix(e.Text, "session-down"):
			t.Errorf("%s: %s", e.Node, e.Text)
		}
	}
	if !admin["vr1"] || !admin["vr3"] {
		t.Errorf("neighbours that saw vr2's AdminDown: %v, want vr1 and vr3 (events %v)", admin, events)
	}
}

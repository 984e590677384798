package bfd

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd/packet"
	"github.com/switchless/routing/internal/nstest"
)

// Two of our instances in network namespaces on real sockets from
// Listen, IPv4 and IPv6 link-local sessions at 20 ms × 3: both come Up,
// and when one stops gracefully the other sees AdminDown (RFC 5880
// §6.8.16), not a detection-time failure. Needs root.
func TestListen_SessionsOverRealSockets(t *testing.T) {
	nstest.RequireRoot(t)
	na, nb := nstest.New(t, "bfdsa"), nstest.New(t, "bfdsb")
	nstest.Veth(t, na, "veth0", nb, "veth0")
	na.Exec(t, "ip", "addr", "add", "10.0.0.1/24", "dev", "veth0")
	nb.Exec(t, "ip", "addr", "add", "10.0.0.2/24", "dev", "veth0")
	na.Exec(t, "ip", "-6", "addr", "add", "fe80::a/64", "dev", "veth0", "nodad")
	nb.Exec(t, "ip", "-6", "addr", "add", "fe80::b/64", "dev", "veth0", "nodad")
	ctx := context.Background()
	start := func(ns *nstest.NS, peer4, peer6 string) *Instance {
		cfg := Config{Interfaces: []InterfaceConfig{{Name: "veth0", IPv6: true, MinTx: 20 * time.Millisecond, MinRx: 20 * time.Millisecond}},
			Peers: []PeerConfig{{Interface: "veth0", Peer: netip.MustParseAddr(peer4)}, {Interface: "veth0", Peer: netip.MustParseAddr(peer6)}}}
		v4, v6, err := Listen(ctx, &cfg, ns.Name(), nil)
		if err != nil {
			t.Fatal(err)
		}
		in, err := New(cfg, Env{Clock: routing.SystemClock(), Transports: v4, Transports6: v6})
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = in.Stop(context.Background()) })
		return in
	}
	a := start(na, "10.0.0.2", "fe80::b")
	b := start(nb, "10.0.0.1", "fe80::a")
	up := func(in *Instance) bool {
		ss := in.Sessions()
		return len(ss) == 2 && ss[0].State == packet.StateUp && ss[1].State == packet.StateUp && !ss[0].Polling && !ss[1].Polling
	}
	nstest.Eventually(t, 10*time.Second, func() error {
		if !up(a) || !up(b) {
			return fmt.Errorf("not Up: a %+v b %+v", a.Sessions(), b.Sessions())
		}
		return nil
	})
	for _, s := range a.Sessions() {
		if s.TxInterval != 20*time.Millisecond || s.DetectTime != 60*time.Millisecond {
			t.Errorf("%v: tx %v detect %v", s.Peer, s.TxInterval, s.DetectTime)
		}
	}
	if err := b.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	nstest.Eventually(t, 5*time.Second, func() error {
		for _, s := range a.Sessions() {
			if s.State != packet.StateDown {
				return fmt.Errorf("%v still %v after the peer's stop", s.Peer, s.State)
			}
		}
		return nil
	})
	for _, s := range a.Sessions() {
		if s.RemoteState != packet.StateAdminDown || s.LastDownDiag != packet.DiagNeighborDown {
			t.Errorf("%v: remote %v diag %v, want AdminDown / neighbor-signaled-session-down", s.Peer, s.RemoteState, s.LastDownDiag)
		}
	}
	if st := a.Stats(); st.DroppedTTL != 0 || st.DroppedMalformed != 0 {
		t.Errorf("drops %+v", st)
	}
}

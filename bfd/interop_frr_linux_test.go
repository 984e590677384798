//go:build linux

package bfd

// Interop with FRR 8.4 bfdd: static sessions on both sides (our
// Config.Peers, FRR's `peer A interface veth0`), over IPv4 and IPv6
// link-local. Each test asserts on what bfdd says (`show bfd peers
// json`) and on our Sessions(). FRR 8.4 bfdd has no authentication
// (its packets never set the A bit), so none is tested against it.
//
//	sudo go test -run 'TestInterop.*FRR' -v ./bfd/

import (
	"fmt"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/switchless/routing/bfd/packet"
	"github.com/switchless/routing/internal/nstest"
)

// The intervals of the FRR tests, deliberately different on each side
// so that each negotiated value shows which side it came from.
const (
	frrRx, frrTx, frrMult = 200 * time.Millisecond, 100 * time.Millisecond, 4
	ourRx, ourTx, ourMult = 100 * time.Millisecond, 150 * time.Millisecond, 3
	// upWithin is the slow start (1 s packets until Up, §6.8.3) twice
	// over, with margin.
	upWithin = 10 * time.Second
)

// frrBFDConf is a bfdd.conf with static peers on veth0, at the FRR
// intervals.
func frrBFDConf(peers ...netip.Addr) string {
	s := "hostname peer\nlog stdout debugging\nbfd\n"
	for _, p := range peers {
		s += " peer " + p.String() + " interface veth0\n" +
			"  receive-interval 200\n  transmit-interval 100\n  detect-multiplier 4\n !\n"
	}
	return s + "!\n"
}

// ourFRRConfig is our side: static peers on veth0 at our intervals.
func ourFRRConfig(peers ...netip.Addr) Config {
	cfg := Config{Interfaces: []InterfaceConfig{{Name: "veth0", IPv6: true, MinRx: ourRx, MinTx: ourTx, DetectMult: ourMult}}}
	for _, p := range peers {
		cfg.Peers = append(cfg.Peers, PeerConfig{Interface: "veth0", Peer: p})
	}
	return cfg
}

// startFRRLab is the lab with bfdd's and our static sessions to each
// other over IPv4 and IPv6 link-local, both Up.
func startFRRLab(t *testing.T) (ours, peer *nstest.NS, f *frrBFD, in *Instance) {
	t.Helper()
	ours, peer = bfdLab(t)
	f = startFRRBFD(t, peer, frrBFDConf(ourV4, ourV6))
	in = startOurBFD(t, ours, ourFRRConfig(peerV4, peerV6))
	for _, c := range []struct{ ourPeer, frrPeer netip.Addr }{{peerV4, ourV4}, {peerV6, ourV6}} {
		waitOurState(t, in, c.ourPeer, packet.StateUp, upWithin)
		f.waitPeer(t, c.frrPeer, "up", "", upWithin)
	}
	return ours, peer, f, in
}

// RFC 5880 §6.8.6 (the three-way handshake) and §6.8.7/§6.8.4 (the
// negotiated intervals): both sessions, IPv4 and IPv6 link-local, come
// Up on both sides; once our Poll Sequence is over each side shows the
// other's configured intervals, our transmit interval is the larger of
// our 150 ms and bfdd's Required Min RX 200 ms, and our detection time
// bfdd's Detect Mult 4 times the larger of our 100 ms and its 100 ms.
func TestInterop_RFC5880_6_8_6_FRRUpBothWays(t *testing.T) {
	_, _, f, in := startFRRLab(t)
	for _, c := range []struct{ ourPeer, frrPeer netip.Addr }{{peerV4, ourV4}, {peerV6, ourV6}} {
		var s SessionInfo
		nstest.Eventually(t, 5*time.Second, func() error {
			var err error
			s = waitOurState(t, in, c.ourPeer, packet.StateUp, time.Second)
			if s.Polling || s.RemoteMinRx != frrRx {
				err = fmt.Errorf("our session to %v: polling %v, remote Required Min RX %v", c.ourPeer, s.Polling, s.RemoteMinRx)
			}
			return err
		})
		if s.TxInterval != 200*time.Millisecond || s.DetectTime != 400*time.Millisecond ||
			s.RemoteDesiredMinTx != frrTx || s.RemoteDetectMult != frrMult || s.RemoteDisc == 0 {
			t.Errorf("our session to %v: tx %v detect %v, remote tx %v mult %d disc %d; want tx 200ms detect 400ms, remote tx %v mult %d",
				c.ourPeer, s.TxInterval, s.DetectTime, s.RemoteDesiredMinTx, s.RemoteDetectMult, s.RemoteDisc, frrTx, frrMult)
		}
		var p frrPeer
		nstest.Eventually(t, 5*time.Second, func() error {
			var err error
			p = f.waitPeer(t, c.frrPeer, "up", "", time.Second)
			if p.RemoteTx != int(ourTx/time.Millisecond) {
				err = fmt.Errorf("FRR's session to %v: remote transmit interval %d ms (our Poll Sequence not seen yet?)", c.frrPeer, p.RemoteTx)
			}
			return err
		})
		if p.RemoteRx != 100 || p.RemoteDetect != ourMult || p.RxInterval != 200 || p.TxInterval != 100 || p.DetectMult != frrMult ||
			p.ID != s.RemoteDisc || p.RemoteID != s.LocalDisc || p.Interface != "veth0" || p.Multihop {
			t.Errorf("FRR's session to %v = %+v; want remote rx 100 tx 150 mult 3, local rx 200 tx 100 mult 4, "+
				"id %d remote-id %d on veth0, single hop", c.frrPeer, p, s.RemoteDisc, s.LocalDisc)
		}
	}
}

// RFC 5880 §6.8.4: bfdd frozen (SIGSTOP), our sessions go Down with
// diag 1 (control detection time expired) once no packet came for the
// detection time; bfdd resumed (SIGCONT), they come Up again, and bfdd
// shows them Up.
func TestInterop_RFC5880_6_8_4_FRRFrozen(t *testing.T) {
	_, _, f, in := startFRRLab(t)
	before, _ := ourSession(in, peerV4)
	freeze(t, f.bfdd)
	for _, p := range []netip.Addr{peerV4, peerV6} {
		s := waitOurState(t, in, p, packet.StateDown, 5*time.Second)
		if s.LastDownDiag != packet.DiagControlDetectExpired || s.Diag != packet.DiagControlDetectExpired || s.RemoteDisc != 0 {
			t.Errorf("our session to %v went Down with diag %v (last %v), remote disc %d; want %v and remote disc reset (§6.8.1)",
				p, s.Diag, s.LastDownDiag, s.RemoteDisc, packet.DiagControlDetectExpired)
		}
	}
	signal(t, f.bfdd, syscall.SIGCONT)
	for _, c := range []struct{ ourPeer, frrPeer netip.Addr }{{peerV4, ourV4}, {peerV6, ourV6}} {
		waitOurState(t, in, c.ourPeer, packet.StateUp, upWithin)
		f.waitPeer(t, c.frrPeer, "up", "", upWithin)
	}
	after, _ := ourSession(in, peerV4)
	// At least: a flap of a loaded host's bfdd must not fail the test.
	if after.Counters.Downs < before.Counters.Downs+1 || after.Counters.Ups < before.Counters.Ups+1 {
		t.Errorf("IPv4 session counters %+v after the freeze, %+v before; want a Down and an Up more", after.Counters, before.Counters)
	}
}

// RFC 5880 §6.8.4, from bfdd's side: our packets dropped on the way out
// (a tc qdisc dropping all on veth0; our instance runs on), bfdd's
// sessions go Down with "control detection time expired", and ours,
// hearing bfdd's Down, with diag 3 (neighbor signaled session down,
// §6.8.6); the drop lifted, Up again.
func TestInterop_RFC5880_6_8_4_FRRDetectsUs(t *testing.T) {
	ours, _, f, in := startFRRLab(t)
	downs := map[netip.Addr]uint64{}
	for _, p := range []netip.Addr{peerV4, peerV6} {
		s, _ := ourSession(in, p)
		downs[p] = s.Counters.Downs
	}
	lift := dropOurBFD(t, ours)
	for _, p := range []netip.Addr{ourV4, ourV6} {
		f.waitPeer(t, p, "down", "control detection time expired", 5*time.Second)
	}
	for _, p := range []netip.Addr{peerV4, peerV6} {
		// Down, then Init at bfdd's next Down packet (§6.8.6): not Up,
		// and one more Down, for the diag.
		nstest.Eventually(t, 5*time.Second, func() error {
			if s, _ := ourSession(in, p); s.State == packet.StateUp || s.Counters.Downs != downs[p]+1 || s.LastDownDiag != packet.DiagNeighborDown {
				return fmt.Errorf("our session to %v: %v, %d Downs (%d before), last with diag %v; want not Up, one more Down with %v",
					p, s.State, s.Counters.Downs, downs[p], s.LastDownDiag, packet.DiagNeighborDown)
			}
			return nil
		})
	}
	lift()
	for _, c := range []struct{ ourPeer, frrPeer netip.Addr }{{peerV4, ourV4}, {peerV6, ourV6}} {
		f.waitPeer(t, c.frrPeer, "up", "", upWithin)
		waitOurState(t, in, c.ourPeer, packet.StateUp, upWithin)
	}
}

// RFC 5880 §6.8.16 and RFC 5882 §3.2: our Stop sends AdminDown; bfdd
// takes its sessions Down (it does not time them out) and shows our
// diagnostic, "administratively down", as the remote one.
func TestInterop_RFC5880_6_8_16_FRRSeesOurAdminDown(t *testing.T) {
	_, _, f, in := startFRRLab(t)
	if err := in.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []netip.Addr{ourV4, ourV6} {
		got := f.waitPeer(t, p, "down", "", 5*time.Second)
		t.Logf("FRR's session to %v after our Stop: status %q, diag %q, remote diag %q", p, got.Status, got.Diag, got.RemoteDiag)
		if got.RemoteDiag != "administratively down" || got.Diag == "control detection time expired" {
			t.Errorf("FRR's session to %v after our Stop: diag %q, remote diag %q; want remote diag %q, not a timeout",
				p, got.Diag, got.RemoteDiag, "administratively down")
		}
	}
}

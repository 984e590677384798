//go:build linux

package bfd

// Interop with BIRD 2 `protocol bfd`: static sessions on both sides (our
// Config.Peers, BIRD's `neighbor A dev "veth0"`), over IPv4 and IPv6
// link-local, with and without authentication. Each test asserts on
// what BIRD says (`birdc show bfd sessions`: the state, the transmit
// interval in use and the detection time) and on our Sessions() and
// Stats().
//
//	sudo go test -run 'TestInterop.*BIRD' -v ./bfd/

import (
	"fmt"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/switchless/routing/bfd/packet"
	"github.com/switchless/routing/internal/nstest"
)

// The intervals of the BIRD tests, different on each side.
const (
	birdRx, birdTx, birdMult = 120 * time.Millisecond, 50 * time.Millisecond, 5
	ourBRx, ourBTx, ourBMult = 80 * time.Millisecond, 100 * time.Millisecond, 3
)

// birdBFDConf is a bird.conf with protocol bfd on veth0 at the BIRD
// intervals, ifaceLines (authentication) added, and the neighbours.
func birdBFDConf(ifaceLines string, neighbors ...netip.Addr) string {
	s := "router id 10.0.0.2;\nlog stderr all;\ndebug protocols { states, events };\n" +
		"protocol device { scan time 1; }\n" +
		"protocol bfd {\n\tinterface \"veth0\" {\n\t\tmin rx interval 120 ms;\n\t\tmin tx interval 50 ms;\n\t\tmultiplier 5;\n" +
		ifaceLines + "\t};\n"
	for _, n := range neighbors {
		s += fmt.Sprintf("\tneighbor %v dev \"veth0\";\n", n)
	}
	return s + "}\n"
}

func ourBIRDConfig(auth *Auth, peers ...netip.Addr) Config {
	cfg := Config{Interfaces: []InterfaceConfig{{Name: "veth0", IPv6: true, MinRx: ourBRx, MinTx: ourBTx, DetectMult: ourBMult, Auth: auth}}}
	for _, p := range peers {
		cfg.Peers = append(cfg.Peers, PeerConfig{Interface: "veth0", Peer: p})
	}
	return cfg
}

// RFC 5880 §6.8.6 and §6.8.7/§6.8.4: sessions over IPv4 and IPv6
// link-local come Up on both sides; BIRD's transmit interval is the
// larger of its 50 ms and our Required Min RX 80 ms and its detection
// time our Detect Mult 3 times the larger of its 120 ms and our 100 ms;
// ours are the larger of our 100 ms and its 120 ms, and its Detect Mult
// 5 times the larger of our 80 ms and its 50 ms.
func TestInterop_RFC5880_6_8_6_BIRDUpBothWays(t *testing.T) {
	ours, peer := bfdLab(t)
	b := startBIRDBFD(t, peer, birdBFDConf("", ourV4, ourV6))
	in := startOurBFD(t, ours, ourBIRDConfig(nil, peerV4, peerV6))
	for _, c := range []struct{ ourPeer, birdPeer netip.Addr }{{peerV4, ourV4}, {peerV6, ourV6}} {
		waitOurState(t, in, c.ourPeer, packet.StateUp, upWithin)
		b.waitSession(t, c.birdPeer, "Up", upWithin)
		nstest.Eventually(t, 5*time.Second, func() error {
			s, _ := ourSession(in, c.ourPeer)
			bs, _, out, err := b.session(c.birdPeer)
			if err != nil {
				return err
			}
			if s.State != packet.StateUp || s.Polling || s.TxInterval != 120*time.Millisecond || s.DetectTime != 400*time.Millisecond {
				return fmt.Errorf("our session to %v: %v polling %v tx %v detect %v; want Up, tx 120ms detect 400ms",
					c.ourPeer, s.State, s.Polling, s.TxInterval, s.DetectTime)
			}
			if bs.State != "Up" || bs.Interval != 80*time.Millisecond || bs.Timeout != 360*time.Millisecond {
				return fmt.Errorf("BIRD's session to %v: %+v, want Up interval 80ms timeout 360ms:\n%s", c.birdPeer, bs, out)
			}
			return nil
		})
	}
}

// RFC 5880 §6.8.4: BIRD frozen (SIGSTOP), our sessions go Down with diag
// 1; resumed, Up again on both sides.
func TestInterop_RFC5880_6_8_4_BIRDFrozen(t *testing.T) {
	ours, peer := bfdLab(t)
	b := startBIRDBFD(t, peer, birdBFDConf("", ourV4))
	in := startOurBFD(t, ours, ourBIRDConfig(nil, peerV4))
	waitOurState(t, in, peerV4, packet.StateUp, upWithin)
	b.waitSession(t, ourV4, "Up", upWithin)
	freeze(t, b.proc)
	if s := waitOurState(t, in, peerV4, packet.StateDown, 5*time.Second); s.LastDownDiag != packet.DiagControlDetectExpired {
		t.Errorf("our session went Down with diag %v, want %v", s.LastDownDiag, packet.DiagControlDetectExpired)
	}
	signal(t, b.proc, syscall.SIGCONT)
	waitOurState(t, in, peerV4, packet.StateUp, upWithin)
	b.waitSession(t, ourV4, "Up", upWithin)
}

// RFC 5880 §6.7 (§6.7.2 simple password, §6.7.3 keyed MD5 and SHA1 with
// their meticulous variants): with a wrong key every packet of BIRD's is
// discarded (Stats().DroppedAuth grows) and the session stays Down on
// both sides; with the right key, set at run time by UpdateInterface,
// it comes Up on both, and then no packet is dropped.
func TestInterop_RFC5880_6_7_BIRDAuthentication(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "bird")
	for _, c := range []struct {
		name, bird string
		typ        packet.AuthType
		key        string
	}{
		{"simple", "simple", packet.AuthSimplePassword, "bfd-pass"},
		{"meticulous-keyed-md5", "meticulous keyed md5", packet.AuthMeticulousKeyedMD5, "bfd-md5-key"},
		{"keyed-sha1", "keyed sha1", packet.AuthKeyedSHA1, "bfd-sha1-key-20bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ours, peer := bfdLab(t)
			const keyID = 7
			b := startBIRDBFD(t, peer, birdBFDConf(fmt.Sprintf("\t\tauthentication %s;\n\t\tpassword %q { id %d; };\n", c.bird, c.key, keyID), ourV4))
			wrong := &Auth{Type: c.typ, KeyID: keyID, Key: []byte(c.key + "x")[1:]}
			cfg := ourBIRDConfig(wrong, peerV4)
			in := startOurBFD(t, ours, cfg)

			// Wrong key: BIRD's packets (1 s apart while Down) are
			// discarded and nothing comes Up.
			deadline := time.Now().Add(2500 * time.Millisecond)
			for time.Now().Before(deadline) {
				if s, _ := ourSession(in, peerV4); s.State == packet.StateUp || s.State == packet.StateInit || s.RemoteDisc != 0 {
					t.Fatalf("with a wrong key our session is %v, remote discriminator %d; want Down, nothing accepted", s.State, s.RemoteDisc)
				}
				if bs, _, _, _ := b.session(ourV4); bs.State == "Up" || bs.State == "Init" {
					t.Fatalf("with a wrong key BIRD's session is %s", bs.State)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if st := in.Stats(); st.DroppedAuth < 2 {
				t.Fatalf("after 2.5 s with a wrong key DroppedAuth = %d, want at least 2 (stats %+v)", st.DroppedAuth, st)
			}

			// The right key.
			ic := cfg.Interfaces[0]
			ic.Auth = &Auth{Type: c.typ, KeyID: keyID, Key: []byte(c.key)}
			if err := in.UpdateInterface(ic); err != nil {
				t.Fatal(err)
			}
			waitOurState(t, in, peerV4, packet.StateUp, upWithin)
			b.waitSession(t, ourV4, "Up", upWithin)
			dropped := in.Stats().DroppedAuth
			time.Sleep(500 * time.Millisecond)
			s, _ := ourSession(in, peerV4)
			if st := in.Stats(); st.DroppedAuth != dropped || st.DroppedReplay != 0 || s.State != packet.StateUp || s.Auth != c.typ {
				t.Errorf("Up with the right key: session %v auth %v, DroppedAuth %d -> %d, DroppedReplay %d; want Up, %v, none dropped",
					s.State, s.Auth, dropped, st.DroppedAuth, st.DroppedReplay, c.typ)
			}
		})
	}
}

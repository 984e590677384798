package bfd

import (
	"testing"
	"time"

	"github.com/switchless/routing/bfd/packet"
)

// §6.7: two of our instances come Up with every authentication type
// and the same key, and stay Down with a wrong one, every packet
// counted as an auth drop.
func Test6_7_AuthenticatedSessions(t *testing.T) {
	for _, typ := range []packet.AuthType{packet.AuthSimplePassword, packet.AuthKeyedMD5, packet.AuthMeticulousKeyedMD5, packet.AuthKeyedSHA1, packet.AuthMeticulousKeyedSHA1} {
		t.Run(typ.String(), func(t *testing.T) {
			ca, cb := fast(50), fast(50)
			ca.Auth = &Auth{Type: typ, KeyID: 3, Key: []byte("s3cret")}
			cb.Auth = &Auth{Type: typ, KeyID: 3, Key: []byte("s3cret")}
			p := newPair(t, ca, cb)
			p.start()
			p.until(5*time.Second, p.settled)
			for _, s := range p.a.tr.take() {
				if s.c.Auth.Type != typ {
					t.Fatalf("sent auth %v", s.c.Auth.Type)
				}
			}
			if st := p.a.in.Stats(); st.DroppedAuth != 0 || st.DroppedReplay != 0 {
				t.Errorf("drops with the right key: %+v", st)
			}
			// Keep it up for a while: meticulous sequence numbers keep up.
			p.clock.Advance(10 * time.Second)
			if !p.bothUp() {
				t.Fatal("session fell")
			}

			wrong := fast(50)
			wrong.Auth = &Auth{Type: typ, KeyID: 3, Key: []byte("other")}
			q := newPair(t, ca, wrong)
			q.start()
			q.clock.Advance(10 * time.Second)
			if q.a.session(t).State != packet.StateDown {
				t.Errorf("wrong key: state %v", q.a.session(t).State)
			}
			if q.a.in.Stats().DroppedAuth == 0 {
				t.Error("wrong key: nothing counted")
			}
		})
	}
}

// §6.8.6: one side authenticates and the other does not: no session.
func Test6_8_6_AuthOnOneSideOnly(t *testing.T) {
	ca := fast(50)
	ca.Auth = &Auth{Type: packet.AuthKeyedSHA1, KeyID: 1, Key: []byte("k")}
	p := newPair(t, ca, fast(50))
	p.start()
	p.clock.Advance(10 * time.Second)
	if p.bothUp() || p.a.in.Stats().DroppedAuth == 0 || p.b.in.Stats().DroppedAuth == 0 {
		t.Errorf("a %+v b %+v", p.a.in.Stats(), p.b.in.Stats())
	}
}

package rip

import (
	"errors"
	"testing"
	"time"
)

// The anycast announcer: metrics 1 to 15 originate the prefix; 16 is
// infinity (§3.6), so the prefix is withdrawn: advertised at 16 in a
// triggered update, then deleted (§3.8).
func Test3_8_AnnouncePrefixSixteenWithdraws(t *testing.T) {
	r := newRig(t, nil)
	vip := pfx("203.0.113.25/32")
	if err := r.inst.AnnouncePrefix(vip, 3); err != nil {
		t.Fatal(err)
	}
	if rt, ok := r.inst.Route(vip); !ok || rt.Metric != 3 || rt.Source != SourceAPI {
		t.Fatalf("announced: %+v %v", rt, ok)
	}
	r.advance(6 * time.Second) // the triggered update
	if e, ok := entriesSent(r.tr["eth0"].take())[vip]; !ok || e.Metric != 3 {
		t.Fatalf("not advertised at 3: %+v %v", e, ok)
	}
	if err := r.inst.AnnouncePrefix(vip, 16); err != nil {
		t.Fatal(err)
	}
	if m := r.metric("203.0.113.25/32"); m != 16 {
		t.Fatalf("after metric 16: metric %d, want unreachable", m)
	}
	r.advance(6 * time.Second)
	if e, ok := entriesSent(r.tr["eth0"].take())[vip]; !ok || e.Metric != 16 {
		t.Fatalf("withdrawal not advertised at 16: %+v %v", e, ok)
	}
	if err := r.inst.WithdrawPrefix(vip); err != nil {
		t.Fatalf("withdrawing again: %v", err)
	}
	if err := r.inst.AnnouncePrefix(vip, 0); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("metric 0: %v", err)
	}
}

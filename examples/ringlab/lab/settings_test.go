package lab

import (
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/ring"
)

// The reference runs BFD at our fast profile's timers, and the legend
// says what each stack runs.
func TestSettings(t *testing.T) {
	tm := ring.ProfileFast.Timers()
	if want := "bfd\n profile ring\n  transmit-interval 50\n  receive-interval 50\n  detect-multiplier 3\n"; frrBFD(ring.ProfileFast) != want || tm.BFDInterval != 50*time.Millisecond {
		t.Errorf("bfdd.conf %q, want %q for BFD %v", frrBFD(ring.ProfileFast), want, tm.BFDInterval)
	}
	if frrBFD(ring.ProfileRFC) != "" {
		t.Error("the RFC comparison runs bfdd")
	}
	for _, tc := range []struct {
		s    Stack
		p    ring.Profile
		want []string
	}{
		{Ours, ring.ProfileFast, []string{"BFD 50ms × 3", "4 hellos/s dead 1s", "VRRPv3 advert 20ms"}},
		{Ours, ring.ProfileRFC, []string{"no BFD", "hello 10s dead 40s"}},
		{FRR, ring.ProfileFast, []string{"ip ospf bfd profile ring", "bfdd profile ring: transmit-interval 50, receive-interval 50, detect-multiplier 3",
			"timers throttle spf 0 50 500", "timers throttle lsa all 0", "timers lsa min-arrival 0", "VRRPv3 advert_int 0.1 s"}},
		{FRR, ring.ProfileRFC, []string{"ip ospf dead-interval 3", "VRRPv2 advert_int 1 s"}},
	} {
		got := Settings(tc.s, tc.p)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("Settings(%v, %v) = %q lacks %q", tc.s, tc.p, got, w)
			}
		}
	}
}

// With BFD the freezes' limits are well under the dead interval, so that a
// ring that waited for it fails them; without, they allow two.
func TestLimits_Frozen(t *testing.T) {
	for _, p := range []ring.Profile{ring.ProfileFast, ring.ProfileRFC} {
		ls, err := Limits(ring.PaperSpec(5, p))
		if err != nil {
			t.Fatal(err)
		}
		dead := p.Timers().DeadInterval
		for _, id := range []string{"S1f", "S2f"} {
			l := ls[id].Limit
			switch {
			case p == ring.ProfileFast && (l > dead/2 || l < 2*p.Timers().BFDDetectTime()):
				t.Errorf("%v %s: limit %v, want 2 × BFD detection to half the dead interval %v", p, id, l, dead)
			case p == ring.ProfileRFC && l < 2*dead:
				t.Errorf("%v %s: limit %v, want at least 2 × dead %v", p, id, l, dead)
			}
		}
	}
}

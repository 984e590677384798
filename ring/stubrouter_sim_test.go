package ring

import (
	"fmt"
	"testing"
	"time"
)

// TestSim_RFC6987_ReturnInsideQuietTime (issue 15): a node freezes, its
// neighbours declare it dead, and it comes back at moments inside and
// outside the profile's quiet time: the inner node rebooted or thawed
// (its processes resume, their overdue timers fire at once), the VRRP
// master edge rebooted or thawed. No probe to a server of another node
// may be lost, and none may loop. A rebooted node starts as an RFC 6987
// stub router (StubRouterOnStartup): its ring links carry MaxLinkMetric
// until its routes are in its FIB.
//
// Measured: the reboots lose nothing with the stub router advertisement
// off too (in the simulation a returning node's router-LSA naming its
// adjacencies waits MinLSInterval, by which time its own calculation has
// run); ospf's TestStubRouter_RFC6987_3_OnStartup is the test that fails
// without it. The thawed master edge lost 5 s in the RFC profile and
// 0.07–1.1 s in the fast one when it kept its VIP and its timers ran
// through the freeze; with the freeze stopping its timers (a stopped
// process), its first advertisement preempted the Backup (610 ms lost in
// the RFC profile, 10–30 ms in the fast one). Now its VRRP steps down
// when its Adver_Timer fires past any Master_Down_Interval
// (vrrp.ReasonPaused), the routing hold is armed again until routes
// installed after the pause are in (node_hold.go), and OSPF, finding its
// Hello Timer late by more than the dead interval, advertises itself as
// a stub router again (ospf.Instance.stubResume): 0 lost in every case.
func TestSim_RFC6987_ReturnInsideQuietTime(t *testing.T) {
	for _, prof := range []Profile{ProfileRFC, ProfileFast} {
		spec := PaperSpec(5, prof)
		quiet := prof.QuietTime()
		for i, frac := range []float64{0.05, 0.2, 0.45, 0.8, 1.3} {
			for _, c := range []struct{ fz, how string }{{"S2f", "reboots"}, {"S2f", "thaws"}, {"S1f", "reboots"}, {"S1f", "thaws"}} {
				fz, how := c.fz, c.how
				t.Run(fmt.Sprintf("%v/%s-%s/after%.0f%%ofQuietTime", prof, fz, how, frac*100), func(t *testing.T) {
					sim, err := NewSim(SimConfig{Spec: spec, Seed: int64(60 + i), ProbeInterval: 10 * time.Millisecond})
					if err != nil {
						t.Fatal(err)
					}
					steps := map[string]Step{}
					for _, st := range sim.Steps() {
						steps[st.ID] = st
					}
					if r, err := sim.RunStep(steps["S0"]); err != nil || !r.Reachable {
						t.Fatalf("cold start: %+v %v", r, err)
					}
					victim := steps[fz].Victim
					rid := sim.Node(victim).Config().OSPF.RouterID
					if err := sim.Freeze(victim); err != nil {
						t.Fatal(err)
					}
					// Until both neighbours have declared it dead.
					for deadline := sim.Elapsed() + 2*time.Minute; ; sim.Advance(time.Millisecond) {
						adj := 0
						for _, n := range sim.Nodes() {
							if n.Name() == victim || n.Node() == nil {
								continue
							}
							for _, nb := range n.Node().OSPF().Neighbors() {
								if nb.RouterID == rid {
									adj++
								}
							}
						}
						if adj == 0 {
							break
						}
						if sim.Elapsed() > deadline {
							t.Fatalf("%s's neighbours still hold %d adjacencies to it", victim, adj)
						}
					}
					wait := time.Duration(frac * float64(quiet))
					boot := Step{ID: "S2ft", Name: victim + " " + how, Victim: victim, Bound: steps["S2fr"].Bound,
						fault: func(s *Sim) error {
							s.Advance(wait)
							if how == "thaws" {
								return s.Thaw(victim)
							}
							return s.Reboot(victim)
						}}
					r, err := sim.RunStep(boot)
					if err != nil {
						t.Fatal(err)
					}
					t.Logf("%s %v after its neighbours declared it dead (quiet time %v): outage %v (%s), loops %d, bounced %d",
						how, wait, quiet, r.Outage, r.Worst, r.Loops, r.Bounced)
					if r.Outage > 0 || r.Loops > 0 || !r.Reachable {
						t.Errorf("%s: outage %v for servers of other nodes (%s), %d loops, reachable %v; want none lost",
							r.Name, r.Outage, r.Worst, r.Loops, r.Reachable)
					}
				})
			}
		}
	}
}

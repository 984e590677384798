package lab

import (
	"fmt"
	"strings"

	"github.com/switchless/routing/ring"
)

// The reference's configuration, in one place so that what the lab
// writes and what it prints next to its tables cannot drift apart.
//
// With the fast profile the reference runs at its best: FRR's fast
// hellos, BFD through bfdd at the same 50 ms × 3 as ours on every ring
// link (`ip ospf bfd`, so that ospfd kills the adjacency when the session
// fails), the fastest throttles FRR accepts (SPF at once, then held 50 ms
// growing to 500 ms; no LSA origination or arrival throttle), and
// keepalived's fastest sub-second adverts. With the RFC profile it runs
// hello 1 s, dead 3 s and keepalived VRRPv2 every second, and no BFD.
//
// What no setting of FRR 8.4 lowers: ospfd recomputes its AS-external
// routes, the ring's type-2 default among them, on a fixed one-second
// timer after an SPF (OSPF_ASE_CALC_INTERVAL in ospf_ase.c). BFD kills
// the adjacency of a frozen neighbour within its detection time, and the
// intra-area routes follow at once, but the default, the way back to the
// gateway, changes a second later: the reference's S1, S2, S3, S1f and
// S2f cost about a second with or without BFD.

// frrBFDProfile is the bfdd profile the ring links use.
const frrBFDProfile = "ring"

// frrInterface returns the ospfd lines of a ring interface.
func frrInterface(p ring.Profile) []string {
	if p != ring.ProfileFast {
		return []string{"ip ospf hello-interval 1", "ip ospf dead-interval 3"}
	}
	return []string{"ip ospf dead-interval minimal hello-multiplier 4", "ip ospf bfd", "ip ospf bfd profile " + frrBFDProfile}
}

// frrRouter returns the lines under `router ospf` besides the router ID
// and the default origination.
func frrRouter(p ring.Profile) []string {
	if p != ring.ProfileFast {
		return nil
	}
	return []string{"timers throttle spf 0 50 500", "timers throttle lsa all 0", "timers lsa min-arrival 0"}
}

// frrBFD returns bfdd's configuration body, empty when the profile runs
// no BFD.
func frrBFD(p ring.Profile) string {
	if p != ring.ProfileFast {
		return ""
	}
	return "bfd\n profile " + frrBFDProfile + "\n  " + strings.Join(frrBFDTimers(p), "\n  ") + "\n"
}

// frrBFDTimers are the timers of the bfdd profile: ours, in FRR's
// milliseconds.
func frrBFDTimers(p ring.Profile) []string {
	tm := p.Timers()
	iv := tm.BFDInterval.Milliseconds()
	return []string{fmt.Sprintf("transmit-interval %d", iv), fmt.Sprintf("receive-interval %d", iv),
		fmt.Sprintf("detect-multiplier %d", tm.BFDDetectTime()/tm.BFDInterval)}
}

// keepalivedVRRP returns keepalived's VRRP version and advert_int.
func keepalivedVRRP(p ring.Profile) (version int, advert string) {
	if p != ring.ProfileFast {
		return 2, "1"
	}
	return 3, "0.1"
}

// Settings describes the timers stack s runs with under profile p, for
// the legend next to the lab's tables.
func Settings(s Stack, p ring.Profile) string { return settings(s, p, true) }

// SettingsNoUplink is Settings for a ring without uplink
// (Options.NoUplink): no VRRP, no keepalived.
func SettingsNoUplink(s Stack, p ring.Profile) string { return settings(s, p, false) }

func settings(s Stack, p ring.Profile, uplink bool) string {
	if s == FRR {
		v, adv := keepalivedVRRP(p)
		parts := append(frrInterface(p), frrRouter(p)...)
		out := "FRR ospfd: " + strings.Join(parts, "; ")
		if frrBFD(p) != "" {
			out += "; bfdd profile " + frrBFDProfile + ": " + strings.Join(frrBFDTimers(p), ", ")
		}
		if !uplink {
			return out + "; no keepalived (no uplink)"
		}
		return out + fmt.Sprintf("; keepalived VRRPv%d advert_int %s s", v, adv)
	}
	tm := p.Timers()
	spf := p.SPF()
	hello := fmt.Sprintf("hello %v dead %v", tm.HelloInterval, tm.DeadInterval)
	if tm.HelloMultiplier > 0 {
		hello = fmt.Sprintf("%d hellos/s dead %v", tm.HelloMultiplier, tm.DeadInterval)
	}
	bfd := "no BFD"
	if d := tm.BFDDetectTime(); d > 0 {
		bfd = fmt.Sprintf("BFD %v × %d on the ring links", tm.BFDInterval, d/tm.BFDInterval)
	}
	vrrp := fmt.Sprintf("VRRPv3 advert %v", tm.VRRPInterval)
	if !uplink {
		vrrp = "no VRRP (no uplink)"
	}
	return fmt.Sprintf("ringd, profile %v: OSPF %s, %s, MinLSInterval %v, MinLSArrival %v, SPF back-off %v/%v/%v (RFC 8405); %s",
		p, hello, bfd, tm.MinLSInterval, tm.MinLSArrival, spf.InitialDelay, spf.ShortDelay, spf.LongDelay, vrrp)
}

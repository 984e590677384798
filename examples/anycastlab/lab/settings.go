package lab

import (
	"fmt"
	"strings"
	"time"

	"github.com/switchless/routing/anycast"
)

// What the lab configures, in one place so that what it writes and what
// it prints next to its tables cannot drift apart.

// Our anycastd's service settings.
const (
	checkInterval = 100 * time.Millisecond
	checkTimeout  = 90 * time.Millisecond
	checkRise     = 3
	checkFall     = 3
)

// drainTime is anycastd's drain_time with the routers' timers t: the
// drain announces a raised metric (anycast.DefaultDrainMetric) for it, and
// a campus router that learns b's route only from r2's regular update
// (lb: r2's own route does not change) or from r2's damped triggered
// update (failover: at most 5 s, RFC 2453 §3.10.1) must have heard it by
// then: the update interval, FRR's jitter on it (up to a quarter), and 2 s.
func drainTime(t RIPTimers) time.Duration {
	return t.Update + t.Update/4 + 2*time.Second
}

// The reference's cron-style check.
const (
	cronPeriod  = 60 * time.Second
	cronTimeout = 2 * time.Second
)

// frrTimers is `timers basic` for FRR ripd.
func frrTimers(t RIPTimers) string {
	return fmt.Sprintf("timers basic %d %d %d", int(t.Update.Seconds()), int(t.Timeout.Seconds()), int(t.Garbage.Seconds()))
}

// routerRIP is the ripd.conf of campus router name: RIP on every link.
func routerRIP(name string, t RIPTimers, ifaces []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "hostname %s\nlog timestamp precision 3\ndebug rip events\n!\nrouter rip\n %s\n", name, frrTimers(t))
	for _, i := range ifaces {
		fmt.Fprintf(&b, " network %s\n", i)
	}
	b.WriteString("!\n")
	return b.String()
}

// redistribute is the reference's redistribution line at metric m: the
// connected routes the route-map lets through (the VIP on lo only).
func redistribute(m uint32) string {
	return fmt.Sprintf("redistribute connected metric %d route-map VIP", m)
}

// serverRIP is the reference's ripd.conf on a server announcing the VIP
// at metric m.
func serverRIP(name string, t RIPTimers, m uint32) string {
	return fmt.Sprintf(`hostname %s
log timestamp precision 3
!
ip prefix-list VIP seq 5 permit %v
route-map VIP permit 10
 match ip address prefix-list VIP
!
router rip
 %s
 network eth0
 %s
!
`, name, VIP, frrTimers(t), redistribute(m))
}

// Settings describes what stack s runs with, for the legend next to the
// lab's tables.
func Settings(s Stack, t RIPTimers, oursUpdate, oursTrigger time.Duration, cover bool) string {
	drain := drainTime(t) // from the routers' timers
	routers := fmt.Sprintf("routers r1, r2: FRR 8.4 zebra + ripd, `%s`, `network` on every link", frrTimers(t))
	if s == Reference {
		return fmt.Sprintf("%s; servers: FRR ripd `%s`, `network eth0`, `redistribute connected metric M route-map VIP` (VIP /32 on lo only), "+
			"and a shell loop that every %v checks the banner of its own address:25 (bash /dev/tcp, %v timeout) and on a change sets "+
			"`redistribute connected metric 16` (failed) or back to M through vtysh; drain: nothing graceful exists in the method, the operator "+
			"sets metric 16 by hand (vtysh) and back", routers, frrTimers(t), cronPeriod, cronTimeout)
	}
	if oursUpdate > 0 {
		t.Update = oursUpdate
	}
	trig := "triggered updates damped 1-5 s"
	if oursTrigger > 0 {
		trig = fmt.Sprintf("triggered updates damped %v-%v", oursTrigger, 2*oursTrigger)
	}
	return fmt.Sprintf("%s; servers: anycastd, speaker rip (update %v, timeout %v, garbage %v, %s) on eth0, VIP on lo (alias lo:anycast), "+
		"check tcp_banner own-address:25 expect 220 every %v (timeout %v), rise %d fall %d, policy self (withdraw), drain_time %v "+
		"(drain_metric %d, then withdrawn), drain by maintenance file%s", routers, t.Update, t.Timeout, t.Garbage, trig, checkInterval, checkTimeout, checkRise, checkFall, drain, anycast.DefaultDrainMetric, coverNote(cover))
}

func coverNote(cover bool) string {
	if !cover {
		return ""
	}
	return fmt.Sprintf("; b also announces the cover %v (cover_prefixes)", CoverPrefix)
}

// Package lab builds the second source paper's system in Linux network
// namespaces and measures it with real TCP connections: the paper's two
// campuses, each an L3 router (FRR 8.4 zebra + ripd, `router rip` with
// `network` on every link), r1 and r2, joined by a link; SMTP server a on
// r1's LAN and b on r2's, both with the VIP 198.18.0.25/32 on lo and a
// small Go listener (Serve) greeting "220 a ESMTP" / "220 b ESMTP" on
// port 25 of every address; client c1 on r1 and c2 on r2.
//
// The servers run either stack (Options.Stack):
//
//   - Ours: examples/anycastd, its RIP speaker on eth0 toward the campus
//     router, a tcp_banner check of the server's own address:25 every
//     100 ms (timeout 90 ms), fall 3, rise 3, policy self, drain_time 2 s,
//     a maintenance file for the drain.
//   - Reference, the paper's method: FRR ripd on each server with
//     `redistribute connected metric M route-map VIP` (the route-map lets
//     only the VIP through) and a cron-style shell loop that every 60 s
//     checks the banner (bash's /dev/tcp) and, when the result changes,
//     sets `redistribute connected metric 16` or back to M through vtysh.
//
// The metrics are the paper's: failover MA=1 MB=3 (both campuses reach
// a), load balancing MA=MB=1 (each campus its own server). Every RIP
// speaker runs `timers basic 5 15 10` (Fast, the fastest FRR accepts; RFC
// with -timers rfc: 30/180/120 s, the paper's), except that anycastd's
// speaker sends its regular updates every Options.OursUpdate (1 s in
// examples/anycastlab).
//
// Each client connects to VIP:25 every ProbeInterval (10 ms), reads the
// banner and records which server answered, or a failure (no banner
// within ProbeTimeout, 150 ms). The outage of a step is the longest run
// of failed probes times the interval, per campus; a step ends when both
// campuses have reached the server they should, and kept reaching it,
// for Options.Settle (6 s, past FRR's damping of triggered updates), or
// at its timeout.
//
// The steps, each fault on server a followed by its undoing:
//
//	start     both servers up: time until each campus reached its home
//	stop      the service stops on a (its listener SIGKILLed)
//	return    it returns
//	kill      a's routing daemon is SIGKILLed (anycastd; ripd)
//	restart   it is started again
//	poweroff  a powers off: every process in its namespace SIGSTOPped,
//	          a blackhole qdisc on both ends of its cable, the link up
//	boot      a boots: everything killed, the cable clear, the service
//	          and the daemons started (ours: the alias gone with the
//	          power)
//	drain     a drained: ours, the maintenance file (drain_metric for
//	          drain_time, then withdraw and remove the alias); the paper's method has nothing graceful,
//	          so the operator sets metric 16 by hand (vtysh)
//	undrain   back
//
// What RIP costs either stack (ours without -cover): the campus routers keep only their best
// route to the VIP (FRR ripd, as RFC 2453 §3.9.2), so when a's route goes
// (withdrawn at metric 16, or timed out), a router learns of b's only
// from b's next regular update (r2) or from r2's triggered update (r1),
// which FRR damps for 1 to 5 s after the previous one (§3.10.1). Our
// check sees the failure in 0.3 s; what follows is RIP's: b's next
// update (every second from anycastd) moves r2, and r1 then waits for
// r2's triggered update, damped after the poison r2 has just sent, or
// for r2's regular update when r2's own route did not change (lb). So
// ours' failover is about 0.5 s on the campus whose router hears b
// directly and 2 to 4 s on the other, not the 0.3 s of the check
// everywhere. A killed daemon leaves the alias and the
// service up: the campuses keep reaching a until the routers time its
// route out (15 s here, 180 s with the RFC's timers), and the timeout is
// a withdrawal like any other, with the same gap until b's route
// arrives. A powered-off a without BFD (FRR 8.4's ripd has none) costs
// the routers' timeout plus that gap. The drain withdraws before the
// alias goes, so a serves its last connections, but a withdrawal leaves
// the routers without a route until b's arrives: the drain loses the
// probes of that gap. Two things close that gap for ours: the drain
// announces a raised drain_metric (12) for drain_time before it
// withdraws, so the routers move to b's route while a still answers; and
// with -cover (Options.Cover) b also announces the VIP's covering /31,
// which the routers fall back to, by longest-prefix match, the moment a's
// /32 goes, without waiting for RIP to bring b's /32.
//
// The reference's cron loop starts with the lab, so its phase at a fault
// is whatever the lab's timeline gives (the service stops some 10 s after
// the start, so the check runs about 50 s later): one sample of the
// uniform 0 to 60 s the method costs, plus RIP's convergence.
//
// The full run, 2026-12-03 on this 2-core machine (10 min 48 s), with the
// cover and the start step's wait for quiet RIP tables (below):
//
//	flock /tmp/lab.lock go run ./examples/anycastlab -stacks ours,reference -modes failover,lb -cover
//
// Outage per campus (TCP connect + banner to 198.18.0.25:25 every 10 ms
// from c1 and c2; the longest run of failed probes × 10 ms) → the server
// answering at the end of the step:
//
//	mode      step                                                   ours c1     ours c2     reference c1  reference c2
//	failover  start both servers up                                  0.93 s →a   2.01 s →a   3.96 s →a     4.01 s →a
//	failover  stop service stops on a                                0.24 s →b   0.24 s →b   53.80 s →b    49.93 s →b
//	failover  return service returns on a                            0.00 s →a   0.00 s →a   0.00 s →a     0.00 s →a
//	failover  kill a's routing daemon killed (SIGKILL)               0.00 s →b   0.00 s →b   4.94 s →b     0.06 s →b
//	failover  restart a's routing daemon restarted                   0.00 s →a   0.00 s →a   0.00 s →a     0.00 s →a
//	failover  poweroff a powers off (SIGSTOP, links up, blackholed)  14.47 s →b  14.47 s →b  14.73 s →b    13.54 s →b
//	failover  boot a boots                                           0.00 s →a   0.00 s →a   0.00 s →a     0.00 s →a
//	failover  drain a drained                                        0.00 s →b   0.00 s →b   3.29 s →b     2.43 s →b
//	failover  undrain a back from drain                              0.00 s →a   0.00 s →a   0.00 s →a     0.00 s →a
//	lb        start both servers up                                  0.97 s →a   1.02 s →b   0.95 s →a     1.00 s →b
//	lb        stop service stops on a                                0.23 s →b   0.00 s →b   58.55 s →b    0.00 s →b
//	lb        return service returns on a                            0.00 s →a   0.00 s →b   0.00 s →a     0.00 s →b
//	lb        kill a's routing daemon killed (SIGKILL)               0.00 s →b   0.00 s →b   2.99 s →b     0.00 s →b
//	lb        restart a's routing daemon restarted                   0.00 s →a   0.00 s →b   0.00 s →a     0.00 s →b
//	lb        poweroff a powers off (SIGSTOP, links up, blackholed)  14.48 s →b  0.00 s →b   14.44 s →b    0.00 s →b
//	lb        boot a boots                                           0.00 s →a   0.00 s →b   0.00 s →a     0.00 s →b
//	lb        drain a drained                                        0.00 s →b   0.00 s →b   3.63 s →b     0.00 s →b
//	lb        undrain a back from drain                              0.00 s →a   0.00 s →b   0.00 s →a     0.00 s →b
//
// with the settings described above, which the command prints next to
// its table ([Settings]). One run is one sample. Before the start step
// waited for quiet RIP tables, the stop step repeated five times
// (`-stacks ours -modes failover,lb -cover -scenarios stop,drain`, and
// once more alone) gave, on the campus that loses its server:
//
//	failover stop   0.20 0.30 0.31 0.31 0.31 0.74 1.80: median 0.31 s, both campuses alike
//	lb stop (c1)    0.31 0.57 0.59 0.59 0.67 0.79: median 0.59 s
//	drain           0 or 1 probe lost in every run
//
// The spread was RIP's, not the check's (0.2 to 0.3 s with 100 ms checks,
// fall 3): a's withdrawal is a triggered update, and when a has sent one
// in the last 1 to 5 s (RFC 2453 §3.10.1 damping, after any change it
// heard, such as the routers' own late updates after the start) it goes
// out in a's next regular update instead, up to OursUpdate (1 s) later.
// In the FRR log of the 1.80 s run, r1 heard the withdrawal 0.36 s after
// anycastd decided it, in a's regular update. The ≤ 0.5 s holds when the
// speaker's damping timer is idle, as in a network that has been steady
// for a while, so the start step now also waits until the servers' RIP
// tables have not changed for twice trigger_max (10 s, see
// ours.ripQuiet). With that wait, stop took 0.24 s (failover, both
// campuses) and 0.23 s (lb, c1) in the table above, and 0.26/0.25 s and
// 0.31/0.31 s in two runs of TestLabOursFailover.
//
// Ours now loses nothing to a drain and, with the cover, nothing to a
// killed daemon either (a keeps answering until the routers time its /32
// out, then the cover takes over); the paper's method loses a minute to
// its cron on a stopped service and RIP's gap on a drain. A power-off
// costs both the routers' timeout (15 s here): BFD, which FRR 8.4's ripd
// lacks, would cut it (`go run ./examples/anycastsim -cover -bfd`: 120 to
// 150 ms in simulation).
//
// Everything the lab creates is named with its prefix and a random run id
// and removed at the end: it deletes only its own namespaces and signals
// only the processes in them. It needs root, iproute2 (ip, tc), bash and
// FRR (zebra, ripd, vtysh).
package lab

// Package anycast announces health-checked service addresses: every
// replica of a service puts the same host route (a /32 or /128 VIP) on a
// loopback alias or a dummy interface, a routing protocol on each
// replica announces it, and the routers pick the lowest metric. Health
// checks move the metric; failover and load balancing differ only in
// metrics (Plan computes them). This is the system of Osumi et al.,
// "Redundant configuration of replicated servers using IP alias and
// routing" (IPSJ SIG Technical Report 2012-IOT-18, Okayama University;
// the suite's seed 002), with the checks in the replica's own process
// instead of a cron job, and with rise/fall hysteresis from package
// health.
//
// # Shape
//
// As every protocol package of the suite: New(cfg, env) returns an
// Instance; Config is what an operator writes (zero fields are the
// documented defaults, Validate names the YAML key: services[2].checks[0].timeout);
// Env is what it runs on (Clock, Logger, Announcer, Addresses, OnEvent);
// Start, Stop(ctx), Run(ctx); ErrInvalidConfig, ErrStarted, ErrStopped;
// Services returns a snapshot; SetMaintenance drains a service.
//
// # Services and checks
//
// A service has prefixes, checks (all must pass in a round), an interval,
// a timeout, rise and fall. Checks are tcp (connect), tcp_banner (the
// paper's SMTP: a greeting starting with 220), http and https (status and
// body), dns (a query answered with a record of its type), icmp (echo) and
// exec (exit status 0), or programmatic health.Checker values. Each check
// runs outside the Instance's lock with a context deadline; one that hangs
// past its timeout is abandoned and counts as a failure. A shared prefix
// is announced while any of its services is up, at the lowest metric
// among them.
//
// # Policies (paper §3.4, §4.2)
//
// PolicySelf: a failed service withdraws its prefixes (or announces them
// at FailMetric, 16 by default). PolicyPeer: every replica announces
// Metric+PeerRaise and lowers its own to Metric while its peer checks (the
// peers' real addresses) fail. The paper warns that under the peer method
// a replica that is itself broken lowers its metric and attracts the
// traffic; here the replica's own checks are required too and a replica
// whose own check fails never lowers itself.
//
// # Announcers
//
// The Announcer is the routing protocol; this package imports none. RIP
// (*rip.Instance) takes the metric as a RIP metric: 16 is infinity, so
// FailAction "metric" at the default FailMetric is a withdrawal too. OSPF
// takes it as a cost, where 16 is an ordinary one: through
// ospf.ExternalAnnouncer a prefix is an AS-external-LSA of type 1 (the
// metric added to the cost to the replica) or type 2 (the metric
// compared alone), through ospf.StubAnnouncer a stub host route of the
// replica's router-LSA (intra-area, cost to the replica plus the metric,
// 1 to 65535). Withdrawing flushes the LSA or removes the link: with
// OSPF a failed service is withdrawn (FailWithdraw, the default), and
// FailAction "metric" keeps a route of last resort at FailMetric.
// NewFIBAnnouncer is a kernel route for a routing daemon on the host
// that redistributes it.
//
// # Ordering
//
// Start puts the aliases on first and announces a prefix only after Rise
// successful rounds. Maintenance (a file whose presence drains the
// service, or SetMaintenance) and Stop drain a healthy service: its
// prefixes stay announced at DrainMetric, worse than the other replicas',
// for DrainTime, so that every router that knows another replica moves to
// it while this one still answers (no probe is lost); then they are
// withdrawn and the aliases removed. A service that was not up is
// withdrawn at once and its alias removed DrainTime later. No
// announcement ever points at a host whose alias is missing. A failed announcer or address call is
// reported in Services and retried every round.
//
// # Reconfiguration
//
// [Instance.Reconfigure] applies a new Config as a difference (a daemon's
// reload), services matched by name. An added service starts as at Start
// (alias first, announced after Rise); a removed one is withdrawn, and its
// aliases removed DrainTime later, as Stop does; a changed metric or
// policy re-announces and does nothing else; changed checks replace the
// old ones from the next round, the service's up or down state carrying
// over but not its counts, so an announced service stays announced until
// the new checks fail Fall rounds; prefixes added to or removed from a
// service follow the same ordering, and a shared prefix stays announced
// while any service holding it is up. An untouched service sees no call
// and keeps its cadence.
//
// # Clocks
//
// Rounds and drain times follow Env.Clock, so a simulation on a
// routing.ManualClock is deterministic: a round runs its checks on the
// goroutine of the clock's callback. Check timeouts are context
// deadlines, on the wall clock: a hung check in a simulation holds the
// virtual clock for its timeout of real time.
package anycast

package promx

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchless/routing/anycast"
)

// Anycast collects an anycast.Instance's services at scrape time
// (services is anycast.Instance.Services; nil exports nothing). Its
// metrics:
//
//	switchless_anycast_service_state{service,state}           gauge: 1 for the service's state, 0 for the others
//	switchless_anycast_service_peer_down{service}             gauge: 1 while the peer checks have failed (policy peer only)
//	switchless_anycast_prefix_announced{service,prefix}       gauge: 1 while the prefix is announced
//	switchless_anycast_prefix_metric{service,prefix}          gauge: the metric the prefix was last announced at
//	switchless_anycast_prefix_aliased{service,prefix}         gauge: 1 while the address is on the host
//	switchless_anycast_prefix_error{service,prefix}           gauge: 1 while the last announcer or address call failed
//	switchless_anycast_check_rounds_total{service}            counter: check rounds started
//	switchless_anycast_check_results_total{service,check,kind,result} counter: check results (result pass or fail; kind self or peer)
//	switchless_anycast_check_duration_seconds{service,check,kind}     gauge: how long the check took in the last round
//	switchless_anycast_round_max_lateness_seconds{service}    gauge: the largest delay of a round past its due time
type Anycast struct {
	services func() []anycast.ServiceStatus

	descs
	state, peerDown, announced, metric, aliased, prefixErr *prometheus.Desc
	rounds, results, duration, lateness                    *prometheus.Desc
	states                                                 []string
}

// NewAnycast returns the collector of the services services returns.
func NewAnycast(services func() []anycast.ServiceStatus) *Anycast {
	c := &Anycast{services: services}
	d := &c.descs
	c.state = d.add("anycast_service_state", "1 for the anycast service's state, 0 for the others.", "service", "state")
	c.peerDown = d.add("anycast_service_peer_down", "1 while the peer replicas' checks have failed (policy peer).", "service")
	c.announced = d.add("anycast_prefix_announced", "1 while the service prefix is announced.", "service", "prefix")
	c.metric = d.add("anycast_prefix_metric", "The metric the service prefix was last announced at.", "service", "prefix")
	c.aliased = d.add("anycast_prefix_aliased", "1 while the service address is on the host.", "service", "prefix")
	c.prefixErr = d.add("anycast_prefix_error", "1 while the last announcer or address manager call for the prefix failed.", "service", "prefix")
	c.rounds = d.add("anycast_check_rounds_total", "Check rounds started.", "service")
	c.results = d.add("anycast_check_results_total", "Check results, by check, kind (self or peer) and result (pass or fail).", "service", "check", "kind", "result")
	c.duration = d.add("anycast_check_duration_seconds", "How long the check took in the last round.", "service", "check", "kind")
	c.lateness = d.add("anycast_round_max_lateness_seconds", "The largest delay of a check round past its due time.", "service")
	for s := anycast.StateDown; s <= anycast.StateStopped; s++ {
		c.states = append(c.states, enum(s))
	}
	return c
}

// Describe implements prometheus.Collector.
func (c *Anycast) Describe(ch chan<- *prometheus.Desc) { c.descs.describe(ch) }

// Collect implements prometheus.Collector.
func (c *Anycast) Collect(ch chan<- prometheus.Metric) {
	if c.services == nil {
		return
	}
	o := out(ch)
	for _, s := range c.services() {
		n := s.Name
		o.states(c.state, c.states, enum(s.State), n)
		if s.Policy == anycast.PolicyPeer {
			o.gauge(c.peerDown, b(s.PeerDown), n)
		}
		for _, p := range s.Prefixes {
			ps := p.Prefix.String()
			o.gauge(c.announced, b(p.Announced), n, ps)
			o.gauge(c.metric, float64(p.Metric), n, ps)
			o.gauge(c.aliased, b(p.Aliased), n, ps)
			o.gauge(c.prefixErr, b(p.Error != ""), n, ps)
		}
		o.counter(c.rounds, s.Rounds, n)
		for _, k := range []struct {
			kind string
			rs   []anycast.CheckResult
		}{{"self", s.Checks}, {"peer", s.PeerChecks}} {
			seen := map[string]int{}
			for _, r := range k.rs {
				// Two checks of one name (the same check twice) would
				// be one label set: the second is name#2, as anycast
				// counts it.
				name := r.Name
				if seen[name]++; seen[name] > 1 {
					name += "#" + strconv.Itoa(seen[name])
				}
				o.counter(c.results, r.Passed, n, name, k.kind, "pass")
				o.counter(c.results, r.Failed, n, name, k.kind, "fail")
				o.gauge(c.duration, r.Duration.Seconds(), n, name, k.kind)
			}
		}
		o.gauge(c.lateness, s.MaxLateness.Seconds(), n)
	}
}

package promx

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchless/routing/rip"
	"github.com/switchless/routing/rip/packet"
)

// RIP collects a rip.Instance at scrape time; the instance may change or
// be absent (nil: nothing is exported). Its metrics:
//
//	switchless_rip_routes{source}                        gauge: reachable routes (metric below 16), by source, every source listed
//	switchless_rip_routes_unreachable                    gauge: routes at metric 16 waiting for garbage collection (RFC 2453 §3.8)
//	switchless_rip_neighbors{interface}                  gauge: neighbours heard on the interface
//	switchless_rip_interface_up{interface}               gauge: 0 while the interface is reported down
//	switchless_rip_interface_received_total{interface}   counter: messages received on the interface
//	switchless_rip_interface_sent_total{interface}       counter: messages sent on the interface
//	switchless_rip_interface_bad_packets_total{interface} counter: RFC 1724 rip2IfStatRcvBadPackets
//	switchless_rip_interface_bad_routes_total{interface} counter: RFC 1724 rip2IfStatRcvBadRoutes
//	switchless_rip_messages_received_total{type}         counter: messages received, by command (request, response)
//	switchless_rip_messages_sent_total                   counter: messages sent (one per destination)
//	switchless_rip_requests_answered_total               counter: requests answered
//	switchless_rip_send_errors_total                     counter: sends the transport refused
//	switchless_rip_updates_total{kind}                   counter: update rounds, regular (§3.8) or triggered (§3.10.1)
//	switchless_rip_routes_timed_out_total                counter: next hops that reached the timeout
//	switchless_rip_next_hops_ignored_total               counter: §4.4 next hops not on the network
//	switchless_rip_bfd_down_total                        counter: BFD sessions that went Down
//	switchless_rip_fib_writes_total                      counter: FIB writes queued
//	switchless_rip_dropped_total{reason}                 counter: messages and entries ignored, by reason, every reason listed
//
// The counters are the running instance's: a daemon that rebuilds its
// instance starts them again from zero (a counter reset).
type RIP struct {
	current func() *rip.Instance

	descs
	routes, unreachable, neighbors, ifUp, ifRx, ifTx, ifBadPkt, ifBadRt *prometheus.Desc
	rx, tx, answered, sendErr, updates, timedOut, nhIgnored, bfdDown    *prometheus.Desc
	fibWrites, dropped                                                  *prometheus.Desc
	sources                                                             []string
}

// NewRIP returns the collector of the instance current returns.
func NewRIP(current func() *rip.Instance) *RIP {
	c := &RIP{current: current}
	d := &c.descs
	c.routes = d.add("rip_routes", "Reachable RIP routes (metric below 16), by source.", "source")
	c.unreachable = d.add("rip_routes_unreachable", "RIP routes at metric 16 waiting for garbage collection (RFC 2453 §3.8).")
	c.neighbors = d.add("rip_neighbors", "RIP neighbours heard on the interface.", "interface")
	c.ifUp = d.add("rip_interface_up", "0 while the RIP interface is reported down, 1 otherwise.", "interface")
	c.ifRx = d.add("rip_interface_received_total", "RIP messages received on the interface.", "interface")
	c.ifTx = d.add("rip_interface_sent_total", "RIP messages sent on the interface.", "interface")
	c.ifBadPkt = d.add("rip_interface_bad_packets_total", "RIP messages ignored on the interface (RFC 1724 rip2IfStatRcvBadPackets).", "interface")
	c.ifBadRt = d.add("rip_interface_bad_routes_total", "RIP entries ignored on the interface (RFC 1724 rip2IfStatRcvBadRoutes).", "interface")
	c.rx = d.add("rip_messages_received_total", "RIP messages received, by command.", "type")
	c.tx = d.add("rip_messages_sent_total", "RIP messages sent (one per destination).")
	c.answered = d.add("rip_requests_answered_total", "RIP requests answered.")
	c.sendErr = d.add("rip_send_errors_total", "RIP sends the transport refused.")
	c.updates = d.add("rip_updates_total", "RIP update rounds, regular (RFC 2453 §3.8) or triggered (§3.10.1).", "kind")
	c.timedOut = d.add("rip_routes_timed_out_total", "RIP next hops that reached the timeout (RFC 2453 §3.8).")
	c.nhIgnored = d.add("rip_next_hops_ignored_total", "RIP next hops not on the network, taken as the sender (RFC 2453 §4.4).")
	c.bfdDown = d.add("rip_bfd_down_total", "BFD sessions that went Down, each expiring its neighbour's routes.")
	c.fibWrites = d.add("rip_fib_writes_total", "FIB writes the RIP instance queued.")
	c.dropped = d.add("rip_dropped_total", "RIP messages and entries ignored, by reason.", "reason")
	for s := rip.SourceRIP; s <= rip.SourceAPI; s++ {
		c.sources = append(c.sources, enum(s))
	}
	return c
}

// Describe implements prometheus.Collector.
func (c *RIP) Describe(ch chan<- *prometheus.Desc) { c.descs.describe(ch) }

// Collect implements prometheus.Collector.
func (c *RIP) Collect(ch chan<- prometheus.Metric) {
	in := c.current()
	if in == nil {
		return
	}
	o := out(ch)
	bySource := map[string]int{}
	unreachable := 0
	for _, r := range in.Routes() {
		if r.Metric >= packet.Infinity {
			unreachable++
			continue
		}
		bySource[enum(r.Source)]++
	}
	for _, s := range c.sources {
		o.gauge(c.routes, float64(bySource[s]), s)
	}
	o.gauge(c.unreachable, float64(unreachable))
	for _, ifc := range in.Interfaces() {
		o.gauge(c.neighbors, float64(ifc.Neighbors), ifc.Name)
		o.gauge(c.ifUp, b(!ifc.Down), ifc.Name)
		o.counter(c.ifRx, ifc.Stats.Received, ifc.Name)
		o.counter(c.ifTx, ifc.Stats.Sent, ifc.Name)
		o.counter(c.ifBadPkt, ifc.Stats.BadPackets, ifc.Name)
		o.counter(c.ifBadRt, ifc.Stats.BadRoutes, ifc.Name)
	}
	s := in.Stats()
	o.counter(c.rx, s.RequestsReceived, "request")
	o.counter(c.rx, s.ResponsesReceived, "response")
	o.counter(c.tx, s.Sent)
	o.counter(c.answered, s.RequestsAnswered)
	o.counter(c.sendErr, s.SendErrors)
	o.counter(c.updates, s.RegularUpdates, "regular")
	o.counter(c.updates, s.TriggeredUpdates, "triggered")
	o.counter(c.timedOut, s.RoutesTimedOut)
	o.counter(c.nhIgnored, s.NextHopIgnored)
	o.counter(c.bfdDown, s.BFDDown)
	o.counter(c.fibWrites, s.FIBWrites)
	for r := range rip.NumDropReasons {
		o.counter(c.dropped, s.Dropped[r], enum(r))
	}
}

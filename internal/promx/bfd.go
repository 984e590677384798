package promx

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/bfd/packet"
)

// BFD collects a bfd.Instance's sessions at scrape time; the instance may
// change or be absent (nil: nothing is exported). Its metrics, labelled
// with the session's interface and peer address:
//
//	switchless_bfd_session_state{interface,peer,state}       gauge: 1 for the session's state (RFC 5880 §6.2), 0 for the others
//	switchless_bfd_session_detect_time_seconds{interface,peer} gauge: the negotiated detection time (§6.8.4)
//	switchless_bfd_packets_sent_total{interface,peer}        counter: control packets sent
//	switchless_bfd_packets_received_total{interface,peer}    counter: control packets received
//	switchless_bfd_session_ups_total{interface,peer}         counter: transitions to Up
//	switchless_bfd_session_downs_total{interface,peer}       counter: failures (Init or Up to Down)
type BFD struct {
	current func() *bfd.Instance

	descs
	state, detect, tx, rx, ups, downs *prometheus.Desc
	states                            []string
}

// NewBFD returns the collector of the instance current returns.
func NewBFD(current func() *bfd.Instance) *BFD {
	c := &BFD{current: current}
	d := &c.descs
	c.state = d.add("bfd_session_state", "1 for the BFD session's state (RFC 5880 §6.2), 0 for the others.", "interface", "peer", "state")
	c.detect = d.add("bfd_session_detect_time_seconds", "The BFD session's negotiated detection time (RFC 5880 §6.8.4).", "interface", "peer")
	c.tx = d.add("bfd_packets_sent_total", "BFD control packets sent.", "interface", "peer")
	c.rx = d.add("bfd_packets_received_total", "BFD control packets received.", "interface", "peer")
	c.ups = d.add("bfd_session_ups_total", "BFD session transitions to Up.", "interface", "peer")
	c.downs = d.add("bfd_session_downs_total", "BFD session failures (Init or Up to Down).", "interface", "peer")
	for s := packet.StateAdminDown; s <= packet.StateUp; s++ {
		c.states = append(c.states, enum(s))
	}
	return c
}

// Describe implements prometheus.Collector.
func (c *BFD) Describe(ch chan<- *prometheus.Desc) { c.descs.describe(ch) }

// Collect implements prometheus.Collector.
func (c *BFD) Collect(ch chan<- prometheus.Metric) {
	in := c.current()
	if in == nil {
		return
	}
	o := out(ch)
	for _, s := range in.Sessions() {
		l := []string{s.Interface, s.Peer.String()}
		o.states(c.state, c.states, enum(s.State), l...)
		o.gauge(c.detect, s.DetectTime.Seconds(), l...)
		o.counter(c.tx, s.Counters.Sent, l...)
		o.counter(c.rx, s.Counters.Received, l...)
		o.counter(c.ups, s.Counters.Ups, l...)
		o.counter(c.downs, s.Counters.Downs, l...)
	}
}

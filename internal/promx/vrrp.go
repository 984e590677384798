package promx

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchless/routing/vrrp"
)

// VRRPRouter is one virtual router as a daemon names it.
type VRRPRouter struct {
	Name   string
	Router *vrrp.Router
}

// VRRP collects virtual routers at scrape time (vrrp.Router.Status). Its
// metrics, every one labelled with the router's name:
//
//	switchless_vrrp_router_info{router,interface,vrid,version}    gauge: 1
//	switchless_vrrp_state{router,state}                         gauge: 1 for the state (RFC 5798 §6.4), 0 for the others
//	switchless_vrrp_master_info{router,master}                  gauge: 1, the Master's address (ours when Master)
//	switchless_vrrp_priority{router}                            gauge: effective priority, after tracking
//	switchless_vrrp_configured_priority{router}                 gauge: configured priority
//	switchless_vrrp_forced_backup{router}                       gauge: 1 while a weight-0 track holds it in Backup
//	switchless_vrrp_track_up{router,track}                      gauge: 1 while the tracked object is up
//	switchless_vrrp_advertisements_received_total{router}       counter: advertisements accepted
//	switchless_vrrp_advertisements_sent_total{router}           counter: advertisements sent
//	switchless_vrrp_priority_zero_sent_total{router}            counter: priority-0 advertisements (§6.4.3)
//	switchless_vrrp_send_errors_total{router}                   counter: sends the transport refused
//	switchless_vrrp_transitions_total{router,reason}            counter: state transitions by reason, every reason listed
//	switchless_vrrp_became_master_total{router}                 counter: transitions to Master
//	switchless_vrrp_announcements_total{router}                 counter: gratuitous ARP / unsolicited NA sent
//	switchless_vrrp_reannouncements_total{router}               counter: announcement bursts after another Master was heard
//	switchless_vrrp_misconfigured_total{router}                 counter: advertisements that disagree with our configuration (§7.1)
//	switchless_vrrp_dataplane_errors_total{router}              counter: virtual address changes that failed
//	switchless_vrrp_packets_dropped_total{router,reason}        counter: advertisements dropped, by reason
//	switchless_vrrp_conflict_advertisements_total{router,source,reason} counter: advertisements of a conflicting router (vrrp.Conflict: our VRID with another address list or interval, a priority-255 claim from a non-owner), per source (at most 64)
type VRRP struct {
	routers func() []VRRPRouter

	descs
	info, state, master, prio, cfgPrio, forced, track                 *prometheus.Desc
	rx, tx, zero, sendErr, trans, becameMaster, ann, reann, misc, dpe *prometheus.Desc
	dropped, conflicts                                                *prometheus.Desc
	states                                                            []string
	reasons                                                           []vrrp.Reason
}

// NewVRRP returns the collector of the routers routers returns.
func NewVRRP(routers func() []VRRPRouter) *VRRP {
	c := &VRRP{routers: routers}
	d := &c.descs
	c.info = d.add("vrrp_router_info", "A VRRP virtual router: its interface, VRID and protocol version.", "router", "interface", "vrid", "version")
	c.state = d.add("vrrp_state", "1 for the virtual router's state (RFC 5798 §6.4), 0 for the others.", "router", "state")
	c.master = d.add("vrrp_master_info", "The Master's address as the virtual router knows it (its own when Master).", "router", "master")
	c.prio = d.add("vrrp_priority", "Effective priority, after tracking.", "router")
	c.cfgPrio = d.add("vrrp_configured_priority", "Configured priority.", "router")
	c.forced = d.add("vrrp_forced_backup", "1 while a weight-0 track holds the router in Backup.", "router")
	c.track = d.add("vrrp_track_up", "1 while the tracked object is up.", "router", "track")
	c.rx = d.add("vrrp_advertisements_received_total", "Advertisements accepted into the state machine.", "router")
	c.tx = d.add("vrrp_advertisements_sent_total", "Advertisements sent.", "router")
	c.zero = d.add("vrrp_priority_zero_sent_total", "Priority-0 advertisements sent (RFC 5798 §6.4.3).", "router")
	c.sendErr = d.add("vrrp_send_errors_total", "Sends the transport refused.", "router")
	c.trans = d.add("vrrp_transitions_total", "State transitions, by reason.", "router", "reason")
	c.becameMaster = d.add("vrrp_became_master_total", "Transitions to Master.", "router")
	c.ann = d.add("vrrp_announcements_total", "Gratuitous ARPs / unsolicited neighbor advertisements sent.", "router")
	c.reann = d.add("vrrp_reannouncements_total", "Announcement bursts after another Master was heard.", "router")
	c.misc = d.add("vrrp_misconfigured_total", "Advertisements whose VRID, addresses or interval disagree with ours (RFC 5798 §7.1).", "router")
	c.dpe = d.add("vrrp_dataplane_errors_total", "Virtual address changes that failed.", "router")
	c.dropped = d.add("vrrp_packets_dropped_total", "Advertisements dropped, by reason.", "router", "reason")
	c.conflicts = d.add("vrrp_conflict_advertisements_total", "Advertisements of a router that disagrees with ours about the virtual router (virtual-MAC hygiene), by source and reason.", "router", "source", "reason")
	for s := vrrp.Initialize; s <= vrrp.Master; s++ {
		c.states = append(c.states, enum(s))
	}
	for r := vrrp.ReasonStartup; r <= vrrp.ReasonPaused; r++ {
		c.reasons = append(c.reasons, r)
	}
	return c
}

// Describe implements prometheus.Collector.
func (c *VRRP) Describe(ch chan<- *prometheus.Desc) { c.descs.describe(ch) }

// Collect implements prometheus.Collector.
func (c *VRRP) Collect(ch chan<- prometheus.Metric) {
	o := out(ch)
	for _, r := range c.routers() {
		s := r.Router.Status()
		n := r.Name
		o.gauge(c.info, 1, n, s.Interface, strconv.Itoa(int(s.VRID)), strconv.Itoa(int(s.Version)))
		o.states(c.state, c.states, enum(s.State), n)
		if s.Master.IsValid() {
			o.gauge(c.master, 1, n, s.Master.String())
		}
		o.gauge(c.prio, float64(s.Priority), n)
		o.gauge(c.cfgPrio, float64(s.ConfiguredPriority), n)
		o.gauge(c.forced, b(s.Forced), n)
		for _, t := range s.Tracks {
			o.gauge(c.track, b(t.Up), n, t.Name)
		}
		k := s.Counters
		o.counter(c.rx, k.Received, n)
		o.counter(c.tx, k.Sent, n)
		o.counter(c.zero, k.SentPriorityZero, n)
		o.counter(c.sendErr, k.SendErrors, n)
		for _, re := range c.reasons {
			o.counter(c.trans, k.TransitionReasons[re], n, enum(re))
		}
		o.counter(c.becameMaster, k.BecameMaster, n)
		o.counter(c.ann, k.Announcements, n)
		o.counter(c.reann, k.Reannouncements, n)
		o.counter(c.misc, k.Misconfigured, n)
		o.counter(c.dpe, k.DataplaneErrors, n)
		for re, v := range k.Drops {
			o.counter(c.dropped, v, n, enum(re))
		}
		for _, cf := range s.Conflicts {
			o.counter(c.conflicts, cf.Count, n, cf.Source.String(), Label(cf.Reason))
		}
	}
}

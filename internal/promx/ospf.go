package promx

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/ospf/packet"
)

// packetTypes are the OSPF packet types (RFC 2328 A.3.1) and their label
// values.
var packetTypes = []struct {
	t     packet.PacketType
	label string
}{
	{packet.TypeHello, "hello"}, {packet.TypeDatabaseDescription, "database_description"},
	{packet.TypeLSRequest, "ls_request"}, {packet.TypeLSUpdate, "ls_update"}, {packet.TypeLSAck, "ls_ack"},
}

// OSPF collects an ospf.Instance at scrape time; the instance may change
// or be absent (nil: nothing but the SPF histogram is exported). Its
// metrics:
//
//	switchless_ospf_neighbors{interface,state}               gauge: neighbors per state (§10.1), every state listed
//	switchless_ospf_interface_state{interface,state}         gauge: 1 for the interface's state (§9.1)
//	switchless_ospf_packets_received_total{interface,type}   counter: packets accepted, by type
//	switchless_ospf_packets_sent_total{interface,type}       counter: packets sent, by type
//	switchless_ospf_send_errors_total{interface}             counter: sends the transport refused
//	switchless_ospf_packets_dropped_total{interface,reason}  counter: packets (and LSAs) dropped, by reason
//	switchless_ospf_bfd_neighbor_down_total{interface}       counter: neighbors killed by BFD (RFC 5882)
//	switchless_ospf_lsas{type}                               gauge: LSAs in the database, by LS type
//	switchless_ospf_routes                                   gauge: destinations in the routing table (§11)
//	switchless_ospf_spf_runs_total                           counter: full calculations (§16)
//	switchless_ospf_spf_external_runs_total                  counter: incremental AS-external ones (§16.6)
//	switchless_ospf_spf_events_total                         counter: changes that asked for a calculation
//	switchless_ospf_spf_last_duration_seconds                gauge: the last full calculation's duration
//	switchless_ospf_spf_duration_seconds                     histogram: full calculations' durations
//	switchless_fib_routes{protocol="ospf"}                   gauge: routes installed
//	switchless_fib_writes_total{protocol="ospf",op}          counter: FIB replaces and deletes
//	switchless_fib_write_errors_total{protocol="ospf"}       counter: FIB writes refused
//
// The counters are the running instance's: a daemon that rebuilds its
// instance starts them again from zero, which Prometheus takes for a
// counter reset.
type OSPF struct {
	current func() *ospf.Instance
	spf     prometheus.Histogram

	descs
	neighbors, ifState, rx, tx, sendErr, dropped, bfdDown *prometheus.Desc
	lsas, routes, spfRuns, spfExtRuns, spfEvents, spfLast *prometheus.Desc
	fib                                                   fibDescs
	nbrStates, ifStates                                   []string // label values

	mu      sync.Mutex // guards what OnEvent last saw
	lastIn  *ospf.Instance
	lastRun uint64
}

// NewOSPF returns the collector of the instance current returns.
func NewOSPF(current func() *ospf.Instance) *OSPF {
	c := &OSPF{current: current, spf: prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "ospf_spf_duration_seconds",
		Help: "Durations of the full SPF calculations (RFC 2328 §16), by the instance's clock.",
		// 100 µs to about 1.6 s, by fours.
		Buckets: prometheus.ExponentialBuckets(0.0001, 4, 8),
	})}
	d := &c.descs
	c.neighbors = d.add("ospf_neighbors", "OSPF neighbors per state (RFC 2328 §10.1).", "interface", "state")
	c.ifState = d.add("ospf_interface_state", "1 for the OSPF interface's state (RFC 2328 §9.1), 0 for the others.", "interface", "state")
	c.rx = d.add("ospf_packets_received_total", "OSPF packets accepted for processing, by type.", "interface", "type")
	c.tx = d.add("ospf_packets_sent_total", "OSPF packets handed to the transport, by type.", "interface", "type")
	c.sendErr = d.add("ospf_send_errors_total", "OSPF sends the transport refused.", "interface")
	c.dropped = d.add("ospf_packets_dropped_total", "OSPF packets (and LSAs) dropped, by reason.", "interface", "reason")
	c.bfdDown = d.add("ospf_bfd_neighbor_down_total", "OSPF neighbors killed because their BFD session went Down (RFC 5882).", "interface")
	c.lsas = d.add("ospf_lsas", "LSAs in the link-state database, by LS type.", "type")
	c.routes = d.add("ospf_routes", "Destinations in the OSPF routing table (RFC 2328 §11).")
	c.spfRuns = d.add("ospf_spf_runs_total", "Full SPF calculations (RFC 2328 §16).")
	c.spfExtRuns = d.add("ospf_spf_external_runs_total", "Incremental AS-external route calculations (RFC 2328 §16.6).")
	c.spfEvents = d.add("ospf_spf_events_total", "Changes that asked for an SPF calculation (RFC 8405 back-off events).")
	c.spfLast = d.add("ospf_spf_last_duration_seconds", "Duration of the last full SPF calculation.")
	c.fib = newFIBDescs(d)
	for st := ospf.NbrDown; st <= ospf.NbrFull; st++ {
		c.nbrStates = append(c.nbrStates, enum(st))
	}
	for st := ospf.IfDown; st <= ospf.IfDR; st++ {
		c.ifStates = append(c.ifStates, enum(st))
	}
	return c
}

// OnEvent feeds the SPF duration histogram: give it every event of the
// instance (ospf.Env.OnEvent). On EventRoutingTable it reads SPFStatus
// and observes LastDuration if a full calculation ran since the last
// event; calculations that ran between two events (none do: every full
// run has its event) would count once.
func (c *OSPF) OnEvent(e ospf.Event) {
	if e.Kind != ospf.EventRoutingTable {
		return
	}
	in := c.current()
	if in == nil {
		return
	}
	s := in.SPFStatus()
	c.mu.Lock()
	defer c.mu.Unlock()
	if in != c.lastIn {
		c.lastIn, c.lastRun = in, 0
	}
	if s.Runs > c.lastRun {
		c.lastRun = s.Runs
		c.spf.Observe(s.LastDuration.Seconds())
	}
}

// Describe implements prometheus.Collector.
func (c *OSPF) Describe(ch chan<- *prometheus.Desc) {
	c.descs.describe(ch)
	c.spf.Describe(ch)
}

// Collect implements prometheus.Collector.
func (c *OSPF) Collect(ch chan<- prometheus.Metric) {
	c.spf.Collect(ch)
	in := c.current()
	if in == nil {
		return
	}
	o := out(ch)
	count := map[string]map[string]int{}
	for _, n := range in.Neighbors() {
		if count[n.Interface] == nil {
			count[n.Interface] = map[string]int{}
		}
		count[n.Interface][enum(n.State)]++
	}
	for _, s := range in.Interfaces() {
		for _, st := range c.nbrStates {
			o.gauge(c.neighbors, float64(count[s.Name][st]), s.Name, st)
		}
		o.states(c.ifState, c.ifStates, enum(s.State), s.Name)
		for _, t := range packetTypes {
			o.counter(c.rx, s.Stats.Received[t.t], s.Name, t.label)
			o.counter(c.tx, s.Stats.Sent[t.t], s.Name, t.label)
		}
		o.counter(c.sendErr, s.Stats.SendErrors, s.Name)
		for r, n := range s.Stats.Dropped {
			o.counter(c.dropped, n, s.Name, enum(r))
		}
		o.counter(c.bfdDown, s.Stats.BFDDown, s.Name)
	}
	lsas := map[string]int{}
	for _, e := range in.LSDB(ospf.LSDBFilter{}) {
		lsas[enum(e.LSA.Header.Type)]++
	}
	for t, n := range lsas {
		o.gauge(c.lsas, float64(n), t)
	}
	o.gauge(c.routes, float64(len(in.RoutingTable().Routes)))
	spf := in.SPFStatus()
	o.counter(c.spfRuns, spf.Runs)
	o.counter(c.spfExtRuns, spf.ExternalRuns)
	o.counter(c.spfEvents, spf.Events)
	o.gauge(c.spfLast, spf.LastDuration.Seconds())
	f := in.FIBStats()
	c.fib.collect(o, "ospf", f.Routes, f.Replaced, f.Deleted, f.Errors)
}

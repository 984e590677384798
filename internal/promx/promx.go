// Package promx holds the Prometheus collectors of the example daemons
// (issue 14): one per protocol, each reading the protocol package's
// public status and counters at scrape time (prometheus.Collector with
// const metrics), so that nothing is counted twice and ospfd and ringd,
// vrrpd and ringd export the same names from the same code.
//
// Names follow the Prometheus conventions: the switchless_ prefix, then
// the protocol (ospf, vrrp, rip, anycast, bfd, fib); counters end in
// _total; durations are in seconds; label names are snake_case and label
// values are the names the daemons' `show` prints, in snake_case (Label).
// A state is a gauge per possible state, 1 for the current one and 0 for
// the others, so that `x{state="full"} == 1` needs no regular expression.
//
// The collectors are:
//
//   - OSPF: switchless_ospf_* and the OSPF FIB's switchless_fib_*
//     (ospf.Instance: Interfaces, Neighbors, LSDB, RoutingTable,
//     SPFStatus, FIBStats), with the SPF duration histogram fed by the
//     instance's events (OSPF.OnEvent);
//   - VRRP: switchless_vrrp_* (vrrp.Router.Status);
//   - RIP: switchless_rip_* (rip.Instance: Routes, Interfaces, Stats);
//   - Anycast: switchless_anycast_* (anycast.Instance.Services);
//   - BFD: switchless_bfd_* (bfd.Instance.Sessions);
//   - FIBCounter: switchless_fib_* for a fib.Sink whose user does not
//     count its writes (rip, anycast's FIB announcer): it wraps the sink.
//
// Each collector's doc comment lists its metrics.
package promx

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Namespace prefixes every metric name.
const Namespace = "switchless"

// Label turns a name as `show` prints it ("2-Way", "auth-type", "master
// sent priority 0") into a snake_case label value ("2_way", "auth_type",
// "master_sent_priority_0"): lower case, every run of other characters
// than letters and digits one underscore, none at the ends.
func Label(s string) string {
	var b strings.Builder
	sep := false
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			sep = false
			b.WriteRune(c)
			continue
		}
		sep = true
	}
	return b.String()
}

// enum is Label of an enum's String.
func enum(s fmt.Stringer) string { return Label(s.String()) }

// descs is a collector's descriptions, in the order Describe sends them.
type descs []*prometheus.Desc

// add describes the metric Namespace_name with the variable labels.
func (d *descs) add(name, help string, labels ...string) *prometheus.Desc {
	x := prometheus.NewDesc(Namespace+"_"+name, help, labels, nil)
	*d = append(*d, x)
	return x
}

func (d descs) describe(ch chan<- *prometheus.Desc) {
	for _, x := range d {
		ch <- x
	}
}

// out sends const metrics to a Collect channel.
type out chan<- prometheus.Metric

func (o out) gauge(d *prometheus.Desc, v float64, labels ...string) {
	o <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func (o out) counter(d *prometheus.Desc, v uint64, labels ...string) {
	o <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}

// states sends one gauge per state of all, 1 for cur and 0 for the others.
func (o out) states(d *prometheus.Desc, all []string, cur string, labels ...string) {
	for _, s := range all {
		v := 0.0
		if s == cur {
			v = 1
		}
		o.gauge(d, v, append(slices.Clip(labels), s)...)
	}
}

// b is 1 for true.
func b(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

// fibDescs are the switchless_fib_* metrics, by the protocol whose routes
// they are.
type fibDescs struct {
	routes, writes, errors *prometheus.Desc
}

func newFIBDescs(d *descs) fibDescs {
	return fibDescs{
		routes: d.add("fib_routes", "Routes the protocol has installed in the FIB.", "protocol"),
		writes: d.add("fib_writes_total", "Successful FIB writes, by operation (replace, delete).", "protocol", "op"),
		errors: d.add("fib_write_errors_total", "FIB writes the sink refused (sync errors).", "protocol"),
	}
}

func (f fibDescs) collect(o out, protocol string, routes int, replaced, deleted, errs uint64) {
	o.gauge(f.routes, float64(routes), protocol)
	o.counter(f.writes, replaced, protocol, "replace")
	o.counter(f.writes, deleted, protocol, "delete")
	o.counter(f.errors, errs, protocol)
}

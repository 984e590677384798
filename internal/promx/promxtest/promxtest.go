// Package promxtest reads Prometheus metrics in tests: a scrape of a
// daemon inside a network namespace (Scrape, Linux), parsed with
// expfmt's text parser, and the values and types of its families.
package promxtest

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Families are metric families by name.
type Families map[string]*dto.MetricFamily

// Parse reads the Prometheus text format, names checked by the legacy
// (pre-UTF-8) rules every Prometheus accepts.
func Parse(r io.Reader) (Families, error) {
	p := expfmt.NewTextParser(model.LegacyValidation)
	return p.TextToMetricFamilies(r)
}

// FromGathered indexes what a registry's Gather returned.
func FromGathered(mfs []*dto.MetricFamily) Families {
	out := Families{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// Value is the value of the first metric of family name whose labels
// include want (a counter's or gauge's value, a histogram's sample
// count), and whether there is one.
func (f Families) Value(name string, want map[string]string) (float64, bool) {
	mf := f[name]
	if mf == nil {
		return 0, false
	}
next:
	for _, m := range mf.GetMetric() {
		got := map[string]string{}
		for _, lp := range m.GetLabel() {
			got[lp.GetName()] = lp.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

// Sum is the sum of the values of family name's metrics whose labels
// include want.
func (f Families) Sum(name string, want map[string]string) float64 {
	var sum float64
	mf := f[name]
	if mf == nil {
		return 0
	}
	for _, m := range mf.GetMetric() {
		one := Families{name: &dto.MetricFamily{Name: mf.Name, Type: mf.Type, Metric: []*dto.Metric{m}}}
		if v, ok := one.Value(name, want); ok {
			sum += v
		}
	}
	return sum
}

// Types are the metric types families must have, by name.
type Types map[string]dto.MetricType

// Counters, Gauges and Histograms build Types.
func Counters(names ...string) Types   { return of(dto.MetricType_COUNTER, names) }
func Gauges(names ...string) Types     { return of(dto.MetricType_GAUGE, names) }
func Histograms(names ...string) Types { return of(dto.MetricType_HISTOGRAM, names) }

func of(t dto.MetricType, names []string) Types {
	out := Types{}
	for _, n := range names {
		out[n] = t
	}
	return out
}

// RequireTypes fails t for every family of ts missing from f or of
// another type.
func (f Families) RequireTypes(t testing.TB, ts ...Types) {
	t.Helper()
	var bad []string
	for _, m := range ts {
		for name, typ := range m {
			switch mf := f[name]; {
			case mf == nil:
				bad = append(bad, name+" missing")
			case mf.GetType() != typ:
				bad = append(bad, fmt.Sprintf("%s is a %v, want %v", name, mf.GetType(), typ))
			}
		}
	}
	slices.Sort(bad)
	if len(bad) > 0 {
		t.Errorf("metrics:\n%s", strings.Join(bad, "\n"))
	}
}

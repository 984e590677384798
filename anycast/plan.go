package anycast

import (
	"fmt"
	"slices"
)

// PlanMode is what a metric plan achieves (paper §4.1).
type PlanMode uint8

const (
	// PlanFailover: every site reaches the first replica while it is up,
	// then the second, and so on (the paper's MA=1, MB=3).
	PlanFailover PlanMode = iota
	// PlanLoadBalance: every site reaches its nearest replica (the paper's
	// MA=MB=1).
	PlanLoadBalance
)

// Replica is one server of a service for the planner: its name and the
// site (router) it is attached to.
type Replica struct {
	Name string
	Site string
}

// PlanResult is the planner's answer.
type PlanResult struct {
	// Metrics is the metric each replica announces, by replica name.
	Metrics map[string]uint32
	// Choice is, per site, the replicas it reaches with every replica up:
	// one, or several at equal cost (ECMP).
	Choice map[string][]string
	// Cost is, per site, the cost of that choice: the announced metric
	// plus the distance from the site to the replica's site.
	Cost map[string]uint32
}

// MaxRIPMetric is the largest metric RIP can carry: a plan above it does
// not fit RIP (RFC 2453 §3.6: 16 is infinity).
const MaxRIPMetric = 15

// Plan computes the per-replica metrics for mode. sites name the routers;
// distances[i][j] is the routing cost from sites[i] to sites[j] (zero on
// the diagonal); each replica's announcement reaches a site at its metric
// plus that distance, and a site takes the lowest.
//
// With PlanFailover replicas are in preference order: replicas[0] gets
// metric 1 and each next one the smallest metric that every site strictly
// prefers the previous one to it, so that the order holds at every site.
// With PlanLoadBalance every replica gets metric 1 and each site reaches
// its nearest. The result's Choice is computed from the metrics, so it
// verifies the plan.
func Plan(replicas []Replica, sites []string, distances [][]uint32, mode PlanMode) (PlanResult, error) {
	idx := map[string]int{}
	for i, s := range sites {
		if _, dup := idx[s]; dup {
			return PlanResult{}, fmt.Errorf("%w: plan: site %q listed twice", ErrInvalidConfig, s)
		}
		idx[s] = i
	}
	if len(distances) != len(sites) {
		return PlanResult{}, fmt.Errorf("%w: plan: %d rows of distances for %d sites", ErrInvalidConfig, len(distances), len(sites))
	}
	for i, row := range distances {
		if len(row) != len(sites) {
			return PlanResult{}, fmt.Errorf("%w: plan: distances[%d] has %d columns, want %d", ErrInvalidConfig, i, len(row), len(sites))
		}
		if row[i] != 0 {
			return PlanResult{}, fmt.Errorf("%w: plan: distances[%d][%d] = %d, want 0", ErrInvalidConfig, i, i, row[i])
		}
	}
	if len(replicas) == 0 {
		return PlanResult{}, fmt.Errorf("%w: plan: no replicas", ErrInvalidConfig)
	}
	names := map[string]bool{}
	for k, r := range replicas {
		if _, ok := idx[r.Site]; !ok {
			return PlanResult{}, fmt.Errorf("%w: plan: replicas[%d].site %q: not a site", ErrInvalidConfig, k, r.Site)
		}
		if names[r.Name] {
			return PlanResult{}, fmt.Errorf("%w: plan: replicas[%d].name %q listed twice", ErrInvalidConfig, k, r.Name)
		}
		names[r.Name] = true
	}
	metrics := make([]uint32, len(replicas))
	switch mode {
	case PlanLoadBalance:
		for k := range metrics {
			metrics[k] = 1
		}
	case PlanFailover:
		metrics[0] = 1
		for k := 1; k < len(replicas); k++ {
			prev, cur := idx[replicas[k-1].Site], idx[replicas[k].Site]
			var m int64 = int64(metrics[k-1]) + 1
			for s := range sites {
				// prev must win at s: metrics[k-1]+d(s,prev) < m+d(s,cur).
				need := int64(metrics[k-1]) + int64(distances[s][prev]) - int64(distances[s][cur]) + 1
				m = max(m, need)
			}
			metrics[k] = uint32(m)
		}
	default:
		return PlanResult{}, fmt.Errorf("%w: plan: mode %d", ErrInvalidConfig, mode)
	}
	res := PlanResult{Metrics: map[string]uint32{}, Choice: map[string][]string{}, Cost: map[string]uint32{}}
	for k, r := range replicas {
		res.Metrics[r.Name] = metrics[k]
	}
	for s, site := range sites {
		best := uint32(0)
		var choice []string
		for k, r := range replicas {
			c := metrics[k] + distances[s][idx[r.Site]]
			switch {
			case choice == nil || c < best:
				best, choice = c, []string{r.Name}
			case c == best:
				choice = append(choice, r.Name)
			}
		}
		slices.Sort(choice)
		res.Choice[site], res.Cost[site] = choice, best
	}
	return res, nil
}

package lab

import "time"

// probe is one TCP probe of a client: when it started and which server's
// banner it read ("" when the connect or the read failed).
type probe struct {
	start  time.Time
	server string
	done   bool
}

// analyze measures the probes of one client started at or after t0 (in
// start order, as the prober keeps them) against the server the client
// should reach at the end of the step.
func analyze(ps []probe, t0 time.Time, want string) CampusResult {
	r := CampusResult{Want: want}
	run := 0
	finalFrom := time.Time{} // start of the current stretch answered by want
	for _, p := range ps {
		if p.start.Before(t0) || !p.done {
			continue
		}
		r.Got = p.server
		if p.server == "" {
			r.Lost++
			run++
			if d := time.Duration(run) * ProbeInterval; d > r.Outage {
				r.Outage = d
			}
		} else {
			run = 0
		}
		if p.server == want {
			if finalFrom.IsZero() {
				finalFrom = p.start
			}
		} else {
			finalFrom = time.Time{}
		}
	}
	if !finalFrom.IsZero() {
		r.Moved = finalFrom.Sub(t0)
	}
	return r
}

// settled reports whether every probe of the client started within the
// last settle before now (less a probe timeout, so that all of them are
// complete) reached want, and the window holds at least half the probes
// it should (the prober was not starved).
func settled(ps []probe, t0, now time.Time, settle time.Duration, want string) bool {
	to := now.Add(-ProbeTimeout - 50*time.Millisecond)
	from := to.Add(-settle)
	if from.Before(t0) {
		return false
	}
	n := 0
	for i := len(ps) - 1; i >= 0; i-- {
		p := ps[i]
		if p.start.After(to) {
			continue
		}
		if p.start.Before(from) {
			break
		}
		if !p.done || p.server != want {
			return false
		}
		n++
	}
	return n >= int(settle/ProbeInterval)/2
}

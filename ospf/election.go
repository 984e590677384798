package ospf

import "net/netip"

// DRCandidate is one router attached to a broadcast network as the
// Designated Router election of RFC 2328 §9.4 sees it: the calculating
// router itself, and every neighbor with which it has bidirectional
// communication (state 2-Way or higher).
type DRCandidate struct {
	// RouterID breaks ties between equal priorities (§9.4 steps 2 and 3:
	// the highest Router ID wins).
	RouterID netip.Addr
	// Addr is the router's IP interface address on the network. DR and
	// BDR fields of hellos on broadcast networks carry this address, not
	// the Router ID (§9.4, §10.5).
	Addr netip.Addr
	// Priority is the Router Priority; 0 makes the router ineligible
	// (§9.4 step 1).
	Priority uint8
	// DR and BDR are what the router declares in its hellos: the
	// interface addresses of the DR and BDR it believes in, the zero
	// value (or 0.0.0.0) for none. For the calculating router they are
	// the interface's current DR and BDR (§9.4 step 1).
	DR, BDR netip.Addr
}

// declaresDR reports whether the candidate lists itself as DR.
func (c DRCandidate) declaresDR() bool { return c.Addr.IsValid() && c.DR == c.Addr }

// declaresBDR reports whether the candidate lists itself as BDR.
func (c DRCandidate) declaresBDR() bool { return c.Addr.IsValid() && c.BDR == c.Addr }

// Election is the outcome of ElectDR.
type Election struct {
	// DR and BDR are the interface addresses of the elected routers, the
	// zero netip.Addr when none was elected.
	DR, BDR netip.Addr
	// DRID and BDRID are their Router IDs.
	DRID, BDRID netip.Addr
	// Repeated reports that step 4 applied: the calculating router's own
	// role changed, so steps 2 and 3 were run a second time with its new
	// declarations.
	Repeated bool
}

// ElectDR runs the Designated Router election of RFC 2328 §9.4 for the
// router whose interface address is self, over cands, which must contain
// that router (with its current DR/BDR as its declarations) and every
// neighbor in state 2-Way or higher with the DR/BDR of its last hello. It
// is a pure function: it neither keeps nor changes any state and does not
// modify cands.
//
// The election is non-preemptive: a router already declaring itself DR or
// BDR keeps the role against a later, higher-priority arrival, because
// routers declaring a role are preferred over those that do not.
func ElectDR(self netip.Addr, cands []DRCandidate) Election {
	// §9.4 step 1: note the current values (the calculating router's own
	// declarations) and keep only eligible routers.
	me := -1
	for i, c := range cands {
		if c.Addr == self {
			me = i
			break
		}
	}
	var oldDR, oldBDR netip.Addr
	if me >= 0 {
		oldDR, oldBDR = cands[me].DR, cands[me].BDR
	}
	elig := make([]DRCandidate, 0, len(cands))
	mine := -1
	for i, c := range cands {
		if c.Priority == 0 {
			continue
		}
		if i == me {
			mine = len(elig)
		}
		elig = append(elig, c)
	}

	dr, bdr := electOnce(elig)
	res := Election{DR: dr.Addr, BDR: bdr.Addr, DRID: dr.RouterID, BDRID: bdr.RouterID}

	// §9.4 step 4: if the calculating router is newly DR or BDR, or is
	// newly no longer DR or BDR, repeat steps 2 and 3 with its new
	// declarations, so that (for instance) a router that just became DR
	// is no longer considered for BDR.
	wasDR, wasBDR := oldDR == self, oldBDR == self
	isDR, isBDR := res.DR == self, res.BDR == self
	if wasDR != isDR || wasBDR != isBDR {
		if mine >= 0 {
			elig[mine].DR, elig[mine].BDR = res.DR, res.BDR
		}
		dr, bdr = electOnce(elig)
		res = Election{DR: dr.Addr, BDR: bdr.Addr, DRID: dr.RouterID, BDRID: bdr.RouterID, Repeated: true}
	}
	return res
}

// electOnce runs §9.4 steps 2 and 3 once over eligible candidates.
func electOnce(elig []DRCandidate) (dr, bdr DRCandidate) {
	// Step 2: the BDR. Routers declaring themselves DR are not
	// considered. Among the rest, those declaring themselves BDR are
	// preferred; failing any, all of the rest compete.
	var bestDeclared, bestAny DRCandidate
	for _, c := range elig {
		if c.declaresDR() {
			continue
		}
		if c.declaresBDR() && better(c, bestDeclared) {
			bestDeclared = c
		}
		if better(c, bestAny) {
			bestAny = c
		}
	}
	bdr = bestDeclared
	if !bdr.Addr.IsValid() {
		bdr = bestAny
	}
	// Step 3: the DR. Among routers declaring themselves DR the best
	// wins; if none does, the new BDR becomes DR.
	for _, c := range elig {
		if c.declaresDR() && better(c, dr) {
			dr = c
		}
	}
	if !dr.Addr.IsValid() {
		dr = bdr
	}
	return dr, bdr
}

// better reports whether a beats b: higher priority, then higher Router ID
// (§9.4 steps 2 and 3). Anything beats the zero candidate.
func better(a, b DRCandidate) bool {
	if !b.Addr.IsValid() {
		return a.Addr.IsValid()
	}
	if a.Priority != b.Priority {
		return a.Priority > b.Priority
	}
	return a.RouterID.Compare(b.RouterID) > 0
}

package ospf

import (
	"net/netip"
	"testing"
)

// cand builds a candidate on 10.0.0.0/24 whose interface address ends in n
// and whose Router ID is 0.0.0.rid. dr and bdr are last octets, 0 = none.
func cand(n, rid byte, prio uint8, dr, bdr byte) DRCandidate {
	a := func(x byte) netip.Addr {
		if x == 0 {
			return netip.Addr{}
		}
		return netip.AddrFrom4([4]byte{10, 0, 0, x})
	}
	return DRCandidate{
		RouterID: netip.AddrFrom4([4]byte{0, 0, 0, rid}),
		Addr:     a(n),
		Priority: prio,
		DR:       a(dr),
		BDR:      a(bdr),
	}
}

func eip(n byte) netip.Addr {
	if n == 0 {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte{10, 0, 0, n})
}

func Test9_4_Election(t *testing.T) {
	tests := []struct {
		name     string
		self     byte
		cands    []DRCandidate
		dr, bdr  byte
		repeated bool
	}{
		{
			name: "9.4 alone: becomes DR, no BDR after repeating steps 2-3",
			self: 1,
			cands: []DRCandidate{
				cand(1, 1, 1, 0, 0),
			},
			dr: 1, bdr: 0, repeated: true,
		},
		{
			name: "9.4 step4 cold start, highest ID becomes DR and repeats so the next is BDR",
			self: 3,
			cands: []DRCandidate{
				cand(1, 1, 1, 0, 0), cand(2, 2, 1, 0, 0), cand(3, 3, 1, 0, 0),
			},
			dr: 3, bdr: 2, repeated: true,
		},
		{
			name: "9.4 step3 cold start seen by a bystander: new BDR also becomes DR, no repeat",
			self: 1,
			cands: []DRCandidate{
				cand(1, 1, 1, 0, 0), cand(2, 2, 1, 0, 0), cand(3, 3, 1, 0, 0),
			},
			dr: 3, bdr: 3, repeated: false,
		},
		{
			name: "9.4 step2 priority beats router ID",
			self: 1,
			cands: []DRCandidate{
				cand(1, 9, 2, 0, 0), cand(2, 2, 1, 0, 0), cand(3, 3, 1, 0, 0),
			},
			dr: 1, bdr: 3, repeated: true,
		},
		{
			name: "9.4 step1 priority 0 is never elected even when declaring itself DR",
			self: 1,
			cands: []DRCandidate{
				cand(1, 1, 1, 0, 0), cand(2, 200, 0, 2, 0),
			},
			dr: 1, bdr: 0, repeated: true,
		},
		{
			name: "9.4 step1 calculating router with priority 0 stays DROther",
			self: 1,
			cands: []DRCandidate{
				cand(1, 100, 0, 0, 0), cand(2, 2, 1, 2, 0), cand(3, 3, 1, 2, 0),
			},
			dr: 2, bdr: 3, repeated: false,
		},
		{
			name: "9.4 non-preemptive: a high-priority newcomer does not displace DR and BDR",
			self: 4,
			cands: []DRCandidate{
				cand(1, 1, 1, 1, 2), cand(2, 2, 1, 1, 2), cand(3, 3, 1, 1, 2), cand(4, 4, 255, 0, 0),
			},
			dr: 1, bdr: 2, repeated: false,
		},
		{
			name: "9.4 non-preemptive: newcomer becomes BDR only when no BDR is declared",
			self: 4,
			cands: []DRCandidate{
				cand(1, 1, 1, 1, 0), cand(2, 2, 1, 1, 0), cand(4, 4, 255, 0, 0),
			},
			dr: 1, bdr: 4, repeated: true,
		},
		{
			name: "9.4 DR dies: BDR promotes itself and repeats steps 2-3 to pick a new BDR",
			self: 2,
			cands: []DRCandidate{
				cand(2, 2, 1, 1, 2), cand(3, 3, 1, 1, 2), cand(4, 4, 1, 1, 2),
			},
			dr: 2, bdr: 4, repeated: true,
		},
		{
			name: "9.4 DR dies seen by a DROther: BDR becomes DR, BDR slot temporarily the same",
			self: 3,
			cands: []DRCandidate{
				cand(2, 2, 1, 1, 2), cand(3, 3, 1, 1, 2), cand(4, 4, 1, 1, 2),
			},
			dr: 2, bdr: 2, repeated: false,
		},
		{
			name: "9.4 step3 two routers declaring DR: higher priority wins",
			self: 1,
			cands: []DRCandidate{
				cand(1, 1, 5, 1, 0), cand(2, 2, 3, 2, 0),
			},
			// 1 keeps DR; 2 declares DR so is excluded from BDR.
			dr: 1, bdr: 0, repeated: false,
		},
		{
			name: "9.4 step3 two routers declaring DR with equal priority: higher router ID wins",
			self: 1,
			cands: []DRCandidate{
				cand(1, 1, 5, 1, 0), cand(2, 2, 5, 2, 0), cand(3, 3, 1, 0, 0),
			},
			// 1 loses DR (newly not DR) and repeats: now declaring 2 as
			// DR, it competes for BDR with 3 and wins on priority.
			dr: 2, bdr: 1, repeated: true,
		},
		{
			name: "9.4 step2 two routers declaring BDR: higher router ID wins at equal priority",
			self: 1,
			cands: []DRCandidate{
				cand(1, 1, 1, 1, 0), cand(2, 2, 1, 1, 2), cand(3, 3, 1, 1, 3),
			},
			dr: 1, bdr: 3, repeated: false,
		},
		{
			name: "9.4 step2 a router declaring BDR beats a higher-priority one that does not",
			self: 1,
			cands: []DRCandidate{
				cand(1, 1, 1, 1, 2), cand(2, 2, 1, 1, 2), cand(3, 3, 200, 1, 2),
			},
			dr: 1, bdr: 2, repeated: false,
		},
		{
			name: "9.4 step4 calculating router loses BDR and repeats",
			self: 2,
			cands: []DRCandidate{
				// 2 thinks it is BDR, but 3 (priority 9) also declares BDR.
				cand(1, 1, 1, 1, 3), cand(2, 2, 1, 1, 2), cand(3, 3, 9, 1, 3),
			},
			dr: 1, bdr: 3, repeated: true,
		},
		{
			name: "9.4 nobody eligible",
			self: 1,
			cands: []DRCandidate{
				cand(1, 1, 0, 0, 0), cand(2, 2, 0, 0, 0),
			},
			dr: 0, bdr: 0, repeated: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]DRCandidate(nil), tt.cands...)
			got := ElectDR(eip(tt.self), tt.cands)
			if got.DR != eip(tt.dr) || got.BDR != eip(tt.bdr) || got.Repeated != tt.repeated {
				t.Errorf("ElectDR = DR %v BDR %v repeated %v, want DR %v BDR %v repeated %v",
					got.DR, got.BDR, got.Repeated, eip(tt.dr), eip(tt.bdr), tt.repeated)
			}
			for i := range in {
				if in[i] != tt.cands[i] {
					t.Fatalf("ElectDR modified its input at %d", i)
				}
			}
			// Router IDs follow the elected addresses.
			for _, c := range tt.cands {
				if got.DR.IsValid() && c.Addr == got.DR && got.DRID != c.RouterID {
					t.Errorf("DRID = %v, want %v", got.DRID, c.RouterID)
				}
				if got.BDR.IsValid() && c.Addr == got.BDR && got.BDRID != c.RouterID {
					t.Errorf("BDRID = %v, want %v", got.BDRID, c.RouterID)
				}
			}
		})
	}
}

// Test9_4_ElectionConverges runs the election on every router of a segment,
// feeding each one's result back as its declarations (as the hello protocol
// does), and checks that all agree on the RFC's outcome: highest priority
// DR, next BDR, regardless of who started first.
func Test9_4_ElectionConverges(t *testing.T) {
	routers := []DRCandidate{
		cand(1, 10, 1, 0, 0),
		cand(2, 20, 1, 0, 0),
		cand(3, 30, 2, 0, 0),
		cand(4, 40, 0, 0, 0),
	}
	for round := 0; round < 4; round++ {
		next := make([]DRCandidate, len(routers))
		for i, r := range routers {
			e := ElectDR(r.Addr, routers)
			next[i] = r
			next[i].DR, next[i].BDR = e.DR, e.BDR
		}
		routers = next
	}
	for _, r := range routers {
		if r.DR != eip(3) || r.BDR != eip(2) {
			t.Errorf("router %v: DR %v BDR %v, want 10.0.0.3 and 10.0.0.2", r.Addr, r.DR, r.BDR)
		}
	}
	// Now a priority-255 router joins: non-preemptive, nothing changes.
	routers = append(routers, cand(5, 50, 255, 0, 0))
	for round := 0; round < 4; round++ {
		next := make([]DRCandidate, len(routers))
		for i, r := range routers {
			e := ElectDR(r.Addr, routers)
			next[i] = r
			next[i].DR, next[i].BDR = e.DR, e.BDR
		}
		routers = next
	}
	for _, r := range routers {
		if r.DR != eip(3) || r.BDR != eip(2) {
			t.Errorf("after newcomer, router %v: DR %v BDR %v, want 10.0.0.3 and 10.0.0.2", r.Addr, r.DR, r.BDR)
		}
	}
}

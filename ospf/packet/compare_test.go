package packet

import "testing"

// TestCompareLSA_13_1 has one case per branch of RFC 2328 13.1, each in
// both argument orders (the result must flip).
func TestCompareLSA_13_1(t *testing.T) {
	h := func(seq int32, sum uint16, age uint16) LSAHeader {
		return LSAHeader{Type: LSTypeRouter, Seq: seq, Checksum: sum, Age: age}
	}
	for _, c := range []struct {
		name string
		a, b LSAHeader
		want int
	}{
		{"13.1 larger sequence number is newer", h(InitialSequenceNumber+1, 1, 10), h(InitialSequenceNumber, 9, 10), 1},
		{"13.1 sequence numbers are signed", h(1, 1, 10), h(-5, 1, 10), 1},
		{"13.1 MaxSequenceNumber beats InitialSequenceNumber", h(MaxSequenceNumber, 1, 10), h(InitialSequenceNumber, 1, 10), 1},
		{"13.1 sequence wins over checksum and age", h(7, 0x0001, MaxAge), h(6, 0xffff, 0), 1},
		{"13.1 equal sequence: larger checksum is newer", h(5, 0x8001, 100), h(5, 0x7fff, 100), 1},
		{"13.1 checksum compared unsigned", h(5, 0xffff, 100), h(5, 0x0001, 100), 1},
		{"13.1 checksum wins over MaxAge", h(5, 0x0002, 0), h(5, 0x0001, MaxAge), 1},
		{"13.1 only one at MaxAge: it is newer", h(5, 1, MaxAge), h(5, 1, 0), 1},
		{"13.1 MaxAge against MaxAge-1", h(5, 1, MaxAge), h(5, 1, MaxAge-1), 1},
		{"13.1 age above MaxAge counts as MaxAge", h(5, 1, MaxAge+100), h(5, 1, 3), 1},
		{"13.1 ages differ by more than MaxAgeDiff: younger is newer", h(5, 1, 10), h(5, 1, 10+MaxAgeDiff+1), 1},
		{"13.1 ages differ by exactly MaxAgeDiff: same instance", h(5, 1, 10), h(5, 1, 10+MaxAgeDiff), 0},
		{"13.1 close ages: same instance", h(5, 1, 10), h(5, 1, 20), 0},
		{"13.1 both MaxAge: same instance", h(5, 1, MaxAge), h(5, 1, MaxAge), 0},
		{"13.1 identical", h(5, 1, 0), h(5, 1, 0), 0},
		{"RFC 1793 DoNotAge ignored: same instance", h(5, 1, DoNotAge|10), h(5, 1, 10), 0},
		{"RFC 1793 DoNotAge ignored in the MaxAgeDiff test", h(5, 1, DoNotAge|10), h(5, 1, 1000), 1},
		{"RFC 1793 DoNotAge with MaxAge", h(5, 1, DoNotAge|MaxAge), h(5, 1, 10), 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := CompareLSA(c.a, c.b); got != c.want {
				t.Errorf("CompareLSA(a, b) = %d, want %d", got, c.want)
			}
			if got := CompareLSA(c.b, c.a); got != -c.want {
				t.Errorf("CompareLSA(b, a) = %d, want %d", got, -c.want)
			}
		})
	}
}

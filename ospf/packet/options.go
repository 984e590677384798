package packet

import "strings"

// Options is the 8-bit Options field carried in Hello and Database
// Description packets and in every LSA header (RFC 2328 A.2). Every bit is
// kept as received, including ones this package does not interpret.
type Options uint8

// Option bits, from the least significant (RFC 2328 A.2 and the RFCs that
// assigned the rest).
const (
	OptMT Options = 0x01 // multi-topology (RFC 4915; was the TOS bit T)
	OptE  Options = 0x02 // AS-external LSAs are flooded (RFC 2328 A.2)
	OptMC Options = 0x04 // multicast extensions (RFC 1584)
	OptNP Options = 0x08 // NSSA (RFC 3101); the P bit in type-7 LSA headers
	OptL  Options = 0x10 // link-local signaling data present (RFC 5613)
	OptDC Options = 0x20 // demand circuits (RFC 1793)
	OptO  Options = 0x40 // opaque LSAs (RFC 5250)
	OptDN Options = 0x80 // down bit, VPN loop prevention (RFC 4576)
)

// String lists the set bits, e.g. "E|O", or "0".
func (o Options) String() string {
	names := [8]string{"MT", "E", "MC", "NP", "L", "DC", "O", "DN"}
	var s []string
	for i, n := range names {
		if o&(1<<i) != 0 {
			s = append(s, n)
		}
	}
	if len(s) == 0 {
		return "0"
	}
	return strings.Join(s, "|")
}

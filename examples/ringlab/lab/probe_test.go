//go:build linux

package lab

import (
	"net/netip"
	"testing"
)

// fping pads every address to the longest of its targets' (an east-west
// source probes a server and a host address): both forms parse.
func TestParseReply_Padded(t *testing.T) {
	for _, line := range []string{
		"[1796666560.51777] 10.3.0.2     : [7], 64 bytes, 0.053 ms (0.053 avg, 0% loss)",
		"[1796666560.51777] 10.3.0.2 : [7], 64 bytes, 0.053 ms (0.053 avg, 0% loss)",
	} {
		r, a, ok := parseReply(line)
		if !ok || a != netip.MustParseAddr("10.3.0.2") || r.seq != 7 || r.t.UnixMilli() != 1796666560517 {
			t.Errorf("%q: %+v %v %v", line, r, a, ok)
		}
	}
}

package daemon

import (
	"net/netip"
	"slices"
	"testing"
)

func TestKernelUsableAndConnected(t *testing.T) {
	pfx := netip.MustParsePrefix
	k := Kernel{
		Links: map[string]Link{"lo": {1, true}, "eth0": {2, true}, "eth1": {3, true}, "eth2": {4, false}, "eth3": {5, true}},
		Addrs: map[int][]netip.Prefix{
			1: {pfx("127.0.0.1/8"), pfx("10.9.9.9/32")},
			2: {pfx("10.0.0.1/24"), pfx("10.0.1.1/24")},
			3: {pfx("192.0.2.7/24"), pfx("10.0.0.9/24")},
			4: {pfx("198.51.100.1/24")},
		},
	}
	static := pfx("10.5.0.1/30")
	for _, tc := range []struct {
		name   string
		static *netip.Prefix
		p      netip.Prefix
		why    string
	}{
		{"eth0", nil, pfx("10.0.0.1/24"), ""},
		{"eth0", &static, static, ""},
		{"eth3", nil, netip.Prefix{}, "no IPv4 address"},
		{"eth3", &static, static, ""},
		{"eth9", &static, netip.Prefix{}, "no such interface"},
	} {
		if _, p, why := k.Usable(tc.name, tc.static); p != tc.p || why != tc.why {
			t.Errorf("Usable(%s, %v) = %v, %q; want %v, %q", tc.name, tc.static, p, why, tc.p, tc.why)
		}
	}
	got := k.Connected(func(name string) bool { return name == "eth0" })
	want := []netip.Prefix{pfx("10.0.0.0/24"), pfx("10.9.9.9/32"), pfx("192.0.2.0/24")}
	if !slices.Equal(got, want) {
		t.Errorf("Connected = %v, want %v", got, want)
	}
}

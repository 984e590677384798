package main

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/vrrp"
	"github.com/switchless/routing/vrrp/packet"
)

// TestShow_ActiveActive: `ringd show` at an active-active edge lists both
// groups, the first as before and the second as "VRRP group 2".
func TestShow_ActiveActive(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "ringd.sock")
	group := func(vrid uint8, st vrrp.State, prio uint8, vip string) *VRRPView {
		return vrrpView(vrrp.Status{VRID: vrid, Version: packet.V3, State: st, Priority: prio, Master: netip.MustParseAddr("192.0.2.2"),
			Interval: 20 * time.Millisecond, VirtualAddresses: []netip.Addr{netip.MustParseAddr(vip)}})
	}
	st := Status{Node: "vr1", Role: "master edge", Profile: "fast", RouterID: netip.MustParseAddr("10.1.0.1"),
		VRRP: group(10, vrrp.Master, 200, "192.0.2.254"), VRRPSecond: group(11, vrrp.Backup, 100, "192.0.2.253")}
	stop, err := serveStatus(sock, func() Status { return st }, func() []LSAView { return nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"show", "-socket", sock}, []string{
			"VRRP: VRID 10 master, priority 200, master 192.0.2.2, VIPs [192.0.2.254]",
			"VRRP group 2: VRID 11 backup, priority 100, master 192.0.2.2, VIPs [192.0.2.253]",
		}},
		{[]string{"show", "-json", "-socket", sock}, []string{`"vrrp_second": {`, `"vrid": 11`}},
	} {
		var out, errb bytes.Buffer
		if rc := realMain(tc.args, &out, &errb); rc != 0 {
			t.Fatalf("%v: rc %d: %s", tc.args, rc, errb.String())
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%v: no %q in\n%s", tc.args, w, out.String())
			}
		}
	}
}

// TestCheck_ActiveActive: `ringd check` of an active-active ring says
// which VIP the upstream gateway must route each LAN to.
func TestCheck_ActiveActive(t *testing.T) {
	b, err := os.ReadFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	in := strings.Replace(string(b), "  vrid: 10\n", "  vrid: 10\n  second: {vip: 192.0.2.253, vrid: 11}\n", 1)
	if in == string(b) {
		t.Fatal("example.yaml has no upstream vrid: 10 line")
	}
	cfg := filepath.Join(t.TempDir(), "aa.yaml")
	if err := os.WriteFile(cfg, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if rc := realMain([]string{"check", "-config", cfg}, &out, &errb); rc != 0 {
		t.Fatalf("rc %d: %s", rc, errb.String())
	}
	for _, w := range []string{"the upstream gateway routes each server LAN to its group's VIP:", "10.1.0.0/24 via 192.0.2.254 (group 1, exits at vr1)", "10.5.0.0/24 via 192.0.2.253 (group 2, exits at vr5)"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("no %q in\n%s", w, out.String())
		}
	}
}

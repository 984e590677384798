//go:build linux

package nstest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// TestKernelRoutes: the routes of one rtm_protocol, every table, a
// multipath route's hops, an unreachable route's type, the default spelled
// 0.0.0.0/0; other protocols' routes are left out.
func TestKernelRoutes(t *testing.T) {
	a := nstest.New(t, "ntk")
	a.Stub(t, "s0", "10.9.0.1/24")
	a.Stub(t, "s1", "10.9.1.1/24")
	for _, r := range [][]string{
		{"10.8.0.0/24", "via", "10.9.0.2", "proto", "243"},
		{"10.8.0.0/24", "via", "10.9.1.2", "proto", "243", "metric", "5"}, // a second one: two entries
		{"10.7.0.0/24", "proto", "243", "nexthop", "via", "10.9.1.2", "nexthop", "via", "10.9.0.2"},
		{"default", "via", "10.9.0.2", "proto", "243", "table", "7"},
		{"unreachable", "10.6.0.0/24", "proto", "243", "metric", "65535"},
		{"10.5.0.0/24", "via", "10.9.0.2", "proto", "static"},
	} {
		a.Exec(t, "ip", append([]string{"route", "add"}, r...)...)
	}
	rs, err := a.KernelRoutes("243")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.String())
	}
	want := []string{
		"0.0.0.0/0 [10.9.0.2@s0] proto 243 metric 0 table 7",
		"10.7.0.0/24 [10.9.0.2@s0 10.9.1.2@s1] proto 243 metric 0 table main",
		"10.8.0.0/24 [10.9.0.2@s0] proto 243 metric 0 table main",
		"10.8.0.0/24 [10.9.1.2@s1] proto 243 metric 5 table main",
		"unreachable 10.6.0.0/24 [@] proto 243 metric 65535 table main",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("KernelRoutes(243):\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rs, err := a.KernelRoutes("244"); err != nil || len(rs) != 0 {
		t.Errorf("KernelRoutes(244) = %v, %v; want none", rs, err)
	}
}

// TestTerminate: SIGTERM, the exit status, and a second call (or Stop)
// acting no more.
func TestTerminate(t *testing.T) {
	a := nstest.New(t, "ntt")
	p := a.Start(t, "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.05; done")
	time.Sleep(200 * time.Millisecond) // the trap is set
	if err := p.Terminate(5 * time.Second); err != nil {
		t.Errorf("Terminate = %v, want exit 0", err)
	}
	p.Stop()
	q := a.Start(t, "sh", "-c", "trap 'exit 3' TERM; while :; do sleep 0.05; done")
	time.Sleep(200 * time.Millisecond)
	if err := q.Terminate(5 * time.Second); err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("Terminate = %v, want exit status 3", err)
	}
	if err := q.Terminate(time.Second); err == nil {
		t.Error("a second Terminate forgot the exit status")
	}
}

func TestAbsent(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "x.sock")
	if err := nstest.Absent(f); err != nil {
		t.Errorf("Absent of a missing file: %v", err)
	}
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := nstest.Absent(f, filepath.Join(dir, "y")); err == nil || !strings.Contains(err.Error(), "x.sock is left behind") {
		t.Errorf("Absent of a present file: %v", err)
	}
}

func TestFRRRouteAge(t *testing.T) {
	for in, want := range map[string]time.Duration{"00:00:07": 7 * time.Second, "01:02:03": time.Hour + 2*time.Minute + 3*time.Second, "1d02h03m": -1, "": -1} {
		if got := (nstest.FRRRoute{Uptime: in}).Age(); got != want {
			t.Errorf("Age(%q) = %v, want %v", in, got, want)
		}
	}
}

//go:build linux

package nstest

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RejectedReload is the "an invalid file changes nothing" half of a
// daemon's reload test: it writes body to conf, sends p a SIGHUP, and
// waits (10 s) until p logs one more "configuration rejected" than
// before, naming conf with a line number ("conf:LINE:"). Then unchanged,
// the test's own view of the running state (kernel routes, the peer's
// database, show config), must still hold: it is checked once at once
// and once more a second later, so that a rejection followed by a late
// change shows.
func RejectedReload(t testing.TB, p *Proc, conf, body string, unchanged func() error) {
	t.Helper()
	unappliedReload(t, p, conf, body, "configuration rejected", regexp.QuoteMeta(conf)+`:\d+:`, unchanged)
}

// RestartRequiredReload is RejectedReload for a valid file that changes
// what the daemon cannot apply in place: it waits for one more
// "configuration not applied" log line than before, which must match
// field (a regular expression, such as `router_id`) and say "restart
// required", then checks unchanged as RejectedReload does.
func RestartRequiredReload(t testing.TB, p *Proc, conf, body, field string, unchanged func() error) {
	t.Helper()
	unappliedReload(t, p, conf, body, "configuration not applied", field+`.*restart required|restart required.*`+field, unchanged)
}

func unappliedReload(t testing.TB, p *Proc, conf, body, rejected, want string, unchanged func() error) {
	t.Helper()
	before := strings.Count(p.Output(), rejected)
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(p.Pid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	wantRE := regexp.MustCompile(want)
	Eventually(t, 10*time.Second, func() error {
		out := p.Output()
		if strings.Count(out, rejected) <= before {
			return fmt.Errorf("no %q logged after the SIGHUP:\n%s", rejected, out)
		}
		last := out[strings.LastIndex(out, rejected):]
		if line, _, _ := strings.Cut(last, "\n"); !wantRE.MatchString(line) {
			t.Fatalf("the log line does not match %s: %s", want, line)
		}
		return nil
	})
	for i := range 2 {
		if err := unchanged(); err != nil {
			t.Fatalf("after a rejected reload: %v", err)
		}
		if i == 0 {
			time.Sleep(time.Second)
		}
	}
}

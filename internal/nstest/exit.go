//go:build linux

package nstest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// KernelRoute is one route of `ip -j route show`.
type KernelRoute struct {
	// Type is "" for a unicast route, else iproute2's word for it
	// ("unreachable", "blackhole").
	Type     string          `json:"type,omitempty"`
	Dst      string          `json:"dst"`
	Gateway  string          `json:"gateway,omitempty"`
	Dev      string          `json:"dev,omitempty"`
	Protocol string          `json:"protocol,omitempty"`
	Metric   int             `json:"metric,omitempty"`
	Table    string          `json:"table,omitempty"`
	Nexthops []KernelNextHop `json:"nexthops,omitempty"`
}

// KernelNextHop is one next hop of a multipath KernelRoute.
type KernelNextHop struct {
	Gateway string `json:"gateway,omitempty"`
	Dev     string `json:"dev,omitempty"`
}

// Hops returns the route's next hops as "GATEWAY@DEV" ("@DEV" when
// direct), sorted: its single hop, or each of a multipath route's.
func (r KernelRoute) Hops() []string {
	var out []string
	if len(r.Nexthops) == 0 {
		out = append(out, r.Gateway+"@"+r.Dev)
	}
	for _, h := range r.Nexthops {
		out = append(out, h.Gateway+"@"+h.Dev)
	}
	slices.Sort(out)
	return out
}

// String is the route on one line: "[TYPE ]DST [HOPS] proto P metric M
// table T".
func (r KernelRoute) String() string {
	typ := ""
	if r.Type != "" {
		typ = r.Type + " "
	}
	return fmt.Sprintf("%s%s %v proto %s metric %d table %s", typ, r.Dst, r.Hops(), r.Protocol, r.Metric, r.Table)
}

// KernelRoutes returns the IPv4 routes of rtm_protocol proto (a number
// or an iproute2 name: "243", "ospf") in every table of the namespace,
// sorted by String; the default route's Dst is "0.0.0.0/0". Two routes to one destination (a duplicate left by a
// previous run at another metric) are two entries.
func (ns *NS) KernelRoutes(proto string) ([]KernelRoute, error) {
	out, err := ns.Try("ip", "-j", "-4", "route", "show", "table", "all", "proto", proto)
	if err != nil {
		return nil, err
	}
	var rs []KernelRoute
	if strings.TrimSpace(out) == "" {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		return nil, fmt.Errorf("ip -j route show in %s: %w: %s", ns.name, err, out)
	}
	for i := range rs {
		// With a filter, ip leaves out what it filters on.
		if rs[i].Table == "" {
			rs[i].Table = "main"
		}
		if rs[i].Protocol == "" {
			rs[i].Protocol = proto
		}
		if rs[i].Dst == "default" { // as netip.Prefix spells it
			rs[i].Dst = "0.0.0.0/0"
		}
	}
	slices.SortFunc(rs, func(a, b KernelRoute) int { return strings.Compare(a.String(), b.String()) })
	return rs, nil
}

// Signal sends sig to the process.
func (p *Proc) Signal(sig syscall.Signal) error {
	return p.cmd.Process.Signal(sig)
}

// Terminate sends SIGTERM and waits up to timeout for the exit. It
// returns the wait error (nil for exit status 0), or, when the process
// did not exit in time, SIGKILLs it and says so. Like Stop and Kill it
// acts once: on a process already stopped it returns its wait error.
func (p *Proc) Terminate(timeout time.Duration) error {
	var late error
	p.once.Do(func() {
		select {
		case <-p.done:
			return
		default:
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(timeout):
			_ = p.cmd.Process.Kill()
			<-p.done
			late = fmt.Errorf("no exit %v after SIGTERM (killed)", timeout)
		}
	})
	<-p.done
	return errors.Join(late, p.err)
}

// UnchangedReload sends p a SIGHUP with its configuration file untouched
// and waits (10 s) until it logs one more "reload: configuration
// unchanged" (daemon.NextConfig) than before. It fails the test if p
// exits meanwhile.
func UnchangedReload(t testing.TB, p *Proc) {
	t.Helper()
	const unchanged = "reload: configuration unchanged"
	before := strings.Count(p.Output(), unchanged)
	if err := p.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	Eventually(t, 10*time.Second, func() error {
		if done, err := p.Exited(); done {
			t.Fatalf("SIGHUP ended the process (%v):\n%s", err, p.Output())
		}
		if strings.Count(p.Output(), unchanged) <= before {
			return fmt.Errorf("no %q logged after the SIGHUP", unchanged)
		}
		return nil
	})
}

// TerminatedClean is the "SIGTERM leaves nothing behind" half of a
// daemon's exit test: p gets SIGTERM and must exit with status 0 within
// timeout, and then ns's kernel must hold no route of rtm_protocol proto
// and none of paths (the status socket, its lock) may remain. Failures
// are reported with t.Errorf, so that the caller's checks of its peer
// still run.
func TerminatedClean(t testing.TB, p *Proc, timeout time.Duration, ns *NS, proto string, paths ...string) {
	t.Helper()
	if err := p.Terminate(timeout); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	if rs, err := ns.KernelRoutes(proto); err != nil {
		t.Error(err)
	} else if len(rs) != 0 {
		t.Errorf("routes of protocol %s left in %s's kernel: %v", proto, ns.name, rs)
	}
	if err := Absent(paths...); err != nil {
		t.Error(err)
	}
}

// RoutesVia returns the routes of rtm_protocol proto in the namespace's
// kernel whose gateway is gw: those of a peer that still routes through
// a daemon that stopped.
func (ns *NS) RoutesVia(proto, gw string) ([]KernelRoute, error) {
	rs, err := ns.KernelRoutes(proto)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(rs, func(r KernelRoute) bool { return r.Gateway != gw }), nil
}

// Absent returns an error naming every path that exists: what an exit
// must not leave behind (a status socket, its lock file).
func Absent(paths ...string) error {
	var errs []error
	for _, p := range paths {
		if _, err := os.Lstat(p); err == nil {
			errs = append(errs, fmt.Errorf("%s is left behind", p))
		} else if !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// AwaitRestart waits, up to timeout, until the restarted daemon p has
// logged running (its "ospfd running" line: before it, the dead run's
// routes are still in the kernel and look converged) and converged
// holds, failing at once if p exits; then it checks that p reclaimed the
// dead run's routes ("reclaimed routes of a previous run").
func AwaitRestart(t testing.TB, p *Proc, running string, timeout time.Duration, converged func() error) {
	t.Helper()
	Eventually(t, timeout, func() error {
		if done, err := p.Exited(); done {
			t.Fatalf("the restart exited: %v\n%s", err, p.Output())
		}
		if !strings.Contains(p.Output(), running) {
			return fmt.Errorf("the restart is not running yet")
		}
		return converged()
	})
	if !strings.Contains(p.Output(), "reclaimed routes of a previous run") {
		t.Errorf("the restart did not reclaim the dead run's routes")
	}
}

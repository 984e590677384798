//go:build linux

package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/switchless/routing/internal/labns"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Lab is the paper's two campuses in namespaces.
type Lab struct {
	opt   Options
	id    string
	out   io.Writer
	epoch time.Time

	routers [2]*host // r1, r2
	servers [2]*host // a, b
	clients [2]*host // c1, c2
	all     []*labns.NS
	cables  []cable
	stack   stack
	probes  [2]*prober

	mu sync.Mutex
}

// host is one namespace and what the lab runs in it.
type host struct {
	name  string
	ns    *labns.NS
	dir   string
	addr  netip.Addr // its address on its LAN (servers, clients)
	gw    netip.Addr // its router's address on that LAN
	procs map[string]*labns.Proc
}

type cable struct {
	a  *labns.NS
	an string
	b  *labns.NS
	bn string
}

// Run builds the lab, starts the routers, the services and the stack,
// waits for the campuses to reach their home servers, runs the faults and
// tears everything down.
func Run(ctx context.Context, opt Options) (results []Result, err error) {
	if opt.Faults == nil {
		opt.Faults = Faults
	}
	if opt.Timers == (RIPTimers{}) {
		opt.Timers = Fast
	}
	if opt.Settle == 0 {
		opt.Settle = 6 * time.Second
	}
	if opt.StepTimeout == 0 {
		opt.StepTimeout = 60*time.Second + 3*opt.Timers.Timeout + opt.Settle
	}
	if opt.Prefix == "" {
		opt.Prefix = "al"
	}
	if opt.Out == nil {
		opt.Out = io.Discard
	}
	if opt.Helper == "" {
		return nil, errors.New("lab: Options.Helper: a binary with the serve subcommand is required")
	}
	if opt.Stack == Ours && opt.Anycastd == "" {
		return nil, errors.New("lab: Options.Anycastd: the anycastd binary is required")
	}
	l := &Lab{opt: opt, out: opt.Out}
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	l.id = hex.EncodeToString(b[:])
	if opt.Dir == "" {
		dir, err := os.MkdirTemp("", "anycastlab-"+l.id+"-")
		if err != nil {
			return nil, err
		}
		l.opt.Dir = dir
		if !opt.Keep {
			defer os.RemoveAll(dir)
		}
	}
	// FRR drops privileges: its directories must be reachable.
	if err := os.Chmod(l.opt.Dir, 0o777); err != nil {
		return nil, err
	}
	if opt.Stack == Reference {
		l.stack, err = newReference(l)
	} else {
		l.stack = &ours{l: l}
	}
	if err != nil {
		return nil, err
	}
	frr, err := newFRRBins()
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, l.teardown()) }()
	l.epoch = time.Now()
	l.logf("building the two campuses in namespaces %s%s-* (%s, %s: MA=%d MB=%d), files in %s", l.opt.Prefix, l.id, opt.Stack, opt.Mode,
		first(opt.Mode.Metrics()), second(opt.Mode.Metrics()), l.opt.Dir)
	if err := l.build(); err != nil {
		return nil, err
	}
	for _, r := range l.routers {
		if err := startRouter(l, frr, r); err != nil {
			return nil, err
		}
	}
	for i, s := range l.servers {
		if err := l.startService(i); err != nil {
			return nil, err
		}
		if err := l.stack.prepare(i, s); err != nil {
			return nil, err
		}
		if err := l.stack.start(i, s); err != nil {
			return nil, err
		}
	}
	for i, c := range l.clients {
		if l.probes[i], err = startProber(c.ns); err != nil {
			return nil, err
		}
	}
	home := opt.Mode.Home()
	res := l.step(ctx, "start", "both servers up", home, 0, func() error { return nil })
	results = append(results, res)
	if !res.Settled {
		return results, fmt.Errorf("lab: the campuses did not reach %v within %v", home, opt.StepTimeout)
	}
	if o, ok := l.stack.(*ours); ok {
		if err := o.waitRIPQuiet(ctx, opt.StepTimeout); err != nil {
			return results, err
		}
	}
	away := [2]string{"b", "b"}
	for _, f := range opt.Faults {
		if ctx.Err() != nil {
			return results, ctx.Err()
		}
		results = append(results, l.step(ctx, f.ID, f.Name, away, l.hold(f.ID), func() error { return l.fault(f.ID) }))
		if ctx.Err() != nil {
			return results, ctx.Err()
		}
		res := l.step(ctx, f.Undo, f.UndoName, home, 0, func() error { return l.fault(f.Undo) })
		results = append(results, res)
		if !res.Settled {
			return results, fmt.Errorf("lab: %s: the campuses did not come back to %v", f.Undo, home)
		}
	}
	return results, nil
}

func first(a, _ uint32) uint32  { return a }
func second(_, b uint32) uint32 { return b }

// fault applies a scenario step to server a.
func (l *Lab) fault(id string) error {
	a := l.servers[0]
	switch id {
	case "stop":
		a.procs["smtp"].Kill()
		return nil
	case "return":
		return l.startService(0)
	case "kill":
		l.stack.kill(0, a)
		return nil
	case "restart":
		return l.stack.start(0, a)
	case "poweroff":
		if err := l.blackhole(a.ns, true); err != nil {
			return err
		}
		return a.ns.SignalAll(syscall.SIGSTOP)
	case "boot":
		// Stopped processes die on SIGKILL; the machine comes back with
		// its cables clear and everything started afresh.
		_ = a.ns.SignalAll(syscall.SIGKILL)
		for _, p := range a.procs {
			p.Kill()
		}
		if err := l.blackhole(a.ns, false); err != nil {
			return err
		}
		if err := l.stack.reboot(0, a); err != nil {
			return err
		}
		if err := l.startService(0); err != nil {
			return err
		}
		return l.stack.start(0, a)
	case "drain":
		return l.stack.drain(0, a, true)
	case "undrain":
		return l.stack.drain(0, a, false)
	}
	return fmt.Errorf("lab: unknown step %q", id)
}

// hold is how long a step lasts at least: a drain its whole drain_time
// and a second, so that its withdrawal and the removal of the alias at
// the end fall inside the step and their losses are counted.
func (l *Lab) hold(id string) time.Duration {
	if id == "drain" {
		return drainTime(l.opt.Timers) + time.Second
	}
	return 0
}

// quiet is how long the start step must see both campuses steady: 6 s,
// past FRR's damping of triggered updates (up to 5 s after the last one,
// RFC 2453 §3.10.1), so that the first fault meets a network at rest.
const quiet = 6 * time.Second

// step applies do and waits until both clients reach want and keep
// reaching it for the settle time, and at least hold has passed, or the
// step's timeout.
func (l *Lab) step(ctx context.Context, id, name string, want [2]string, hold time.Duration, do func() error) Result {
	r := Result{Stack: l.opt.Stack, Mode: l.opt.Mode, ID: id, Name: name}
	t0 := time.Now()
	l.logf("%s: %s", id, name)
	if err := do(); err != nil {
		l.logf("%s: %v", id, err)
	}
	deadline := t0.Add(l.opt.StepTimeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		now := time.Now()
		ok := now.Sub(t0) >= hold
		for i, p := range l.probes {
			settle := l.opt.Settle
			if id == "start" {
				settle = max(settle, quiet)
			}
			if !settled(p.snapshot(t0), t0, now, settle, want[i]) {
				ok = false
			}
		}
		if ok {
			r.Settled = true
			break
		}
		if now.After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
	r.Took = time.Since(t0)
	for i, p := range l.probes {
		r.Campus[i] = analyze(p.snapshot(t0), t0, want[i])
	}
	l.logf("%s: %s", id, formatCampuses(r))
	return r
}

// startService starts server i's SMTP stand-in on every address, port 25.
func (l *Lab) startService(i int) error {
	s := l.servers[i]
	p, err := labns.Start(s.ns, filepath.Join(s.dir, "smtp.log"), l.opt.Helper, "serve", "-name", s.name, "-listen", fmt.Sprintf(":%d", Port))
	if err != nil {
		return err
	}
	s.procs["smtp"] = p
	return nil
}

// logf prints a timeline line: seconds since the lab started, then text.
func (l *Lab) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.out, "%9.3fs  %s\n", time.Since(l.epoch).Seconds(), fmt.Sprintf(format, args...))
}

// teardown stops the probes and every process, and deletes the
// namespaces.
func (l *Lab) teardown() error {
	for _, p := range l.probes {
		if p != nil {
			p.stop()
		}
	}
	var errs []error
	for _, h := range append(append(l.servers[:], l.routers[:]...), l.clients[:]...) {
		if h == nil {
			continue
		}
		if h.ns != nil {
			// A stopped (powered-off) namespace: SIGKILL ends it.
			_ = h.ns.SignalAll(syscall.SIGCONT)
		}
		for name, p := range h.procs {
			p.Stop(5 * time.Second)
			if p.Err != nil && !strings.Contains(p.Err.Error(), "signal: killed") && !strings.Contains(p.Err.Error(), "signal: terminated") {
				errs = append(errs, fmt.Errorf("%s on %s: %v (log %s)", name, h.name, p.Err, p.Log.Name()))
			}
		}
		if h.ns != nil {
			_ = h.ns.SignalAll(syscall.SIGKILL)
		}
	}
	for i := len(l.all) - 1; i >= 0; i-- {
		l.all[i].Del()
	}
	return errors.Join(errs...)
}

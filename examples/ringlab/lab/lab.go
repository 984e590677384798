//go:build linux

package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/switchless/routing/internal/labns"
	"github.com/switchless/routing/ring"
)

// Lab is one ring in namespaces.
type Lab struct {
	opt   Options
	spec  ring.Spec
	plan  ring.Plan
	id    string
	out   io.Writer
	epoch time.Time

	nodes   []*node
	servers []*server
	targets []*target // what the probes measure
	// gw and up are the gateway's and the upstream LAN's namespaces,
	// nil without uplink.
	gw, up *labns.NS
	all    []*labns.NS
	stack  stack
	probe  *prober
	// services are the anycast replicas' listeners (S5), stopBanner
	// ends the probe of their VIP.
	services   []*service
	stopBanner func()

	ifIndex int     // the next interface index to give
	cables  []cable // every veth pair, to freeze a node's

	mu sync.Mutex
}

// cable is a veth pair: a's interface an to b's bn.
type cable struct {
	a  *labns.NS
	an string
	b  *labns.NS
	bn string
}

// node is one ring node's namespace and daemons.
type node struct {
	cfg   ring.NodeConfig
	ns    *labns.NS
	dir   string
	procs []*labns.Proc // running daemons
	down  bool
	// staleWorker is keepalived's VRRP worker the last kill ended, until
	// a start has seen it reaped (FRR stack).
	staleWorker int
}

func (n *node) ifnames() []string {
	var out []string
	for _, ifc := range n.cfg.Interfaces {
		out = append(out, ifc.Name)
	}
	return out
}

// server is one host on a node's LAN.
type server struct {
	name, node string
	addr       netip.Addr
	ns         *labns.NS
}

// Run builds the lab, runs the scenarios and tears everything down.
func Run(ctx context.Context, opt Options) (results []Result, err error) {
	if opt.N == 0 {
		opt.N = 5
	}
	if opt.N < 3 || opt.N > 50 {
		return nil, fmt.Errorf("lab: %d nodes: the lab builds rings of 3 to 50", opt.N)
	}
	if opt.Prefix == "" {
		opt.Prefix = "rl"
	}
	if opt.Settle == 0 {
		// FRR's LSA throttle holds originations up to 5 s.
		opt.Settle = max(6*time.Second, opt.Profile.QuietTime())
	}
	if opt.Out == nil {
		opt.Out = io.Discard
	}
	if opt.Stack == Ours && opt.Ringd == "" {
		return nil, errors.New("lab: Options.Ringd: the ringd binary is required")
	}
	l := &Lab{opt: opt, out: opt.Out, spec: opt.Spec()}
	l.plan, err = ring.PlanCosts(l.spec)
	if err != nil {
		return nil, err
	}
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	l.id = hex.EncodeToString(b[:])
	// Interface indexes: a block of this run's own, distinct from every
	// other interface of the lab (the kernel batches link events of
	// devices whose index coincides with their peer's).
	l.ifIndex = 10000 + mrand.IntN(500)*100
	if opt.Dir == "" {
		opt.Dir, err = os.MkdirTemp("", "ringlab-"+l.id+"-")
		if err != nil {
			return nil, err
		}
		l.opt.Dir = opt.Dir
		if !opt.Keep {
			defer os.RemoveAll(opt.Dir)
		}
	}
	// FRR and keepalived drop privileges: their directories must be
	// reachable by their users.
	if err := os.Chmod(opt.Dir, 0o777); err != nil {
		return nil, err
	}
	switch opt.Stack {
	case FRR:
		l.stack, err = newFRR(l)
	default:
		l.stack = &ours{l: l}
	}
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, l.teardown()) }()
	l.epoch = time.Now()
	what := "ring"
	if !l.uplink() {
		what = "ring without uplink"
	}
	l.logf("building a %d-node %s in namespaces %s%s-* (%s, profile %v), files in %s", opt.N, what, opt.Prefix, l.id, l.stack.describe(), opt.Profile, opt.Dir)
	if err := l.build(); err != nil {
		return nil, err
	}
	l.buildTargets()
	for _, n := range l.nodes {
		if err := l.stack.prepare(n); err != nil {
			return nil, err
		}
	}
	if l.probe, err = startProber(l); err != nil {
		return nil, err
	}
	if err := l.setupAnycast(); err != nil {
		return nil, err
	}
	if len(l.services) > 0 {
		if l.stopBanner, err = startBannerProbe(l, l.probe, l.spec.Anycast.VIP); err != nil {
			return nil, err
		}
	}
	return l.runSteps(ctx)
}

// uplink reports whether the ring has an upstream LAN.
func (l *Lab) uplink() bool { return l.spec.Upstream.Prefix.IsValid() }

// logf prints a timeline line: seconds since the lab started, then text.
func (l *Lab) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.out, "%9.3fs  %s\n", time.Since(l.epoch).Seconds(), fmt.Sprintf(format, args...))
}

// teardown stops every daemon and the prober, and deletes the namespaces.
func (l *Lab) teardown() error {
	var errs []error
	if l.stopBanner != nil {
		l.stopBanner()
	}
	if l.probe != nil {
		l.probe.stop()
	}
	for _, s := range l.services {
		errs = append(errs, s.stop())
	}
	var wg sync.WaitGroup
	for _, n := range l.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if n.down {
				// Crashed (nothing left to stop) or frozen (stopped
				// processes would not act on SIGTERM).
				l.stack.kill(n)
				return
			}
			l.stack.stop(n)
		}()
	}
	wg.Wait()
	for _, n := range l.nodes {
		if !n.down && len(n.procs) > 0 {
			errs = append(errs, l.stack.leftovers(n))
		}
		for _, p := range n.procs {
			if p.Exited() && p.Err != nil && !strings.Contains(p.Err.Error(), "signal: killed") {
				errs = append(errs, fmt.Errorf("%s on %s: %v (log %s)", filepath.Base(p.Name), n.cfg.Name, p.Err, p.Log.Name()))
			}
		}
	}
	for i := len(l.all) - 1; i >= 0; i-- {
		l.all[i].Del()
	}
	return errors.Join(errs...)
}

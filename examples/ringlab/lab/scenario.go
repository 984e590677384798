//go:build linux

package lab

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/switchless/routing/internal/labns"
	"github.com/switchless/routing/ring"
)

// step is one scenario.
type step struct {
	id, name string
	// victim is the node the step takes down or brings back: its
	// servers do not count in the outage.
	victim string
	limit  time.Duration
	why    string
	fault  func() error
}

// busiestInner returns the inner node the most nodes' default paths
// cross, and the ring link between it and the master edge's side of its
// path (as ring.Sim chooses them).
func (l *Lab) busiestInner() (int, int) {
	n := len(l.nodes)
	p := l.plan
	if !l.uplink() {
		// Every node is inner and the ring is symmetric: the second
		// node and its east link, as ring.Sim takes them.
		return 1, 1
	}
	best, bestCount := -1, -1
	for c := range n {
		if p.Nodes[c].Role != ring.Inner {
			continue
		}
		count := 0
		for i := range n {
			for k, hops := i, 0; k != p.Master && hops < n; hops++ {
				if k == c {
					count++
					break
				}
				if p.Nodes[k].Toward == ring.East {
					k = (k + 1) % n
				} else {
					k = (k - 1 + n) % n
				}
			}
		}
		if count > bestCount {
			best, bestCount = c, count
		}
	}
	link := best
	if p.Nodes[best].Toward == ring.West {
		link = (best - 1 + n) % n
	}
	return best, link
}

func (l *Lab) steps() []step {
	lim, _ := Limits(l.spec) // the spec was built already
	if l.opt.Stack != Ours {
		lim = nil // FRR's timers are not ours: figures only
	}
	m := ""
	if l.uplink() {
		m = l.nodes[l.plan.Master].cfg.Name
	}
	inner, link := l.busiestInner()
	in := l.nodes[inner].cfg.Name
	a, b := l.nodes[link], l.nodes[(link+1)%len(l.nodes)]
	linkName := a.cfg.Name + "-" + b.cfg.Name
	mk := func(id, name, victim string, f func() error) step {
		return step{id: id, name: name, victim: victim, limit: lim[id].Limit, why: lim[id].Why, fault: f}
	}
	steps := []step{
		mk("S0", "cold start", "", l.startAll),
		mk("S1", m+" (VRRP master) dies", m, func() error { return l.crash(m) }),
		mk("S4", m+" returns and preempts", m, func() error { return l.reboot(m) }),
		mk("S2", in+" (not an edge) dies", in, func() error { return l.crash(in) }),
		mk("S2r", in+" returns", in, func() error { return l.reboot(in) }),
		mk("S3", "ring link "+linkName+" cut", "", func() error { return a.ns.SetLinks(false, ring.IfEast) }),
		mk("S3r", "ring link "+linkName+" restored", "", func() error { return a.ns.SetLinks(true, ring.IfEast) }),
		mk("S1f", m+" (VRRP master) freezes, links up", m, func() error { return l.freeze(m) }),
		mk("S4f", m+" reboots and preempts", m, func() error { return l.rebootFrozen(m) }),
		mk("S2f", in+" (not an edge) freezes, links up", in, func() error { return l.freeze(in) }),
		mk("S2fr", in+" reboots", in, func() error { return l.rebootFrozen(in) }),
	}
	if !l.uplink() {
		// No edges, no VRRP: the simulator's steps without uplink.
		steps = slices.DeleteFunc(steps, func(st step) bool { return slices.Contains([]string{"S1", "S4", "S1f", "S4f"}, st.id) })
	}
	if len(l.services) > 0 {
		svc := l.services[0]
		steps = append(steps,
			mk("S5", "anycast service on "+svc.name+" stops", "", svc.stop),
			mk("S5r", "anycast service on "+svc.name+" returns", "", svc.start))
	}
	return steps
}

// counts reports whether target t counts in step id: the anycast VIP in
// S5 and S5r only, where its outage is the point.
func counts(t *target, id string) bool {
	return !t.anycast || id == "S5" || id == "S5r"
}

// live reports whether every node behind target t is running.
func (l *Lab) live(t *target) bool {
	for _, n := range t.nodes {
		if l.node(n).down {
			return false
		}
	}
	return true
}

// freeze hangs a node as a machine that stops dead would: every process
// in its namespace stopped (SIGSTOP: the namespace is the lab's, so they
// are all the lab's), and nothing crossing its cables either way (a
// blackhole qdisc on both ends of each: its kernel neither forwards nor
// answers), while every link stays up and carries carrier. Only the
// neighbours' dead intervals and the backup edge's Master_Down_Interval
// can tell.
func (l *Lab) freeze(name string) error {
	n := l.node(name)
	n.down = true
	if err := l.blackhole(n, true); err != nil {
		return err
	}
	return n.ns.SignalAll(syscall.SIGSTOP)
}

// rebootFrozen reboots a frozen node: its stopped daemons killed (SIGKILL
// ends stopped processes too), its cables carrying again, and then a
// fresh boot as in reboot.
func (l *Lab) rebootFrozen(name string) error {
	n := l.node(name)
	l.stack.kill(n)
	if err := l.blackhole(n, false); err != nil {
		return err
	}
	return l.reboot(name)
}

// blackhole puts (or removes) a blackhole root qdisc on both ends of
// every cable of n.
func (l *Lab) blackhole(n *node, on bool) error {
	var errs []error
	set := func(ns *labns.NS, dev string) {
		args := []string{"qdisc", "del", "dev", dev, "root"}
		if on {
			args = []string{"qdisc", "replace", "dev", dev, "root", "blackhole"}
		}
		if _, err := ns.Exec("tc", args...); err != nil {
			errs = append(errs, err)
		}
	}
	for _, c := range l.cables {
		if c.a == n.ns || c.b == n.ns {
			set(c.a, c.an)
			set(c.b, c.bn)
		}
	}
	return errors.Join(errs...)
}

// startAll starts every node's daemons at once.
func (l *Lab) startAll() error {
	var wg sync.WaitGroup
	errs := make([]error, len(l.nodes))
	for i, n := range l.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = l.stack.start(n)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// crash kills a node's daemons (SIGKILL) and sets all its interfaces
// down, as a dying machine would.
func (l *Lab) crash(name string) error {
	n := l.node(name)
	l.stack.kill(n)
	n.down = true
	return n.ns.SetLinks(false, n.ifnames()...)
}

// reboot brings a crashed node back: a fresh boot holds no VIP, its
// interfaces come up, its daemons start.
func (l *Lab) reboot(name string) error {
	n := l.node(name)
	if n.cfg.IsEdge() {
		_ = n.ns.IP("addr", "del", l.spec.Upstream.VIP.String()+"/32", "dev", ring.IfUpstream)
	}
	if err := n.ns.SetLinks(true, n.ifnames()...); err != nil {
		return err
	}
	n.down = false
	return l.stack.start(n)
}

// runSteps runs the selected steps in order.
func (l *Lab) runSteps(ctx context.Context) ([]Result, error) {
	var out []Result
	for _, st := range l.steps() {
		if st.id != "S0" && len(l.opt.Steps) > 0 && !slices.Contains(l.opt.Steps, st.id) {
			continue
		}
		r, err := l.runStep(ctx, st)
		if err != nil {
			return out, fmt.Errorf("%s: %w", st.id, err)
		}
		out = append(out, r)
		if err := l.checkDaemons(); err != nil {
			return out, fmt.Errorf("after %s: %w", st.id, err)
		}
	}
	return out, nil
}

// checkDaemons reports daemons of running nodes that exited.
func (l *Lab) checkDaemons() error {
	var errs []error
	for _, n := range l.nodes {
		if n.down {
			continue
		}
		for _, p := range n.procs {
			if p.Exited() {
				errs = append(errs, fmt.Errorf("%s on %s exited: %v (log %s)", p.Name, n.cfg.Name, p.Err, p.Log.Name()))
			}
		}
	}
	return errors.Join(errs...)
}

// runStep injects the fault and watches the probes until every target
// whose nodes are running has answered for the settle time, or for at
// most a minute past that.
func (l *Lab) runStep(ctx context.Context, st step) (Result, error) {
	res := Result{ID: st.id, Name: st.name, Limit: st.limit, Why: st.why}
	t0 := time.Now()
	baseline := map[string]bool{}
	for _, tg := range l.targets {
		res.EastWestProbed = res.EastWestProbed || tg.eastWest
		res.GatewayProbed = res.GatewayProbed || !tg.eastWest
		if st.id == "S0" || tg.on(st.victim) || !counts(tg, st.id) {
			continue
		}
		if rs := l.probe.since(tg.name, t0.Add(-200*time.Millisecond)); len(rs) > 0 {
			baseline[tg.name] = true
		}
	}
	l.logf("==== %s: %s", st.id, st.name)
	if err := st.fault(); err != nil {
		return res, err
	}
	deadline := t0.Add(l.opt.Settle + time.Minute)
	var live []*target
	for _, tg := range l.targets {
		if l.live(tg) && counts(tg, st.id) {
			live = append(live, tg)
		}
	}
	// A step that heals the ring ends only once the daemons say it is
	// whole (and the probes have been clean for the settle time since),
	// so that a late takeover, such as the returning master edge
	// preempting, falls inside the step that caused it.
	heals := l.healed()
	var wholeAt, lastCheck time.Time
	var wholeErr error
	var now time.Time
	for {
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		now = time.Now()
		if heals && wholeAt.IsZero() && now.Sub(lastCheck) >= 500*time.Millisecond {
			lastCheck = now
			if wholeErr = l.whole(); wholeErr == nil {
				wholeAt = now
			}
		}
		from := t0
		if heals {
			from = wholeAt
		}
		if (!from.IsZero() && l.settled(live, t0, from, now)) || now.After(deadline) {
			break
		}
	}
	if heals {
		if wholeAt.IsZero() {
			res.Unreachable = append(res.Unreachable, fmt.Sprintf("ring not whole: %v", wholeErr))
		} else {
			res.Healed = wholeAt.Sub(t0)
		}
	}
	var latest time.Time
	res.Reachable = len(res.Unreachable) == 0
	for _, tg := range live {
		m := l.probe.measure(tg.name, t0, now)
		if !m.ok || now.Sub(m.start) < l.opt.Settle {
			res.Reachable = false
			res.Unreachable = append(res.Unreachable, tg.name)
		}
		if m.recovered.After(latest) {
			latest = m.recovered
		}
		if st.id == "S0" && m.first.After(latest) {
			latest = m.first
		}
		for _, g := range m.losses {
			if g.to.IsZero() {
				l.logf("     %s: no reply since %+.3fs", tg.name, g.from.Sub(t0).Seconds())
			} else {
				l.logf("     %s: %d probes lost from %+.3fs", tg.name, g.probes, g.from.Sub(t0).Seconds())
			}
		}
		// Without uplink the east-west probes are the only ones: they
		// are the outage too, as in ring.Result.
		gateway := !tg.eastWest || !l.uplink()
		if st.id == "S0" {
			d, why := now.Sub(t0), tg.name+" never answered"
			if !m.first.IsZero() {
				d, why = m.first.Sub(t0), tg.name+" answered last"
			}
			if gateway && d > res.Outage {
				res.Outage, res.Worst = d, why
			}
			if tg.eastWest && d > res.EastWest {
				res.EastWest, res.EastWestWorst = d, why
			}
			continue
		}
		if !baseline[tg.name] {
			continue
		}
		why := fmt.Sprintf("%s from %+.3fs", tg.name, m.at.Sub(t0).Seconds())
		if gateway && m.lost > res.Outage {
			res.Outage, res.Worst = m.lost, why
		}
		if tg.eastWest && m.lost > res.EastWest {
			res.EastWest, res.EastWestWorst = m.lost, why
		}
	}
	if !latest.IsZero() {
		res.Converged = max(latest.Sub(t0), 0)
	}
	sort.Strings(res.Unreachable)
	verdict := "every target reachable"
	if !res.Reachable {
		verdict = "UNREACHABLE: " + strings.Join(res.Unreachable, ", ")
	}
	ew := ""
	if res.EastWestProbed && l.uplink() {
		ew = fmt.Sprintf(", east-west %v (%s)", res.EastWest.Round(time.Millisecond), res.EastWestWorst)
	}
	l.logf("     %s: outage %v (%s)%s, converged after %v, %s", st.id, res.Outage.Round(time.Millisecond), res.Worst, ew,
		res.Converged.Round(time.Millisecond), verdict)
	return res, nil
}

// settled reports that every live target has answered (no long loss)
// for the settle time since from (the fault, or when the ring became
// whole).
func (l *Lab) settled(live []*target, t0, from, now time.Time) bool {
	if now.Sub(from) < l.opt.Settle+lag {
		return false
	}
	for _, tg := range live {
		m := l.probe.measure(tg.name, t0, now)
		if !m.ok || now.Sub(m.start) < l.opt.Settle+lag {
			return false
		}
	}
	return true
}

// healed reports that every node and every ring link is up.
func (l *Lab) healed() bool {
	for _, n := range l.nodes {
		if n.down {
			return false
		}
		for _, name := range []string{ring.IfEast, ring.IfWest} {
			lk, err := n.ns.H.LinkByName(name)
			if err != nil || lk.Attrs().Flags&net.FlagUp == 0 {
				return false
			}
		}
	}
	return true
}

// whole reports what keeps the ring from being as designed: the VIP
// anywhere but on the master edge, or what the stack's daemons say
// (adjacencies, VRRP states).
func (l *Lab) whole() error {
	var errs []error
	vip := l.spec.Upstream.VIP
	for _, n := range l.nodes {
		if !n.cfg.IsEdge() {
			continue
		}
		has, err := hasAddr(n.ns, ring.IfUpstream, vip)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if want := n.cfg.Role == ring.MasterEdge; has != want {
			errs = append(errs, fmt.Errorf("%s (%v) holds the VIP: %v", n.cfg.Name, n.cfg.Role, has))
		}
	}
	errs = append(errs, l.stack.verify(l.nodes))
	return errors.Join(errs...)
}

func hasAddr(ns *labns.NS, ifname string, a netip.Addr) (bool, error) {
	lk, err := ns.H.LinkByName(ifname)
	if err != nil {
		return false, fmt.Errorf("%s in %s: %w", ifname, ns.Name, err)
	}
	as, err := ns.H.AddrList(lk, netlink.FAMILY_V4)
	if err != nil {
		return false, err
	}
	for _, x := range as {
		if ip, ok := netip.AddrFromSlice(x.IP.To4()); ok && ip == a {
			return true, nil
		}
	}
	return false, nil
}

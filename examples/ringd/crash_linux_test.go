//go:build linux

package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/switchless/routing/fib"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/internal/ringconf"
	"github.com/switchless/routing/ring"
)

// TestCrashRestart_Ring (issue 16): the paper's 5-node ring of ringd
// (ring.PaperSpec, fast profile: OSPF dead interval 1 s with 4 hellos a
// second, BFD on the ring links, VRRPv3 adverts every 20 ms; no anycast
// service) in namespaces, the edges vr1 (master, priority 200) and vr5 on
// a bridged upstream LAN. RING_CRASH_LOOPS times (default 6) a node is
// SIGKILLed at a moment chosen with a seeded RNG (RING_CRASH_SEED
// replays the choices, not the scheduler) and restarted with the same
// file; the moments rotate over the four classes, in a random order per
// round of four:
//
//   - adjacency: a node is restarted, and 0-2 s later it or a neighbour is
//     killed, while the adjacencies form (RFC 2328 §10.3, §10.4);
//   - spf: a ring link is set down on one end and 0-200 ms later a node
//     is killed, while the ring runs its SPF (§16) over the change;
//   - vrrp: the Master edge is killed (restarted 0-1 s later); or killed
//     or stopped (SIGTERM: priority 0, RFC 5798 §6.4.3) with the Backup
//     killed 0-150 ms later, as it becomes Master (§6.4.2); or restarted
//     and killed again 0.5-3 s later, as it preempts;
//   - fib: one of the victim's own ring links goes down and the victim
//     is killed 0-50 ms later, while it rewrites the routes that went
//     that way; or the restarted victim is killed 0-30 ms after its first
//     OSPF route reaches the kernel, while its first SPF is being
//     installed.
//
// After each one the test waits (60 s at most) until every node is Full
// on east and west and has a route to every other node's LAN; on every
// node the kernel's routes of rtm_protocol 243 are exactly the installed
// entries of the node's routing table (`ringd show -json`: prefix and
// next hops; a route the table lacks is a stale one of a previous run)
// and those of 242 exactly the edge's static default and unreachable
// routes; the VIP is on exactly one edge, vr1, which is Master, vr5
// Backup; and the five databases (`ringd show database -json`: type, ID,
// advertising router, sequence number, checksum) are identical.
//
// Figures on a 2-core host shared with other work:
// RING_CRASH_LOOPS=50 (seed 1796655561994375666, 46 s): 50 iterations, 0
// failures, convergence median 165 ms, max 1.204 s (adjacency 165 ms /
// 224 ms, spf 625 ms / 1.1 s, vrrp 162 ms / 1.055 s, fib 164 ms /
// 1.204 s); 300 loops (seed 1796655114074084634, 247 s): 0 failures,
// median 165 ms, max 1.219 s. The maxima near 1 s are RFC 8405's
// LONG_SPF_DELAY of the fast profile (1 s): an iteration starts as soon
// as the last one converged, within its HOLDDOWN. The default 6 loops
// take under 10 s. Before the fix in ospf (an interface down and up
// between two SPF runs, see ospf.routingState.ifaceWentDown), seed
// 1796654469170624805's fifth iteration took 54.8 s: vr3 missed its
// routes through east until the periodic reconciliation.
func TestCrashRestart_Ring(t *testing.T) {
	nstest.RequireRoot(t)
	loops := 6
	if s := os.Getenv("RING_CRASH_LOOPS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("RING_CRASH_LOOPS=%q: want a positive number", s)
		}
		loops = n
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("RING_CRASH_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("RING_CRASH_SEED=%q: %v", s, err)
		}
		seed = n
	}
	t.Logf("seed %d (RING_CRASH_SEED=%d replays the choices), %d loops", seed, seed, loops)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	r := newCrashRing(t)
	r.startAll()
	start := time.Now()
	if d, err := r.converge(90 * time.Second); err != nil {
		t.Fatalf("cold start: not converged after %v: %v\n%s", d, err, r.logs())
	}
	t.Logf("cold start converged in %v: %s", time.Since(start).Round(time.Millisecond), r.summary())
	r.checkerFails()

	var times []time.Duration
	byMoment := map[crashMoment][]time.Duration{}
	failures := 0
	var order []crashMoment
	for i := range loops {
		if len(order) == 0 {
			order = []crashMoment{crashAdjacency, crashSPF, crashVRRP, crashFIB}
			rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		}
		m := order[0]
		order = order[1:]
		what := r.fault(m, rng)
		d, err := r.converge(60 * time.Second)
		if err != nil {
			failures++
			t.Errorf("iteration %d (%v: %s): not converged after %v: %v\n%s", i+1, m, what, d, err, r.logs())
			if failures >= 3 {
				break
			}
			continue
		}
		times = append(times, d)
		byMoment[m] = append(byMoment[m], d)
		t.Logf("iteration %d: %-9v %s; converged in %v", i+1, m, what, d.Round(time.Millisecond))
	}
	for _, m := range []crashMoment{crashAdjacency, crashSPF, crashVRRP, crashFIB} {
		if ds := byMoment[m]; len(ds) > 0 {
			median, maxT := crashStats(ds)
			t.Logf("  %-9v %2d iterations, convergence median %v, max %v", m, len(ds), median, maxT)
		}
	}
	median, maxT := crashStats(times)
	t.Logf("crash-restart: %d iterations, %d failures, convergence median %v, max %v (seed %d)",
		len(times)+failures, failures, median, maxT, seed)
}

// crashStats returns the median and the maximum of ds, to the millisecond.
func crashStats(ds []time.Duration) (median, maxT time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	ds = slices.Sorted(slices.Values(ds))
	return ds[len(ds)/2].Round(time.Millisecond), ds[len(ds)-1].Round(time.Millisecond)
}

// crashUplink is the Linux name of the edges' upstream interface (`ip
// link set up up` would not parse).
const crashUplink = "uplink"

// crashMoment is the class of moment a node is killed at.
type crashMoment int

const (
	crashAdjacency crashMoment = iota
	crashSPF
	crashVRRP
	crashFIB
)

func (m crashMoment) String() string {
	return [...]string{"adjacency", "spf", "vrrp", "fib"}[m]
}

// crashRing is the ring under test: a namespace, a configuration and a
// running ringd per node, and a netlink handle into each namespace.
type crashRing struct {
	t     *testing.T
	bin   string
	dir   string
	spec  ring.Spec
	cfgs  []ring.NodeConfig
	ns    []*nstest.NS
	nl    []*netlink.Handle
	procs []*nstest.Proc
	// past holds the output of each node's killed runs, for the logs.
	past []string
}

func newCrashRing(t *testing.T) *crashRing {
	spec := ring.PaperSpec(5, ring.ProfileFast)
	spec.Anycast = nil // no servers here to health-check
	cfgs, err := spec.BuildAll()
	if err != nil {
		t.Fatal(err)
	}
	r := &crashRing{t: t, bin: nstest.GoBuild(t, ".", "ringd"), dir: nstest.TempDir(t), spec: spec, cfgs: cfgs,
		procs: make([]*nstest.Proc, len(cfgs)), past: make([]string, len(cfgs))}
	up := nstest.New(t, "crup")
	up.Exec(t, "ip", "link", "add", "br0", "type", "bridge", "forward_delay", "0", "stp_state", "0", "mcast_snooping", "0")
	up.Exec(t, "ip", "link", "set", "br0", "up")
	for i, c := range cfgs {
		ns := nstest.New(t, fmt.Sprintf("cr%d", i+1))
		ns.Exec(t, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.disable_ipv6=1")
		for k, lan := range spec.Nodes[i].LANs {
			ns.Stub(t, ring.LANName(k), lan.String())
		}
		r.ns = append(r.ns, ns)
		if c.IsEdge() {
			port := fmt.Sprintf("p%d", i+1)
			nstest.Veth(t, ns, crashUplink, up, port)
			up.Exec(t, "ip", "link", "set", port, "master", "br0")
		}
	}
	for i := range cfgs {
		nstest.Veth(t, r.ns[i], ring.IfEast, r.ns[(i+1)%len(cfgs)], ring.IfWest)
	}
	for i, c := range cfgs {
		f := ringconf.File{Node: c.Name, Interfaces: map[string]string{}, Socket: r.socket(i), Spec: ringconf.FromSpec(spec)}
		if os.Getenv("RING_CRASH_DEBUG") != "" {
			f.LogLevel = "debug"
		}
		for _, ifc := range c.Interfaces {
			f.Interfaces[ifc.Name] = ifc.Name
		}
		if c.IsEdge() {
			f.Interfaces[ring.IfUpstream] = crashUplink
		}
		b, err := f.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(r.conf(i), b, 0o644); err != nil {
			t.Fatal(err)
		}
		h, err := netns.GetFromPath(r.ns[i].Path())
		if err != nil {
			t.Fatal(err)
		}
		nl, err := netlink.NewHandleAt(h)
		h.Close()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nl.Close)
		r.nl = append(r.nl, nl)
	}
	return r
}

func (r *crashRing) socket(i int) string { return filepath.Join(r.dir, fmt.Sprintf("vr%d.sock", i+1)) }
func (r *crashRing) conf(i int) string   { return filepath.Join(r.dir, fmt.Sprintf("vr%d.yaml", i+1)) }
func (r *crashRing) name(i int) string   { return r.cfgs[i].Name }

func (r *crashRing) startAll() {
	for i := range r.cfgs {
		r.start(i)
	}
}

// start runs node i's ringd with its unchanged file.
func (r *crashRing) start(i int) {
	r.procs[i] = r.ns[i].Start(r.t, r.bin, "run", "-config", r.conf(i))
}

// kill SIGKILLs node i's ringd (a crash: nothing withdrawn, nothing
// flushed) and keeps its output.
func (r *crashRing) kill(i int) {
	r.procs[i].Kill()
	r.keep(i)
}

func (r *crashRing) keep(i int) {
	out := r.procs[i].Output()
	if len(out) > 4000 && os.Getenv("RING_CRASH_DEBUG") == "" {
		out = "…" + out[len(out)-4000:]
	}
	r.past[i] = out
}

func (r *crashRing) restart(i int) {
	r.kill(i)
	r.start(i)
}

// link sets node i's ring interface ifname down or up.
func (r *crashRing) link(i int, ifname string, up bool) {
	r.ns[i].Exec(r.t, "ip", "link", "set", "dev", ifname, map[bool]string{true: "up", false: "down"}[up])
}

func sleepUpTo(rng *rand.Rand, d time.Duration) time.Duration {
	s := time.Duration(rng.Int64N(int64(d) + 1))
	time.Sleep(s)
	return s
}

func (r *crashRing) edges() (master, backup int) {
	for i, c := range r.cfgs {
		switch c.Role {
		case ring.MasterEdge:
			master = i
		case ring.BackupEdge:
			backup = i
		}
	}
	return master, backup
}

func ms(d time.Duration) string { return fmt.Sprintf("%dms", d.Milliseconds()) }

// fault crashes a node at a moment of class m and restarts it; it
// returns what it did.
func (r *crashRing) fault(m crashMoment, rng *rand.Rand) string {
	n := len(r.cfgs)
	switch m {
	case crashAdjacency:
		b := rng.IntN(n)
		v := (b + n + rng.IntN(3) - 1) % n // b or a neighbour
		r.restart(b)
		d := sleepUpTo(rng, 2*time.Second)
		r.restart(v)
		return fmt.Sprintf("restarted %s, killed %s %s later", r.name(b), r.name(v), ms(d))
	case crashSPF:
		x, side := rng.IntN(n), []string{ring.IfEast, ring.IfWest}[rng.IntN(2)]
		v := rng.IntN(n)
		r.link(x, side, false)
		d := sleepUpTo(rng, 200*time.Millisecond)
		r.kill(v)
		if rng.IntN(2) == 0 {
			r.link(x, side, true)
			r.start(v)
		} else {
			r.start(v)
			r.link(x, side, true)
		}
		return fmt.Sprintf("%s's %s down, killed %s %s later", r.name(x), side, r.name(v), ms(d))
	case crashVRRP:
		master, backup := r.edges()
		switch rng.IntN(4) {
		case 0:
			r.kill(master)
			d := sleepUpTo(rng, time.Second)
			r.start(master)
			return fmt.Sprintf("killed the Master %s, restarted %s later", r.name(master), ms(d))
		case 1:
			r.kill(master)
			d := sleepUpTo(rng, 150*time.Millisecond)
			r.kill(backup)
			r.start(backup)
			r.start(master)
			return fmt.Sprintf("killed the Master %s, the Backup %s %s later", r.name(master), r.name(backup), ms(d))
		case 2:
			p := r.procs[master]
			stopped := make(chan struct{})
			go func() { p.Stop(); close(stopped) }()
			d := sleepUpTo(rng, 150*time.Millisecond)
			r.kill(backup)
			<-stopped
			r.keep(master)
			r.start(backup)
			r.start(master)
			return fmt.Sprintf("stopped the Master %s (priority 0), killed the Backup %s %s later", r.name(master), r.name(backup), ms(d))
		default:
			r.restart(master)
			d := 500*time.Millisecond + sleepUpTo(rng, 2500*time.Millisecond)
			r.restart(master)
			return fmt.Sprintf("restarted the Master %s, killed it again %s later as it preempts", r.name(master), ms(d))
		}
	default: // crashFIB
		v, side := rng.IntN(n), []string{ring.IfEast, ring.IfWest}[rng.IntN(2)]
		if rng.IntN(2) == 0 {
			r.link(v, side, false)
			d := sleepUpTo(rng, 50*time.Millisecond)
			r.kill(v)
			if rng.IntN(2) == 0 {
				r.link(v, side, true)
				r.start(v)
			} else {
				r.start(v)
				r.link(v, side, true)
			}
			return fmt.Sprintf("%s's own %s down, killed it %s later", r.name(v), side, ms(d))
		}
		r.restart(v)
		t0 := time.Now()
		// The killed run's routes stay in the kernel until the new run
		// has opened its FIB sink (fib.ReclaimDelete), before it logs
		// "ringd running"; the first route after that is the new run's.
		for time.Since(t0) < 10*time.Second && !strings.Contains(r.procs[v].Output(), "ringd running") {
			time.Sleep(2 * time.Millisecond)
		}
		for time.Since(t0) < 10*time.Second {
			if rs, err := r.kernel(v, fib.RTProtoOSPF); err == nil && len(rs) > 0 {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		first := time.Since(t0)
		d := sleepUpTo(rng, 30*time.Millisecond)
		r.restart(v)
		return fmt.Sprintf("restarted %s, killed it %s after its first OSPF route reached the kernel (%s after the start)", r.name(v), ms(d), ms(first))
	}
}

// converge polls the ring every 50 ms until check passes twice in a row
// (so that a passing look taken in the middle of a change does not
// count) or timeout runs out; it returns how long it took until the first
// of those two looks, or the last error.
// A convergence slower than 5 s logs what kept it from passing, each
// distinct reason (its first line) with when it was first seen.
func (r *crashRing) converge(timeout time.Duration) (time.Duration, error) {
	t0 := time.Now()
	var trail []string
	last := ""
	defer func() {
		if d := time.Since(t0); d > 5*time.Second {
			r.t.Logf("slow convergence (%v):\n%s", d.Round(time.Millisecond), strings.Join(trail, "\n"))
			if os.Getenv("RING_CRASH_DEBUG") != "" {
				r.t.Logf("logs:\n%s", r.logs())
			}
		}
	}()
	var passed time.Duration // when the current run of passes began; 0: none
	for {
		at := time.Since(t0)
		err := r.check()
		if err == nil {
			if passed > 0 {
				return passed, nil
			}
			passed = max(at, time.Nanosecond)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		passed = 0
		if line, _, _ := strings.Cut(err.Error(), "\n"); line != last {
			last = line
			trail = append(trail, fmt.Sprintf("  %7.3fs %s", time.Since(t0).Seconds(), line))
		}
		var dead crashDead
		if errors.As(err, &dead) || time.Since(t0) > timeout {
			return time.Since(t0), err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// crashDead is a ringd that exited by itself.
type crashDead struct{ error }

// check is one look at the whole ring: nil when it is converged and
// consistent (see TestCrashRestart_Ring).
func (r *crashRing) check() error {
	sts := make([]Status, len(r.cfgs))
	dbs := make([][]string, len(r.cfgs))
	for i := range r.cfgs {
		if done, err := r.procs[i].Exited(); done {
			return crashDead{fmt.Errorf("%s: ringd exited by itself: %v\n%s", r.name(i), err, r.procs[i].Output())}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		st, _, err := fetchStatus(ctx, r.socket(i))
		var raw json.RawMessage
		if err == nil {
			raw, err = daemonkit.FetchView(ctx, r.socket(i), "database")
		}
		cancel()
		if err != nil {
			return fmt.Errorf("%s: status: %w", r.name(i), err)
		}
		sts[i] = st
		var lsas []LSAView
		if err := json.Unmarshal(raw, &lsas); err != nil {
			return fmt.Errorf("%s: database: %w", r.name(i), err)
		}
		for _, l := range lsas {
			dbs[i] = append(dbs[i], fmt.Sprintf("%s %v %v %s %s", l.Type, l.ID, l.AdvRouter, l.Seq, l.Checksum))
		}
		slices.Sort(dbs[i])
	}
	for i, st := range sts {
		if err := r.checkNode(i, st); err != nil {
			return fmt.Errorf("%s: %w", r.name(i), err)
		}
	}
	if err := r.checkVIP(sts); err != nil {
		return err
	}
	// Every router's router-LSA, and the same instances everywhere
	// (RFC 2328 §13: flooding keeps the databases of an area identical).
	for _, st := range sts {
		want := "router " + st.RouterID.String() + " " + st.RouterID.String() + " "
		if !slices.ContainsFunc(dbs[0], func(k string) bool { return strings.HasPrefix(k, want) }) {
			return fmt.Errorf("%s's database lacks %s's router-LSA:\n%s", r.name(0), st.Node, strings.Join(dbs[0], "\n"))
		}
	}
	for i := 1; i < len(dbs); i++ {
		if !slices.Equal(dbs[i], dbs[0]) {
			return fmt.Errorf("the databases of %s and %s differ:\n%s\nvs\n%s", r.name(0), r.name(i), strings.Join(dbs[0], "\n"), strings.Join(dbs[i], "\n"))
		}
	}
	return nil
}

// checkerFails shows that check can fail: a route of ringd's
// rtm_protocol that its table lacks (what a previous run would leave) on
// an inner node, then the VIP on the backup edge too, must each be
// reported; the test removes them itself.
func (r *crashRing) checkerFails() {
	r.t.Helper()
	_, backup := r.edges()
	for _, c := range []struct {
		want     string
		add, del []string
		ns       *nstest.NS
	}{
		{"stale", []string{"route", "add", "10.99.0.0/24", "dev", ring.IfEast, "proto", strconv.Itoa(fib.RTProtoOSPF), "metric", "20"},
			[]string{"route", "del", "10.99.0.0/24", "proto", strconv.Itoa(fib.RTProtoOSPF)}, r.ns[2]},
		{"the VIP", []string{"addr", "add", r.spec.Upstream.VIP.String() + "/32", "dev", crashUplink},
			[]string{"addr", "del", r.spec.Upstream.VIP.String() + "/32", "dev", crashUplink}, r.ns[backup]},
	} {
		c.ns.Exec(r.t, "ip", c.add...)
		err := r.check()
		c.ns.Exec(r.t, "ip", c.del...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			r.t.Fatalf("ip %s: check says %v, want an error about %s", strings.Join(c.add, " "), err, c.want)
		}
	}
	if _, err := r.converge(10 * time.Second); err != nil {
		r.t.Fatalf("after the checker's own faults: %v", err)
	}
}

// checkNode checks one node's adjacencies, table and kernel routes.
func (r *crashRing) checkNode(i int, st Status) error {
	full := map[string]bool{}
	for _, nb := range st.Neighbors {
		if nb.State == "full" {
			full[nb.Interface] = true
		}
	}
	if !full[ring.IfEast] || !full[ring.IfWest] {
		return fmt.Errorf("neighbours %+v: want Full on east and west", st.Neighbors)
	}
	ifname := map[int]string{}
	for _, ifc := range st.Interfaces {
		ifname[ifc.IfIndex] = ifc.Name
	}
	// The table's installed entries (ospf: connected destinations and
	// entries without a next hop stay out of the kernel).
	table := map[string]string{}
	for _, rt := range st.Routes {
		if len(rt.NextHops) == 0 || slices.Equal(rt.NextHops, []string{"connected"}) {
			continue
		}
		hops := slices.Clone(rt.NextHops)
		slices.Sort(hops)
		table[rt.Prefix.String()] = strings.Join(hops, ", ")
	}
	for j, nd := range r.spec.Nodes {
		for _, lan := range nd.LANs {
			if _, ok := table[lan.Masked().String()]; !ok && j != i {
				return fmt.Errorf("no route to %s's LAN %v in the table %v", nd.Name, lan.Masked(), table)
			}
		}
	}
	if _, ok := table["0.0.0.0/0"]; !ok && !r.cfgs[i].IsEdge() {
		return fmt.Errorf("no default route in the table %v", table)
	}
	kernel, err := r.kernel(i, fib.RTProtoOSPF)
	if err != nil {
		return err
	}
	got := map[string]string{}
	for _, kr := range kernel {
		got[kr.prefix] = kr.hops(ifname)
	}
	for p, h := range got {
		if _, ok := table[p]; !ok {
			return fmt.Errorf("kernel route %s %s (proto %d) is not in the table (stale); table %v", p, h, fib.RTProtoOSPF, table)
		}
	}
	for p, h := range table {
		if got[p] != h {
			return fmt.Errorf("table route %s %s: the kernel has %q (proto %d)", p, h, got[p], fib.RTProtoOSPF)
		}
	}
	// The static default and the unreachable routes (rtm_protocol 242),
	// edges only.
	want := map[string]string{}
	for _, sr := range r.cfgs[i].Static {
		want[sr.Prefix.String()] = fmt.Sprintf("via %v %s", sr.NextHops[0].Gateway, ring.IfUpstream)
	}
	for _, dr := range r.cfgs[i].Discard {
		want[dr.Prefix.String()] = "unreachable"
	}
	static, err := r.kernel(i, fib.RTProtoStatic)
	if err != nil {
		return err
	}
	gotStatic := map[string]string{}
	for _, kr := range static {
		gotStatic[kr.prefix] = kr.hops(ifname)
	}
	if fmt.Sprint(gotStatic) != fmt.Sprint(want) {
		return fmt.Errorf("kernel routes of proto %d: %v, want %v", fib.RTProtoStatic, gotStatic, want)
	}
	return nil
}

// checkVIP: the VIP on exactly one edge's upstream interface, the master
// edge's (priority 200, preempting), whose VRRP is Master; the other's
// Backup.
func (r *crashRing) checkVIP(sts []Status) error {
	master, backup := r.edges()
	vip := r.spec.Upstream.VIP
	var on []string
	for _, i := range []int{master, backup} {
		has, err := r.hasAddr(i, crashUplink, vip)
		if err != nil {
			return err
		}
		if has {
			on = append(on, r.name(i))
		}
	}
	if len(on) != 1 || on[0] != r.name(master) {
		return fmt.Errorf("the VIP %v is on %v, want exactly %s", vip, on, r.name(master))
	}
	for i, want := range map[int]string{master: "master", backup: "backup"} {
		if v := sts[i].VRRP; v == nil || v.State != want {
			return fmt.Errorf("%s: VRRP %+v, want %s", r.name(i), v, want)
		}
	}
	return nil
}

func (r *crashRing) hasAddr(i int, ifname string, a netip.Addr) (bool, error) {
	l, err := r.nl[i].LinkByName(ifname)
	if err != nil {
		return false, fmt.Errorf("%s: %s: %w", r.name(i), ifname, err)
	}
	as, err := r.nl[i].AddrList(l, netlink.FAMILY_V4)
	if err != nil {
		return false, fmt.Errorf("%s: addresses of %s: %w", r.name(i), ifname, err)
	}
	return slices.ContainsFunc(as, func(x netlink.Addr) bool { return x.IP.Equal(net.IP(a.AsSlice())) }), nil
}

// crashRoute is a kernel route of the main table.
type crashRoute struct {
	prefix      string
	unreachable bool
	nexthops    []crashHop
}

type crashHop struct {
	gw      netip.Addr
	ifindex int
}

// hops renders the next hops as the status does ("via GW IFNAME" or
// "dev IFNAME", sorted, comma-separated), or "unreachable".
func (kr crashRoute) hops(ifname map[int]string) string {
	if kr.unreachable {
		return "unreachable"
	}
	var out []string
	for _, h := range kr.nexthops {
		name := cmp.Or(ifname[h.ifindex], fmt.Sprintf("if%d", h.ifindex))
		if h.gw.IsValid() {
			out = append(out, fmt.Sprintf("via %v %s", h.gw, name))
		} else {
			out = append(out, "dev "+name)
		}
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// kernel lists node i's IPv4 routes of rtm_protocol proto in the main
// table.
func (r *crashRing) kernel(i int, proto int) ([]crashRoute, error) {
	rs, err := r.nl[i].RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Protocol: netlink.RouteProtocol(proto), Table: unix.RT_TABLE_MAIN},
		netlink.RT_FILTER_PROTOCOL|netlink.RT_FILTER_TABLE)
	if err != nil {
		return nil, fmt.Errorf("%s: routes: %w", r.name(i), err)
	}
	var out []crashRoute
	for _, kr := range rs {
		if int(kr.Protocol) != proto || kr.Table != unix.RT_TABLE_MAIN {
			continue
		}
		p := "0.0.0.0/0"
		if kr.Dst != nil {
			p = kr.Dst.String()
		}
		cr := crashRoute{prefix: p, unreachable: kr.Type == unix.RTN_UNREACHABLE}
		addHop := func(gw net.IP, idx int) {
			a, _ := netip.AddrFromSlice(gw.To4())
			cr.nexthops = append(cr.nexthops, crashHop{gw: a, ifindex: idx})
		}
		if len(kr.MultiPath) == 0 {
			addHop(kr.Gw, kr.LinkIndex)
		}
		for _, h := range kr.MultiPath {
			addHop(h.Gw, h.LinkIndex)
		}
		out = append(out, cr)
	}
	return out, nil
}

// summary counts each node's kernel routes (OSPF, static) and LSAs.
func (r *crashRing) summary() string {
	var parts []string
	for i := range r.cfgs {
		o, _ := r.kernel(i, fib.RTProtoOSPF)
		s, _ := r.kernel(i, fib.RTProtoStatic)
		var db []LSAView
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		raw, err := daemonkit.FetchView(ctx, r.socket(i), "database")
		cancel()
		if err == nil {
			_ = json.Unmarshal(raw, &db)
		}
		parts = append(parts, fmt.Sprintf("%s %d+%d routes %d LSAs", r.name(i), len(o), len(s), len(db)))
	}
	return strings.Join(parts, ", ")
}

// logs is every node's output: its current run's and what its last
// killed run printed last.
func (r *crashRing) logs() string {
	var b strings.Builder
	for i := range r.cfgs {
		out := r.procs[i].Output()
		if len(out) > 6000 && os.Getenv("RING_CRASH_DEBUG") == "" {
			out = "…" + out[len(out)-6000:]
		}
		fmt.Fprintf(&b, "=== %s, previous run:\n%s\n=== %s, current run:\n%s\n", r.name(i), r.past[i], r.name(i), out)
	}
	return b.String()
}

//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/internal/ringconf"
	"github.com/switchless/routing/ring"
)

// TestDaemon_Growth_S6 (issue 15's growth, the lab of ring.Sim's
// GrowthSteps): the paper's 5-node ring of ringd, fast profile, grows to
// 6 nodes following ring.Growth's procedure. The two ring links the
// growth moves (vr5 east, vr1 west, and vr6's two) go through a patch
// panel, a namespace with one bridge per cable: unplugging is setting
// the panel's ports down (the nodes' interfaces lose carrier, as with a
// pulled cable), re-cabling is moving a port to another bridge. The
// gateway pings every node's LAN address every 10 ms (fping) through the
// whole procedure.
//
//   - Before anything is unplugged, vr1 and vr5 refuse the 6-node file at
//     SIGHUP (vr1's west interface would be re-addressed, vr5's east would
//     face another node, both while their link runs): restart required,
//     naming link_pool/links, and nothing changes.
//   - S6u: the cable vr5–vr1 is unplugged. S6h: every node is reloaded
//     with the 6-node file (vr1's west takes 10.255.0.11/31 in the kernel,
//     .9 is gone). S6: vr5–vr6 and vr6–vr1 are cabled and vr6 starts.
//
// The probes whose path (traced hop by hop with `ip route get` in each
// namespace when the step begins) crosses neither re-cabled interface
// lose nothing in any step; those that did are reported and bounded by
// a generous second; afterwards every LAN, vr6's included, answers, and
// vr6 is Full on both links.
func TestDaemon_Growth_S6(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "fping")
	bin := nstest.GoBuild(t, ".", "ringd")
	old, next := ring.PaperGrowth(5, ring.ProfileFast)
	old.Anycast, next.Anycast = nil, nil
	g, err := ring.PlanGrowth(old, next)
	if err != nil {
		t.Fatal(err)
	}
	oldCfgs, err := old.BuildAll()
	if err != nil {
		t.Fatal(err)
	}
	newCfgs, err := next.BuildAll()
	if err != nil {
		t.Fatal(err)
	}
	up, panel, gw := nstest.New(t, "grup"), nstest.New(t, "grpn"), nstest.New(t, "grgw")
	up.Exec(t, "ip", "link", "add", "br0", "type", "bridge", "forward_delay", "0", "stp_state", "0", "mcast_snooping", "0")
	up.Exec(t, "ip", "link", "set", "br0", "up")
	for _, br := range []string{"b4", "b5"} {
		panel.Exec(t, "ip", "link", "add", br, "type", "bridge", "forward_delay", "0", "stp_state", "0", "mcast_snooping", "0")
		panel.Exec(t, "ip", "link", "set", br, "up")
	}
	nstest.Veth(t, gw, "eth0", up, "pgw")
	up.Exec(t, "ip", "link", "set", "pgw", "master", "br0")
	gw.Exec(t, "ip", "addr", "add", "192.0.2.1/24", "dev", "eth0")
	var ns []*nstest.NS
	for i, c := range newCfgs {
		n := nstest.New(t, fmt.Sprintf("gr%d", i+1))
		n.Exec(t, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv6.conf.all.disable_ipv6=1")
		n.Stub(t, ring.LANName(0), next.Nodes[i].LANs[0].String())
		if c.IsEdge() {
			nstest.Veth(t, n, "up0", up, fmt.Sprintf("p%d", i+1))
			up.Exec(t, "ip", "link", "set", fmt.Sprintf("p%d", i+1), "master", "br0")
		}
		gw.Exec(t, "ip", "route", "add", next.Nodes[i].LANs[0].Masked().String(), "via", next.Upstream.VIP.String())
		ns = append(ns, n)
	}
	for i := range 4 {
		nstest.Veth(t, ns[i], ring.IfEast, ns[i+1], ring.IfWest)
	}
	// The patch panel: vr5 east and vr1 west on b4, vr6's ports unplugged.
	for _, p := range []struct {
		node  int
		iface string
		port  string
	}{{4, ring.IfEast, "p5e"}, {0, ring.IfWest, "p1w"}, {5, ring.IfWest, "p6w"}, {5, ring.IfEast, "p6e"}} {
		nstest.Veth(t, ns[p.node], p.iface, panel, p.port)
	}
	panel.Exec(t, "ip", "link", "set", "p5e", "master", "b4")
	panel.Exec(t, "ip", "link", "set", "p1w", "master", "b4")
	panel.Exec(t, "ip", "link", "set", "p6w", "down")
	panel.Exec(t, "ip", "link", "set", "p6e", "down")

	dir := nstest.TempDir(t)
	conf := func(i int) string { return filepath.Join(dir, fmt.Sprintf("vr%d.yaml", i+1)) }
	file := func(i int, spec ring.Spec, c ring.NodeConfig) string {
		f := ringconf.File{Node: c.Name, Interfaces: map[string]string{}, Socket: filepath.Join(dir, fmt.Sprintf("vr%d.sock", i+1)), Spec: ringconf.FromSpec(spec)}
		for _, ifc := range c.Interfaces {
			f.Interfaces[ifc.Name] = ifc.Name
		}
		if c.IsEdge() {
			f.Interfaces[ring.IfUpstream] = "up0"
		}
		b, err := f.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	procs := make([]*nstest.Proc, 6)
	for i, c := range oldCfgs {
		if err := os.WriteFile(conf(i), []byte(file(i, old, c)), 0o644); err != nil {
			t.Fatal(err)
		}
		procs[i] = ns[i].Start(t, bin, "run", "-config", conf(i))
	}
	logs := func() string {
		var b strings.Builder
		for i, p := range procs {
			if p != nil {
				out := p.Output()
				if len(out) > 3000 {
					out = "…" + out[len(out)-3000:]
				}
				fmt.Fprintf(&b, "vr%d:\n%s\n", i+1, out)
			}
		}
		return b.String()
	}
	lans := func(k int) []netip.Addr {
		var out []netip.Addr
		for i := range k {
			out = append(out, next.Nodes[i].LANs[0].Addr())
		}
		return out
	}
	reach := func(targets []netip.Addr) error {
		for _, a := range targets {
			if _, err := gw.Try("ping", "-c1", "-W1", a.String()); err != nil {
				return fmt.Errorf("the gateway does not reach %v\n%s", a, logs())
			}
		}
		return nil
	}
	nstest.Eventually(t, 30*time.Second, func() error { return reach(lans(5)) })

	// A reload that would re-address (vr1) or re-cable (vr5) a running
	// link is refused and changes nothing.
	westAddr := func() []string {
		out := ns[0].Exec(t, "ip", "-4", "-o", "addr", "show", "dev", ring.IfWest)
		return regexp.MustCompile(`inet (\S+)`).FindAllString(out, -1)
	}
	for _, i := range []int{0, 4} {
		nstest.RestartRequiredReload(t, procs[i], conf(i), file(i, next, newCfgs[i]), `link_pool/links`, func() error {
			if a := westAddr(); !slices.Equal(a, []string{"inet 10.255.0.9/31"}) {
				return fmt.Errorf("vr1's west addresses %v", a)
			}
			return reach(lans(5))
		})
		if err := os.WriteFile(conf(i), []byte(file(i, old, oldCfgs[i])), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(procs[0].Output(), "once its cable is unplugged") {
		t.Errorf("vr1's refusal does not say why:\n%s", procs[0].Output())
	}
	time.Sleep(2 * time.Second) // quiet before the measured steps

	pr := startGrowthProber(t, gw, lans(6))
	owner := map[netip.Addr]int{}
	setOwners := func(cfgs []ring.NodeConfig) {
		clear(owner)
		for i, c := range cfgs {
			for _, ifc := range c.Interfaces {
				owner[ifc.Prefix.Addr()] = i
			}
		}
		owner[next.Upstream.VIP] = 0 // vr1, the master edge
	}
	type stepRes struct {
		id       string
		crossing map[netip.Addr]bool
		from, to time.Time
	}
	var steps []stepRes
	step := func(id string, cfgs []ring.NodeConfig, fault func(), settled func() error) {
		setOwners(cfgs)
		cr := map[netip.Addr]bool{}
		for _, a := range lans(5) {
			there := tracePath(t, gw, ns, owner, -1, a)
			back := tracePath(t, gw, ns, owner, owner[a], netip.MustParseAddr("192.0.2.1"))
			if crossesRecabled(there, g) || crossesRecabled(back, g) {
				cr[a] = true
			}
		}
		from := time.Now()
		fault()
		nstest.Eventually(t, 30*time.Second, settled)
		time.Sleep(3 * time.Second) // quiet: a late loss would show
		steps = append(steps, stepRes{id, cr, from, time.Now()})
	}
	step("S6u", oldCfgs, func() {
		panel.Exec(t, "ip", "link", "set", "p5e", "down")
		panel.Exec(t, "ip", "link", "set", "p1w", "down")
	}, func() error { return reach(lans(5)) })
	applied := make([]int, 5)
	for i := range 5 {
		applied[i] = strings.Count(procs[i].Output(), "reload: configuration applied")
	}
	step("S6h", oldCfgs, func() {
		for i := range 5 {
			if err := os.WriteFile(conf(i), []byte(file(i, next, newCfgs[i])), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Kill(procs[i].Pid(), syscall.SIGHUP); err != nil {
				t.Fatal(err)
			}
		}
	}, func() error {
		for i := range 5 {
			if strings.Count(procs[i].Output(), "reload: configuration applied") <= applied[i] {
				return fmt.Errorf("vr%d has not applied the 6-node file\n%s", i+1, logs())
			}
		}
		if a := westAddr(); !slices.Equal(a, []string{"inet 10.255.0.11/31"}) {
			return fmt.Errorf("vr1's west addresses %v, want only 10.255.0.11/31", a)
		}
		return reach(lans(5))
	})
	step("S6", newCfgs, func() {
		if err := os.WriteFile(conf(5), []byte(file(5, next, newCfgs[5])), 0o644); err != nil {
			t.Fatal(err)
		}
		panel.Exec(t, "ip", "link", "set", "p1w", "nomaster")
		panel.Exec(t, "ip", "link", "set", "p1w", "master", "b5")
		panel.Exec(t, "ip", "link", "set", "p6e", "master", "b5")
		panel.Exec(t, "ip", "link", "set", "p6w", "master", "b4")
		for _, p := range []string{"p5e", "p6w", "p6e", "p1w"} {
			panel.Exec(t, "ip", "link", "set", p, "up")
		}
		procs[5] = ns[5].Start(t, bin, "run", "-config", conf(5))
	}, func() error {
		if n := strings.Count(procs[5].Output(), "to=Full"); n < 2 {
			return fmt.Errorf("vr6 has %d Full neighbours\n%s", n, logs())
		}
		for _, i := range []int{0, 4} {
			if out := ns[i].Exec(t, "ip", "route", "show", "10.6.0.0/24"); !strings.Contains(out, "dev "+map[int]string{0: ring.IfWest, 4: ring.IfEast}[i]) {
				return fmt.Errorf("vr%d's route to vr6's LAN: %q", i+1, out)
			}
		}
		return reach(lans(6))
	})
	runs := pr.stop()

	var table strings.Builder
	fmt.Fprintf(&table, "step  crossing           crossing outage  bystanders outage  worst\n")
	for _, st := range steps {
		var crossing, worstBy time.Duration
		var cross []string
		worst := "-"
		for _, a := range lans(5) {
			d := runs.longest(a, st.from, st.to)
			if st.crossing[a] {
				cross = append(cross, a.String())
				crossing = max(crossing, d)
				continue
			}
			if d > worstBy {
				worstBy, worst = d, a.String()
			}
		}
		fmt.Fprintf(&table, "%-5s %-18s %-16v %-18v %s\n", st.id, strings.Join(cross, ","), crossing, worstBy, worst)
		if worstBy > 0 {
			t.Errorf("%s: traffic crossing neither re-cabled interface lost %v (%s)", st.id, worstBy, worst)
		}
		if crossing > time.Second {
			t.Errorf("%s: the traffic over the re-cabled link lost %v, over 1 s", st.id, crossing)
		}
	}
	if len(steps[0].crossing) == 0 {
		t.Errorf("S6u: no probe crossed vr5–vr1 before it was unplugged (the paths of vr4 and vr5 do)")
	}
	if err := reach(lans(6)); err != nil {
		t.Error(err)
	}
	t.Logf("growth 5 → 6 in namespaces (fping every 10 ms from the gateway to each node's LAN address):\n%s", table.String())
}

// growthHop is one node a traced path leaves by an interface.
type growthHop struct {
	node  int
	iface string
}

// tracePath follows dst hop by hop with `ip -j route get` from the
// gateway (from = -1) or node from, naming the node that owns each next
// hop through owner, until a node delivers it (a local or connected
// route).
func tracePath(t *testing.T, gw *nstest.NS, ns []*nstest.NS, owner map[netip.Addr]int, from int, dst netip.Addr) []growthHop {
	t.Helper()
	var hops []growthHop
	at := from
	for range 16 {
		where := gw
		if at >= 0 {
			where = ns[at]
		}
		out, err := where.Try("ip", "-j", "route", "get", dst.String())
		if err != nil {
			return hops
		}
		var rs []struct {
			Type    string `json:"type"`
			Gateway string `json:"gateway"`
			Dev     string `json:"dev"`
		}
		if json.Unmarshal([]byte(out), &rs) != nil || len(rs) == 0 || rs[0].Type == "local" || rs[0].Gateway == "" {
			return hops
		}
		nh, err := netip.ParseAddr(rs[0].Gateway)
		if err != nil {
			return hops
		}
		if at >= 0 {
			hops = append(hops, growthHop{at, rs[0].Dev})
		}
		next, ok := owner[nh]
		if !ok {
			return hops // out of the ring: the gateway
		}
		at = next
	}
	return hops
}

// crossesRecabled reports whether the path leaves West by east or East
// by west (node indexes as in the paper: vrK is K-1).
func crossesRecabled(hops []growthHop, g ring.Growth) bool {
	w, _ := strconv.Atoi(strings.TrimPrefix(g.West, "vr"))
	e, _ := strconv.Atoi(strings.TrimPrefix(g.East, "vr"))
	for _, h := range hops {
		if h.node == w-1 && h.iface == ring.IfEast || h.node == e-1 && h.iface == ring.IfWest {
			return true
		}
	}
	return false
}

// growthProber is fping in the gateway's namespace (-D -l: every reply
// with its sequence number and time), every 10 ms to every target.
type growthProber struct {
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	seen map[netip.Addr][]growthReply
}

type growthReply struct {
	seq int
	at  time.Time
}

var growthReplyRE = regexp.MustCompile(`^\[(\d+)\.(\d+)\] (\S+) : \[(\d+)\], \d+ bytes`)

func startGrowthProber(t *testing.T, gw *nstest.NS, targets []netip.Addr) *growthProber {
	t.Helper()
	args := []string{"netns", "exec", gw.Name()}
	if chrt, err := exec.LookPath("chrt"); err == nil {
		args = append(args, chrt, "-f", "10")
	}
	args = append(args, "fping", "-D", "-l", "-p", "10", "-i", "1", "-t", "100")
	for _, a := range targets {
		args = append(args, a.String())
	}
	p := &growthProber{cmd: exec.Command("ip", args...), done: make(chan struct{}), seen: map[netip.Addr][]growthReply{}}
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.cmd.Process.Kill(); <-p.done })
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			m := growthReplyRE.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			sec, _ := strconv.ParseInt(m[1], 10, 64)
			frac, _ := strconv.ParseFloat("0."+m[2], 64)
			a, err := netip.ParseAddr(m[3])
			seq, _ := strconv.Atoi(m[4])
			if err != nil {
				continue
			}
			p.mu.Lock()
			p.seen[a] = append(p.seen[a], growthReply{seq, time.Unix(sec, int64(frac*1e9))})
			p.mu.Unlock()
		}
	}()
	return p
}

// stop ends fping and returns what it saw.
func (p *growthProber) stop() growthRuns {
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	out := growthRuns{}
	for a, rs := range p.seen {
		rs = slices.Clone(rs)
		slices.SortFunc(rs, func(x, y growthReply) int { return x.seq - y.seq })
		out[a] = slices.CompactFunc(rs, func(x, y growthReply) bool { return x.seq == y.seq })
	}
	return out
}

type growthRuns map[netip.Addr][]growthReply

// longest is the longest run of lost probes to a that began between from
// and to, in probe intervals (10 ms).
func (r growthRuns) longest(a netip.Addr, from, to time.Time) time.Duration {
	var worst time.Duration
	rs := r[a]
	for k := 1; k < len(rs); k++ {
		lost := rs[k].seq - rs[k-1].seq - 1
		began := rs[k-1].at.Add(10 * time.Millisecond)
		if lost > 0 && !began.Before(from) && began.Before(to) {
			worst = max(worst, time.Duration(lost)*10*time.Millisecond)
		}
	}
	return worst
}

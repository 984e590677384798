//go:build linux

package lab

import (
	"bufio"
	"fmt"
	"net/netip"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// prober runs fping every ProbeInterval to every target (gateway to
// servers in the gateway's namespace; east-west, one fping per source
// server in that server's namespace) and keeps every reply: its sequence
// number and the time fping saw it (-D). fping holds its period where
// `ping -i 0.01` does not.
//
// Outages are counted in lost probes, as the simulation counts them: a
// run of k missing sequence numbers is k probe intervals. A busy machine
// that delays fping or the replies shifts the timestamps but loses no
// probe, so it does not show up as an outage; a reply later than
// probeTimeout counts as lost.
type prober struct {
	cmds []*exec.Cmd
	wg   sync.WaitGroup

	mu      sync.Mutex
	replies map[string][]reply // by target name, in arrival order
}

type reply struct {
	seq int
	t   time.Time
}

// probeTimeout is how late a reply may come and still count.
const probeTimeout = 100 * time.Millisecond

// fping -D -l: "[1700000000.12345] 10.1.0.2 : [12], 64 bytes, 0.05 ms (...)",
// the address padded to the longest target's.
var replyRE = regexp.MustCompile(`^\[(\d+)\.(\d+)\] (\S+) +: \[(\d+)\], \d+ bytes`)

// startProber starts one fping per source namespace of the lab's targets
// (the anycast VIP, probed by TCP banner, aside).
func startProber(l *Lab) (*prober, error) {
	p := &prober{replies: map[string][]reply{}}
	bySrc := map[string]map[netip.Addr]string{}
	var order []string
	for _, tg := range l.targets {
		if tg.anycast {
			continue // probed by TCP banner
		}
		if bySrc[tg.src] == nil {
			bySrc[tg.src] = map[netip.Addr]string{}
			order = append(order, tg.src)
		}
		bySrc[tg.src][tg.addr] = tg.name
		p.replies[tg.name] = nil
	}
	for _, src := range order {
		if err := p.fping(src, bySrc[src]); err != nil {
			p.stop()
			return nil, err
		}
	}
	return p, nil
}

// fping starts fping in namespace ns to every address of targets, whose
// replies it records under the targets' names.
func (p *prober) fping(ns string, targets map[netip.Addr]string) error {
	args := []string{"netns", "exec", ns}
	// The measuring instrument runs at a real-time priority, so that a
	// busy machine delays its probes less than the routers it measures.
	if chrt, err := LookBinary("chrt"); err == nil {
		args = append(args, chrt, "-f", "10")
	}
	args = append(args, "fping", "-D", "-l",
		"-p", strconv.Itoa(int(ProbeInterval/time.Millisecond)),
		"-i", "1", // between packets to different targets
		"-t", strconv.Itoa(int(probeTimeout/time.Millisecond)),
	)
	addrs := make([]netip.Addr, 0, len(targets))
	for a := range targets {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	for _, a := range addrs {
		args = append(args, a.String())
	}
	cmd := exec.Command("ip", args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("fping in %s: %w", ns, err)
	}
	p.cmds = append(p.cmds, cmd)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if r, a, ok := parseReply(sc.Text()); ok {
				if name, ok := targets[a]; ok {
					p.record(name, r)
				}
			}
		}
		_ = cmd.Wait()
	}()
	return nil
}

// record keeps a reply of the named target.
func (p *prober) record(name string, r reply) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if rs, ok := p.replies[name]; ok {
		p.replies[name] = append(rs, r)
	}
}

// parseReply reads one line of fping -D -l.
func parseReply(s string) (reply, netip.Addr, bool) {
	m := replyRE.FindStringSubmatch(s)
	if m == nil {
		return reply{}, netip.Addr{}, false
	}
	a, err := netip.ParseAddr(m[3])
	if err != nil {
		return reply{}, netip.Addr{}, false
	}
	sec, err1 := strconv.ParseInt(m[1], 10, 64)
	seq, err2 := strconv.Atoi(m[4])
	frac := m[2]
	if len(frac) > 9 {
		frac = frac[:9]
	}
	for len(frac) < 9 {
		frac += "0"
	}
	ns, err3 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return reply{}, netip.Addr{}, false
	}
	return reply{seq: seq, t: time.Unix(sec, ns)}, a, true
}

// since returns the named target's replies that arrived at or after from.
func (p *prober) since(name string, from time.Time) []reply {
	p.mu.Lock()
	defer p.mu.Unlock()
	rs := p.replies[name]
	i, _ := slices.BinarySearchFunc(rs, from, func(x reply, y time.Time) int { return x.t.Compare(y) })
	return slices.Clone(rs[i:])
}

func (p *prober) stop() {
	for _, c := range p.cmds {
		if c.Process != nil {
			_ = c.Process.Signal(syscall.SIGKILL)
		}
	}
	p.wg.Wait()
}

// stretch describes one server's replies since a fault.
type stretch struct {
	ok    bool      // answering now, with no long loss since start
	start time.Time // start of the current stretch without a long loss
	first time.Time // first reply at or after the fault (zero: none)
	// lost is the longest run of lost probes whose next reply came after
	// the fault (or, when the server has not answered for lag, the time
	// since its last reply); at is the last reply before it.
	lost time.Duration
	at   time.Time
	// losses are every run of lost probes after the fault (last reply
	// before, first after: zero while it lasts, and the count);
	// recovered is the end of the last run.
	losses    []loss
	recovered time.Time
}

type loss struct {
	from, to time.Time
	probes   int
}

// lossTolerance is the longest run of lost probes that does not break a
// stretch: a loaded machine may drop a probe now and then.
const lossTolerance = 2

// lag is how long the last reply may be in the past and the server still
// count as answering now (fping's output is buffered).
const lag = 500 * time.Millisecond

// measure looks at the named target's replies from t0 until now.
func (p *prober) measure(name string, t0, now time.Time) stretch {
	// Replies from a little before the fault give the sequence number
	// the fault interrupted.
	rs := p.since(name, t0.Add(-200*time.Millisecond))
	var st stretch
	if len(rs) == 0 {
		return st
	}
	st.start = rs[0].t
	if rs[0].t.Before(t0) {
		st.start = t0
	}
	maxSeq := rs[0].seq
	prev := rs[0].t
	for _, r := range rs {
		if !r.t.Before(t0) && st.first.IsZero() {
			st.first = r.t
		}
		if r.seq <= maxSeq {
			prev = r.t
			continue // the first, or late and out of order
		}
		missing := r.seq - maxSeq - 1
		maxSeq = r.seq
		if missing > 0 && r.t.After(t0) {
			st.losses = append(st.losses, loss{from: prev, to: r.t, probes: missing})
			if d := time.Duration(missing) * ProbeInterval; d > st.lost {
				st.lost, st.at = d, prev
			}
			st.recovered = r.t
			if missing > lossTolerance {
				st.start = r.t
			}
		}
		prev = r.t
	}
	last := rs[len(rs)-1].t
	if g := now.Sub(last); g > lag {
		if g > st.lost {
			st.lost, st.at = g, last
		}
		st.losses = append(st.losses, loss{from: last})
		return st
	}
	st.ok = true
	return st
}

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

// prober runs fping in the gateway's namespace, every ProbeInterval to
// every server, and keeps the arrival time of every reply. fping holds
// its period where `ping -i 0.01` does not, and -D stamps each reply with
// the time fping saw it, so that buffering of its output does not matter.
type prober struct {
	cmd  *exec.Cmd
	done chan struct{}

	mu      sync.Mutex
	replies map[netip.Addr][]time.Time
	lines   int
}

// fping -D -l: "[1700000000.12345] 10.1.0.2 : [12], 64 bytes, 0.05 ms (...)".
var replyRE = regexp.MustCompile(`^\[(\d+)\.(\d+)\] (\S+) : \[\d+\], \d+ bytes`)

func startProber(l *Lab) (*prober, error) {
	args := []string{"netns", "exec", l.gw.name, "fping", "-D", "-l",
		"-p", strconv.Itoa(int(ProbeInterval / time.Millisecond)),
		"-i", "1", // between packets to different servers
		"-t", "500", // a late reply still counts
	}
	p := &prober{replies: map[netip.Addr][]time.Time{}, done: make(chan struct{})}
	for _, s := range l.servers {
		args = append(args, s.addr.String())
		p.replies[s.addr] = nil
	}
	p.cmd = exec.Command("ip", args...)
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("fping: %w", err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.line(sc.Text())
		}
		_ = p.cmd.Wait()
	}()
	return p, nil
}

func (p *prober) line(s string) {
	m := replyRE.FindStringSubmatch(s)
	if m == nil {
		return
	}
	a, err := netip.ParseAddr(m[3])
	if err != nil {
		return
	}
	sec, _ := strconv.ParseInt(m[1], 10, 64)
	frac := m[2]
	for len(frac) < 9 {
		frac += "0"
	}
	ns, _ := strconv.ParseInt(frac[:9], 10, 64)
	t := time.Unix(sec, ns)
	p.mu.Lock()
	defer p.mu.Unlock()
	if rs, ok := p.replies[a]; ok {
		// Replies arrive in order; keep the slice sorted regardless.
		if n := len(rs); n > 0 && t.Before(rs[n-1]) {
			i, _ := slices.BinarySearchFunc(rs, t, func(x, y time.Time) int { return x.Compare(y) })
			p.replies[a] = slices.Insert(rs, i, t)
		} else {
			p.replies[a] = append(rs, t)
		}
		p.lines++
	}
}

// snapshot returns a's replies since from.
func (p *prober) since(a netip.Addr, from time.Time) []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	rs := p.replies[a]
	i, _ := slices.BinarySearchFunc(rs, from, func(x, y time.Time) int { return x.Compare(y) })
	return slices.Clone(rs[i:])
}

func (p *prober) stop() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-p.done
}

// stretch describes one server's replies since a fault.
type stretch struct {
	ok    bool      // answering now, without a gap since start
	start time.Time // start of the current gap-free stretch
	first time.Time // first reply at or after the fault (zero: none)
	// gap is the longest time between two replies with the later one
	// after the fault, or from the last reply until now when the server
	// has not answered since.
	gap time.Duration
	at  time.Time // when that gap began
}

// gapTolerance is the longest pause between replies still counted as
// continuous (a loaded machine may delay a few probes).
const gapTolerance = 100 * time.Millisecond

// lag is how long the last reply may be in the past and the server still
// count as answering now (fping's output is buffered).
const lag = 500 * time.Millisecond

// measure looks at a's replies from t0 until now.
func (p *prober) measure(a netip.Addr, t0, now time.Time) stretch {
	rs := p.since(a, t0.Add(-gapTolerance))
	var st stretch
	if len(rs) == 0 {
		return st
	}
	// A reply just before the fault counts as the start of the stretch.
	st.start = rs[0]
	if rs[0].Before(t0) {
		st.start = t0
	}
	for i, r := range rs {
		if !r.Before(t0) && st.first.IsZero() {
			st.first = r
		}
		if i == 0 {
			continue
		}
		if g := r.Sub(rs[i-1]); g > st.gap && r.After(t0) {
			st.gap, st.at = g, rs[i-1]
		}
		if r.Sub(rs[i-1]) > gapTolerance {
			st.start = r
		}
	}
	last := rs[len(rs)-1]
	if g := now.Sub(last); g > lag {
		if g > st.gap {
			st.gap, st.at = g, last
		}
		return st
	}
	st.ok = true
	return st
}

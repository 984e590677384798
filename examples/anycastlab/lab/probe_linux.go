//go:build linux

package lab

import (
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/switchless/routing/internal/labns"
	"github.com/vishvananda/netns"
)

// prober connects to VIP:25 from a client's namespace every
// ProbeInterval and reads the banner: which server answered, or a
// failure. Each probe runs on one of a pool of workers, each an OS thread
// switched into the namespace for good (a socket belongs to the namespace
// of the thread that creates it), so that a probe waiting for its
// timeout does not hold up the next.
type prober struct {
	jobs chan int
	quit chan struct{}
	wg   sync.WaitGroup

	mu     sync.Mutex
	probes []probe
}

// probeWorkers is enough for every probe of a timeout in flight at once.
const probeWorkers = int(ProbeTimeout/ProbeInterval) + 8

func startProber(n *labns.NS) (*prober, error) {
	p := &prober{jobs: make(chan int, probeWorkers), quit: make(chan struct{})}
	target := netip.AddrPortFrom(VIP.Addr(), Port).String()
	ready := make(chan error, probeWorkers)
	for range probeWorkers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			// Never unlocked: the thread ends with the goroutine rather
			// than go back to the pool in the client's namespace.
			runtime.LockOSThread()
			h, err := netns.GetFromName(n.Name)
			if err == nil {
				err = netns.Set(h)
				h.Close()
			}
			ready <- err
			if err != nil {
				return
			}
			for seq := range p.jobs {
				name, err := readBanner(&net.Dialer{}, target, ProbeTimeout)
				if err != nil {
					name = ""
				}
				p.mu.Lock()
				p.probes[seq].server, p.probes[seq].done = name, true
				p.mu.Unlock()
			}
		}()
	}
	for range probeWorkers {
		if err := <-ready; err != nil {
			close(p.jobs)
			p.wg.Wait()
			return nil, fmt.Errorf("prober in %s: %w", n.Name, err)
		}
	}
	go p.loop()
	return p, nil
}

func (p *prober) loop() {
	t := time.NewTicker(ProbeInterval)
	defer t.Stop()
	defer close(p.jobs)
	for {
		select {
		case <-p.quit:
			return
		case now := <-t.C:
			p.mu.Lock()
			seq := len(p.probes)
			p.probes = append(p.probes, probe{start: now})
			p.mu.Unlock()
			select {
			case p.jobs <- seq:
			default:
				// Every worker busy: the probe counts as failed.
				p.mu.Lock()
				p.probes[seq].done = true
				p.mu.Unlock()
			}
		}
	}
}

// snapshot returns the probes started at or after t0 (and 100 ms before,
// which analyze skips).
func (p *prober) snapshot(t0 time.Time) []probe {
	p.mu.Lock()
	defer p.mu.Unlock()
	i, _ := slices.BinarySearchFunc(p.probes, t0.Add(-100*time.Millisecond), func(x probe, y time.Time) int { return x.start.Compare(y) })
	return slices.Clone(p.probes[i:])
}

func (p *prober) stop() {
	close(p.quit)
	p.wg.Wait()
}

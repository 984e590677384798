//go:build linux

package lab

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/vishvananda/netns"
)

// This file holds scenarios S5 and S5r (ring.AnycastSpec) for our stack:
// the VIP on the loopback of each replica's server, a tiny SMTP-like
// listener there ("220 <name>" on port 25, VIP and own address alike),
// and a probe from the gateway that connects to VIP:25 and reads the
// banner, so that a replica whose service is down counts as lost even
// though its host still answers pings.

// inNS runs fn on a thread in the named namespace: sockets fn creates
// live there for good.
func inNS(name string, fn func() error) error {
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	target, err := netns.GetFromName(name)
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer target.Close()
	if err := netns.Set(target); err != nil {
		runtime.UnlockOSThread()
		return err
	}
	ferr := fn()
	if err := netns.Set(orig); err != nil {
		// The thread stays in the wrong namespace: leave it locked, so
		// that it ends with this goroutine.
		return errors.Join(ferr, err)
	}
	runtime.UnlockOSThread()
	return ferr
}

// service is the listener of one replica server.
type service struct {
	name, ns string
	mu       sync.Mutex
	ln       net.Listener
	wg       sync.WaitGroup
}

// start listens on port 25 of every address of the server's namespace.
func (s *service) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return nil
	}
	var ln net.Listener
	if err := inNS(s.ns, func() (err error) {
		ln, err = net.Listen("tcp4", ":25")
		return err
	}); err != nil {
		return fmt.Errorf("listener on %s: %w", s.name, err)
	}
	s.ln = ln
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.SetDeadline(time.Now().Add(time.Second))
			_, _ = fmt.Fprintf(c, "220 %s\r\n", s.name)
			_ = c.Close()
		}
	}()
	return nil
}

// stop closes the listener: connections are refused from now on.
func (s *service) stop() error {
	s.mu.Lock()
	ln := s.ln
	s.ln = nil
	s.mu.Unlock()
	if ln == nil {
		return nil
	}
	err := ln.Close()
	s.wg.Wait()
	return err
}

// setupAnycast puts the VIP on each replica server's loopback, starts its
// listener and routes the VIP from the gateway to the upstream VIP. Only
// our stack runs it: the servers are then probed through it (S5, S5r).
func (l *Lab) setupAnycast() error {
	a := l.spec.Anycast
	if a == nil || l.opt.Stack != Ours {
		return nil
	}
	for _, name := range a.Replicas {
		var srv *server
		for _, s := range l.servers {
			if s.node == name && srv == nil {
				srv = s
			}
		}
		if srv == nil {
			return fmt.Errorf("anycast: no server behind %s", name)
		}
		if err := srv.ns.IP("addr", "add", netip.PrefixFrom(a.VIP, 32).String(), "dev", "lo"); err != nil {
			return err
		}
		svc := &service{name: srv.name, ns: srv.ns.Name}
		if err := svc.start(); err != nil {
			return err
		}
		l.services = append(l.services, svc)
	}
	if err := l.gw.IP("route", "add", netip.PrefixFrom(a.VIP, 32).String(), "via", l.spec.Upstream.VIP.String()); err != nil {
		return err
	}
	l.targets = append(l.targets, &target{name: anycastTarget, addr: a.VIP, anycast: true})
	return nil
}

// startBannerProbe probes VIP:25 from the gateway every ProbeInterval
// into p, on a thread of its own in the gateway's namespace: a probe
// answers when the connection opens and its first line starts "220"
// within probeTimeout. Sequence numbers count intervals since the start,
// so that a probe that has to wait for its predecessor's timeout leaves
// the intervals it missed as lost.
func startBannerProbe(l *Lab, p *prober, vip netip.Addr) (stop func(), err error) {
	p.mu.Lock()
	p.replies[anycastTarget] = nil
	p.mu.Unlock()
	done, exited := make(chan struct{}), make(chan struct{})
	started := make(chan error, 1)
	go func() {
		defer close(exited)
		runtime.LockOSThread() // never unlocked: the thread ends with us
		target, err := netns.GetFromName(l.gw.Name)
		if err == nil {
			err = netns.Set(target)
			target.Close()
		}
		started <- err
		if err != nil {
			return
		}
		addr := net.JoinHostPort(vip.String(), "25")
		t0 := time.Now()
		tick := time.NewTicker(ProbeInterval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				seq := int(now.Sub(t0) / ProbeInterval)
				if bannerOK(addr, now.Add(probeTimeout)) {
					p.record(anycastTarget, reply{seq: seq, t: time.Now()})
				}
			}
		}
	}()
	if err := <-started; err != nil {
		<-exited
		return nil, fmt.Errorf("banner probe in %s: %w", l.gw.Name, err)
	}
	return func() { close(done); <-exited }, nil
}

// bannerOK connects to addr and reads a line starting "220" by deadline.
func bannerOK(addr string, deadline time.Time) bool {
	c, err := net.DialTimeout("tcp4", addr, time.Until(deadline))
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(deadline)
	line, err := bufio.NewReaderSize(c, 128).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "220 ")
}

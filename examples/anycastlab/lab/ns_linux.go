//go:build linux

package lab

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// netNS is a network namespace the lab created.
type netNS struct {
	name string
	h    *netlink.Handle // netlink in the namespace, for fast link changes
}

// newNS creates the namespace and brings its loopback up.
func newNS(name string) (*netNS, error) {
	if err := run("ip", "netns", "add", name); err != nil {
		return nil, err
	}
	n := &netNS{name: name}
	nsh, err := netns.GetFromName(name)
	if err != nil {
		_ = run("ip", "netns", "del", name)
		return nil, fmt.Errorf("namespace %s: %w", name, err)
	}
	n.h, err = netlink.NewHandleAt(nsh)
	nsh.Close()
	if err != nil {
		_ = run("ip", "netns", "del", name)
		return nil, fmt.Errorf("netlink in %s: %w", name, err)
	}
	if err := n.ip("link", "set", "lo", "up"); err != nil {
		n.del()
		return nil, err
	}
	return n, nil
}

// del deletes the namespace (only ever one the lab created).
func (n *netNS) del() {
	if n.h != nil {
		n.h.Close()
	}
	_ = run("ip", "netns", "del", n.name)
}

// ip runs `ip -n NS args...`.
func (n *netNS) ip(args ...string) error {
	return run("ip", append([]string{"-n", n.name}, args...)...)
}

// exec runs a program inside the namespace and returns its output.
func (n *netNS) exec(name string, args ...string) (string, error) {
	return output("ip", append([]string{"netns", "exec", n.name, name}, args...)...)
}

func run(name string, args ...string) error {
	_, err := output(name, args...)
	return err
}

func output(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return string(out), nil
}

// proc is a daemon the lab started inside a namespace. `ip netns exec`
// replaces itself with the program, so the pid is the daemon's own.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
	err  error
	once sync.Once
}

// startProc starts bin in the namespace with its output appended to
// logPath.
func startProc(n *netNS, logPath, bin string, args ...string) (*proc, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("ip", append([]string{"netns", "exec", n.name, bin}, args...)...)
	cmd.Stdout, cmd.Stderr = f, f
	// If the lab dies, so do its daemons.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s in %s: %w", bin, n.name, err)
	}
	p := &proc{name: bin, cmd: cmd, log: f, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill crashes the process (SIGKILL) and waits for it.
func (p *proc) kill() {
	p.once.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	})
}

// stop sends SIGTERM, waits up to timeout, then SIGKILLs.
func (p *proc) stop(timeout time.Duration) {
	p.once.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(timeout):
			_ = p.cmd.Process.Signal(syscall.SIGKILL)
			<-p.done
		}
	})
}

// signalAll signals every process in the namespace (the lab's own: the
// namespace is the lab's, so is everything in it).
func signalAll(ns *netNS, sig syscall.Signal) error {
	out, err := output("ip", "netns", "pids", ns.name)
	if err != nil {
		return err
	}
	// The lab itself is never one of them, although `ip netns pids`
	// may list it: it reads /proc/PID/ns/net, the namespace of the
	// process's main thread, and the Go runtime may run a probe that
	// switched its locked thread into the namespace on that very thread.
	self := os.Getpid()
	for _, f := range strings.Fields(out) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 1 && pid != self {
			_ = syscall.Kill(pid, sig)
		}
	}
	return nil
}

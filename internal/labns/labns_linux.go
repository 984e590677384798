package labns

import (
	"bytes"
	"errors"
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

// NS is a network namespace the lab created.
type NS struct {
	Name string
	// H is netlink in the namespace, for fast link and route changes.
	H *netlink.Handle
}

// New creates the namespace and brings its loopback up.
func New(name string) (*NS, error) {
	if err := Run("ip", "netns", "add", name); err != nil {
		return nil, err
	}
	n := &NS{Name: name}
	nsh, err := netns.GetFromName(name)
	if err != nil {
		_ = Run("ip", "netns", "del", name)
		return nil, fmt.Errorf("namespace %s: %w", name, err)
	}
	n.H, err = netlink.NewHandleAt(nsh)
	nsh.Close()
	if err != nil {
		_ = Run("ip", "netns", "del", name)
		return nil, fmt.Errorf("netlink in %s: %w", name, err)
	}
	if err := n.IP("link", "set", "lo", "up"); err != nil {
		n.Del()
		return nil, err
	}
	return n, nil
}

// Del deletes the namespace (only ever one the lab created).
func (n *NS) Del() {
	if n.H != nil {
		n.H.Close()
	}
	_ = Run("ip", "netns", "del", n.Name)
}

// IP runs `ip -n NS args...`.
func (n *NS) IP(args ...string) error {
	return Run("ip", append([]string{"-n", n.Name}, args...)...)
}

// Exec runs a program inside the namespace and returns its output.
func (n *NS) Exec(name string, args ...string) (string, error) {
	return Output("ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// SetLinks sets interfaces administratively up or down through netlink,
// all within a few microseconds of each other.
func (n *NS) SetLinks(up bool, names ...string) error {
	var errs []error
	for _, name := range names {
		l, err := n.H.LinkByName(name)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s in %s: %w", name, n.Name, err))
			continue
		}
		if up {
			err = n.H.LinkSetUp(l)
		} else {
			err = n.H.LinkSetDown(l)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("set %s in %s: %w", name, n.Name, err))
		}
	}
	return errors.Join(errs...)
}

// SignalAll signals every process in the namespace (the lab's own: the
// namespace is the lab's, so is everything in it).
func (n *NS) SignalAll(sig syscall.Signal) error {
	out, err := Output("ip", "netns", "pids", n.Name)
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

// Run runs a command and returns its error with its output.
func Run(name string, args ...string) error {
	_, err := Output(name, args...)
	return err
}

// Output runs a command and returns its combined output; the error
// carries the command line and the output.
func Output(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return string(out), nil
}

// Proc is a daemon the lab started inside a namespace. `ip netns exec`
// replaces itself with the program, so the pid is the daemon's own.
type Proc struct {
	Name string
	Cmd  *exec.Cmd
	Log  *os.File
	// Err is the process's exit, valid once Exited.
	Err  error
	done chan struct{}
	once sync.Once
}

// Start starts bin in the namespace with its output appended to logPath.
// If the lab dies, so do its daemons (Pdeathsig).
func Start(n *NS, logPath, bin string, args ...string) (*Proc, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("ip", append([]string{"netns", "exec", n.Name, bin}, args...)...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s in %s: %w", bin, n.Name, err)
	}
	p := &Proc{Name: bin, Cmd: cmd, Log: f, done: make(chan struct{})}
	go func() {
		p.Err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process's pid.
func (p *Proc) Pid() int { return p.Cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Kill crashes the process (SIGKILL) and waits for it.
func (p *Proc) Kill() {
	p.once.Do(func() {
		_ = p.Cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	})
}

// Stop sends SIGTERM, waits up to timeout, then SIGKILLs.
func (p *Proc) Stop(timeout time.Duration) {
	p.once.Do(func() {
		_ = p.Cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(timeout):
			_ = p.Cmd.Process.Signal(syscall.SIGKILL)
			<-p.done
		}
	})
}

package nstest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netns"
)

// InCI reports whether the tests run under CI (CI=true), where a missing
// prerequisite is a failure rather than a skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// Unavailable skips the test with the reason, or fails it under CI.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("prerequisite missing under CI=true: %s", msg)
	}
	t.Skip(msg)
}

// RequireRoot skips (or, under CI, fails) unless the test runs as root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Unavailable(t, "needs root to build network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		Unavailable(t, "needs iproute2's ip: %v", err)
	}
}

// RequireBinary returns the absolute path of a program, looking in PATH
// and in the places Debian puts daemons (/usr/lib/frr, /usr/sbin, /sbin).
// It skips (or, under CI, fails) when the program is not installed.
func RequireBinary(t testing.TB, name string) string {
	t.Helper()
	if p, err := LookBinary(name); err == nil {
		return p
	}
	Unavailable(t, "needs %s (apt-get install frr bird2 keepalived tshark)", name)
	return ""
}

// LookBinary finds a program like RequireBinary, returning an error.
func LookBinary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return filepath.Abs(p)
	}
	for _, dir := range []string{"/usr/lib/frr", "/usr/sbin", "/sbin", "/usr/bin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("nstest: %s not found", name)
}

// NS is a network namespace created for one test.
type NS struct {
	name string
}

// New creates a network namespace named prefix plus a random suffix, brings
// its loopback up, and deletes it when the test ends. Keep prefixes short:
// interface-name limits do not apply, but names show up in `ip netns`.
func New(t testing.TB, prefix string) *NS {
	t.Helper()
	RequireRoot(t)
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	ns := &NS{name: prefix + hex.EncodeToString(b[:])}
	if out, err := exec.Command("ip", "netns", "add", ns.name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", ns.name, err, out)
	}
	t.Cleanup(func() {
		// Processes still inside keep the namespace alive as a mount;
		// deleting the name is all we own.
		_ = exec.Command("ip", "netns", "del", ns.name).Run()
	})
	ns.Exec(t, "ip", "link", "set", "lo", "up")
	return ns
}

// Name returns the namespace's name as known to `ip netns`.
func (ns *NS) Name() string { return ns.name }

// Path returns the namespace's bind-mount path, /run/netns/NAME.
func (ns *NS) Path() string { return filepath.Join("/run/netns", ns.name) }

// Command returns an *exec.Cmd that runs name inside the namespace.
func (ns *NS) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns.name, name}, args...)...)
}

// Try runs a command inside the namespace and returns its combined output.
func (ns *NS) Try(name string, args ...string) (string, error) {
	out, err := ns.Command(name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s in %s: %w: %s", name, strings.Join(args, " "), ns.name, err, bytes.TrimSpace(out))
	}
	return string(out), nil
}

// Exec runs a command inside the namespace, failing the test on error, and
// returns its combined output.
func (ns *NS) Exec(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := ns.Try(name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Do runs f on an OS thread switched into the namespace. Sockets and
// netlink handles created inside f belong to the namespace and stay there
// after Do returns. The thread is switched back before it is released.
func (ns *NS) Do(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- fmt.Errorf("nstest: current namespace: %w", err)
			runtime.UnlockOSThread()
			return
		}
		defer orig.Close()
		target, err := netns.GetFromName(ns.name)
		if err != nil {
			errc <- fmt.Errorf("nstest: namespace %s: %w", ns.name, err)
			runtime.UnlockOSThread()
			return
		}
		defer target.Close()
		if err := netns.Set(target); err != nil {
			errc <- fmt.Errorf("nstest: enter %s: %w", ns.name, err)
			runtime.UnlockOSThread()
			return
		}
		ferr := f()
		if err := netns.Set(orig); err != nil {
			// The thread is in the wrong namespace: leave it locked so
			// the runtime destroys it instead of reusing it.
			errc <- errors.Join(ferr, fmt.Errorf("nstest: leave %s: %w", ns.name, err))
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// LinkIndex returns the ifindex of an interface inside the namespace.
func (ns *NS) LinkIndex(t testing.TB, name string) int {
	t.Helper()
	out := strings.TrimSpace(ns.Exec(t, "cat", "/sys/class/net/"+name+"/ifindex"))
	var idx int
	if _, err := fmt.Sscan(out, &idx); err != nil {
		t.Fatalf("ifindex of %s in %s: %q: %v", name, ns.name, out, err)
	}
	return idx
}

// Veth creates a veth pair, moves one end into a (named aName) and the
// other into b (named bName) and brings both up. Interface indexes are
// left to the kernel; see VethIndex to choose them.
func Veth(t testing.TB, a *NS, aName string, b *NS, bName string) {
	t.Helper()
	VethIndex(t, a, aName, 0, b, bName, 0)
}

// VethIndex is Veth with explicit interface indexes (0 lets the kernel
// choose). Distinct indexes across namespaces avoid link-event batching
// surprises when many namespaces share a kernel.
func VethIndex(t testing.TB, a *NS, aName string, aIdx int, b *NS, bName string, bIdx int) {
	t.Helper()
	var r [3]byte
	if _, err := rand.Read(r[:]); err != nil {
		t.Fatal(err)
	}
	tmpA, tmpB := "nt"+hex.EncodeToString(r[:])+"a", "nt"+hex.EncodeToString(r[:])+"b"
	args := []string{"link", "add", tmpA}
	if aIdx > 0 {
		args = append(args, "index", fmt.Sprint(aIdx))
	}
	args = append(args, "type", "veth", "peer", "name", tmpB)
	if bIdx > 0 {
		args = append(args, "index", fmt.Sprint(bIdx))
	}
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	for _, m := range []struct {
		tmp, name string
		ns        *NS
	}{{tmpA, aName, a}, {tmpB, bName, b}} {
		if out, err := exec.Command("ip", "link", "set", m.tmp, "netns", m.ns.name).CombinedOutput(); err != nil {
			_ = exec.Command("ip", "link", "del", tmpA).Run()
			t.Fatalf("move %s into %s: %v: %s", m.tmp, m.ns.name, err, out)
		}
		m.ns.Exec(t, "ip", "link", "set", m.tmp, "name", m.name)
		m.ns.Exec(t, "ip", "link", "set", m.name, "up")
	}
}

// TempDir returns a per-test directory that daemons dropping privileges
// (frr, bird, keepalived) can write to: mode 0777, removed at cleanup.
func TempDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	// t.TempDir's parents are 0700; daemons running as another user need
	// to traverse them.
	for d := dir; d != os.TempDir() && d != "/" && d != "."; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Proc is a background process started inside a namespace.
type Proc struct {
	cmd  *exec.Cmd
	out  lockedBuffer
	done chan struct{}
	err  error
	once sync.Once
}

// Start runs a program in the background inside the namespace. Its output
// is captured (Output), and it is stopped when the test ends. Only this
// process is ever signalled.
func (ns *NS) Start(t testing.TB, name string, args ...string) *Proc {
	t.Helper()
	p := &Proc{cmd: ns.Command(name, args...), done: make(chan struct{})}
	p.cmd.Stdout = &p.out
	p.cmd.Stderr = &p.out
	// ip netns exec replaces itself with the program (execvp), so the pid
	// we hold is the daemon's own.
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s in %s: %v", name, ns.name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(p.Stop)
	return p
}

// Pid returns the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Output returns everything the process printed so far.
func (p *Proc) Output() string { return p.out.String() }

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited, and its wait error.
func (p *Proc) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Stop sends SIGTERM, waits up to 5 s, then SIGKILLs. It is idempotent.
func (p *Proc) Stop() {
	p.once.Do(func() {
		select {
		case <-p.done:
			return
		default:
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
}

// Kill sends SIGKILL at once (a crash, not a shutdown) and waits.
func (p *Proc) Kill() {
	p.once.Do(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
}

// Eventually polls f every 50 ms until it returns nil or the real-time
// timeout passes, then fails the test with f's last error. It is meant for
// interop tests waiting on a real peer; simulations use the manual clock.
func Eventually(t testing.TB, timeout time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not true after %v: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// GoBuild builds the Go command in the directory pkg ("." for the test's
// own package) into a per-test directory and returns the binary's path,
// named name. It fails the test with the compiler's output.
func GoBuild(t testing.TB, pkg, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Stub adds a veth pair inside the namespace, both ends up, and puts
// prefix on the end named name (the other is name+"p"): a connected
// network with nothing on it, for redistribution tests.
func (ns *NS) Stub(t testing.TB, name, prefix string) {
	t.Helper()
	ns.Exec(t, "ip", "link", "add", name, "type", "veth", "peer", "name", name+"p")
	ns.Exec(t, "ip", "link", "set", name+"p", "up")
	ns.Exec(t, "ip", "link", "set", name, "up")
	ns.Exec(t, "ip", "addr", "add", prefix, "dev", name)
}

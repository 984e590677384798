//go:build unix

package daemon_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/switchless/routing/internal/daemon"
)

// TestLockInstance: a second lock on one socket fails at once, naming the
// first one's pid and the lock file; after Close the socket can be locked
// again and the file is gone.
func TestLockInstance(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "testd.sock")
	l1, err := daemon.LockInstance("testd", sock)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(sock + ".lock")
	if err != nil || string(b) != strconv.Itoa(os.Getpid())+"\n" {
		t.Errorf("lock file %q, %v: want our pid", b, err)
	}
	_, err = daemon.LockInstance("testd", sock)
	want := "testd: another instance is running (pid " + strconv.Itoa(os.Getpid()) + ", lock " + sock + ".lock)"
	if !errors.Is(err, daemon.ErrRunning) || err.Error() != want {
		t.Errorf("second lock: %v, want %q", err, want)
	}
	if err := l1.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sock + ".lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file after Close: %v", err)
	}
	l2, err := daemon.LockInstance("testd", sock)
	if err != nil {
		t.Fatalf("lock after Close: %v", err)
	}
	_ = l2.Close()
}

// TestLockInstanceStale: the lock file a dead process left (its pid in
// it, no lock held) does not block.
func TestLockInstanceStale(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "testd.sock")
	p := exec.Command("true")
	if err := p.Run(); err != nil {
		t.Skip("no true(1):", err)
	}
	if err := os.WriteFile(sock+".lock", []byte(strconv.Itoa(p.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := daemon.LockInstance("testd", sock)
	if err != nil {
		t.Fatalf("stale lock file blocked: %v", err)
	}
	defer l.Close()
	if b, _ := os.ReadFile(sock + ".lock"); string(b) != strconv.Itoa(os.Getpid())+"\n" {
		t.Errorf("lock file %q: want our pid", b)
	}
}

// TestCLIRunSecondInstance: a second run for a socket whose lock is held
// exits 1 with the reason before its run function is called, and the
// first one's socket stays.
func TestCLIRunSecondInstance(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "testd.sock")
	cli := daemon.CLI{Name: "testd", Socket: sock}
	first, err := daemon.LockInstance("testd", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if err := os.WriteFile(sock, nil, 0o600); err != nil { // the first one's socket
		t.Fatal(err)
	}
	var errb bytes.Buffer
	called := false
	code := cli.Run(daemon.Command{Name: "run"}, &errb, "info", "", "", func(context.Context, string, *slog.Logger, <-chan struct{}) error {
		called = true
		return nil
	})
	if code != 1 || called || !strings.HasPrefix(errb.String(), "testd: another instance is running (pid ") {
		t.Errorf("code %d, run called %v, stderr %q", code, called, errb.String())
	}
	if _, err := os.Stat(sock); err != nil {
		t.Errorf("the first instance's socket: %v", err)
	}
}

//go:build unix

package daemon

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// InstanceLock is the exclusive lock of one running daemon on its socket.
type InstanceLock struct {
	f    *os.File
	path string
}

// LockInstance takes the exclusive lock (flock) on LockPath(socket) for
// the life of the process, and writes the process's pid into the file.
// When another process holds it, it fails at once with an error wrapping
// ErrRunning: "ospfd: another instance is running (pid N, lock
// /run/ospfd.sock.lock)". A lock file left by a process that died does
// not block: the kernel released its lock with it.
func LockInstance(name, socket string) (*InstanceLock, error) {
	path := LockPath(socket)
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("%s: lock %s: %w", name, path, err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			b := make([]byte, 32)
			n, _ := f.ReadAt(b, 0)
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				pid := string(bytes.TrimSpace(b[:n]))
				if pid == "" {
					pid = "unknown"
				}
				return nil, fmt.Errorf("%s: %w (pid %s, lock %s)", name, ErrRunning, pid, path)
			}
			return nil, fmt.Errorf("%s: lock %s: %w", name, path, err)
		}
		// The holder before us may have removed the file between our open
		// and our flock (Close): then we hold a lock on a file nobody else
		// will open. Start over on the file the path names now.
		var st1, st2 syscall.Stat_t
		if syscall.Fstat(int(f.Fd()), &st1) != nil || syscall.Stat(path, &st2) != nil || st1.Ino != st2.Ino || st1.Dev != st2.Dev {
			f.Close()
			continue
		}
		pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
		err = f.Truncate(0)
		if err == nil {
			_, err = f.WriteAt(pid, 0)
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: lock %s: %w", name, path, err)
		}
		return &InstanceLock{f: f, path: path}, nil
	}
}

// Close removes the lock file and releases the lock: removed first, while
// still held, so that no other process locks a file about to disappear.
func (l *InstanceLock) Close() error {
	err := os.Remove(l.path)
	return errors.Join(err, l.f.Close())
}

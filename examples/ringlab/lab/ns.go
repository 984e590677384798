//go:build linux

package lab

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// killChild SIGKILLs the process whose pid is in pidFile, but only if it
// is a child of parent (a daemon's worker the lab's process forked), so
// that a stale file never kills a stranger. It returns the pid it killed,
// or 0.
func killChild(pidFile string, parent int) int {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 || pid == parent {
		return 0
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses: state ppid ...
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 || f[1] != strconv.Itoa(parent) {
		return 0
	}
	if syscall.Kill(pid, syscall.SIGKILL) != nil {
		return 0
	}
	return pid
}

// waitGone waits, up to timeout, until pid no longer exists: a killed
// process keeps its pid until it is reaped.
func waitGone(pid int, timeout time.Duration) {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); errors.Is(err, os.ErrNotExist) {
			return
		}
	}
}

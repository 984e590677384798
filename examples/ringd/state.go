package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/switchless/routing/ospf"
)

// The state file tells a starting ringd whether its previous run may have
// left a router-LSA in the ring (ring.NodeEnv.Restarted): a run that
// ended without flushing its LSAs (a crash, SIGKILL, a power cut) less
// than MaxAge ago. Neighbours keep such an LSA, with a higher sequence
// number than the new instance starts from, until it ages out (RFC 2328
// §14) or the node supersedes it (§13.4).

// heartbeatEvery is how often a running ringd refreshes the file, which
// bounds how stale "still running" may be.
const heartbeatEvery = time.Minute

// runState is the state file's content.
type runState struct {
	Node      string    `json:"node"`
	PID       int       `json:"pid"`
	Started   time.Time `json:"started"`
	Heartbeat time.Time `json:"heartbeat"`
	// Stopped is set by a graceful stop (LSAs flushed).
	Stopped time.Time `json:"stopped,omitzero"`
}

func defaultStateFile(node string) string {
	return filepath.Join("/var/lib/ringd", node+".state")
}

// wasRunning reads the state file: restarted is true when the previous
// run did not stop gracefully and was alive less than MaxAge (plus a
// heartbeat) ago; why says so in words. When the file cannot be read for
// another reason than its absence, ringd cannot tell and says restarted,
// as ring.NodeEnv asks.
func wasRunning(path string, now time.Time) (restarted bool, why string) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, "no state file: first run"
	}
	if err != nil {
		return true, fmt.Sprintf("state file unreadable (%v): assuming a restart", err)
	}
	var st runState
	if err := json.Unmarshal(b, &st); err != nil {
		return true, fmt.Sprintf("state file corrupt (%v): assuming a restart", err)
	}
	if !st.Stopped.IsZero() {
		return false, fmt.Sprintf("previous run stopped gracefully at %s", st.Stopped.Format(time.RFC3339))
	}
	if age := now.Sub(st.Heartbeat); age > ospf.MaxAge*time.Second+heartbeatEvery {
		return false, fmt.Sprintf("previous run (pid %d) last alive %v ago: its LSAs have aged out", st.PID, age.Round(time.Second))
	}
	return true, fmt.Sprintf("previous run (pid %d, started %s) did not stop gracefully", st.PID, st.Started.Format(time.RFC3339))
}

// writeState replaces the state file atomically.
func writeState(path string, st runState) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

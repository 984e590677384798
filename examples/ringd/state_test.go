package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStateFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "vr1.state")
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	check := func(name string, want bool, wantWhy string) {
		t.Helper()
		got, why := wasRunning(path, now)
		if got != want || !strings.Contains(why, wantWhy) {
			t.Errorf("%s: restarted %v (%s), want %v (%s)", name, got, why, want, wantWhy)
		}
	}
	check("absent", false, "first run")
	st := runState{Node: "vr1", PID: 42, Started: now.Add(-time.Hour), Heartbeat: now.Add(-30 * time.Second)}
	if err := writeState(path, st); err != nil {
		t.Fatal(err)
	}
	check("crashed recently", true, "did not stop gracefully")
	st.Heartbeat = now.Add(-2 * time.Hour)
	if err := writeState(path, st); err != nil {
		t.Fatal(err)
	}
	check("crashed long ago", false, "aged out")
	st.Heartbeat, st.Stopped = now.Add(-time.Second), now.Add(-time.Second)
	if err := writeState(path, st); err != nil {
		t.Fatal(err)
	}
	check("stopped", false, "gracefully")
	if err := os.WriteFile(path, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	check("corrupt", true, "corrupt")
}

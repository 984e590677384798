//go:build unix

package daemon_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchless/routing/internal/daemon"
)

// TestRunUntilSignal: SIGHUP reaches the reload channel (several as one)
// and leaves the run going; SIGTERM cancels it.
func TestRunUntilSignal(t *testing.T) {
	var b bytes.Buffer
	log := daemon.Logger(&b, "info", "")
	code := daemon.RunUntilSignal(log, "testd", func(ctx context.Context, reload <-chan struct{}) error {
		for range 3 {
			if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
				return err
			}
		}
		select {
		case <-reload:
		case <-time.After(10 * time.Second):
			return errors.New("SIGHUP did not reach the reload channel")
		}
		if ctx.Err() != nil {
			return errors.New("SIGHUP cancelled the context")
		}
		if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(10 * time.Second):
			return errors.New("SIGTERM did not cancel the context")
		}
	})
	if code != 0 {
		t.Errorf("exit code %d, log:\n%s", code, b.String())
	}
	code = daemon.RunUntilSignal(log, "testd", func(context.Context, <-chan struct{}) error { return errors.New("no such interface") })
	if code != 1 || !strings.Contains(b.String(), `msg=testd err="no such interface"`) {
		t.Errorf("exit code %d, log:\n%s", code, b.String())
	}
}

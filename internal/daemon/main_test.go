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

func TestLogger(t *testing.T) {
	for _, tc := range []struct {
		level       string
		debug, info bool
	}{
		{"debug", true, true}, {"", false, true}, {"info", false, true}, {"warn", false, false}, {"error", false, false},
	} {
		var b bytes.Buffer
		log := daemon.Logger(&b, tc.level)
		log.Debug("d")
		log.Info("i")
		log.Warn("w")
		log.Error("e")
		out := b.String()
		if strings.Contains(out, "msg=d") != tc.debug || strings.Contains(out, "msg=i") != tc.info ||
			strings.Contains(out, "msg=w") != (tc.level != "error") || !strings.Contains(out, "msg=e") {
			t.Errorf("level %q logged:\n%s", tc.level, out)
		}
	}
}

func TestRunUntilSignal(t *testing.T) {
	var b bytes.Buffer
	log := daemon.Logger(&b, "info")
	code := daemon.RunUntilSignal(log, "testd", func(ctx context.Context) error {
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
	code = daemon.RunUntilSignal(log, "testd", func(context.Context) error { return errors.New("no such interface") })
	if code != 1 || !strings.Contains(b.String(), `msg=testd err="no such interface"`) {
		t.Errorf("exit code %d, log:\n%s", code, b.String())
	}
}

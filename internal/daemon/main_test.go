package daemon_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
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

func TestStopGracefully(t *testing.T) {
	if err := daemon.StopGracefully(func(ctx context.Context) error {
		if dl, ok := ctx.Deadline(); !ok || time.Until(dl) < 4*time.Second || time.Until(dl) > 5*time.Second {
			return fmt.Errorf("deadline %v, %v: want 5 s from now", dl, ok)
		}
		return fmt.Errorf("stop: %w", context.DeadlineExceeded)
	}); err != nil {
		t.Errorf("running out of time: %v", err)
	}
	if err := daemon.StopGracefully(func(context.Context) error { return errors.New("closed twice") }); err == nil || err.Error() != "closed twice" {
		t.Errorf("got %v", err)
	}
}

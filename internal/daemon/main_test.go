package daemon_test

import (
	"bytes"
	"strings"
	"testing"

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

package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
		log := daemon.Logger(&b, tc.level, "")
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

func TestLoggerJSON(t *testing.T) {
	var b bytes.Buffer
	daemon.Logger(&b, "warn", "json").Warn("reload", "config", "x.yaml")
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil || m["msg"] != "reload" || m["level"] != "WARN" || m["config"] != "x.yaml" {
		t.Errorf("json log %q: %v, %v", b.String(), m, err)
	}
	b.Reset()
	daemon.Logger(&b, "", "text").Info("x")
	if !strings.Contains(b.String(), "level=INFO msg=x") {
		t.Errorf("text log %q", b.String())
	}
}

func TestCheckLogFormat(t *testing.T) {
	for in, want := range map[string]string{"": "", "text": "", "json": "", "JSON": `"JSON" is not text or json`, "logfmt": `"logfmt" is not text or json`} {
		if got := daemon.CheckLogFormat(in); got != want {
			t.Errorf("CheckLogFormat(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSameYAML(t *testing.T) {
	a := []byte("# comment\nrouter_id: 10.0.0.1\ninterfaces:\n  - name: eth0\n    cost: 10\n")
	for in, want := range map[string]bool{
		"router_id: 10.0.0.1\ninterfaces: [{cost: 10, name: eth0}]\n":      true,
		"interfaces:\n  - {name: eth0, cost: 10}\nrouter_id: '10.0.0.1'\n": true,
		"router_id: 10.0.0.1\ninterfaces: [{cost: 20, name: eth0}]\n":      false,
		"router_id: 10.0.0.1\n": false,
		"router_id: [\n":        false,
	} {
		if got := daemon.SameYAML(a, []byte(in)); got != want {
			t.Errorf("SameYAML(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestNextConfig: a reload that cannot be read or parsed, or that says
// the same, is logged and leaves the running configuration; a changed one
// is returned.
func TestNextConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.yaml")
	orig := []byte("name: a\ncount: 1\n")
	r := &daemon.Reloads{Path: path, Data: orig}
	parse := func(p string, b []byte) (conf, error) {
		var c conf
		err := daemon.DecodeYAMLStrict(p, b, &c)
		return c, err
	}
	var logb bytes.Buffer
	log := daemon.Logger(&logb, "info", "")
	for _, tc := range []struct {
		file    string // "" : missing
		changed bool
		log     string
	}{
		{"", false, "no such file"},
		{"name: a\ncount: x\n", false, `level=ERROR msg="reload: configuration rejected; still running the previous one"`},
		{"# same\ncount: 1\nname: a\n", false, `msg="reload: configuration unchanged"`},
		{"name: a\ncount: 2\n", true, ""},
	} {
		logb.Reset()
		_ = os.Remove(path)
		if tc.file != "" {
			if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		c, b, changed := daemon.NextConfig(r, log, parse)
		if changed != tc.changed || !strings.Contains(logb.String(), tc.log) || (changed && (c.Count != 2 || string(b) != tc.file)) {
			t.Errorf("%q: %+v, %q, %v; log %q", tc.file, c, b, changed, logb.String())
		}
	}
	logb.Reset()
	if err := os.WriteFile(path, []byte("name: a\ncount: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, changed := daemon.NextConfig(r, log, parse); changed || !strings.Contains(logb.String(), path+":2: count") {
		t.Errorf("a rejected reload does not log file:line: %q", logb.String())
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

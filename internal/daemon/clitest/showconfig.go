package clitest

import (
	"bytes"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchless/routing/internal/daemon"
)

// ShowConfig checks `NAME show config` against the daemon's status
// server (serve, as the daemon starts it with its RunningConfig): the
// text is the file's path, when it was loaded and its bytes; -json is a
// daemon.ConfigView that follows the JSON convention; and after a Set (a
// reload applied) both show the new bytes.
func ShowConfig(t *testing.T, main func(args []string, stdout, stderr io.Writer) int, serve func(path string, running *daemon.RunningConfig) (stop func(), err error)) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "status.sock")
	var running daemon.RunningConfig
	running.Set("/etc/d.yaml", []byte("a: 1\n"))
	stop, err := serve(sock, &running)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		rc := main(append(args, "-socket", sock), &out, &errb)
		return out.String(), errb.String(), rc
	}
	if out, errs, rc := run("show", "config"); rc != 0 || !strings.HasPrefix(out, "# /etc/d.yaml, loaded ") || !strings.HasSuffix(out, "\na: 1\n") {
		t.Errorf("show config: rc %d %s\n%s", rc, errs, out)
	}
	running.Set("/etc/d.yaml", []byte("b: 2"))
	if out, errs, rc := run("show", "config"); rc != 0 || !strings.HasSuffix(out, "\nb: 2\n") || strings.Contains(out, "a: 1") {
		t.Errorf("show config after a reload: rc %d %s\n%s", rc, errs, out)
	}
	js, errs, rc := run("show", "config", "-json")
	var cv daemon.ConfigView
	if err := json.Unmarshal([]byte(js), &cv); rc != 0 || err != nil || cv.Path != "/etc/d.yaml" || cv.YAML != "b: 2" || cv.LoadedAt.IsZero() {
		t.Errorf("show config -json: rc %d %s %v\n%s", rc, errs, err, js)
	}
	if p := daemon.LintJSON([]byte(js)); p != nil {
		t.Errorf("show config -json: JSON convention: %q\n%s", p, js)
	}
}

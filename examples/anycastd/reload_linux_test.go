//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// TestDaemon_ReloadServices: SIGHUP with a file that removes smtp and adds
// web (anycast.Instance.Reconfigure): the kernel gets web's VIP route and
// alias, loses smtp's route and, after its drain time, its alias. An
// invalid file changes nothing, is logged with file:line, and show
// config keeps the last good file.
func TestDaemon_ReloadServices(t *testing.T) {
	nstest.RequireRoot(t)
	anycastd := nstest.GoBuild(t, ".", "anycastd")
	s := nstest.New(t, "acrl")
	dir := nstest.TempDir(t)
	conf := filepath.Join(dir, "s.yaml")
	sock := filepath.Join(dir, "s.sock")
	file := func(name, vip string) string {
		return fmt.Sprintf(`addresses: {interface: lo}
speaker: kernel
services:
  - name: %s
    prefixes: [%s]
    interval: 100ms
    rise: 2
    fall: 2
    metric: 7
    checks: [{type: tcp_banner, address: "127.0.0.1:25"}]
    drain_time: 200ms
status: %s
`, name, vip, sock)
	}
	write := func(body string) {
		if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(file("smtp", "198.18.0.26/32"))
	startBanner(t, s)
	proc := startNetns(t, anycastd, "run", "-netns", s.Name(), "-config", conf)
	route := func(vip string) bool {
		out, err := s.Try("ip", "-j", "route", "show", vip)
		var rs []kernelRoute
		return err == nil && json.Unmarshal([]byte(out), &rs) == nil && len(rs) > 0
	}
	alias := func(vip string) bool {
		return strings.Contains(s.Exec(t, "ip", "-4", "addr", "show", "dev", "lo"), " "+vip+" ")
	}
	nstest.Eventually(t, 5*time.Second, func() error {
		if !route("198.18.0.26/32") {
			return fmt.Errorf("smtp not announced\n%s", proc.Output())
		}
		return nil
	})
	good := file("web", "198.18.0.80/32")
	write(good)
	if err := proc.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	nstest.Eventually(t, 5*time.Second, func() error {
		if !route("198.18.0.80/32") || !alias("198.18.0.80/32") {
			return fmt.Errorf("web not announced\n%s", proc.Output())
		}
		if route("198.18.0.26/32") || alias("198.18.0.26/32") {
			return fmt.Errorf("smtp not withdrawn and removed\n%s", proc.Output())
		}
		return nil
	})
	showConfig := func() string {
		out, err := s.Try(anycastd, "show", "config", "-status", sock)
		if err != nil {
			t.Fatalf("show config: %v\n%s", err, out)
		}
		return out
	}
	if out := showConfig(); !strings.HasSuffix(out, good) {
		t.Errorf("show config after the reload:\n%s", out)
	}

	write(strings.Replace(good, "rise: 2", "rise: -1", 1))
	if err := proc.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	nstest.Eventually(t, 5*time.Second, func() error {
		if !strings.Contains(proc.Output(), "s.yaml:7: services[0].rise") {
			return fmt.Errorf("no file:line rejection logged\n%s", proc.Output())
		}
		return nil
	})
	if !route("198.18.0.80/32") || !alias("198.18.0.80/32") {
		t.Errorf("a bad reload changed the announcement\n%s", proc.Output())
	}
	if out := showConfig(); !strings.HasSuffix(out, good) {
		t.Errorf("show config after a bad reload:\n%s", out)
	}
}

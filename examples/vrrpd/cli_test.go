package main

import (
	"context"
	"path/filepath"
	"testing"

	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/daemon/clitest"
)

// TestCLI: every subcommand and error path of vrrpd's command line;
// status is show under its old name.
func TestCLI(t *testing.T) {
	d := clitest.Daemon{Name: "vrrpd", Main: realMain, Example: "example.yaml", CheckOK: "example.yaml: OK\n", SocketKey: "socket", View: "routers"}
	none := filepath.Join(t.TempDir(), "none.sock")
	clitest.Run(t, realMain, append(d.Cases(t),
		clitest.Case{Name: "status alias", Args: []string{"status", "-socket", none}, Code: 1, Stderr: "vrrpd show routers: "},
		clitest.Case{Name: "status stray", Args: []string{"status", "bogus"}, Code: 2, Stderr: `vrrpd show: unknown view "bogus" (want routers, config)`},
		clitest.Case{Name: "help names the alias", Args: []string{"help"}, Stdout: "also status"},
	))
}

// TestShowConfig: show config prints the file last applied.
func TestShowConfig(t *testing.T) {
	clitest.ShowConfig(t, realMain, func(path string, running *daemonkit.RunningConfig) (func(), error) {
		return serveStatus(context.Background(), path, func() []RouterStatus { return nil }, running)
	})
}

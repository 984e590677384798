package main

import (
	"testing"

	"github.com/switchless/routing/bfd"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/rip"

	"github.com/switchless/routing/internal/daemon/clitest"
)

// TestCLI: every subcommand and error path of ripd's command line.
func TestCLI(t *testing.T) {
	d := clitest.Daemon{Name: "ripd", Main: realMain, Example: "example.yaml", CheckOK: "example.yaml: OK\n",
		SocketKey: "socket", View: "routes", Required: true}
	clitest.Run(t, realMain, append(d.Cases(t),
		clitest.Case{Name: "usage names the views", Args: []string{"show"}, Code: 2, Stderr: "usage: ripd show routes|neighbors|interfaces|stats|bfd|config [-json] [-socket PATH] [-config FILE]"},
	))
}

// TestShowConfig: show config prints the file last applied.
func TestShowConfig(t *testing.T) {
	clitest.ShowConfig(t, realMain, func(path string, running *daemonkit.RunningConfig) (func(), error) {
		return serveStatus(path, func() *rip.Instance { return nil }, func() *bfd.Instance { return nil }, running)
	})
}

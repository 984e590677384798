package main

import (
	"testing"

	"github.com/switchless/routing/bfd"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/ospf"

	"github.com/switchless/routing/internal/daemon/clitest"
)

// TestCLI: every subcommand and error path of ospfd's command line.
func TestCLI(t *testing.T) {
	d := clitest.Daemon{Name: "ospfd", Main: realMain, Example: "example.yaml", CheckOK: "example.yaml: OK\n",
		SocketKey: "socket", View: "neighbors", Required: true}
	clitest.Run(t, realMain, append(d.Cases(t),
		clitest.Case{Name: "show spf", Args: []string{"show", "spff"}, Code: 2, Stderr: `ospfd show: unknown view "spff" (want neighbors, database, routes, interfaces, spf, bfd, config)`},
	))
}

// TestShowConfig: show config prints the file last applied.
func TestShowConfig(t *testing.T) {
	clitest.ShowConfig(t, realMain, func(path string, running *daemonkit.RunningConfig) (func(), error) {
		return serveStatus(path, func() *ospf.Instance { return nil }, func() *bfd.Instance { return nil }, running)
	})
}

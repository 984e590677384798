package main

import (
	"testing"

	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/daemon/clitest"
)

// TestCLI: every subcommand and error path of ringd's command line.
func TestCLI(t *testing.T) {
	d := clitest.Daemon{Name: "ringd", Main: realMain, Example: "example.yaml",
		CheckOK: "example.yaml: OK: node vr1 (master edge) of a 5-node ring, profile fast, BFD 50ms × 3\nexample.yaml: simulate this ring's failures before cabling it: ringsim -config example.yaml\n", SocketKey: "socket", View: "node"}
	clitest.Run(t, realMain, d.Cases(t))
}

// TestShowConfig: show config prints the file last applied.
func TestShowConfig(t *testing.T) {
	clitest.ShowConfig(t, realMain, func(path string, running *daemonkit.RunningConfig) (func(), error) {
		return serveStatus(path, func() Status { return Status{} }, func() []LSAView { return nil }, running)
	})
}

package main

import (
	"testing"

	"github.com/switchless/routing/internal/daemon/clitest"
)

// TestCLI: every subcommand and error path of ringd's command line.
func TestCLI(t *testing.T) {
	d := clitest.Daemon{Name: "ringd", Main: realMain, Example: "example.yaml",
		CheckOK: "example.yaml: OK: node vr1 (master edge) of a 5-node ring, profile fast, BFD 50ms × 3\nexample.yaml: simulate this ring's failures before cabling it: ringsim -config example.yaml\n", SocketKey: "socket"}
	clitest.Run(t, realMain, d.Cases(t))
}

package main

import (
	"path/filepath"
	"testing"

	"github.com/switchless/routing/anycast"
	daemonkit "github.com/switchless/routing/internal/daemon"

	"github.com/switchless/routing/internal/daemon/clitest"
)

// TestCLI: every subcommand and error path of anycastd's command line;
// -status is -socket under its old name, -netns and -v are run's own.
func TestCLI(t *testing.T) {
	d := clitest.Daemon{Name: "anycastd", Main: realMain, Example: "example.yaml", CheckOK: "example.yaml: OK\n",
		SocketKey: "status", View: "rip"}
	none := filepath.Join(t.TempDir(), "none.sock")
	clitest.Run(t, realMain, append(d.Cases(t),
		clitest.Case{Name: "default view", Args: []string{"show", "-socket", none}, Code: 1, Stderr: "anycastd show services: "},
		clitest.Case{Name: "-status", Args: []string{"show", "bfd", "-status", none}, Code: 1, Stderr: "anycastd show bfd: dial unix " + none},
		clitest.Case{Name: "-netns on check", Args: []string{"check", "-netns", "x", "example.yaml"}, Code: 2, Stderr: "anycastd check: flag provided but not defined: -netns"},
		clitest.Case{Name: "help lists -netns", Args: []string{"help"}, Stdout: "anycastd [run] [-config FILE] [-socket PATH] [-netns NAME] [-v]\n"},
	))
}

// TestShowConfig: show config prints the file last applied.
func TestShowConfig(t *testing.T) {
	clitest.ShowConfig(t, realMain, func(path string, running *daemonkit.RunningConfig) (func(), error) {
		return serveStatus(path, statusSources{speaker: "rip", services: func() []anycast.ServiceStatus { return nil }}, running)
	})
}

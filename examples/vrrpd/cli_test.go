package main

import (
	"path/filepath"
	"testing"

	"github.com/switchless/routing/internal/daemon/clitest"
)

// TestCLI: every subcommand and error path of vrrpd's command line;
// status is show under its old name.
func TestCLI(t *testing.T) {
	d := clitest.Daemon{Name: "vrrpd", Main: realMain, Example: "example.yaml", CheckOK: "example.yaml: OK\n", SocketKey: "socket"}
	none := filepath.Join(t.TempDir(), "none.sock")
	clitest.Run(t, realMain, append(d.Cases(t),
		clitest.Case{Name: "status alias", Args: []string{"status", "-socket", none}, Code: 1, Stderr: "vrrpd show: "},
		clitest.Case{Name: "status stray", Args: []string{"status", "routers"}, Code: 2, Stderr: `vrrpd show: unexpected argument "routers"`},
		clitest.Case{Name: "help names the alias", Args: []string{"help"}, Stdout: "also status"},
	))
}

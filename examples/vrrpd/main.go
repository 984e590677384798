// Command vrrpd runs VRRP virtual routers (RFC 3768, RFC 5798) from a YAML
// configuration, on Linux.
//
// Usage:
//
//	vrrpd [run] -config /etc/vrrpd.yaml   run the routers until SIGTERM/SIGINT
//	vrrpd check -config /etc/vrrpd.yaml   validate the configuration and exit
//	vrrpd status [-json] [-socket PATH]   print the state of a running vrrpd
//
// On SIGTERM or SIGINT every Master sends an advertisement with priority 0
// and gives its virtual addresses up, so that a Backup takes over after
// Skew_Time. Notify commands run on every transition with NAME STATE REASON
// appended and VRRP_NAME, VRRP_INTERFACE, VRRP_VRID, VRRP_STATE,
// VRRP_FROM, VRRP_REASON, VRRP_MASTER and VRRP_PRIORITY in the
// environment. See example.yaml for the configuration.
package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	daemonkit "github.com/switchless/routing/internal/daemon"
)

const defaultSocket = "/run/vrrpd.sock"

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// cli is vrrpd's command line.
var cli = daemonkit.CLI{Name: "vrrpd", Status: "status", Config: "/etc/vrrpd.yaml", Socket: defaultSocket}

func realMain(args []string, stdout, stderr io.Writer) int {
	cmd, ok := cli.Parse(args, stderr)
	if !ok {
		return 2
	}
	if cmd.Name == "status" {
		raw, err := fetchStatus(cmp.Or(cmd.Socket, defaultSocket))
		if err != nil {
			fmt.Fprintf(stderr, "vrrpd status: %v\n", err)
			return 1
		}
		if err := printStatus(stdout, raw, cmd.JSON); err != nil {
			fmt.Fprintf(stderr, "vrrpd status: %v\n", err)
			return 1
		}
		return 0
	}
	l, err := LoadConfig(cmd.Config)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if cmd.Name == "check" {
		fmt.Fprintf(stdout, "%s: OK\n", cmd.Config)
		return 0
	}
	return cli.Run(cmd, stderr, l.LogLevel, l.Socket, func(ctx context.Context, socket string, log *slog.Logger) error {
		return run(ctx, l, socket, log)
	})
}

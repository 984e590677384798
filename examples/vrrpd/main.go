// Command vrrpd runs VRRP virtual routers (RFC 3768, RFC 5798) from a YAML
// configuration, on Linux.
//
// Usage:
//
//	vrrpd [run] [-config /etc/vrrpd.yaml] [-socket PATH]  run the routers until SIGTERM/SIGINT
//	vrrpd check [-config FILE | FILE]     validate the configuration and exit 0/1
//	vrrpd show [-json] [-socket PATH] [-config FILE]   the state of a running vrrpd (also: status)
//	vrrpd version                         module version and VCS revision
//	vrrpd help                            subcommands and flags
//
// Only one vrrpd runs per status socket: run holds an exclusive lock on
// SOCKET.lock (with its pid in it) from before it touches an interface
// until it exits, and a second run for the same socket fails at once.
// SIGHUP re-reads and validates the configuration and applies the
// difference: unchanged routers are not touched, priorities, intervals,
// preemption, tracks and virtual addresses change in place, removed
// routers stop as at SIGTERM, added ones start, and a router whose vrid,
// interface, version, address, unicast_peers mode, macvlan or notify
// changed is replaced (stopped, then started). A file that does not
// validate changes nothing; `show config` prints the file running.
//
// On SIGTERM or SIGINT every Master sends an advertisement with priority 0
// and gives its virtual addresses up, so that a Backup takes over after
// Skew_Time. A run that was killed leaves its VIPs on the links; a router
// that is not the owner takes its own off before it starts, in Backup,
// where it would answer ARP for the Master's addresses with them.
//
// Notify commands run on every transition with NAME STATE REASON appended
// and VRRP_NAME, VRRP_INTERFACE, VRRP_VRID, VRRP_STATE, VRRP_FROM,
// VRRP_REASON, VRRP_MASTER and VRRP_PRIORITY in the environment. See
// example.yaml for the configuration.
//
// # Metrics
//
// With `metrics_listen: HOST:PORT` (say 127.0.0.1:9486; empty or absent
// is off) vrrpd serves Prometheus metrics at http://HOST:PORT/metrics,
// read from the routers at each scrape and labelled router=NAME: the
// state (switchless_vrrp_state{router,state}, 1 for the current one of
// initialize, backup and master), the Master's address
// (switchless_vrrp_master_info), priorities and tracks, advertisements
// received and sent, transitions by reason
// (switchless_vrrp_transitions_total{router,reason}, the reasons of the
// notify commands in snake_case: startup, master_down, preempted, …) and
// drops by reason, with the Go and process collectors. The full list is
// in metrics_linux.go. Changing metrics_listen needs a restart: SIGHUP
// refuses it.
package main

import (
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

// cli is vrrpd's command line; status is what show was called before.
var cli = daemonkit.CLI{
	Name: "vrrpd", Aliases: []string{"status"}, Views: []string{"routers", "config"}, DefaultView: "routers", Config: "/etc/vrrpd.yaml", Socket: defaultSocket,
	SocketOf: func(config string) (string, error) {
		l, err := LoadConfig(config)
		if err != nil {
			return "", err
		}
		return l.Socket, nil
	},
}

func realMain(args []string, stdout, stderr io.Writer) int {
	cmd, code, ok := cli.Parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if cmd.Name == daemonkit.CmdShow {
		socket, err := cli.ShowSocket(cmd, "")
		var raw []byte
		if err == nil {
			raw, err = fetchStatus(socket, cmd.View)
		}
		if err == nil && cmd.View == "config" {
			err = daemonkit.ShowConfig(stdout, raw, cmd.JSON)
		} else if err == nil {
			err = printStatus(stdout, raw, cmd.JSON)
		}
		if err != nil {
			fmt.Fprintf(stderr, "vrrpd show %s: %v\n", cmd.View, err)
			return 1
		}
		return 0
	}
	b, err := os.ReadFile(cmd.Config)
	var l *Loaded
	if err == nil {
		l, err = ParseConfig(cmd.Config, b)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if cmd.Name == daemonkit.CmdCheck {
		fmt.Fprintf(stdout, "%s: OK\n", cmd.Config)
		return 0
	}
	return cli.Run(cmd, stderr, l.LogLevel, l.LogFormat, l.Socket, func(ctx context.Context, socket string, log *slog.Logger, reload <-chan struct{}) error {
		return run(ctx, l, socket, log, &daemonkit.Reloads{C: reload, Path: cmd.Config, Data: b})
	})
}

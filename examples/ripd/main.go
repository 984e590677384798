// Command ripd is a RIPv2 router (RFC 2453) for Linux, built on package
// rip: it runs on real interfaces (UDP port 520, group 224.0.0.9 and
// unicast neighbours), installs the routes it learns in the kernel, and
// can take the place of FRR's ripd.
//
// Usage:
//
//	ripd [run] [-config /etc/ripd.yaml] [-socket PATH]   run until SIGTERM/SIGINT
//	ripd check [-config FILE | FILE]      validate the configuration and exit 0/1
//	ripd show routes|neighbors|interfaces|stats|bfd [-json] [-socket PATH] [-config FILE]
//	ripd version                          module version and VCS revision
//	ripd help                             subcommands, views and flags
//
// Only one ripd runs per status socket: run holds an exclusive lock on
// SOCKET.lock (with its pid in it) from before it touches the kernel until
// it exits, and a second run for the same socket fails at once. SIGHUP
// re-reads and validates the configuration and keeps running; it never
// stops the daemon.
//
// ripd follows the kernel through netlink: a RIP interface without an
// address or carrier is left out (the instance is rebuilt without it), an
// address change on a RIP interface restarts the instance with the new
// address, and the addresses of the other interfaces are what
// `redistribute: connected` advertises.
//
// Routes go to the kernel tagged with their own rtm_protocol (244 by
// default, fib.RTProtoRIP; not the kernel's "rip", 189, which FRR uses),
// with the RIP metric as kernel metric; ECMP routes are multipath routes.
// On SIGTERM or SIGINT ripd stops gracefully: every route it advertises
// goes out once more at metric 16 before the sockets close, so that
// neighbours drop them at once instead of after the 180 s timeout, and its
// routes leave the kernel.
//
// An interface with `bfd: true` (or `bfd:` with session parameters
// overriding the top-level `bfd:` block) runs a BFD session (RFC 5880,
// RFC 5881) to each neighbour heard on it: a session going Down drops the
// neighbour's routes at once (RFC 5882), not after the 180 s timeout, and
// one coming Up asks the neighbour for its table. BFD starts before RIP
// and stops after it, every session AdminDown so that the neighbours do
// not take the stop for a failure. `ripd show bfd` lists the sessions
// (state, discriminators, negotiated interval and detection time, the
// peer's timers, the last Down diagnostic, counters) and `show neighbors`
// each neighbour's BFD state. See example.yaml for the configuration.
//
// # Metrics
//
// With `metrics_listen: HOST:PORT` (say 127.0.0.1:9487; empty or absent
// is off) ripd serves Prometheus metrics at http://HOST:PORT/metrics,
// read from the running instance at each scrape: reachable routes by
// source (switchless_rip_routes{source}), neighbours per interface,
// messages received by command and sent, update rounds, drops by reason
// (the reasons of `show stats`, snake_case), the kernel sink's routes and
// write errors (switchless_fib_*{protocol="rip"}), the BFD sessions
// (switchless_bfd_*) and the Go and process collectors. The full list is
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
	"github.com/switchless/routing/internal/ripconf"
)

const defaultSocket = "/run/ripd.sock"

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// cli is ripd's command line.
var cli = daemonkit.CLI{
	Name: "ripd", Views: views(),
	Config: "/etc/ripd.yaml", Socket: defaultSocket,
	SocketOf: func(config string) (string, error) {
		l, err := ripconf.LoadConfig(config)
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
		return cli.ShowView(cmd, stdout, stderr, show)
	}
	b, err := os.ReadFile(cmd.Config)
	var l *ripconf.Loaded
	if err == nil {
		l, err = ripconf.ParseConfig(cmd.Config, b)
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

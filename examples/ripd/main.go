// Command ripd is a RIPv2 router (RFC 2453) for Linux, built on package
// rip: it runs on real interfaces (UDP port 520, group 224.0.0.9 and
// unicast neighbours), installs the routes it learns in the kernel, and
// can take the place of FRR's ripd.
//
// Usage:
//
//	ripd [run] -config /etc/ripd.yaml     run until SIGTERM/SIGINT
//	ripd check -config /etc/ripd.yaml     validate the configuration and exit
//	ripd show routes|neighbors|interfaces|stats|bfd [-json] [-socket PATH]
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
	Name: "ripd", Status: "show", Views: views(),
	Config: "/etc/ripd.yaml", Socket: defaultSocket, NoArgs: true,
}

func realMain(args []string, stdout, stderr io.Writer) int {
	cmd, ok := cli.Parse(args, stderr)
	if !ok {
		return 2
	}
	if cmd.Name == "show" {
		return cli.ShowView(cmd, stdout, stderr, show)
	}
	l, err := ripconf.LoadConfig(cmd.Config)
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

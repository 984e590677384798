// Command ospfd is an OSPFv2 router (RFC 2328, backbone area) for Linux,
// built on package ospf: it runs on real interfaces, installs its routes in
// the kernel, and can take the place of FRR's ospfd on a router of a
// switchless ring.
//
// Usage:
//
//	ospfd [run] [-config /etc/ospfd.yaml] [-socket PATH]   run until SIGTERM/SIGINT
//	ospfd check [-config FILE | FILE]      validate the configuration and exit 0/1
//	ospfd show neighbors|database|routes|interfaces|spf|bfd [-json] [-socket PATH] [-config FILE]
//	ospfd version                          module version and VCS revision
//	ospfd help                             subcommands, views and flags
//
// Only one ospfd runs per status socket: run holds an exclusive lock on
// SOCKET.lock (with its pid in it) from before it touches the kernel until
// it exits, and a second run for the same socket fails at once. SIGHUP
// re-reads and validates the configuration and applies the difference in
// place (ospf.Instance.Reconfigure: interfaces added or removed, costs,
// timers, redistributed routes, SPF back-off, fib.metric,
// stub_router.administrative (RFC 6987: the router-LSA is originated
// again with or without the maximum costs), external_lsdb_limit and
// exit_overflow_interval (RFC 1765), min_ls_interval and min_ls_arrival;
// stub_router.on_startup applies from the next start); a file that is
// invalid or changes what needs a restart (router_id, socket, log, the
// fib sink, bfd, metrics_listen) is logged with the file:line or the field, and the
// running configuration stays. It never stops the daemon.
//
// ospfd follows the kernel through netlink: an OSPF interface losing its
// carrier is down at once (its neighbors are killed, §10.3 LLDown), an
// address change on an OSPF interface restarts the instance with the new
// address, the addresses of the other interfaces are what `redistribute:
// connected` advertises, and a default route in the kernel that ospfd did
// not install is what `default_information: originate` waits for.
//
// Routes go to the kernel tagged with their own rtm_protocol (243 by
// default, see fib.RTProtoOSPF); ECMP routes are multipath routes. On
// SIGTERM ospfd flushes its self-originated LSAs (premature aging, §14.1)
// and deletes its routes.
//
// An interface with `bfd: true` (or `bfd:` with session parameters
// overriding the top-level `bfd:` block) runs a BFD session (RFC 5880,
// RFC 5881) to each neighbor of 2-Way or more on it: a session going Down
// kills the neighbor at once (RFC 5882), not after the dead interval.
// BFD starts before OSPF and stops after it, every session AdminDown so
// that the neighbors do not take the stop for a failure. `ospfd show bfd`
// lists the sessions (state, discriminators, negotiated interval and
// detection time, the peer's timers, the last Down diagnostic, counters)
// and `show neighbors` each neighbor's BFD state. See example.yaml for
// the configuration.
//
// # Metrics
//
// With `metrics_listen: HOST:PORT` (say 127.0.0.1:9485; empty or absent
// is off) ospfd serves Prometheus metrics at http://HOST:PORT/metrics,
// read from the running instance at each scrape: neighbors per state
// (switchless_ospf_neighbors{interface,state}), interface states, packets
// received and sent by type, drops by reason (the reasons of `show
// interfaces`, snake_case), the LSAs of the database by type, routes, SPF
// runs and the switchless_ospf_spf_duration_seconds histogram, the FIB
// (switchless_fib_routes, _writes_total, _write_errors_total), the BFD
// sessions (switchless_bfd_*) and the Go and process collectors. The
// full list is in metrics_linux.go and package internal/promx. Changing
// metrics_listen needs a restart: SIGHUP refuses it.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/ospfconf"
)

const defaultSocket = "/run/ospfd.sock"

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// cli is ospfd's command line.
var cli = daemonkit.CLI{
	Name: "ospfd", Views: views,
	Config: "/etc/ospfd.yaml", Socket: defaultSocket,
	SocketOf: func(config string) (string, error) {
		l, err := ospfconf.LoadConfig(config)
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
	var l *ospfconf.Loaded
	if err == nil {
		l, err = ospfconf.ParseConfig(cmd.Config, b)
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

// Command anycastd is a health-checked anycast daemon for Linux, built on
// package anycast: it puts each service's addresses (/32, /128 VIPs) on a
// loopback alias or a dummy interface, checks the service (TCP, SMTP
// banner, HTTP(S), DNS, ICMP, a command) every interval, and announces the
// prefixes through an embedded speaker while the checks pass: RIPv2 (the
// same configuration as ripd, under rip:) toward the site router, as the
// second source paper's servers ran ripd; OSPFv2 (the same configuration
// as ospfd, under ospf:), each prefix an AS-external-LSA of type 1 (the
// default) or 2 or a stub host route of the router-LSA (ospf_announce);
// or a kernel route for a routing daemon that redistributes it.
//
// With OSPF the services' metrics are OSPF costs: 16 is an ordinary cost,
// not infinity. A failed service is withdrawn (fail_action withdraw, the
// default): its AS-external-LSA is flushed (RFC 2328 §14.1) or its stub
// link leaves the router-LSA, which is originated again (§12.4);
// fail_action metric keeps a route of last resort at fail_metric. With
// ospf_announce stub every metric must be at most 65535 (a router-LSA
// link's 16 bits).
//
// Usage:
//
//	anycastd [run] [-config FILE] [-socket PATH] [-netns NAME] [-v]   run until SIGTERM/SIGINT
//	anycastd check [-config FILE | FILE]              validate and exit 0/1
//	anycastd show [services|rip|ospf|bfd] [-json] [-socket PATH] [-config FILE]
//	anycastd version                                  module version and VCS revision
//	anycastd help                                     subcommands, views and flags
//
// -status is accepted for -socket, its name before. Only one anycastd runs
// per status socket: run holds an exclusive lock on SOCKET.lock (with its
// pid in it) from before it touches an address until it exits, and a
// second run for the same socket fails at once. SIGHUP re-reads and
// validates the configuration and keeps running; it never stops the
// daemon or withdraws a prefix.
//
// Start order: the address manager, the speaker (BFD first when an RIP
// interface has bfd), the anycast instance, which puts each alias on the
// host and announces only after rise successful checks. On SIGTERM or
// SIGINT the anycast instance stops first, withdraw before remove: every
// prefix is withdrawn (metric 16 in a RIP triggered update, a flushed
// LSA or a stub link removed with OSPF), the alias
// stays for drain_time while the network moves, then goes; then RIP stops
// gracefully (its routes once more at metric 16) or OSPF does (every LSA
// it originated flushed), and BFD goes AdminDown.
// No exit path leaves a route, a VIP or an alias behind.
//
// -netns runs the daemon inside the named network namespace (it re-runs
// itself under `ip netns exec`). -v logs at debug level. See example.yaml.
//
// # Metrics
//
// With `metrics_listen: HOST:PORT` (or rip.metrics_listen; empty or
// absent is off) anycastd serves Prometheus metrics at
// http://HOST:PORT/metrics, read at each scrape: each service's state
// (switchless_anycast_service_state{service,state}), each prefix's
// announcement and announced metric, check results
// (switchless_anycast_check_results_total{service,check,kind,result}),
// the speaker's kernel routes (switchless_fib_*), with speaker rip
// ripd's switchless_rip_* and switchless_bfd_*, and the Go and process
// collectors. The full list is in metrics_linux.go. Changing
// metrics_listen needs a restart: SIGHUP refuses it.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"

	daemonkit "github.com/switchless/routing/internal/daemon"
)

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// cli is anycastd's command line. -status is what -socket was called
// before; -netns and -v are run's own.
var cli = daemonkit.CLI{
	Name: "anycastd", Views: views(), DefaultView: views()[0],
	Config: "/etc/anycastd.yaml", Socket: defaultSocket,
	SocketOf: func(config string) (string, error) {
		l, err := LoadConfig(config)
		if err != nil {
			return "", err
		}
		return l.socket(), nil
	},
	Flags: func(sub string, fs *flag.FlagSet) {
		if sub == daemonkit.CmdRun {
			fs.String("netns", "", "network namespace to run in (a `NAME` under /run/netns)")
			fs.Bool("v", false, "log at debug level")
		}
		if sub == daemonkit.CmdRun || sub == daemonkit.CmdShow {
			fs.Func("status", "the same as -socket", func(s string) error { return fs.Set("socket", s) })
		}
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
	if ns := cmd.Flags.Lookup("netns").Value.String(); ns != "" {
		return reexecIn(ns, args, stderr)
	}
	level, format := "info", l.LogFormat
	if l.RIP != nil {
		level, format = cmp.Or(l.RIP.LogLevel, level), cmp.Or(format, l.RIP.LogFormat)
	}
	if l.OSPF != nil {
		level, format = cmp.Or(l.OSPF.LogLevel, level), cmp.Or(format, l.OSPF.LogFormat)
	}
	if cmd.Flags.Lookup("v").Value.String() == "true" {
		level = "debug"
	}
	return cli.Run(cmd, stderr, level, format, l.socket(), func(ctx context.Context, socket string, log *slog.Logger, reload <-chan struct{}) error {
		return run(ctx, l, socket, log, &daemonkit.Reloads{C: reload, Path: cmd.Config, Data: b})
	})
}

// reexecIn replaces the process by itself, without -netns, under `ip netns
// exec ns`, so that every thread of the daemon is in the namespace. It
// returns only on failure.
func reexecIn(ns string, args []string, stderr io.Writer) int {
	ip, err := exec.LookPath("ip")
	if err == nil {
		var self string
		if self, err = os.Executable(); err == nil {
			argv := []string{"ip", "netns", "exec", ns, self}
			for i := 0; i < len(args); i++ {
				switch a := args[i]; {
				case a == "-netns" || a == "--netns":
					i++
				case strings.HasPrefix(a, "-netns=") || strings.HasPrefix(a, "--netns="):
				default:
					argv = append(argv, a)
				}
			}
			err = syscall.Exec(ip, argv, os.Environ())
		}
	}
	slog.New(slog.NewTextHandler(stderr, nil)).Error("anycastd: -netns", "netns", ns, "err", err)
	return 1
}

// Command anycastd is a health-checked anycast daemon for Linux, built on
// package anycast: it puts each service's addresses (/32, /128 VIPs) on a
// loopback alias or a dummy interface, checks the service (TCP, SMTP
// banner, HTTP(S), DNS, ICMP, a command) every interval, and announces the
// prefixes through an embedded speaker while the checks pass: RIPv2 (the
// same configuration as ripd, under rip:) toward the site router, as the
// second source paper's servers ran ripd, or a kernel route for a routing
// daemon that redistributes it. OSPF is not supported yet.
//
// Usage:
//
//	anycastd [run] -config FILE [-netns NAME] [-v]   run until SIGTERM/SIGINT
//	anycastd check -config FILE                       validate and exit 0/1
//	anycastd show [services|rip|bfd] [-json] [-status SOCK]
//
// Start order: the address manager, the speaker (BFD first when an RIP
// interface has bfd), the anycast instance, which puts each alias on the
// host and announces only after rise successful checks. On SIGTERM or
// SIGINT the anycast instance stops first, withdraw before remove: every
// prefix is withdrawn (metric 16 in a RIP triggered update), the alias
// stays for drain_time while the network moves, then goes; then RIP stops
// gracefully (its routes once more at metric 16) and BFD goes AdminDown.
// No exit path leaves a route, a VIP or an alias behind.
//
// -netns runs the daemon inside the named network namespace (it re-runs
// itself under `ip netns exec`). -v logs at debug level. See example.yaml.
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
	"slices"
	"strings"
	"syscall"
	"time"

	daemonkit "github.com/switchless/routing/internal/daemon"
)

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// command is a parsed command line.
type command struct {
	name    string // run, check or show
	view    string // show's view
	config  string
	netns   string
	verbose bool
	json    bool
	status  string
}

// parse parses args (without the program name); false means a usage error,
// said on stderr.
func parse(args []string, stderr io.Writer) (command, bool) {
	cmd := command{name: "run"}
	if len(args) > 0 && slices.Contains([]string{"run", "check", "show"}, args[0]) {
		cmd.name, args = args[0], args[1:]
	}
	if cmd.name == "show" {
		cmd.view = views()[0]
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			if !slices.Contains(views(), args[0]) {
				fmt.Fprintf(stderr, "usage: anycastd show [%s] [-json] [-status SOCK]\n", strings.Join(views(), "|"))
				return cmd, false
			}
			cmd.view, args = args[0], args[1:]
		}
	}
	fs := flag.NewFlagSet("anycastd "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	switch cmd.name {
	case "run", "check":
		fs.StringVar(&cmd.config, "config", "/etc/anycastd.yaml", "configuration file")
		if cmd.name == "run" {
			fs.StringVar(&cmd.netns, "netns", "", "network namespace to run in (a name under /run/netns)")
			fs.BoolVar(&cmd.verbose, "v", false, "log at debug level")
			fs.StringVar(&cmd.status, "status", "", "status socket (default: the configuration's status)")
		}
	case "show":
		fs.BoolVar(&cmd.json, "json", false, "print JSON")
		fs.StringVar(&cmd.status, "status", defaultSocket, "status socket")
	}
	if err := fs.Parse(args); err != nil {
		return cmd, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "anycastd %s: unexpected argument %q\n", cmd.name, fs.Arg(0))
		return cmd, false
	}
	return cmd, true
}

func realMain(args []string, stdout, stderr io.Writer) int {
	cmd, ok := parse(args, stderr)
	if !ok {
		return 2
	}
	if cmd.name == "show" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		data, err := daemonkit.FetchView(ctx, cmd.status, cmd.view)
		if err == nil {
			err = show(stdout, cmd.view, data, cmd.json)
		}
		if err != nil {
			fmt.Fprintf(stderr, "anycastd show %s: %v\n", cmd.view, err)
			return 1
		}
		return 0
	}
	l, err := LoadConfig(cmd.config)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if cmd.name == "check" {
		fmt.Fprintf(stdout, "%s: OK\n", cmd.config)
		return 0
	}
	if cmd.netns != "" {
		return reexecIn(cmd.netns, args, stderr)
	}
	level := "info"
	if l.RIP != nil {
		level = cmp.Or(l.RIP.LogLevel, level)
	}
	if cmd.verbose {
		level = "debug"
	}
	log := daemonkit.Logger(stderr, level)
	socket := cmp.Or(cmd.status, l.socket())
	return daemonkit.RunUntilSignal(log, "anycastd", func(ctx context.Context) error { return run(ctx, l, socket, log) })
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

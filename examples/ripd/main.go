// Command ripd is a RIPv2 router (RFC 2453) for Linux, built on package
// rip: it runs on real interfaces (UDP port 520, group 224.0.0.9 and
// unicast neighbours), installs the routes it learns in the kernel, and
// can take the place of FRR's ripd.
//
// Usage:
//
//	ripd [run] -config /etc/ripd.yaml     run until SIGTERM/SIGINT
//	ripd check -config /etc/ripd.yaml     validate the configuration and exit
//	ripd show routes|neighbors|interfaces|stats [-json] [-socket PATH]
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
// routes leave the kernel. See example.yaml for the configuration.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	daemonkit "github.com/switchless/routing/internal/daemon"
)

const defaultSocket = "/run/ripd.sock"

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

func realMain(args []string, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && (args[0] == "run" || args[0] == "check" || args[0] == "show") {
		cmd, args = args[0], args[1:]
	}
	view := ""
	if cmd == "show" {
		if len(args) == 0 || !slices.Contains(views(), args[0]) {
			fmt.Fprintf(stderr, "usage: ripd show %s [-json] [-socket PATH]\n", strings.Join(views(), "|"))
			return 2
		}
		view, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("ripd "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "/etc/ripd.yaml", "configuration file")
	socket := fs.String("socket", "", "status socket (default: the configuration's, else "+defaultSocket+")")
	asJSON := fs.Bool("json", false, "show: print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ripd %s: unexpected argument %q\n", cmd, fs.Arg(0))
		return 2
	}
	switch cmd {
	case "show":
		path := *socket
		if path == "" {
			path = defaultSocket
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		data, err := fetch(ctx, path, view)
		if err == nil {
			err = show(stdout, view, data, *asJSON)
		}
		if err != nil {
			fmt.Fprintf(stderr, "ripd show %s: %v\n", view, err)
			return 1
		}
		return 0
	case "check":
		if _, err := LoadConfig(*config); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: OK\n", *config)
		return 0
	}
	l, err := LoadConfig(*config)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	log := daemonkit.Logger(stderr, l.LogLevel)
	path := cmp.Or(*socket, l.Socket, defaultSocket)
	return daemonkit.RunUntilSignal(log, "ripd", func(ctx context.Context) error { return run(ctx, l, path, log) })
}

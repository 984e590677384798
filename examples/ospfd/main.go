// Command ospfd is an OSPFv2 router (RFC 2328, backbone area) for Linux,
// built on package ospf: it runs on real interfaces, installs its routes in
// the kernel, and can take the place of FRR's ospfd on a router of a
// switchless ring.
//
// Usage:
//
//	ospfd [run] -config /etc/ospfd.yaml     run until SIGTERM/SIGINT
//	ospfd check -config /etc/ospfd.yaml     validate the configuration and exit
//	ospfd show neighbors|database|routes|interfaces|spf [-json] [-socket PATH]
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
// and deletes its routes. See example.yaml for the configuration.
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

const defaultSocket = "/run/ospfd.sock"

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
		if len(args) == 0 || !slices.Contains(views, args[0]) {
			fmt.Fprintf(stderr, "usage: ospfd show %s [-json] [-socket PATH]\n", strings.Join(views, "|"))
			return 2
		}
		view, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("ospfd "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "/etc/ospfd.yaml", "configuration file")
	socket := fs.String("socket", "", "status socket (default: the configuration's, else "+defaultSocket+")")
	asJSON := fs.Bool("json", false, "show: print JSON")
	if err := fs.Parse(args); err != nil {
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
			fmt.Fprintf(stderr, "ospfd show %s: %v\n", view, err)
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
	return daemonkit.RunUntilSignal(log, "ospfd", func(ctx context.Context) error { return run(ctx, l, path, log) })
}

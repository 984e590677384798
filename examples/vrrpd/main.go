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
	"flag"
	"fmt"
	"io"
	"os"

	daemonkit "github.com/switchless/routing/internal/daemon"
)

const defaultSocket = "/run/vrrpd.sock"

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

func realMain(args []string, stdout, stderr io.Writer) int {
	cmd := "run"
	if len(args) > 0 && (args[0] == "run" || args[0] == "check" || args[0] == "status") {
		cmd, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("vrrpd "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "/etc/vrrpd.yaml", "configuration file")
	socket := fs.String("socket", "", "status socket (default: the configuration's, else "+defaultSocket+")")
	asJSON := fs.Bool("json", false, "status: print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch cmd {
	case "status":
		path := *socket
		if path == "" {
			path = defaultSocket
		}
		raw, err := fetchStatus(path)
		if err != nil {
			fmt.Fprintf(stderr, "vrrpd status: %v\n", err)
			return 1
		}
		if err := printStatus(stdout, raw, *asJSON); err != nil {
			fmt.Fprintf(stderr, "vrrpd status: %v\n", err)
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
	return daemonkit.RunUntilSignal(log, "vrrpd", func(ctx context.Context) error { return run(ctx, l, path, log) })
}

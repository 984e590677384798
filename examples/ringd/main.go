// Command ringd runs one node of a switchless ring on Linux: OSPF on its
// ring links (point-to-point, with the planned costs) and server LANs
// (passive), and at the two edges on the upstream LAN the static default
// route, its origination into OSPF and the VRRP virtual router that holds
// the upstream gateway's next hop. It is package ring's Node on real
// sockets: raw IP transports per interface (protocol 89, and 112 on the
// upstream LAN), routes in the kernel through netlink (OSPF's tagged
// rtm_protocol 243, the static default 242), the VIP through vrrp's
// netlink address manager, and, with the fast profile, BFD (RFC 5880,
// RFC 5881: UDP 3784) at 50 ms × 3 on the ring links, which kills the
// OSPF adjacency of a neighbour that hangs with its links up after 150 ms.
// `timers: {bfd_interval, bfd_multiplier}` overrides those on one node:
// raise them on a loaded host, where a scheduling stall of the detection
// time flaps the adjacencies.
//
// With `upstream.second` (active-active edges) an edge runs a second
// virtual router on the same socket, master at the other edge, with the
// same tracks; `ringd show` and the metrics (router="upstream-second")
// list both, and `ringd check` prints the route the upstream gateway
// needs for each server LAN: to the VIP of the group its traffic leaves
// by.
//
// Usage:
//
//	ringd [run] [-config /etc/ringd.yaml] [-socket PATH]   run until SIGTERM/SIGINT
//	ringd check [-config FILE | FILE] [-listen 3s] [-from OLD]  validate the configuration and exit 0/1
//	ringd show [node|database|config] [-json] [-socket PATH | -config FILE]
//	ringd version                          module version and VCS revision
//	ringd help                             subcommands and flags
//
// check -from OLD also checks the file as a growth step of the ring OLD
// describes (ring.PlanGrowth: one node cabled in between two neighbours,
// no running link re-addressed) and prints the operator's procedure.
//
// check -listen D, on an edge, also listens on the upstream interface
// for D and lists the VRRP virtual routers it hears, warning of one that
// uses the configured vrid with other addresses: the two would share the
// virtual MAC 00-00-5e-00-01-{vrid} (RFC 5798 §7.3). The other edge,
// advertising this ring's VIP, is no collision.
//
// Only one ringd runs per status socket: run holds an exclusive lock on
// SOCKET.lock (with its pid in it) from before it touches the kernel until
// it exits, and a second run for the same socket fails at once. SIGHUP
// re-reads and validates the configuration and applies the difference in
// place (ring.HostNode.Reconfigure: costs, timers, priorities, the VIP, BFD
// timers, and a grown ring's cost plan and re-addressed, unplugged ring
// interface); a file that is invalid or changes what needs a restart is
// logged with the file:line or the field, and the running configuration
// stays. It never stops the daemon.
//
// The configuration is the ring's spec, the same file on every node but
// for two keys: `node`, naming the node this daemon runs, and
// `interfaces`, mapping the node's ring interfaces (east, west, up at an
// edge, lan0, lan1, ...) to Linux interfaces. See example.yaml and
// package internal/ringconf. Errors name the line: `ringd.yaml:12:
// upstream.gateway: 198.51.100.1 is not a host on the upstream LAN`.
//
// ringd puts each interface's address from the spec on the interface if it
// is missing (it removes one only when a reload moves an unplugged ring
// interface to its new address), and follows the kernel's link
// state through netlink: a ring interface losing its carrier is down for
// OSPF at once (RFC 2328 §9.3 InterfaceDown, its neighbor killed without
// waiting for the dead interval); the upstream interface losing it
// withdraws the static default and its origination and forces VRRP to
// Backup. The host must forward IPv4 (net.ipv4.ip_forward=1); ringd warns
// when it does not.
//
// A router-LSA that a crashed run left in the ring needs no bookkeeping:
// OSPF supersedes it at once when the node is back (RFC 2328 §13.4).
//
// On SIGTERM or SIGINT ringd stops gracefully: VRRP sends priority 0 and
// gives up the VIP, the static default is withdrawn, OSPF flushes its
// self-originated LSAs and deletes its routes. `ringd show` asks a running
// ringd, over its unix socket, for the node's state: interfaces and
// carrier, OSPF neighbors and routes, BFD sessions (state, negotiated
// transmit interval, detection time, discriminators, last down
// diagnostic, counters), VRRP state, the static default and the last
// events.
//
// # Metrics
//
// With `metrics_listen: HOST:PORT` (say 127.0.0.1:9485; empty or absent
// is off) ringd serves Prometheus metrics at http://HOST:PORT/metrics
// under the names ospfd and vrrpd use, from the same collectors: the OSPF
// instance's (switchless_ospf_neighbors{interface,state} with the ring's
// interface names, packets by type, drops by reason, SPF runs and the
// switchless_ospf_spf_duration_seconds histogram, switchless_fib_* for
// the OSPF routes), at an edge its virtual router's
// (switchless_vrrp_state{router="upstream",state},
// switchless_vrrp_transitions_total{router,reason}, …), the BFD sessions
// of the ring links (switchless_bfd_*) and the Go and process
// collectors. The full list is in metrics_linux.go. Changing
// metrics_listen needs a restart: SIGHUP refuses it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/ringconf"
	"github.com/switchless/routing/ring"
)

const defaultSocket = "/run/ringd.sock"

// checkGrowth is `ringd check -from OLD NEW`: NEW must grow the ring of
// OLD by one node (ring.PlanGrowth); the procedure is printed.
func checkGrowth(from, path string, c *ringconf.Config, stdout, stderr io.Writer) int {
	old, err := ringconf.Load(from)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	g, err := c.GrowthFrom(old)
	if err != nil {
		fmt.Fprintf(stderr, "ringd check -from %s: no growth step of that ring: %v\n", from, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: OK: grows the ring of %s; simulate it: ringsim -config %s -grow-from %s\n%s", path, from, path, from, g.Procedure())
	return 0
}

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// cli is ringd's command line.
var cli = daemonkit.CLI{
	Name: "ringd", Views: []string{"node", "database", "config"}, DefaultView: "node", Config: "/etc/ringd.yaml", Socket: defaultSocket,
	SocketOf: func(config string) (string, error) {
		c, err := ringconf.Load(config)
		if err != nil {
			return "", err
		}
		return c.Socket, nil
	},
	Flags: func(sub string, fs *flag.FlagSet) {
		if sub == daemonkit.CmdCheck {
			fs.Duration("listen", 0, "on an edge, also listen on the upstream interface this `long` for VRRP advertisements and warn of another virtual router using the configured vrid (it would share our virtual MAC); needs root")
			fs.String("from", "", "check the configuration as a growth step of the running ring's `FILE` (one node cabled in between two neighbours) and print the procedure")
		}
	},
}

func realMain(args []string, stdout, stderr io.Writer) int {
	cmd, code, ok := cli.Parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if cmd.Name == daemonkit.CmdShow {
		path, err := cli.ShowSocket(cmd, "")
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if cmd.View == "config" || cmd.View == "database" {
			raw, err := daemonkit.FetchView(ctx, path, cmd.View)
			if err == nil && cmd.View == "config" {
				err = daemonkit.ShowConfig(stdout, raw, cmd.JSON)
			} else if err == nil {
				err = printDatabase(stdout, raw, cmd.JSON)
			}
			if err != nil {
				fmt.Fprintf(stderr, "ringd show %s: %v\n", cmd.View, err)
				return 1
			}
			return 0
		}
		st, raw, err := fetchStatus(ctx, path)
		if err == nil {
			err = printStatus(stdout, st, raw, cmd.JSON)
		}
		if err != nil {
			fmt.Fprintf(stderr, "ringd show node: %v\n", err)
			return 1
		}
		return 0
	}
	b, err := os.ReadFile(cmd.Config)
	var c *ringconf.Config
	if err == nil {
		c, err = ringconf.Parse(cmd.Config, b)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if cmd.Name == daemonkit.CmdCheck {
		if c.Ring.Topology == ring.TopologyChain {
			fmt.Fprintf(stdout, "%s: OK: node %s (%v) of a %d-node chain, static routes only\n", cmd.Config, c.Node.Name, c.Node.Role, len(c.Ring.Nodes))
		} else {
			fmt.Fprintf(stdout, "%s: OK: node %s (%v) of a %d-node ring, profile %v, BFD %s\n", cmd.Config, c.Node.Name, c.Node.Role, len(c.Ring.Nodes), c.Ring.Profile, bfdTimers(c.Node.Timers))
		}
		fmt.Fprintf(stdout, "%s: simulate this %v's failures before cabling it: ringsim -config %s\n", cmd.Config, c.Ring.Topology, cmd.Config)
		if from := cmd.Flags.Lookup("from").Value.String(); from != "" {
			if code := checkGrowth(from, cmd.Config, c, stdout, stderr); code != 0 {
				return code
			}
		}
		if c.Ring.Upstream.Second != nil {
			printGatewayRoutes(stdout, cmd.Config, c.Ring)
		}
		if d := cmd.Flags.Lookup("listen").Value.(flag.Getter).Get().(time.Duration); d > 0 {
			if c.Node.IsEdge() && c.Node.VRRP == nil {
				fmt.Fprintf(stderr, "ringd check -listen: node %s is a chain's edge: it runs no VRRP, so no virtual MAC to collide with\n", c.Node.Name)
				return 2
			}
			if !c.Node.IsEdge() {
				fmt.Fprintf(stderr, "ringd check -listen: node %s is not an edge: it has no upstream LAN to listen on\n", c.Node.Name)
				return 2
			}
			if _, err := listenVRIDs(context.Background(), c, d, stdout); err != nil {
				fmt.Fprintf(stderr, "ringd check -listen: %v\n", err)
				return 1
			}
		}
		return 0
	}
	return cli.Run(cmd, stderr, c.LogLevel, c.LogFormat, c.Socket, func(ctx context.Context, socket string, log *slog.Logger, reload <-chan struct{}) error {
		return run(ctx, c, socket, log, &daemonkit.Reloads{C: reload, Path: cmd.Config, Data: b})
	})
}

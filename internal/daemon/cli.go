package daemon

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// CLI is a daemon's command line:
//
//	NAME [run] -config FILE
//	NAME check -config FILE
//	NAME STATUS [VIEW] [-json] [-socket PATH]
//
// Flags a subcommand has no use for are accepted and ignored.
type CLI struct {
	Name string // the daemon's name, in messages: "ripd"
	// Status names the subcommand that asks a running daemon: "show"
	// or "status".
	Status string
	// Views, when set, are the views Status takes as its first argument;
	// any other is a usage error.
	Views []string
	// Config is the -config default; ConfigUsage its help, "configuration
	// file" when empty.
	Config, ConfigUsage string
	// Socket is the status socket when neither -socket nor the
	// configuration names one.
	Socket string
	// NoArgs rejects arguments after the flags: "NAME CMD: unexpected
	// argument".
	NoArgs bool
}

// Command is a parsed command line.
type Command struct {
	Name   string // run, check, or CLI.Status
	View   string // with CLI.Views: the view Status asks for
	Config string
	Socket string // -socket; empty when not given
	JSON   bool
}

// Parse parses args (without the program name). When they are wrong it
// says why on stderr (the flag package's usage, or a line) and returns
// false: the daemon exits with code 2.
func (c *CLI) Parse(args []string, stderr io.Writer) (Command, bool) {
	cmd := Command{Name: "run"}
	if len(args) > 0 && (args[0] == "run" || args[0] == "check" || args[0] == c.Status) {
		cmd.Name, args = args[0], args[1:]
	}
	if cmd.Name == c.Status && c.Views != nil {
		if len(args) == 0 || !slices.Contains(c.Views, args[0]) {
			fmt.Fprintf(stderr, "usage: %s %s %s [-json] [-socket PATH]\n", c.Name, c.Status, strings.Join(c.Views, "|"))
			return cmd, false
		}
		cmd.View, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet(c.Name+" "+cmd.Name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cmd.Config, "config", c.Config, cmp.Or(c.ConfigUsage, "configuration file"))
	fs.StringVar(&cmd.Socket, "socket", "", "status socket (default: the configuration's, else "+c.Socket+")")
	fs.BoolVar(&cmd.JSON, "json", false, c.Status+": print JSON")
	if err := fs.Parse(args); err != nil {
		return cmd, false
	}
	if c.NoArgs && fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s %s: unexpected argument %q\n", c.Name, cmd.Name, fs.Arg(0))
		return cmd, false
	}
	return cmd, true
}

// ShowView is the Status subcommand of a daemon serving views
// (ServeViews): it fetches cmd.View from -socket (else CLI.Socket) within
// 10 s and prints it with show. It returns the exit code: 0, or 1 after
// "NAME STATUS VIEW: reason" on stderr.
func (c *CLI) ShowView(cmd Command, stdout, stderr io.Writer, show func(w io.Writer, view string, data json.RawMessage, asJSON bool) error) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	data, err := FetchView(ctx, cmp.Or(cmd.Socket, c.Socket), cmd.View)
	if err == nil {
		err = show(stdout, cmd.View, data, cmd.JSON)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s %s %s: %v\n", c.Name, c.Status, cmd.View, err)
		return 1
	}
	return 0
}

// Run is the run subcommand once the configuration is loaded: a logger
// on stderr at logLevel (see Logger), the status socket from -socket, else
// the configuration's (socket), else CLI.Socket, and run until SIGTERM or
// SIGINT (see RunUntilSignal, which gives the exit code).
func (c *CLI) Run(cmd Command, stderr io.Writer, logLevel, socket string, run func(ctx context.Context, socket string, log *slog.Logger) error) int {
	log := Logger(stderr, logLevel)
	path := cmp.Or(cmd.Socket, socket, c.Socket)
	return RunUntilSignal(log, c.Name, func(ctx context.Context) error { return run(ctx, path, log) })
}

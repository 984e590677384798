package daemon

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

// CLI is a daemon's command line, the same for every daemon:
//
//	NAME [run] [-config FILE] [-socket PATH]
//	NAME check [-config FILE | FILE]
//	NAME show [VIEW] [-json] [-socket PATH] [-config FILE]
//	NAME version            (also -version, --version)
//	NAME help               (also -h, -help, --help)
//
// NAME alone, or NAME followed by flags, is run. An unknown subcommand,
// a stray argument or a flag the subcommand has no use for is a usage
// error: one line saying why and the usage, exit code 2.
//
// The flag package of the standard library is enough for this grammar
// (five subcommands, a handful of flags each): a CLI library would add a
// dependency for no behaviour we need.
type CLI struct {
	Name string // the daemon's name, in messages: "ripd"
	// Aliases are other names of show that the daemon answered before
	// ("status"); they behave exactly as show.
	Aliases []string
	// Views are the views show takes as its argument; nil: show takes
	// none. DefaultView, when set, is the view of a bare show; else the
	// view is required.
	Views       []string
	DefaultView string
	// Config is the -config default; ConfigUsage its help, "configuration
	// file" when empty.
	Config, ConfigUsage string
	// Socket is the status socket when neither -socket nor the
	// configuration names one.
	Socket string
	// SocketOf, when set, lets show take -config FILE and ask the socket
	// the configuration names (when -socket is not given).
	SocketOf func(config string) (string, error)
	// Flags, when set, adds a daemon's own flags to subcommand sub (run,
	// check or show); their values are read from Command.Flags. A flag
	// whose usage begins "the same as -" is an alias: help lists it, the
	// usage lines do not.
	Flags func(sub string, fs *flag.FlagSet)
}

// Subcommands of every daemon.
const (
	CmdRun     = "run"
	CmdCheck   = "check"
	CmdShow    = "show"
	CmdVersion = "version"
	CmdHelp    = "help"
)

// Command is a parsed command line.
type Command struct {
	Name   string // run, check, show, version or help (show for an alias)
	View   string // with CLI.Views: the view show asks for
	Config string
	Socket string // -socket; empty when not given
	JSON   bool
	// Flags is the parsed flag set, for CLI.Flags' flags.
	Flags *flag.FlagSet
}

// Parse parses args (without the program name). ok is true when the
// daemon has a subcommand to carry out: run, check or show. Otherwise
// Parse has done the work and code is the exit code: help and version
// print to stdout (0); a usage error is said on stderr (2).
func (c *CLI) Parse(args []string, stdout, stderr io.Writer) (cmd Command, code int, ok bool) {
	cmd.Name = CmdRun
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "-h" || a == "-help" || a == "--help" || a == CmdHelp:
			if a == CmdHelp && len(args) > 1 {
				return cmd, c.usageError(stderr, CmdHelp, "unexpected argument %q", args[1]), false
			}
			c.Help(stdout)
			return cmd, 0, false
		case a == "-version" || a == "--version" || a == CmdVersion:
			if len(args) > 1 {
				return cmd, c.usageError(stderr, CmdVersion, "unexpected argument %q", args[1]), false
			}
			fmt.Fprint(stdout, c.Version())
			return cmd, 0, false
		case a == CmdRun || a == CmdCheck || a == CmdShow:
			cmd.Name, args = a, args[1:]
		case slices.Contains(c.Aliases, a):
			cmd.Name, args = CmdShow, args[1:]
		case !strings.HasPrefix(a, "-"):
			return cmd, c.usageError(stderr, "", "unknown subcommand %q", a), false
		}
	}
	fs := c.flagSet(cmd.Name, &cmd)
	rest, err := parseFlags(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		c.Help(stdout)
		return cmd, 0, false
	}
	if err != nil {
		return cmd, c.usageError(stderr, cmd.Name, "%v", err), false
	}
	cmd.Flags = fs
	switch cmd.Name {
	case CmdCheck:
		if len(rest) > 0 {
			if set(fs, "config") {
				return cmd, c.usageError(stderr, cmd.Name, "give the file once: -config %s or %s", cmd.Config, rest[0]), false
			}
			cmd.Config, rest = rest[0], rest[1:]
		}
	case CmdShow:
		if c.Views != nil {
			if len(rest) == 0 && c.DefaultView == "" {
				return cmd, c.usageError(stderr, cmd.Name, "which view? %s", strings.Join(c.Views, ", ")), false
			}
			cmd.View = c.DefaultView
			if len(rest) > 0 {
				if !slices.Contains(c.Views, rest[0]) {
					return cmd, c.usageError(stderr, cmd.Name, "unknown view %q (want %s)", rest[0], strings.Join(c.Views, ", ")), false
				}
				cmd.View, rest = rest[0], rest[1:]
			}
		}
	}
	if len(rest) > 0 {
		return cmd, c.usageError(stderr, cmd.Name, "unexpected argument %q", rest[0]), false
	}
	return cmd, 0, true
}

// parseFlags parses args with fs, flags before and after positional
// arguments alike (show VIEW -json, show -json VIEW), and returns the
// positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func set(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// flagSet is subcommand sub's flags, bound to cmd.
func (c *CLI) flagSet(sub string, cmd *Command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.Name+" "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	config := cmp.Or(c.ConfigUsage, "configuration file")
	socket := "status socket (default: the configuration's socket, else " + c.Socket + ")"
	switch sub {
	case CmdRun:
		fs.StringVar(&cmd.Config, "config", c.Config, config)
		fs.StringVar(&cmd.Socket, "socket", "", socket)
	case CmdCheck:
		fs.StringVar(&cmd.Config, "config", c.Config, config+"; or give it as the argument")
	case CmdShow:
		if c.SocketOf != nil {
			fs.StringVar(&cmd.Config, "config", "", "configuration file whose socket to ask (when -socket is not given)")
			socket = "status socket (default: -config's socket, else " + c.Socket + ")"
		} else {
			socket = "status socket (default " + c.Socket + ")"
		}
		fs.StringVar(&cmd.Socket, "socket", "", socket)
		fs.BoolVar(&cmd.JSON, "json", false, "print JSON")
	}
	if c.Flags != nil {
		c.Flags(sub, fs)
	}
	return fs
}

// usageError says why on stderr, then the usage of sub (all when sub is
// empty), and returns exit code 2.
func (c *CLI) usageError(stderr io.Writer, sub, format string, args ...any) int {
	who := c.Name
	if sub != "" {
		who += " " + sub
	}
	fmt.Fprintf(stderr, "%s: %s\n", who, fmt.Sprintf(format, args...))
	for _, l := range c.usageLines() {
		if sub == "" || l.sub == sub {
			fmt.Fprintf(stderr, "usage: %s\n", l.text)
		}
	}
	fmt.Fprintf(stderr, "(%s help lists the subcommands, views and flags)\n", c.Name)
	return 2
}

type usageLine struct{ sub, text string }

func (c *CLI) usageLines() []usageLine {
	show := c.Name + " show"
	switch {
	case c.Views != nil && c.DefaultView != "":
		show += " [" + strings.Join(c.Views, "|") + "]"
	case c.Views != nil:
		show += " " + strings.Join(c.Views, "|")
	}
	show += " [-json] [-socket PATH]"
	if c.SocketOf != nil {
		show += " [-config FILE]"
	}
	return []usageLine{
		{CmdRun, c.Name + " [run] [-config FILE] [-socket PATH]" + c.extraUsage(CmdRun)},
		{CmdCheck, c.Name + " check [-config FILE | FILE]" + c.extraUsage(CmdCheck)},
		{CmdShow, show + c.extraUsage(CmdShow)},
		{CmdVersion, c.Name + " version"},
		{CmdHelp, c.Name + " help"},
	}
}

// extraUsage lists CLI.Flags' flags of sub: " [-netns NAME] [-v]", the
// value named as flag.UnquoteUsage does, in upper case. A flag whose usage
// begins "the same as -" is an alias and left out.
func (c *CLI) extraUsage(sub string) string {
	if c.Flags == nil {
		return ""
	}
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	c.Flags(sub, fs)
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		if strings.HasPrefix(f.Usage, "the same as -") {
			return // an alias: help lists it, the usage line does not
		}
		name, _ := flag.UnquoteUsage(f)
		if name == "" {
			fmt.Fprintf(&b, " [-%s]", f.Name)
		} else {
			fmt.Fprintf(&b, " [-%s %s]", f.Name, strings.ToUpper(name))
		}
	})
	return b.String()
}

// Help writes the subcommands, views and flags to w.
func (c *CLI) Help(w io.Writer) {
	fmt.Fprintln(w, "usage:")
	for _, l := range c.usageLines() {
		fmt.Fprintf(w, "  %s\n", l.text)
	}
	fmt.Fprintln(w, "\nsubcommands:")
	show := "ask the running daemon over its status socket"
	if c.Views != nil {
		show += "; views: " + strings.Join(c.Views, ", ")
		if c.DefaultView != "" {
			show += " (default " + c.DefaultView + ")"
		}
	}
	if len(c.Aliases) > 0 {
		show += "; also " + strings.Join(c.Aliases, ", ")
	}
	t := NewTable(w)
	fmt.Fprintf(t, "  run\trun until SIGTERM or SIGINT (the default); SIGHUP re-reads the configuration\n")
	fmt.Fprintf(t, "  check\tvalidate the configuration and exit 0, else print the errors and exit 1\n")
	fmt.Fprintf(t, "  show\t%s\n", show)
	fmt.Fprintf(t, "  version\tprint the module version and VCS revision\n")
	fmt.Fprintf(t, "  help\tprint this help\n")
	_ = t.Flush()
	for _, sub := range []string{CmdRun, CmdCheck, CmdShow} {
		fs := c.flagSet(sub, &Command{})
		fmt.Fprintf(w, "\nflags of %s:\n", sub)
		var b bytes.Buffer
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fmt.Fprint(w, b.String())
	}
}

// Version is what `NAME version` prints: the module version and the VCS
// revision, time and modified flag the binary was built with.
func (c *CLI) Version() string {
	info, _ := debug.ReadBuildInfo()
	return c.Name + " " + VersionInfo(info)
}

// VersionInfo formats build information: "(devel)" and "unknown" where
// it is missing (a nil info, a test binary, a build outside VCS).
func VersionInfo(info *debug.BuildInfo) string {
	version, path, goVersion := "", "", runtime.Version()
	settings := map[string]string{}
	if info != nil {
		version, path, goVersion = info.Main.Version, info.Main.Path, cmp.Or(info.GoVersion, goVersion)
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
	}
	if version == "" {
		version = "(devel)"
	}
	unknown := func(s string) string { return cmp.Or(s, "unknown") }
	return fmt.Sprintf("%s\nmodule %s\nrevision %s\ntime %s\nmodified %s\n%s %s/%s\n",
		version, unknown(path), unknown(settings["vcs.revision"]), unknown(settings["vcs.time"]),
		unknown(settings["vcs.modified"]), goVersion, runtime.GOOS, runtime.GOARCH)
}

// ShowSocket is the socket show asks: -socket, else the socket of the
// -config file (with CLI.SocketOf), else def, else CLI.Socket.
func (c *CLI) ShowSocket(cmd Command, def string) (string, error) {
	if cmd.Socket != "" {
		return cmd.Socket, nil
	}
	if cmd.Config != "" && c.SocketOf != nil {
		s, err := c.SocketOf(cmd.Config)
		if err != nil {
			return "", err
		}
		if s != "" {
			return s, nil
		}
	}
	return cmp.Or(def, c.Socket), nil
}

// ShowView is the show subcommand of a daemon serving views (ServeViews):
// it fetches cmd.View from the socket (ShowSocket) within 10 s and prints
// it with show. It returns the exit code: 0, or 1 after "NAME show VIEW:
// reason" on stderr.
func (c *CLI) ShowView(cmd Command, stdout, stderr io.Writer, show func(w io.Writer, view string, data json.RawMessage, asJSON bool) error) int {
	path, err := c.ShowSocket(cmd, "")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	data, err := FetchView(ctx, path, cmd.View)
	if err == nil {
		err = show(stdout, cmd.View, data, cmd.JSON)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s show %s: %v\n", c.Name, cmd.View, err)
		return 1
	}
	return 0
}

// RunFunc is a daemon's run subcommand once its configuration is loaded:
// it runs until ctx is done (SIGTERM, SIGINT) and then stops gracefully.
// reload receives a value after SIGHUP; it is buffered 1, so a burst of
// SIGHUPs while the daemon is busy is one reload. The daemon's run loop
// receives from it, re-reads its configuration (see NextConfig) and keeps
// running: SIGHUP never ends the process.
type RunFunc func(ctx context.Context, socket string, log *slog.Logger, reload <-chan struct{}) error

// Run is the run subcommand once the configuration is loaded: a logger on
// stderr at logLevel in logFormat (see Logger); the status socket from
// -socket, else the configuration's (socket), else CLI.Socket; the
// instance lock on that socket (LockInstance), taken before run touches
// anything, so that a second run for one socket fails at once (exit 1)
// and leaves the first one's socket alone; then run until SIGTERM or
// SIGINT (RunUntilSignal, which gives the exit code).
func (c *CLI) Run(cmd Command, stderr io.Writer, logLevel, logFormat, socket string, run RunFunc) int {
	log := Logger(stderr, logLevel, logFormat)
	path := cmp.Or(cmd.Socket, socket, c.Socket)
	lock, err := LockInstance(c.Name, path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer lock.Close()
	return RunUntilSignal(log, c.Name, func(ctx context.Context, reload <-chan struct{}) error {
		return run(ctx, path, log, reload)
	})
}

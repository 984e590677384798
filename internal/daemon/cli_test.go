package daemon_test

import (
	"bytes"
	"flag"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/switchless/routing/internal/daemon"
)

func testCLI() daemon.CLI {
	return daemon.CLI{
		Name: "testd", Aliases: []string{"status"}, Views: []string{"routes", "stats"},
		Config: "/etc/testd.yaml", Socket: "/run/testd.sock",
		SocketOf: func(string) (string, error) { return "/run/from-config.sock", nil },
		Flags: func(sub string, fs *flag.FlagSet) {
			if sub == daemon.CmdRun {
				fs.Bool("v", false, "log at debug level")
			}
		},
	}
}

func TestCLIParse(t *testing.T) {
	cli := testCLI()
	type cmd struct {
		Name, View, Config, Socket string
		JSON                       bool
	}
	for _, tc := range []struct {
		args []string
		want cmd
	}{
		{nil, cmd{Name: "run", Config: "/etc/testd.yaml"}},
		{[]string{"-config", "x.yaml", "-socket", "s"}, cmd{Name: "run", Config: "x.yaml", Socket: "s"}},
		{[]string{"run", "-config", "x.yaml", "-v"}, cmd{Name: "run", Config: "x.yaml"}},
		{[]string{"check"}, cmd{Name: "check", Config: "/etc/testd.yaml"}},
		{[]string{"check", "f.yaml"}, cmd{Name: "check", Config: "f.yaml"}},
		{[]string{"check", "-config", "f.yaml"}, cmd{Name: "check", Config: "f.yaml"}},
		{[]string{"show", "stats", "-json"}, cmd{Name: "show", View: "stats", JSON: true}},
		{[]string{"show", "-json", "stats"}, cmd{Name: "show", View: "stats", JSON: true}},
		{[]string{"status", "routes", "-socket", "s"}, cmd{Name: "show", View: "routes", Socket: "s"}},
		{[]string{"show", "routes", "-config", "c.yaml"}, cmd{Name: "show", View: "routes", Config: "c.yaml"}},
	} {
		var out, errb bytes.Buffer
		got, code, ok := cli.Parse(tc.args, &out, &errb)
		g := cmd{got.Name, got.View, got.Config, got.Socket, got.JSON}
		if !ok || code != 0 || g != tc.want || errb.Len() > 0 || out.Len() > 0 {
			t.Errorf("Parse(%q) = %+v, %d, %v, stderr %q", tc.args, g, code, ok, errb.String())
		}
	}
	got, _, _ := cli.Parse([]string{"run", "-v"}, &bytes.Buffer{}, &bytes.Buffer{})
	if v := got.Flags.Lookup("v"); v == nil || v.Value.String() != "true" {
		t.Errorf("-v: %v", v)
	}
}

// TestCLIUsageErrors: every wrong command line is exit code 2 with the
// reason on the first line of stderr and the usage after it.
func TestCLIUsageErrors(t *testing.T) {
	cli := testCLI()
	for _, tc := range []struct {
		args []string
		why  string
	}{
		{[]string{"foo"}, `testd: unknown subcommand "foo"`},
		{[]string{"neighbors"}, `testd: unknown subcommand "neighbors"`},
		{[]string{"show"}, "testd show: which view? routes, stats"},
		{[]string{"show", "spf"}, `testd show: unknown view "spf" (want routes, stats)`},
		{[]string{"show", "routes", "extra"}, `testd show: unexpected argument "extra"`},
		{[]string{"show", "routes", "-v"}, "testd show: flag provided but not defined: -v"},
		{[]string{"check", "a.yaml", "b.yaml"}, `testd check: unexpected argument "b.yaml"`},
		{[]string{"check", "-config", "a.yaml", "b.yaml"}, "testd check: give the file once: -config a.yaml or b.yaml"},
		{[]string{"check", "-json"}, "testd check: flag provided but not defined: -json"},
		{[]string{"run", "-json"}, "testd run: flag provided but not defined: -json"},
		{[]string{"-config", "x.yaml", "show"}, `testd run: unexpected argument "show"`},
		{[]string{"run", "extra"}, `testd run: unexpected argument "extra"`},
		{[]string{"version", "x"}, `testd version: unexpected argument "x"`},
		{[]string{"help", "x"}, `testd help: unexpected argument "x"`},
		{[]string{"run", "-socket"}, "testd run: flag needs an argument: -socket"},
	} {
		var out, errb bytes.Buffer
		_, code, ok := cli.Parse(tc.args, &out, &errb)
		lines := strings.Split(errb.String(), "\n")
		if ok || code != 2 || lines[0] != tc.why || len(lines) < 3 || !strings.HasPrefix(lines[1], "usage: testd") || out.Len() > 0 {
			t.Errorf("Parse(%q) = %d, %v; stderr %q, want first line %q", tc.args, code, ok, errb.String(), tc.why)
		}
	}
}

func TestCLIHelpAndVersion(t *testing.T) {
	cli := testCLI()
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"-help"}, {"run", "-h"}, {"show", "-h"}} {
		var out, errb bytes.Buffer
		_, code, ok := cli.Parse(args, &out, &errb)
		if ok || code != 0 || errb.Len() > 0 {
			t.Errorf("%q: code %d, ok %v, stderr %q", args, code, ok, errb.String())
		}
		for _, want := range []string{
			"testd [run] [-config FILE] [-socket PATH] [-v]", "testd check [-config FILE | FILE]",
			"testd show routes|stats [-json] [-socket PATH] [-config FILE]", "testd version",
			"views: routes, stats; also status", "SIGHUP", "flags of run:", "-json", "log at debug level",
			`default "/etc/testd.yaml"`,
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%q: help lacks %q:\n%s", args, want, out.String())
			}
		}
	}
	for _, args := range [][]string{{"version"}, {"-version"}, {"--version"}} {
		var out, errb bytes.Buffer
		_, code, ok := cli.Parse(args, &out, &errb)
		if ok || code != 0 || !strings.HasPrefix(out.String(), "testd ") || !strings.Contains(out.String(), "\nrevision ") {
			t.Errorf("%q: code %d, ok %v, stdout %q", args, code, ok, out.String())
		}
	}
}

func TestVersionInfo(t *testing.T) {
	if got := daemon.VersionInfo(nil); !strings.HasPrefix(got, "(devel)\nmodule unknown\nrevision unknown\ntime unknown\nmodified unknown\ngo") {
		t.Errorf("nil: %q", got)
	}
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/switchless/routing", Version: "v0.3.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "050a762"}, {Key: "vcs.time", Value: "2026-12-03T08:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	want := "v0.3.0\nmodule github.com/switchless/routing\nrevision 050a762\ntime 2026-12-03T08:00:00Z\nmodified true\ngo1.26.8 "
	if got := daemon.VersionInfo(info); !strings.HasPrefix(got, want) {
		t.Errorf("got %q, want prefix %q", got, want)
	}
}

func TestShowSocket(t *testing.T) {
	cli := testCLI()
	for _, tc := range []struct {
		cmd  daemon.Command
		def  string
		want string
	}{
		{daemon.Command{Socket: "s"}, "", "s"},
		{daemon.Command{Config: "c.yaml"}, "", "/run/from-config.sock"},
		{daemon.Command{}, "", "/run/testd.sock"},
		{daemon.Command{}, "/run/other.sock", "/run/other.sock"},
	} {
		if got, err := cli.ShowSocket(tc.cmd, tc.def); err != nil || got != tc.want {
			t.Errorf("ShowSocket(%+v, %q) = %q, %v; want %q", tc.cmd, tc.def, got, err, tc.want)
		}
	}
}

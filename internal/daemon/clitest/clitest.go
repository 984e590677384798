// Package clitest checks a daemon's command line (daemon.CLI) in process,
// through its realMain with buffers: every subcommand and every error
// path, the same table for every daemon.
package clitest

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/switchless/routing/internal/daemon"
)

// Case is one command line and what it must give.
type Case struct {
	Name string
	Args []string
	Code int
	// Stdout and Stderr must be in the outputs; an empty one must be
	// empty.
	Stdout, Stderr string
}

// Daemon describes the daemon under test.
type Daemon struct {
	Name string
	Main func(args []string, stdout, stderr io.Writer) int
	// Example is a valid configuration file; CheckOK what check prints
	// for it.
	Example, CheckOK string
	// SocketKey is the configuration's status socket key.
	SocketKey string
	// View is a view show takes, "" when show takes none; Required says
	// that a bare show is a usage error.
	View     string
	Required bool
}

// Cases returns the table every daemon passes, with its files in a
// temporary directory; hold is the instance lock of the socket of the
// "locked" cases, released at the end of the test.
func (d Daemon) Cases(t *testing.T) []Case {
	t.Helper()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	example, err := os.ReadFile(d.Example)
	if err != nil {
		t.Fatal(err)
	}
	bad := write("bad.yaml", "colour: red\n"+string(example))
	missing := filepath.Join(dir, "missing.yaml")
	none := filepath.Join(dir, "none.sock")
	locked := filepath.Join(dir, "locked.sock")
	named := filepath.Join(dir, "named.sock")
	key := regexp.MustCompile(`(?m)^` + d.SocketKey + `: .*$`)
	withSocket := func(name, sock string) string {
		if !key.Match(example) {
			return write(name, d.SocketKey+": "+sock+"\n"+string(example))
		}
		return write(name, key.ReplaceAllString(string(example), d.SocketKey+": "+sock))
	}
	lockedCfg := withSocket("locked.yaml", locked)
	namedCfg := withSocket("named.yaml", named)
	lock, err := daemon.LockInstance(d.Name, locked)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lock.Close() })

	n := d.Name
	show := []string{"show"}
	if d.View != "" {
		show = append(show, d.View)
	}
	with := func(args ...string) []string { return append(append([]string(nil), show...), args...) }
	showWho := n + " show"
	if d.View != "" {
		showWho += " " + d.View
	}
	running := n + ": another instance is running (pid "
	cs := []Case{
		{"check example", []string{"check", d.Example}, 0, d.CheckOK, ""},
		{"check -config example", []string{"check", "-config", d.Example}, 0, d.CheckOK, ""},
		{"check bad", []string{"check", bad}, 1, "", bad + `:1: unknown key "colour" in the top level`},
		{"check -config bad", []string{"check", "-config", bad}, 1, "", bad + `:1: unknown key "colour"`},
		{"check missing", []string{"check", missing}, 1, "", "no such file"},
		{"check two files", []string{"check", d.Example, "x.yaml"}, 2, "", n + ` check: unexpected argument "x.yaml"`},
		{"check file twice", []string{"check", "-config", d.Example, "x.yaml"}, 2, "", n + " check: give the file once"},
		{"check -json", []string{"check", "-json", d.Example}, 2, "", n + " check: flag provided but not defined: -json"},
		{"unknown subcommand", []string{"bogus"}, 2, "", n + `: unknown subcommand "bogus"`},
		{"run -json", []string{"run", "-json"}, 2, "", n + " run: flag provided but not defined: -json"},
		{"run stray", []string{"run", "-config", d.Example, "extra"}, 2, "", n + ` run: unexpected argument "extra"`},
		{"flags then show", []string{"-config", d.Example, "show"}, 2, "", n + ` run: unexpected argument "show"`},
		{"run bad", []string{"run", "-config", bad}, 1, "", bad + `:1: unknown key "colour"`},
		{"run locked", []string{"run", "-config", lockedCfg}, 1, "", running},
		{"run locked -socket", []string{"run", "-config", d.Example, "-socket", locked}, 1, "", running},
		{"bare locked", []string{"-config", lockedCfg}, 1, "", running},
		{"show no daemon", with("-socket", none), 1, "", showWho + ": "},
		{"show -json no daemon", with("-json", "-socket", none), 1, "", showWho + ": "},
		{"show -config", with("-config", namedCfg), 1, "", named},
		{"show -config bad", with("-config", bad), 1, "", bad + `:1: unknown key "colour"`},
		{"show stray", with("-socket", none, "extra"), 2, "", ` show: unexpected argument "extra"`},
		{"show -v", with("-v"), 2, "", n + " show: flag provided but not defined: -v"},
		{"version", []string{"version"}, 0, n + " ", ""},
		{"-version", []string{"-version"}, 0, "\nrevision ", ""},
		{"--version", []string{"--version"}, 0, "\nmodule ", ""},
		{"version stray", []string{"version", "x"}, 2, "", n + ` version: unexpected argument "x"`},
		{"help", []string{"help"}, 0, "usage:\n  " + n + " [run] [-config FILE] [-socket PATH]", ""},
		{"-h", []string{"-h"}, 0, "\n  " + n + " check [-config FILE | FILE]", ""},
		{"--help", []string{"--help"}, 0, "SIGHUP re-reads the configuration", ""},
		{"run -h", []string{"run", "-h"}, 0, "flags of run:", ""},
	}
	if d.View != "" {
		cs = append(cs,
			Case{"show unknown view", []string{"show", "bogus"}, 2, "", n + ` show: unknown view "bogus"`},
			Case{"help lists views", []string{"help"}, 0, "views: ", ""},
			Case{"show -json first", []string{"show", "-json", "-socket", none, d.View}, 1, "", showWho + ": "},
		)
	} else {
		cs = append(cs, Case{"show takes no view", []string{"show", "bogus"}, 2, "", n + ` show: unexpected argument "bogus"`})
	}
	if d.Required {
		cs = append(cs, Case{"show without a view", []string{"show"}, 2, "", n + " show: which view? "})
	}
	return cs
}

// Run runs every case through main and checks its exit code and
// outputs.
func Run(t *testing.T, main func(args []string, stdout, stderr io.Writer) int, cases []Case) {
	t.Helper()
	for _, tc := range cases {
		var out, errb bytes.Buffer
		code := main(tc.Args, &out, &errb)
		if code != tc.Code || !contains(out.String(), tc.Stdout) || !contains(errb.String(), tc.Stderr) {
			t.Errorf("%s: %q: exit %d, want %d\nstdout %q, want %q in it\nstderr %q, want %q in it",
				tc.Name, tc.Args, code, tc.Code, out.String(), tc.Stdout, errb.String(), tc.Stderr)
		}
		if tc.Code == 2 && !strings.Contains(errb.String(), "\nusage: ") {
			t.Errorf("%s: %q: a usage error without the usage: %q", tc.Name, tc.Args, errb.String())
		}
	}
}

func contains(got, want string) bool {
	if want == "" {
		return got == ""
	}
	return strings.Contains(got, want)
}

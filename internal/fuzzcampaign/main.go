// Command fuzzcampaign runs every fuzz target of the module (or of the
// packages given) for a fixed time each, one after the other, keeps the
// corpus it grows in a directory of its own, and prints per target the
// executions, the new coverage (Go's "new interesting" inputs) and the
// corpus size, so that a campaign can be quoted and re-run:
//
//	go run ./internal/fuzzcampaign -fuzztime 10m -corpus /var/tmp/switchless-fuzz
//	go run ./internal/fuzzcampaign -fuzztime 30s -run 'Packet|LSA' ./ospf/...
//
// The corpus: before a target runs, the inputs saved in -corpus for it are
// copied into Go's fuzz cache (go env GOCACHE, fuzz/<import path>/<target>),
// where `go test -fuzz` reads its generated corpus; after the run the
// cache's inputs are copied back. A campaign therefore resumes where the
// last one stopped, and the directory can be archived. A crasher is
// written by `go test` into the package's testdata/fuzz/<target>/, where
// every later `go test` runs it as a seed; the campaign lists it and
// exits 1, and the crasher is then turned into a named regression test.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command's flags.
type options struct {
	fuzztime time.Duration
	corpus   string
	match    *regexp.Regexp
	parallel int
	minimize time.Duration
	pkgs     []string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("fuzzcampaign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var match string
	fs.DurationVar(&o.fuzztime, "fuzztime", time.Minute, "time per fuzz target")
	fs.StringVar(&o.corpus, "corpus", "", "directory keeping the generated corpus between campaigns (none: Go's cache only)")
	fs.StringVar(&match, "run", "", "run only the targets whose name matches this regular expression")
	fs.IntVar(&o.parallel, "parallel", 0, "fuzzing workers per target (0: GOMAXPROCS)")
	// Go minimises every input that finds new coverage for up to
	// -fuzzminimizetime (60 s by default) and counts none of those
	// executions: from a large seed, such as a 3 KB example YAML, a
	// target spent most of a minute per new input minimising and showed
	// 4 executions. A campaign wants breadth; crashers are still
	// minimised.
	fs.DurationVar(&o.minimize, "minimize", 5*time.Second, "time Go spends minimising each new interesting input (-fuzzminimizetime)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fuzzcampaign [-fuzztime D] [-minimize D] [-corpus DIR] [-run REGEXP] [-parallel N] [packages]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.fuzztime <= 0 {
		return o, errors.New("-fuzztime: must be positive")
	}
	if o.minimize <= 0 {
		return o, errors.New("-minimize: must be positive")
	}
	re, err := regexp.Compile(match)
	if err != nil {
		return o, fmt.Errorf("-run: %w", err)
	}
	o.match = re
	o.pkgs = fs.Args()
	if len(o.pkgs) == 0 {
		o.pkgs = []string{"./..."}
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "fuzzcampaign:", err)
		return 2
	}
	targets, err := listTargets(ctx, o.pkgs)
	if err != nil {
		fmt.Fprintln(stderr, "fuzzcampaign:", err)
		return 1
	}
	var sel []target
	for _, t := range targets {
		if o.match.MatchString(t.name) {
			sel = append(sel, t)
		}
	}
	if len(sel) == 0 {
		fmt.Fprintln(stderr, "fuzzcampaign: no fuzz target matches")
		return 1
	}
	cache, err := goEnv(ctx, "GOCACHE")
	if err != nil {
		fmt.Fprintln(stderr, "fuzzcampaign:", err)
		return 1
	}
	fmt.Fprintf(stderr, "fuzzcampaign: %d targets, %v each\n", len(sel), o.fuzztime)
	var results []result
	failed := false
	for _, t := range sel {
		if ctx.Err() != nil {
			break
		}
		r := fuzzOne(ctx, o, cache, t, stderr)
		results = append(results, r)
		if r.err != nil {
			failed = true
		}
	}
	printResults(stdout, o.fuzztime, results)
	if failed {
		return 1
	}
	return 0
}

// target is one fuzz function of one package.
type target struct {
	pkg  string // import path
	name string
}

// listTargets asks `go test -list` for the Fuzz functions of pkgs.
func listTargets(ctx context.Context, pkgs []string) ([]target, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"test", "-list", "^Fuzz", "-run", "^$"}, pkgs...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test -list: %w: %s", err, strings.TrimSpace(errb.String()))
	}
	return parseList(out.String()), nil
}

// parseList reads `go test -list` output: the names of a package come
// before its "ok <import path>" line.
func parseList(s string) []target {
	var out, pending []target
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		switch {
		case len(f) == 1 && strings.HasPrefix(f[0], "Fuzz"):
			pending = append(pending, target{name: f[0]})
		case len(f) >= 2 && (f[0] == "ok" || f[0] == "?"):
			for _, t := range pending {
				t.pkg = f[1]
				out = append(out, t)
			}
			pending = nil
		}
	}
	return out
}

func goEnv(ctx context.Context, key string) (string, error) {
	b, err := exec.CommandContext(ctx, "go", "env", key).Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", key, err)
	}
	v := strings.TrimSpace(string(b))
	if v == "" || v == "off" {
		return "", fmt.Errorf("go env %s is %q: the fuzz cache needs a build cache", key, v)
	}
	return v, nil
}

// result is one target's campaign.
type result struct {
	t        target
	stats    fuzzStats
	crasher  string // testdata path of a failing input
	err      error
	kept     int // inputs in -corpus after the run
	keptPath string
	// deadlineRace: go test failed only with go.dev/issue/75804.
	deadlineRace bool
}

// deadlineRace reports whether a failed go test -fuzz run failed only
// because the coordinator's -fuzztime deadline leaked out as the
// target's error (go.dev/issue/75804): the target's failure message is
// exactly "context deadline exceeded" and no input was written.
func deadlineRace(out string) bool {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "--- FAIL: Fuzz") {
			return i+1 < len(lines) && strings.TrimSpace(lines[i+1]) == "context deadline exceeded" &&
				!strings.Contains(out, "Failing input written to")
		}
	}
	return false
}

// fuzzStats is what the fuzzer's progress lines say.
type fuzzStats struct {
	fuzzing     time.Duration // the fuzzer's own clock (build excluded)
	baseline    int           // inputs of the starting corpus (seeds, testdata, cache)
	execs       int64
	interesting int // new inputs that widened coverage in this run
	total       int // corpus size at the end
}

var (
	// elapsed is a Go duration: "57s", then "1m0s", "9m57s", "1h0m3s".
	progressRE = regexp.MustCompile(`elapsed: ((?:\d+h)?(?:\d+m)?\d+s), execs: (\d+) \(\d+/sec\), new interesting: (\d+) \(total: (\d+)\)`)
	baselineRE = regexp.MustCompile(`gathering baseline coverage: \d+/(\d+) completed`)
	crasherRE  = regexp.MustCompile(`Failing input written to (\S+)`)
)

// parseProgress reads the fuzzer's output: the last progress line wins.
func parseProgress(s string) (fuzzStats, string) {
	var st fuzzStats
	var crasher string
	for _, line := range strings.Split(s, "\n") {
		if m := progressRE.FindStringSubmatch(line); m != nil {
			st.fuzzing, _ = time.ParseDuration(m[1])
			st.execs, _ = strconv.ParseInt(m[2], 10, 64)
			st.interesting, _ = strconv.Atoi(m[3])
			st.total, _ = strconv.Atoi(m[4])
		}
		if m := baselineRE.FindStringSubmatch(line); m != nil {
			st.baseline, _ = strconv.Atoi(m[1])
		}
		if m := crasherRE.FindStringSubmatch(line); m != nil {
			crasher = m[1]
		}
	}
	return st, crasher
}

func fuzzOne(ctx context.Context, o options, cache string, t target, stderr io.Writer) result {
	r := result{t: t}
	cached := filepath.Join(cache, "fuzz", filepath.FromSlash(t.pkg), t.name)
	if o.corpus != "" {
		r.keptPath = filepath.Join(o.corpus, filepath.FromSlash(t.pkg), t.name)
		if _, err := copyDir(r.keptPath, cached); err != nil && !errors.Is(err, os.ErrNotExist) {
			r.err = fmt.Errorf("seeding the cache: %w", err)
			return r
		}
	}
	args := []string{"test", "-run", "^$", "-fuzz", "^" + regexp.QuoteMeta(t.name) + "$", "-fuzztime", o.fuzztime.String(), "-fuzzminimizetime", o.minimize.String()}
	if o.parallel > 0 {
		args = append(args, "-parallel", strconv.Itoa(o.parallel))
	}
	args = append(args, t.pkg)
	fmt.Fprintf(stderr, "fuzzcampaign: %s %s\n", t.pkg, t.name)
	cmd := exec.CommandContext(ctx, "go", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	r.stats, r.crasher = parseProgress(out.String())
	if err != nil && r.crasher == "" && deadlineRace(out.String()) {
		// go.dev/issue/75804: Go 1.26's fuzz coordinator can report
		// its own -fuzztime deadline as a failure of the target, with
		// no failing input written. The run reached its time; it is
		// not a finding.
		r.deadlineRace, err = true, nil
	}
	if err != nil {
		r.err = fmt.Errorf("go test -fuzz: %w", err)
		fmt.Fprintf(stderr, "%s\n", lastLines(out.String(), 30))
	}
	if o.corpus != "" {
		n, cerr := copyDir(cached, r.keptPath)
		if cerr != nil && !errors.Is(cerr, os.ErrNotExist) && r.err == nil {
			r.err = fmt.Errorf("keeping the corpus: %w", cerr)
		}
		r.kept = n
	}
	return r
}

// copyDir copies the regular files of src into dst (created), skipping
// files dst already has: corpus entries are named by their content's
// hash. It returns how many files dst holds afterwards.
func copyDir(src, dst string) (int, error) {
	ents, err := os.ReadDir(src)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return 0, err
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		to := filepath.Join(dst, e.Name())
		if _, err := os.Stat(to); err == nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			return 0, err
		}
	}
	have, err := os.ReadDir(dst)
	return len(have), err
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func printResults(w io.Writer, per time.Duration, rs []result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "package\ttarget\tfuzzing\texecs\texecs/s\tnew coverage\tcorpus (start → end)\tresult\n")
	var execs int64
	for _, r := range rs {
		rate := int64(0)
		if s := r.stats.fuzzing.Seconds(); s > 0 {
			rate = int64(float64(r.stats.execs) / s)
		}
		res := "ok"
		switch {
		case r.crasher != "":
			res = "CRASHER " + r.crasher
		case r.err != nil:
			res = "FAIL " + r.err.Error()
		case r.deadlineRace:
			res = "ok (go.dev/issue/75804 deadline report ignored)"
		}
		if r.keptPath != "" {
			res += fmt.Sprintf(" (%d kept)", r.kept)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d → %d\t%s\n", r.t.pkg, r.t.name, r.stats.fuzzing,
			r.stats.execs, rate, r.stats.interesting, r.stats.baseline, r.stats.total, res)
		execs += r.stats.execs
	}
	tw.Flush()
	fmt.Fprintf(w, "%d targets, %v each, %d executions in all\n", len(rs), per, execs)
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseList(t *testing.T) {
	out := "FuzzParse\nok  \tgithub.com/switchless/routing/rip/packet\t0.011s\n" +
		"?   \tgithub.com/switchless/routing/anycastd\t[no test files]\n" +
		"FuzzPacket\nFuzzLSA\nok  \tgithub.com/switchless/routing/ospf/packet\t0.004s\n"
	got := parseList(out)
	want := []target{{"github.com/switchless/routing/rip/packet", "FuzzParse"},
		{"github.com/switchless/routing/ospf/packet", "FuzzPacket"}, {"github.com/switchless/routing/ospf/packet", "FuzzLSA"}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestParseProgress(t *testing.T) {
	out := `fuzz: elapsed: 0s, gathering baseline coverage: 0/56 completed
fuzz: elapsed: 0s, gathering baseline coverage: 56/56 completed, now fuzzing with 2 workers
fuzz: elapsed: 3s, execs: 34192 (11397/sec), new interesting: 2 (total: 58)
fuzz: elapsed: 6s, execs: 70001 (12000/sec), new interesting: 3 (total: 59)
--- FAIL: FuzzParse (6.01s)
    Failing input written to testdata/fuzz/FuzzParse/0123abcd
`
	st, crasher := parseProgress(out)
	if st.baseline != 56 || st.execs != 70001 || st.interesting != 3 || st.total != 59 || st.fuzzing != 6*time.Second {
		t.Errorf("stats %+v", st)
	}
	if crasher != "testdata/fuzz/FuzzParse/0123abcd" {
		t.Errorf("crasher %q", crasher)
	}
	// Past a minute Go writes the elapsed time as a duration: the
	// progress of a 10-minute campaign was read as of its 57th second
	// until the pattern took minutes.
	long := out + `fuzz: elapsed: 57s, execs: 600000 (10000/sec), new interesting: 20 (total: 76)
fuzz: elapsed: 1m0s, execs: 630000 (10000/sec), new interesting: 21 (total: 77)
fuzz: elapsed: 9m57s, execs: 5900000 (9900/sec), new interesting: 40 (total: 96)
`
	if st, _ := parseProgress(long); st.fuzzing != 9*time.Minute+57*time.Second || st.execs != 5900000 || st.interesting != 40 {
		t.Errorf("a 10-minute run's stats: %+v", st)
	}
}

func TestFlags(t *testing.T) {
	var errb bytes.Buffer
	for _, bad := range [][]string{{"-fuzztime", "0s"}, {"-minimize", "0s"}, {"-run", "("}, {"-nope"}} {
		if run(context.Background(), bad, &errb, &errb) != 2 {
			t.Errorf("%v: not a usage error", bad)
		}
	}
}

// A real, short campaign on the smallest target: it fuzzes, reports
// executions, and keeps the corpus in -corpus, which the next campaign
// starts from.
func TestCampaignKeepsCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a fuzz target")
	}
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"-fuzztime", "2s", "-parallel", "1", "-corpus", dir, "-run", "^FuzzParse$",
		"github.com/switchless/routing/rip/packet"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "FuzzParse") || !strings.Contains(out.String(), "1 targets") {
		t.Fatalf("report:\n%s", out.String())
	}
	kept, err := os.ReadDir(filepath.Join(dir, "github.com/switchless/routing/rip/packet", "FuzzParse"))
	if err != nil || len(kept) == 0 {
		t.Fatalf("corpus not kept: %v, %d files", err, len(kept))
	}
	t.Logf("\n%s", out.String())
}

// TestDeadlineRace: the coordinator's spurious deadline failure
// (go.dev/issue/75804) is recognised; a real crasher or another failure
// never is.
func TestDeadlineRace(t *testing.T) {
	race := "fuzz: elapsed: 2s, execs: 17708 (8628/sec), new interesting: 0 (total: 73)\n--- FAIL: FuzzParse (2.06s)\n    context deadline exceeded\nFAIL\nexit status 1\n"
	if !deadlineRace(race) {
		t.Error("the go.dev/issue/75804 output is not recognised")
	}
	for _, out := range []string{
		"--- FAIL: FuzzParse (2.06s)\n    fuzz_test.go:20: panic: index out of range\n    Failing input written to testdata/fuzz/FuzzParse/abc\n",
		"--- FAIL: FuzzParse (2.06s)\n    context deadline exceeded\n    Failing input written to testdata/fuzz/FuzzParse/abc\n",
		"--- FAIL: FuzzParse (2.06s)\n    fuzzing process hung or terminated unexpectedly: exit status 2\n",
		"FAIL\tgithub.com/x/y [build failed]\n",
	} {
		if deadlineRace(out) {
			t.Errorf("taken for the deadline race:\n%s", out)
		}
	}
}

//go:build linux

package lab_test

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchless/routing/examples/ringlab/lab"
	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/ring"
)

// TestLabFast runs the 5-node ring in namespaces with the fast profile:
// ours (ringd on every node) through every scenario (S0-S3r, and the
// freezes S1f-S2fr, and the anycast service's failure and return S5,
// S5r, probed by TCP banner), then the reference (FRR + keepalived) through the
// same scenarios on the same topology. After every scenario every server
// of a running node must answer the gateway's probes; for ours, every
// outage must stay within the generous bound the timers imply
// (lab.Limits: nothing may wait for a dead interval when links go down,
// and BFD, not the dead interval, must drop a node that freezes). Both
// stacks run BFD at 50 ms × 3; each stack's verify checks its sessions
// are up before a fault. The figures of both are
// logged side by side (go test -v); the reference's are not asserted.
//
// About three and a half minutes: each scenario waits 6 s of quiet
// before the next.
func TestLabFast(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "fping")
	frrBins := []string{"zebra", "bfdd", "staticd", "ospfd", "keepalived"}
	for _, b := range frrBins {
		nstest.RequireBinary(t, b)
	}
	ringd := buildRingd(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	var cols []lab.Column
	for _, st := range []lab.Stack{lab.Ours, lab.FRR} {
		w := &logWriter{t: t, prefix: st.String() + ": "}
		res, err := lab.Run(ctx, lab.Options{N: 5, Profile: ring.ProfileFast, Stack: st, Ringd: ringd, Out: w})
		w.flush()
		if err != nil {
			t.Fatalf("%v: %v", st, err)
		}
		t.Logf("%v:\n%s", st, lab.FormatResults(res))
		want := 11 // the reference runs no health-checked anycast: no S5, S5r
		if st == lab.Ours {
			want = 13
		}
		if len(res) != want {
			t.Fatalf("%v: %d results, want %d: S0 S1 S4 S2 S2r S3 S3r S1f S4f S2f S2fr (and S5 S5r for ours)", st, len(res), want)
		}
		for _, r := range res {
			if !r.Reachable {
				t.Errorf("%v %s %s: unreachable at the end: %v", st, r.ID, r.Name, r.Unreachable)
			}
			if st == lab.Ours && r.Limit > 0 && r.Outage > r.Limit {
				t.Errorf("%v %s %s: outage %v over %v (%s)", st, r.ID, r.Name, r.Outage, r.Limit, r.Why)
			}
		}
		cols = append(cols, lab.Column{Title: st.String(), Runs: [][]lab.Result{res}})
	}
	t.Logf("outage seen from the gateway:\n%s\nsettings:\n  ours: %s\n  frr: %s", lab.FormatComparison(cols),
		lab.Settings(lab.Ours, ring.ProfileFast), lab.Settings(lab.FRR, ring.ProfileFast))
}

// buildRingd compiles examples/ringd once for the test.
func buildRingd(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go"
	}
	out := filepath.Join(t.TempDir(), "ringd")
	if b, err := exec.Command(goBin, "build", "-o", out, "github.com/switchless/routing/examples/ringd").CombinedOutput(); err != nil {
		t.Fatalf("go build ringd: %v\n%s", err, b)
	}
	return out
}

// logWriter logs whole lines through t.Log.
type logWriter struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
	buf    bytes.Buffer
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			w.buf.WriteString(line)
			return len(p), nil
		}
		w.t.Log(w.prefix + strings.TrimRight(line, "\n"))
	}
}

func (w *logWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len() > 0 {
		w.t.Log(w.prefix + w.buf.String())
		w.buf.Reset()
	}
}

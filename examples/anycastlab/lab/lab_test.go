//go:build linux

package lab_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchless/routing/examples/anycastlab/lab"
	"github.com/switchless/routing/internal/nstest"
)

// TestLabOursFailover runs the lean part of the lab: ours (anycastd on
// both servers, b announcing the VIP's cover), failover mode (MA=1,
// MB=3), the service stopping on a,
// returning, and a drained and back. Every step must settle (both
// campuses on b after the faults, on a after their undoing); moving back
// to a healthy a and the drain must lose no probe; the outage of the
// stopped service must stay within the bound the checks imply
// (coverBound), far below the reference's 60 s cron. The measured
// figures are logged (go test -v). About 35 s: the steps settle for 2 s,
// not the command's 6 s; the start and the drain hold longer (Lab.hold).
func TestLabOursFailover(t *testing.T) {
	nstest.RequireRoot(t)
	for _, b := range []string{"zebra", "ripd", "vtysh", "tc"} {
		nstest.RequireBinary(t, b)
	}
	anycastd := nstest.GoBuild(t, "github.com/switchless/routing/examples/anycastd", "anycastd")
	helper := nstest.GoBuild(t, "github.com/switchless/routing/examples/anycastlab", "anycastlab")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	faults, err := lab.ParseFaults("stop,drain")
	if err != nil {
		t.Fatal(err)
	}
	w := &logWriter{t: t}
	res, err := lab.Run(ctx, lab.Options{Stack: lab.Ours, Mode: lab.Failover, Faults: faults, OursUpdate: oursUpdate, Cover: true,
		Anycastd: anycastd, Helper: helper, Out: w, StepTimeout: 30 * time.Second, Settle: 2 * time.Second})
	w.flush()
	t.Logf("\n%s\nsettings: %s", lab.FormatResults(res), lab.Settings(lab.Ours, lab.Fast, oursUpdate, 0, true))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 5 {
		t.Fatalf("%d results, want start stop return drain undrain", len(res))
	}
	for _, r := range res {
		if !r.Settled {
			t.Errorf("%s: did not settle: %+v", r.ID, r.Campus)
		}
		for i, c := range r.Campus {
			switch r.ID {
			case "return", "undrain":
				// A route change can cut one TCP probe in flight (its SYN
				// answered by one replica, its ACK routed to the other):
				// at most one per campus, never a run.
				if c.Lost > 1 {
					t.Errorf("%s c%d: %d probes lost moving back to a healthy a", r.ID, i+1, c.Lost)
				}
			case "stop":
				if c.Outage > coverBound {
					t.Errorf("%s c%d: outage %v over %v", r.ID, i+1, c.Outage, coverBound)
				}
			case "drain":
				// The drain announces the raised drain metric first, so
				// every campus moves to b while a still answers: nothing
				// may be lost, neither then nor at the withdrawal and the
				// removal of the alias at the end (inside the step).
				if c.Lost > 1 {
					t.Errorf("drain c%d: %d probes lost (outage %v), want none", i+1, c.Lost, c.Outage)
				}
			}
		}
	}
}

// oursUpdate is the servers' RIP update interval, as the command's
// default.
const oursUpdate = time.Second

// coverBound bounds the outage of a failed a when b announces the
// VIP's cover: the check's fall (3 × 100 ms) and its timeout, a's
// withdrawal to r1 and r1's triggered update to r2 (neither damped: each
// is its router's first change), then longest-prefix match on the cover;
// and a second for a busy two-core machine. Without the cover a campus
// router waits for b's /32, which RIP brings only with b's next update
// or r2's triggered update, damped by FRR for up to 5 s (RFC 2453
// §3.9.2, §3.10.1).
const coverBound = 300*time.Millisecond + 90*time.Millisecond + time.Second

// logWriter logs whole lines through t.Log.
type logWriter struct {
	t   *testing.T
	mu  sync.Mutex
	buf bytes.Buffer
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
		w.t.Log(strings.TrimRight(line, "\n"))
	}
}

func (w *logWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len() > 0 {
		w.t.Log(w.buf.String())
		w.buf.Reset()
	}
}

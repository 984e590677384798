package netsim

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
)

// events records link-state callbacks of attachments as "name:up/down".
type events []string

func (e *events) watch(a *Attachment) (cancel func()) {
	return a.OnLinkState(func(up bool) {
		s := "down"
		if up {
			s = "up"
		}
		*e = append(*e, a.String()+":"+s)
	})
}

func (e *events) take() []string {
	got := *e
	*e = nil
	return got
}

func expectEvents(t *testing.T, e *events, want ...string) {
	t.Helper()
	if got := e.take(); !slices.Equal(got, want) {
		t.Errorf("link-state events %q, want %q", got, want)
	}
}

// TestLinkCutRestore: a cut link drops sends and copies in flight and
// reports carrier loss at both ends at once; Restore brings it back, but
// a copy sent before the cut stays lost even if it would arrive after the
// restore.
func TestLinkCutRestore(t *testing.T) {
	n, clock := newNet(1)
	a, b := pair(t, n, Conditions{Latency: 10 * time.Millisecond})
	l := a.Link()
	var ev events
	ev.watch(a)
	ev.watch(b)
	tx := opener(t, a, ospfCfg)
	r := listen(t, b, ospfCfg, groupAllSPF)

	send(t, tx, groupAllSPF, []byte("in flight"))
	clock.Advance(5 * time.Millisecond)
	l.Cut()
	expectEvents(t, &ev, "r1/eth0:down", "r2/eth0:down")
	if a.Up() || b.Up() || !l.IsCut() {
		t.Fatal("attachments still up after Link.Cut")
	}
	send(t, tx, groupAllSPF, []byte("while cut"))
	clock.Advance(time.Millisecond)
	l.Restore()
	expectEvents(t, &ev, "r1/eth0:up", "r2/eth0:up")
	clock.Advance(time.Second)
	if len(r.got) != 0 {
		t.Fatalf("received %d packets sent before or during the cut", len(r.got))
	}
	s := l.Stats()
	if s.Dropped[DropCut] != 2 || s.Sent != 2 {
		t.Errorf("link stats %v, want sent=2 drop.cut=2", s)
	}
	if a.Stats().Dropped[DropCut] != 1 || b.Stats().Dropped[DropCut] != 1 {
		t.Errorf("cut drops: sender %v receiver %v, want one each", a.Stats(), b.Stats())
	}

	send(t, tx, groupAllSPF, []byte("after"))
	clock.Advance(time.Second)
	if len(r.got) != 1 || string(r.got[0].pkt.Payload) != "after" {
		t.Fatalf("after Restore got %+v", r.got)
	}
	// Idempotent: no events for repeated calls.
	l.Restore()
	l.Cut()
	l.Cut()
	expectEvents(t, &ev, "r1/eth0:down", "r2/eth0:down")
}

// TestAttachmentCut: pulling one end of a point-to-point cable takes both
// ends down; on a segment only the cut attachment goes down and the others
// keep talking.
func TestAttachmentCut(t *testing.T) {
	n, clock := newNet(1)
	a, b := pair(t, n, Conditions{})
	var ev events
	ev.watch(a)
	ev.watch(b)
	b.Cut()
	expectEvents(t, &ev, "r1/eth0:down", "r2/eth0:down")
	if !b.IsCut() || a.IsCut() || a.Up() {
		t.Errorf("IsCut a=%v b=%v, a.Up=%v", a.IsCut(), b.IsCut(), a.Up())
	}
	b.Restore()
	expectEvents(t, &ev, "r1/eth0:up", "r2/eth0:up")

	seg, atts := lan(t, n, 3, Conditions{})
	for _, x := range atts {
		ev.watch(x)
	}
	tx := opener(t, atts[0], ospfCfg)
	r1 := listen(t, atts[1], ospfCfg, groupAllSPF)
	r2 := listen(t, atts[2], ospfCfg, groupAllSPF)
	atts[2].Cut()
	expectEvents(t, &ev, "h2/eth0:down")
	send(t, tx, groupAllSPF, []byte{1})
	clock.Advance(0)
	if len(r1.got) != 1 || len(r2.got) != 0 {
		t.Errorf("with h2 cut: h1 got %d, h2 got %d; want 1 and 0", len(r1.got), len(r2.got))
	}
	if s := atts[2].Stats(); s.Dropped[DropCut] != 1 {
		t.Errorf("cut receiver stats %v, want drop.cut=1", s)
	}
	// A segment cut is the switch dying: everyone loses carrier.
	seg.Cut()
	expectEvents(t, &ev, "h0/eth0:down", "h1/eth0:down")
	atts[2].Restore() // still down: the segment is cut
	expectEvents(t, &ev)
	seg.Restore()
	expectEvents(t, &ev, "h0/eth0:up", "h1/eth0:up", "h2/eth0:up")
}

// TestOnLinkStateCancel: a cancelled callback is not called again.
func TestOnLinkStateCancel(t *testing.T) {
	n, _ := newNet(1)
	a, _ := pair(t, n, Conditions{})
	var ev events
	cancel := ev.watch(a)
	a.Cut()
	cancel()
	a.Restore()
	expectEvents(t, &ev, "r1/eth0:down")
}

// TestCrashRestart: a crashed node neither sends nor receives and its
// deliver callbacks are not called; copies in flight to it are lost; the
// far end of its point-to-point link loses carrier while a segment
// neighbour does not; Restart brings back its transports as they were.
func TestCrashRestart(t *testing.T) {
	n, clock := newNet(1)
	a, b := pair(t, n, Conditions{Latency: 10 * time.Millisecond})
	seg, err := n.Segment("lan", SegmentConfig{Conditions: Conditions{Latency: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	bl, err := seg.Attach(n.Node("r2"), "lan0", pfx("192.0.2.2/24"))
	if err != nil {
		t.Fatal(err)
	}
	hl, err := seg.Attach(n.Node("h"), "", pfx("192.0.2.10/24"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events
	for _, x := range []*Attachment{a, b, bl, hl} {
		ev.watch(x)
	}
	txA := opener(t, a, ospfCfg)
	txH := opener(t, hl, ospfCfg)
	rB := listen(t, b, ospfCfg, groupAllSPF)
	rBL := listen(t, bl, ospfCfg, groupAllSPF)
	rA := listen(t, a, ospfCfg, groupAllSPF)
	rH := listen(t, hl, ospfCfg, groupAllSPF)

	send(t, txA, groupAllSPF, []byte("in flight"))
	send(t, txH, groupAllSPF, []byte("in flight"))
	clock.Advance(time.Millisecond)
	r2 := n.Node("r2")
	r2.Crash()
	if !r2.Crashed() {
		t.Fatal("Crashed() false after Crash")
	}
	// The point-to-point far end sees carrier loss; nothing is reported
	// to the dead node, nor to its segment neighbour.
	expectEvents(t, &ev, "r1/eth0:down")
	if a.Up() || b.Up() || bl.Up() || !hl.Up() {
		t.Errorf("Up: r1=%v r2=%v r2/lan0=%v h=%v, want false false false true", a.Up(), b.Up(), bl.Up(), hl.Up())
	}
	send(t, txA, groupAllSPF, []byte("to dead"))
	send(t, txH, groupAllSPF, []byte("to dead"))
	send(t, rB.t, groupAllSPF, []byte("from dead"))
	send(t, rBL.t, groupAllSPF, []byte("from dead"))
	clock.Advance(time.Second)
	if len(rB.got)+len(rBL.got) != 0 {
		t.Errorf("crashed node received %d packets", len(rB.got)+len(rBL.got))
	}
	if len(rA.got)+len(rH.got) != 0 {
		t.Errorf("crashed node sent %d packets", len(rA.got)+len(rH.got))
	}
	if s := n.Stats(); s.Dropped[DropCrash] != 6 || s.Delivered != 0 {
		t.Errorf("network stats %v, want 6 crash drops and no delivery", s)
	}

	r2.Restart()
	expectEvents(t, &ev, "r1/eth0:up", "r2/eth0:up", "r2/lan0:up")
	send(t, txA, groupAllSPF, []byte("hello again"))
	send(t, rBL.t, groupAllSPF, []byte("back"))
	clock.Advance(time.Second)
	if len(rB.got) != 1 || len(rH.got) != 1 {
		t.Errorf("after Restart r2 got %d, h got %d; want 1 and 1", len(rB.got), len(rH.got))
	}
	// A crashed node's link cut while dead is not reported, and its state
	// on restart reflects the cut.
	r2.Crash()
	b.Cut()
	expectEvents(t, &ev, "r1/eth0:down")
	r2.Restart()
	expectEvents(t, &ev, "r2/lan0:up")
	if b.Up() {
		t.Error("cut attachment up after Restart")
	}
}

// TestLogging: state changes are logged at Info, drops at Debug.
func TestLogging(t *testing.T) {
	var buf bytes.Buffer
	clock := routing.NewManualClock(time.Time{})
	n := New(clock, 1, slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	a, _ := pair(t, n, Conditions{})
	a.Link().Cut()
	send(t, opener(t, a, ospfCfg), groupAllSPF, []byte{1})
	n.Node("r2").Crash()
	out := buf.String()
	for _, want := range []string{
		`msg="netsim: link cut" link=r1/eth0-r2/eth0`,
		`msg="netsim: carrier" attachment=r1/eth0 up=false`,
		`level=DEBUG msg="netsim: drop" attachment=r1/eth0 reason=cut proto=89`,
		`msg="netsim: node crashed" node=r2`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// TestAttachToCrashedNode: an attachment made on a crashed node starts
// down, and sends from it count as crash drops.
func TestAttachToCrashedNode(t *testing.T) {
	n, _ := newNet(1)
	n.Node("dead").Crash()
	seg, err := n.Segment("lan", SegmentConfig{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := seg.Attach(n.Node("dead"), "", pfx("192.0.2.1/24"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Up() {
		t.Fatal("attachment of a crashed node is up")
	}
	send(t, opener(t, a, ospfCfg), groupAllSPF, []byte{1})
	if s := a.Stats(); s.Dropped[DropCrash] != 1 {
		t.Errorf("stats %v, want drop.crash=1", s)
	}
}

// TestConcurrentObservers: one goroutine drives the clock and traffic
// while another reads state; run with -race.
func TestConcurrentObservers(t *testing.T) {
	n, clock := newNet(1)
	_, atts := lan(t, n, 4, Conditions{Latency: time.Millisecond, Jitter: time.Millisecond})
	tx := opener(t, atts[0], ospfCfg)
	for _, a := range atts[1:] {
		listen(t, a, ospfCfg, groupAllSPF)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			for _, l := range n.Links() {
				_ = l.Stats()
				for _, a := range l.Attachments() {
					_, _, _ = a.Up(), a.Groups(), a.Addrs()
				}
			}
			_ = n.Stats()
		}
	}()
	for i := range 500 {
		send(t, tx, groupAllSPF, numbered(i))
		if i == 250 {
			atts[2].Cut()
			atts[2].Restore()
		}
		clock.Advance(100 * time.Microsecond)
	}
	<-done
	clock.RunUntilIdle(time.Second)
	if s := n.Stats(); s.Sent != 500 {
		t.Errorf("stats %v", s)
	}
}

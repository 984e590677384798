package lab

import (
	"testing"
	"time"
)

func probes(t0 time.Time, servers ...string) []probe {
	var ps []probe
	for i, s := range servers {
		ps = append(ps, probe{start: t0.Add(time.Duration(i) * ProbeInterval), server: s, done: true})
	}
	return ps
}

// A failover: a answers, three probes fail, b answers.
func TestAnalyzeFailover(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ps := probes(t0.Add(-2*ProbeInterval), "a", "a", "a", "", "", "", "b", "", "b", "b")
	r := analyze(ps, t0, "b")
	if r.Outage != 3*ProbeInterval || r.Lost != 4 || r.Got != "b" || r.Moved != 6*ProbeInterval {
		t.Fatalf("%+v: want outage 30ms, lost 4, got b, moved after 60ms", r)
	}
}

// A drain without loss: the client moves from a to b, nothing fails.
func TestAnalyzeNoLoss(t *testing.T) {
	t0 := time.Unix(1000, 0)
	r := analyze(probes(t0, "a", "a", "b", "b"), t0, "b")
	if r.Outage != 0 || r.Lost != 0 || r.Moved != 2*ProbeInterval {
		t.Fatalf("%+v", r)
	}
	// Still on a at the end: never moved.
	r = analyze(probes(t0, "a", "a"), t0, "b")
	if r.Moved != 0 || r.Got != "a" {
		t.Fatalf("%+v", r)
	}
}

func TestSettled(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var names []string
	for range 300 {
		names = append(names, "b")
	}
	ps := probes(t0, names...)
	now := t0.Add(3 * time.Second)
	if !settled(ps, t0, now, time.Second, "b") {
		t.Fatal("300 probes of b: not settled on b")
	}
	if settled(ps, t0, now, time.Second, "a") {
		t.Fatal("settled on a")
	}
	ps[250].server = ""
	if settled(ps, t0, now, time.Second, "b") {
		t.Fatal("a failed probe in the window: settled")
	}
	if settled(ps, t0, t0.Add(500*time.Millisecond), time.Second, "b") {
		t.Fatal("window before t0: settled")
	}
}

package rip

import (
	"testing"
	"time"

	"github.com/switchless/routing/rip/packet"
)

var defaultPfx = pfx("0.0.0.0/0")

// §3.10.1, §3.8: DefaultInformation.Originate without Always advertises
// 0.0.0.0/0 exactly while SetDefaultRoute says the router has a default
// route: a triggered update when it appears, metric 16 and garbage
// collection when it goes.
func Test3_10_1_DefaultOnlyWhilePresent(t *testing.T) {
	r := newRig(t, func(c *Config) { c.DefaultInformation = DefaultInformation{Originate: true, Metric: 3, Tag: 7} })
	r.advance(40 * time.Second)
	if _, ok := entriesSent(r.tr["eth0"].take())[defaultPfx]; ok {
		t.Fatal("default advertised before SetDefaultRoute(true)")
	}
	if _, ok := r.inst.Route(defaultPfx); ok {
		t.Fatal("default in the table before SetDefaultRoute(true)")
	}

	r.inst.SetDefaultRoute(true)
	for _, name := range []string{"eth0", "eth1"} {
		if e, ok := entriesSent(r.tr[name].take())[defaultPfx]; !ok || e.Metric != 3 || e.Tag != 7 {
			t.Fatalf("%s's triggered update: default %+v, %v", name, e, ok)
		}
	}
	if rt, _ := r.inst.Route(defaultPfx); rt.Source != SourceDefault || rt.Metric != 3 {
		t.Fatalf("route %+v", rt)
	}
	r.inst.SetDefaultRoute(true) // no change, nothing sent
	if sent := r.tr["eth0"].take(); len(sent) != 0 {
		t.Fatalf("sent %+v for an unchanged report", sent)
	}

	r.advance(10 * time.Second)
	r.tr["eth0"].take()
	r.inst.SetDefaultRoute(false)
	if e := entriesSent(r.tr["eth0"].take())[defaultPfx]; e.Metric != packet.Infinity {
		t.Fatalf("withdrawal: default %+v, want metric 16", e)
	}
	if rt, _ := r.inst.Route(defaultPfx); rt.Metric != 16 || rt.GarbageCollection == 0 {
		t.Fatalf("withdrawn default %+v, want metric 16 in garbage collection", rt)
	}
	r.advance(DefaultGarbageCollection + time.Second)
	if _, ok := r.inst.Route(defaultPfx); ok {
		t.Fatal("withdrawn default not deleted")
	}
}

// Always ignores SetDefaultRoute; a report before Start is kept for it.
func TestDefaultInformation_AlwaysAndBeforeStart(t *testing.T) {
	r := newRig(t, func(c *Config) { c.DefaultInformation = DefaultInformation{Originate: true, Always: true} })
	r.inst.SetDefaultRoute(false)
	if rt, _ := r.inst.Route(defaultPfx); rt.Metric != 1 || rt.Source != SourceDefault {
		t.Fatalf("Always: %+v", rt)
	}

	cfg := rigConfig()
	cfg.DefaultInformation = DefaultInformation{Originate: true}
	tr0, tr1 := &fakeTr{}, &fakeTr{}
	inst, err := New(cfg, Env{Clock: newRigClock(), Transports: trMap("eth0", tr0, "eth1", tr1)})
	if err != nil {
		t.Fatal(err)
	}
	inst.SetDefaultRoute(true)
	if err := inst.Start(); err != nil {
		t.Fatal(err)
	}
	if e, ok := entriesSent(tr0.take())[defaultPfx]; !ok || e.Metric != 1 {
		t.Fatalf("Start's first update: default %+v, %v", e, ok)
	}
}

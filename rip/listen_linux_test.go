package rip

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/nstest"
)

// Two of our routers in network namespaces joined by a veth pair, on
// real UDP 520 sockets from Listen: b learns a's announced /32 and
// installs it in its kernel with rtm_protocol RIP; a's graceful stop
// takes it out of b's kernel at once. Needs root (skips otherwise, fails
// under CI=true).
func TestListen_TwoNamespaces(t *testing.T) {
	nstest.RequireRoot(t)
	na, nb := nstest.New(t, "ripa"), nstest.New(t, "ripb")
	nstest.Veth(t, na, "veth0", nb, "veth0")
	na.Exec(t, "ip", "addr", "add", "10.0.0.1/24", "dev", "veth0")
	nb.Exec(t, "ip", "addr", "add", "10.0.0.2/24", "dev", "veth0")
	ctx := context.Background()
	start := func(ns *nstest.NS, p string, sink fib.Sink) *Instance {
		cfg := Config{Timers: FastTimers(), Interfaces: []InterfaceConfig{{Name: "veth0", Prefix: pfx(p)}}}
		trs, err := Listen(ctx, &cfg, ns.Name(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Interfaces[0].IfIndex == 0 {
			t.Fatal("Listen did not fill IfIndex")
		}
		inst, err := New(cfg, Env{Clock: routing.SystemClock(), Transports: trs, FIB: sink})
		if err != nil {
			t.Fatal(err)
		}
		if err := inst.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = inst.Stop(ctx) })
		return inst
	}
	sink, err := fib.OpenNetlink(ctx, fib.NetlinkConfig{Namespace: nb.Name(), Protocol: fib.ProtocolRIP})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	a := start(na, "10.0.0.1/24", nil)
	start(nb, "10.0.0.2/24", sink)
	if err := a.Announce(pfx("198.51.100.10/32"), 1, 0); err != nil {
		t.Fatal(err)
	}
	proto := fmt.Sprint(fib.RTProtoRIP)
	nstest.Eventually(t, 10*time.Second, func() error {
		out := nb.Exec(t, "ip", "route", "show", "198.51.100.10/32")
		if !strings.Contains(out, "via 10.0.0.1") || !strings.Contains(out, "proto "+proto) && !strings.Contains(out, "sl-rip") {
			return fmt.Errorf("kernel route: %q", out)
		}
		return nil
	})
	stopped := time.Now()
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	nstest.Eventually(t, 2*time.Second, func() error {
		if out := nb.Exec(t, "ip", "route", "show", "198.51.100.10/32"); out != "" {
			return fmt.Errorf("still in the kernel: %q", out)
		}
		return nil
	})
	t.Logf("withdrawn from the far kernel %v after Stop", time.Since(stopped))
}

func TestListen_UnknownInterface(t *testing.T) {
	cfg := Config{Interfaces: []InterfaceConfig{{Name: "no-such-if0", Prefix: pfx("10.0.0.1/24")}}}
	if _, err := Listen(context.Background(), &cfg, "", nil); err == nil || !strings.Contains(err.Error(), "no-such-if0") {
		t.Fatalf("err = %v", err)
	}
}
